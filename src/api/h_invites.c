/*
 * h_invites.c: the invitation link. Opening it changes nothing (the token
 * travels in the URL fragment, and lookup is read-only); only the POST
 * from the page accepts, as the signed-in user or by registering.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clients.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "invites.h"
#include "members.h"
#include "password.h"
#include "perms.h"
#include "policy.h"
#include "session.h"
#include "templates.h"
#include "token.h"
#include "tx.h"
#include "users.h"
#include "views.h"
#include "banned.h"

#define FIND_SQL \
    "SELECT i.id, i.client_id, i.email, i.permissions, i.status," \
    " i.expires_at <= now(), c.status, c.company_name, c.first_name," \
    " c.last_name, i.inviter_name, i.created_by_kind, rfc3339(i.expires_at)" \
    " FROM invites i JOIN clients c ON c.id = i.client_id" \
    " WHERE i.token_hash = $1"

static struct stmt st_find = STMT(FIND_SQL, 1);
static struct stmt st_find_lock = STMT(FIND_SQL " FOR UPDATE OF i", 1);
static struct stmt st_accepted = STMT(
    "UPDATE invites SET status = 'accepted', accepted_by_user_id = $2,"
    " accepted_at = now() WHERE id = $1", 2);
/* under the lock a disabling takes: a disabled user accepts nothing */
static struct stmt st_user_active = STMT(
    "SELECT 1 FROM users WHERE id = $1 AND status = 'active' FOR SHARE", 1);
static struct stmt st_verified = STMT(
    "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now())"
    " WHERE id = $1", 1);

struct found {
	long long	id;
	long long	client_id;
	char		email[256];
	perms_t		perms;
	char		client_name[DISPLAY_NAME_MAX + 1];
	char		inviter[DISPLAY_NAME_MAX + 1];
	char		inviter_kind[8];
	char		expires_at[32];
};

/* The row of FIND_SQL into f. */
static void
found_read(struct req *r, const struct db_res *res, struct found *f)
{
	enum actor_kind	kind;

	f->id = db_int(res, 0, 0);
	f->client_id = db_int(res, 0, 1);
	(void)str_copy(f->email, sizeof(f->email), db_str(res, 0, 2));
	f->perms = perms_from_pg(db_str(res, 0, 3));
	client_display_name(db_str(res, 0, 7), db_str(res, 0, 8),
	    db_str(res, 0, 9), f->client_name, sizeof(f->client_name));
	(void)str_copy(f->inviter_kind, sizeof(f->inviter_kind),
	    db_str(res, 0, 11));
	/* an administrator without a name, as this site names them today */
	if (invite_inviter_parse(f->inviter_kind, &kind) == 0 &&
	    kind == ACTOR_ADMIN &&
	    template_is_unnamed_admin(db_str(res, 0, 10)))
		template_unnamed_admin(r->cfg, f->inviter, sizeof(f->inviter));
	else
		(void)str_copy(f->inviter, sizeof(f->inviter),
		    db_str(res, 0, 10));
	(void)str_copy(f->expires_at, sizeof(f->expires_at),
	    db_str(res, 0, 12));
}

/*
 * Find the invitation of token, usable now. 1 found; otherwise the reply
 * is sent (404 invite_not_found, 410 invite_used | invite_cancelled |
 * invite_expired, 503), any transaction is rolled back, and 0 returned.
 */
static int
invite_find_or_reply(struct req *r, const char *token, bool lock,
    struct found *f)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	const char	*msg = NULL;
	enum invite_status ist;
	enum client_status cst = CLIENT_ACTIVE;
	enum err	 e = ERR_NONE;

	if (!token_well_formed(token)) {
		if (lock)
			db_rollback(r->db);
		reply_err(r, ERR_INVITE_NOT_FOUND, "token");
		return 0;
	}
	res = DB_EXEC(r->db, lock ? &st_find_lock : &st_find,
	    token_hash_param(token, hash));
	if (res == NULL) {
		if (lock)
			tx_fail(r);
		else
			reply_db_error(r);
		return 0;
	}
	if (db_rows(res) != 1) {
		e = ERR_INVITE_NOT_FOUND;
		msg = "This invitation link is not valid (it may have been "
		    "replaced by a newer one). Ask whoever invited you to send "
		    "a new one.";
	} else {
		if (invite_status_parse(db_str(res, 0, 4), &ist) != 0 ||
		    client_status_parse(db_str(res, 0, 6), &cst) != 0)
			ist = INVITE_CANCELLED;	/* the schema allows no other */
		e = policy_link_state(ist, db_bool(res, 0, 5), cst, &msg);
	}
	if (e != ERR_NONE) {
		db_res_free(res);
		if (lock)
			db_rollback(r->db);
		reply_err_msg(r, e, "token", msg);
		return 0;
	}
	found_read(r, res, f);
	db_res_free(res);
	return 1;
}

