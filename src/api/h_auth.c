/*
 * h_auth.c: register, login, logout and password reset for users, at the
 * edge: the rules and their SQL are domain/signin.c's and identity.c's.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "identity.h"
#include "input.h"
#include "login.h"
#include "password.h"
#include "session.h"
#include "signin.h"
#include "token.h"
#include "tx.h"
#include "users.h"
#include "validate.h"
#include "views.h"
#include "banned.h"

static struct stmt st_logged_in = STMT(
    "UPDATE users SET last_login_at = now() WHERE id = $1", 1);

cJSON *
me_body_or_reply(struct req *r, long long user_id, const char *csrf)
{
	cJSON	*body, *user = NULL, *accounts = NULL;

	if (users_get_json(r->db, user_id, &user) != 1 ||
	    accounts_json(r->db, user_id, &accounts, NULL) != 0) {
		cJSON_Delete(user);
		reply_db_error(r);
		return NULL;
	}
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "user", user);
	cJSON_AddItemToObject(body, "accounts", accounts);
	cJSON_AddStringToObject(body, "csrf_token", csrf);
	return body;
}

void
me_impersonation_add(cJSON *body, const struct principal *who)
{
	cJSON	*by;

	if (who->impersonated_by == 0) {
		cJSON_AddNullToObject(body, "impersonated_by");
		return;
	}
	by = cJSON_AddObjectToObject(body, "impersonated_by");
	json_add_int(by, "admin_id", who->impersonated_by);
	cJSON_AddStringToObject(by, "name", who->impersonator);
}

void
reply_logged_in(struct req *r, int status, const struct principal *who)
{
	cJSON	*body;

	if ((body = me_body_or_reply(r, who->id, who->csrf)) == NULL)
		return;
	me_impersonation_add(body, who);
	if (who->impersonated_by > 0)
		session_cookie_set_for(r, false, who->token,
		    session_impersonation_lifetime(r->cfg));
	else
		session_cookie_set(r, false, who->token);
	reply_json(r, status, body);
}

int
registration_prepare_or_reply(struct req *r, const cJSON *obj,
    const char *prefix, struct registration *reg)
{
	struct flow	 f;
	const char	*password;
	char		 f2[3][48];

	snprintf(reg->email_field, sizeof(reg->email_field), "%semail", prefix);
	snprintf(f2[0], sizeof(f2[0]), "%spassword", prefix);
	snprintf(f2[1], sizeof(f2[1]), "%sfirst_name", prefix);
	snprintf(f2[2], sizeof(f2[2]), "%slast_name", prefix);
	if (input_email_or_reply(r, obj, "email", reg->email_field, true,
	    reg->email) < 0 ||
	    input_password_or_reply(r, obj, "password", f2[0], &password) < 0 ||
	    input_name_or_reply(r, obj, "first_name", f2[1], true, 1,
	    reg->first) < 0 ||
	    input_name_or_reply(r, obj, "last_name", f2[2], true, 1,
	    reg->last) < 0)
		return -1;
	/* no hash work for an address that cannot register */
	req_flow(r, &f);
	if (signin_email_free(&f, reg->email, reg->email_field) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return -1;
	}
	if (password_hash(r->cfg, password, reg->phc) != 0) {
		reply_err_msg(r, ERR_INTERNAL, NULL, MSG_HASH_FAILED);
		return -1;
	}
	return 0;
}

int
registration_insert_or_reply(struct req *r, const struct registration *reg,
    bool verified, long long *id)
{
	struct flow	f;

	req_flow(r, &f);
	if (signin_user_insert(&f, reg->email, reg->first, reg->last, reg->phc,
	    verified, reg->email_field, id) == ERR_NONE)
		return 0;
	reply_fault(r, &f.fault);
	return -1;
}

/*
 * POST /api/v1/auth/register {email, password, first_name, last_name}
 * 201 {user, accounts, csrf_token} and a session cookie; an Email
 * Address Verification is queued in the same transaction.
 * 409 email_taken; 422 invalid_input.
 */
