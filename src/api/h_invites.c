/*
 * h_invites.c: the invitation link. Opening it changes nothing (the token
 * travels in the URL fragment, and lookup is read-only); only the POST
 * from the page accepts, as the signed-in user or by registering, or
 * declines. What a link may do is invite_link.c's (the domain); here
 * are the sessions and the registration around it.
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
#include "identity.h"
#include "input.h"
#include "invite_link.h"
#include "password.h"
#include "perms.h"
#include "session.h"
#include "tx.h"
#include "users.h"
#include "views.h"
#include "banned.h"

/*
 * The usable invitation of token (invite_link.h). 1 found; otherwise the
 * fault is answered (404 invite_not_found, 410 invite_used |
 * invite_cancelled | invite_expired, 503), a transaction rolled back, 0.
 */
static int
invite_find_or_reply(struct req *r, const char *token, bool lock,
    struct invite_link *l)
{
	struct flow	f;

	req_flow(r, &f);
	if (invite_link_find(&f, token, lock, l) == ERR_NONE)
		return 1;
	reply_fault(r, &f.fault);
	return 0;
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
	struct invite_link	 l;
	const char		*token;

	if (input_token_or_reply(r, r->json, "token", &token) < 0)
		return;
	if (!invite_find_or_reply(r, token, false, &l))
		return;
	reply_wrapped_json(r, 200, "invite", invite_link_to_json(&l));
}

/*
 * POST /api/v1/invites/decline {token}       (signed in or not)
 * 200 {invite: {client_name, inviter_name, inviter_kind, email,
 * permissions, expires_at, status: "declined"}}: the link is dead from
 * now on (lookup and accept answer 410 invite_cancelled), the inviter
 * sees it declined in Pending Invites and the Activity; 404
 * invite_not_found; 410 invite_used | invite_cancelled | invite_expired.
 * The audit entry names the signed-in user, else the invited address.
 */
void
h_invite_decline(struct req *r)
{
	struct flow		 f;
	struct invite_link	 l;
	const char		*token;
	cJSON			*inv;

	if (input_token_or_reply(r, r->json, "token", &token) < 0)
		return;
	req_flow(r, &f);
	if (access_invite_decline(&f, token, &l) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	inv = invite_link_to_json(&l);
	cJSON_AddStringToObject(inv, "status", "declined");
	reply_wrapped_json(r, 200, "invite", inv);
}

/*
 * Begin the acceptance: the invitation found usable, then the account
 * locked and the invitation found again under the lock. 1, or 0 after
 * replying (rolled back).
 */
static int
accept_begin_or_reply(struct req *r, const char *token, struct invite_link *f)
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
email_may_accept(struct req *r, const struct invite_link *f,
    const char *email)
{
	if (r->cfg->invite_accept != INVITE_ACCEPT_MATCHING_VERIFIED_EMAIL)
		return true;
	return strcasecmp(email, f->email) == 0;
}

/* Inside the transaction: membership, invite used, audit. 0 or -1. */
static int
accept_write_or_reply(struct req *r, const struct invite_link *l,
    long long user_id, const char *user_email)
{
	struct flow	f;

	req_flow(r, &f);
	if (invite_link_accept(&f, l, user_id, user_email) == ERR_NONE)
		return 0;
	reply_fault(r, &f.fault);
	return -1;
}

/* Accept as the signed-in user: 200 {client_id, permissions}. */
static void
accept_as_user(struct req *r, const char *token)
{
	struct invite_link f;
	cJSON		*body;

	if (!accept_begin_or_reply(r, token, &f))
		return;
	if (!email_may_accept(r, &f, r->who.email)) {
		db_rollback(r->db);
		reply_err_msg(r, ERR_FORBIDDEN, NULL, "This invitation is "
		    "for another email address: sign in with that address.");
		return;
	}
	if (f.require_2fa && !r->who.two_factor) {
		db_rollback(r->db);
		reply_err(r, ERR_TWO_FACTOR_REQUIRED, NULL);
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
 * The invitation a new user would accept, found usable (no transaction
 * yet). A new user has no 2FA: for an account that requires it, 403
 * two_factor_required (register, set it up, then accept). 1, or 0 after
 * replying.
 */
static int
register_find_or_reply(struct req *r, const char *token, struct invite_link *f)
{
	if (!invite_find_or_reply(r, token, false, f))
		return 0;
	if (f->require_2fa) {
		reply_err_msg(r, ERR_TWO_FACTOR_REQUIRED, NULL, "This account "
		    "requires two-factor authentication: register, turn it on "
		    "under Security, then open this link again.");
		return 0;
	}
	return 1;
}

/*
 * Register and accept at once: 201 {user, accounts, csrf_token, client_id,
 * permissions} with a session cookie.
 */
static void
accept_by_registering(struct req *r, const char *token, const cJSON *reg_in)
{
	struct principal	who;
	struct invite_link	f;
	struct registration	reg;
	struct flow		vf;
	long long		id;
	cJSON			*body;

	if (!cJSON_IsObject(reg_in)) {
		reply_err_msg(r, ERR_INVALID_INPUT, "register", "register must "
		    "be {email, password, first_name, last_name}.");
		return;
	}
	if (!register_find_or_reply(r, token, &f))
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
	/* another address than the invited one is not proven: verify it */
	req_flow(r, &vf);
	if (strcasecmp(reg.email, f.email) != 0 &&
	    identity_verification_queue(&vf, id, reg.email, reg.first) !=
	    ERR_NONE) {
		reply_fault(r, &vf.fault);
		return;
	}
	if (session_start(r, false, id, f.client_id, &who) != 0) {
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
 * for a user disabled meanwhile; two_factor_required for an account that
 * requires 2FA of a user without it); 404 invite_not_found; 409
 * already_member | email_taken; 410
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
