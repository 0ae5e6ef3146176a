/*
 * outbox.h: the email_queue table seen from the mailer. Rows move
 *
 *   queued ──claim──> sending ──250──> sent (bodies erased)
 *   failed ──claim──> sending ──4xx, no connection──> failed (backoff)
 *                     sending ──5xx, too many attempts──> dead
 *                     sending ──lease passed (mailer died)──> queued
 *
 * Every write after the claim is fenced on (state='sending', locked_by=me),
 * so a mailer that lost its lease cannot overwrite a row taken over since.
 * Code that queues mail inserts rows in its own transaction; a trigger
 * NOTIFYs OUTBOX_CHANNEL when that transaction commits.
 */
#ifndef MEMBERD_OUTBOX_H
#define MEMBERD_OUTBOX_H

#include <stdint.h>
#include <time.h>

#include "util.h"

#define OUTBOX_CHANNEL	"memberd_mail"

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

/*
 * Claim up to max rows that are due. Returns how many (msgs[] filled, the
 * caller releases each with outbox_msg_release), or -1 on a database error.
 */
int	outbox_claim(struct db *, const char *mailer_id, long lease_s,
	    const char *msgid_domain, struct outbox_msg *msgs, int max);
void	outbox_msg_release(struct outbox_msg *);

/* Final writes; each returns 1 when the row was still ours, 0, or -1. */
int	outbox_mark_sent(struct db *, const char *mailer_id, long long id,
	    int code);
int	outbox_mark_failed(struct db *, const char *mailer_id, long long id,
	    long retry_in_s, int code, const char *error);
int	outbox_mark_dead(struct db *, const char *mailer_id, long long id,
	    int code, const char *error);
/* Give back claimed rows not yet tried (shutdown), attempt not counted. */
int	outbox_release(struct db *, const char *mailer_id, long long id);
/* Requeue rows whose lease passed. Returns how many, or -1. */
int	outbox_sweep(struct db *, long max_attempts);

/* Seconds before attempt n+1 after n failures: n^4 +-10 %, max one hour. */
long	outbox_backoff(int attempts, double unit_random);

#endif
