/*
 * webhooks.c: memberd-webhooks drains webhook_deliveries to the endpoints
 * operators registered. It sleeps on LISTEN (woken by the emitting
 * commit) with a poll as the fallback, claims a batch (hookq.h: per
 * endpoint, in order, never two deliverers on one endpoint), and sends it
 * in lanes: each endpoint's rows one after the other over its keep-alive
 * connection, the endpoints of the batch side by side (hook_http.h).
 * While a batch is on the wire the next one is claimed (ahead, below), so
 * the database's work overlaps the requests.
 * Failures are written at once; deliveries together, once the oldest
 * unwritten one is RECORD_DELAY old and at the end of the batch. A crash
 * thus repeats at most the requests in flight and those answered in the
 * last RECORD_DELAY. An endpoint whose row must be retried gives the
 * rest of its rows back, so a later event never overtakes it.
 *
 * The loop, the wake-up, the claim lock, the sweep's cadence and the
 * backoff are drain.h's, shared with memberd-mailer; this file is the
 * deliverer's batch.
 *
 * Signals: SIGTERM and SIGINT stay blocked except while waiting for work;
 * a pending one is seen before each request starts: the requests in
 * flight finish, the rest of the batch is given back, and the process
 * exits 0.
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
#include "hook_http.h"
#include "hookq.h"
#include "log.h"
#include "secretbox.h"
#include "webhook.h"
#include "banned.h"

#define RECORD_DELAY_US		100000
#define MAX_ENDPOINTS		64
/*
 * Rows per endpoint of a claim that nothing overlaps (the first after a
 * sleep): small, so that the requests start at once; the claims sent
 * ahead take webhooks_batch_size.
 */
#define FIRST_PER_ENDPOINT	10

static struct config		cfg;
static struct secretbox_key	key;
/* The loop, our worker id (drainer.id) and what claims stamp on rows. */
static struct drain		drainer;
/* "no secret key" was said once */
static bool			key_warned;

/* One endpoint's rows in a batch, sent one after the other. */
struct lane {
	struct hookq_row	*rows;
	int			 n, next;
	bool			 stopped;	/* the rest given back */
	char			*secret;	/* opened, or NULL */
	char			 sig[WEBHOOK_SIG_LEN];
	struct hook_req		 req;		/* the one in flight */
};

struct batch {
	struct db		*db;
	struct hookq_row	*rows;
	int			 n;
	long long		*done_ids;	/* delivered, not yet written */
	int			*done_status;
	int			 ndone;
	int			 nsent;		/* written, not collected */
	int64_t			 oldest_done;
	int64_t			 next_extend;
};

/*
 * The next batch, claimed while this one is on the wire (hookq.h), as
 * memberd-mailer does: the claim's work in the database overlaps the
 * requests instead of stopping them (it was a third of a drain's time).
 * Sent once the batch's lanes have started, read as it arrives, held
 * here for the next run_batch. While it is on its way nothing else is
 * sent without waiting: deliveries are written once it is in. gen: the
 * connection it came on (a new one gives all our rows back, these too).
 */
static struct {
	bool			 sent;
	struct hookq_row	*rows;
	int			 n;
	unsigned long		 gen;
} ahead;

static void	record_collect(struct batch *);

/* Read the claim sent ahead (waiting for it when it is not in yet). */
static void
ahead_collect(struct db *db)
{
	int	n;

	if (!ahead.sent)
		return;
	ahead.sent = false;
	if ((n = hookq_claim_collect(db, &ahead.rows)) < 0) {
		log_warnx("webhook: the claim sent ahead failed (database)");
		free(ahead.rows);
		ahead.rows = NULL;
		n = 0;
	}
	ahead.n = n;
}

/* The batch being sent claimed rows: claim the next one now. */
static void
ahead_send(struct batch *b)
{
	if (ahead.sent || ahead.n > 0 || b->n == 0 ||
	    drain_stop_requested() || !drain_attached(&drainer, b->db))
		return;
	record_collect(b);	/* one statement at a time on the wire */
	if (hookq_claim_ahead_send(b->db, &drainer.claimer, MAX_ENDPOINTS,
	    (int)cfg.webhooks_batch_size) == 0) {
		ahead.sent = true;
		ahead.gen = db_generation(b->db);
	}
}

