/* h_auth.c: register, login, logout and password reset for users. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "enqueue.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "login.h"
#include "password.h"
#include "session.h"
#include "templates.h"
#include "token.h"
#include "tx.h"
#include "users.h"
#include "validate.h"
#include "views.h"
#include "banned.h"

/*
 * At most this many reset emails per user in this many minutes, so nobody
 * is mail-bombed through the form, while a person who asks again (the
 * first mail was slow, or deleted) still gets a link.
 */
#define RESET_BURST	"5"
#define RESET_WINDOW	"15"

static struct stmt st_email_taken = STMT(
    "SELECT 1 FROM users WHERE lower(email) = lower($1)", 1);
static struct stmt st_register = STMT(
    "INSERT INTO users (email, first_name, last_name, password_hash,"
    " email_verified_at, last_login_at)"
    " VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END, now())"
    " RETURNING id", 5);
static struct stmt st_logged_in = STMT(
    "UPDATE users SET last_login_at = now() WHERE id = $1", 1);
/*
 * A reset request does the same work whether or not a link goes out: one
 * row from st_reset_user for any address (send false when nobody has it,
 * or when its user is past the cap), then the same token, hash, rendered
 * email and statements, whose writes are made only when send is true,
 * and an audit row either way. The 202 and its time are the same.
 */
static struct stmt st_reset_user = STMT(
    "SELECT u.id, u.email, u.first_name, u.id IS NOT NULL AND (SELECT"
    " count(*) FROM password_resets p WHERE p.user_id = u.id AND"
    " p.created_at > now() - interval '" RESET_WINDOW " minutes') < "
    RESET_BURST " FROM (VALUES (1)) one"
    " LEFT JOIN users u ON lower(u.email) = lower($1)", 1);
static struct stmt st_reset_insert = STMT(
    "INSERT INTO password_resets (user_id, token_hash, expires_at, email_id)"
    " SELECT $1::bigint, $2::bytea, now() + make_interval(secs => $3::int),"
    " $4::bigint WHERE $5::bool", 5);
static struct stmt st_reset_take = STMT(
    "SELECT p.user_id, u.email FROM password_resets p"
    " JOIN users u ON u.id = p.user_id"
    " WHERE p.token_hash = $1 AND p.used_at IS NULL AND p.expires_at > now()"
    " FOR UPDATE OF p", 1);
static struct stmt st_reset_used = STMT(
    "UPDATE password_resets SET used_at = now()"
    " WHERE user_id = $1 AND used_at IS NULL", 1);
static struct stmt st_set_password = STMT(
    "UPDATE users SET password_hash = $2,"
    " email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1",
    2);

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

static void
reply_email_taken(struct req *r, const char *field)
{
	reply_err(r, ERR_EMAIL_TAKEN, field);
}

int
registration_prepare_or_reply(struct req *r, const cJSON *obj,
    const char *prefix, struct registration *reg)
{
	struct db_res	*res;
	const char	*password;
	char		 f[4][48];
	int		 taken;

	snprintf(f[0], sizeof(f[0]), "%semail", prefix);
	snprintf(f[1], sizeof(f[1]), "%spassword", prefix);
	snprintf(f[2], sizeof(f[2]), "%sfirst_name", prefix);
	snprintf(f[3], sizeof(f[3]), "%slast_name", prefix);
	if (input_email_or_reply(r, obj, "email", f[0], true, reg->email) < 0 ||
	    input_password_or_reply(r, obj, "password", f[1], &password) < 0 ||
	    input_name_or_reply(r, obj, "first_name", f[2], true, 1,
	    reg->first) < 0 ||
	    input_name_or_reply(r, obj, "last_name", f[3], true, 1,
	    reg->last) < 0)
		return -1;
	/* no hash work for an address that cannot register */
	if ((res = DB_EXEC(r->db, &st_email_taken, reg->email)) == NULL) {
		reply_db_error(r);
		return -1;
	}
	taken = db_rows(res);
	db_res_free(res);
	if (taken) {
		reply_email_taken(r, f[0]);
		return -1;
	}
	if (password_hash(r->cfg, password, reg->phc) != 0) {
		reply_err_msg(r, ERR_INTERNAL, NULL, MSG_HASH_FAILED);
		return -1;
	}
	snprintf(reg->email_field, sizeof(reg->email_field), "%s", f[0]);
	return 0;
}

int
registration_insert_or_reply(struct req *r, const struct registration *reg,
    bool verified, long long *id)
{
	struct db_res	*res;

	res = DB_EXEC(r->db, &st_register, reg->email, reg->first, reg->last,
	    reg->phc, verified ? "true" : "false");
	if (res == NULL) {
		if (db_error(r->db) != DB_UNIQUE)
			return tx_fail(r);
		db_rollback(r->db);
		reply_email_taken(r, reg->email_field);
		return -1;
	}
	*id = db_int(res, 0, 0);
	db_res_free(res);
	return 0;
}

/*
 * POST /api/v1/auth/register {email, password, first_name, last_name}
 * 201 {user, accounts, csrf_token} and a session cookie;
 * 409 email_taken; 422 invalid_input.
 */
