/*
 * mailer.c: memberd-mailer drains email_queue through the SMTP relay. It
 * sleeps on LISTEN (woken by the enqueuing commit) with a poll as the
 * fallback, claims a batch, sends it over one SMTP session, and records
 * each row's outcome as the relay answers. Failures are written at once;
 * acceptances are written together, at the end of the session or as soon
 * as the oldest unrecorded one is RECORD_DELAY old, one commit for many
 * messages. A crash thus repeats at most the message in flight and those
 * accepted in the last RECORD_DELAY. See outbox.h for the row states.
 *
 * The loop, the wake-up, the claim lock, the sweep's cadence and the
 * backoff are drain.h's, shared with memberd-webhooks; this file is the
 * mailer's batch. Claims are tied to this process's database session by a
 * session advisory lock (outbox.h): every DRAIN_SWEEP_US each mailer
 * requeues the rows of mailers whose lock is free, so a killed mailer's
 * batch goes out within seconds. After a reconnect the mailer takes its
 * lock again and asks which rows it still holds (reattach): the claim sent
 * ahead, whose
 * answer was lost with the connection, is given back at once; rows of the
 * batch on the wire that a sweep requeued meanwhile are not sent.
 *
 * Only a message the relay was given (its MAIL answered or its content
 * begun) spends an attempt when the session fails; the rest of the batch
 * goes back as it was, with the reason in last_error.
 *
 * Signals: SIGTERM and SIGINT stay blocked except while the mailer waits
 * for work, so no database or SMTP call is ever interrupted. During a
 * session, a pending one is seen (sigpending) before each message begins:
 * the message in flight finishes, the rest of the batch is given back, and
 * the process exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "db.h"
#include "drain.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "smtp.h"
#include "smtp_reply.h"
#include "banned.h"

#define RECORD_DELAY_US		100000
#define PURGE_INTERVAL_US	(3600 * 1000000LL)
#define PURGE_CHUNK		1000
/* While the database is away, how long unrecorded verdicts are retried. */
#define SETTLE_RETRY_US		500000
#define STOP_GRACE_US		(5 * 1000000LL)
/* During a session, how often the connection is checked for a restart. */
#define ATTACH_CHECK_US		200000

static struct config		cfg;
/* The loop, our worker id (drainer.id) and what claims stamp on rows. */
static struct drain		drainer;
static char			msgid_domain[256];
/* After the relay failed: no batch before this (monotonic us). */
static int64_t			pause_until;
static int			relay_failures;
static int64_t			last_purge;
/* The next batch's claim is on its way (outbox_claim_send). */
static bool			prefetching;
/*
 * When acceptances were last written, kept across batches: a steady stream
 * is written in bunches, and only one after a quiet spell goes at once.
 */
static int64_t			last_record;

/*
 * A claimed row during its batch: CLAIMED until the relay answers, then
 * SENT_PENDING (accepted, not yet written) or UNRECORDED (a failure the
 * database did not take yet), and SETTLED once written or given back.
 */
enum row_state { ROW_CLAIMED, ROW_SENT_PENDING, ROW_UNRECORDED, ROW_SETTLED };

struct row {
	struct outbox_msg	 msg;
	struct buf		 text;		/* rendered message */
	enum row_state		 state;
	int			 code;		/* verdict kept until written */
	int64_t			 answered;	/* when (monotonic us) */
	char			 reply[SMTP_REPLY_MAX];
};

struct batch {
	struct db	*db;
	struct row	*rows;
	int		 n;
	int		 npending;	/* rows in ROW_SENT_PENDING */
	int		 answered;	/* rows with the relay's verdict */
	bool		 lost;		/* rows were requeued: stop */
	int64_t		 next_attach;	/* next connection check */
	int64_t		 oldest_pending;
	int64_t		 next_record;	/* after a failed write: not before */
	int64_t		 lease_mark;	/* lease last pushed (monotonic us) */
	int64_t		 next_extend;
};

/* The domain part of an address, for logs that must not name people. */
static const char *
domain_of(const char *addr)
{
	const char	*at = strrchr(addr, '@');

	return at ? at + 1 : "?";
}