static void
ahead_free(void)
{
	int	i;

	for (i = 0; i < ahead.n; i++)
		hookq_row_release(&ahead.rows[i]);
	free(ahead.rows);
	ahead.rows = NULL;
	ahead.n = 0;
}

/*
 * The rows claimed ahead, or -1: none (claim now). Rows claimed on a
 * connection since lost were given back when the new one attached.
 */
static int
ahead_take(struct db *db, struct hookq_row **rows)
{
	int	n;

	ahead_collect(db);
	if (ahead.n == 0 || ahead.gen != db_generation(db)) {
		ahead_free();
		return -1;
	}
	*rows = ahead.rows;
	n = ahead.n;
	ahead.rows = NULL;
	ahead.n = 0;
	return n;
}

/* The host of a URL, for logs (paths and user:password may be secret). */
static void
url_host(const char *url, char *out, size_t len)
{
	const char	*p = strstr(url, "://"), *end, *at;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	while ((at = memchr(p, '@', (size_t)(end - p))) != NULL)
		p = at + 1;
	(void)str_printf(out, len, "%.*s", (int)(end - p), p);
}

static void
log_attempt(const struct hookq_row *r, const char *outcome, int status,
    long retry_ms, long long us)
{
	char	host[256], retry[48] = "";

	url_host(r->url, host, sizeof(host));
	if (retry_ms > 0)
		snprintf(retry, sizeof(retry), " retry_in=%ldms", retry_ms);
	log_info("webhook id=%lld event=%s type=%s endpoint=%lld host=%s "
	    "attempt=%d outcome=%s status=%d ms=%lld%s", r->id, r->event_id,
	    r->type, r->endpoint_id, host, r->attempts, outcome, status,
	    us / 1000, retry);
}

/*
 * Collect the write of deliveries sent earlier. The ids stay in the
 * batch until then, so a failed write is reported with its count.
 */
static void
record_collect(struct batch *b)
{
	if (b->nsent == 0)
		return;
	if (hookq_mark_delivered_collect(b->db) < 0)
		log_warnx("webhook: %d deliveries not recorded (database); "
		    "they will be sent again", b->nsent);
	b->nsent = 0;
}

/*
 * Write every delivery not written yet, in one statement sent without
 * waiting (its commit's flush overlaps the next requests); wait: collect
 * it too. Without wait, not while the claim sent ahead is on its way.
 */
static void
record_delivered(struct batch *b, bool wait)
{
	if (ahead.sent && !wait && !db_collect_ready(b->db))
		return;		/* once the claim sent ahead is in */
	ahead_collect(b->db);
	record_collect(b);
	if (b->ndone > 0) {
		if (hookq_mark_delivered_send(b->db, drainer.id, b->done_ids,
		    b->done_status, b->ndone) == 0)
			b->nsent = b->ndone;
		else
			log_warnx("webhook: %d deliveries not recorded "
			    "(database); they will be sent again", b->ndone);
		b->ndone = 0;
	}
	if (wait)
		record_collect(b);
}

static void
give_back(struct batch *b, struct lane *l)
{
	int	i;

	for (i = l->next; i < l->n; i++)
		if (hookq_release(b->db, drainer.id, l->rows[i].id) < 0)
			log_warnx("webhook id=%lld: not given back (database); "
			    "the sweep will", l->rows[i].id);
	l->next = l->n;
	l->stopped = true;
}

