/* admin_users.c: the Admin Area's users; see admin_users.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_users.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "enqueue.h"
#include "invites.h"
#include "templates.h"
#include "token.h"
#include "users.h"
#include "banned.h"

/*
 * The expression users_search_trgm (sql/012) indexes: the address, a
 * newline, then "First Last", lowercased. $1 is a LIKE pattern.
 */
#define SEARCH_EXPR \
	"lower(u.email || E'\\n' || u.first_name || ' ' || u.last_name)"
#define MATCH " FROM users u WHERE " SEARCH_EXPR " LIKE lower($1)"
#define ROW_COLS USER_COLS ", (SELECT count(*) FROM client_users cu" \
	" WHERE cu.user_id = u.id)"

static struct stmt st_count_all = STMT("SELECT count(*) FROM users", 0);
/* a disabled user keeps no session (session_find would not find one) */
static struct stmt st_end_sessions = STMT(
    "DELETE FROM sessions WHERE user_id = $1", 1);
static struct stmt st_page_all = STMT(
    "SELECT " ROW_COLS " FROM users u ORDER BY lower(u.email), u.id"
    " LIMIT $1 OFFSET $2", 2);
/*
 * Planned for each pattern: "%zz%" and "%example%" want other plans. The
 * count stops at ADMIN_USERS_COUNT_MAX + 1: every row a pattern matches
 * is read again to check it (trigrams only narrow the search), and
 * counting 100,000 of them took 70 ms.
 */
#define STR(x)	#x
#define XSTR(x)	STR(x)
static struct stmt st_count = STMT_CUSTOM_PLAN(
    "SELECT count(*) FROM (SELECT 1" MATCH
    " LIMIT " XSTR(ADMIN_USERS_COUNT_MAX) " + 1) m", 1);
static struct stmt st_page = STMT_CUSTOM_PLAN(
    "SELECT " ROW_COLS MATCH " ORDER BY lower(u.email), u.id"
    " LIMIT $2 OFFSET $3", 3);

/* Select User: a prefix of the address or a name, served by the
 * text_pattern_ops indexes of sql/002 */
static struct stmt st_select = STMT(
    "SELECT " USER_COLS " FROM users u"
    " WHERE lower(u.email) LIKE $1 OR lower(u.first_name) LIKE $1"
    " OR lower(u.last_name) LIKE $1"
    " OR lower(u.first_name || ' ' || u.last_name) LIKE $1"
    " ORDER BY lower(u.email) LIMIT $2", 2);

static struct stmt st_get = STMT(
    "SELECT " USER_COLS ", (SELECT count(*) FROM sessions s"
    " WHERE s.user_id = u.id AND s.expires_at > now())"
    " FROM users u WHERE u.id = $1", 1);
static struct stmt st_lock = STMT(
    "SELECT u.email, u.first_name, u.status = 'disabled'"
    " FROM users u WHERE u.id = $1 FOR UPDATE", 1);
/* $2-$6 as struct user_patch: NULL leaves a column as it is */
static struct stmt st_update = STMT(
    "UPDATE users u SET first_name = COALESCE($2, u.first_name),"
    " last_name = COALESCE($3, u.last_name), email = COALESCE($4, u.email),"
    " email_verified_at = CASE"
    "  WHEN $5::bool THEN COALESCE(u.email_verified_at, now())"
    "  WHEN NOT $5::bool THEN NULL"
    "  WHEN $4 IS NOT NULL AND lower($4) <> lower(u.email) THEN NULL"
    "  ELSE u.email_verified_at END,"
    " status = COALESCE($6, u.status)"
    " WHERE u.id = $1 RETURNING " USER_COLS, 6);
static struct stmt st_accounts_of = STMT(
    "SELECT client_id FROM client_users WHERE user_id = $1"
    " ORDER BY client_id", 1);
static struct stmt st_owns = STMT(
    "SELECT id FROM clients WHERE owner_user_id = $1 LIMIT 1", 1);
static struct stmt st_cancel_sent = STMT(
    "UPDATE invites SET status = 'cancelled', ended_at = now()"
    " WHERE created_by_user_id = $1 AND status = 'pending'"
    " RETURNING client_id, id, email", 1);
static struct stmt st_delete = STMT("DELETE FROM users WHERE id = $1", 1);
static struct stmt st_reset_insert = STMT(
    "INSERT INTO password_resets (user_id, token_hash, expires_at, email_id)"
    " VALUES ($1, $2, now() + make_interval(secs => $3::int), $4)", 4);