static int64_t
lease_us(void)
{
	return (int64_t)cfg.mailer_lease * 1000000;
}

static void
log_attempt(const struct row *r, const char *outcome, int code,
    const char *reply, long retry_ms)
{
	char	safe[SMTP_REPLY_MAX], retry[48] = "";

	smtp_reply_redact(reply ? reply : "", safe, sizeof(safe));
	if (retry_ms > 0)
		snprintf(retry, sizeof(retry), " retry_in=%ldms", retry_ms);
	log_info("mail id=%lld msgid=%s to=*@%s attempt=%d outcome=%s "
	    "code=%d%s%s%s%s", r->msg.id, r->msg.message_id,
	    domain_of(r->msg.recipient), r->msg.attempts, outcome, code,
	    retry, safe[0] ? " reply=\"" : "", safe, safe[0] ? "\"" : "");
}

/*
 * Write a failure (code 0: no reply, reply says why) and log the attempt.
 * Returns 0 when done, -1 when the database did not answer: the row is
 * then ROW_UNRECORDED and settle_retry tries again.
 */
static int
settle_failure(struct db *db, struct row *r, int code, const char *reply)
{
	enum outbox_outcome	 o;
	const char		*outcome = "failed";
	long			 retry_ms = 0;
	int			 rc;

	o = outbox_verdict(code, r->msg.attempts, cfg.mailer_max_attempts);
	if (o == OUTBOX_FAILED) {
		retry_ms = drain_backoff_ms(r->msg.attempts,
		    cfg.mailer_backoff_unit_ms, drain_unit_random());
		rc = outbox_mark_failed(db, drainer.id, r->msg.id, retry_ms,
		    code, reply);
	} else {
		outcome = "dead";
		rc = outbox_mark_dead(db, drainer.id, r->msg.id, code, reply);
	}
	if (rc < 0) {
		r->state = ROW_UNRECORDED;
		r->code = code;
		(void)str_copy(r->reply, sizeof(r->reply), reply);
		return -1;
	}
	r->state = ROW_SETTLED;
	if (rc == 0)
		outcome = "lost-lease";	/* another mailer took it over */
	log_attempt(r, outcome, code, reply, rc == 1 ? retry_ms : 0);
	return 0;
}

/* Write every accepted message not written yet, in one statement. */
static void
record_sent(struct batch *b)
{
	struct outbox_sent	*v;
	struct row		**rows;
	bool			*written;
	int64_t			 now = now_mono_us();
	int			 i, k = 0;

	if (b->npending == 0 || now < b->next_record)
		return;
	v = xcalloc((size_t)b->npending, sizeof(*v));
	rows = xcalloc((size_t)b->npending, sizeof(*rows));
	written = xcalloc((size_t)b->npending, sizeof(*written));
	for (i = 0; i < b->n && k < b->npending; i++)
		if (b->rows[i].state == ROW_SENT_PENDING) {
			rows[k] = &b->rows[i];
			v[k].id = b->rows[i].msg.id;
			v[k].code = b->rows[i].code;
			v[k++].age_us = now - b->rows[i].answered;
		}
	if (outbox_mark_sent(b->db, drainer.id, v, k, written) < 0)
		b->next_record = now + SETTLE_RETRY_US;
	else {
		for (i = 0; i < k; i++) {
			rows[i]->state = ROW_SETTLED;
			log_attempt(rows[i], written[i] ? "sent" :
			    "lost-lease", rows[i]->code, NULL, 0);
		}
		b->npending = 0;
		last_record = now;
	}
	free(written);
	free(rows);
	free(v);
}

/* A verdict: failures are written now, acceptances gathered. */
static void
verdict(struct batch *b, struct row *r, int code, const char *reply)
{
	if (outbox_verdict(code, r->msg.attempts, cfg.mailer_max_attempts) !=
	    OUTBOX_SENT) {
		b->answered++;
		(void)settle_failure(b->db, r, code, reply);
		return;
	}
	b->answered++;
	r->state = ROW_SENT_PENDING;
	r->code = code;
	r->answered = now_mono_us();
	if (b->npending++ == 0)
		b->oldest_pending = r->answered;
}