/* A failed attempt (status 0: no answer): retried or dead. */
static void
settle_failure(struct batch *b, struct lane *l, struct hookq_row *r,
    const struct hook_req *q)
{
	enum webhook_outcome	 o;
	long			 retry_ms = -1;
	bool			 disabled = false;
	char			 err[WEBHOOK_ERROR_MAX + 64];
	int			 rc;

	o = webhook_verdict(q->status, r->attempts, cfg.webhooks_max_attempts);
	if (o == WEBHOOK_RETRY)
		retry_ms = webhook_retry_ms(r->attempts,
		    cfg.webhooks_backoff_unit_ms, drain_unit_random(),
		    q->status == 429 || q->status == 503 ? q->retry_after : -1);
	(void)str_copy(err, sizeof(err), q->answer[0] ? q->answer :
	    q->status ? "(empty answer)" : "no answer");
	record_delivered(b, true);	/* before the failure: in order */
	rc = hookq_mark_failed(b->db, drainer.id, r->id, r->endpoint_id,
	    retry_ms, q->status, err, cfg.webhooks_disable_after, &disabled);
	log_attempt(r, rc == 0 ? "lost-lease" : rc < 0 ? "unrecorded" :
	    o == WEBHOOK_RETRY ? "failed" : "dead", q->status,
	    retry_ms, q->elapsed_us);
	if (disabled)
		log_warnx("webhook endpoint %lld disabled: failing for more "
		    "than %lds (memberctl webhook list shows why)",
		    r->endpoint_id, cfg.webhooks_disable_after);
	if (o == WEBHOOK_RETRY || disabled)
		give_back(b, l);
}

static void
maybe_extend(struct batch *b)
{
	int64_t	now = now_mono_us();

	if (now < b->next_extend)
		return;
	(void)hookq_extend(b->db, drainer.id, cfg.webhooks_lease);
	b->next_extend = now + (int64_t)cfg.webhooks_lease * 1000000 / 4;
}

/* Open an endpoint's secret; false (rows failed) when it does not. */
static bool
lane_open(struct batch *b, struct lane *l)
{
	struct buf	pt = { 0 };
	struct hook_req	q;

	if (key.loaded && secretbox_open(&key, WEBHOOK_AAD,
	    l->rows[0].secret_sealed, &pt) == 0) {
		l->secret = buf_detach(&pt);
		return true;
	}
	secretbox_buf_wipe(&pt);
	memset(&q, 0, sizeof(q));
	(void)str_copy(q.answer, sizeof(q.answer), key.loaded ?
	    "the endpoint's secret does not open under this secret key" :
	    "no secret key: set secret_key_file or the credential secret_key");
	log_warnx("webhook endpoint %lld: %s", l->rows[0].endpoint_id,
	    q.answer);
	settle_failure(b, l, &l->rows[l->next++], &q);
	give_back(b, l);
	return false;
}

/*
 * Start the lane's next row. False when it has none left (or its secret
 * cannot sign, which settles the row and gives the rest back).
 */
static bool
lane_start(struct hook_http *http, struct batch *b, struct lane *l)
{
	struct hookq_row	*r;
	struct hook_req		 bad;

	if (l->stopped || l->next >= l->n)
		return false;
	r = &l->rows[l->next];
	memset(&l->req, 0, sizeof(l->req));
	l->req.timestamp = (long long)time(NULL);
	if (webhook_sign(l->secret, r->event_id, l->req.timestamp, r->body,
	    strlen(r->body), l->sig) != 0) {
		memset(&bad, 0, sizeof(bad));
		(void)str_copy(bad.answer, sizeof(bad.answer),
		    "the endpoint's secret is not whsec_ base64");
		l->next++;
		settle_failure(b, l, r, &bad);
		give_back(b, l);
		return false;
	}
	l->req.endpoint_id = r->endpoint_id;
	l->req.arg = l;
	l->req.url = r->url;
	l->req.id = r->event_id;
	l->req.signature = l->sig;
	l->req.body = r->body;
	hook_http_start(http, &l->req);
	return true;
}

/*
 * Every lane sends its rows one after the other, all lanes side by side:
 * a lane's next request starts as soon as its last one is answered. A
 * stop asked for lets the requests in flight finish and starts no more.
 */
static void
lanes_run(struct hook_http *http, struct batch *b, struct lane *lanes, int nl)
{
	struct hook_req		*q;
	struct lane		*l;
	struct hookq_row	*r;
	int			 i;

	for (i = 0; i < nl && !drain_stop_requested(); i++)
		(void)lane_start(http, b, &lanes[i]);
	ahead_send(b);
	while ((q = hook_http_next(http)) != NULL) {
		if (ahead.sent && db_collect_ready(b->db))
			ahead_collect(b->db);
		l = q->arg;
		r = &l->rows[l->next++];
		if (webhook_verdict(q->status, r->attempts,
		    cfg.webhooks_max_attempts) == WEBHOOK_DELIVERED) {
			if (b->ndone == 0)
				b->oldest_done = now_mono_us();
			b->done_ids[b->ndone] = r->id;
			b->done_status[b->ndone++] = q->status;
			log_attempt(r, "delivered", q->status, 0,
			    q->elapsed_us);
		} else
			settle_failure(b, l, r, q);
		if (b->ndone > 0 &&
		    now_mono_us() - b->oldest_done >= RECORD_DELAY_US)
			record_delivered(b, false);
		maybe_extend(b);
		if (!drain_stop_requested())
			(void)lane_start(http, b, l);
	}
}

