/* access.c: changes of access to a client account; see access.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "access_sql.h"
#include "audit.h"
#include "clients.h"
#include "config.h"
#include "db.h"
#include "enqueue.h"
#include "http.h"
#include "invites.h"
#include "perms.h"
#include "policy.h"
#include "templates.h"
#include "token.h"
#include "tx.h"
#include "banned.h"

static struct stmt st_lock_client =
    STMT(SQL_LOCK_CLIENT, SQL_LOCK_CLIENT_NPARAMS);
static struct stmt st_actor =
    STMT(SQL_ACTOR, SQL_ACTOR_NPARAMS);

static struct stmt st_invite_check =
    STMT(SQL_INVITE_CHECK, SQL_INVITE_CHECK_NPARAMS);
static struct stmt st_expire_stale = STMT(
    "UPDATE invites SET status = 'expired', ended_at = now()"
    " WHERE client_id = $1 AND lower(email) = lower($2)"
    " AND status = 'pending' AND expires_at <= now()", 2);

static struct stmt st_invite_insert =
    STMT(SQL_INVITE_INSERT, SQL_INVITE_INSERT_NPARAMS);

static struct stmt st_invite_of = STMT(
    "SELECT client_id FROM invites WHERE id = $1", 1);
static struct stmt st_invite_lock = STMT(
    "SELECT status, expires_at <= now(), email, permissions,"
    " ceil(extract(epoch FROM last_sent_at"
    "  + make_interval(secs => $2::int) - now()))::int,"
    " inviter_name, created_by_kind = 'admin'"
    " FROM invites WHERE id = $1 FOR UPDATE", 2);
static struct stmt st_invite_resend = STMT(
    "WITH e AS (INSERT INTO email_queue (template, recipient, subject,"
    "   body_text, body_html) VALUES ('invite', $3, $4, $5, $6)"
    "   RETURNING id)"
    " UPDATE invites SET token_hash = $2, status = 'pending',"
    " ended_at = NULL, expires_at = now() + make_interval(secs => $7::int),"
    " last_sent_at = now(), sent_count = sent_count + 1,"
    " last_email_id = (SELECT id FROM e)"
    " WHERE id = $1 RETURNING last_email_id", 7);
static struct stmt st_invite_cancel = STMT(
    "UPDATE invites SET status = 'cancelled', ended_at = now()"
    " WHERE id = $1", 1);
/* The pending invitations a member sent, when it loses "users". */
static struct stmt st_invites_of_member = STMT(
    "UPDATE invites SET status = 'cancelled', ended_at = now()"
    " WHERE client_id = $1 AND created_by_user_id = $2"
    " AND status = 'pending' RETURNING id, email", 2);
/* Pending invitations made moot by a direct association. */
static struct stmt st_invites_for_email = STMT(
    "UPDATE invites SET status = 'cancelled', ended_at = now()"
    " WHERE client_id = $1 AND lower(email) = lower($2)"
    " AND status = 'pending' RETURNING id, email", 2);

static struct stmt st_user_email = STMT(
    "SELECT email FROM users WHERE id = $1", 1);
static struct stmt st_user_by_email = STMT(
    "SELECT id, email FROM users WHERE lower(email) = lower($1)", 1);
static struct stmt st_user_create = STMT(
    "INSERT INTO users (email) VALUES ($1) ON CONFLICT DO NOTHING"
    " RETURNING id, email", 1);
static struct stmt st_member_insert = STMT(
    "INSERT INTO client_users (client_id, user_id, permissions)"
    " VALUES ($1, $2, $3::text[]) ON CONFLICT DO NOTHING RETURNING user_id",
    3);
static struct stmt st_member_lock = STMT(
    "SELECT permissions FROM client_users WHERE client_id = $1"
    " AND user_id = $2 FOR UPDATE", 2);
static struct stmt st_member_update = STMT(
    "UPDATE client_users SET permissions = $3::text[]"
    " WHERE client_id = $1 AND user_id = $2", 3);
static struct stmt st_member_delete = STMT(
    "DELETE FROM client_users WHERE client_id = $1 AND user_id = $2", 2);
