/*
 * enqueue.h: the producer side of email_queue. A handler queues its email
 * inside the transaction of the change it announces; the mailer sends it
 * after commit (see outbox.h for what happens next).
 */
#ifndef MEMBERD_ENQUEUE_H
#define MEMBERD_ENQUEUE_H

#include <stdbool.h>

#include "util.h"

struct db;

struct email {
	const char	*template;	/* "invite", "password_reset" */
	const char	*to;
	const char	*to_name;
	char		*subject;	/* owned by the email */
	char		*text;		/* owned by the email */
	char		*html;		/* owned by the email */
};

/* Insert one email; *id gets its queue id. 0, or -1 on a database error. */
int	email_enqueue(struct db *, const struct email *, long long *id)
	    MUST_CHECK;
/*
 * The same INSERT, writing the row only when send is true (*id is then its
 * id, else 0): for a caller whose work must cost the same whether or not
 * a mail goes out, so that its time tells nothing. 0, or -1.
 */
int	email_enqueue_if(struct db *, const struct email *, bool send,
	    long long *id) MUST_CHECK;
void	email_release(struct email *);

#endif
