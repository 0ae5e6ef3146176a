/*
 * metrics.c: the shared table of request counts, durations and workers,
 * and its Prometheus text. See metrics.h for who writes what and when.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "banned.h"

#define LOAD(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define ADD(p, v)	((void)__atomic_fetch_add((p), (v), __ATOMIC_RELAXED))
#define STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)

static const int	statuses[METRICS_NSTATUS - 1] = { METRICS_STATUSES };
static const int64_t	bounds_us[METRICS_NBUCKETS - 1] = { METRICS_BOUNDS_US };

const char *const metrics_mail_states[METRICS_MAIL_STATES] = {
	"queued", "sending", "failed", "sent", "dead",
};
const char *const metrics_hook_states[METRICS_HOOK_STATES] = {
	"queued", "sending", "failed", "delivered", "dead",
};

static struct metrics_table	*table;
static struct metrics_worker	*mine;	/* this worker's row */

struct metrics_table *
metrics_init(void)
{
	void	*p;

	p = mmap(NULL, sizeof(*table), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("metrics: mmap of %zu bytes", sizeof(*table));
	table = p;	/* zero-filled by the kernel */
	return table;
}

bool
metrics_worker_start(pid_t pid)
{
	int32_t	free_row;
	size_t	i;

	if (table == NULL)
		return false;
	for (i = 0; i < METRICS_WORKERS_MAX; i++) {
		free_row = 0;
		if (__atomic_compare_exchange_n(&table->worker[i].pid,
		    &free_row, (int32_t)pid, false, __ATOMIC_RELAXED,
		    __ATOMIC_RELAXED)) {
			mine = &table->worker[i];
			STORE(&mine->busy, 0);
			return true;
		}
	}
	log_warnx("metrics: no free worker row; this worker is not shown");
	return false;
}

void
metrics_worker_busy(bool busy)
{
	if (mine != NULL)
		STORE(&mine->busy, busy ? 1 : 0);
}

void
metrics_worker_gone(pid_t pid)
{
	size_t	i;

	if (table == NULL)
		return;
	for (i = 0; i < METRICS_WORKERS_MAX; i++)
		if (LOAD(&table->worker[i].pid) == (int32_t)pid) {
			STORE(&table->worker[i].busy, 0);
			STORE(&table->worker[i].pid, 0);
		}
}

static size_t
status_slot(int status)
{
	size_t	i;

	for (i = 0; i < METRICS_NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return METRICS_NSTATUS - 1;
}

static size_t
bucket_slot(int64_t us)
{
	size_t	i;

	for (i = 0; i < METRICS_NBUCKETS - 1; i++)
		if (us <= bounds_us[i])
			return i;
	return METRICS_NBUCKETS - 1;
}

void
metrics_observe(size_t route_ix, size_t nroutes, int status,
    int64_t duration_us)
{
	struct metrics_route	*m;

	if (table == NULL)
		return;
	if (nroutes > METRICS_ROUTES_MAX)
		nroutes = METRICS_ROUTES_MAX;
	if (route_ix > nroutes)
		route_ix = nroutes;
	if (duration_us < 0)
		duration_us = 0;
	m = &table->route[route_ix];
	ADD(&m->bucket[bucket_slot(duration_us)], 1);
	ADD(&m->sum_us, (uint64_t)duration_us);
	/* last: a scrape that sees the request sees its duration too */
	ADD(&m->by_status[status_slot(status)], 1);
}

bool
metrics_snapshot(struct metrics_table *dst)
{
	size_t	i, j;

	if (table == NULL)
		return false;
	for (i = 0; i <= METRICS_ROUTES_MAX; i++) {
		for (j = 0; j < METRICS_NSTATUS; j++)
			dst->route[i].by_status[j] =
			    LOAD(&table->route[i].by_status[j]);
		for (j = 0; j < METRICS_NBUCKETS; j++)
			dst->route[i].bucket[j] =
			    LOAD(&table->route[i].bucket[j]);
		dst->route[i].sum_us = LOAD(&table->route[i].sum_us);
	}
	for (i = 0; i < METRICS_WORKERS_MAX; i++) {
		dst->worker[i].pid = LOAD(&table->worker[i].pid);
		dst->worker[i].busy = LOAD(&table->worker[i].busy);
	}
	return true;
}

/* The labels of route row i: method and pattern, or "unmatched". */
static void
route_labels(struct buf *out, const struct route *routes, size_t nroutes,
    size_t i)
{
	if (i < nroutes)
		buf_printf(out, "method=\"%s\",route=\"%s\"", routes[i].method,
		    routes[i].pattern);
	else
		buf_puts(out, "method=\"\",route=\"unmatched\"");
}

static void
render_requests(struct buf *out, const struct metrics_table *snap,
    const struct route *routes, size_t nroutes)
{
	size_t	i, j;

	buf_puts(out, "# HELP memberd_http_requests_total Requests answered, "
	    "by route of the route table and status.\n"
	    "# TYPE memberd_http_requests_total counter\n");
	for (i = 0; i <= nroutes; i++)
		for (j = 0; j < METRICS_NSTATUS; j++) {
			if (snap->route[i].by_status[j] == 0)
				continue;
			buf_puts(out, "memberd_http_requests_total{");
			route_labels(out, routes, nroutes, i);
			if (j < METRICS_NSTATUS - 1)
				buf_printf(out, ",status=\"%d\"", statuses[j]);
			else
				buf_puts(out, ",status=\"other\"");
			buf_printf(out, "} %llu\n", (unsigned long long)
			    snap->route[i].by_status[j]);
		}
}

/* A bound in seconds, as Prometheus client libraries print them. */
static void
bound_label(char *dst, size_t len, size_t j)
{
	if (j == METRICS_NBUCKETS - 1)
		snprintf(dst, len, "+Inf");
	else
		snprintf(dst, len, "%g", (double)bounds_us[j] / 1e6);
}

static void
render_durations(struct buf *out, const struct metrics_table *snap,
    const struct route *routes, size_t nroutes)
{
	unsigned long long	 cum;
	size_t			 i, j;
	char			 le[16];

	buf_puts(out, "# HELP memberd_http_request_duration_seconds Time "
	    "from the request read to the response ready, by route.\n"
	    "# TYPE memberd_http_request_duration_seconds histogram\n");
	for (i = 0; i <= nroutes; i++) {
		cum = 0;
		for (j = 0; j < METRICS_NBUCKETS; j++)
			cum += snap->route[i].bucket[j];
		if (cum == 0)
			continue;
		cum = 0;
		for (j = 0; j < METRICS_NBUCKETS; j++) {
			cum += snap->route[i].bucket[j];
			bound_label(le, sizeof(le), j);
			buf_puts(out,
			    "memberd_http_request_duration_seconds_bucket{");
			route_labels(out, routes, nroutes, i);
			buf_printf(out, ",le=\"%s\"} %llu\n", le, cum);
		}
		buf_puts(out, "memberd_http_request_duration_seconds_sum{");
		route_labels(out, routes, nroutes, i);
		buf_printf(out, "} %.6f\n", (double)snap->route[i].sum_us / 1e6);
		buf_puts(out, "memberd_http_request_duration_seconds_count{");
		route_labels(out, routes, nroutes, i);
		buf_printf(out, "} %llu\n", cum);
	}
}

static void
render_workers(struct buf *out, const struct metrics_table *snap)
{
	long	busy = 0, idle = 0;
	size_t	i;

	for (i = 0; i < METRICS_WORKERS_MAX; i++) {
		if (snap->worker[i].pid == 0)
			continue;
		if (snap->worker[i].busy)
			busy++;
		else
			idle++;
	}
	buf_printf(out, "# HELP memberd_workers Worker processes, serving a "
	    "request (busy) or waiting for one (idle).\n"
	    "# TYPE memberd_workers gauge\n"
	    "memberd_workers{state=\"busy\"} %ld\n"
	    "memberd_workers{state=\"idle\"} %ld\n", busy, idle);
}

/* One gauge family by state: n values v[i] labelled states[i]. */
static void
render_state_family(struct buf *out, const char *name, const char *help,
    const char *const *states, size_t n, const long long *v)
{
	size_t	i;

	buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (i = 0; i < n; i++)
		buf_printf(out, "%s{state=\"%s\"} %lld\n", name, states[i],
		    v[i]);
}

static void
render_mail_family(struct buf *out, const char *name, const char *help,
    const long long *v)
{
	render_state_family(out, name, help, metrics_mail_states,
	    METRICS_MAIL_STATES, v);
}

static void
render_hook_family(struct buf *out, const char *name, const char *help,
    const long long *v)
{
	render_state_family(out, name, help, metrics_hook_states,
	    METRICS_HOOK_STATES, v);
}

void
metrics_render_webhooks(struct buf *out, const struct metrics_webhooks *h)
{
	if (h == NULL || !h->known)
		return;
	render_hook_family(out, "memberd_webhook_deliveries",
	    "Rows of webhook_deliveries by state (delivered rows are kept).",
	    h->deliveries);
	render_hook_family(out, "memberd_webhook_oldest_seconds",
	    "Age of the oldest row in each state (delivered: since it was "
	    "delivered; 0 when there is none).", h->oldest_s);
	render_hook_family(out, "memberd_webhook_last_24h",
	    "Rows by state whose last attempt (or creation; delivered: "
	    "delivery) was in the last 24 hours.", h->last_24h);
}

static void
render_mail(struct buf *out, const struct metrics_mail *mail)
{
	buf_printf(out, "# HELP memberd_database_up Whether the database "
	    "answered the mail queue's query of this scrape.\n"
	    "# TYPE memberd_database_up gauge\n"
	    "memberd_database_up %d\n", mail->known ? 1 : 0);
	if (!mail->known)
		return;
	render_mail_family(out, "memberd_mail_messages",
	    "Rows of email_queue by state (sent rows are kept for "
	    "mail_retention).", mail->messages);
	render_mail_family(out, "memberd_mail_oldest_seconds",
	    "Age of the oldest row in each state (sent: since it was sent; "
	    "0 when there is none).",
	    mail->oldest_s);
	render_mail_family(out, "memberd_mail_last_24h",
	    "Rows by state whose last attempt (or creation; sent: sending) "
	    "was in the last 24 hours.", mail->last_24h);
}

void
metrics_render(struct buf *out, const struct metrics_table *snap,
    const struct route *routes, size_t nroutes,
    const struct metrics_mail *mail)
{
	if (nroutes > METRICS_ROUTES_MAX)
		nroutes = METRICS_ROUTES_MAX;
	render_requests(out, snap, routes, nroutes);
	render_durations(out, snap, routes, nroutes);
	render_workers(out, snap);
	if (mail != NULL)
		render_mail(out, mail);
}
