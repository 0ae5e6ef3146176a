/* login.c: the password check behind both login endpoints. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "login.h"
#include "password.h"
#include "tx.h"
#include "banned.h"

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
    "SELECT u.id, u.password_hash, lower($1), u.status = 'disabled'"
    " FROM (VALUES (1)) one"
    " LEFT JOIN users u ON lower(u.email) = lower($1)", 1);
static struct stmt st_admin = STMT(
    "SELECT a.id, a.password_hash, lower($1), false FROM (VALUES (1)) one"
    " LEFT JOIN admins a ON lower(a.email) = lower($1)", 1);
static struct stmt st_rehash_user = STMT(
    "UPDATE users SET password_hash = $2 WHERE id = $1", 2);
static struct stmt st_rehash_admin = STMT(
    "UPDATE admins SET password_hash = $2 WHERE id = $1", 2);

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
login_key_of_id(bool admin, long long id, char key[LOGIN_KEY_MAX])
{
	snprintf(key, LOGIN_KEY_MAX, "%s#%lld", admin ? "admin" : "user", id);
}

/* 0, or -1 when it would not fit (never cut: it would be another key). */
static int
login_key_of_address(bool admin, const char *folded, char key[LOGIN_KEY_MAX])
{
	int	 n;

	if (folded == NULL)
		return -1;
	n = snprintf(key, LOGIN_KEY_MAX, "%s:%s", admin ? "admin" : "user",
	    folded);
	return n >= 0 && (size_t)n < LOGIN_KEY_MAX ? 0 : -1;
}

int
login_forgive(struct db *db, bool admin, long long id)
{
	char		 key[LOGIN_KEY_MAX];
	struct db_res	*res;

	login_key_of_id(admin, id, key);
	if ((res = DB_EXEC(db, &st_forgive, key)) == NULL)
		return -1;
	db_res_free(res);
	return 0;
}

/* Replace a hash made with other parameters; failure only costs a log. */
static void
rehash(struct req *r, bool admin, long long id, const char *password)
{
	char		 phc[PASSWORD_PHC_MAX], sid[24];
	struct db_res	*res;

	if (password_hash(r->cfg, password, phc) != 0)
		return;
	res = DB_EXEC(r->db, admin ? &st_rehash_admin : &st_rehash_user,
	    db_fmt_int(sid, id), phc);
	if (res != NULL) {
		db_res_free(res);
		log_info("req=%s: password hash upgraded to the configured "
		    "parameters", r->request_id);
	}
}

/*
 * Count this attempt as a failure of key, unless key already has its
 * login_max_failures in the window: then 429 with Retry-After is sent.
 * 1 when counted, 0 when a reply was sent.
 */
static int
login_reserve_or_reply(struct req *r, const char *key)
{
	struct db_res	*res;
	char		 window[24], retry[24], max[24];
	bool		 reserved;

	db_fmt_int(window, r->cfg->login_failure_window);
	if (tx_begin_or_reply(r) != 0 ||
	    tx_exec_or_reply(r, DB_EXEC(r->db, &st_key_lock, key)) != 0)
		return 0;
	if ((res = DB_EXEC(r->db, &st_reserve, key, window,
	    db_fmt_int(max, r->cfg->login_max_failures))) == NULL) {
		tx_fail(r);
		return 0;
	}
	reserved = db_rows(res) == 1;
	db_res_free(res);
	if (tx_commit_or_reply(r) != 0)
		return 0;
	if (reserved)
		return 1;
	if ((res = DB_EXEC(r->db, &st_throttle, key, window)) == NULL) {
		reply_db_error(r);
		return 0;
	}
	db_fmt_int(retry, db_int(res, 0, 1) > 0 ? db_int(res, 0, 1) : 1);
	db_res_free(res);
	reply_header(r, "Retry-After", retry);
	reply_err(r, ERR_TOO_MANY_ATTEMPTS, NULL);
	return 0;
}

int
login_check_or_reply(struct req *r, bool admin, const char *email,
    const char *password, long long *id)
{
	struct db_res	*res;
	char		 key[LOGIN_KEY_MAX];
	const char	*phc = NULL;
	long long	 found_id = 0;
	bool		 ok;

	if ((res = DB_EXEC(r->db, admin ? &st_admin : &st_user, email)) == NULL) {
		reply_db_error(r);
		return 0;
	}
	if (!db_isnull(res, 0, 0)) {
		found_id = db_int(res, 0, 0);
		phc = db_str(res, 0, 1);
		login_key_of_id(admin, found_id, key);
	} else if (login_key_of_address(admin, db_str(res, 0, 2), key) != 0) {
		db_res_free(res);
		reply_err_msg(r, ERR_INTERNAL, NULL, "The address is too long "
		    "to count attempts by.");
		return 0;
	}
	if (!login_reserve_or_reply(r, key)) {
		db_res_free(res);
		return 0;
	}

	if (phc != NULL)
		ok = password_verify(phc, password);
	else {
		password_burn(r->cfg, password);
		ok = false;
	}
	if (!ok) {
		/* the attempt stays counted */
		db_res_free(res);
		if (audit_record(r->db, &(struct actor){
		    .kind = ACTOR_ANONYMOUS, .email = email,
		    .ip = r->remote_addr }, 0,
		    admin ? "admin_login_failed" : "login_failed", NULL) != 0) {
			reply_db_error(r);
			return 0;
		}
		reply_err(r, ERR_INVALID_CREDENTIALS, NULL);
		return 0;
	}
	/*
	 * A disabled user (DESIGN §9) is told so only after the right
	 * password: to anyone else the address answers as every address
	 * does. The attempt stays counted.
	 */
	if (db_bool(res, 0, 3)) {
		db_res_free(res);
		reply_err_msg(r, ERR_USER_DISABLED, NULL, "This user is "
		    "disabled: ask the site's support to enable it.");
		return 0;
	}
	if (password_needs_rehash(r->cfg, phc))
		rehash(r, admin, found_id, password);
	db_res_free(res);
	if (login_forgive(r->db, admin, found_id) != 0) {
		reply_db_error(r);
		return 0;
	}
	*id = found_id;
	return 1;
}
