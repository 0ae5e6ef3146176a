/* identity.c: the user's own profile, password, email and sessions; see
 * identity.h. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "enqueue.h"
#include "identity.h"
#include "templates.h"
#include "token.h"
#include "users.h"
#include "banned.h"

static struct stmt st_lock_user = STMT(
    "SELECT email, first_name, email_verified_at IS NOT NULL FROM users"
    " WHERE id = $1 FOR UPDATE", 1);
static struct stmt st_profile = STMT(
    "UPDATE users u SET first_name = COALESCE($2, first_name),"
    " last_name = COALESCE($3, last_name) WHERE id = $1"
    " RETURNING " USER_COLS, 3);
static struct stmt st_user = STMT(
    "SELECT " USER_COLS " FROM users u WHERE u.id = $1", 1);
static struct stmt st_set_password = STMT(
    "UPDATE users SET password_hash = $2 WHERE id = $1", 2);
static struct stmt st_resets_used = STMT(
    "UPDATE password_resets SET used_at = now()"
    " WHERE user_id = $1 AND used_at IS NULL", 1);
static struct stmt st_end_others = STMT(
    "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", 2);
static struct stmt st_end_one = STMT(
    "DELETE FROM sessions WHERE id = $1 AND user_id = $2", 2);
static struct stmt st_rotate = STMT(
    "UPDATE sessions SET token_hash = $3, last_seen_at = now()"
    " WHERE id = $1 AND user_id = $2", 3);
static struct stmt st_verify_insert = STMT(
    "INSERT INTO email_verifications (user_id, token_hash, new_email,"
    " email_id, expires_at)"
    " VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int))", 5);
/* seconds until the next verification mail may go, or no row */
static struct stmt st_verify_cooldown = STMT(
    "SELECT ceil(extract(epoch FROM max(created_at)"
    " + make_interval(secs => $2::int) - now()))::int"
    " FROM email_verifications WHERE user_id = $1 AND new_email IS NULL"
    " HAVING max(created_at) > now() - make_interval(secs => $2::int)", 2);
static struct stmt st_email_other = STMT(
    "SELECT 1 FROM users WHERE lower(email) = lower($1) AND id <> $2", 2);
static struct stmt st_same_email = STMT(
    "SELECT lower(email) = lower($2) FROM users WHERE id = $1", 2);
static struct stmt st_changes_dead = STMT(
    "UPDATE email_verifications SET used_at = now() WHERE user_id = $1"
    " AND new_email IS NOT NULL AND used_at IS NULL", 1);
static struct stmt st_verify_take = STMT(
    "SELECT v.user_id, v.new_email, u.email, u.first_name"
    " FROM email_verifications v JOIN users u ON u.id = v.user_id"
    " WHERE v.token_hash = $1 AND v.used_at IS NULL AND v.expires_at > now()"
    " FOR UPDATE OF v, u", 1);
/* a verified address: every link of the kind used is used up */
static struct stmt st_verified = STMT(
    "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now())"
    " WHERE id = $1", 1);
static struct stmt st_verifies_used = STMT(
    "UPDATE email_verifications SET used_at = now() WHERE user_id = $1"
    " AND used_at IS NULL AND ($2::bool OR new_email IS NULL)", 2);
static struct stmt st_move = STMT(
    "UPDATE users SET email = $2, email_verified_at = now() WHERE id = $1"
    " RETURNING rfc3339(now())", 2);
static struct stmt st_sessions = STMT(
    "SELECT id, rfc3339(created_at), rfc3339(last_seen_at), ip, user_agent,"
    " id = $2, impersonated_by IS NOT NULL FROM sessions"
    " WHERE user_id = $1 AND expires_at > now()"
    " AND last_seen_at > now() - make_interval(secs => $3::int)"
    " ORDER BY id = $2 DESC, last_seen_at DESC, id DESC", 3);

/* Record action by the flow's actor; releases d (may be NULL). */
static enum err
audit(struct flow *f, const char *action, struct audit_details *d)
{
	int	rc = audit_record(f->db, &f->who, 0, action, d);

	if (d != NULL)
		audit_details_release(d);
	return rc == 0 ? ERR_NONE : flow_db_fail(f);
}

