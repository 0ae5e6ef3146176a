/*
 * smtp.c: one libesmtp session per batch, with our own TLS context, AUTH,
 * a bounded connect, per-message verdicts as they come, and a clean stop
 * between two messages. See smtp.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* These two first: libesmtp.h declares the TLS and AUTH calls after them. */
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <openssl/err.h>
#include <auth-client.h>
#include <libesmtp.h>

#include "config.h"
#include "log.h"
#include "smtp.h"
#include "smtp_reply.h"
#include "util.h"
#include "banned.h"

/* After the connect deadline, interrupt each further connect() at once. */
#define CONNECT_REPEAT_US	20000
/* Descriptors looked at, from the lowest free one, for libesmtp's socket. */
#define FD_PROBE		16

struct smtp_client {
	const struct config	*cfg;
	enum starttls_mode	 tls;
	SSL_CTX			*ssl_ctx;	/* NULL when tls is off */
	char			 sni[256];	/* "" for an IP address */
	auth_context_t		 auth;		/* NULL without smtp_user */
	char			*user, *password;
	char			 server[300];	/* "host:port" for libesmtp */
	char			 tls_error[160]; /* why verification failed */
};

struct batch;

struct slot {
	struct smtp_item	*it;
	struct batch		*b;
	smtp_message_t		 msg;
	smtp_recipient_t	 rcpt;
	bool			 fed;		/* its content was handed over */
	bool			 cancelled;	/* refused its content: stopping */
	bool			 reported;
};

struct batch {
	struct smtp_client	*c;
	const struct smtp_hooks	*h;
	struct slot		*slots;
	size_t			 n;
	struct smtp_watch	 watch;
	bool			 stopped;
	bool			 unauthenticated;
	bool			 no_starttls;
	bool			 weak_cipher;
	int			 fd_low;	/* lowest free descriptor before */
	bool			 fd_open[FD_PROBE];	/* fd_low + i open before */
};

static volatile sig_atomic_t	connect_expired;

static void
on_alarm(int sig)
{
	(void)sig;
	connect_expired = 1;
}

/* Arm (ms > 0) or disarm (0) the connect deadline. */
static void
connect_deadline(long ms)
{
	struct itimerval	it;

	memset(&it, 0, sizeof(it));
	if (ms > 0) {
		connect_expired = 0;
		it.it_value.tv_sec = ms / 1000;
		it.it_value.tv_usec = (ms % 1000) * 1000;
		it.it_interval.tv_usec = CONNECT_REPEAT_US;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

static bool
host_is_ip(const char *host, char *bare, size_t barelen)
{
	unsigned char	a[16];
	size_t		n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < barelen) {
		memcpy(bare, host + 1, n - 2);
		bare[n - 2] = '\0';
	} else
		snprintf(bare, barelen, "%s", host);
	return inet_pton(AF_INET, bare, a) == 1 ||
	    inet_pton(AF_INET6, bare, a) == 1;
}

/* Remember why OpenSSL refused the certificate, for last_error and logs. */
static int
verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL			*ssl;
	struct smtp_client	*c;
	int			 e;

	if (ok)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(store,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	c = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
	if (c != NULL && c->tls_error[0] == '\0') {
		e = X509_STORE_CTX_get_error(store);
		snprintf(c->tls_error, sizeof(c->tls_error),
		    "certificate refused: %s (depth %d)",
		    X509_verify_cert_error_string(e),
		    X509_STORE_CTX_get_error_depth(store));
	}
	return ok;
}

/*
 * libesmtp creates the SSL itself and sets no SNI; name the relay as the
 * handshake starts, before the ClientHello is written.
 */
static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct smtp_client	*c;

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_START))
		return;
	c = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (c != NULL && c->sni[0] != '\0')
		(void)SSL_set_tlsext_host_name((SSL *)(void *)ssl, c->sni);
}

