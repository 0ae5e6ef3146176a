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

/*
 * The one INSERT into email_queue, as text: enqueue.c runs it with
 * VALUES; a statement that writes a change and its email in one (an
 * invitation, access_sql.h and invites.c) runs it with a SELECT of the
 * six columns in this order, and bench/invite-sql.c prints it. Every
 * other statement on the table is the mailer's or the operator's
 * (outbox.c).
 */
#define SQL_EMAIL_INSERT \
	"INSERT INTO email_queue (template, recipient, recipient_name," \
	" subject, body_text, body_html)"
/* What an inserting CTE answers: the id, and the state invites show. */
#define SQL_EMAIL_RETURNING	" RETURNING id, state"

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