int
admin_users_search(struct db *db, const char *search, long page,
    long long *total, bool *capped, void (*each)(const struct admin_user_row *, void *),
    void *arg)
{
	struct db_res		*res;
	struct admin_user_row	 row;
	char			*pat = NULL;
	long long		 off = (long long)(page - 1) * ADMIN_USERS_PER_PAGE;
	int			 i;

	if (*search != '\0')
		pat = str_like_pattern(search, true);
	res = pat ? DB_EXEC(db, &st_count, pat) : DB_EXEC(db, &st_count_all);
	if (res == NULL)
		goto fail;
	*total = db_int(res, 0, 0);
	*capped = pat != NULL && *total > ADMIN_USERS_COUNT_MAX;
	if (*capped)
		*total = ADMIN_USERS_COUNT_MAX;
	db_res_free(res);
	res = pat ? DB_EXEC(db, &st_page, pat, DB_INT(ADMIN_USERS_PER_PAGE),
	    DB_INT(off)) : DB_EXEC(db, &st_page_all,
	    DB_INT(ADMIN_USERS_PER_PAGE), DB_INT(off));
	if (res == NULL)
		goto fail;
	for (i = 0; i < db_rows(res); i++) {
		user_read(res, i, 0, &row.user);
		row.accounts_count = db_int(res, i, USER_NCOLS);
		each(&row, arg);
	}
	db_res_free(res);
	free(pat);
	return 0;
fail:
	free(pat);
	return -1;
}

int
admin_users_select(struct db *db, const char *search,
    void (*each)(const struct user *, void *), void *arg)
{
	struct db_res	*res;
	struct user	 u;
	char		*pat = *search ? str_like_pattern(search, false) :
			    xstrdup("%");
	int		 i;

	res = DB_EXEC(db, &st_select, pat, DB_INT(ADMIN_USERS_SELECT_MAX));
	free(pat);
	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		user_read(res, i, 0, &u);
		each(&u, arg);
	}
	db_res_free(res);
	return 0;
}

