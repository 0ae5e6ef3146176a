/*
 * drain.h: the loop of a process that drains a queue table, shared by
 * memberd-mailer (email_queue, outbox.h) and memberd-webhooks
 * (webhook_deliveries, hookq.h). What is the same for both lives here;
 * each queue's SQL stays in its table module, each process's batch (SMTP
 * session, HTTP lanes) in its main file, called through struct drain_ops.
 *
 *   - Wake-up: the process LISTENs on the queue's channel (a trigger
 *     NOTIFYs it when a producing transaction commits) and sleeps in
 *     ppoll on the database socket, so the first message of a quiet
 *     spell goes out within milliseconds; the poll interval, the next
 *     due row and the sweep's cadence bound the sleep (drain_idle_ms).
 *     A NOTIFY serialises the commits of the transactions that send one,
 *     so producers send it only when no drainer is awake
 *     (sql/015_wake_when_idle.sql, ops->wake_key): while awake (from a
 *     new connection, or from a wake-up, until it finds nothing to
 *     claim) a drainer holds the session advisory lock (wake_key, 1)
 *     shared. Going to sleep, it releases it, then checks that no
 *     producer that saw it awake is still in flight ((wake_key, 2) free):
 *     if so it sleeps as above; if not, it looks again in
 *     DRAIN_SETTLE_MS. A producer that rolls back after another one saw
 *     the drainer asleep in the same instant leaves the other's row to
 *     the poll. Without claim locks (transaction pooling, where a session
 *     lock stays on a server connection) a drainer takes no awake lock.
 *   - Signals: SIGTERM and SIGINT stay blocked except inside that ppoll,
 *     so no database, SMTP or HTTP call is interrupted; a pending one is
 *     seen by drain_stop_requested() (sigpending) between steps.
 *   - Claims: rows are claimed FOR UPDATE SKIP LOCKED and stamped with
 *     the worker's id (host:pid:random, unique per start), a lease and a
 *     claim lock key: a random positive key whose session advisory lock
 *     (pg_try_advisory_lock) the worker holds on its connection. When it
 *     dies, the lock goes with the connection, and any worker's sweep
 *     (every DRAIN_SWEEP_US with claim locks, else by the lease) requeues
 *     its rows. Writes after a claim are fenced on the worker's id.
 *   - Attach: on every new connection (db_generation changed), before any
 *     claim, drain_attach LISTENs again, takes the claim lock again (a new
 *     key when a sweep holds the old one this instant) and lets the
 *     process settle what it held (ops->reattach).
 *   - Backoff: drain_backoff_ms, the delay both queues wait between
 *     attempts.
 *
 * A struct drain is one per process, set up by drain_init; nothing in it
 * is allocated.
 */
#ifndef MEMBERD_DRAIN_H
#define MEMBERD_DRAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct config;
struct db;
struct drain;

/* How often, with claim locks, the rows of gone workers are looked for. */
#define DRAIN_SWEEP_US		(2 * 1000000LL)
/* After the server starts, live workers get this long to lock again. */
#define DRAIN_RESTART_GRACE_S	5
/* Going to sleep while producers that saw us awake are in flight. */
#define DRAIN_SETTLE_MS		20

/* Who claims: stamped on every row a claim takes. */
struct drain_claimer {
	const char	*id;		/* host:pid:random */
	long		 lease_s;
	long long	 lock_key;	/* 0: no claim lock */
};

/* What one queue's process does at each step of drain_run. */
struct drain_ops {
	const char	*channel;	/* LISTEN */
	int		 wake_key;	/* memberd_wake()'s, 0: none */
	/*
	 * On a new connection, after the lock is taken: settle what was
	 * held under the old one (first: this is the process's first
	 * connection; ctx: drain_attach's). False: try again later.
	 */
	bool	(*reattach)(struct drain *, struct db *, bool first,
		    void *ctx);
	/*
	 * Requeue the rows of gone workers, and any other periodic work
	 * (every drain_sweep_every_us, and at the first turn).
	 */
	void	(*housekeeping)(struct drain *, struct db *);
	/* Optional, before each claim: 0 go on, > 0 wait ms first, -1 end. */
	long	(*hold_ms)(struct drain *, struct db *);
	/* Claim and settle one batch: > 0 go again at once, 0 idle, -1. */
	int	(*batch)(struct drain *, struct db *);
	/* Milliseconds until the next row is due (0 now), -2 none, -1. */
	long	(*next_due_ms)(struct db *);
};

struct drain {
	const struct drain_ops	*ops;
	void			*arg;	/* the process's own state */
	struct drain_claimer	 claimer;
	bool			 claim_lock;	/* configured */
	bool			 once;	/* -1: what is due, then exit */
	long			 poll_ms;
	char			 id[128];
	/* the connection on which we LISTEN, and hold the lock and rows */
	unsigned long		 listening_gen, attached_gen;
	bool			 awake;		/* (wake_key, 1) held */
	int64_t			 last_sweep;
	sigset_t		 waitmask;
};

/*
 * A drainer's start: "prog [-c file] [-1 | -t]" parsed (else the usage on
 * stderr, once_what saying what -1 does, and exit 2), logging begun, the
 * configuration loaded into cfg and checked by check (NULL: none;
 * at_check: this is -t). Then exit 0 after -t, saying it is ok, or 1 with
 * the error on stderr; or return, *once telling -1.
 */
void	drain_start(int argc, char **argv, const char *prog,
	    const char *once_what, struct config *cfg,
	    int (*check)(struct config *, bool at_check, char *err,
	    size_t errlen), bool *once);
/*
 * Set up d: a fresh worker id and claim lock key (none unless
 * claim_lock), random() seeded, the signals blocked (see above).
 */
void	drain_init(struct drain *, const struct drain_ops *, void *arg,
	    long lease_s, bool claim_lock, long poll_ms);
/* A stop asked for, delivered or still pending behind the signal mask. */
bool	drain_stop_requested(void);
/* Sleep until a notification, timeout_ms, or a signal. */
void	drain_wait(struct drain *, struct db *, long timeout_ms);
/*
 * Before a claim, and whenever the connection may be new: LISTEN, the
 * claim lock and ops->reattach(ctx) on a new connection. True when the
 * rows known are those of this connection.
 */
bool	drain_attach(struct drain *, struct db *, void *ctx) MUST_CHECK;
/* The lock and the rows are held on the connection as it is now. */
bool	drain_attached(const struct drain *, const struct db *);
/* With claim locks, DRAIN_SWEEP_US; else a quarter lease, 1 s to 1 min. */
int64_t	drain_sweep_every_us(const struct drain *);
/* How long to sleep when idle: the poll, the sweep or the next due row. */
long	drain_idle_ms(struct drain *, struct db *);
/* The loop: attach, sweep, hold, batch, sleep; until a stop (or once). */
void	drain_run(struct drain *, struct db *);

/*
 * Delay before the next attempt after attempts failures: n^4 units,
 * +-10 % by unit_random in [0, 1], capped at 3600 units, at least 1 ms.
 * With a unit of a second: 1 s, 16 s, 81 s, 4 min, 10 min, 22 min, 40
 * min, then an hour.
 */
long	drain_backoff_ms(int attempts, long unit_ms, double unit_random);
/* random() as a number in [0, 1], for drain_backoff_ms's jitter. */
double	drain_unit_random(void);

#endif