/*
 * POST /api/v1/invites/lookup {token}
 * 200 {invite: {client_name, inviter_name, inviter_kind, email,
 * permissions, expires_at}}; 404 invite_not_found; 410 invite_used |
 * invite_cancelled | invite_expired. Changes nothing.
 */
void
h_invite_lookup(struct req *r)
{
	struct found	 f;
	const char	*token;
	cJSON		*body, *inv;

	if (input_token_or_reply(r, r->json, "token", &token) < 0)
		return;
	if (!invite_find_or_reply(r, token, false, &f))
		return;
	body = cJSON_CreateObject();
	inv = cJSON_AddObjectToObject(body, "invite");
	cJSON_AddStringToObject(inv, "client_name", f.client_name);
	cJSON_AddStringToObject(inv, "inviter_name", f.inviter);
	cJSON_AddStringToObject(inv, "inviter_kind", f.inviter_kind);
	cJSON_AddStringToObject(inv, "email", f.email);
	cJSON_AddItemToObject(inv, "permissions", perms_to_json(f.perms));
	cJSON_AddStringToObject(inv, "expires_at", f.expires_at);
	reply_json(r, 200, body);
}

/*
 * Begin the acceptance: the invitation found usable, then the account
 * locked and the invitation found again under the lock. 1, or 0 after
 * replying (rolled back).
 */
static int
accept_begin_or_reply(struct req *r, const char *token, struct found *f)
{
	if (!invite_find_or_reply(r, token, false, f))
		return 0;
	if (tx_begin_or_reply(r) != 0)
		return 0;
	/* an account is locked before its invitations (clients.h) */
	if (clients_lock(r->db, f->client_id) < 0) {
		tx_fail(r);
		return 0;
	}
	return invite_find_or_reply(r, token, true, f);
}

/* May this address accept? With invite_accept = matching_verified_email
 * only the invited address may. */
static bool
email_may_accept(struct req *r, const struct found *f, const char *email)
{
	if (r->cfg->invite_accept != INVITE_ACCEPT_MATCHING_VERIFIED_EMAIL)
		return true;
	return strcasecmp(email, f->email) == 0;
}

/* Inside the transaction: membership, invite used, audit. 0 or -1. */
static int
accept_write_or_reply(struct req *r, const struct found *f, long long user_id,
    const char *user_email)
{
	char		 uid[24];
	struct audit_details d = { 0 };
	int		 rc;

	db_fmt_int(uid, user_id);
	if ((rc = members_add(r->db, f->client_id, user_id, f->perms)) < 0)
		return tx_fail(r);
	if (rc == 0) {
		db_rollback(r->db);
		reply_err_msg(r, ERR_ALREADY_MEMBER, NULL, "You are already "
		    "a member of this account.");
		return -1;
	}
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_accepted, DB_INT(f->id),
	    uid)) != 0)
		return -1;
	/* the link reached the invited mailbox: that address is proven */
	if (strcasecmp(user_email, f->email) == 0 &&
	    tx_exec_or_reply(r, DB_EXEC(r->db, &st_verified, uid)) != 0)
		return -1;
	audit_detail_int(&d, "invite_id", f->id);
	audit_detail_str(&d, "invited_email", f->email);
	audit_detail_int(&d, "user_id", user_id);
	audit_detail_perms(&d, "permissions", f->perms);
	rc = req_audit(r, f->client_id, "invite_accepted", &d);
	audit_details_release(&d);
	return rc == 0 ? 0 : tx_fail(r);
}

