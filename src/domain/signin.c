/* signin.c: the password check, new users and password reset; see
 * signin.h. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "enqueue.h"
#include "log.h"
#include "password.h"
#include "signin.h"
#include "templates.h"
#include "token.h"
#include "banned.h"

/*
 * At most this many reset emails per user in this many minutes, so nobody
 * is mail-bombed through the form, while a person who asks again (the
 * first mail was slow, or deleted) still gets a link.
 */
#define RESET_BURST	"5"
#define RESET_WINDOW	"15"

static struct stmt st_throttle = STMT(
    "SELECT count(*), COALESCE(ceil(extract(epoch FROM"
    " min(at) + make_interval(secs => $2::int) - now())), 0)::int"
    " FROM login_failures"
    " WHERE login_key = $1 AND at > now() - make_interval(secs => $2::int)",
    2);
/*
 * Every attempt is first counted as a failure, under a lock on its key, and
 * forgiven when the password is right: attempts racing in parallel cannot
 * all pass a count taken before any of them failed. The lock is taken by
 * its own statement, so the count (a later statement, a later snapshot)
 * sees every attempt committed before it.
 */
static struct stmt st_key_lock = STMT(
    "SELECT pg_advisory_xact_lock(72851, hashtext($1))", 1);
static struct stmt st_reserve = STMT(
    "INSERT INTO login_failures (login_key) SELECT $1"
    " WHERE (SELECT count(*) FROM login_failures WHERE login_key = $1"
    " AND at > now() - make_interval(secs => $2::int)) < $3::int"
    " RETURNING id", 3);
static struct stmt st_forgive = STMT(
    "DELETE FROM login_failures WHERE login_key = $1", 1);
/*
 * The user (or administrator) an address reaches, found by the database's
 * own folding, and that folding of the address: one row either way, so an
 * unknown address costs the statement a known one does.
 */
static struct stmt st_user = STMT(
    "SELECT u.id, u.password_hash, lower($1), u.totp_enabled_at IS NOT NULL,"
    " u.status = 'disabled'"
    " FROM (VALUES (1)) one"
    " LEFT JOIN users u ON lower(u.email) = lower($1)", 1);
static struct stmt st_admin = STMT(
    "SELECT a.id, a.password_hash, lower($1), a.totp_enabled_at IS NOT NULL,"
    " false FROM (VALUES (1)) one"
    " LEFT JOIN admins a ON lower(a.email) = lower($1)", 1);
static struct stmt st_rehash_user = STMT(
    "UPDATE users SET password_hash = $2 WHERE id = $1", 2);
static struct stmt st_rehash_admin = STMT(
    "UPDATE admins SET password_hash = $2 WHERE id = $1", 2);

static struct stmt st_email_taken = STMT(
    "SELECT 1 FROM users WHERE lower(email) = lower($1)", 1);
static struct stmt st_register = STMT(
    "INSERT INTO users (email, first_name, last_name, password_hash,"
    " email_verified_at, last_login_at)"
    " VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END, now())"
    " RETURNING id", 5);

/*
 * A reset request does the same work whether or not a link goes out: one
 * row from st_reset_user for any address (send false when nobody has it,
 * or when its user is past the cap), then the same token, hash, rendered
 * email and statements, whose writes are made only when send is true,
 * and an audit row either way.
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
static struct stmt st_reset_usable = STMT(
    "SELECT 1 FROM password_resets"
    " WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()", 1);
static struct stmt st_reset_used = STMT(
    "UPDATE password_resets SET used_at = now()"
    " WHERE user_id = $1 AND used_at IS NULL", 1);
static struct stmt st_set_password = STMT(
    "UPDATE users SET password_hash = $2,"
    " email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1",
    2);
static struct stmt st_end_sessions = STMT(
    "DELETE FROM sessions WHERE user_id = $1", 1);

/*
 * An attempt's key in login_failures. Never the spelling typed: under a
 * UTF-8 locale lower() folds "nİcK@" to "nick@", so each spelling would
 * open a counter of its own. An address that reaches someone counts
 * against that one: "user#ID" or "admin#ID". An address that reaches
 * nobody counts as the database folds it: "user:" or "admin:" and
 * lower(email), as the row of st_user or st_admin gives it ('#' against
 * ':' after the kind: the two forms never meet).
 */