static struct stmt st_sessions_leave = STMT(
    "UPDATE sessions SET active_client_id = NULL"
    " WHERE user_id = $1 AND active_client_id = $2", 2);
static struct stmt st_owner_set = STMT(
    "UPDATE clients SET owner_user_id = $2 WHERE id = $1", 2);
static struct stmt st_all_perms = STMT(
    "UPDATE client_users SET permissions = memberd_permission_keys()"
    " WHERE client_id = $1 AND user_id = $2", 2);

struct locked {
	long long	 id;
	char		 name[256];	/* how the account is named */
	enum client_status status;
	long long	 owner;
	/* the acting member's row, as the lock read it (maybe older) */
	bool		 actor_member;
	char		 actor_perms[256];	/* text[] literal */
};

/*
 * Lock the client, and read the membership row of actor (0: none). 0, or
 * -1 after rolling back and replying 404.
 */
static int
lock_client_or_reply(struct req *r, long long client_id, long long actor,
    struct locked *lc)
{
	struct db_res	*res;
	char		 cid[24], aid[24];

	res = DB_EXEC(r->db, &st_lock_client, db_fmt_int(cid, client_id),
	    actor > 0 ? db_fmt_int(aid, actor) : NULL);
	if (res == NULL)
		return tx_fail(r);
	if (db_rows(res) != 1) {
		db_res_free(res);
		db_rollback(r->db);
		reply_err_msg(r, ERR_NOT_FOUND, NULL, MSG_NO_CLIENT);
		return -1;
	}
	lc->id = client_id;
	client_display_name(db_str(res, 0, 0), db_str(res, 0, 1),
	    db_str(res, 0, 2), lc->name, sizeof(lc->name));
	if (client_status_parse(db_str(res, 0, 3), &lc->status) != 0)
		lc->status = CLIENT_CLOSED;	/* the schema allows no other */
	lc->owner = db_int(res, 0, 4);
	lc->actor_member = !db_isnull(res, 0, 5);
	snprintf(lc->actor_perms, sizeof(lc->actor_perms), "%s",
	    lc->actor_member ? db_str(res, 0, 5) : "");
	db_res_free(res);
	return 0;
}

/* Roll back and answer e (why NULL: its default message). Returns -1. */
static int
fail(struct req *r, enum err e, const char *field, const char *why)
{
	db_rollback(r->db);
	reply_err_msg(r, e, field, why);
	return -1;
}

/* Roll back and answer the policy's verdict e, unless it allows. 0 or -1. */
static int
verdict_or_reply(struct req *r, enum err e, const char *why)
{
	return e == ERR_NONE ? 0 : fail(r, e, NULL, why);
}

/*
 * The actor's standing from its membership row (member false when it has
 * none), and whether it may manage the account's users at all (else
 * rolled back, replied).
 */
static int
standing_or_reply(struct req *r, enum actor_kind kind,
    const struct locked *lc, bool member, const char *perms,
    struct standing *s)
{
	const char	*why = NULL;

	policy_standing(kind, member, lc->owner == r->who.id,
	    perms_from_pg(perms), s);
	return verdict_or_reply(r, policy_manage(s, lc->status, &why), why);
}

/* The actor's standing on the locked account, read under the lock. */
static int
rights_or_reply(struct req *r, enum actor_kind kind, const struct locked *lc,
    struct standing *rt)
{
	struct db_res	*res;
	char		 cid[24], uid[24];
	int		 rc;

	if (kind == ACTOR_ADMIN)
		return standing_or_reply(r, kind, lc, false, NULL, rt);
	res = DB_EXEC(r->db, &st_actor, db_fmt_int(cid, lc->id),
	    db_fmt_int(uid, r->who.id));
	if (res == NULL)
		return tx_fail(r);
	rc = standing_or_reply(r, kind, lc, db_rows(res) == 1,
	    db_rows(res) == 1 ? db_str(res, 0, 0) : NULL, rt);
	db_res_free(res);
	return rc;
}

