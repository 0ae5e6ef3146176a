/* client_admin.c: a client account's profile edited; see client_admin.h. */
#include <string.h>

#include "audit.h"
#include "client_admin.h"
#include "clients.h"
#include "db.h"
#include "banned.h"

static struct stmt st_lock = STMT(
    "SELECT status FROM clients WHERE id = $1 FOR NO KEY UPDATE", 1);
static struct stmt st_update = STMT(
    "UPDATE clients c SET company_name = COALESCE($2, c.company_name),"
    " first_name = COALESCE($3, c.first_name),"
    " last_name = COALESCE($4, c.last_name),"
    " status = COALESCE($5, c.status)"
    " WHERE c.id = $1 RETURNING " CLIENT_COLS, 5);
static struct stmt st_cancel_pending = STMT(
    "UPDATE invites SET status = 'cancelled', ended_at = now()"
    " WHERE client_id = $1 AND status = 'pending' RETURNING id, email", 1);
static struct stmt st_unselect = STMT(
    "UPDATE sessions SET active_client_id = NULL"
    " WHERE active_client_id = $1", 1);

/* Closing: the pending invitations die, each audited; no session acts
 * in the account any more. */
static enum err
close_account(struct flow *f, long long id)
{
	struct db_res		*res;
	struct audit_details	 d;
	int			 i, rc = 0;

	if ((res = DB_EXEC(f->db, &st_cancel_pending, DB_INT(id))) == NULL)
		return flow_db_fail(f);
	for (i = 0; i < db_rows(res) && rc == 0; i++) {
		memset(&d, 0, sizeof(d));
		audit_detail_int(&d, "invite_id", db_int(res, i, 0));
		audit_detail_str(&d, "email", db_str(res, i, 1));
		audit_detail_str(&d, "reason", "account_closed");
		rc = audit_record(f->db, &f->who, id, "invite_cancelled", &d);
		audit_details_release(&d);
	}
	db_res_free(res);
	if (rc != 0 || DB_DONE(f->db, &st_unselect, DB_INT(id)) != 0)
		return flow_db_fail(f);
	return ERR_NONE;
}

/* What changed, for the audit entry. */
static void
patch_details(const struct client_patch *p, enum client_status old,
    struct audit_details *d)
{
	if (p->company_name != NULL)
		audit_detail_str(d, "company_name", p->company_name);
	if (p->first_name != NULL)
		audit_detail_str(d, "first_name", p->first_name);
	if (p->last_name != NULL)
		audit_detail_str(d, "last_name", p->last_name);
	if (p->has_status) {
		audit_detail_str(d, "old_status", client_status_name(old));
		audit_detail_str(d, "status", client_status_name(p->status));
	}
}

enum err
client_admin_update(struct flow *f, long long id, const struct client_patch *p,
    struct client *out)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	enum client_status	 old;
	enum err		 e;
	int			 rc;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((res = DB_EXEC(f->db, &st_lock, DB_INT(id))) == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_CLIENT);
	}
	if (client_status_parse(db_str(res, 0, 0), &old) != 0)
		old = CLIENT_CLOSED;	/* the schema allows no other */
	db_res_free(res);
	res = DB_EXEC(f->db, &st_update, DB_INT(id), p->company_name,
	    p->first_name, p->last_name, p->has_status ?
	    client_status_name(p->status) : NULL);
	if (res == NULL)
		return flow_db_fail(f);
	client_read(res, 0, 0, out);
	db_res_free(res);
	if (out->status == CLIENT_CLOSED && old != CLIENT_CLOSED &&
	    (e = close_account(f, id)) != ERR_NONE)
		return e;
	patch_details(p, old, &d);
	rc = audit_record(f->db, &f->who, id, "client_updated", &d);
	audit_details_release(&d);
	if (rc != 0)
		return flow_db_fail(f);
	return flow_commit(f);
}
