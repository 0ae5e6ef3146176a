/*
 * h_admin_users.c: the Admin Area's users (DESIGN §9): the directory, a
 * user's page, editing, disabling and deleting, a password reset sent by
 * an administrator, client profiles, "Login as User" and SSO links, and
 * POST /auth/sso that uses such a link. Handlers parse, call the flows of
 * admin_users.h, client_admin.h and sso.h, and answer; every route but
 * /auth/sso needs an administrator (cookie with CSRF for changes, or an
 * API token).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_users.h"
#include "audit.h"
#include "client_admin.h"
#include "clients.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "session.h"
#include "sso.h"
#include "tx.h"
#include "users.h"
#include "views.h"
#include "banned.h"

static struct stmt st_logged_in = STMT(
    "UPDATE users SET last_login_at = now() WHERE id = $1", 1);

/* ?search= trimmed (caller frees; "" when absent). NULL after a 422. */
static char *
search_or_reply(struct req *r)
{
	char	*s = NULL, *t;
	int	 rc;

	if ((rc = req_query(r, "search", &s)) < 0 ||
	    (rc == 1 && strlen(s) > ADMIN_USERS_SEARCH_MAX)) {
		free(s);
		reply_err_msg(r, ERR_INVALID_INPUT, "search", "The search is "
		    "malformed or too long.");
		return NULL;
	}
	t = xstrdup(s ? str_trim(s) : "");
	free(s);
	return t;
}

static void
row_into(const struct admin_user_row *row, void *arg)
{
	cJSON	*u = user_to_json(&row->user);

	json_add_int(u, "accounts_count", row->accounts_count);
	cJSON_AddItemToArray(arg, u);
}

/*
 * GET /api/v1/admin/users?search=&page=
 * With page: 200 {users:[user + {accounts_count}], page, per_page: 25,
 * total, total_capped}, the users whose address or name holds the search
 * anywhere, case-insensitively, by address (total at most 10,000 for a
 * search, total_capped then true). Without page: Select User's answer
 * (h_admin_user_search). 422 for a bad page or search.
 */
void
h_admin_users_list(struct req *r)
{
	char		*s = NULL, *search;
	long long	 total;
	long		 page;
	bool		 capped;
	int		 rc;
	cJSON		*body, *list;

	rc = req_query(r, "page", &s);
	free(s);
	if (rc == 0) {
		h_admin_user_search(r);
		return;
	}
	if (input_page_or_reply(r, &page) < 0 ||
	    (search = search_or_reply(r)) == NULL)
		return;
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "users");
	rc = admin_users_search(r->db, search, page, &total, &capped,
	    row_into, list);
	free(search);
	if (rc != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	json_add_int(body, "page", page);
	json_add_int(body, "per_page", ADMIN_USERS_PER_PAGE);
	json_add_int(body, "total", total);
	cJSON_AddBoolToObject(body, "total_capped", capped);
	reply_json(r, 200, body);
}

/*
 * GET /api/v1/admin/users/{id}
 * 200 {user, accounts:[{client_id, company_name, is_owner, permissions,
 * status}], sessions: count of live sessions}; 404 not_found.
 */
void
h_admin_users_get(struct req *r)
{
	struct user	 u;
	long long	 sessions;
	cJSON		*body, *accounts = NULL;
	int		 rc;

	if ((rc = admin_users_get(r->db, r->ids[0], &u, &sessions)) != 1) {
		if (rc == 0)
			reply_err_msg(r, ERR_NOT_FOUND, NULL, MSG_NO_USER);
		else
			reply_db_error(r);
		return;
	}
	if (accounts_json(r->db, u.id, &accounts, NULL) != 0) {
		reply_db_error(r);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "user", user_to_json(&u));
	cJSON_AddItemToObject(body, "accounts", accounts);
	json_add_int(body, "sessions", sessions);
	reply_json(r, 200, body);
}

/* An optional bool field as -1 (absent), 0 or 1; -2 after replying. */
static int
tristate_or_reply(struct req *r, const char *name)
{
	bool	v;
	int	rc;

	if ((rc = input_bool_or_reply(r, r->json, name, name, false, &v)) < 0)
		return -2;
	return rc == 0 ? -1 : v;
}

struct user_patch_in {
	struct user_patch	 p;
	char			 first[TEXT_NAME];
	char			 last[TEXT_NAME];
	char			 email[TEXT_EMAIL];
};