/* Audit each invitation an UPDATE ... RETURNING id, email cancelled. */
static int
audit_cancelled(struct req *r, long long client_id, struct db_res *res,
    const char *reason)
{
	cJSON	*d;
	int	 i;

	for (i = 0; i < db_rows(res); i++) {
		d = cJSON_CreateObject();
		json_add_int(d, "invite_id", db_int(res, i, 0));
		cJSON_AddStringToObject(d, "email", db_str(res, i, 1));
		cJSON_AddStringToObject(d, "reason", reason);
		if (audit_write(r, client_id, "invite_cancelled", d) != 0)
			return -1;
	}
	return 0;
}

/* Cancel the pending invitations sent by user_id in client_id. */
static int
cancel_invites_of_or_reply(struct req *r, long long client_id,
    long long user_id)
{
	struct db_res	*res;
	char		 cid[24], uid[24];
	int		 rc;

	res = DB_EXEC(r->db, &st_invites_of_member, db_fmt_int(cid, client_id),
	    db_fmt_int(uid, user_id));
	if (res == NULL)
		return tx_fail(r);
	rc = audit_cancelled(r, client_id, res, "inviter_lost_access");
	db_res_free(res);
	return rc == 0 ? 0 : tx_fail(r);
}

/* The invitation email for token. out is filled (email_release). */
static void
invite_mail(struct req *r, const struct locked *lc, const char *to,
    const char *inviter, bool by_admin, perms_t perms, const char *token,
    struct email *out)
{
	struct buf		link = { 0 }, words = { 0 };
	struct invite_mail	m;

	buf_printf(&link, "%s/invite#%s", r->cfg->public_url, token);
	perms_words(perms, &words);
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.account_name = lc->name;
	m.inviter_name = inviter;
	m.by_admin = by_admin;
	m.link = link.data;
	m.ttl = r->cfg->invite_ttl;
	m.permissions = words.data;
	template_invite(r->cfg, &m, out);
	buf_release(&link);
	buf_release(&words);
}

/* Commit, then read the invitation back for the reply. 0 or -1. */
static int
commit_invite_or_reply(struct req *r, long long invite_id, cJSON **invite)
{
	if (tx_commit_or_reply(r) != 0)
		return -1;
	if (invites_get_json(r->db, invite_id, invite) != 1) {
		reply_db_error(r);
		return -1;
	}
	return 0;
}

/* Commit, then read the member back for the reply. 0 or -1. */
static int
commit_member_or_reply(struct req *r, long long client_id, long long user_id,
    cJSON **member)
{
	if (tx_commit_or_reply(r) != 0)
		return -1;
	if (clients_member_json(r->db, client_id, user_id, member) != 1) {
		reply_db_error(r);
		return -1;
	}
	return 0;
}

static void
reply_invite_pending(struct req *r, long long invite_id)
{
	cJSON	*root = cJSON_CreateObject(), *e;

	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "code", "invite_pending");
	cJSON_AddStringToObject(e, "message", "An invitation to this address "
	    "is already pending: resend it instead.");
	cJSON_AddStringToObject(e, "field", "email");
	json_add_int(e, "invite_id", invite_id);
	reply_json(r, 409, root);
}

/* The facts SQL_INVITE_INSERT saw when it wrote nothing. */
struct invite_facts {
	bool		 member;	/* the address is a member */
	long long	 pending_id;	/* an invitation to it is pending */
	long long	 pending;	/* how many are pending */
	bool		 stale;		/* one to it is past its expiry */
	bool		 actor_member;
	char		 actor_perms[256];
};

/* One invitation's creation: what access_invite_create_or_reply knows. */
struct invite_new {
	enum actor_kind	 kind;
	const char	*email;
	perms_t		 perms;
	struct buf	 pg;		/* perms as text[] */
	struct email	 mail;
	char		 hash[TOKEN_HASH_PARAM];
};

/*
 * The rules on the actor's standing as lc (or the facts) say it is:
 * 0, or -1 rolled back and replied.
 */
static int
invite_allowed_or_reply(struct req *r, const struct invite_new *in,
    const struct locked *lc)
{
	struct standing	 st;
	const char	*why = NULL;

	policy_standing(in->kind, lc->actor_member, lc->owner == r->who.id,
	    perms_from_pg(lc->actor_perms), &st);
	return verdict_or_reply(r, policy_check(OP_INVITE, &st, lc->status,
	    NULL, in->perms, &why), why);
}