/*
 * Give a row back, its attempt not counted: a stop (why NULL), or a
 * session that failed before the relay was given it (why says how).
 */
static void
release(struct db *db, struct row *r, const char *why)
{
	int	rc = outbox_release(db, drainer.id, r->msg.id, why);

	r->state = ROW_SETTLED;
	log_attempt(r, rc == 1 ? (why ? "not-offered" : "released") :
	    rc == 0 ? "lost-lease" : "release-failed", 0, why, 0);
}

static bool
id_in(long long id, const long long *ids, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Rows of b that a sweep requeued while we were away: never sent now. */
static void
forget_lost(struct batch *b, const long long *ids, int n)
{
	struct row	*r;
	int		 i;

	for (i = 0; b != NULL && i < b->n; i++) {
		r = &b->rows[i];
		if (r->state == ROW_SETTLED || id_in(r->msg.id, ids, n))
			continue;
		if (r->state == ROW_SENT_PENDING)
			b->npending--;
		log_attempt(r, "lost-lease", r->code, "requeued by a sweep "
		    "while the database connection was away", 0);
		r->state = ROW_SETTLED;
		b->lost = true;
	}
}

/*
 * Rows we hold that no unsettled row of b stands for: the claim sent
 * ahead, and rows whose release failed with the old connection. Given
 * back at once.
 */
static void
release_strays(struct db *db, struct batch *b, const long long *ids, int n)
{
	bool	ours;
	int	i, j, back = 0;

	for (i = 0; i < n; i++) {
		ours = false;
		for (j = 0; b != NULL && j < b->n; j++)
			ours = ours || (b->rows[j].msg.id == ids[i] &&
			    b->rows[j].state != ROW_SETTLED);
		if (!ours && outbox_release(db, drainer.id, ids[i], NULL) == 1)
			back++;
	}
	if (back > 0)
		log_warnx("gave back %d messages held across the lost database "
		    "connection (the claim sent ahead, failed releases)", back);
}

/*
 * drain_attach's step on a new connection, the claim lock taken: learn
 * which rows are still ours (ctx: the batch on the wire, or NULL). False:
 * tried again at the next occasion.
 */
static bool
on_reattach(struct drain *d, struct db *db, bool first, void *ctx)
{
	struct batch	*b = ctx;
	long long	*ids;
	int		 n;

	if (first)
		return true;
	prefetching = false;	/* its answer went with the old one */
	if ((n = outbox_held(db, drainer.id, &ids)) < 0) {
		free(ids);
		return false;
	}
	forget_lost(b, ids, n);
	release_strays(db, b, ids, n);
	free(ids);
	return true;
}

/* On a new connection, before any claim: see drain_attach. */
static bool
reattach(struct db *db, struct batch *b)
{
	return drain_attach(&drainer, db, b);
}

/* Hooks called from inside the SMTP session. */
static void
on_done(struct smtp_item *it, void *arg)
{
	verdict(arg, it->arg, it->code, it->reply);
}

static void
on_tick(void *arg)
{
	struct batch	*b = arg;
	int64_t		 now = now_mono_us();

	/* a restarted server closed our socket: reading notices it */
	if (now >= b->next_attach) {
		b->next_attach = now + ATTACH_CHECK_US;
		if (db_ensure(b->db))
			(void)reattach(b->db, b);
	}

	/*
	 * Acceptances are written in bunches, at most RECORD_DELAY_US old;
	 * one that follows a quiet spell is written at once, since a slow
	 * relay may send no other event for seconds (a mailer killed then
	 * would send it again).
	 */
	if (b->npending > 0 && (now - b->oldest_pending >= RECORD_DELAY_US ||
	    now - last_record >= RECORD_DELAY_US))
		record_sent(b);
	if (now < b->next_extend)
		return;
	if (outbox_extend(b->db, drainer.id, cfg.mailer_lease) >= 0) {
		b->lease_mark = now;
		b->next_extend = now + lease_us() / 4;
	} else
		b->next_extend = now + 1000000;
}

static bool
on_stop(void *arg)
{
	struct batch	*b = arg;

	return drain_stop_requested() || b->lost;
}

/*
 * Verdicts the database did not take are tried again while the lease
 * still protects the rows (and a few seconds at most once stopping).
 */
static void
settle_retry(struct batch *b)
{
	struct timespec	 ts = { 0, SETTLE_RETRY_US * 1000L };
	int64_t		 deadline = b->lease_mark + lease_us() - 1000000;
	int64_t		 stop_by = 0;
	int		 i, left;

	for (;;) {
		b->next_record = 0;
		if (db_ensure(b->db) && reattach(b->db, b))
			record_sent(b);
		left = b->npending;
		for (i = 0; i < b->n; i++)
			if (b->rows[i].state == ROW_UNRECORDED &&
			    (!db_ensure(b->db) || settle_failure(b->db,
			    &b->rows[i], b->rows[i].code,
			    b->rows[i].reply) != 0))
				left++;
		if (left == 0)
			return;
		if (stop_by == 0 && drain_stop_requested())
			stop_by = now_mono_us() + STOP_GRACE_US;
		if (now_mono_us() > deadline ||
		    (stop_by != 0 && now_mono_us() > stop_by))
			break;
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < b->n; i++)
		if (b->rows[i].state == ROW_UNRECORDED ||
		    b->rows[i].state == ROW_SENT_PENDING) {
			log_attempt(&b->rows[i], "unrecorded", b->rows[i].code,
			    "database unavailable: the sweep will queue it "
			    "again", 0);
			b->rows[i].state = ROW_SETTLED;
		}
}

static bool
render(struct row *r)
{
	struct mail	mail;

	memset(&mail, 0, sizeof(mail));
	mail.from_addr = cfg.mail_from;
	mail.from_name = cfg.mail_from_name;
	mail.to_addr = r->msg.recipient;
	mail.to_name = r->msg.recipient_name;
	mail.subject = r->msg.subject;
	mail.text = r->msg.body_text;
	mail.html = r->msg.body_html;
	mail.message_id = r->msg.message_id;
	mail.date = r->msg.created_at;
	return message_render(&mail, &r->text) == 0;
}

/* The rows of the claim sent ahead, or a claim made now. */
static int
claim(struct db *db, struct outbox_msg *msgs)
{
	if (prefetching) {
		prefetching = false;
		return outbox_claim_collect(db, msgs,
		    (int)cfg.mailer_batch_size);
	}
	return outbox_claim(db, &drainer.claimer, msgid_domain, msgs,
	    (int)cfg.mailer_batch_size);
}

/* Give back the batch claimed ahead: stopping, or the relay is away. */
static void
drop_prefetch(struct db *db)
{
	struct outbox_msg	*msgs;
	struct row		 r;
	int			 i, n;

	if (!prefetching)
		return;
	prefetching = false;
	msgs = xcalloc((size_t)cfg.mailer_batch_size, sizeof(*msgs));
	n = outbox_claim_collect(db, msgs, (int)cfg.mailer_batch_size);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.msg = msgs[i];
		release(db, &r, NULL);
		outbox_msg_release(&msgs[i]);
	}
	free(msgs);
}

