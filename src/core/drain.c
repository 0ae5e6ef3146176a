/* drain.c: the loop shared by the queue drainers; see drain.h. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "drain.h"
#include "log.h"
#include "banned.h"

static volatile sig_atomic_t	stopping;

static struct stmt st_lock = STMT(
    "SELECT pg_try_advisory_lock($1::bigint)", 1);

/* sql/015_wake_when_idle.sql: awake, asleep, and no producer in flight */
static struct stmt st_awake = STMT(
    "SELECT pg_try_advisory_lock_shared($1::int, 1)", 1);
static struct stmt st_asleep = STMT(
    "SELECT pg_advisory_unlock_shared($1::int, 1)", 1);
static struct stmt st_settled = STMT(
    "SELECT CASE WHEN pg_try_advisory_lock($1::int, 2)"
    " THEN pg_advisory_unlock($1::int, 2) ELSE false END", 1);

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
signals_init(struct drain *d)
{
	struct sigaction sa;
	sigset_t	 block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &d->waitmask);
	sigdelset(&d->waitmask, SIGTERM);
	sigdelset(&d->waitmask, SIGINT);
}

static void
usage(const char *prog, const char *once_what)
{
	fprintf(stderr, "usage: %s [-c file] [-1 | -t]\n"
	    "  -c file  configuration (default $MEMBERD_CONFIG)\n"
	    "  -1       %s once, then exit\n"
	    "  -t       check the configuration and exit\n", prog, once_what);
	exit(2);
}

void
drain_start(int argc, char **argv, const char *prog, const char *once_what,
    struct config *cfg, int (*check)(struct config *, bool, char *, size_t),
    bool *once)
{
	const char	*path = NULL;
	char		 err[1024];
	bool		 at_check = false;
	int		 ch;

	*once = false;
	while ((ch = getopt(argc, argv, "c:1t")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case '1': *once = true; break;
		case 't': at_check = true; break;
		default: usage(prog, once_what);
		}
	}
	if (optind != argc)
		usage(prog, once_what);
	log_init(prog, LOG_LVL_INFO);
	if (config_load(cfg, path, err, sizeof(err)) != 0 ||
	    (check != NULL && check(cfg, at_check, err, sizeof(err)) != 0)) {
		fprintf(stderr, "%s: %s\n", prog, err);
		config_release(cfg);
		exit(1);
	}
	log_set_level((enum log_level)cfg->log_level);
	if (at_check) {
		printf("%s: configuration ok\n", prog);
		config_release(cfg);
		exit(0);
	}
}

/* A fresh claim lock key: random, positive, never 0; 0 without locks. */
static void
lock_key_new(struct drain *d)
{
	uint64_t	k = 0;

	d->claimer.lock_key = 0;
	if (!d->claim_lock)
		return;
	while (k == 0) {
		if (getentropy(&k, sizeof(k)) != 0)
			fatal("getentropy");
		k &= INT64_MAX;
	}
	d->claimer.lock_key = (long long)k;
}

void
drain_init(struct drain *d, const struct drain_ops *ops, void *arg,
    long lease_s, bool claim_lock, long poll_ms)
{
	char		host[64];
	unsigned char	r[4] = { 0 };

	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->arg = arg;
	d->claim_lock = claim_lock;
	d->poll_ms = poll_ms;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	/* unique per start: a restart with the same pid is another worker */
	if (getentropy(r, sizeof(r)) != 0)
		fatal("getentropy");
	snprintf(d->id, sizeof(d->id), "%s:%ld:%02x%02x%02x%02x", host,
	    (long)getpid(), r[0], r[1], r[2], r[3]);
	srandom((unsigned)(r[0] | r[1] << 8 | r[2] << 16) ^ (unsigned)getpid());
	d->claimer.id = d->id;
	d->claimer.lease_s = lease_s;
	lock_key_new(d);
	signals_init(d);
}

bool
drain_stop_requested(void)
{
	sigset_t	pending;

	if (stopping)
		return true;
	if (sigpending(&pending) != 0)
		return false;
	return sigismember(&pending, SIGTERM) == 1 ||
	    sigismember(&pending, SIGINT) == 1;
}

void
drain_wait(struct drain *d, struct db *db, long timeout_ms)
{
	struct pollfd	 pfd;
	struct timespec	 ts;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
	pfd.fd = db_socket(db);
	pfd.events = POLLIN;
	if (ppoll(pfd.fd >= 0 ? &pfd : NULL, pfd.fd >= 0 ? 1 : 0, &ts,
	    &d->waitmask) > 0)
		(void)db_drain_notifications(db);
}

/* pg_try_advisory_lock: 1 taken (or already ours), 0 held elsewhere, -1. */
static int
lock_try(struct db *db, long long key)
{
	struct db_res	*res;
	int		 got;

	if ((res = DB_EXEC(db, &st_lock, DB_INT(key))) == NULL)
		return -1;
	got = db_bool(res, 0, 0) ? 1 : 0;
	db_res_free(res);
	return got;
}

/*
 * Take the claim lock on this connection. When another session holds our
 * key, it is a sweep requeuing our rows this instant (we were away), or
 * by a chance of 2^-63 another worker: take a new key either way. True
 * when the lock is held (or none is used).
 */
static bool
lock_take(struct drain *d, struct db *db)
{
	int	i, rc;

	for (i = 0; i < 3 && d->claimer.lock_key != 0; i++) {
		if ((rc = lock_try(db, d->claimer.lock_key)) != 0)
			return rc == 1;
		log_warnx("claim lock %lld is held elsewhere: our rows are "
		    "being requeued; taking another key", d->claimer.lock_key);
		lock_key_new(d);
	}
	return d->claimer.lock_key == 0;
}