/*
 * Run SQL_INVITE_INSERT. 1 written (*out the row, the caller frees it), 0
 * not (*f the facts), -1 rolled back and replied.
 */
static int
invite_insert_or_reply(struct req *r, struct invite_new *in,
    const struct locked *lc, struct db_res **out, struct invite_facts *f)
{
	struct db_res	*res;
	char		 cid[24], ttl[24], aid[24], lim[24];
	bool		 admin = in->kind == ACTOR_ADMIN;

	db_fmt_int(aid, r->who.id);
	res = DB_EXEC(r->db, &st_invite_insert, db_fmt_int(cid, lc->id),
	    in->email, in->hash, in->pg.data,
	    db_fmt_int(ttl, r->cfg->invite_ttl), in->mail.subject,
	    in->mail.text, in->mail.html, admin ? "admin" : "user",
	    admin ? aid : NULL, admin ? NULL : aid, r->who.name, r->who.email,
	    r->remote_addr, db_fmt_int(lim, r->cfg->invite_pending_limit),
	    lc->actor_member ? lc->actor_perms : NULL);
	if (res == NULL) {
		/* another request invited the same address just now */
		if (db_error(r->db) == DB_UNIQUE)
			return fail(r, ERR_INVITE_PENDING, "email", NULL);
		return tx_fail(r);
	}
	if (!db_isnull(res, 0, SQL_INVITE_INSERT_FACTS)) {
		*out = res;
		return 1;
	}
	f->member = db_bool(res, 0, 0);
	f->pending_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
	f->pending = db_int(res, 0, 2);
	f->stale = db_bool(res, 0, 3);
	f->actor_member = !db_isnull(res, 0, 4);
	snprintf(f->actor_perms, sizeof(f->actor_perms), "%s",
	    f->actor_member ? db_str(res, 0, 4) : "");
	db_res_free(res);
	return 0;
}

/*
 * Why nothing was written, answered; or the actor's row changed while the
 * lock was awaited (lc takes it, judged again), or an invitation past its
 * expiry is marked expired: 0 to try again. -1 replied.
 */
static int
invite_refused_or_reply(struct req *r, struct invite_new *in,
    struct locked *lc, const struct invite_facts *f)
{
	char	cid[24];

	if (f->actor_member != lc->actor_member ||
	    strcmp(f->actor_perms, lc->actor_perms) != 0) {
		lc->actor_member = f->actor_member;
		memcpy(lc->actor_perms, f->actor_perms, sizeof(lc->actor_perms));
		return invite_allowed_or_reply(r, in, lc);
	}
	if (f->member)
		return fail(r, ERR_ALREADY_MEMBER, "email", NULL);
	if (f->pending_id != 0) {
		db_rollback(r->db);
		reply_err_id(r, ERR_INVITE_PENDING, "email", NULL, "invite_id",
		    f->pending_id);
		return -1;
	}
	if (policy_pending_limit(f->pending, r->cfg->invite_pending_limit,
	    NULL) != ERR_NONE)
		return fail(r, ERR_INVITE_LIMIT, NULL, NULL);
	if (f->stale)
		return tx_exec_or_reply(r, DB_EXEC(r->db, &st_expire_stale,
		    db_fmt_int(cid, lc->id), in->email));
	return fail(r, ERR_INTERNAL, NULL, NULL);
}