/*
 * Rows of a fresh claim into b, each rendered and given an SMTP item in
 * items[] (a row that does not render is dead at once). How many items.
 */
static size_t
batch_open(struct db *db, struct batch *b, struct outbox_msg *msgs, int n,
    struct smtp_item *items)
{
	size_t	k = 0;
	int	i;

	memset(b, 0, sizeof(*b));
	b->db = db;
	b->n = n;
	b->rows = xcalloc((size_t)n, sizeof(*b->rows));
	b->lease_mark = now_mono_us();
	b->next_extend = b->lease_mark + lease_us() / 4;
	for (i = 0; i < n; i++) {
		b->rows[i].msg = msgs[i];
		if (!render(&b->rows[i])) {
			(void)settle_failure(db, &b->rows[i], 554, "554 "
			    "refused locally: an address or header is "
			    "malformed");
			continue;
		}
		items[k].recipient = b->rows[i].msg.recipient;
		items[k].message = b->rows[i].text.data;
		items[k].len = b->rows[i].text.len;
		items[k++].arg = &b->rows[i];
	}
	return k;
}

/*
 * The rows the relay gave no verdict for: back as they were after a stop
 * or a session that never offered them, a counted failure when the relay
 * saw them (err: why the session ended).
 */
static void
batch_unanswered(struct db *db, struct smtp_item *items, size_t k,
    enum smtp_result res, const char *err)
{
	const char	*why = err[0] ? err : "no reply from the relay";
	struct row	*r;
	size_t		 i;

