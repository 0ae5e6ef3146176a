/* client_admin.c: an administrator's client accounts; see client_admin.h. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "client_admin.h"
#include "clients.h"
#include "db.h"
#include "invites.h"
#include "users.h"
#include "banned.h"

static struct stmt st_create = STMT(
    "INSERT INTO clients AS c (company_name, first_name, last_name, status,"
    " owner_user_id) VALUES ($1, $2, $3, $4, $5) RETURNING " CLIENT_COLS,
    5);
static struct stmt st_owner_member = STMT(
    "INSERT INTO client_users (client_id, user_id, permissions)"
    " VALUES ($1, $2, memberd_permission_keys())", 2);

/* the search matches company, contact name and owner email */
#define CLIENT_MATCH \
    " FROM clients c JOIN users o ON o.id = c.owner_user_id" \
    " WHERE $1 = '' OR lower(c.company_name) LIKE $1" \
    " OR lower(c.first_name) LIKE $1 OR lower(c.last_name) LIKE $1" \
    " OR lower(c.first_name || ' ' || c.last_name) LIKE $1" \
    " OR lower(o.email) LIKE $1"
static struct stmt st_count = STMT("SELECT count(*)" CLIENT_MATCH, 1);
static struct stmt st_page = STMT(
    "SELECT " CLIENT_COLS CLIENT_MATCH
    " ORDER BY lower(c.company_name), c.id LIMIT $2 OFFSET $3", 3);

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
    " WHERE client_id = $1 AND status = 'pending'"
    " RETURNING client_id, id, email", 1);
static struct stmt st_unselect = STMT(
    "UPDATE sessions SET active_client_id = NULL"
    " WHERE active_client_id = $1", 1);

/*
 * Inside the transaction: the owner's user id, creating a user without a
 * password for an unknown email. ERR_NONE with *id and *created set, or
 * the failure (rolled back).
 */
static enum err
owner_resolve(struct flow *f, const struct client_new *in, long long *id,
    bool *created)
{
	struct user_ref	 u;
	int		 found;

	*created = false;
	if (in->owner_user_id > 0) {
		if ((found = users_by_id(f->db, in->owner_user_id, &u)) < 0)
			return flow_db_fail(f);
		if (!found)
			return flow_fail(f, ERR_NOT_FOUND, "owner.user_id",
			    MSG_NO_USER);
		*id = in->owner_user_id;
		return ERR_NONE;
	}
	if (users_find_or_create(f->db, in->owner_email, in->owner_first,
	    in->owner_last, &u) != 0)
		return flow_db_fail(f);
	if (!u.created && !u.verified)
		return flow_fail(f, ERR_EMAIL_UNVERIFIED, "owner.email", "A "
		    "user has registered this address but not verified it: "
		    "pick the user after checking who they are, or another "
		    "owner.");
	*id = u.id;
	*created = u.created;
	return ERR_NONE;
}

enum err
client_admin_create(struct flow *f, const struct client_new *in,
    struct client *out)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	long long		 owner_id = 0;
	bool			 created;
	enum err		 e;
	int			 rc;

	if ((e = flow_begin(f)) != ERR_NONE ||
	    (e = owner_resolve(f, in, &owner_id, &created)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_create, in->company_name, in->first_name,
	    in->last_name, client_status_name(in->status), DB_INT(owner_id));
	if (res == NULL)
		return flow_db_fail(f);
	client_read(res, 0, 0, out);
	db_res_free(res);
	if (DB_DONE(f->db, &st_owner_member, DB_INT(out->id),
	    DB_INT(owner_id)) != 0)
		return flow_db_fail(f);
	audit_detail_str(&d, "company_name", in->company_name);
	audit_detail_int(&d, "owner_user_id", owner_id);
	audit_detail_bool(&d, "owner_created", created);
	audit_detail_str(&d, "owner_bound_by", in->owner_user_id > 0 ?
	    "user_id" : "email");
	rc = audit_record(f->db, &f->who, out->id, "client_created", &d);
	audit_details_release(&d);
	if (rc != 0)
		return flow_db_fail(f);
	return flow_commit(f);
}

int
client_admin_search(struct db *db, const char *search, long page,
    long long *total, void (*each)(const struct client *, void *), void *arg)
{
	struct db_res	*res;
	struct client	 c;
	char		*pat = str_like_pattern(search, true);
	int		 i;

	res = DB_EXEC(db, &st_count, pat);
	if (res == NULL) {
		free(pat);
		return -1;
	}
	*total = db_int(res, 0, 0);
	db_res_free(res);
	res = DB_EXEC(db, &st_page, pat, DB_INT(CLIENTS_PER_PAGE),
	    DB_INT((long long)(page - 1) * CLIENTS_PER_PAGE));
	free(pat);
	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		client_read(res, i, 0, &c);
		each(&c, arg);
	}
	db_res_free(res);
	return 0;
}

/* Closing: the pending invitations die, each audited; no session acts
 * in the account any more. */
static enum err
close_account(struct flow *f, long long id)
{
	if (invites_audit_cancelled(f->db, &f->who, DB_EXEC(f->db,
	    &st_cancel_pending, DB_INT(id)), "account_closed") != 0 ||
	    DB_DONE(f->db, &st_unselect, DB_INT(id)) != 0)
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