static void
key_of_id(bool admin, long long id, char key[LOGIN_KEY_MAX])
{
	snprintf(key, LOGIN_KEY_MAX, "%s#%lld", admin ? "admin" : "user", id);
}

/* 0, or -1 when it would not fit (never cut: it would be another key). */
static int
key_of_address(bool admin, const char *folded, char key[LOGIN_KEY_MAX])
{
	int	 n;

	if (folded == NULL)
		return -1;
	n = snprintf(key, LOGIN_KEY_MAX, "%s:%s", admin ? "admin" : "user",
	    folded);
	return n >= 0 && (size_t)n < LOGIN_KEY_MAX ? 0 : -1;
}

int
signin_forgive(struct db *db, bool admin, long long id)
{
	char	key[LOGIN_KEY_MAX];

	key_of_id(admin, id, key);
	return DB_DONE(db, &st_forgive, key);
}

/* Replace a hash made with other parameters; failure only costs a log. */
static void
rehash(struct flow *f, bool admin, long long id, const char *password)
{
	char	phc[PASSWORD_PHC_MAX];

	if (password_hash(f->cfg, password, phc) != 0)
		return;
	if (DB_DONE(f->db, admin ? &st_rehash_admin : &st_rehash_user,
	    DB_INT(id), phc) == 0)
		log_info("%s %lld: password hash upgraded to the configured "
		    "parameters", admin ? "admin" : "user", id);
}

/*
 * Count this attempt as a failure of key, unless key already has its
 * login_max_failures in the window: ERR_TOO_MANY_ATTEMPTS with
 * retry_after.
 */
static enum err
reserve(struct flow *f, const char *key)
{
	struct db_res	*res;
	bool		 reserved;
	long long	 retry;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE ||
	    (e = flow_exec(f, DB_EXEC(f->db, &st_key_lock, key))) != ERR_NONE)
		return e;
	if ((res = DB_EXEC(f->db, &st_reserve, key,
	    DB_INT(f->cfg->login_failure_window),
	    DB_INT(f->cfg->login_max_failures))) == NULL)
		return flow_db_fail(f);
	reserved = db_rows(res) == 1;
	db_res_free(res);
	if ((e = flow_commit(f)) != ERR_NONE || reserved)
		return e;
	if ((res = DB_EXEC(f->db, &st_throttle, key,
	    DB_INT(f->cfg->login_failure_window))) == NULL)
		return flow_db_fail(f);
	retry = db_int(res, 0, 1);
	db_res_free(res);
	e = flow_fail(f, ERR_TOO_MANY_ATTEMPTS, NULL, NULL);
	f->fault.retry_after = retry > 0 ? retry : 1;
	return e;
}

/*
 * What a password check found, when it is not a login: a wrong password
 * (audited; the attempt stays counted), ERR_INVALID_CREDENTIALS; a
 * disabled user (DESIGN §9), ERR_USER_DISABLED, told only after the right
 * password (to anyone else the address answers as every address does;
 * the attempt stays counted). ERR_NONE otherwise.
 */
static enum err
password_verdict(struct flow *f, bool admin, const char *email, bool ok,
    bool disabled)
{
	if (!ok) {
		if (audit_record(f->db, &(struct actor){
		    .kind = ACTOR_ANONYMOUS, .email = email, .ip = f->who.ip },
		    0, admin ? "admin_login_failed" : "login_failed", NULL) != 0)
			return flow_db_fail(f);
		return flow_fail(f, ERR_INVALID_CREDENTIALS, NULL, NULL);
	}
	if (disabled)
		return flow_fail(f, ERR_USER_DISABLED, NULL, "This user is "
		    "disabled: ask the site's support to enable it.");
	return ERR_NONE;
}

