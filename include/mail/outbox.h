/*
 * outbox.h: the email_queue table seen from the mailer. Rows move
 *
 *   queued ──claim──> sending ──2xx──> sent (bodies erased)
 *   failed ──claim──> sending ──4xx, or no reply to a message the relay
 *                                was given──> failed
 *                     sending ──5xx, or attempts reached the max──> dead
 *                     sending ──not given to the relay (stop, no
 *                                connection, TLS, AUTH, 554 greeting,
 *                                session lost before its MAIL)──> queued
 *                                or failed as before (attempt not
 *                                counted, no backoff; last_error says why)
 *                     sending ──its mailer's session is gone (claim lock
 *                                free), or its lease passed──> queued,
 *                                or dead when that was the last attempt
 *   dead, failed ──memberctl queue retry──> queued (attempts from 0)
 *   sent ──memberctl queue purge, or the mailer after mail_retention──> gone
 *
 * A claim takes due rows with FOR UPDATE SKIP LOCKED in one UPDATE, so
 * several mailers never take the same row; it stamps locked_by (a mailer
 * id unique per process start), lease_until and claim_lock. Every write
 * after the claim is fenced on (state = 'sending', locked_by = me): a
 * mailer whose rows were requeued cannot overwrite a row another mailer
 * has taken since.
 *
 * Who holds a claim, as PostgreSQL sees it: each mailer holds, on its
 * connection, the session advisory lock pg_advisory_lock(claim_lock),
 * a random key it stamps on every row it claims (drain.h takes it, again
 * after every reconnect). When the mailer dies, its connection and thus
 * the lock go with it; outbox_sweep, run by any mailer every few seconds, requeues
 * the rows whose lock it can take. A live mailer, however slow, keeps its
 * lock and its rows. The lease stays the fallback for claims without a
 * lock (claim_lock NULL: behind transaction pooling a session lock means
 * nothing) and for a mailer that hangs with its connection open: while a
 * mailer is in an SMTP session it pushes lease_until forward at least
 * every half lease (outbox_extend).
 *
 * Code that queues mail inserts rows in its own transaction; a trigger
 * NOTIFYs OUTBOX_CHANNEL when that transaction commits, if no mailer is
 * awake to see the rows without it (drain.h, sql/015).
 *
 * What another reader (an invite listing through its last_email_id) may
 * rely on, reading state from email_queue by id:
 *   - queued and sending: not yet accepted by the relay; show "queued".
 *     A queued row may carry a last_error (why the last session could
 *     not offer it) with attempts unchanged.
 *   - sent: final. The relay accepted the message (2xx); sent_at is set;
 *     recipient, subject, message_id and the times stay, the bodies go.
 *   - failed: not delivered yet, will be tried again at next_attempt_at;
 *     last_error holds the reason (reply or connection error).
 *   - dead: final unless an operator retries it; last_error holds the
 *     relay's reply (e.g. "550 5.1.1 ... no such user").
 *   - A sent row may be deleted after mail_retention: a missing row
 *     behind an id that was set means sent. A foreign key to
 *     email_queue(id) must therefore be ON DELETE SET NULL.
 *   - message_id is set at the first claim and never changes.
 */
#ifndef MEMBERD_OUTBOX_H
#define MEMBERD_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "drain.h"
#include "util.h"

#define OUTBOX_CHANNEL	"memberd_mail"
/* memberd_wake()'s key for email_queue (sql/015, drain.h) */
#define OUTBOX_WAKE_KEY	72853

/* email_queue.state, drawn above; invites show it (model.h). */
enum mail_state {
	MAIL_QUEUED,
	MAIL_SENDING,
	MAIL_SENT,
	MAIL_FAILED,
	MAIL_DEAD,
};

struct db;

struct outbox_msg {
	long long	 id;
	char		*recipient;
	char		*recipient_name;
	char		*subject;
	char		*body_text;
	char		*body_html;
	char		*message_id;
	int		 attempts;	/* including this one */
	time_t		 created_at;
};

/* "queued", "sending", "sent", "failed", "dead": 0 with *out, or -1. */
int	mail_state_parse(const char *, enum mail_state *out) MUST_CHECK;
const char *mail_state_name(enum mail_state);

enum outbox_outcome {
	OUTBOX_SENT,
	OUTBOX_FAILED,		/* retried after drain_backoff_ms */
	OUTBOX_DEAD,
};

/*
 * Claim up to max rows that are due, for who (drain.h; its id goes to
 * locked_by), giving a first claim a Message-ID in msgid_domain. Returns
 * how many (msgs[] filled, the caller releases each with
 * outbox_msg_release), or -1 on a database error.
 */