/* The flow's user locked: its address and first name. ERR_NOT_FOUND. */
static enum err
lock_user(struct flow *f, char email[TEXT_EMAIL], char first[TEXT_NAME],
    bool *verified)
{
	struct db_res	*res;

	if ((res = DB_EXEC(f->db, &st_lock_user, DB_INT(f->who.id))) == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_USER);
	}
	(void)str_copy(email, TEXT_EMAIL, db_str(res, 0, 0));
	(void)str_copy(first, TEXT_NAME, db_str(res, 0, 1));
	if (verified != NULL)
		*verified = db_bool(res, 0, 2);
	db_res_free(res);
	return ERR_NONE;
}

/* The user of id into *out, in the flow's transaction. */
static enum err
read_user(struct flow *f, long long id, struct user *out)
{
	struct db_res	*res;

	if ((res = DB_EXEC(f->db, &st_user, DB_INT(id))) == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_USER);
	}
	user_read(res, 0, 0, out);
	db_res_free(res);
	return ERR_NONE;
}

enum err
identity_profile_update(struct flow *f, const char *first, const char *last,
    struct user *out)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	enum err		 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_profile, DB_INT(f->who.id), first, last);
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_USER);
	}
	user_read(res, 0, 0, out);
	db_res_free(res);
	if (first != NULL)
		audit_detail_str(&d, "first_name", first);
	if (last != NULL)
		audit_detail_str(&d, "last_name", last);
	if ((e = audit(f, "profile_updated", &d)) != ERR_NONE)
		return e;
	return flow_commit(f);
}

enum err
identity_password_change(struct flow *f, long long session_id,
    const char *phc, char *token)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	char			 hash[TOKEN_HASH_PARAM];
	enum err		 e;

	if (token_new(token) != 0)
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	if ((e = flow_begin(f)) != ERR_NONE ||
	    (e = flow_exec(f, DB_EXEC(f->db, &st_set_password,
	    DB_INT(f->who.id), phc))) != ERR_NONE ||
	    (e = flow_exec(f, DB_EXEC(f->db, &st_resets_used,
	    DB_INT(f->who.id)))) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_end_others, DB_INT(f->who.id),
	    DB_INT(session_id));
	if (res == NULL)
		return flow_db_fail(f);
	audit_detail_int(&d, "sessions_ended", db_affected(res));
	db_res_free(res);
	if ((e = flow_exec(f, DB_EXEC(f->db, &st_rotate, DB_INT(session_id),
	    DB_INT(f->who.id), token_hash_param(token, hash)))) != ERR_NONE) {
		audit_details_release(&d);
		return e;
	}
	if ((e = audit(f, "password_changed", &d)) != ERR_NONE)
		return e;
	return flow_commit(f);
}

/* Queue a link for user_id to to; new_email NULL verifies to itself. */
static enum err
verification_send(struct flow *f, long long user_id, const char *to,
    const char *first, const char *changing_from)
{
	struct email	 mail = { 0 };
	struct buf	 link = { 0 };
	char		 token[TOKEN_LEN + 1], hash[TOKEN_HASH_PARAM];
	long long	 email_id;
	enum err	 e = ERR_NONE;

	if (token_new(token) != 0)
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	buf_printf(&link, "%s/verify-email#%s", f->cfg->public_url, token);
	template_email_verify(f->cfg, to, first, changing_from, link.data,
	    VERIFY_TTL, &mail);
	if (email_enqueue(f->db, &mail, &email_id) != 0)
		e = flow_db_fail(f);
	else
		e = flow_exec(f, DB_EXEC(f->db, &st_verify_insert,
		    DB_INT(user_id), token_hash_param(token, hash),
		    changing_from != NULL ? to : NULL, DB_INT(email_id),
		    DB_INT(VERIFY_TTL)));
	explicit_bzero(token, sizeof(token));
	explicit_bzero(link.data, link.len);
	buf_release(&link);
	email_release(&mail);
	return e;
}

enum err
identity_verification_queue(struct flow *f, long long user_id,
    const char *to, const char *first)
{
	return verification_send(f, user_id, to, first, NULL);
}