enum err
signin_check(struct flow *f, bool admin, const char *email,
    const char *password, long long *id)
{
	return signin_password(f, admin, email, password, id, NULL);
}

enum err
signin_password(struct flow *f, bool admin, const char *email,
    const char *password, long long *id, bool *two_factor)
{
	struct db_res	*res;
	char		 key[LOGIN_KEY_MAX];
	const char	*phc = NULL;
	long long	 found_id = 0;
	bool		 ok, second_step;
	enum err	 e;

	if ((res = DB_EXEC(f->db, admin ? &st_admin : &st_user, email)) == NULL)
		return flow_db_fail(f);
	if (!db_isnull(res, 0, 0)) {
		found_id = db_int(res, 0, 0);
		phc = db_str(res, 0, 1);
		key_of_id(admin, found_id, key);
	} else if (key_of_address(admin, db_str(res, 0, 2), key) != 0) {
		db_res_free(res);
		return flow_fail(f, ERR_INTERNAL, NULL, "The address is too "
		    "long to count attempts by.");
	}
	if ((e = reserve(f, key)) != ERR_NONE) {
		db_res_free(res);
		return e;
	}
	if (phc != NULL)
		ok = password_verify(phc, password);
	else {
		password_burn(f->cfg, password);
		ok = false;
	}
	if ((e = password_verdict(f, admin, email, ok, ok &&
	    db_bool(res, 0, 4))) != ERR_NONE) {
		db_res_free(res);
		return e;
	}
	if (password_needs_rehash(f->cfg, phc))
		rehash(f, admin, found_id, password);
	/*
	 * With 2FA on the login is not done: this attempt stays counted as
	 * a failure, and the earlier ones too, until the code is right
	 * (the second step forgives them all). So a challenge killed by
	 * five wrong codes, or left unanswered, is a failed login, and
	 * knowing the password alone never wipes the count.
	 */
	second_step = two_factor != NULL && db_bool(res, 0, 3);
	db_res_free(res);
	if (!second_step && signin_forgive(f->db, admin, found_id) != 0)
		return flow_db_fail(f);
	if (two_factor != NULL)
		*two_factor = second_step;
	*id = found_id;
	return ERR_NONE;
}

enum err
signin_email_free(struct flow *f, const char *email, const char *field)
{
	struct db_res	*res;
	int		 taken;

	if ((res = DB_EXEC(f->db, &st_email_taken, email)) == NULL)
		return flow_db_fail(f);
	taken = db_rows(res);
	db_res_free(res);
	return taken ? flow_fail(f, ERR_EMAIL_TAKEN, field, NULL) : ERR_NONE;
}

enum err
signin_user_insert(struct flow *f, const char *email, const char *first,
    const char *last, const char *phc, bool verified, const char *field,
    long long *id)
{
	struct db_res	*res;

	res = DB_EXEC(f->db, &st_register, email, first, last, phc,
	    verified ? "true" : "false");
	if (res == NULL)
		return db_error(f->db) == DB_UNIQUE ?
		    flow_fail(f, ERR_EMAIL_TAKEN, field, NULL) :
		    flow_db_fail(f);
	*id = db_int(res, 0, 0);
	db_res_free(res);
	return ERR_NONE;
}

/*
 * The writes of a reset request in one transaction: the link and its
 * email when send is true, the same statements writing nothing when not,
 * and the audit row (details user_id when the address is a user's, and
 * sent).
 */
