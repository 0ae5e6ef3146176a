/* config.c: the key table, the parser and secret resolution. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "util.h"
#include "validate.h"
#include "banned.h"

enum key_type { K_STR, K_INT, K_DURATION, K_MILLIS, K_BOOL, K_OCTAL, K_ENUM };

struct key {
	const char	*name;
	enum key_type	 type;
	size_t		 off;
	const char	*def;
	long		 min, max;	/* K_INT, K_DURATION, K_MILLIS (ms), K_OCTAL */
	const char	*choices;	/* K_ENUM: "a|b|c", index stored */
	const char	*doc;
};

#define O(f) offsetof(struct config, f)
#define DAY 86400L

static const struct key keys[] = {
	{ "listen", K_STR, O(listen), "/run/memberd/memberd.sock", 0, 0, NULL,
	  "unix socket path for FastCGI (unused under socket activation)" },
	{ "socket_mode", K_OCTAL, O(socket_mode), "0660", 0, 0777, NULL,
	  "permissions of the socket memberd creates" },
	{ "socket_group", K_STR, O(socket_group), "", 0, 0, NULL,
	  "group given to the socket memberd creates (empty: unchanged)" },
	{ "workers", K_INT, O(workers), "4", 1, 256, NULL,
	  "FastCGI worker processes" },
	{ "public_url", K_STR, O(public_url), "http://127.0.0.1:8080", 0, 0,
	  NULL, "base URL of the portal (http or https), used in links sent "
	  "by email" },
	{ "plain_http", K_BOOL, O(plain_http), "false", 0, 0, NULL,
	  "true when the portal is served without TLS: cookies lose Secure" },
	{ "log_level", K_ENUM, O(log_level), "info", 0, 0, "debug|info|warn",
	  "least severe log line written" },

	{ "db_host", K_STR, O(db_host), "", 0, 0, NULL,
	  "PostgreSQL host or socket directory (empty: libpq default)" },
	{ "db_port", K_INT, O(db_port), "5432", 1, 65535, NULL,
	  "PostgreSQL port" },
	{ "db_name", K_STR, O(db_name), "memberd", 0, 0, NULL,
	  "database name" },
	{ "db_user", K_STR, O(db_user), "memberd", 0, 0, NULL,
	  "database role" },
	{ "db_password_file", K_STR, O(db_password_file), "", 0, 0, NULL,
	  "file holding the database password (else $MEMBERD_DB_PASSWORD "
	  "or the credential db_password)" },
	{ "db_sslmode", K_STR, O(db_sslmode), "prefer", 0, 0, NULL,
	  "libpq sslmode" },
	{ "db_connect_timeout", K_DURATION, O(db_connect_timeout), "5s", 0,
	  300, NULL, "time allowed to connect to PostgreSQL" },
	{ "db_prepared_statements", K_BOOL, O(db_prepared_statements), "true",
	  0, 0, NULL, "false: unnamed statements and no session state, for "
	  "PgBouncer in transaction mode" },
	{ "db_statement_timeout", K_MILLIS, O(db_statement_timeout_ms), "5s",
	  0, 3600 * 1000L, NULL, "longest statement of a request, then 503 "
	  "(0: no limit)" },
	{ "db_lock_timeout", K_MILLIS, O(db_lock_timeout_ms), "3s", 0,
	  3600 * 1000L, NULL, "longest wait for a lock in a request, then 503 "
	  "(0: no limit)" },

	{ "argon2_memory_kib", K_INT, O(argon2_memory_kib), "19456", 8,
	  4194304, NULL, "Argon2id memory cost in KiB" },
	{ "argon2_iterations", K_INT, O(argon2_iterations), "2", 1, 100, NULL,
	  "Argon2id time cost" },
	{ "argon2_parallelism", K_INT, O(argon2_parallelism), "1", 1, 64,
	  NULL, "Argon2id lanes" },
	{ "session_idle_timeout", K_DURATION, O(session_idle_timeout), "2h",
	  0, 365 * DAY, NULL, "a session unused this long ends" },
	{ "session_lifetime", K_DURATION, O(session_lifetime), "24h", 0,
	  365 * DAY, NULL, "a session ends this long after login" },
	{ "login_max_failures", K_INT, O(login_max_failures), "10", 1, 100000,
	  NULL, "failed logins for one email before 429" },
	{ "login_failure_window", K_DURATION, O(login_failure_window), "15m",
	  1, 30 * DAY, NULL, "window in which failed logins are counted" },
	{ "password_reset_ttl", K_DURATION, O(password_reset_ttl), "1h", 60,
	  30 * DAY, NULL, "validity of a password reset link" },

	{ "invite_ttl", K_DURATION, O(invite_ttl), "7d", 60, 365 * DAY, NULL,
	  "validity of an invitation link" },
	{ "invite_accept", K_ENUM, O(invite_accept), "any", 0, 0,
	  "any|matching_verified_email",
	  "who may accept an invitation" },
	{ "invite_pending_limit", K_INT, O(invite_pending_limit), "50", 1,
	  100000, NULL, "pending invitations per account" },
	{ "invite_resend_cooldown", K_DURATION, O(invite_resend_cooldown),
	  "60s", 0, DAY, NULL, "least time between two sends of an invite" },
	{ "invite_sends_per_day", K_INT, O(invite_sends_per_day), "200", 1,
	  1000000, NULL, "invitation emails (sent and resent) per account "
	  "in 24 hours" },

	{ "mail_from", K_STR, O(mail_from), "memberd@localhost", 0, 0, NULL,
	  "sender address of every email" },
	{ "mail_from_name", K_STR, O(mail_from_name), "memberd", 0, 0, NULL,
	  "sender display name" },
	{ "smtp_host", K_STR, O(smtp_host), "127.0.0.1", 0, 0, NULL,
	  "SMTP relay host" },
	{ "smtp_port", K_INT, O(smtp_port), "25", 1, 65535, NULL,
	  "SMTP relay port" },
	{ "smtp_starttls", K_ENUM, O(smtp_starttls), "auto", 0, 0,
	  "auto|required|opportunistic|off",
	  "STARTTLS policy; auto is required unless smtp_host is loopback" },
	{ "smtp_ca_file", K_STR, O(smtp_ca_file), "", 0, 0, NULL,
	  "CA bundle for the relay's certificate (empty: system store)" },
	{ "smtp_user", K_STR, O(smtp_user), "", 0, 0, NULL,
	  "SMTP AUTH user (empty: no AUTH)" },
	{ "smtp_password_file", K_STR, O(smtp_password_file), "", 0, 0, NULL,
	  "file holding the SMTP password (else $MEMBERD_SMTP_PASSWORD or "
	  "the credential smtp_password)" },
	{ "smtp_connect_timeout", K_MILLIS, O(smtp_connect_timeout_ms), "30s",
	  100, 3600 * 1000L, NULL,
	  "time allowed to resolve and connect to the relay (ms precision)" },
	{ "smtp_command_timeout", K_MILLIS, O(smtp_command_timeout_ms), "60s",
	  100, 3600 * 1000L, NULL,
	  "time allowed for each SMTP reply (ms precision)" },
	{ "mailer_batch_size", K_INT, O(mailer_batch_size), "20", 1, 1000,
	  NULL, "messages claimed and sent over one connection" },
	{ "mailer_poll_interval", K_DURATION, O(mailer_poll_interval), "5s", 1,
	  3600, NULL, "fallback poll when no notification arrives" },
	{ "mailer_lease", K_DURATION, O(mailer_lease), "10m", 1, DAY, NULL,
	  "how long a claimed message belongs to its mailer without news "
	  "from it; at least 2 x max(smtp_connect_timeout, "
	  "5 x smtp_command_timeout)" },
	{ "mailer_claim_lock", K_BOOL, O(mailer_claim_lock), "true", 0, 0,
	  NULL, "tie claims to a session advisory lock, so a dead mailer's "
	  "mail is requeued in seconds; false behind transaction pooling "
	  "(the lease alone then)" },
	{ "mailer_max_attempts", K_INT, O(mailer_max_attempts), "10", 1, 1000,
	  NULL, "attempts before a message is dead" },
	{ "mailer_backoff_unit", K_MILLIS, O(mailer_backoff_unit_ms), "1s", 1,
	  3600 * 1000L, NULL, "retry n waits min(n^4, 3600) units, +-10 %; "
	  "only tests shorten it" },
	{ "mail_retention", K_DURATION, O(mail_retention), "30d", 0,
	  3650 * DAY, NULL, "sent mail kept this long, then purged" },

	{ "secret_key_file", K_STR, O(secret_key_file), "", 0, 0, NULL,
	  "file holding the 32-byte key that encrypts stored secrets such as "
	  "webhook secrets (raw or 64 hex digits; else the credential "
	  "secret_key)" },

	{ "webhooks_batch_size", K_INT, O(webhooks_batch_size), "50", 1, 1000,
	  NULL, "webhook deliveries claimed at once, in order per endpoint" },
	{ "webhooks_poll_interval", K_DURATION, O(webhooks_poll_interval),
	  "5s", 1, 3600, NULL,
	  "fallback poll of memberd-webhooks when no notification arrives" },
	{ "webhooks_lease", K_DURATION, O(webhooks_lease), "5m", 30, DAY, NULL,
	  "how long a claimed delivery belongs to its deliverer without news "
	  "from it (the fallback when its claim lock cannot tell)" },
	{ "webhooks_max_attempts", K_INT, O(webhooks_max_attempts), "12", 1,
	  1000, NULL, "attempts before a delivery is dead" },
	{ "webhooks_backoff_unit", K_MILLIS, O(webhooks_backoff_unit_ms), "1s",
	  1, 3600 * 1000L, NULL, "retry n waits min(n^4, 3600) units, +-10 %; "
	  "only tests shorten it" },
	{ "webhooks_disable_after", K_DURATION, O(webhooks_disable_after),
	  "24h", 1, 365 * DAY, NULL, "an endpoint failing without a success "
	  "for this long is disabled" },
	{ "webhooks_claim_lock", K_BOOL, O(webhooks_claim_lock), "true", 0, 0,
	  NULL, "tie claims to a session advisory lock, so a dead deliverer's "
	  "rows return in seconds (false behind transaction pooling)" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* K_INT, K_DURATION, K_MILLIS: true when v is a number in range. */
static bool
key_number_ok(const struct key *k, const char *v, long *n)
{
	switch (k->type) {
	case K_INT:
		return parse_long(v, k->min, k->max, n);
	case K_DURATION:
		return parse_duration(v, k->max, n) && *n >= k->min;
	default:
		return parse_duration_ms(v, k->max, n) && *n >= k->min;
	}
}

/* The number into *out, written only when good; or -1 with err. */
static int
key_parse_number(const struct key *k, const char *v, long *out, char *err,
    size_t errlen)
{
	long	n;

	if (key_number_ok(k, v, &n)) {
		*out = n;
		return 0;
	}
	if (k->type == K_INT)
		snprintf(err, errlen, "%s: expected an integer from %ld to "
		    "%ld, got \"%s\"", k->name, k->min, k->max, v);
	else if (k->type == K_DURATION)
		snprintf(err, errlen, "%s: expected a duration such as 30s, "
		    "15m, 2h or 7d (from %lds to %lds), got \"%s\"", k->name,
		    k->min, k->max, v);
	else
		snprintf(err, errlen, "%s: expected a duration such as 500ms, "
		    "30s or 2m (from %ldms to %lds), got \"%s\"", k->name,
		    k->min, k->max / 1000, v);
	return -1;
}

static int
key_parse_bool(const struct key *k, const char *v, bool *out, char *err,
    size_t errlen)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "0") == 0)
		*out = false;
	else {
		snprintf(err, errlen, "%s: expected true or false, got \"%s\"",
		    k->name, v);
		return -1;
	}
	return 0;
}