/*
 * Rows claimed ahead of endpoints whose lane stopped (an earlier row to
 * be retried, the endpoint disabled, a stop): given back unsent, so that
 * no later event overtakes the one that waits.
 */
static void
ahead_drop_stopped(struct batch *b, const struct lane *lanes, int nl)
{
	int	i, j, k = 0;
	bool	stopped;

	for (i = 0; i < ahead.n; i++) {
		stopped = false;
		for (j = 0; j < nl && !stopped; j++)
			stopped = lanes[j].stopped && lanes[j].n > 0 &&
			    lanes[j].rows[0].endpoint_id ==
			    ahead.rows[i].endpoint_id;
		if (!stopped) {
			ahead.rows[k++] = ahead.rows[i];
			continue;
		}
		if (hookq_release(b->db, drainer.id, ahead.rows[i].id) < 0)
			log_warnx("webhook id=%lld: not given back (database); "
			    "the sweep will", ahead.rows[i].id);
		hookq_row_release(&ahead.rows[i]);
	}
	ahead.n = k;
}

/* The batch's rows in lanes, one per endpoint (rows sorted by endpoint). */
static struct lane *
lanes_make(struct hookq_row *rows, int n, int *nl)
{
	struct lane	*lanes = xcalloc((size_t)n, sizeof(*lanes));
	int		 i;

	*nl = 0;
	for (i = 0; i < n; i++) {
		if (i == 0 || rows[i].endpoint_id != rows[i - 1].endpoint_id)
			lanes[(*nl)++].rows = &rows[i];
		lanes[*nl - 1].n++;
	}
	return lanes;
}

/* After the batch: written, given back, wiped, freed. */
static void
batch_end(struct batch *b, struct lane *lanes, int nl)
{
	int	i;

	record_delivered(b, true);
	for (i = 0; i < nl; i++) {
		if (lanes[i].next < lanes[i].n)
			give_back(b, &lanes[i]);
		if (lanes[i].secret != NULL) {
			explicit_bzero(lanes[i].secret, strlen(lanes[i].secret));
			free(lanes[i].secret);
		}
	}
	ahead_drop_stopped(b, lanes, nl);
	for (i = 0; i < b->n; i++)
		hookq_row_release(&b->rows[i]);
	free(lanes);
	free(b->rows);
	free(b->done_ids);
	free(b->done_status);
}

/*
 * Deliver one batch: the one claimed ahead, or one claimed now. How many
 * rows it had, or -1.
 */
static int
run_batch(struct db *db, struct hook_http *http)
{
	struct hookq_row	*rows = NULL;
	struct lane		*lanes;
	struct batch		 b;
	int			 n, i, nl;

	if ((n = ahead_take(db, &rows)) < 0)
		n = hookq_claim(db, &drainer.claimer, MAX_ENDPOINTS,
		    (int)(cfg.webhooks_batch_size < FIRST_PER_ENDPOINT ?
		    cfg.webhooks_batch_size : FIRST_PER_ENDPOINT), &rows);
	if (n <= 0) {
		free(rows);
		return n;
	}
	memset(&b, 0, sizeof(b));
	b.db = db;
	b.rows = rows;
	b.n = n;
	b.done_ids = xcalloc((size_t)n, sizeof(*b.done_ids));
	b.done_status = xcalloc((size_t)n, sizeof(*b.done_status));
	b.next_extend = now_mono_us() + (int64_t)cfg.webhooks_lease *
	    1000000 / 4;
	lanes = lanes_make(rows, n, &nl);
	for (i = 0; i < nl; i++)
		(void)lane_open(&b, &lanes[i]);
	lanes_run(http, &b, lanes, nl);
	batch_end(&b, lanes, nl);
	return n;
}