/* Under the lock: the rules, the email, the statement. 0 or -1 replied. */
static int
invite_write_or_reply(struct req *r, struct invite_new *in,
    const struct locked *lc0, cJSON **invite)
{
	struct locked		 lc = *lc0;
	struct invite_facts	 f;
	struct db_res		*res = NULL;
	char			 token[TOKEN_LEN + 1];
	int			 tries, rc;

	if (invite_allowed_or_reply(r, in, &lc) != 0)
		return -1;
	if (token_new(token) != 0)
		return fail(r, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	invite_mail(r, &lc, in->email, r->who.name, in->kind == ACTOR_ADMIN,
	    in->perms, token, &in->mail);
	token_hash_param(token, in->hash);
	explicit_bzero(token, sizeof(token));
	/* a retry follows only a change seen under the lock: at most two */
	for (tries = 0; tries < 3; tries++) {
		rc = invite_insert_or_reply(r, in, &lc, &res, &f);
		if (rc < 0)
			return -1;
		if (rc == 1)
			break;
		if (invite_refused_or_reply(r, in, &lc, &f) != 0)
			return -1;
	}
	if (res == NULL)
		return fail(r, ERR_INTERNAL, NULL, NULL);
	/* the answer is what the statement wrote */
	*invite = invite_json(res, 0, SQL_INVITE_INSERT_FACTS);
	db_res_free(res);
	if (tx_commit_or_reply(r) != 0) {
		cJSON_Delete(*invite);
		return -1;
	}
	return 0;
}

int
access_invite_create_or_reply(struct req *r, enum actor_kind kind,
    long long client_id, const char *email, perms_t perms, cJSON **invite)
{
	struct locked		 lc;
	struct invite_new	 in = { 0 };
	int			 rc = -1;

	in.kind = kind;
	in.email = email;
	in.perms = perms;
	perms_to_pg(perms, &in.pg);
	if (tx_begin_or_reply(r) == 0 &&
	    lock_client_or_reply(r, client_id, kind == ACTOR_ADMIN ? 0 :
	    r->who.id, &lc) == 0)
		rc = invite_write_or_reply(r, &in, &lc, invite);
	email_release(&in.mail);
	buf_release(&in.pg);
	return rc;
}

/*
 * Lock the invitation's account, then the invitation. Reads its client
 * first; an invitation outside scope (a member's active account) is 404.
 */
static int
lock_invite_or_reply(struct req *r, long long scope, long long invite_id,
    struct locked *lc, struct db_res **inv)
{
	struct db_res	*res;
	char		 iid[24], cool[24];
	long long	 client_id;

	db_fmt_int(iid, invite_id);
	if (tx_begin_or_reply(r) != 0)
		return -1;
	if ((res = DB_EXEC(r->db, &st_invite_of, iid)) == NULL)
		return tx_fail(r);
	client_id = db_rows(res) == 1 ? db_int(res, 0, 0) : 0;
	db_res_free(res);
	if (client_id == 0 || (scope != 0 && client_id != scope))
		return fail(r, ERR_NOT_FOUND, NULL, "No such invitation.");
	if (lock_client_or_reply(r, client_id, 0, lc) != 0)
		return -1;
	res = DB_EXEC(r->db, &st_invite_lock, iid,
	    db_fmt_int(cool, r->cfg->invite_resend_cooldown));
	if (res == NULL)
		return tx_fail(r);
	*inv = res;
	return 0;
}

/* The status of the invitation lock_invite_or_reply() read. */
static enum invite_status
locked_invite_status(const struct db_res *inv)
{
	enum invite_status st;

	if (invite_status_parse(db_str(inv, 0, 0), &st) != 0)
		st = INVITE_CANCELLED;	/* the schema allows no other */
	return st;
}

int
access_invite_resend_or_reply(struct req *r, enum actor_kind kind,
    long long scope, long long invite_id, cJSON **invite)
{
	struct locked	 lc;
	struct standing	 rt;
	struct target	 t = { 0 };
	struct db_res	*inv = NULL, *res;
	struct email	 mail = { 0 };
	const char	*why = NULL;
	enum err	 e;
	char		 token[TOKEN_LEN + 1], hash[TOKEN_HASH_PARAM];
	char		 iid[24], ttl[24], cid[24], retry[24], email[256];
	char		 lim[24];
	enum invite_status status;
	perms_t		 perms;
	long long	 wait_s, pending_id;
	bool		 past, is_member, by_admin;
	cJSON		*d;
	int		 rc = -1;

	if (lock_invite_or_reply(r, scope, invite_id, &lc, &inv) != 0)
		return -1;
	if (rights_or_reply(r, kind, &lc, &rt) != 0)
		goto out;
	status = locked_invite_status(inv);
	past = db_bool(inv, 0, 1);
	snprintf(email, sizeof(email), "%s", db_str(inv, 0, 2));
	perms = perms_from_pg(db_str(inv, 0, 3));
	wait_s = db_int(inv, 0, 4);
	by_admin = db_bool(inv, 0, 6);
	t.perms = perms;
	if (verdict_or_reply(r, policy_check(OP_RESEND, &rt, lc.status, &t, 0,
	    &why), why) != 0)
		goto out;
	if ((e = policy_resend_state(status, wait_s, &why)) != ERR_NONE) {
		if (e == ERR_RESEND_TOO_SOON)
			reply_header(r, "Retry-After",
			    db_fmt_int(retry, wait_s));
		verdict_or_reply(r, e, why);
		goto out;
	}
	if (status == INVITE_EXPIRED || past) {
		/* reviving it: the same checks as a new invitation */
		db_fmt_int(cid, lc.id);
		res = DB_EXEC(r->db, &st_invite_check, cid, email,
		    db_fmt_int(lim, r->cfg->invite_pending_limit));
		if (res == NULL) {
			tx_fail(r);
			goto out;
		}
		is_member = db_bool(res, 0, 0);
		pending_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
		if (!is_member && pending_id == 0 &&
		    policy_pending_limit(db_int(res, 0, 2),
		    r->cfg->invite_pending_limit, NULL) != ERR_NONE) {
			db_res_free(res);
			fail(r, ERR_INVITE_LIMIT, NULL, NULL);
			goto out;
		}
		db_res_free(res);
		if (is_member) {
			fail(r, ERR_ALREADY_MEMBER, NULL, NULL);
			goto out;
		}
		if (pending_id != 0 && pending_id != invite_id) {
			db_rollback(r->db);
			reply_invite_pending(r, pending_id);
			goto out;
		}
	}
	if (token_new(token) != 0) {
		fail(r, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
		goto out;
	}
	invite_mail(r, &lc, email, db_str(inv, 0, 5), by_admin, perms, token,
	    &mail);
	res = DB_EXEC(r->db, &st_invite_resend, db_fmt_int(iid, invite_id),
	    token_hash_param(token, hash), email, mail.subject, mail.text,
	    mail.html, db_fmt_int(ttl, r->cfg->invite_ttl));
	explicit_bzero(token, sizeof(token));
	if (res == NULL) {
		if (db_error(r->db) == DB_UNIQUE)
			fail(r, ERR_INVITE_PENDING, NULL, NULL);
		else
			tx_fail(r);
		goto out;
	}
	d = cJSON_CreateObject();
	json_add_int(d, "invite_id", invite_id);
	cJSON_AddStringToObject(d, "email", email);
	json_add_int(d, "email_id", db_int(res, 0, 0));
	db_res_free(res);
	if (audit_write(r, lc.id, "invite_resent", d) != 0) {
		tx_fail(r);
		goto out;
	}
	rc = commit_invite_or_reply(r, invite_id, invite);
out:
	db_res_free(inv);
	email_release(&mail);
	return rc;
}

int
access_invite_cancel_or_reply(struct req *r, enum actor_kind kind,
    long long scope, long long invite_id, cJSON **invite)
{
	struct locked	 lc;
	struct standing	 rt;
	struct target	 t = { 0 };
	struct db_res	*inv = NULL;
	const char	*why = NULL;
	char		 iid[24];
	enum invite_status status;
	cJSON		*d;
	int		 rc = -1;

	if (lock_invite_or_reply(r, scope, invite_id, &lc, &inv) != 0)
		return -1;
	if (rights_or_reply(r, kind, &lc, &rt) != 0)
		goto out;
	status = locked_invite_status(inv);
	t.perms = perms_from_pg(db_str(inv, 0, 3));
	if (verdict_or_reply(r, policy_check(OP_CANCEL, &rt, lc.status, &t, 0,
	    &why), why) != 0 ||
	    verdict_or_reply(r, policy_cancel_state(status, &why), why) != 0)
		goto out;
	if (status != INVITE_CANCELLED) {
		if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_invite_cancel,
		    db_fmt_int(iid, invite_id))) != 0)
			goto out;
		d = cJSON_CreateObject();
		json_add_int(d, "invite_id", invite_id);
		cJSON_AddStringToObject(d, "email", db_str(inv, 0, 2));
		if (audit_write(r, lc.id, "invite_cancelled", d) != 0) {
			tx_fail(r);
			goto out;
		}
	}
	rc = commit_invite_or_reply(r, invite_id, invite);