static int
key_parse_octal(const struct key *k, const char *v, long *out, char *err,
    size_t errlen)
{
	char	*end;
	long	 n;

	errno = 0;
	n = *v == '\0' ? -1 : strtol(v, &end, 8);
	if (n < 0 || errno != 0 || *end != '\0' || n > k->max) {
		snprintf(err, errlen, "%s: expected an octal mode such as "
		    "0660, got \"%s\"", k->name, v);
		return -1;
	}
	*out = n;
	return 0;
}

/* K_ENUM: the index of v among k->choices ("a|b|c") into *out. */
static int
key_parse_enum(const struct key *k, const char *v, int *out, char *err,
    size_t errlen)
{
	const char	*p, *bar;
	size_t		 len = strlen(v), n;
	int		 i;

	for (i = 0, p = k->choices; p != NULL; i++) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && strncmp(p, v, len) == 0) {
			*out = i;
			return 0;
		}
		p = bar ? bar + 1 : NULL;
	}
	snprintf(err, errlen, "%s: expected one of %s, got \"%s\"", k->name,
	    k->choices, v);
	return -1;
}

/* Parse v as key k into its field of c. 0, or -1 with err saying why. */
static int
key_set(struct config *c, const struct key *k, const char *v,
    char *err, size_t errlen)
{
	char	*base = (char *)c + k->off;

	switch (k->type) {
	case K_STR:
		free(*(char **)(void *)base);
		*(char **)(void *)base = xstrdup(v);
		return 0;
	case K_INT:
	case K_DURATION:
	case K_MILLIS:
		return key_parse_number(k, v, (long *)(void *)base, err,
		    errlen);
	case K_BOOL:
		return key_parse_bool(k, v, (bool *)(void *)base, err, errlen);
	case K_OCTAL:
		return key_parse_octal(k, v, (long *)(void *)base, err, errlen);
	case K_ENUM:
		return key_parse_enum(k, v, (int *)(void *)base, err, errlen);
	}
	return -1;
}