static enum err
reset_write(struct flow *f, const char *email, long long user_id, bool send,
    const char *token, const struct email *mail)
{
	struct audit_details	 details = { 0 };
	char			 hash[TOKEN_HASH_PARAM];
	long long		 email_id;
	int			 rc;
	enum err		 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if (email_enqueue_if(f->db, mail, send, &email_id) != 0)
		return flow_db_fail(f);
	if ((e = flow_exec(f, DB_EXEC(f->db, &st_reset_insert, DB_INT(user_id),
	    token_hash_param(token, hash), DB_INT(f->cfg->password_reset_ttl),
	    DB_INT(email_id), send ? "t" : "f"))) != ERR_NONE)
		return e;
	if (user_id != 0)
		audit_detail_int(&details, "user_id", user_id);
	audit_detail_bool(&details, "sent", send);
	rc = audit_record(f->db, &(struct actor){ .kind = ACTOR_ANONYMOUS,
	    .email = email, .ip = f->who.ip }, 0, "password_reset_requested",
	    &details);
	audit_details_release(&details);
	if (rc != 0)
		return flow_db_fail(f);
	return flow_commit(f);
}

enum err
signin_reset_request(struct flow *f, const char *email)
{
	struct db_res	*res;
	struct email	 mail = { 0 };
	struct buf	 link = { 0 };
	char		 token[TOKEN_LEN + 1];
	const char	*to, *name;
	enum err	 e;

	if ((res = DB_EXEC(f->db, &st_reset_user, email)) == NULL)
		return flow_db_fail(f);
	if (token_new(token) != 0) {
		db_res_free(res);
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	}
	to = db_isnull(res, 0, 1) ? email : db_str(res, 0, 1);
	name = db_isnull(res, 0, 2) ? "" : db_str(res, 0, 2);
	buf_printf(&link, "%s/reset-password#%s", f->cfg->public_url, token);
	template_password_reset(f->cfg, to, name, link.data,
	    f->cfg->password_reset_ttl, &mail);
	e = reset_write(f, email, db_int(res, 0, 0), db_bool(res, 0, 3), token,
	    &mail);
	explicit_bzero(token, sizeof(token));
	explicit_bzero(link.data, link.len);
	db_res_free(res);
	buf_release(&link);
	email_release(&mail);
	return e;
}

/* The refusal of a link that is unknown, used or expired. */
static enum err
reset_link_dead(struct flow *f)
{
	return flow_fail(f, ERR_INVALID_INPUT, "token", "This reset link is "
	    "not valid any more (used or expired): ask for a new one.");
}

enum err
signin_reset_check(struct flow *f, const char *token)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	bool		 usable;

	res = DB_EXEC(f->db, &st_reset_usable, token_hash_param(token, hash));
	if (res == NULL)
		return flow_db_fail(f);
	usable = db_rows(res) == 1;
	db_res_free(res);
	return usable ? ERR_NONE : reset_link_dead(f);
}

enum err
signin_reset_confirm(struct flow *f, const char *token, const char *phc)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM], email[TEXT_EMAIL];
	long long	 user_id;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_reset_take, token_hash_param(token, hash));
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return reset_link_dead(f);
	}
	user_id = db_int(res, 0, 0);
	(void)str_copy(email, sizeof(email), db_str(res, 0, 1));
	db_res_free(res);
	if ((e = flow_exec(f, DB_EXEC(f->db, &st_set_password, DB_INT(user_id),
	    phc))) != ERR_NONE ||
	    (e = flow_exec(f, DB_EXEC(f->db, &st_reset_used,
	    DB_INT(user_id)))) != ERR_NONE)
		return e;
	if (signin_forgive(f->db, false, user_id) != 0 ||
	    DB_DONE(f->db, &st_end_sessions, DB_INT(user_id)) != 0 ||
	    audit_record(f->db, &(struct actor){ .kind = ACTOR_MEMBER,
	    .id = user_id, .email = email, .ip = f->who.ip }, 0,
	    "password_changed", NULL) != 0)
		return flow_db_fail(f);
	return flow_commit(f);
}
