/*
 * h_admin.c: the Admin Area's sign-in, client accounts and the user search
 * of "Select User". Every route here needs an administrator (cookie with
 * CSRF for state changes, or an API token). The accounts' and users' SQL
 * is the domain's (client_admin.h, admin_users.h).
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
#include "invites.h"
#include "login.h"
#include "perms.h"
#include "session.h"
#include "tx.h"
#include "users.h"
#include "views.h"
#include "banned.h"

static struct stmt st_admin = STMT(
    "SELECT id, email, name, totp_enabled_at IS NOT NULL FROM admins"
    " WHERE id = $1", 1);
static struct stmt st_admin_logged_in = STMT(
    "UPDATE admins SET last_login_at = now() WHERE id = $1", 1);

/* The admin object {id, email, name}. NULL on a database error. */
static cJSON *
admin_json(struct req *r, long long id)
{
	struct db_res	*res;
	char		 sid[24];
	cJSON		*a = NULL;

	if ((res = DB_EXEC(r->db, &st_admin, db_fmt_int(sid, id))) == NULL)
		return NULL;
	if (db_rows(res) == 1) {
		a = cJSON_CreateObject();
		json_add_int(a, "id", db_int(res, 0, 0));
		cJSON_AddStringToObject(a, "email", db_str(res, 0, 1));
		cJSON_AddStringToObject(a, "name", db_str(res, 0, 2));
		cJSON_AddBoolToObject(a, "two_factor", db_bool(res, 0, 3));
	}
	db_res_free(res);
	return a;
}

void
reply_admin(struct req *r, int status, const struct principal *who)
{
	cJSON	*body, *a;

	if ((a = admin_json(r, who->id)) == NULL) {
		reply_db_error(r);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "admin", a);
	if (who->kind == PRINCIPAL_ADMIN)
		cJSON_AddStringToObject(body, "csrf_token", who->csrf);
	else
		cJSON_AddNullToObject(body, "csrf_token");
	reply_json(r, status, body);
}

/*
 * POST /api/v1/admin/auth/login {email, password}
 * 200 {admin, csrf_token} and a memberd_admin cookie, or with 2FA on
 * 200 {two_factor_required, challenge, expires_at} and no session yet;
 * 401 invalid_credentials; 422; 429 too_many_attempts.
 */
void
h_admin_login(struct req *r)
{
	struct principal who;
	char		 email[EMAIL_MAX + 1], sid[24];
	const char	*password;
	long long	 id;
	bool		 two_factor;

	if (input_email_or_reply(r, r->json, "email", "email", true, email) < 0 ||
	    input_string_or_reply(r, r->json, "password", "password", true,
	    &password) < 0)
		return;
	if (!login_password_or_reply(r, true, email, password, &id,
	    &two_factor))
		return;
	if (two_factor) {
		reply_two_factor_required(r, true, id);
		return;
	}
	if (tx_begin_or_reply(r) != 0)
		return;
	if (session_end_presented(r, true) != 0 ||
	    session_start(r, true, id, 0, &who) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_admin_logged_in,
	    db_fmt_int(sid, id))) != 0)
		return;
	r->who = who;
	(void)str_copy(r->who.email, sizeof(r->who.email), email);
	if (req_audit(r, 0, "admin_login", NULL) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0)
		return;
	session_cookie_set(r, true, who.token);
	reply_admin(r, 200, &who);
}

/*
 * POST /api/v1/admin/auth/logout
 * 204: the admin session ends (nothing to end for an API token).
 */
void
h_admin_logout(struct req *r)
{
	if (r->who.kind == PRINCIPAL_ADMIN) {
		if (tx_begin_or_reply(r) != 0)
			return;
		if (session_end(r->db, r->who.session_id) != 0 ||
		    req_audit(r, 0, "admin_logout", NULL) != 0) {
			tx_fail(r);
			return;
		}
		if (tx_commit_or_reply(r) != 0)
			return;
		session_cookie_clear(r, true);
	}
	reply_empty(r, 204);
}

/*
 * GET /api/v1/admin/me
 * 200 {admin: {id, email, name}, csrf_token} (null for an API token); 401.
 */
void
h_admin_me(struct req *r)
{
	reply_admin(r, 200, &r->who);
}

struct owner_in {
	long long	 user_id;	/* 0 when given by email */
	char		 email[EMAIL_MAX + 1];
	char		 first[4 * NAME_MAX_CHARS + 1];
	char		 last[4 * NAME_MAX_CHARS + 1];
};

/*
 * The owner of a new client: {user_id} of an existing user, or {email,
 * first_name, last_name} (names default to the client's). 0, or -1 after
 * replying 422.
 */
static int
owner_parse_or_reply(struct req *r, const cJSON *owner, const char *first,
    const char *last, struct owner_in *in)
{
	int	has;

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsObject(owner)) {
		reply_err_msg(r, ERR_INVALID_INPUT, "owner", "owner must be "
		    "{user_id} or {email, first_name, last_name}.");
		return -1;
	}
	if ((has = input_id_or_reply(r, owner, "user_id", "owner.user_id",
	    false, &in->user_id)) != 0)
		return has < 0 ? -1 : 0;
	if (input_email_or_reply(r, owner, "email", "owner.email", true,
	    in->email) < 0)
		return -1;
	if ((has = input_name_or_reply(r, owner, "first_name",
	    "owner.first_name", false, 0, in->first)) < 0)
		return -1;
	if (has == 0)
		(void)str_copy(in->first, sizeof(in->first), first);
	if ((has = input_name_or_reply(r, owner, "last_name",
	    "owner.last_name", false, 0, in->last)) < 0)
		return -1;
	if (has == 0)
		(void)str_copy(in->last, sizeof(in->last), last);
	return 0;
}