out:
	db_res_free(inv);
	return rc;
}

int
access_member_add_or_reply(struct req *r, long long client_id,
    long long user_id, const char *email, perms_t perms, cJSON **member)
{
	struct locked	 lc;
	struct db_res	*res;
	struct buf	 pg = { 0 };
	char		 cid[24], uid[24], addr[256];
	bool		 created = false;
	cJSON		*d;
	int		 rc = -1;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (lock_client_or_reply(r, client_id, 0, &lc) != 0)
		return -1;
	db_fmt_int(cid, client_id);
	if (user_id > 0) {
		res = DB_EXEC(r->db, &st_user_email, db_fmt_int(uid, user_id));
		if (res == NULL)
			return tx_fail(r);
		if (db_rows(res) != 1) {
			db_res_free(res);
			return fail(r, ERR_NOT_FOUND, "user_id", MSG_NO_USER);
		}
		snprintf(addr, sizeof(addr), "%s", db_str(res, 0, 0));
		db_res_free(res);
	} else {
		for (;;) {
			res = DB_EXEC(r->db, &st_user_by_email, email);
			if (res != NULL && db_rows(res) == 0) {
				/* unknown: a user without a password yet */
				db_res_free(res);
				res = DB_EXEC(r->db, &st_user_create, email);
				created = res != NULL && db_rows(res) == 1;
			}
			if (res == NULL)
				return tx_fail(r);
			if (db_rows(res) == 1)
				break;
			db_res_free(res);	/* created meanwhile: again */
		}
		user_id = db_int(res, 0, 0);
		snprintf(addr, sizeof(addr), "%s", db_str(res, 0, 1));
		db_res_free(res);
		db_fmt_int(uid, user_id);
	}
	perms_to_pg(perms, &pg);
	res = DB_EXEC(r->db, &st_member_insert, cid, uid, pg.data);
	buf_release(&pg);
	if (res == NULL)
		return tx_fail(r);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return fail(r, ERR_ALREADY_MEMBER, user_id > 0 &&
		    email == NULL ? "user_id" : "email", "This user is "
		    "already a member of the account.");
	}
	db_res_free(res);
	/* a pending invitation to that address has no purpose any more */
	if ((res = DB_EXEC(r->db, &st_invites_for_email, cid, addr)) == NULL)
		return tx_fail(r);
	rc = audit_cancelled(r, client_id, res, "associated_directly");
	db_res_free(res);
	if (rc != 0)
		return tx_fail(r);
	d = cJSON_CreateObject();
	json_add_int(d, "user_id", user_id);
	cJSON_AddStringToObject(d, "email", addr);
	cJSON_AddItemToObject(d, "permissions", perms_to_json(perms));
	cJSON_AddBoolToObject(d, "user_created", created);
	if (audit_write(r, client_id, "member_added", d) != 0)
		return tx_fail(r);
	return commit_member_or_reply(r, client_id, user_id, member);
}