	for (i = 0; i < k; i++) {
		r = items[i].arg;
		if (r->state != ROW_CLAIMED)
			continue;
		if (res == SMTP_STOPPED)
			release(db, r, NULL);
		else if (items[i].given)	/* the relay saw it: counted */
			(void)settle_failure(db, r, 0, why);
		else
			release(db, r, why);
	}
}

static void
batch_release(struct batch *b, struct smtp_item *items)
{
	int	i;

	for (i = 0; i < b->n; i++) {
		outbox_msg_release(&b->rows[i].msg);
		buf_release(&b->rows[i].text);
	}
	free(items);
	free(b->rows);
}

/*
 * Send the k items of b over one session. When the batch is full, the
 * next one is claimed while this one is on the wire, so the database's
 * work overlaps the relay's. *relay_failed: the session failed with no
 * verdict at all.
 */
static enum smtp_result
batch_send(struct db *db, struct smtp_client *smtp, struct batch *b,
    struct smtp_item *items, size_t k, bool *relay_failed)
{
	struct smtp_hooks	 hooks = { on_done, on_tick, on_stop, b };
	enum smtp_result	 res = SMTP_OK;
	char			 err[512] = "";

	/* the claim may have reconnected: are these rows still ours? */
	(void)reattach(db, b);
	if (b->n == cfg.mailer_batch_size && !on_stop(b) &&
	    drain_attached(&drainer, db))
		prefetching = outbox_claim_send(db, &drainer.claimer,
		    msgid_domain, (int)cfg.mailer_batch_size) == 0;
	if (k > 0 && on_stop(b))
		res = SMTP_STOPPED;
	else if (k > 0) {
		res = smtp_send_batch(smtp, items, k, &hooks, err, sizeof(err));
		if (res == SMTP_FAILED)
			log_warnx("smtp: %s", err);
		*relay_failed = res == SMTP_FAILED && b->answered == 0;
	}
	if (res != SMTP_OK)
		drop_prefetch(db);
	batch_unanswered(db, items, k, res, err);
	return res;
}

/*
 * Claim, send and settle one batch. Returns how many were claimed;
 * *relay_failed tells whether the session failed with no verdict at all.
 */
static int
run_batch(struct db *db, struct smtp_client *smtp, bool *relay_failed)
{
	struct batch		 b;
	struct outbox_msg	*msgs;
	struct smtp_item	*items;
	size_t			 k;
	int			 n;

	*relay_failed = false;
	if (!reattach(db, NULL))
		return 0;
	msgs = xcalloc((size_t)cfg.mailer_batch_size, sizeof(*msgs));
	n = claim(db, msgs);
	if (n <= 0) {
		free(msgs);
		return 0;
	}
	items = xcalloc((size_t)n, sizeof(*items));
	k = batch_open(db, &b, msgs, n, items);
	free(msgs);
	(void)batch_send(db, smtp, &b, items, k, relay_failed);
	settle_retry(&b);
	batch_release(&b, items);
	return n;
}

