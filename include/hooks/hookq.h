/*
 * hookq.h: the webhook_deliveries table seen from memberd-webhooks and
 * memberctl. Rows move
 *
 *   queued ──claim──> sending ──2xx──> delivered
 *   failed ──claim──> sending ──5xx, 408, 429, timeout, no connection──>
 *                                failed (next_attempt_at after backoff)
 *                     sending ──other status, or attempts reached the
 *                                max──> dead (last_status, last_error)
 *                     sending ──not sent (stop, an earlier row of its
 *                                endpoint failed)──> queued (attempt not
 *                                counted)
 *                     sending ──its deliverer's session is gone (claim
 *                                lock free), or its lease passed──> queued,
 *                                or dead when that was the last attempt
 *   dead, failed ──memberctl webhook retry──> queued (attempts from 0)
 *
 * Order per endpoint: a claim (sql/016_webhook_claim.sql, one statement)
 * first locks endpoint rows (FOR NO KEY UPDATE SKIP LOCKED, so emitting
 * transactions, which only take KEY SHARE through the foreign key, never
 * wait), then, in a new snapshot, takes the oldest open rows of each
 * endpoint whose oldest open row is neither being sent nor waiting for a
 * retry. Two
 * deliverers thus never hold rows of one endpoint at once, and a later
 * event waits while an earlier one is retried. Dead rows do not block.
 *
 * As in outbox.h (the loop and the lock: drain.h), a claim stamps
 * locked_by (an id unique per process start), claim_lock (the key of a
 * session advisory lock the deliverer holds while its connection lives)
 * and lease_until; every write after
 * it is fenced on (state = 'sending', locked_by = me). memberd-webhooks
 * runs its session with synchronous_commit off, the claim's commit too:
 * a claim a server crash forgets leaves its rows queued, which is where
 * they were, and a forgotten verdict only sends an event again.
 */
#ifndef MEMBERD_HOOKQ_H
#define MEMBERD_HOOKQ_H

#include <stdbool.h>

#include "drain.h"
#include "util.h"

#define HOOKQ_CHANNEL	"memberd_webhooks"
/* memberd_wake()'s key for webhook_deliveries (sql/015, drain.h) */
#define HOOKQ_WAKE_KEY	72854

struct db;

/* A claimed delivery; the strings are the caller's (hookq_row_release). */
struct hookq_row {
	long long	 id;
	long long	 endpoint_id;
	char		*event_id;
	char		*type;
	char		*body;		/* payload::text, signed and sent */
	char		*url;
	char		*secret_sealed;
	int		 attempts;	/* including this one */
};

/*
 * Claim up to per_endpoint rows of each of up to max_endpoints endpoints
 * (see above), sorted by endpoint then id, into *rows (the caller frees
 * the array after releasing each row). How many, or -1.
 */
int	hookq_claim(struct db *, const struct drain_claimer *,
	    int max_endpoints, int per_endpoint, struct hookq_row **rows);
/*
 * The next claim, sent while this deliverer still sends the rows of the
 * last one (db_send: nothing else may be sent until it is collected). It
 * also takes the next rows of endpoints whose oldest open row this
 * deliverer is sending: the caller sends them after those, and gives
 * them back unsent when an earlier row of theirs is to be retried.
 * hookq_claim_collect reads its rows (hookq_claim is the same send and
 * collect, without those rows of endpoints being sent).
 */
int	hookq_claim_ahead_send(struct db *, const struct drain_claimer *,
	    int max_endpoints, int per_endpoint);
int	hookq_claim_collect(struct db *, struct hookq_row **rows);
void	hookq_row_release(struct hookq_row *);

/*
 * Record n delivered rows with their statuses, in one statement; their
 * endpoints stop counting as failing. Rows still ours, or -1.
 */
int	hookq_mark_delivered(struct db *, const char *me, const long long *ids,
	    const int *statuses, int n);
/*
 * The same without waiting for the commit: send, go on delivering, then
 * collect (rows still ours, or -1). Any other call on the connection
 * first reads the reply; collect still returns it.
 */
int	hookq_mark_delivered_send(struct db *, const char *me,
	    const long long *ids, const int *statuses, int n);
int	hookq_mark_delivered_collect(struct db *);
/*
 * A failed attempt: dead, or failed until retry_ms from now (retry_ms < 0:
 * dead). status 0 for no answer; error the first bytes of the answer or
 * the reason. 1 when the row was still ours, 0, -1. When the endpoint has
 * now been failing for disable_after_s, it is disabled and *disabled set.
 */
int	hookq_mark_failed(struct db *, const char *me, long long id,
	    long long endpoint_id, long retry_ms, int status, const char *error,
	    long disable_after_s, bool *disabled);
/* Give back a claimed row not sent: attempt not counted. 1, 0, -1. */
int	hookq_release(struct db *, const char *me, long long id);
/* Give back every row this deliverer holds (after a reconnect). */
int	hookq_release_all(struct db *, const char *me);

/* Push the lease of every row this deliverer holds. Rows, or -1. */
int	hookq_extend(struct db *, const char *me, long lease_s);
/*
 * Requeue rows whose deliverer is gone (its claim lock free, own_key
 * skipped, not in the first grace_s seconds of the server) or whose lease
 * passed. How many, or -1.
 */
int	hookq_sweep(struct db *, long max_attempts, long long own_key,
	    long grace_s);
/* Milliseconds until the next row is due (0: now), -2 for none, -1. */
long	hookq_next_due_ms(struct db *);
/* Enabled endpoints registered: the deliverer then needs its key. */
int	hookq_endpoints(struct db *);

#endif