static const struct key *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

void
config_defaults(struct config *c)
{
	char	err[256];
	size_t	i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (key_set(c, &keys[i], keys[i].def, err, sizeof(err)) != 0)
			fatalx("bad built-in default: %s", err);
}

int
config_parse(struct config *c, const char *name, const char *text,
    char *err, size_t errlen)
{
	const struct key *k;
	char		*copy, *line, *next, *eq, *key, *val, msg[512];
	int		 lineno = 0, rc = 0;
	size_t		 vlen;

	copy = xstrdup(text);
	for (line = copy; line != NULL && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		line = str_trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected \"key = "
			    "value\"", name, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = str_trim(line);
		val = str_trim(eq + 1);
		vlen = strlen(val);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val[vlen - 1] = '\0';
			val++;
		}
		if ((k = key_find(key)) == NULL) {
			snprintf(err, errlen, "%s:%d: %s: unknown key", name,
			    lineno, key);
			rc = -1;
		} else if (key_set(c, k, val, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno, msg);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

/* Read a small file whole. Returns a string the caller frees, or NULL. */
static char *
slurp(const char *path, size_t max)
{
	FILE		*f;
	struct buf	 b = { 0 };
	char		 chunk[4096];
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > max) {
			fclose(f);
			buf_release(&b);
			errno = EFBIG;
			return NULL;
		}
	}
	if (ferror(f)) {
		fclose(f);
		buf_release(&b);
		return NULL;
	}
	fclose(f);
	return buf_detach(&b);
}

