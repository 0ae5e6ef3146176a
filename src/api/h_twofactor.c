/*
 * h_twofactor.c: two-factor authentication (DESIGN §8.3): a user's and
 * an administrator's own 2FA (/me/2fa/..., /admin/me/2fa/...), the second
 * step of both logins, an account's require_2fa, and an administrator's
 * reset of a user's 2FA. The rules and the SQL are twofactor.c's; here
 * the input is read, passwords are checked through the login throttle
 * (a wrong one counts as a failed login) and answers are built.
 */
#include <string.h>

#include "audit.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "login.h"
#include "session.h"
#include "tx.h"
#include "twofactor.h"
#include "views.h"
#include "banned.h"

static struct stmt st_user_logged_in = STMT(
    "UPDATE users SET last_login_at = now() WHERE id = $1"
    " RETURNING email", 1);
static struct stmt st_admin_logged_in = STMT(
    "UPDATE admins SET last_login_at = now() WHERE id = $1"
    " RETURNING email", 1);

/*
 * Whose 2FA the caller changes: its own, in a session of its own. An API
 * token is no person (403 forbidden); a session an administrator opened
 * as the user may not touch it (403 impersonation_forbidden). 0, or -1
 * after replying.
 */
static int
subject_or_reply(struct req *r, struct tf_subject *s)
{
	if (r->who.kind == PRINCIPAL_API_TOKEN) {
		reply_err_msg(r, ERR_FORBIDDEN, NULL, "Two-factor "
		    "authentication belongs to an administrator's own "
		    "session, not to an API token.");
		return -1;
	}
	if (r->who.impersonated_by != 0) {
		reply_err(r, ERR_IMPERSONATION_FORBIDDEN, NULL);
		return -1;
	}
	s->admin = r->who.kind == PRINCIPAL_ADMIN;
	s->id = r->who.id;
	s->email = r->who.email;
	return 0;
}

/* The caller's password in "password", through the login throttle. */
static int
password_or_reply(struct req *r, const struct tf_subject *s)
{
	const char	*password;
	long long	 id;

	if (input_string_or_reply(r, r->json, "password", "password", true,
	    &password) < 0)
		return -1;
	if (!login_check_or_reply(r, s->admin, r->who.email, password, &id))
		return -1;
	if (id != s->id) {
		reply_err(r, ERR_INVALID_CREDENTIALS, "password");
		return -1;
	}
	return 0;
}

/* {recovery_codes: [...]}, then the codes are wiped. */
static void
reply_codes(struct req *r, struct tf_codes *codes)
{
	cJSON	*body = cJSON_CreateObject(), *a;
	int	 i;

	a = cJSON_AddArrayToObject(body, "recovery_codes");
	for (i = 0; i < RECOVERY_CODES; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(codes->code[i]));
	tf_codes_wipe(codes);
	reply_json(r, 200, body);
}

/*
 * POST /api/v1/me/2fa/setup {password}, /api/v1/admin/me/2fa/setup
 * 200 {secret, otpauth_uri, qr_svg}: a new secret, not on until enable;
 * 401 invalid_credentials (counted as a failed login); 403 forbidden (on
 * already) | impersonation_forbidden; 429 too_many_attempts.
 */
void
h_2fa_setup(struct req *r)
{
	struct tf_subject	 s;
	struct tf_setup		 out;
	struct flow		 f;
	cJSON			*body;

	if (subject_or_reply(r, &s) != 0 || password_or_reply(r, &s) != 0)
		return;
	req_flow(r, &f);
	if (twofactor_setup(&f, &s, &out) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "secret", out.secret);
	cJSON_AddStringToObject(body, "otpauth_uri", out.uri.data);
	cJSON_AddStringToObject(body, "qr_svg", out.svg.data);
	tf_setup_release(&out);
	reply_json(r, 200, body);
}

/*
 * POST /api/v1/me/2fa/enable {code}, /api/v1/admin/me/2fa/enable
 * 200 {recovery_codes: [10]}, shown this once; 401 invalid_code; 403
 * forbidden (nothing set up, or on already) | impersonation_forbidden.
 */