enum err
identity_verification_resend(struct flow *f, bool *sent)
{
	struct db_res	*res;
	char		 email[TEXT_EMAIL], first[TEXT_NAME];
	long long	 wait;
	bool		 verified;
	enum err	 e;

	*sent = false;
	if ((e = flow_begin(f)) != ERR_NONE ||
	    (e = lock_user(f, email, first, &verified)) != ERR_NONE)
		return e;
	if (verified)
		return flow_commit(f);
	res = DB_EXEC(f->db, &st_verify_cooldown, DB_INT(f->who.id),
	    DB_INT(VERIFY_RESEND_EVERY));
	if (res == NULL)
		return flow_db_fail(f);
	wait = db_rows(res) == 1 ? db_int(res, 0, 0) : 0;
	db_res_free(res);
	if (wait > 0) {
		e = flow_fail(f, ERR_RESEND_TOO_SOON, NULL, "A verification "
		    "email was sent a moment ago: wait a minute before asking "
		    "for another.");
		f->fault.retry_after = wait;
		return e;
	}
	if ((e = verification_send(f, f->who.id, email, first, NULL)) !=
	    ERR_NONE || (e = audit(f, "email_verification_sent", NULL)) !=
	    ERR_NONE)
		return e;
	*sent = true;
	return flow_commit(f);
}

/*
 * ERR_EMAIL_TAKEN (on field, NULL for none) when another user has email,
 * in the flow's transaction.
 */
static enum err
refuse_taken(struct flow *f, const char *email, long long user_id,
    const char *field)
{
	struct db_res	*res;
	int		 taken;

	if ((res = DB_EXEC(f->db, &st_email_other, email,
	    DB_INT(user_id))) == NULL)
		return flow_db_fail(f);
	taken = db_rows(res);
	db_res_free(res);
	return taken ? flow_fail(f, ERR_EMAIL_TAKEN, field, NULL) : ERR_NONE;
}

enum err
identity_email_change(struct flow *f, const char *new_email)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	char			 email[TEXT_EMAIL], first[TEXT_NAME];
	bool			 same;
	enum err		 e;

	if ((e = flow_begin(f)) != ERR_NONE ||
	    (e = lock_user(f, email, first, NULL)) != ERR_NONE)
		return e;
	if ((res = DB_EXEC(f->db, &st_same_email, DB_INT(f->who.id),
	    new_email)) == NULL)
		return flow_db_fail(f);
	same = db_rows(res) == 1 && db_bool(res, 0, 0);
	db_res_free(res);
	if (same)
		return flow_fail(f, ERR_INVALID_INPUT, "email", "This is "
		    "already your email address.");
	if ((e = refuse_taken(f, new_email, f->who.id, "email")) != ERR_NONE ||
	    (e = flow_exec(f, DB_EXEC(f->db, &st_changes_dead,
	    DB_INT(f->who.id)))) != ERR_NONE ||
	    (e = verification_send(f, f->who.id, new_email, first,
	    email)) != ERR_NONE)
		return e;
	audit_detail_str(&d, "new_email", new_email);
	if ((e = audit(f, "email_change_requested", &d)) != ERR_NONE)
		return e;
	return flow_commit(f);
}