bool
drain_attached(const struct drain *d, const struct db *db)
{
	return db_is_up(db) && d->attached_gen == db_generation(db);
}

bool
drain_attach(struct drain *d, struct db *db, void *ctx)
{
	unsigned long	gen = db_generation(db);

	if (!db_is_up(db))
		return false;
	if (gen == d->attached_gen)
		return true;
	d->awake = false;	/* session locks go with the connection */
	if (d->listening_gen != gen) {
		if (db_listen(db, d->ops->channel) != 0)
			return false;
		d->listening_gen = gen;
	}
	if (!lock_take(d, db) ||
	    !d->ops->reattach(d, db, d->attached_gen == 0, ctx))
		return false;
	if (db_generation(db) != gen)
		return false;		/* lost again meanwhile */
	d->attached_gen = gen;
	return true;
}

int64_t
drain_sweep_every_us(const struct drain *d)
{
	int64_t	every = (int64_t)d->claimer.lease_s * 1000000 / 4;

	if (d->claim_lock)
		return DRAIN_SWEEP_US;
	if (every < 1000000)
		every = 1000000;
	if (every > 60 * 1000000LL)
		every = 60 * 1000000LL;
	return every;
}

long
drain_idle_ms(struct drain *d, struct db *db)
{
	long	poll_ms = d->poll_ms, due;

	/* wake for the sweep too: a dead worker's rows send no notification */
	if (poll_ms > drain_sweep_every_us(d) / 1000)
		poll_ms = (long)(drain_sweep_every_us(d) / 1000);
	due = d->ops->next_due_ms(db);
	if (due < 0 || due > poll_ms)
		return poll_ms;
	/* due now but not claimable: another worker holds it this instant */
	return due < 20 ? 20 : due;
}

/*
 * Without claim locks (behind transaction pooling) a session lock would
 * stay on whichever server connection took it: no awake lock either, and
 * every commit notifies.
 */
static bool
wake_locks(const struct drain *d)
{
	return d->ops->wake_key != 0 && d->claim_lock;
}

/*
 * Hold (wake_key, 1): producers need not wake us. Never waits: a producer
 * holds it for an instant only, and should one ever be left with it, we
 * would rather be notified than blocked; taken again at the next turn.
 * False on an error.
 */
static bool
awake_mark(struct drain *d, struct db *db)
{
	struct db_res	*res;

	if (!wake_locks(d) || d->awake)
		return true;
	if ((res = DB_EXEC(db, &st_awake, DB_INT(d->ops->wake_key))) == NULL)
		return false;
	d->awake = db_bool(res, 0, 0);
	db_res_free(res);
	return true;
}

/*
 * Release (wake_key, 1) before sleeping. True when no producer that saw
 * us awake is in flight any more: then a NOTIFY wakes us for every row
 * still to come.
 */
static bool
asleep_mark(struct drain *d, struct db *db)
{
	struct db_res	*res;
	bool		 settled;

	if (!wake_locks(d))
		return true;
	if (d->awake && DB_DONE(db, &st_asleep, DB_INT(d->ops->wake_key)) != 0)
		return false;
	d->awake = false;
	if ((res = DB_EXEC(db, &st_settled, DB_INT(d->ops->wake_key))) == NULL)
		return false;
	settled = db_bool(res, 0, 0);
	db_res_free(res);
	return settled;
}

static void
sweep_if_due(struct drain *d, struct db *db)
{
	int64_t	now = now_mono_us();

	if (d->last_sweep != 0 && now - d->last_sweep < drain_sweep_every_us(d))
		return;
	d->last_sweep = now;
	d->ops->housekeeping(d, db);
}

/*
 * One turn of the loop: > 0 go on at once, 0 sleep, -1 end. *wait_ms is
 * how long to sleep (-1: until idle).
 */
static int
turn(struct drain *d, struct db *db, long *wait_ms)
{
	long	hold;

	*wait_ms = -1;
	if (!db_ensure(db)) {
		*wait_ms = 1000;
		return 0;
	}
	if (!drain_attach(d, db, NULL) || !awake_mark(d, db)) {
		*wait_ms = d->listening_gen == db_generation(db) ? 200 : 1000;
		return 0;
	}
	sweep_if_due(d, db);
	if (d->ops->hold_ms != NULL && (hold = d->ops->hold_ms(d, db)) != 0) {
		*wait_ms = hold;
		return hold < 0 ? -1 : 0;
	}
	if (d->ops->batch(d, db) > 0)
		return 1;
	return d->once ? -1 : 0;
}

void
drain_run(struct drain *d, struct db *db)
{
	long	wait_ms;
	int	rc;

	while (!drain_stop_requested()) {
		if ((rc = turn(d, db, &wait_ms)) > 0)
			continue;
		if (rc < 0)
			break;
		if (wait_ms >= 0) {
			drain_wait(d, db, wait_ms);
			continue;
		}
		/* a notification read along with the claim's reply */
		if (db_drain_notifications(db) > 0)
			continue;
		drain_wait(d, db, asleep_mark(d, db) ? drain_idle_ms(d, db) :
		    DRAIN_SETTLE_MS);
	}
}

long
drain_backoff_ms(int attempts, long unit_ms, double unit_random)
{
	double	base, ms;

	if (attempts < 1)
		attempts = 1;
	if (unit_random < 0)
		unit_random = 0;
	if (unit_random > 1)
		unit_random = 1;
	base = (double)attempts * attempts * attempts * attempts;
	if (base > 3600)
		base = 3600;
	ms = base * (0.9 + 0.2 * unit_random);
	if (ms > 3600)
		ms = 3600;	/* jitter never pushes past the cap */
	ms *= (double)unit_ms;
	return ms < 1 ? 1 : (long)ms;
}

double
drain_unit_random(void)
{
	return (double)random() / RAND_MAX;
}