void
h_2fa_enable(struct req *r)
{
	struct tf_subject	 s;
	struct tf_codes		 codes;
	struct flow		 f;
	const char		*code;

	if (subject_or_reply(r, &s) != 0 ||
	    input_string_or_reply(r, r->json, "code", "code", true, &code) < 0)
		return;
	req_flow(r, &f);
	if (twofactor_enable(&f, &s, code, &codes) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_codes(r, &codes);
}

/*
 * POST /api/v1/me/2fa/disable {password, code | recovery_code},
 * /api/v1/admin/me/2fa/disable
 * 204: 2FA off, its secret and recovery codes gone; 401
 * invalid_credentials | invalid_code; 403 forbidden (not on) |
 * impersonation_forbidden; 422; 429.
 */
void
h_2fa_disable(struct req *r)
{
	struct tf_subject	 s;
	struct flow		 f;
	const char		*code = NULL, *recovery = NULL;
	int			 has_code, has_recovery;

	if (subject_or_reply(r, &s) != 0)
		return;
	if ((has_code = input_string_or_reply(r, r->json, "code", "code",
	    false, &code)) < 0 ||
	    (has_recovery = input_string_or_reply(r, r->json, "recovery_code",
	    "recovery_code", false, &recovery)) < 0)
		return;
	if (has_code + has_recovery != 1) {
		reply_err_msg(r, ERR_INVALID_INPUT, "code", "Give a code from "
		    "the app or a recovery code (one of them).");
		return;
	}
	if (password_or_reply(r, &s) != 0)
		return;
	req_flow(r, &f);
	if (twofactor_disable(&f, &s, code, recovery) != ERR_NONE)
		reply_fault(r, &f.fault);
	else
		reply_empty(r, 204);
}

/*
 * POST /api/v1/me/2fa/recovery-codes {code},
 * /api/v1/admin/me/2fa/recovery-codes
 * 200 {recovery_codes: [10]}: a new set, the old one dead; 401
 * invalid_code; 403 forbidden (not on) | impersonation_forbidden.
 */
void
h_2fa_recovery_codes(struct req *r)
{
	struct tf_subject	 s;
	struct tf_codes		 codes;
	struct flow		 f;
	const char		*code;

	if (subject_or_reply(r, &s) != 0 ||
	    input_string_or_reply(r, r->json, "code", "code", true, &code) < 0)
		return;
	req_flow(r, &f);
	if (twofactor_recovery_renew(&f, &s, code, &codes) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_codes(r, &codes);
}

void
reply_two_factor_required(struct req *r, bool admin, long long id)
{
	struct tf_challenge	 ch;
	struct flow		 f;
	cJSON			*body;

	req_flow(r, &f);
	if (twofactor_challenge_new(&f, admin, id, r->remote_addr,
	    r->user_agent, &ch) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddBoolToObject(body, "two_factor_required", true);
	cJSON_AddStringToObject(body, "challenge", ch.token);
	cJSON_AddStringToObject(body, "expires_at", ch.expires_at);
	explicit_bzero(ch.token, sizeof(ch.token));
	reply_json(r, 200, body);
}

/*
 * The second step: read {challenge, code | recovery_code} and answer it.
 * On success the transaction is open (twofactor.h) and the answer's id
 * is who signed in; otherwise the reply is sent and -1 returned. (The
 * first step left its attempt counted as a failed login: a challenge
 * killed by wrong codes stays one, login.h.)
 */
static int
second_step_or_reply(struct req *r, bool admin, struct tf_answer *ans)
{
	struct flow	 f;
	const char	*challenge, *code = NULL, *recovery = NULL;
	int		 has_code, has_recovery;

	if (input_string_or_reply(r, r->json, "challenge", "challenge", true,
	    &challenge) < 0 ||
	    (has_code = input_string_or_reply(r, r->json, "code", "code",
	    false, &code)) < 0 ||
	    (has_recovery = input_string_or_reply(r, r->json, "recovery_code",
	    "recovery_code", false, &recovery)) < 0)
		return -1;
	if (has_code + has_recovery != 1) {
		reply_err_msg(r, ERR_INVALID_INPUT, "code", "Give a code from "
		    "the app or a recovery code (one of them).");
		return -1;
	}
	req_flow(r, &f);
	if (twofactor_challenge_answer(&f, admin, challenge, code, recovery,
	    ans) == ERR_NONE)
		return 0;
	reply_fault(r, &f.fault);
	return -1;
}

/*
 * Inside the second step's transaction: the session, last_login_at, the
 * failures forgiven, the audit row. 0, or -1 after replying.
 */
static int
session_open_or_reply(struct req *r, bool admin, const struct tf_answer *a,
    long long active, struct principal *who)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	int			 rc;

	if (session_end_presented(r, admin) != 0 ||
	    session_start(r, admin, a->id, active, who) != 0 ||
	    login_forgive(r->db, admin, a->id) != 0)
		return tx_fail(r);
	res = DB_EXEC(r->db, admin ? &st_admin_logged_in : &st_user_logged_in,
	    DB_INT(a->id));
	if (res == NULL)
		return tx_fail(r);
	r->who = *who;
	(void)str_copy(r->who.email, sizeof(r->who.email), db_str(res, 0, 0));
	db_res_free(res);
	audit_detail_str(&d, "second_factor", a->recovery ? "recovery_code" :
	    "totp");
	rc = req_audit(r, 0, admin ? "admin_login" : "login", &d);
	audit_details_release(&d);
	if (rc != 0)
		return tx_fail(r);
	return tx_commit_or_reply(r);
}

/*
 * POST /api/v1/auth/login/2fa {challenge, code | recovery_code}
 * 200 {user, accounts, csrf_token} and a session cookie; 401
 * invalid_code (a wrong, replayed or used code; field challenge for a
 * challenge unknown, used, expired or killed by 5 wrong codes); 422.
 */
void
h_login_2fa(struct req *r)
{
	struct tf_answer	 a;
	struct principal	 who;
	cJSON			*accounts = NULL;
	long long		 first_open = 0;

	if (second_step_or_reply(r, false, &a) != 0)
		return;
	if (accounts_json_2fa(r->db, a.id, true, &accounts, &first_open) != 0) {
		tx_fail(r);
		return;
	}
	cJSON_Delete(accounts);
	if (session_open_or_reply(r, false, &a, first_open, &who) != 0)
		return;
	reply_logged_in(r, 200, &who);
}

/*
 * POST /api/v1/admin/auth/login/2fa {challenge, code | recovery_code}
 * 200 {admin, csrf_token} and a memberd_admin cookie; 401 invalid_code;
 * 422.
 */
void
h_admin_login_2fa(struct req *r)
{
	struct tf_answer	 a;
	struct principal	 who;

	if (second_step_or_reply(r, true, &a) != 0)
		return;
	if (session_open_or_reply(r, true, &a, 0, &who) != 0)
		return;
	session_cookie_set(r, true, who.token);
	reply_admin(r, 200, &who);
}

/* The session's active account, or 403 (none chosen). */
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
 * GET /api/v1/account/settings
 * 200 {require_2fa} of the active account; 403 forbidden unless the
 * owner or a holder of "users".
 */
void
h_account_settings_get(struct req *r)
{
	struct flow	 f;
	long long	 id;
	bool		 require;
	cJSON		*body;

	if (active_or_reply(r, &id) != 0)
		return;
	req_flow(r, &f);
	if (account_settings_get(&f, id, &require) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddBoolToObject(body, "require_2fa", require);
	reply_json(r, 200, body);
}

/*
 * PATCH /api/v1/account/settings {require_2fa}
 * 200 {settings: {require_2fa}}; 403 forbidden unless the owner; 422.
 */
void
h_account_settings_update(struct req *r)
{
	struct flow	 f;
	long long	 id;
	bool		 require;
	cJSON		*settings;

	if (active_or_reply(r, &id) != 0 ||
	    input_bool_or_reply(r, r->json, "require_2fa", "require_2fa", true,
	    &require) < 0)
		return;
	req_flow(r, &f);
	if (account_settings_set(&f, id, require) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	settings = cJSON_CreateObject();
	cJSON_AddBoolToObject(settings, "require_2fa", require);
	reply_wrapped_json(r, 200, "settings", settings);
}

/*
 * POST /api/v1/admin/users/{id}/2fa/reset
 * 204: the user's 2FA is off, secret and recovery codes gone, the user
 * mailed, each of their accounts audited; 404 not_found.
 */
void
h_admin_user_2fa_reset(struct req *r)
{
	struct flow	 f;

	req_flow(r, &f);
	if (twofactor_reset(&f, r->ids[0]) != ERR_NONE)
		reply_fault(r, &f.fault);
	else
		reply_empty(r, 204);
}

/*
 * May the caller make client_id its active account? Not one that
 * requires 2FA while the caller has none: 403 two_factor_required.
 * 0 yes, -1 after replying.
 */
int
require_2fa_or_reply(struct req *r, long long client_id, const char *field)
{
	int	rc;

	if (r->who.two_factor)
		return 0;
	if ((rc = twofactor_account_requires(r->db, client_id)) < 0) {
		reply_db_error(r);
		return -1;
	}
	if (rc == 1) {
		reply_err(r, ERR_TWO_FACTOR_REQUIRED, field);
		return -1;
	}
	return 0;
}
