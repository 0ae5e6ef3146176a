/*
 * h_admin.c: the Admin Area's sign-in, client accounts and the user search
 * of "Select User". Every route here needs an administrator (cookie with
 * CSRF for state changes, or an API token).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
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

#define CLIENTS_PER_PAGE	25
#define USER_SEARCH_MAX		"20"

static struct stmt st_admin = STMT(
    "SELECT id, email, name, totp_enabled_at IS NOT NULL FROM admins"
    " WHERE id = $1", 1);
static struct stmt st_admin_logged_in = STMT(
    "UPDATE admins SET last_login_at = now() WHERE id = $1", 1);
static struct stmt st_client_create = STMT(
    "INSERT INTO clients (company_name, first_name, last_name, status,"
    " owner_user_id) VALUES ($1, $2, $3, $4, $5) RETURNING id", 5);
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
static struct stmt st_clients_count = STMT(
    "SELECT count(*)" CLIENT_MATCH, 1);
static struct stmt st_clients_page = STMT(
    "SELECT " CLIENT_COLS CLIENT_MATCH
    " ORDER BY lower(c.company_name), c.id LIMIT $2 OFFSET $3", 3);

static struct stmt st_user_search = STMT(
    "SELECT " USER_COLS " FROM users u"
    " WHERE lower(u.email) LIKE $1 OR lower(u.first_name) LIKE $1"
    " OR lower(u.last_name) LIKE $1"
    " OR lower(u.first_name || ' ' || u.last_name) LIKE $1"
    " ORDER BY lower(u.email) LIMIT " USER_SEARCH_MAX, 1);

/*
 * A LIKE pattern for s, lowercased by SQL: "%s%" (contains) or "s%"
 * (prefix), with the wildcards of s escaped. "" when s is empty.
 */
static char *
like_pattern(const char *s, bool contains)
{
	struct buf	b = { 0 };

	buf_puts(&b, "");
	if (*s == '\0')
		return buf_detach(&b);
	if (contains)
		buf_putc(&b, '%');
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') :
		    *s);
	}
	buf_putc(&b, '%');
	return buf_detach(&b);
}

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

/*
 * Inside the transaction: the owner's user id, creating a user without a
 * password for an unknown email. 0 with *id and *created set, or -1 after
 * rolling back and replying (404 for an unknown user_id; 409
 * email_unverified for an address someone registered and never verified:
 * anyone can register any address, and would own the account).
 */
static int
owner_resolve_or_reply(struct req *r, const struct owner_in *in,
    long long *id, bool *created)
{
	struct user_ref	 u;
	int		 found;

	*created = false;
	if (in->user_id > 0) {
		if ((found = users_by_id(r->db, in->user_id, &u)) < 0)
			return tx_fail(r);
		if (!found) {
			db_rollback(r->db);
			reply_err_msg(r, ERR_NOT_FOUND, "owner.user_id",
			    MSG_NO_USER);
			return -1;
		}
		*id = in->user_id;
		return 0;
	}
	if (users_find_or_create(r->db, in->email, in->first, in->last,
	    &u) != 0)
		return tx_fail(r);
	if (!u.created && !u.verified) {
		db_rollback(r->db);
		reply_err_msg(r, ERR_EMAIL_UNVERIFIED, "owner.email", "A user "
		    "has registered this address but not verified it: pick the "
		    "user after checking who they are, or another owner.");
		return -1;
	}
	*id = u.id;
	*created = u.created;
	return 0;
}