int	outbox_claim(struct db *, const struct drain_claimer *who,
	    const char *msgid_domain, struct outbox_msg *msgs, int max);
/*
 * The same in two steps, so the next batch is claimed while the current
 * one is being sent: send the claim, then collect its rows (as above).
 * When the connection is lost in between, so is the answer: the rows may
 * be claimed all the same (see outbox_held).
 */
int	outbox_claim_send(struct db *, const struct drain_claimer *who,
	    const char *msgid_domain, int max);
int	outbox_claim_collect(struct db *, struct outbox_msg *msgs, int max);
void	outbox_msg_release(struct outbox_msg *);

/* A message the relay accepted, age_us ago. */
struct outbox_sent {
	long long	 id;
	int		 code;
	long long	 age_us;
};

/*
 * Record n sent messages in one statement. written[i] tells whether row
 * i was still ours. Returns how many were, or -1 (nothing written).
 */
int	outbox_mark_sent(struct db *, const char *mailer_id,
	    const struct outbox_sent *, int n, bool *written);
/* Other final writes; each returns 1 when the row was still ours, 0, -1. */
int	outbox_mark_failed(struct db *, const char *mailer_id, long long id,
	    long retry_ms, int code, const char *error);
int	outbox_mark_dead(struct db *, const char *mailer_id, long long id,
	    int code, const char *error);
/*
 * Give back a claimed row the relay was not given (a stop, a session that
 * failed before it): attempt not counted, no backoff. error (NULL: keep
 * the last one) goes to last_error.
 */
int	outbox_release(struct db *, const char *mailer_id, long long id,
	    const char *error);

/*
 * The ids of the rows this mailer holds (state sending, locked_by me), in
 * *ids (the caller frees it, also when none). How many, or -1.
 */
int	outbox_held(struct db *, const char *mailer_id, long long **ids);

/* Push the lease of every row this mailer holds. Rows, or -1. */
int	outbox_extend(struct db *, const char *mailer_id, long lease_s);
/*
 * Requeue rows whose mailer is gone: its claim lock is free (other than
 * own_key, ours; 0 for none; not in the first grace_s seconds after the
 * server started, while live mailers reconnect) or its lease passed.
 * Returns how many, *gone of them by the lock; or -1.
 */
int	outbox_sweep(struct db *, long max_attempts, long long own_key,
	    long grace_s, int *gone);
/* Milliseconds until the next row is due (0: now), -2 for none, -1. */
long	outbox_next_due_ms(struct db *);
/* Delete at most limit sent rows older than age_s. How many, or -1. */
int	outbox_purge_sent(struct db *, long age_s, int limit);

/*
 * The operator's side (memberctl queue, queuectl.h). The state names in
 * the order status lists them, how many rows each has, the age of the
 * oldest row waiting (-1: none) and the dead rows of the last 24 hours,
 * into *out. 0, or -1.
 */
#define OUTBOX_STATES	5
struct outbox_status {
	const char	*state[OUTBOX_STATES];
	long long	 count[OUTBOX_STATES];
	long		 oldest_waiting_s;
	long long	 dead_24h;
};
int	outbox_status(struct db *, struct outbox_status *out) MUST_CHECK;

/* A row as memberctl queue list shows it; strings owned by the entry. */
struct outbox_entry {
	char		*id, *state, *attempts, *created, *last_attempt;
	char		*template, *recipient;
	char		*last_error;	/* "" for none */
};
/*
 * The newest limit rows (in state, or all for NULL), newest first, into
 * *out (the caller frees it with outbox_entries_free). How many, or -1.
 */
int	outbox_list(struct db *, const char *state, long limit,
	    struct outbox_entry **out);
void	outbox_entries_free(struct outbox_entry *, int n);
/*
 * Queue again, attempts from 0: row id when dead or failed (1, 0 when no
 * such row, -1), or with id 0 every dead row (how many, or -1). The
 * mailers are woken at once rather than at their next poll.
 */
int	outbox_retry(struct db *, long long id);

/*
 * What a reply code means for a row on its attempts-th attempt: 2xx sent;
 * 5xx dead, except the AUTH replies 530, 534, 535 and 538, which are about
 * this mailer's credentials, not the message; anything else (4xx, 0 for
 * no reply) failed, or dead once attempts reached max_attempts.
 */
enum outbox_outcome outbox_verdict(int code, int attempts, long max_attempts);

#endif