/* The target's current permissions, locked. 404 when not a member. */
static int
member_lock_or_reply(struct req *r, long long client_id, long long user_id,
    perms_t *current)
{
	struct db_res	*res;
	char		 cid[24], uid[24];

	res = DB_EXEC(r->db, &st_member_lock, db_fmt_int(cid, client_id),
	    db_fmt_int(uid, user_id));
	if (res == NULL)
		return tx_fail(r);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return fail(r, ERR_NOT_FOUND, NULL, "This user is not a "
		    "member of the account.");
	}
	*current = perms_from_pg(db_str(res, 0, 0));
	db_res_free(res);
	return 0;
}

int
access_member_update_or_reply(struct req *r, enum actor_kind kind,
    long long client_id, long long user_id, perms_t perms, cJSON **member)
{
	struct locked	 lc;
	struct standing	 rt;
	struct target	 t;
	struct buf	 pg = { 0 };
	perms_t		 current;
	const char	*why = NULL;
	char		 cid[24], uid[24];
	cJSON		*d;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (lock_client_or_reply(r, client_id, 0, &lc) != 0 ||
	    rights_or_reply(r, kind, &lc, &rt) != 0 ||
	    member_lock_or_reply(r, client_id, user_id, &current) != 0)
		return -1;
	t.owner = user_id == lc.owner;
	t.perms = current;
	if (verdict_or_reply(r, policy_check(OP_UPDATE, &rt, lc.status, &t,
	    perms, &why), why) != 0)
		return -1;
	perms_to_pg(perms, &pg);
	db_fmt_int(cid, client_id);
	db_fmt_int(uid, user_id);
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_member_update, cid, uid,
	    pg.data)) != 0) {
		buf_release(&pg);
		return -1;
	}
	buf_release(&pg);
	if (policy_loses_manage(current, perms) &&
	    cancel_invites_of_or_reply(r, client_id, user_id) != 0)
		return -1;
	d = cJSON_CreateObject();
	json_add_int(d, "user_id", user_id);
	cJSON_AddItemToObject(d, "from", perms_to_json(current));
	cJSON_AddItemToObject(d, "to", perms_to_json(perms));
	if (audit_write(r, client_id, "member_permissions_changed", d) != 0)
		return tx_fail(r);
	return commit_member_or_reply(r, client_id, user_id, member);
}

