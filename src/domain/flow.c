/* flow.c: one transaction of a domain flow; see flow.h. */
#include <string.h>

#include "db.h"
#include "flow.h"
#include "banned.h"

enum err
flow_fail(struct flow *f, enum err e, const char *field, const char *why)
{
	db_rollback(f->db);
	f->fault.err = e;
	f->fault.field = field;
	f->fault.why = why;
	return e;
}

enum err
flow_db_fail(struct flow *f)
{
	enum err	e;

	e = flow_fail(f, db_error(f->db) == DB_UNAVAILABLE ? ERR_UNAVAILABLE :
	    ERR_INTERNAL, NULL, NULL);
	f->fault.from_db = true;
	return e;
}

enum err
flow_begin(struct flow *f)
{
	memset(&f->fault, 0, sizeof(f->fault));
	return db_begin(f->db) == 0 ? ERR_NONE : flow_db_fail(f);
}

enum err
flow_commit(struct flow *f)
{
	return db_commit(f->db) == 0 ? ERR_NONE : flow_db_fail(f);
}

enum err
flow_exec(struct flow *f, struct db_res *res)
{
	if (res == NULL)
		return flow_db_fail(f);
	db_res_free(res);
	return ERR_NONE;
}