/*
 * A secret comes from the environment, else the file named by its key,
 * else a systemd credential of that name. Trailing newlines are dropped.
 */
static int
secret_resolve(char **out, const char *env, const char *file_key,
    const char *file, const char *cred, char *err, size_t errlen)
{
	const char	*v = getenv(env), *credir;
	char		 path[4096], *s;
	size_t		 n;

	free(*out);
	*out = NULL;
	if (v != NULL && *v != '\0') {
		*out = xstrdup(v);
		return 0;
	}
	if (*file != '\0') {
		if ((s = slurp(file, 4096)) == NULL) {
			snprintf(err, errlen, "%s: cannot read \"%s\": %s",
			    file_key, file, strerror(errno));
			return -1;
		}
	} else if ((credir = getenv("CREDENTIALS_DIRECTORY")) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", credir, cred);
		if ((s = slurp(path, 4096)) == NULL)
			return 0;
	} else
		return 0;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	*out = s;
	return 0;
}

int
config_load_secrets(struct config *c, char *err, size_t errlen)
{
	if (secret_resolve(&c->db_password, "MEMBERD_DB_PASSWORD",
	    "db_password_file", c->db_password_file, "db_password", err,
	    errlen) != 0)
		return -1;
	return secret_resolve(&c->smtp_password, "MEMBERD_SMTP_PASSWORD",
	    "smtp_password_file", c->smtp_password_file, "smtp_password", err,
	    errlen);
}