int
admin_users_get(struct db *db, long long id, struct user *out,
    long long *sessions)
{
	struct db_res	*res;
	int		 found;

	if ((res = DB_EXEC(db, &st_get, DB_INT(id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	if (found) {
		user_read(res, 0, 0, out);
		*sessions = db_int(res, 0, USER_NCOLS);
	}
	db_res_free(res);
	return found;
}

enum err
admin_users_audit(struct flow *f, long long user_id, const char *action,
    const struct audit_details *d)
{
	struct db_res	*res;
	int		 i, n;

	if ((res = DB_EXEC(f->db, &st_accounts_of, DB_INT(user_id))) == NULL)
		return flow_db_fail(f);
	n = db_rows(res);
	for (i = 0; i < n || (n == 0 && i == 0); i++)
		if (audit_record(f->db, &f->who, n > 0 ? db_int(res, i, 0) : 0,
		    action, d) != 0) {
			db_res_free(res);
			return flow_db_fail(f);
		}
	db_res_free(res);
	return ERR_NONE;
}

/* The user the flow acts on, locked: ERR_NONE (old filled) or not found. */
struct locked_user {
	char	 email[TEXT_EMAIL];
	char	 first_name[TEXT_NAME];
	bool	 disabled;
};

static enum err
lock_user(struct flow *f, long long id, struct locked_user *old)
{
	struct db_res	*res;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((res = DB_EXEC(f->db, &st_lock, DB_INT(id))) == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_USER);
	}
	(void)str_copy(old->email, sizeof(old->email), db_str(res, 0, 0));
	(void)str_copy(old->first_name, sizeof(old->first_name),
	    db_str(res, 0, 1));
	old->disabled = db_bool(res, 0, 2);
	db_res_free(res);
	return ERR_NONE;
}

/* The audit details of an update: what was asked, never a password. */
static void
patch_details(const struct user_patch *p, long long id,
    const struct locked_user *old, struct audit_details *d)
{
	audit_detail_int(d, "user_id", id);
	if (p->first_name != NULL)
		audit_detail_str(d, "first_name", p->first_name);
	if (p->last_name != NULL)
		audit_detail_str(d, "last_name", p->last_name);
	if (p->email != NULL) {
		audit_detail_str(d, "old_email", old->email);
		audit_detail_str(d, "email", p->email);
	}
	if (p->email_verified >= 0)
		audit_detail_bool(d, "email_verified", p->email_verified);
	if (p->disabled >= 0)
		audit_detail_str(d, "status", p->disabled ? "disabled" :
		    "active");
}

enum err
admin_users_update(struct flow *f, long long id, const struct user_patch *p,
    struct user *out)
{
	struct locked_user	 old;
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	enum err		 e;

	if ((e = lock_user(f, id, &old)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_update, DB_INT(id), p->first_name,
	    p->last_name, p->email, p->email_verified < 0 ? NULL :
	    p->email_verified ? "true" : "false", p->disabled < 0 ? NULL :
	    p->disabled ? "disabled" : "active");
	if (res == NULL) {
		if (db_error(f->db) == DB_UNIQUE)
			return flow_fail(f, ERR_EMAIL_TAKEN, "email", "Another "
			    "user has this email address.");
		return flow_db_fail(f);
	}
	user_read(res, 0, 0, out);
	db_res_free(res);
	/* disabled: not one of their sessions outlives this transaction */
	if (strcmp(out->status, "disabled") == 0 &&
	    DB_DONE(f->db, &st_end_sessions, DB_INT(id)) != 0)
		return flow_db_fail(f);
	patch_details(p, id, &old, &d);
	e = admin_users_audit(f, id, p->disabled == 1 && !old.disabled ?
	    "user_disabled" : p->disabled == 0 && old.disabled ?
	    "user_enabled" : "user_updated", &d);
	audit_details_release(&d);
	if (e != ERR_NONE)
		return e;
	return flow_commit(f);
}

enum err
admin_users_send_reset(struct flow *f, long long id)
{
	struct locked_user	 u;
	struct audit_details	 d = { 0 };
	struct email		 mail = { 0 };
	struct buf		 link = { 0 };
	char			 token[TOKEN_LEN + 1], hash[TOKEN_HASH_PARAM];
	long long		 email_id;
	enum err		 e;

	if ((e = lock_user(f, id, &u)) != ERR_NONE)
		return e;
	if (token_new(token) != 0)
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	buf_printf(&link, "%s/reset-password#%s", f->cfg->public_url, token);
	template_password_reset(f->cfg, u.email, u.first_name, link.data,
	    f->cfg->password_reset_ttl, &mail);
	explicit_bzero(link.data, link.len);
	buf_release(&link);
	if (email_enqueue(f->db, &mail, &email_id) != 0 ||
	    DB_DONE(f->db, &st_reset_insert, DB_INT(id),
	    token_hash_param(token, hash), DB_INT(f->cfg->password_reset_ttl),
	    DB_INT(email_id)) != 0) {
		explicit_bzero(token, sizeof(token));
		email_release(&mail);
		return flow_db_fail(f);
	}
	explicit_bzero(token, sizeof(token));
	email_release(&mail);
	audit_detail_int(&d, "user_id", id);
	audit_detail_str(&d, "email", u.email);
	e = admin_users_audit(f, id, "password_reset_sent", &d);
	audit_details_release(&d);
	if (e != ERR_NONE)
		return e;
	return flow_commit(f);
}

/* Cancel the pending invitations user id sent, each audited. */
static enum err
cancel_sent(struct flow *f, long long id)
{
	if (invites_audit_cancelled(f->db, &f->who, DB_EXEC(f->db,
	    &st_cancel_sent, DB_INT(id)), "inviter_deleted") != 0)
		return flow_db_fail(f);
	return ERR_NONE;
}

enum err
admin_users_delete(struct flow *f, long long id)
{
	struct locked_user	 u;
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	bool			 owner;
	enum err		 e;

	if ((e = lock_user(f, id, &u)) != ERR_NONE)
		return e;
	if ((res = DB_EXEC(f->db, &st_owns, DB_INT(id))) == NULL)
		return flow_db_fail(f);
	owner = db_rows(res) > 0;
	db_res_free(res);
	if (owner)
		return flow_fail(f, ERR_OWNER_PROTECTED, NULL, "This user owns "
		    "an account: make another member its owner first.");
	if ((e = cancel_sent(f, id)) != ERR_NONE)
		return e;
	audit_detail_int(&d, "user_id", id);
	audit_detail_str(&d, "email", u.email);
	e = admin_users_audit(f, id, "user_deleted", &d);
	audit_details_release(&d);
	if (e != ERR_NONE)
		return e;
	/* memberships, sessions and links go with the row (ON DELETE) */
	if (DB_DONE(f->db, &st_delete, DB_INT(id)) != 0) {
		/* made an owner meanwhile: the account's key holds the row */
		if (db_error(f->db) == DB_FOREIGN_KEY)
			return flow_fail(f, ERR_OWNER_PROTECTED, NULL, NULL);
		return flow_db_fail(f);
	}
	return flow_commit(f);
}