int
access_member_remove_or_reply(struct req *r, enum actor_kind kind,
    long long client_id, long long user_id)
{
	struct locked	 lc;
	struct standing	 rt = { 0 };
	struct target	 t;
	perms_t		 current;
	const char	*why = NULL;
	char		 cid[24], uid[24];
	bool		 self = kind == ACTOR_MEMBER && user_id == r->who.id;
	cJSON		*d;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (lock_client_or_reply(r, client_id, 0, &lc) != 0)
		return -1;
	/* leaving needs no right but membership */
	if (!self && rights_or_reply(r, kind, &lc, &rt) != 0)
		return -1;
	if (member_lock_or_reply(r, client_id, user_id, &current) != 0)
		return -1;
	t.owner = user_id == lc.owner;
	t.perms = current;
	if (verdict_or_reply(r, policy_check(self ? OP_LEAVE : OP_REMOVE, &rt,
	    lc.status, &t, 0, &why), why) != 0)
		return -1;
	db_fmt_int(cid, client_id);
	db_fmt_int(uid, user_id);
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_member_delete, cid,
	    uid)) != 0 ||
	    tx_exec_or_reply(r, DB_EXEC(r->db, &st_sessions_leave, uid,
	    cid)) != 0 ||
	    cancel_invites_of_or_reply(r, client_id, user_id) != 0)
		return -1;
	d = cJSON_CreateObject();
	json_add_int(d, "user_id", user_id);
	cJSON_AddItemToObject(d, "permissions", perms_to_json(current));
	if (audit_write(r, client_id, self ? "member_left" : "member_removed",
	    d) != 0)
		return tx_fail(r);
	return tx_commit_or_reply(r);
}

int
access_owner_change_or_reply(struct req *r, long long client_id,
    long long user_id, cJSON **client)
{
	struct locked	 lc;
	perms_t		 current;
	char		 cid[24], uid[24], old[24];
	cJSON		*d;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (lock_client_or_reply(r, client_id, 0, &lc) != 0 ||
	    member_lock_or_reply(r, client_id, user_id, &current) != 0)
		return -1;
	db_fmt_int(cid, client_id);
	db_fmt_int(uid, user_id);
	db_fmt_int(old, lc.owner);
	if (user_id != lc.owner) {
		if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_all_perms, cid,
		    uid)) != 0 ||
		    tx_exec_or_reply(r, DB_EXEC(r->db, &st_all_perms, cid,
		    old)) != 0 ||
		    tx_exec_or_reply(r, DB_EXEC(r->db, &st_owner_set, cid,
		    uid)) != 0)
			return -1;
		d = cJSON_CreateObject();
		json_add_int(d, "from_user_id", lc.owner);
		json_add_int(d, "to_user_id", user_id);
		if (audit_write(r, client_id, "owner_changed", d) != 0)
			return tx_fail(r);
	}
	if (tx_commit_or_reply(r) != 0)
		return -1;
	if (clients_get_json(r->db, client_id, client) != 1) {
		reply_db_error(r);
		return -1;
	}
	return 0;
}