static int
tls_setup(struct smtp_client *c, char *err, size_t errlen)
{
	const struct config	*cfg = c->cfg;
	X509_VERIFY_PARAM	*param;
	char			 bare[256];
	int			 ok;

	if ((c->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "TLS: cannot create a context");
		return -1;
	}
	SSL_CTX_set_app_data(c->ssl_ctx, c);
	/*
	 * TLS 1.2 only. A TLS 1.3 relay sends NewSessionTicket records right
	 * after the handshake; when they arrive before libesmtp's first poll,
	 * libesmtp reads for the EHLO reply before it has flushed EHLO and
	 * waits out the command timeout (seen with Node's and OpenSSL's
	 * servers, and Outlook's relay sends them too). TLS 1.2 has no
	 * post-handshake messages.
	 */
	SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(c->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(c->ssl_ctx, SSL_OP_NO_RENEGOTIATION);
	if (*cfg->smtp_ca_file != '\0')
		ok = SSL_CTX_load_verify_locations(c->ssl_ctx,
		    cfg->smtp_ca_file, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(c->ssl_ctx);
	if (ok != 1) {
		snprintf(err, errlen, "smtp_ca_file: cannot load \"%s\": %s",
		    cfg->smtp_ca_file, ERR_reason_error_string(ERR_get_error()));
		ERR_clear_error();
		return -1;
	}
	/* The name is checked by OpenSSL during the handshake. */
	param = SSL_CTX_get0_param(c->ssl_ctx);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (host_is_ip(cfg->smtp_host, bare, sizeof(bare)))
		ok = X509_VERIFY_PARAM_set1_ip_asc(param, bare);
	else {
		ok = X509_VERIFY_PARAM_set1_host(param, cfg->smtp_host, 0);
		snprintf(c->sni, sizeof(c->sni), "%s", cfg->smtp_host);
	}
	if (ok != 1) {
		snprintf(err, errlen, "smtp_host: \"%s\" cannot be checked "
		    "against a certificate", cfg->smtp_host);
		return -1;
	}
	SSL_CTX_set_verify(c->ssl_ctx, c->tls == STARTTLS_REQUIRED ?
	    SSL_VERIFY_PEER : SSL_VERIFY_NONE, verify_cb);
	SSL_CTX_set_info_callback(c->ssl_ctx, info_cb);
	return 0;
}

/* libesmtp asks for the credentials while it builds the AUTH exchange. */
static int
auth_interact(auth_client_request_t req, char **result, int fields,
    void *arg)
{
	struct smtp_client	*c = arg;
	static char		 empty[] = "";
	int			 i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_PASS)
			result[i] = c->password;
		else if (req[i].flags & AUTH_USER)
			result[i] = c->user;
		else if (req[i].flags & AUTH_REALM)
			result[i] = empty;
		else
			return 0;
	}
	return 1;
}