/* drain_ops.batch: one batch; after a relay failure, a pause first. */
static int
on_batch(struct drain *d, struct db *db)
{
	struct smtp_client	*smtp = d->arg;
	bool			 relay_failed;
	long			 pause_ms;
	int			 n;

	n = run_batch(db, smtp, &relay_failed);
	if (!relay_failed) {
		if (n > 0)
			relay_failures = 0;
		return n;
	}
	/*
	 * The relay is unreachable or refuses us: wait before the next batch
	 * instead of spending an attempt of every queued message on it.
	 */
	pause_ms = drain_backoff_ms(++relay_failures,
	    cfg.mailer_backoff_unit_ms, 0.5);
	if (pause_ms > cfg.mailer_poll_interval * 1000)
		pause_ms = cfg.mailer_poll_interval * 1000;
	pause_until = now_mono_us() + (int64_t)pause_ms * 1000;
	return 0;
}

/* drain_ops.hold_ms: the pause after a relay failure (not with -1). */
static long
on_hold(struct drain *d, struct db *db)
{
	int64_t	now = now_mono_us();

	if (d->once || now >= pause_until)
		return 0;
	return (long)((pause_until - now) / 1000) + 1;
}

/* drain_ops.housekeeping: the sweep, and the purge of old sent rows. */
static void
on_housekeeping(struct drain *d, struct db *db)
{
	int64_t	now = now_mono_us();
	int	n, gone, rounds;

	if ((n = outbox_sweep(db, cfg.mailer_max_attempts,
	    d->claimer.lock_key, DRAIN_RESTART_GRACE_S, &gone)) > 0)
		log_warnx("requeued %d messages whose mailer stopped "
		    "answering (%d: its session is gone, %d: its "
		    "lease passed)", n, gone, n - gone);
	if (cfg.mail_retention > 0 &&
	    (last_purge == 0 || now - last_purge >= PURGE_INTERVAL_US)) {
		rounds = 0;
		while ((n = outbox_purge_sent(db, cfg.mail_retention,
		    PURGE_CHUNK)) == PURGE_CHUNK && ++rounds < 100)
			;
		last_purge = now;
	}
}

static const struct drain_ops mailer_ops = {
	.channel = OUTBOX_CHANNEL,
	.wake_key = OUTBOX_WAKE_KEY,
	.reattach = on_reattach,
	.housekeeping = on_housekeeping,
	.hold_ms = on_hold,
	.batch = on_batch,
	.next_due_ms = outbox_next_due_ms,
};

/* drain_start's check: the mailer's keys. */
static int
check_config(struct config *c, bool at_check, char *err, size_t errlen)
{
	return config_check_mailer(c, err, errlen);
}

int
main(int argc, char **argv)
{
	static const char *tls_names[] = { "auto", "required",
	    "opportunistic", "off" };
	struct smtp_client *smtp;
	struct db	*db;
	char		 err[1024];
	bool		 once;

	drain_start(argc, argv, "memberd-mailer", "send what is due", &cfg,
	    check_config, &once);
	snprintf(msgid_domain, sizeof(msgid_domain), "%s",
	    strrchr(cfg.mail_from, '@') + 1);
	if ((smtp = smtp_client_new(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "memberd-mailer: %s\n", err);
		config_release(&cfg);
		return 1;
	}
	drain_init(&drainer, &mailer_ops, smtp, cfg.mailer_lease,
	    cfg.mailer_claim_lock, cfg.mailer_poll_interval * 1000);
	drainer.once = once;

	db = db_open(&cfg, "memberd-mailer");
	log_info("mailer %s started; relay %s:%ld starttls=%s auth=%s "
	    "batch=%ld lease=%lds claim_lock=%s", drainer.id, cfg.smtp_host,
	    cfg.smtp_port, tls_names[config_starttls(&cfg)],
	    *cfg.smtp_user ? "yes" : "no", cfg.mailer_batch_size,
	    cfg.mailer_lease, cfg.mailer_claim_lock ? "session" : "off");
	sd_notify(0, "READY=1");
	drain_run(&drainer, db);
	drop_prefetch(db);
	sd_notify(0, "STOPPING=1");
	log_info("mailer %s stopped", drainer.id);
	smtp_client_free(smtp);
	db_close(db);
	config_release(&cfg);
	return 0;
}