void
h_register(struct req *r)
{
	struct principal	who;
	struct registration	reg;
	struct flow		f;
	long long		id;

	if (registration_prepare_or_reply(r, r->json, "", &reg) != 0)
		return;
	if (tx_begin_or_reply(r) != 0)
		return;
	if (registration_insert_or_reply(r, &reg, false, &id) != 0)
		return;
	req_flow(r, &f);
	if (identity_verification_queue(&f, id, reg.email, reg.first) !=
	    ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	if (session_end_presented(r, false) != 0 ||
	    session_start(r, false, id, 0, &who) != 0) {
		tx_fail(r);
		return;
	}
	r->who = who;
	snprintf(r->who.email, sizeof(r->who.email), "%s", reg.email);
	if (req_audit(r, 0, "user_registered", NULL) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0)
		return;
	reply_logged_in(r, 201, &who);
}

/*
 * POST /api/v1/auth/login {email, password}
 * 200 {user, accounts, csrf_token} and a new session cookie, the first
 * account the user may make active made so; with 2FA on 200
 * {two_factor_required, challenge, expires_at} and no session yet;
 * 401 invalid_credentials; 422; 429 too_many_attempts.
 */
void
h_login(struct req *r)
{
	struct principal who;
	char		 email[EMAIL_MAX + 1], sid[24];
	const char	*password;
	cJSON		*accounts = NULL;
	long long	 id, first_open = 0;
	bool		 two_factor;

	if (input_email_or_reply(r, r->json, "email", "email", true, email) < 0 ||
	    input_string_or_reply(r, r->json, "password", "password", true,
	    &password) < 0)
		return;
	if (!login_password_or_reply(r, false, email, password, &id,
	    &two_factor))
		return;
	if (two_factor) {
		reply_two_factor_required(r, false, id);
		return;
	}
	if (accounts_json_2fa(r->db, id, false, &accounts, &first_open) != 0) {
		reply_db_error(r);
		return;
	}
	cJSON_Delete(accounts);
	if (tx_begin_or_reply(r) != 0)
		return;
	if (session_end_presented(r, false) != 0 ||
	    session_start(r, false, id, first_open, &who) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_logged_in,
	    db_fmt_int(sid, id))) != 0)
		return;
	r->who = who;
	snprintf(r->who.email, sizeof(r->who.email), "%s", email);
	if (req_audit(r, 0, "login", NULL) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0)
		return;
	reply_logged_in(r, 200, &who);
}

/*
 * POST /api/v1/auth/logout
 * 204; the session is deleted and its cookie cleared. 401, 403 csrf_failed.
 */
void
h_logout(struct req *r)
{
	if (tx_begin_or_reply(r) != 0)
		return;
	if (session_end(r->db, r->who.session_id) != 0 ||
	    req_audit(r, 0, "logout", NULL) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0)
		return;
	session_cookie_clear(r, false);
	reply_empty(r, 204);
}

/* The 202 of a reset request, the same whether a mail went out or not. */
static void
reply_reset_requested(struct req *r)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "message", "If a user has this email "
	    "address, a link to choose a new password is on its way.");
	reply_json(r, 202, o);
}

/*
 * POST /api/v1/auth/password-reset {email}
 * 202 whatever the email (no enumeration, not even of what we accept as an
 * address, nor by the time it takes: signin_reset_request). 422 only when
 * "email" is missing or not a string.
 */
void
h_password_reset(struct req *r)
{
	struct flow	 f;
	char		 email[EMAIL_MAX + 1];
	const char	*given;

	if (input_string_or_reply(r, r->json, "email", "email", true,
	    &given) < 0)
		return;
	if (email_check(given, email, sizeof(email)) != NULL) {
		reply_reset_requested(r);
		return;
	}
	req_flow(r, &f);
	if (signin_reset_request(&f, email) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_reset_requested(r);
}

/*
 * POST /api/v1/auth/password-reset/confirm {token, password}
 * 204: the password is set, the link and any other outstanding link are
 * used up, every session of the user ends. 422 invalid_input (field token
 * for an unknown, used or expired link; field password).
 */
void
h_password_reset_confirm(struct req *r)
{
	struct flow	 f;
	const char	*token, *password;
	char		 phc[PASSWORD_PHC_MAX];

	if (input_token_or_reply(r, r->json, "token", &token) < 0 ||
	    input_password_or_reply(r, r->json, "password", "password",
	    &password) < 0)
		return;
	if (!token_well_formed(token)) {
		reply_err_msg(r, ERR_INVALID_INPUT, "token", "This reset link "
		    "is not valid: ask for a new one.");
		return;
	}
	if (password_hash(r->cfg, password, phc) != 0) {
		reply_err_msg(r, ERR_INTERNAL, NULL, MSG_HASH_FAILED);
		return;
	}
	req_flow(r, &f);
	if (signin_reset_confirm(&f, token, phc) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_empty(r, 204);
}

/*
 * POST /api/v1/auth/password-reset/check {token}
 * 204 when the link can still set a password; 422 invalid_input on field
 * token when it cannot (not one of ours, used, or past its hour). Uses
 * nothing up: the reset page asks before the new password is typed.
 */
void
h_password_reset_check(struct req *r)
{
	struct flow	 f;
	const char	*token;

	if (input_token_or_reply(r, r->json, "token", &token) < 0)
		return;
	if (!token_well_formed(token)) {
		reply_err_msg(r, ERR_INVALID_INPUT, "token", "This reset link "
		    "is not valid: ask for a new one.");
		return;
	}
	req_flow(r, &f);
	if (signin_reset_check(&f, token) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_empty(r, 204);
}