struct smtp_client *
smtp_client_new(const struct config *cfg, char *err, size_t errlen)
{
	struct smtp_client	*c = xcalloc(1, sizeof(*c));
	struct sigaction	 sa;

	c->cfg = cfg;
	c->tls = config_starttls(cfg);
	snprintf(c->server, sizeof(c->server), "%s:%ld", cfg->smtp_host,
	    cfg->smtp_port);
	if (c->tls != STARTTLS_OFF && tls_setup(c, err, errlen) != 0) {
		smtp_client_free(c);
		return NULL;
	}
	if (*cfg->smtp_user != '\0') {
		auth_client_init();
		c->auth = auth_create_context();
		if (c->auth == NULL)
			fatalx("auth_create_context: out of memory");
		c->user = xstrdup(cfg->smtp_user);
		c->password = xstrdup(cfg->smtp_password ?
		    cfg->smtp_password : "");
		/* PLAIN and LOGIN are allowed: TLS protects them (config.c) */
		auth_set_mechanism_flags(c->auth, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(c->auth, auth_interact, c);
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: connect() must end */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	return c;
}

void
smtp_client_free(struct smtp_client *c)
{
	if (c == NULL)
		return;
	if (c->auth != NULL) {
		auth_destroy_context(c->auth);
		auth_client_exit();
	}
	if (c->password != NULL) {
		OPENSSL_cleanse(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->user);
	SSL_CTX_free(c->ssl_ctx);
	free(c);
}

static int
reply_class(const smtp_status_t *st)
{
	return st != NULL ? st->code / 100 : 0;
}

/* The relay's verdict on a message so far, or NULL when it has none. */
static const smtp_status_t *
slot_verdict(const struct slot *s)
{
	const smtp_status_t	*st;
	int			 k;

	if (s->cancelled)
		return NULL;
	st = smtp_reverse_path_status(s->msg);
	if ((k = reply_class(st)) != 0 && k != 2)
		return k == 4 || k == 5 ? st : NULL;
	st = smtp_recipient_status(s->rcpt);
	if ((k = reply_class(st)) != 0 && k != 2)
		return k == 4 || k == 5 ? st : NULL;
	st = smtp_message_transfer_status(s->msg);
	k = reply_class(st);
	return k == 2 || k == 4 || k == 5 ? st : NULL;
}

static void
slot_report(struct slot *s)
{
	const smtp_status_t	*st;
	struct batch		*b = s->b;
	size_t			 i;
	int			 saved;

	if (s->reported || b->unauthenticated ||
	    (st = slot_verdict(s)) == NULL)
		return;
	s->reported = true;
	s->it->code = st->code;
	(void)str_printf(s->it->reply, sizeof(s->it->reply), "%d %s",
	    st->code, st->text ? st->text : "");
	for (i = 0; s->it->reply[i] != '\0'; i++)
		if ((unsigned char)s->it->reply[i] < 0x20)
			s->it->reply[i] = ' ';
	while (i > 0 && s->it->reply[i - 1] == ' ')
		s->it->reply[--i] = '\0';
	if (b->h->done != NULL) {
		saved = errno;		/* as in tick() */
		b->h->done(s->it, b->h->arg);
		errno = saved;
	}
}

/*
 * The relay answered the message's MAIL FROM: it has the message in hand,
 * unless the session did not authenticate (its content is refused then).
 */
static void
slot_mail_answered(struct slot *s)
{
	if (s == NULL)
		return;
	if (!s->b->unauthenticated &&
	    reply_class(smtp_reverse_path_status(s->msg)) != 0)
		s->it->given = true;
	slot_report(s);
}

/*
 * The caller's hook runs inside libesmtp's I/O loop: its database calls
 * must not leave an errno (EAGAIN from a non-blocking read) that libesmtp
 * would take for its own.
 */
static void
tick(struct batch *b)
{
	int	saved = errno;

	if (b->h->tick != NULL)
		b->h->tick(b->h->arg);
	errno = saved;
}

/*
 * The message text, handed over whole. Before the first byte of a
 * message, a stop (or a session that did not authenticate) refuses it:
 * errno set and no data make libesmtp drop the connection in the middle of
 * DATA, so the relay discards the message and nothing half-sent remains.
 */
static const char *
content_cb(void **ctx, int *len, void *arg)
{
	struct slot	*s = arg;
	struct batch	*b = s->b;

	(void)ctx;
	if (len == NULL) {		/* rewind */
		s->fed = false;
		return NULL;
	}
	if (s->fed) {
		*len = 0;
		errno = 0;	/* the end, not a failure (see above) */
		return NULL;
	}
	if (b->stopped || b->unauthenticated ||
	    (b->h->stop != NULL && b->h->stop(b->h->arg))) {
		b->stopped = b->stopped || !b->unauthenticated;
		s->cancelled = true;
		*len = 0;
		errno = ECANCELED;
		return NULL;
	}
	s->fed = true;
	s->it->given = true;
	*len = (int)s->it->len;
	return s->it->message;
}

static void
monitor_cb(const char *buf, int len, int writing, void *arg)
{
	struct batch	*b = arg;

	if (len <= 0)
		return;
	if (writing == SMTP_CB_WRITING)
		smtp_watch_wrote(&b->watch, buf, (size_t)len);
	else if (writing == SMTP_CB_READING)
		smtp_watch_read(&b->watch, buf, (size_t)len);
	tick(b);
}

/* A TLS check libesmtp asks about: *ok says whether to go on. */
static void
tls_event(struct batch *b, int event, va_list ap)
{
	struct smtp_client	*c = b->c;
	int			*ok;
	long			 vr;
	SSL			*ssl;

	switch (event) {
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		vr = va_arg(ap, long);
		ok = va_arg(ap, int *);
		if (c->tls_error[0] == '\0')
			snprintf(c->tls_error, sizeof(c->tls_error),
			    "certificate refused: %s",
			    X509_verify_cert_error_string(vr));
		*ok = c->tls == STARTTLS_OPPORTUNISTIC;
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		/*
		 * libesmtp's own name check knows no IP addresses; OpenSSL
		 * already checked the name or address we gave it.
		 */
		ok = va_arg(ap, int *);
		(void)va_arg(ap, const char *);
		ssl = va_arg(ap, SSL *);
		*ok = c->tls == STARTTLS_OPPORTUNISTIC ||
		    SSL_get_verify_result(ssl) == X509_V_OK;
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		snprintf(c->tls_error, sizeof(c->tls_error),
		    "the relay sent no certificate");
		*ok = c->tls == STARTTLS_OPPORTUNISTIC;
		break;
	case SMTP_EV_WEAK_CIPHER:
		(void)va_arg(ap, int);
		ok = va_arg(ap, int *);
		b->weak_cipher = true;
		*ok = 0;
		break;
	default:
		break;
	}
}

/* Note which descriptors are open before the session opens its socket. */
static void
fds_snapshot(struct batch *b)
{
	int	i;

	/* open() returns the lowest free descriptor: socket() will too */
	if ((b->fd_low = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		return;
	close(b->fd_low);
	for (i = 0; i < FD_PROBE; i++)
		b->fd_open[i] = fcntl(b->fd_low + i, F_GETFD) != -1;
}

/*
 * libesmtp writes a message through a 2 KiB buffer and leaves Nagle on,
 * so the last piece of any longer message waits for the relay's delayed
 * ACK: 40 ms a message. libesmtp does not expose its socket; it is the
 * TCP socket that was not open before the session began.
 */
static void
nodelay_new_socket(const struct batch *b)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 i, fd, type, one = 1;

	for (i = 0; b->fd_low >= 0 && i < FD_PROBE; i++) {
		fd = b->fd_low + i;
		if (b->fd_open[i] || fcntl(fd, F_GETFD) == -1)
			continue;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
		    type != SOCK_STREAM)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
}

static void
event_cb(smtp_session_t session, int event, void *arg, ...)
{
	struct batch	*b = arg;
	smtp_message_t	 msg;
	va_list		 ap;

	(void)session;
	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_CONNECT:
		connect_deadline(0);
		nodelay_new_socket(b);
		break;
	case SMTP_EV_EXTNA_STARTTLS:
		b->no_starttls = true;
		break;
	case SMTP_EV_STARTTLS_OK:
		/* only opportunistic TLS gets here with a refused certificate */
		if (b->c->tls_error[0] != '\0')
			log_warnx("smtp: %s: TLS without a verified "
			    "certificate (smtp_starttls = opportunistic): %s",
			    b->c->server, b->c->tls_error);
		b->c->tls_error[0] = '\0';
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
	case SMTP_EV_NO_PEER_CERTIFICATE:
	case SMTP_EV_WEAK_CIPHER:
		tls_event(b, event, ap);
		break;
	case SMTP_EV_MAILSTATUS:
		/* AUTH is over by MAIL: with credentials, it must have worked */
		if (b->c->auth != NULL && !b->watch.authenticated)
			b->unauthenticated = true;
		(void)va_arg(ap, const char *);
		msg = va_arg(ap, smtp_message_t);
		slot_mail_answered(smtp_message_get_application_data(msg));
		break;
	case SMTP_EV_MESSAGESENT:
		msg = va_arg(ap, smtp_message_t);
		slot_report(smtp_message_get_application_data(msg));
		break;
	default:
		break;
	}
	va_end(ap);
	tick(b);
}

static void
session_setup(struct batch *b, smtp_session_t session)
{
	struct smtp_client	*c = b->c;
	long			 cmd = c->cfg->smtp_command_timeout_ms;
	int			 t;
	static const int	 which[] = { Timeout_GREETING,
	    Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2 };

	smtp_set_server(session, c->server);
	for (t = 0; t < (int)(sizeof(which) / sizeof(which[0])); t++)
		smtp_set_timeout(session, which[t] |
		    Timeout_OVERRIDE_RFC2822_MINIMUM, cmd);
	switch (c->tls) {
	case STARTTLS_REQUIRED:
		smtp_starttls_enable(session, Starttls_REQUIRED);
		break;
	case STARTTLS_OPPORTUNISTIC:
		smtp_starttls_enable(session, Starttls_ENABLED);
		break;
	default:
		smtp_starttls_enable(session, Starttls_DISABLED);
		break;
	}
	if (c->ssl_ctx != NULL)
		smtp_starttls_set_ctx(session, c->ssl_ctx);
	if (c->auth != NULL)
		smtp_auth_set_context(session, c->auth);
	smtp_set_eventcb(session, event_cb, b);
	smtp_set_monitorcb(session, monitor_cb, b, 0);
}

/* Why items were left without a verdict, for last_error and the log. */
static void
session_error(struct batch *b, int started, char *err, size_t errlen)
{
	struct smtp_client	*c = b->c;
	char			 why[256], last[SMTP_REPLY_MAX], ebuf[128];
	const char		*s;

	if (c->tls_error[0] != '\0')
		snprintf(why, sizeof(why), "TLS: %s", c->tls_error);
	else if (b->weak_cipher)
		snprintf(why, sizeof(why), "TLS: cipher too weak");
	else if (b->no_starttls)
		snprintf(why, sizeof(why), "the relay does not offer STARTTLS "
		    "(smtp_starttls = required)");
	else if (b->unauthenticated && b->watch.auth_refused)
		snprintf(why, sizeof(why), "AUTH refused");
	else if (b->unauthenticated)
		snprintf(why, sizeof(why), "AUTH did not happen: the relay "
		    "offered no PLAIN or LOGIN mechanism");
	else if (connect_expired)
		snprintf(why, sizeof(why), "no connection within %ldms",
		    c->cfg->smtp_connect_timeout_ms);
	else if (!started) {
		s = smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf));
		snprintf(why, sizeof(why), "%s", s ? s : "session failed");
	} else {
		s = smtp_errno() != 0 ?
		    smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)) : NULL;
		snprintf(why, sizeof(why), "the session ended early%s%s",
		    s ? ": " : "", s ? s : "");
	}
	smtp_reply_redact(b->unauthenticated && b->watch.auth_refused ?
	    b->watch.auth_reply : b->watch.last, last, sizeof(last));
	if (last[0] != '\0')
		(void)str_printf(err, errlen, "%s: %s (last reply: %s)",
		    c->server, why, last);
	else
		(void)str_printf(err, errlen, "%s: %s", c->server, why);
}