/* The client, its owner's membership and its audit entry; answered. */
static void
client_write(struct req *r, const char *company, const char *first,
    const char *last, const char *status, const struct owner_in *oin)
{
	struct db_res		*res;
	struct audit_details	 details = { 0 };
	long long		 owner_id = 0, client_id;
	bool			 created;
	int			 rc;
	cJSON			*client = NULL;

	if (tx_begin_or_reply(r) != 0)
		return;
	if (owner_resolve_or_reply(r, oin, &owner_id, &created) < 0)
		return;
	res = DB_EXEC(r->db, &st_client_create, company, first, last, status,
	    DB_INT(owner_id));
	if (res == NULL) {
		tx_fail(r);
		return;
	}
	client_id = db_int(res, 0, 0);
	db_res_free(res);
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_owner_member,
	    DB_INT(client_id), DB_INT(owner_id))) != 0)
		return;
	audit_detail_str(&details, "company_name", company);
	audit_detail_int(&details, "owner_user_id", owner_id);
	audit_detail_bool(&details, "owner_created", created);
	audit_detail_str(&details, "owner_bound_by", oin->user_id > 0 ?
	    "user_id" : "email");
	rc = req_audit(r, client_id, "client_created", &details);
	audit_details_release(&details);
	if (rc != 0 || clients_get_json(r->db, client_id, &client) != 1) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0) {
		cJSON_Delete(client);
		return;
	}
	reply_wrapped_json(r, 201, "client", client);
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
	client_write(r, company, first, last, status, &oin);
}

/* Read ?search= into a LIKE pattern (caller frees). NULL after replying. */
static char *
search_or_reply(struct req *r, bool contains)
{
	char	*s = NULL, *pat;
	int	 rc;

	if ((rc = req_query(r, "search", &s)) < 0 ||
	    (rc == 1 && strlen(s) > 200)) {
		free(s);
		reply_err_msg(r, ERR_INVALID_INPUT, "search", "The search is "
		    "malformed or too long.");
		return NULL;
	}
	pat = like_pattern(s ? str_trim(s) : "", contains);
	free(s);
	return pat;
}

/*
 * GET /api/v1/admin/clients?search=&page=
 * 200 {clients:[client], page, per_page, total}; 422 for a bad page.
 */
void
h_admin_client_list(struct req *r)
{
	struct db_res	*count = NULL, *res = NULL;
	struct client	 c;
	char		*pat, lim[24], off[24];
	long		 page;
	cJSON		*body, *list;
	int		 i;

	if (input_page_or_reply(r, &page) < 0 || (pat = search_or_reply(r, true)) ==
	    NULL)
		return;
	count = DB_EXEC(r->db, &st_clients_count, pat);
	if (count != NULL)
		res = DB_EXEC(r->db, &st_clients_page, pat,
		    db_fmt_int(lim, CLIENTS_PER_PAGE),
		    db_fmt_int(off, (page - 1) * CLIENTS_PER_PAGE));
	free(pat);
	if (res == NULL) {
		db_res_free(count);
		reply_db_error(r);
		return;
	}
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "clients");
	for (i = 0; i < db_rows(res); i++) {
		client_read(res, i, 0, &c);
		cJSON_AddItemToArray(list, client_to_json(&c));
	}
	json_add_int(body, "page", page);
	json_add_int(body, "per_page", CLIENTS_PER_PAGE);
	json_add_int(body, "total", db_int(count, 0, 0));
	db_res_free(count);
	db_res_free(res);
	reply_json(r, 200, body);
}

/*
 * GET /api/v1/admin/users?search=
 * 200 {users:[user]}: at most 20 whose email, first name, last name or
 * full name starts with the search, case-insensitively.
 */
void
h_admin_user_search(struct req *r)
{
	struct db_res	*res;
	struct user	 u;
	char		*pat;
	cJSON		*body, *list;
	int		 i;

	if ((pat = search_or_reply(r, false)) == NULL)
		return;
	if (*pat == '\0') {
		free(pat);
		pat = xstrdup("%");
	}
	res = DB_EXEC(r->db, &st_user_search, pat);
	free(pat);
	if (res == NULL) {
		reply_db_error(r);
		return;
	}
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "users");
	for (i = 0; i < db_rows(res); i++) {
		user_read(res, i, 0, &u);
		cJSON_AddItemToArray(list, user_to_json(&u));
	}
	db_res_free(res);
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
