/*
 * h_account.c: User Management in the Client Area, always for the active
 * account of the session. The owner, and members holding "users", manage
 * users and invitations; any member may leave. access.c re-checks every
 * right under the account's lock.
 */
#include <string.h>

#include "access.h"
#include "clients.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "invites.h"
#include "perms.h"
#include "policy.h"
#include "views.h"
#include "banned.h"

static struct stmt st_rights = STMT(
    "SELECT c.status, c.owner_user_id = cu.user_id, cu.permissions"
    " FROM client_users cu JOIN clients c ON c.id = cu.client_id"
    " WHERE cu.client_id = $1 AND cu.user_id = $2", 2);

/* The session's active account. 0 with *id set, or -1 after a 403. */
static int
active_or_reply(struct req *r, long long *id)
{
	if (r->who.active_client_id <= 0) {
		reply_err_msg(r, ERR_FORBIDDEN, NULL, "Choose an account "
		    "first.");
		return -1;
	}
	*id = r->who.active_client_id;
	return 0;
}

/*
 * GET /api/v1/account/users
 * 200 {client_id, users:[member] (owner first), invites:[pending invite],
 * expired_invites:[invite]};
 * 403 forbidden unless the caller is the owner or holds "users".
 */
void
h_account_users(struct req *r)
{
	struct db_res	*res;
	char		 cid[24], uid[24];
	long long	 id;
	struct standing	 s;
	const char	*why = NULL;
	bool		 member;
	enum err	 e;
	enum client_status cst;
	cJSON		*body;

	if (active_or_reply(r, &id) != 0)
		return;
	res = DB_EXEC(r->db, &st_rights, db_fmt_int(cid, id),
	    db_fmt_int(uid, r->who.id));
	if (res == NULL) {
		reply_db_error(r);
		return;
	}
	member = db_rows(res) == 1;
	if (!member || client_status_parse(db_str(res, 0, 0), &cst) != 0)
		cst = CLIENT_CLOSED;
	policy_standing(ACTOR_MEMBER, member, member && db_bool(res, 0, 1),
	    member ? perms_from_pg(db_str(res, 0, 2)) : 0, &s);
	db_res_free(res);
	if ((e = policy_manage(&s, cst, &why)) != ERR_NONE) {
		reply_err_msg(r, e, NULL, why);
		return;
	}
	/*
	 * "invites" holds the pending ones, as the contract says; the
	 * expired ones come apart, so the owner can still resend them.
	 */
	body = cJSON_CreateObject();
	json_add_int(body, "client_id", id);
	if (people_json(r->db, id, true, body) != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	reply_json(r, 200, body);
}

/*
 * POST /api/v1/account/invites {email, permissions}
 * 201 {invite}; 403 forbidden (no right, or a permission the caller does
 * not hold); 409 already_member | invite_pending; 422; 429 invite_limit
 * (too many pending, or too many sent today: Retry-After).
 */
void
h_account_invite_create(struct req *r)
{
	struct flow	 f;
	struct invite	 inv;
	char		 email[EMAIL_MAX + 1];
	perms_t		 perms;
	long long	 id;
	enum err	 e;

	if (active_or_reply(r, &id) != 0 ||
	    input_email_or_reply(r, r->json, "email", "email", true, email) < 0 ||
	    input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0)
		return;
	req_flow(r, &f);
	e = access_invite_create(&f, id, email, perms, &inv);
	reply_invite(r, 201, e, &f, &inv);
}

/* Resend or cancel invitation {id} of the active account. */
static void
invite_change(struct req *r, enum err (*change)(struct flow *, long long,
    long long, struct invite *))
{
	struct flow	 f;
	struct invite	 inv;
	long long	 id;
	enum err	 e;

	if (active_or_reply(r, &id) != 0)
		return;
	req_flow(r, &f);
	e = change(&f, id, r->ids[0], &inv);
	reply_invite(r, 200, e, &f, &inv);
}

/*
 * POST /api/v1/account/invites/{id}/resend
 * 200 {invite}: a new token (the old link is dead) valid for a fresh
 * period; 403 (also when it grants a permission the caller lacks); 404
 * not_found; 409; 410 invite_used | invite_cancelled; 429
 * resend_too_soon | invite_limit (Retry-After).
 */
void
h_account_invite_resend(struct req *r)
{
	invite_change(r, access_invite_resend);
}

/*
 * POST /api/v1/account/invites/{id}/cancel
 * 200 {invite} with status cancelled; 403 (also when it grants a
 * permission the caller lacks); 404; 410 invite_used.
 */
void
h_account_invite_cancel(struct req *r)
{
	invite_change(r, access_invite_cancel);
}

/*
 * PATCH /api/v1/account/users/{user_id} {permissions}
 * 200 {member}; 403 forbidden (no right, the owner, one who can do more
 * than the caller, or granting what the caller lacks); 404 not_found;
 * 409 owner_protected; 422.
 */
void
h_account_user_update(struct req *r)
{
	struct flow	 f;
	struct member	 m;
	perms_t		 perms;
	long long	 id;
	enum err	 e;

	if (active_or_reply(r, &id) != 0 ||
	    input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0)
		return;
	req_flow(r, &f);
	e = access_member_update(&f, id, r->ids[0], perms, &m);
	reply_member(r, 200, e, &f, &m);
}

/*
 * DELETE /api/v1/account/users/{user_id}
 * 204: access removed, or the caller left; 403 (also a member holding
 * what the caller lacks); 404; 409 owner_protected.
 */
void
h_account_user_remove(struct req *r)
{
	struct flow	 f;
	long long	 id;

	if (active_or_reply(r, &id) != 0)
		return;
	req_flow(r, &f);
	if (access_member_remove(&f, id, r->ids[0]) != ERR_NONE)
		reply_fault(r, &f.fault);
	else
		reply_empty(r, 204);
}