enum smtp_result
smtp_send_batch(struct smtp_client *c, struct smtp_item *items, size_t n,
    const struct smtp_hooks *h, char *err, size_t errlen)
{
	struct batch		 b;
	smtp_session_t		 session;
	struct slot		*s;
	enum smtp_result	 rc = SMTP_OK;
	size_t			 i;
	int			 started;

	err[0] = '\0';
	memset(&b, 0, sizeof(b));
	b.c = c;
	b.h = h;
	b.n = n;
	b.slots = xcalloc(n, sizeof(*b.slots));
	c->tls_error[0] = '\0';
	if ((session = smtp_create_session()) == NULL)
		fatalx("smtp_create_session: out of memory");
	session_setup(&b, session);
	for (i = 0; i < n; i++) {
		s = &b.slots[i];
		s->it = &items[i];
		s->b = &b;
		items[i].code = 0;
		items[i].given = false;
		items[i].reply[0] = '\0';
		if ((s->msg = smtp_add_message(session)) == NULL ||
		    !smtp_set_reverse_path(s->msg, c->cfg->mail_from) ||
		    (s->rcpt = smtp_add_recipient(s->msg,
		    items[i].recipient)) == NULL ||
		    !smtp_set_messagecb(s->msg, content_cb, s))
			fatalx("libesmtp: cannot build a session of %zu "
			    "messages", n);
		smtp_message_set_application_data_release(s->msg, s, NULL);
	}

	fds_snapshot(&b);
	connect_deadline(c->cfg->smtp_connect_timeout_ms);
	started = smtp_start_session(session);
	connect_deadline(0);

	/* verdicts that came without their event */
	for (i = 0; i < n; i++)
		slot_report(&b.slots[i]);
	if (b.stopped)
		rc = SMTP_STOPPED;
	else
		for (i = 0; i < n; i++)
			if (!b.slots[i].reported)
				rc = SMTP_FAILED;
	if (rc == SMTP_FAILED)
		session_error(&b, started, err, errlen);
	smtp_destroy_session(session);
	ERR_clear_error();
	free(b.slots);
	return rc;
}