/* drain_ops.housekeeping: requeue the rows of deliverers that are gone. */
static void
on_housekeeping(struct drain *d, struct db *db)
{
	int	n;

	if ((n = hookq_sweep(db, cfg.webhooks_max_attempts,
	    d->claimer.lock_key, DRAIN_RESTART_GRACE_S)) > 0)
		log_warnx("requeued %d webhook deliveries whose deliverer is "
		    "gone", n);
}

/*
 * drain_ops.reattach, on every new connection, the claim lock taken:
 * give back what this deliverer held under the old one (a sweep may take
 * it meanwhile).
 */
static bool
on_reattach(struct drain *d, struct db *db, bool first, void *ctx)
{
	/*
	 * This connection's commits do not wait for their WAL flush: what a
	 * server crash could forget is a claim (the rows stay queued) or a
	 * verdict (the event is sent again), which at-least-once allows. The
	 * events themselves are written by the flows, durably.
	 */
	if (db_command(db, "SET synchronous_commit = off") != 0)
		return false;
	return hookq_release_all(db, drainer.id) >= 0;
}

/* drain_ops.hold_ms: without the key nothing can be signed: claim nothing. */
static long
on_hold(struct drain *d, struct db *db)
{
	if (key.loaded || hookq_endpoints(db) == 0)
		return 0;
	if (!key_warned)
		log_warnx("webhook endpoints are registered but there is no "
		    "secret key (secret_key_file or the credential "
		    "secret_key): delivering nothing until there is one");
	key_warned = true;
	return d->once ? -1 : cfg.webhooks_poll_interval * 1000;
}

static int
on_batch(struct drain *d, struct db *db)
{
	return run_batch(db, d->arg);
}

static const struct drain_ops webhooks_ops = {
	.channel = HOOKQ_CHANNEL,
	.wake_key = HOOKQ_WAKE_KEY,
	.reattach = on_reattach,
	.housekeeping = on_housekeeping,
	.hold_ms = on_hold,
	.batch = on_batch,
	.next_due_ms = hookq_next_due_ms,
};

/* drain_start's check: a configured key must load (at -t, and wiped). */
static int
check_key(struct config *c, bool at_check, char *err, size_t errlen)
{
	char	path[4096];

	if (!secretbox_key_source(c, path, sizeof(path)))
		return 0;
	if (secretbox_key_load(c, &key, err, errlen) != 0)
		return -1;
	if (at_check)
		secretbox_key_wipe(&key);
	return 0;
}

int
main(int argc, char **argv)
{
	struct hook_http *http;
	struct db	*db;
	char		 err[1024];
	bool		 once;

	drain_start(argc, argv, "memberd-webhooks", "deliver what is due",
	    &cfg, check_key, &once);
	if ((http = hook_http_new(HOOK_HTTP_TIMEOUT_MS, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "memberd-webhooks: %s\n", err);
		config_release(&cfg);
		return 1;
	}
	drain_init(&drainer, &webhooks_ops, http, cfg.webhooks_lease,
	    cfg.webhooks_claim_lock, cfg.webhooks_poll_interval * 1000);
	drainer.once = once;
	db = db_open(&cfg, "memberd-webhooks");
	log_info("deliverer %s started; batch=%ld lease=%lds claim_lock=%s "
	    "key=%s", drainer.id, cfg.webhooks_batch_size, cfg.webhooks_lease,
	    cfg.webhooks_claim_lock ? "session" : "off", key.loaded ? "loaded" :
	    "none");
	sd_notify(0, "READY=1");
	drain_run(&drainer, db);
	sd_notify(0, "STOPPING=1");
	if (ahead.sent || ahead.n > 0) {
		ahead_collect(db);
		if (ahead.n > 0 && ahead.gen == db_generation(db) &&
		    hookq_release_all(db, drainer.id) < 0)
			log_warnx("webhook: %d rows claimed ahead not given "
			    "back (database); the sweep will", ahead.n);
		ahead_free();
	}
	log_info("deliverer %s stopped", drainer.id);
	hook_http_free(http);
	db_close(db);
	secretbox_key_wipe(&key);
	config_release(&cfg);
	return 0;
}
