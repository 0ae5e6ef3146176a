/*
 * metrics.h: what GET /metrics reports, and the table behind it.
 *
 * The table is one anonymous MAP_SHARED mapping that memberd's parent
 * makes before its first fork (metrics_init), so every worker inherits
 * it, and it outlives any worker: a replaced worker or a reload keeps
 * counting where the last one stopped. Workers change it only with
 * atomic adds and stores; readers take each number with an atomic load,
 * so a scrape sees every request that finished before it began, without
 * a lock. The mapping is never freed: it dies with the parent. Without
 * metrics_init (memberctl, unit tests) every update does nothing.
 *
 * Per route of routes.c (and one row for requests no route matched):
 * requests by status, and a histogram of durations. Per worker process:
 * its pid and whether it is serving a request. The parent clears a
 * worker's row when it reaps it.
 *
 * metrics_render() and metrics_render_webhooks() are pure: they format a
 * snapshot, the route table and the mail and webhook queues' counts as
 * the Prometheus text format 0.0.4.
 */
#ifndef MEMBERD_METRICS_H
#define MEMBERD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

struct route;

#define METRICS_ROUTES_MAX	96
#define METRICS_WORKERS_MAX	512	/* workers (256) twice: a reload */
#define METRICS_NBUCKETS	14	/* the bounds below, then +Inf */

/* Statuses counted one by one; any other is counted as "other". */
#define METRICS_STATUSES \
	200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 410, 413, 415, \
	422, 429, 500, 503
#define METRICS_NSTATUS		18	/* the list above, then "other" */

/* Bucket upper bounds in microseconds (the last bucket is +Inf). */
#define METRICS_BOUNDS_US \
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, \
	1000000, 2500000, 5000000, 10000000

struct metrics_route {
	uint64_t	by_status[METRICS_NSTATUS];
	uint64_t	bucket[METRICS_NBUCKETS];	/* not cumulative */
	uint64_t	sum_us;
};

struct metrics_worker {
	int32_t		pid;		/* 0: a free row */
	int32_t		busy;
};

struct metrics_table {
	/* route[nroutes]: requests that matched no route (404, 405) */
	struct metrics_route	route[METRICS_ROUTES_MAX + 1];
	struct metrics_worker	worker[METRICS_WORKERS_MAX];
};

/* The mail queue as one query at scrape time sees it, per state. */
#define METRICS_MAIL_STATES	5	/* queued, sending, failed, sent, dead */
struct metrics_mail {
	bool		known;		/* false: the database did not answer */
	long long	messages[METRICS_MAIL_STATES];
	long long	oldest_s[METRICS_MAIL_STATES];	/* age of the oldest */
	long long	last_24h[METRICS_MAIL_STATES];	/* last attempt < 24 h */
};
extern const char *const metrics_mail_states[METRICS_MAIL_STATES];

/* The webhook deliveries (sql/010_webhooks.sql) by state, the same way. */
#define METRICS_HOOK_STATES	5	/* queued, sending, failed, delivered, dead */
struct metrics_webhooks {
	bool		known;		/* false: the database did not answer */
	long long	deliveries[METRICS_HOOK_STATES];
	long long	oldest_s[METRICS_HOOK_STATES];	/* age of the oldest */
	long long	last_24h[METRICS_HOOK_STATES];	/* last attempt < 24 h */
};
extern const char *const metrics_hook_states[METRICS_HOOK_STATES];

/* Map the shared table; in the parent, before the first fork. Fatal on
 * failure. Returns the table (also kept for the functions below). */
struct metrics_table *metrics_init(void);

/* In a worker: take a row for this pid (false when none is free). */
bool	metrics_worker_start(pid_t);
void	metrics_worker_busy(bool);
/* In the parent: the worker pid is gone, free its row. */
void	metrics_worker_gone(pid_t);

/*
 * Count one request of route index route_ix (nroutes for none), its
 * status and how long it took. route_ix beyond METRICS_ROUTES_MAX is
 * counted as unmatched.
 */
void	metrics_observe(size_t route_ix, size_t nroutes, int status,
	    int64_t duration_us);

/* Copy the shared table with atomic loads into dst. False without one. */
bool	metrics_snapshot(struct metrics_table *dst);

/*
 * Append the Prometheus text of snap (requests, durations and workers
 * of the routes table) and mail (when mail->known) to out.
 */
void	metrics_render(struct buf *out, const struct metrics_table *snap,
	    const struct route *routes, size_t nroutes,
	    const struct metrics_mail *mail);
/* Append the webhook deliveries' gauges (nothing unless hooks->known). */
void	metrics_render_webhooks(struct buf *out,
	    const struct metrics_webhooks *hooks);

#endif