void
h_register(struct req *r)
{
	struct principal	who;
	struct registration	reg;
	long long		id;

	if (registration_prepare_or_reply(r, r->json, "", &reg) != 0)
		return;
	if (tx_begin_or_reply(r) != 0)
		return;
	if (registration_insert_or_reply(r, &reg, false, &id) != 0)
		return;
	if (session_end_presented(r, false) != 0 ||
	    session_create(r->db, r->cfg, false, id, 0, &who) != 0) {
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
 * 200 {user, accounts, csrf_token} and a new session cookie;
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

	if (input_email_or_reply(r, r->json, "email", "email", true, email) < 0 ||
	    input_string_or_reply(r, r->json, "password", "password", true,
	    &password) < 0)
		return;
	if (!login_check_or_reply(r, false, email, password, &id))
		return;
	if (accounts_json(r->db, id, &accounts, &first_open) != 0) {
		reply_db_error(r);
		return;
	}
	cJSON_Delete(accounts);
	if (tx_begin_or_reply(r) != 0)
		return;
	if (session_end_presented(r, false) != 0 ||
	    session_create(r->db, r->cfg, false, id, first_open, &who) != 0) {
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
 * The writes of a reset request in one transaction: the link and its email
 * when send is true, the same statements writing nothing when not, and the
 * audit row (details user_id when the address is a user's, and sent). 0,
 * or -1 with the reply sent.
 */
static int
reset_write_or_reply(struct req *r, const char *email, long long user_id,
    bool send, const char *token, const struct email *mail)
{
	struct audit_details	 details = { 0 };
	char			 hash[TOKEN_HASH_PARAM];
	long long		 email_id;
	int			 rc;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (email_enqueue_if(r->db, mail, send, &email_id) != 0 ||
	    tx_exec_or_reply(r, DB_EXEC(r->db, &st_reset_insert,
	    DB_INT(user_id), token_hash_param(token, hash),
	    DB_INT(r->cfg->password_reset_ttl), DB_INT(email_id),
	    send ? "t" : "f")) != 0)
		return tx_fail(r);
	if (user_id != 0)
		audit_detail_int(&details, "user_id", user_id);
	audit_detail_bool(&details, "sent", send);
	rc = audit_record(r->db, &(struct actor){ .kind = ACTOR_ANONYMOUS,
	    .email = email, .ip = r->remote_addr }, 0,
	    "password_reset_requested", &details);
	audit_details_release(&details);
	if (rc != 0)
		return tx_fail(r);
	return tx_commit_or_reply(r);
}

/*
 * POST /api/v1/auth/password-reset {email}
 * 202 whatever the email (no enumeration, not even of what we accept as an
 * address, nor by the time it takes). When the user exists and has not had
 * RESET_BURST links in RESET_WINDOW minutes, queues a Password Reset email
 * with a single-use link. 422 only when "email" is missing or not a
 * string.
 */
void
h_password_reset(struct req *r)
{
	struct db_res	*res;
	struct email	 mail = { 0 };
	struct buf	 link = { 0 };
	char		 email[EMAIL_MAX + 1], token[TOKEN_LEN + 1];
	const char	*given, *to, *name;
	bool		 send;

	if (input_string_or_reply(r, r->json, "email", "email", true,
	    &given) < 0)
		return;
	if (email_check(given, email, sizeof(email)) != NULL) {
		reply_reset_requested(r);
		return;
	}
	if ((res = DB_EXEC(r->db, &st_reset_user, email)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (token_new(token) != 0) {
		db_res_free(res);
		reply_err_msg(r, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
		return;
	}
	send = db_bool(res, 0, 3);
	to = db_isnull(res, 0, 1) ? email : db_str(res, 0, 1);
	name = db_isnull(res, 0, 2) ? "" : db_str(res, 0, 2);
	buf_printf(&link, "%s/reset-password#%s", r->cfg->public_url, token);
	template_password_reset(r->cfg, to, name, link.data,
	    r->cfg->password_reset_ttl, &mail);
	if (reset_write_or_reply(r, email, db_int(res, 0, 0), send, token,
	    &mail) == 0)
		reply_reset_requested(r);
	explicit_bzero(token, sizeof(token));
	db_res_free(res);
	buf_release(&link);
	email_release(&mail);
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
	struct db_res	*res;
	const char	*token, *password;
	char		 hash[TOKEN_HASH_PARAM], phc[PASSWORD_PHC_MAX], uid[24];
	char		 email[EMAIL_MAX + 1];
	long long	 user_id;

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
	if (tx_begin_or_reply(r) != 0)
		return;
	res = DB_EXEC(r->db, &st_reset_take, token_hash_param(token, hash));
	if (res == NULL) {
		tx_fail(r);
		return;
	}
	if (db_rows(res) != 1) {
		db_res_free(res);
		db_rollback(r->db);
		reply_err_msg(r, ERR_INVALID_INPUT, "token", "This reset link "
		    "is not valid any more (used or expired): ask for a new "
		    "one.");
		return;
	}
	user_id = db_int(res, 0, 0);
	snprintf(email, sizeof(email), "%s", db_str(res, 0, 1));
	db_res_free(res);
	db_fmt_int(uid, user_id);
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_set_password, uid, phc)) != 0 ||
	    tx_exec_or_reply(r, DB_EXEC(r->db, &st_reset_used, uid)) != 0)
		return;
	if (login_forgive(r->db, false, user_id) != 0) {
		tx_fail(r);
		return;
	}
	if (session_end_all_of_user(r->db, user_id) != 0 ||
	    audit_record(r->db, &(struct actor){ .kind = ACTOR_MEMBER,
	    .id = user_id, .email = email, .ip = r->remote_addr }, 0,
	    "password_changed", NULL) != 0) {
		tx_fail(r);
		return;
	}
	if (tx_commit_or_reply(r) != 0)
		return;
	reply_empty(r, 204);
}