/* The body of PATCH /admin/users/{id}. 0, or -1 after a 422. */
static int
user_patch_parse_or_reply(struct req *r, struct user_patch_in *in)
{
	const char	*status = NULL;
	int		 rc;

	memset(in, 0, sizeof(*in));
	if ((rc = input_name_or_reply(r, r->json, "first_name", "first_name",
	    false, 0, in->first)) < 0)
		return -1;
	in->p.first_name = rc ? in->first : NULL;
	if ((rc = input_name_or_reply(r, r->json, "last_name", "last_name",
	    false, 0, in->last)) < 0)
		return -1;
	in->p.last_name = rc ? in->last : NULL;
	if ((rc = input_email_or_reply(r, r->json, "email", "email", false,
	    in->email)) < 0)
		return -1;
	in->p.email = rc ? in->email : NULL;
	if ((in->p.email_verified = tristate_or_reply(r, "email_verified")) ==
	    -2)
		return -1;
	if (input_string_or_reply(r, r->json, "status", "status", false,
	    &status) < 0)
		return -1;
	in->p.disabled = -1;
	if (status != NULL) {
		if (strcmp(status, "active") != 0 &&
		    strcmp(status, "disabled") != 0) {
			reply_err_msg(r, ERR_INVALID_INPUT, "status", "status "
			    "is active or disabled.");
			return -1;
		}
		in->p.disabled = strcmp(status, "disabled") == 0;
	}
	return 0;
}

/*
 * PATCH /api/v1/admin/users/{id} {first_name?, last_name?, email?,
 * email_verified?, status?}
 * 200 {user}; status "disabled" ends every session of the user. A
 * changed address is unverified unless email_verified: true comes with
 * it. 404 not_found; 409 email_taken; 422.
 */