/* Move user_id from old to new_email; the old address hears of it. */
static enum err
email_move(struct flow *f, long long user_id, const char *old,
    const char *first, const char *new_email)
{
	struct audit_details	 d = { 0 };
	struct email		 mail = { 0 };
	struct db_res		*res;
	char			 when[TEXT_TIME];
	long long		 email_id;
	enum err		 e;

	/* the request names no address: the link's is at fault */
	if ((e = refuse_taken(f, new_email, user_id, NULL)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_move, DB_INT(user_id), new_email);
	if (res == NULL)
		return db_error(f->db) == DB_UNIQUE ?
		    flow_fail(f, ERR_EMAIL_TAKEN, NULL, NULL) : flow_db_fail(f);
	(void)str_copy(when, sizeof(when), db_str(res, 0, 0));
	db_res_free(res);
	template_email_changed(f->cfg, old, first, new_email, when, &mail);
	if (email_enqueue(f->db, &mail, &email_id) != 0) {
		email_release(&mail);
		return flow_db_fail(f);
	}
	email_release(&mail);
	audit_detail_str(&d, "old_email", old);
	audit_detail_str(&d, "new_email", new_email);
	return audit(f, "email_changed", &d);
}

enum err
identity_email_verify(struct flow *f, const char *token, struct user *out)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM], old[TEXT_EMAIL];
	char		 first[TEXT_NAME], new_email[TEXT_EMAIL];
	long long	 user_id;
	bool		 change;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_verify_take, token_hash_param(token, hash));
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_TOKEN_INVALID, "token", "This link is "
		    "not valid any more (used, replaced or expired).");
	}
	user_id = db_int(res, 0, 0);
	change = !db_isnull(res, 0, 1);
	(void)str_copy(new_email, sizeof(new_email), db_str(res, 0, 1));
	(void)str_copy(old, sizeof(old), db_str(res, 0, 2));
	(void)str_copy(first, sizeof(first), db_str(res, 0, 3));
	db_res_free(res);
	/* the link is the user's proof: the user acts */
	f->who = (struct actor){ .kind = ACTOR_MEMBER, .id = user_id,
	    .email = old, .ip = f->who.ip };
	if (change)
		e = email_move(f, user_id, old, first, new_email);
	else if ((e = flow_exec(f, DB_EXEC(f->db, &st_verified,
	    DB_INT(user_id)))) == ERR_NONE)
		e = audit(f, "email_verified", NULL);
	if (e != ERR_NONE ||
	    (e = flow_exec(f, DB_EXEC(f->db, &st_verifies_used,
	    DB_INT(user_id), change ? "t" : "f"))) != ERR_NONE ||
	    (e = read_user(f, user_id, out)) != ERR_NONE)
		return e;
	return flow_commit(f);
}

int
identity_sessions_list(struct db *db, const struct config *cfg,
    long long user_id, long long current,
    void (*each)(const struct session_info *, void *), void *arg)
{
	struct session_info	 s;
	struct db_res		*res;
	int			 i;

	res = DB_EXEC(db, &st_sessions, DB_INT(user_id), DB_INT(current),
	    DB_INT(cfg->session_idle_timeout));
	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		memset(&s, 0, sizeof(s));
		s.id = db_int(res, i, 0);
		(void)str_copy(s.created_at, sizeof(s.created_at),
		    db_str(res, i, 1));
		(void)str_copy(s.last_seen_at, sizeof(s.last_seen_at),
		    db_str(res, i, 2));
		s.has_ip = !db_isnull(res, i, 3);
		(void)str_copy(s.ip, sizeof(s.ip), db_str(res, i, 3));
		s.has_user_agent = !db_isnull(res, i, 4);
		(void)str_copy(s.user_agent, sizeof(s.user_agent),
		    db_str(res, i, 4));
		s.current = db_bool(res, i, 5);
		s.impersonated = db_bool(res, i, 6);
		each(&s, arg);
	}
	db_res_free(res);
	return 0;
}

enum err
identity_session_end(struct flow *f, long long session_id)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	int			 n;
	enum err		 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_end_one, DB_INT(session_id),
	    DB_INT(f->who.id));
	if (res == NULL)
		return flow_db_fail(f);
	n = db_affected(res);
	db_res_free(res);
	if (n != 1)
		return flow_fail(f, ERR_NOT_FOUND, NULL, "No such session.");
	audit_detail_int(&d, "session_id", session_id);
	if ((e = audit(f, "session_revoked", &d)) != ERR_NONE)
		return e;
	return flow_commit(f);
}

enum err
identity_sessions_end_others(struct flow *f, long long keep)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	enum err		 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_end_others, DB_INT(f->who.id), DB_INT(keep));
	if (res == NULL)
		return flow_db_fail(f);
	audit_detail_int(&d, "sessions_ended", db_affected(res));
	db_res_free(res);
	if ((e = audit(f, "sessions_revoked", &d)) != ERR_NONE)
		return e;
	return flow_commit(f);
}
