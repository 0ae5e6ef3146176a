/* enqueue.c: insert outgoing email into email_queue; see enqueue.h. */
#include <stdlib.h>

#include "db.h"
#include "enqueue.h"
#include "banned.h"

static struct stmt st_enqueue = STMT(
    SQL_EMAIL_INSERT " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", 6);

static struct stmt st_enqueue_if = STMT(
    SQL_EMAIL_INSERT " SELECT $1, $2, $3, $4, $5, $6 WHERE $7::bool"
    " RETURNING id", 7);

int
email_enqueue(struct db *db, const struct email *e, long long *id)
{
	struct db_res	*res;

	res = DB_EXEC(db, &st_enqueue, e->template, e->to,
	    e->to_name ? e->to_name : "", e->subject, e->text, e->html);
	if (res == NULL)
		return -1;
	*id = db_int(res, 0, 0);
	db_res_free(res);
	return 0;
}

int
email_enqueue_if(struct db *db, const struct email *e, bool send,
    long long *id)
{
	struct db_res	*res;

	res = DB_EXEC(db, &st_enqueue_if, e->template, e->to,
	    e->to_name ? e->to_name : "", e->subject, e->text, e->html,
	    send ? "t" : "f");
	if (res == NULL)
		return -1;
	*id = db_rows(res) == 1 ? db_int(res, 0, 0) : 0;
	db_res_free(res);
	return 0;
}

void
email_release(struct email *e)
{
	free(e->subject);
	free(e->text);
	free(e->html);
	e->subject = e->text = e->html = NULL;
}