/* Create the client of the parsed request and answer 201 {client}. */
static void
client_write(struct req *r, const char *company, const char *first,
    const char *last, enum client_status st, const struct owner_in *oin)
{
	struct client_new	 in = {
		.company_name = company, .first_name = first,
		.last_name = last, .status = st,
		.owner_user_id = oin->user_id, .owner_email = oin->email,
		.owner_first = oin->first, .owner_last = oin->last,
	};
	struct flow		 f;
	struct client		 c;

	req_flow(r, &f);
	if (client_admin_create(&f, &in, &c) != ERR_NONE) {
		reply_fault(r, &f.fault);
		return;
	}
	reply_wrapped_json(r, 201, "client", client_to_json(&c));
}

/*
 * POST /api/v1/admin/clients {company_name, first_name, last_name, status,
 * owner: {user_id} | {email, first_name, last_name}}
 * 201 {client}; 404 not_found (owner.user_id); 409 email_unverified
 * (owner.email); 422 invalid_input.
 */
void
h_admin_client_create(struct req *r)
{
	struct owner_in	 oin;
	const cJSON	*owner;
	const char	*status = "active";
	char		 company[4 * NAME_MAX_CHARS + 1] = "";
	char		 first[4 * NAME_MAX_CHARS + 1], last[4 * NAME_MAX_CHARS + 1];
	enum client_status st;

	if (input_name_or_reply(r, r->json, "company_name", "company_name",
	    false, 0, company) < 0 ||
	    input_name_or_reply(r, r->json, "first_name", "first_name", true, 1,
	    first) < 0 ||
	    input_name_or_reply(r, r->json, "last_name", "last_name", true, 1,
	    last) < 0 ||
	    input_string_or_reply(r, r->json, "status", "status", false,
	    &status) < 0)
		return;
	if (client_status_parse(status, &st) != 0) {
		reply_err_msg(r, ERR_INVALID_INPUT, "status", "status is "
		    "active, inactive or closed.");
		return;
	}
	owner = cJSON_GetObjectItemCaseSensitive(r->json, "owner");
	if (owner == NULL) {
		reply_err_msg(r, ERR_INVALID_INPUT, "owner",
		    "owner is required.");
		return;
	}
	if (owner_parse_or_reply(r, owner, first, last, &oin) < 0)
		return;
	client_write(r, company, first, last, st, &oin);
}

/* ?search= trimmed (caller frees; "" when absent). NULL after a 422. */
static char *
search_or_reply(struct req *r)
{
	char	*s = NULL, *t;
	int	 rc;

	if ((rc = req_query(r, "search", &s)) < 0 ||
	    (rc == 1 && strlen(s) > 200)) {
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
client_into(const struct client *c, void *arg)
{
	cJSON_AddItemToArray(arg, client_to_json(c));
}

/*
 * GET /api/v1/admin/clients?search=&page=
 * 200 {clients:[client], page, per_page, total}; 422 for a bad page.
 */
void
h_admin_client_list(struct req *r)
{
	char		*search;
	long long	 total;
	long		 page;
	int		 rc;
	cJSON		*body, *list;

	if (input_page_or_reply(r, &page) < 0 ||
	    (search = search_or_reply(r)) == NULL)
		return;
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "clients");
	rc = client_admin_search(r->db, search, page, &total, client_into,
	    list);
	free(search);
	if (rc != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	json_add_int(body, "page", page);
	json_add_int(body, "per_page", CLIENTS_PER_PAGE);
	json_add_int(body, "total", total);
	reply_json(r, 200, body);
}

static void
user_into(const struct user *u, void *arg)
{
	cJSON_AddItemToArray(arg, user_to_json(u));
}

/*
 * GET /api/v1/admin/users?search=
 * 200 {users:[user]}: at most 20 whose email, first name, last name or
 * full name starts with the search, case-insensitively.
 */
void
h_admin_user_search(struct req *r)
{
	char	*search;
	int	 rc;
	cJSON	*body, *list;

	if ((search = search_or_reply(r)) == NULL)
		return;
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "users");
	rc = admin_users_select(r->db, search, user_into, list);
	free(search);
	if (rc != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	reply_json(r, 200, body);
}

/*
 * GET /api/v1/admin/clients/{id}
 * 200 {client, users:[member] (owner first), invites:[invite] (pending and
 * expired)}; 404 not_found.
 */
void
h_admin_client_get(struct req *r)
{
	cJSON	*client = NULL, *body;
	int	 rc;

	if ((rc = clients_get_json(r->db, r->ids[0], &client)) != 1) {
		if (rc == 0)
			reply_err_msg(r, ERR_NOT_FOUND, NULL, MSG_NO_CLIENT);
		else
			reply_db_error(r);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "client", client);
	if (people_json(r->db, r->ids[0], false, body) != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	reply_json(r, 200, body);
}