void
h_admin_users_update(struct req *r)
{
	struct user_patch_in	 in;
	struct flow		 f;
	struct user		 u;
	enum err		 e;

	if (user_patch_parse_or_reply(r, &in) != 0)
		return;
	req_flow(r, &f);
	if ((e = admin_users_update(&f, r->ids[0], &in.p, &u)) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_wrapped_json(r, 200, "user", user_to_json(&u));
}

/*
 * DELETE /api/v1/admin/users/{id}
 * 204: the user, their memberships and sessions are gone. 404 not_found;
 * 409 owner_protected while they own an account.
 */
void
h_admin_users_delete(struct req *r)
{
	struct flow	f;

	req_flow(r, &f);
	if (admin_users_delete(&f, r->ids[0]) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_empty(r, 204);
}

/*
 * POST /api/v1/admin/users/{id}/password-reset
 * 202 {message}: a Password Reset email with a one-hour link is queued.
 * 404 not_found.
 */
void
h_admin_users_password_reset(struct req *r)
{
	struct flow	 f;
	cJSON		*o;

	req_flow(r, &f);
	if (admin_users_send_reset(&f, r->ids[0]) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "message", "A link to choose a new "
	    "password is on its way to the user.");
	reply_json(r, 202, o);
}

/*
 * PATCH /api/v1/admin/clients/{id} {company_name?, first_name?,
 * last_name?, status?}
 * 200 {client}; closing cancels the pending invitations. 404 not_found;
 * 422 (the contact's names cannot be emptied).
 */
void
h_admin_client_update(struct req *r)
{
	struct client_patch	 p = { 0 };
	struct flow		 f;
	struct client		 c;
	const char		*status = NULL;
	char			 company[TEXT_NAME], first[TEXT_NAME];
	char			 last[TEXT_NAME];
	int			 rc[3];

	if ((rc[0] = input_name_or_reply(r, r->json, "company_name",
	    "company_name", false, 0, company)) < 0 ||
	    (rc[1] = input_name_or_reply(r, r->json, "first_name",
	    "first_name", false, 1, first)) < 0 ||
	    (rc[2] = input_name_or_reply(r, r->json, "last_name", "last_name",
	    false, 1, last)) < 0 ||
	    input_string_or_reply(r, r->json, "status", "status", false,
	    &status) < 0)
		return;
	p.company_name = rc[0] ? company : NULL;
	p.first_name = rc[1] ? first : NULL;
	p.last_name = rc[2] ? last : NULL;
	if (status != NULL) {
		if (client_status_parse(status, &p.status) != 0) {
			reply_err_msg(r, ERR_INVALID_INPUT, "status", "status "
			    "is active, inactive or closed.");
			return;
		}
		p.has_status = true;
	}
	req_flow(r, &f);
	if (client_admin_update(&f, r->ids[0], &p, &c) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_wrapped_json(r, 200, "client", client_to_json(&c));
}

/* An optional client_id of the body: 0 when absent; -1 after a 422. */
static int
client_id_or_reply(struct req *r, long long *client_id)
{
	*client_id = 0;
	return input_id_or_reply(r, r->json, "client_id", "client_id", false,
	    client_id) < 0 ? -1 : 0;
}

/*
 * Inside the transaction: the account to make active for user_id, given
 * (a member's, not closed) or the first open one (0 if none). 0, or -1
 * after rolling back and replying (404 not_found, 403 forbidden).
 */
static int
active_account_or_reply(struct req *r, long long user_id, long long given,
    long long *out)
{
	enum client_status	 st;
	cJSON			*accounts = NULL;
	int			 rc;

	if (given == 0) {
		if (accounts_json(r->db, user_id, &accounts, out) != 0)
			return tx_fail(r);
		cJSON_Delete(accounts);
		return 0;
	}
	if ((rc = users_membership(r->db, user_id, given, &st)) < 0)
		return tx_fail(r);
	if (rc != 1 || st == CLIENT_CLOSED) {
		db_rollback(r->db);
		reply_err_msg(r, rc != 1 ? ERR_NOT_FOUND : ERR_FORBIDDEN,
		    "client_id", rc != 1 ? "The user is not a member of this "
		    "account." : MSG_CLOSED);
		return -1;
	}
	*out = given;
	return 0;
}

/*
 * Inside the transaction: user_id exists and is active, locked against
 * a disabling meanwhile. 0, or -1 after rolling back and replying (404
 * not_found, 403 user_disabled).
 */
static int
user_usable_or_reply(struct req *r, long long user_id, struct user *u)
{
	long long	sessions;
	int		rc;

	if ((rc = admin_users_get(r->db, user_id, u, &sessions)) < 0)
		return tx_fail(r);
	if (rc == 0 || strcmp(u->status, "disabled") == 0) {
		db_rollback(r->db);
		if (rc == 0)
			reply_err_msg(r, ERR_NOT_FOUND, NULL, MSG_NO_USER);
		else
			reply_err(r, ERR_USER_DISABLED, NULL);
		return -1;
	}
	return 0;
}

/* The audit entries of "Login as User", one on each of the user's
 * accounts, the administrator the actor. 0 or -1 (rolled back, replied). */
static int
login_as_audit_or_reply(struct req *r, const struct user *u,
    long long client_id, long long session_id)
{
	struct audit_details	 d = { 0 };
	struct flow		 f;
	enum err		 e;

	req_flow(r, &f);
	audit_detail_int(&d, "user_id", u->id);
	audit_detail_str(&d, "email", u->email);
	audit_detail_int(&d, "session_id", session_id);
	if (client_id > 0)
		audit_detail_int(&d, "client_id", client_id);
	e = admin_users_audit(&f, u->id, "admin_login_as", &d);
	audit_details_release(&d);
	if (e != ERR_NONE) {
		reply_fault(r, &f.fault);
		return -1;
	}
	return 0;
}

/*
 * POST /api/v1/admin/users/{id}/login-as {client_id?}
 * 200 {user, accounts, csrf_token, impersonated_by} and a memberd_session
 * cookie for the administrator's browser: a session of the user marked
 * impersonated by the administrator, for at most an hour, audited
 * "admin_login_as" on the user's accounts. client_id (else the first
 * open account) is made active. A session cookie of a user that came
 * with the request ends. 403 forbidden for an API token (it has no
 * browser) or a closed account, user_disabled; 404 not_found; 422.
 */
void
h_admin_users_login_as(struct req *r)
{
	struct principal who;
	struct user	 u;
	long long	 client_id, active = 0;

	if (client_id_or_reply(r, &client_id) != 0)
		return;
	if (r->who.kind != PRINCIPAL_ADMIN) {
		reply_err_msg(r, ERR_FORBIDDEN, NULL, "Login as User needs an "
		    "administrator signed in with a browser.");
		return;
	}
	if (tx_begin_or_reply(r) != 0)
		return;
	if (user_usable_or_reply(r, r->ids[0], &u) != 0 ||
	    active_account_or_reply(r, u.id, client_id, &active) != 0)
		return;
	if (session_end_presented(r, false) != 0 ||
	    session_start_impersonated(r, u.id, active, r->who.id, &who) !=
	    0) {
		tx_fail(r);
		return;
	}
	if (login_as_audit_or_reply(r, &u, active, who.session_id) != 0)
		return;
	if (tx_commit_or_reply(r) != 0)
		return;
	reply_logged_in(r, 200, &who);
}

/*
 * POST /api/v1/admin/users/{id}/sso-token {client_id?, destination?}
 * 201 {token, url, expires_at}: a one-use link {public_url}/sso#{token},
 * good for 60 seconds, landing on destination (a path on this site, "/"
 * by default) with client_id active. 403 user_disabled, forbidden (a
 * closed account); 404 not_found; 422 (destination off the site).
 */
void
h_admin_users_sso_token(struct req *r)
{
	struct sso_link	 link;
	struct flow	 f;
	struct buf	 url = { 0 };
	const char	*dest = "/", *why;
	long long	 client_id;
	cJSON		*o;

	if (client_id_or_reply(r, &client_id) != 0 ||
	    input_string_or_reply(r, r->json, "destination", "destination",
	    false, &dest) < 0)
		return;
	if ((why = local_path_check(dest)) != NULL) {
		reply_err_msg(r, ERR_INVALID_INPUT, "destination", why);
		return;
	}
	req_flow(r, &f);
	if (sso_create(&f, r->ids[0], client_id, dest, &link) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	buf_printf(&url, "%s/sso#%s", r->cfg->public_url, link.token);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "token", link.token);
	cJSON_AddStringToObject(o, "url", url.data);
	cJSON_AddStringToObject(o, "expires_at", link.expires_at);
	explicit_bzero(url.data, url.len);
	buf_release(&url);
	explicit_bzero(link.token, sizeof(link.token));
	reply_json(r, 201, o);
}

/*
 * Inside the transaction: the link of token used up, into *use. 0, or -1
 * after rolling back and replying (410 token_invalid, 403 user_disabled).
 */
static int
sso_take_or_reply(struct req *r, const char *token, struct sso_use *use)
{
	int	rc;

	if ((rc = sso_take(r->db, token, use)) < 0)
		return tx_fail(r);
	if (rc == 1)
		return 0;
	db_rollback(r->db);
	if (rc == 2)
		reply_err(r, ERR_USER_DISABLED, NULL);
	else
		reply_err_msg(r, ERR_TOKEN_INVALID, "token", "This sign-in "
		    "link is used, expired or unknown: ask for a new one.");
	return -1;
}

/*
 * The account an SSO sign-in makes active: the link's while it is still
 * the user's and open, else the first open one (0 if none). 0, or -1
 * after rolling back and replying.
 */
static int
sso_account(struct req *r, const struct sso_use *use, long long *active)
{
	enum client_status	 st;
	cJSON			*accounts = NULL;
	int			 rc = 0;

	if (use->client_id > 0 && (rc = users_membership(r->db, use->user_id,
	    use->client_id, &st)) < 0)
		return tx_fail(r);
	if (rc == 1 && st != CLIENT_CLOSED) {
		*active = use->client_id;
		return 0;
	}
	if (accounts_json(r->db, use->user_id, &accounts, active) != 0)
		return tx_fail(r);
	cJSON_Delete(accounts);
	return 0;
}

/*
 * POST /api/v1/auth/sso {token}
 * 200 {user, accounts, csrf_token, impersonated_by: null, destination}
 * and a session cookie: the link is used up, the user signed in (a
 * session cookie that came with the request ends), the link's account
 * made active when it is still theirs and open. 403 user_disabled; 410
 * token_invalid (used, expired or unknown); 422.
 */
void
h_auth_sso(struct req *r)
{
	struct principal who;
	struct sso_use	 use;
	struct user	 u;
	const char	*token;
	long long	 active = 0;
	cJSON		*body;

	if (input_string_or_reply(r, r->json, "token", "token", true,
	    &token) < 0)
		return;
	if (tx_begin_or_reply(r) != 0)
		return;
	if (sso_take_or_reply(r, token, &use) != 0)
		return;
	if (sso_account(r, &use, &active) != 0)
		return;
	if (session_end_presented(r, false) != 0 ||
	    session_start(r, false, use.user_id, active, &who) != 0 ||
	    DB_DONE(r->db, &st_logged_in, DB_INT(use.user_id)) != 0 ||
	    users_get(r->db, use.user_id, &u) != 1) {
		tx_fail(r);
		return;
	}
	r->who = who;
	(void)str_copy(r->who.email, sizeof(r->who.email), u.email);
	if (req_audit(r, active, "sso_login", NULL) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0)
		return;
	if ((body = me_body_or_reply(r, who.id, who.csrf)) == NULL)
		return;
	me_impersonation_add(body, &who);
	cJSON_AddStringToObject(body, "destination", use.destination);
	session_cookie_set(r, false, who.token);
	reply_json(r, 200, body);
}
