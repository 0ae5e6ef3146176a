/* tx.c: transaction helpers for handlers; see tx.h. */
#include "db.h"
#include "http.h"
#include "tx.h"
#include "banned.h"

int
tx_fail(struct req *r)
{
	db_rollback(r->db);
	if (!r->replied)
		reply_db_error(r);
	return -1;
}

int
tx_begin_or_reply(struct req *r)
{
	if (db_begin(r->db) != 0)
		return tx_fail(r);
	return 0;
}

int
tx_commit_or_reply(struct req *r)
{
	if (db_commit(r->db) != 0)
		return tx_fail(r);
	return 0;
}

int
tx_exec_or_reply(struct req *r, struct db_res *res)
{
	if (res == NULL)
		return tx_fail(r);
	db_res_free(res);
	return 0;
}
