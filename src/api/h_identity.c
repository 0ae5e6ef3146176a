/*
 * h_identity.c: the signed-in user's own identity (DESIGN §8.1, §8.2):
 * profile, password, email address and its verification, sessions. The
 * handlers parse, check the current password where one is asked (as a
 * login: login.h throttles it and counts a wrong one), refuse what an
 * administrator acting as the user may not do, and call the flows of
 * identity.h.
 */
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "identity.h"
#include "input.h"
#include "login.h"
#include "password.h"
#include "session.h"
#include "token.h"
#include "views.h"
#include "banned.h"

/*
 * current_password of the body, checked as a login of the caller's
 * address. 0, or -1 after replying (401 invalid_credentials, 422, 429).
 */
static int
current_password_or_reply(struct req *r)
{
	const char	*password;
	long long	 id;

	if (input_string_or_reply(r, r->json, "current_password",
	    "current_password", true, &password) < 0)
		return -1;
	if (!login_check_or_reply(r, false, r->who.email, password, &id))
		return -1;
	if (id != r->who.id) {
		/* the address moved between the session and now */
		reply_err(r, ERR_INVALID_CREDENTIALS, "current_password");
		return -1;
	}
	return 0;
}

static void
reply_user(struct req *r, int status, enum err e, const struct flow *f,
    const struct user *u)
{
	if (e != ERR_NONE)
		reply_fault(r, &f->fault);
	else
		reply_wrapped_json(r, status, "user", user_to_json(u));
}

static void
reply_accepted(struct req *r, const char *message)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "message", message);
	reply_json(r, 202, o);
}

/*
 * PATCH /api/v1/me {first_name?, last_name?}
 * 200 {user}; 401; 403 csrf_failed; 422 invalid_input.
 */
void
h_me_update(struct req *r)
{
	char		 first[4 * NAME_MAX_CHARS + 1], last[4 * NAME_MAX_CHARS + 1];
	int		 has_first, has_last;
	struct flow	 f;
	struct user	 u;

	if ((has_first = input_name_or_reply(r, r->json, "first_name",
	    "first_name", false, 1, first)) < 0 ||
	    (has_last = input_name_or_reply(r, r->json, "last_name",
	    "last_name", false, 1, last)) < 0)
		return;
	req_flow(r, &f);
	reply_user(r, 200, identity_profile_update(&f,
	    has_first ? first : NULL, has_last ? last : NULL, &u), &f, &u);
}

/*
 * POST /api/v1/me/password {current_password, new_password}
 * 204 with a new session cookie: every other session of the user has
 * ended. 401 invalid_credentials (counted as a failed login); 403
 * csrf_failed | impersonation_forbidden; 422; 429 too_many_attempts.
 */
void
h_me_password(struct req *r)
{
	const char	*password;
	char		 phc[PASSWORD_PHC_MAX], token[TOKEN_LEN + 1];
	struct flow	 f;

	if (auth_forbid_impersonated_or_reply(r) != 0 ||
	    input_password_or_reply(r, r->json, "new_password", "new_password",
	    &password) < 0 || current_password_or_reply(r) != 0)
		return;
	if (password_hash(r->cfg, password, phc) != 0) {
		reply_err_msg(r, ERR_INTERNAL, NULL, MSG_HASH_FAILED);
		return;
	}
	req_flow(r, &f);
	if (identity_password_change(&f, r->who.session_id, phc, token) !=
	    ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	session_cookie_set(r, false, token);
	explicit_bzero(token, sizeof(token));
	reply_empty(r, 204);
}

/*
 * POST /api/v1/me/email {email, current_password}
 * 202: a link to the new address; nothing changes until it is used.
 * 401 invalid_credentials; 403 csrf_failed | impersonation_forbidden;
 * 409 email_taken; 422; 429 too_many_attempts.
 */
void
h_me_email(struct req *r)
{
	char		 email[EMAIL_MAX + 1];
	struct flow	 f;

	if (auth_forbid_impersonated_or_reply(r) != 0 ||
	    input_email_or_reply(r, r->json, "email", "email", true,
	    email) < 0 || current_password_or_reply(r) != 0)
		return;
	req_flow(r, &f);
	if (identity_email_change(&f, email) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_accepted(r, "A link to confirm the change is on its way to the "
	    "new address. Your address changes when that link is used.");
}

/*
 * POST /api/v1/auth/verify-email {token}
 * 200 {user}: the address verified, or the change applied. 409
 * email_taken (the new address was taken meanwhile); 410 token_invalid;
 * 422.
 */
void
h_verify_email(struct req *r)
{
	const char	*token;
	struct flow	 f;
	struct user	 u;

	if (input_token_or_reply(r, r->json, "token", &token) < 0)
		return;
	if (!token_well_formed(token)) {
		reply_err_msg(r, ERR_TOKEN_INVALID, "token", "This link is "
		    "not a verification link: open it again from the email.");
		return;
	}
	req_flow(r, &f);
	reply_user(r, 200, identity_email_verify(&f, token, &u), &f, &u);
}

/*
 * POST /api/v1/me/verify-email/resend
 * 202: a new link unless the address is verified already. 401; 403
 * csrf_failed; 429 resend_too_soon with Retry-After.
 */
void
h_verify_email_resend(struct req *r)
{
	struct flow	 f;
	bool		 sent;

	req_flow(r, &f);
	if (identity_verification_resend(&f, &sent) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_accepted(r, sent ? "A new verification link is on its way." :
	    "Your email address is verified already: no link was sent.");
}

static void
session_into(const struct session_info *s, void *arg)
{
	cJSON_AddItemToArray(arg, session_to_json(s));
}

/*
 * GET /api/v1/me/sessions
 * 200 {sessions:[{id, created_at, last_seen_at, ip, user_agent, current,
 * impersonated}]}, this one first; 401.
 */
void
h_me_sessions(struct req *r)
{
	cJSON	*body = cJSON_CreateObject();
	cJSON	*list = cJSON_AddArrayToObject(body, "sessions");

	if (identity_sessions_list(r->db, r->cfg, r->who.id,
	    r->who.session_id, session_into, list) != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	reply_json(r, 200, body);
}

/*
 * DELETE /api/v1/me/sessions/{id}
 * 204: that session is dead (this one too: then its cookie is cleared).
 * 401; 403 csrf_failed | impersonation_forbidden; 404 not_found.
 */
void
h_me_session_end(struct req *r)
{
	struct flow	 f;

	if (auth_forbid_impersonated_or_reply(r) != 0)
		return;
	req_flow(r, &f);
	if (identity_session_end(&f, r->ids[0]) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	if (r->ids[0] == r->who.session_id)
		session_cookie_clear(r, false);
	reply_empty(r, 204);
}

/*
 * POST /api/v1/me/sessions/revoke-others
 * 204: every session of the user but this one is dead. 401; 403
 * csrf_failed | impersonation_forbidden.
 */
void
h_me_sessions_revoke_others(struct req *r)
{
	struct flow	 f;

	if (auth_forbid_impersonated_or_reply(r) != 0)
		return;
	req_flow(r, &f);
	if (identity_sessions_end_others(&f, r->who.session_id) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_empty(r, 204);
}
