/*
 * mailer.c: memberd-mailer drains email_queue through the SMTP relay. It
 * sleeps on LISTEN (woken by the enqueuing commit) with a poll as the
 * fallback, claims a batch, sends it over one SMTP session, and settles
 * each row. See outbox.h for the states a row goes through.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "smtp.h"
#include "banned.h"

#define SWEEP_INTERVAL_US	(10 * 1000000LL)

static volatile sig_atomic_t	stopping;
static struct config		cfg;
static char			mailer_id[128];
static sigset_t			waitmask;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: memberd-mailer [-c file] [-1]\n"
	    "  -c file  configuration (default $MEMBERD_CONFIG)\n"
	    "  -1       send what is due once, then exit\n");
	exit(2);
}

/* The domain part of an address, for logs that must not name people. */
static const char *
domain_of(const char *addr)
{
	const char	*at = strrchr(addr, '@');

	return at ? at + 1 : "?";
}

/* Sleep until a notification, the poll interval, or a signal. */
static void
wait_for_work(struct db *db, long timeout_ms)
{
	struct pollfd	 pfd;
	struct timespec	 ts;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
	pfd.fd = db_socket(db);
	pfd.events = POLLIN;
	if (ppoll(pfd.fd >= 0 ? &pfd : NULL, pfd.fd >= 0 ? 1 : 0, &ts,
	    &waitmask) > 0)
		(void)db_drain_notifications(db);
}

static void
settle(struct db *db, struct outbox_msg *m, const struct smtp_item *it,
    const char *session_err)
{
	const char	*outcome;
	char		 why[512];
	int		 rc;

	if (it->code >= 200 && it->code < 300) {
		rc = outbox_mark_sent(db, mailer_id, m->id, it->code);
		outcome = "sent";
	} else if (it->code >= 500) {
		snprintf(why, sizeof(why), "%d %s", it->code, it->reply);
		rc = outbox_mark_dead(db, mailer_id, m->id, it->code, why);
		outcome = "dead";
	} else {
		if (it->code != 0)
			snprintf(why, sizeof(why), "%d %s", it->code,
			    it->reply);
		else
			snprintf(why, sizeof(why), "%s", session_err[0] ?
			    session_err : "not sent");
		if (m->attempts >= cfg.mailer_max_attempts) {
			rc = outbox_mark_dead(db, mailer_id, m->id, it->code,
			    why);
			outcome = "dead";
		} else {
			rc = outbox_mark_failed(db, mailer_id, m->id,
			    outbox_backoff(m->attempts,
			    (double)random() / RAND_MAX), it->code, why);
			outcome = "failed";
		}
	}
	if (rc == 0)
		outcome = "lost-lease";
	log_info("mail id=%lld msgid=%s to=*@%s attempt=%d outcome=%s "
	    "code=%d", m->id, m->message_id, domain_of(m->recipient),
	    m->attempts, outcome, it->code);
}

/* Claim, send and settle one batch. Returns how many were claimed. */
static int
run_batch(struct db *db, const char *msgid_domain)
{
	struct outbox_msg	*msgs;
	struct smtp_item	*items;
	struct buf		*texts;
	struct mail		 mail;
	char			 err[512] = "";
	int			 n, i;
	size_t			 k, nsend = 0;
	size_t			*map;

	msgs = xcalloc((size_t)cfg.mailer_batch_size, sizeof(*msgs));
	n = outbox_claim(db, mailer_id, cfg.mailer_lease, msgid_domain, msgs,
	    (int)cfg.mailer_batch_size);
	if (n <= 0) {
		free(msgs);
		return n < 0 ? 0 : n;
	}
	items = xcalloc((size_t)n, sizeof(*items));
	texts = xcalloc((size_t)n, sizeof(*texts));
	map = xcalloc((size_t)n, sizeof(*map));
	for (i = 0; i < n; i++) {
		memset(&mail, 0, sizeof(mail));
		mail.from_addr = cfg.mail_from;
		mail.from_name = cfg.mail_from_name;
		mail.to_addr = msgs[i].recipient;
		mail.to_name = msgs[i].recipient_name;
		mail.subject = msgs[i].subject;
		mail.text = msgs[i].body_text;
		mail.html = msgs[i].body_html;
		mail.message_id = msgs[i].message_id;
		mail.date = msgs[i].created_at;
		if (message_render(&mail, &texts[i]) != 0) {
			struct smtp_item bad = { .code = 554 };

			snprintf(bad.reply, sizeof(bad.reply), "refused "
			    "locally: an address or header is malformed");
			settle(db, &msgs[i], &bad, "");
			continue;
		}
		items[nsend].recipient = msgs[i].recipient;
		items[nsend].message = texts[i].data;
		map[nsend++] = (size_t)i;
	}
	if (nsend > 0) {
		(void)smtp_send_batch(&cfg, items, nsend, err, sizeof(err));
		if (err[0] != '\0')
			log_warnx("smtp: %s", err);
		for (k = 0; k < nsend; k++)
			settle(db, &msgs[map[k]], &items[k], err);
	}
	for (i = 0; i < n; i++) {
		outbox_msg_release(&msgs[i]);
		buf_release(&texts[i]);
	}
	free(map);
	free(texts);
	free(items);
	free(msgs);
	return n;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct db	*db;
	const char	*path = NULL, *at;
	char		 err[1024], host[64], domain[256];
	unsigned long	 listening_gen = 0;
	int64_t		 last_sweep = 0;
	sigset_t	 block;
	bool		 once = false;
	int		 ch, n;

	while ((ch = getopt(argc, argv, "c:1")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case '1': once = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("memberd-mailer", LOG_LVL_INFO);
	if (config_load(&cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "memberd-mailer: %s\n", err);
		return 1;
	}
	log_set_level((enum log_level)cfg.log_level);
	if (!mail_address_ok(cfg.mail_from)) {
		fprintf(stderr, "memberd-mailer: mail_from: not an address: "
		    "\"%s\"\n", cfg.mail_from);
		return 1;
	}
	at = strrchr(cfg.mail_from, '@');
	snprintf(domain, sizeof(domain), "%s", at + 1);
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(mailer_id, sizeof(mailer_id), "%s:%ld", host,
	    (long)getpid());
	srandom((unsigned)(getpid() ^ time(NULL)));

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	db = db_open(&cfg, "memberd-mailer");
	log_info("mailer %s started; relay %s:%ld", mailer_id, cfg.smtp_host,
	    cfg.smtp_port);
	sd_notify(0, "READY=1");
	while (!stopping) {
		if (!db_ensure(db)) {
			wait_for_work(db, 1000);
			continue;
		}
		if (listening_gen != db_generation(db)) {
			if (db_listen(db, OUTBOX_CHANNEL) != 0)
				continue;
			listening_gen = db_generation(db);
		}
		if (now_mono_us() - last_sweep > SWEEP_INTERVAL_US) {
			if ((n = outbox_sweep(db, cfg.mailer_max_attempts)) > 0)
				log_warnx("requeued %d messages whose lease "
				    "passed", n);
			last_sweep = now_mono_us();
		}
		n = run_batch(db, domain);
		if (n > 0)
			continue;
		if (once)
			break;
		wait_for_work(db, cfg.mailer_poll_interval * 1000);
	}
	sd_notify(0, "STOPPING=1");
	log_info("mailer %s stopped", mailer_id);
	db_close(db);
	config_release(&cfg);
	return 0;
}