/*
 * public_url goes into every emailed link as {public_url}/invite#token:
 * an http(s) URL with a host, no query or fragment, no trailing slash
 * (one is taken off).
 */
static int
public_url_check(struct config *c, char *err, size_t errlen)
{
	char		*u = c->public_url;
	const char	*host, *p;
	size_t		 n;

	if (strncmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncmp(u, "http://", 7) == 0)
		host = u + 7;
	else
		host = NULL;
	for (p = u; host != NULL && *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' ||
		    *p == '#' || *p == '"' || *p == '<' || *p == '>')
			host = NULL;
	if (host == NULL || *host == '\0' || *host == '/') {
		snprintf(err, errlen, "public_url: \"%s\" is not an http:// or "
		    "https:// URL of the portal (no spaces, query or fragment)",
		    u);
		return -1;
	}
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/' && u + n - 1 > host)
		u[--n] = '\0';
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char	*text;

	config_defaults(c);
	if (path == NULL)
		path = getenv("MEMBERD_CONFIG");
	if (path != NULL && *path != '\0') {
		if ((text = slurp(path, 1 << 20)) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (config_parse(c, path, text, err, errlen) != 0) {
			free(text);
			return -1;
		}
		free(text);
	}
	if (public_url_check(c, err, errlen) != 0)
		return -1;
	return config_load_secrets(c, err, errlen);
}

void
config_release(struct config *c)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == K_STR)
			free(*(char **)(void *)((char *)c + keys[i].off));
	free(c->db_password);
	free(c->smtp_password);
	memset(c, 0, sizeof(*c));
}

bool
config_host_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 h[64];
	size_t		 n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return true;
	if (n >= 2 && n < sizeof(h) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		host = h;
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

enum starttls_mode
config_starttls(const struct config *c)
{
	if (c->smtp_starttls != STARTTLS_AUTO)
		return (enum starttls_mode)c->smtp_starttls;
	return config_host_is_loopback(c->smtp_host) ? STARTTLS_OFF :
	    STARTTLS_REQUIRED;
}

/*
 * The mailer refreshes its lease at every step of the SMTP dialogue; the
 * longest step without news is a connection (smtp_connect_timeout) or the
 * five replies between two messages (MAIL, RCPT, DATA, end of data, and
 * the next MAIL). Refreshing at half the lease, that step must fit in half.
 */
long
config_mailer_step_ms(const struct config *c)
{
	long	step = 5 * c->smtp_command_timeout_ms;

	return c->smtp_connect_timeout_ms > step ? c->smtp_connect_timeout_ms :
	    step;
}

int
config_check_mailer(const struct config *c, char *err, size_t errlen)
{
	long	need_ms = 2 * config_mailer_step_ms(c);

	if (!mail_address_ok(c->mail_from)) {
		snprintf(err, errlen, "mail_from: not an address: \"%s\"",
		    c->mail_from);
		return -1;
	}
	if ((long long)c->mailer_lease * 1000 < need_ms) {
		snprintf(err, errlen, "mailer_lease: %lds is too short: it must "
		    "be at least 2 x max(smtp_connect_timeout, 5 x "
		    "smtp_command_timeout) = %lds, or another mailer may take "
		    "over a message still being sent", c->mailer_lease,
		    (need_ms + 999) / 1000);
		return -1;
	}
	if (*c->smtp_user != '\0' && (c->smtp_password == NULL ||
	    *c->smtp_password == '\0')) {
		snprintf(err, errlen, "smtp_user is set but there is no SMTP "
		    "password: set $MEMBERD_SMTP_PASSWORD, smtp_password_file "
		    "or the credential smtp_password");
		return -1;
	}
	if (*c->smtp_user != '\0' && config_starttls(c) != STARTTLS_REQUIRED &&
	    !config_host_is_loopback(c->smtp_host)) {
		snprintf(err, errlen, "smtp_user: AUTH to %s without "
		    "smtp_starttls = required would let the network read the "
		    "password", c->smtp_host);
		return -1;
	}
	return 0;
}

void
config_print_reference(void)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		printf("%-24s %-28s %s\n", keys[i].name,
		    *keys[i].def ? keys[i].def : "(empty)", keys[i].doc);
}