/* Accept as the signed-in user: 200 {client_id, permissions}. */
static void
accept_as_user(struct req *r, const char *token)
{
	struct db_res	*res;
	struct found	 f;
	bool		 active;
	cJSON		*body;

	if (!accept_begin_or_reply(r, token, &f))
		return;
	if ((res = DB_EXEC(r->db, &st_user_active, DB_INT(r->who.id))) ==
	    NULL) {
		tx_fail(r);
		return;
	}
	active = db_rows(res) == 1;
	db_res_free(res);
	if (!active) {
		db_rollback(r->db);
		reply_err(r, ERR_USER_DISABLED, NULL);
		return;
	}
	if (!email_may_accept(r, &f, r->who.email)) {
		db_rollback(r->db);
		reply_err_msg(r, ERR_FORBIDDEN, NULL, "This invitation is "
		    "for another email address: sign in with that address.");
		return;
	}
	if (accept_write_or_reply(r, &f, r->who.id, r->who.email) != 0)
		return;
	/* a privilege change: a new session token, the new account active */
	if (session_rotate(r->db, &r->who) != 0 ||
	    session_set_active(r->db, r->who.session_id, f.client_id) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0)
		return;
	session_cookie_set(r, false, r->who.token);
	body = cJSON_CreateObject();
	json_add_int(body, "client_id", f.client_id);
	cJSON_AddItemToObject(body, "permissions", perms_to_json(f.perms));
	reply_json(r, 200, body);
}

/*
 * Register and accept at once: 201 {user, accounts, csrf_token, client_id,
 * permissions} with a session cookie.
 */
static void
accept_by_registering(struct req *r, const char *token, const cJSON *reg_in)
{
	struct principal	who;
	struct found		f;
	struct registration	reg;
	long long		id;
	cJSON			*body;

	if (!cJSON_IsObject(reg_in)) {
		reply_err_msg(r, ERR_INVALID_INPUT, "register", "register must "
		    "be {email, password, first_name, last_name}.");
		return;
	}
	if (!invite_find_or_reply(r, token, false, &f))
		return;
	if (registration_prepare_or_reply(r, reg_in, "register.", &reg) != 0)
		return;
	if (!email_may_accept(r, &f, reg.email)) {
		reply_err_msg(r, ERR_FORBIDDEN, "register.email", "This "
		    "invitation can only be accepted with the address it was "
		    "sent to.");
		return;
	}
	if (!accept_begin_or_reply(r, token, &f))
		return;
	if (registration_insert_or_reply(r, &reg,
	    strcasecmp(reg.email, f.email) == 0, &id) != 0)
		return;
	if (session_create(r->db, r->cfg, false, id, f.client_id, &who) != 0) {
		tx_fail(r);
		return;
	}
	r->who = who;
	(void)str_copy(r->who.email, sizeof(r->who.email), reg.email);
	if (req_audit(r, 0, "user_registered", NULL) != 0) {
		tx_fail(r);
		return;
	}
	if (accept_write_or_reply(r, &f, id, reg.email) != 0)
		return;
	if (tx_commit_or_reply(r) != 0)
		return;
	if ((body = me_body_or_reply(r, id, who.csrf)) == NULL)
		return;
	json_add_int(body, "client_id", f.client_id);
	cJSON_AddItemToObject(body, "permissions", perms_to_json(f.perms));
	session_cookie_set(r, false, who.token);
	reply_json(r, 201, body);
}

/*
 * POST /api/v1/invites/accept {token}           (signed in)
 * POST /api/v1/invites/accept {token, register}  (signed out)
 * 200 {client_id, permissions} and a rotated session cookie, the account
 * made active; or 201 {user, accounts, csrf_token, client_id, permissions}
 * for a new user. 401 without a session or register; 403 (a closed
 * account, or invite_accept = matching_verified_email and another
 * address; impersonation_forbidden inside "Login as User"; user_disabled
 * for a user disabled meanwhile); 404 invite_not_found; 409 already_member | email_taken; 410
 * invite_used | invite_cancelled | invite_expired; 422.
 */
void
h_invite_accept(struct req *r)
{
	const char	*token;
	const cJSON	*reg;

	if (input_token_or_reply(r, r->json, "token", &token) < 0)
		return;
	if (r->who.kind == PRINCIPAL_USER) {
		if (auth_forbid_impersonated_or_reply(r) != 0)
			return;
		accept_as_user(r, token);
		return;
	}
	reg = cJSON_GetObjectItemCaseSensitive(r->json, "register");
	if (reg == NULL || cJSON_IsNull(reg)) {
		reply_err_msg(r, ERR_NOT_AUTHENTICATED, NULL, "Sign in or "
		    "register to accept this invitation.");
		return;
	}
	accept_by_registering(r, token, reg);
}
