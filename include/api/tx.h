/*
 * tx.h: transactions inside a handler. Each helper, on failure, rolls the
 * transaction back and sends the reply (503 when the database is away,
 * 500 otherwise), so a handler reads straight down:
 *
 *	if (tx_begin_or_reply(r) != 0)
 *		return;
 *	if (tx_exec_or_reply(r, DB_EXEC(...)) != 0)
 *		return;
 *	if (tx_commit_or_reply(r) != 0)
 *		return;
 */
#ifndef MEMBERD_TX_H
#define MEMBERD_TX_H

#include "util.h"

struct db_res;
struct req;

int	tx_begin_or_reply(struct req *) MUST_CHECK;
int	tx_commit_or_reply(struct req *) MUST_CHECK;
/* Roll back and reply from the database error. Always returns -1. */
int	tx_fail(struct req *);
/* Free res; if it is NULL (the statement failed) roll back and reply. */
int	tx_exec_or_reply(struct req *, struct db_res *) MUST_CHECK;

#endif
