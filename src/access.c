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
#include "templates.h"
#include "token.h"
#include "tx.h"
#include "validate.h"
#include "banned.h"

static struct stmt st_lock_client =
    STMT(SQL_LOCK_CLIENT, SQL_LOCK_CLIENT_NPARAMS);
static struct stmt st_actor =
    STMT(SQL_ACTOR, SQL_ACTOR_NPARAMS);

static struct stmt st_invite_check =
    STMT(SQL_INVITE_CHECK, SQL_INVITE_CHECK_NPARAMS);
static struct stmt st_client_name = STMT(SQL_CLIENT_NAME, 1);
static struct stmt st_expire_stale = STMT(
    "UPDATE invites SET status = 'expired', ended_at = now()"
    " WHERE client_id = $1 AND lower(email) = lower($2)"
    " AND status = 'pending' AND expires_at <= now()", 2);

static struct stmt st_invite_insert =
    STMT(SQL_INVITE_INSERT, SQL_INVITE_INSERT_NPARAMS);

/*
 * The caps on invitation emails count their audit entries (one per email,
 * written with it) of the last 24 hours: $1 client, $2 the account's cap,
 * $3 recipient, $4 the recipient's cap. For each, how many (at most the
 * cap) and the seconds until the oldest of those leaves the window.
 * Run under the account's lock and the recipient's (st_recipient_lock),
 * each in its own statement so that its snapshot sees what they guarded.
 */
#define SENDS_WINDOW "interval '1 day'"
#define SENDS_OF(where) \
    "SELECT at FROM audit_log WHERE " where \
    " AND action IN ('invite_created', 'invite_resent')" \
    " AND at > now() - " SENDS_WINDOW " ORDER BY at DESC LIMIT "
static struct stmt st_sends = STMT(
    "WITH a AS (" SENDS_OF("client_id = $1") "$2::int),"
    " d AS (" SENDS_OF("lower(details->>'email') = lower($3)") "$4::int)"
    " SELECT (SELECT count(*) FROM a),"
    " ceil(extract(epoch FROM (SELECT min(at) FROM a) + " SENDS_WINDOW
    "   - now()))::int,"
    " (SELECT count(*) FROM d),"
    " ceil(extract(epoch FROM (SELECT min(at) FROM d) + " SENDS_WINDOW
    "   - now()))::int", 4);
/*
 * Serialises sends to one address across accounts; taken after the
 * account lock, always (72851 is login.c's key).
 */
static struct stmt st_recipient_lock = STMT(
    "SELECT pg_advisory_xact_lock(72852, hashtext(lower($1)))", 1);

/* Invitation emails one address receives in 24 hours, from all accounts. */
#define INVITE_SENDS_PER_RECIPIENT	5

static struct stmt st_invite_of = STMT(
    "SELECT client_id FROM invites WHERE id = $1", 1);
static struct stmt st_invite_lock = STMT(
    "SELECT status, expires_at <= now(), email, permissions,"
    " ceil(extract(epoch FROM last_sent_at"
    "  + make_interval(secs => $2::int) - now()))::int,"
    " inviter_name, created_by_kind"
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
    "SELECT id, email, email_verified_at IS NOT NULL FROM users"
    " WHERE lower(email) = lower($1)", 1);
static struct stmt st_user_create = STMT(
    "INSERT INTO users (email) VALUES ($1) ON CONFLICT DO NOTHING"
    " RETURNING id, email, false", 1);
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
	char		 name[DISPLAY_NAME_MAX + 1];	/* how the account is named */
	char		 status[16];
	long long	 owner;
};

struct rights {
	bool		 admin;
	bool		 owner;
	perms_t		 perms;		/* what the actor may grant */
};

/* Lock the client. 0, or -1 after rolling back and replying 404. */
static int
lock_client_or_reply(struct req *r, long long client_id, struct locked *lc)
{
	struct db_res	*res;
	char		 cid[24];

	res = DB_EXEC(r->db, &st_lock_client, db_fmt_int(cid, client_id));
	if (res == NULL)
		return tx_fail(r);
	if (db_rows(res) != 1) {
		db_res_free(res);
		db_rollback(r->db);
		reply_error(r, 404, "not_found", "No such client account.",
		    NULL);
		return -1;
	}
	lc->id = client_id;
	client_display_name(db_str(res, 0, 0), db_str(res, 0, 1),
	    db_str(res, 0, 2), lc->name, sizeof(lc->name));
	(void)str_copy(lc->status, sizeof(lc->status), db_str(res, 0, 3));
	lc->owner = db_int(res, 0, 4);
	db_res_free(res);
	return 0;
}

static int
forbidden(struct req *r, const char *why)
{
	db_rollback(r->db);
	reply_error(r, 403, "forbidden", why, NULL);
	return -1;
}

/*
 * A delegate acts only on members and invitations whose permissions are
 * all among its own (DESIGN.md section 3): never on someone who can do
 * more than it can. The owner and administrators hold every permission.
 * 0, or -1 with 403 sent (rolled back).
 */
static int
within_reach_or_reply(struct req *r, const struct rights *rt, perms_t target,
    const char *why)
{
	if ((target & ~rt->perms) == 0)
		return 0;
	return forbidden(r, why);
}

/*
 * No one is invited to a closed account (its links would lead nowhere);
 * an administrator reopens it first. 0, or -1 with 403 sent.
 */
static int
open_for_invites_or_reply(struct req *r, const struct locked *lc)
{
	if (strcmp(lc->status, "closed") != 0)
		return 0;
	return forbidden(r, "This account is closed: reopen it before "
	    "inviting anyone to it.");
}

static int
fail(struct req *r, int status, const char *code, const char *why,
    const char *field)
{
	db_rollback(r->db);
	reply_error(r, status, code, why, field);
	return -1;
}

/*
 * The actor's rights from its membership row (member false when it has
 * none). A member must be the owner or hold "users"; otherwise 403 (rolled
 * back, replied).
 */
static int
rights_from_or_reply(struct req *r, enum actor_kind kind,
    const struct locked *lc, bool member, const char *perms,
    struct rights *rt)
{
	memset(rt, 0, sizeof(*rt));
	if (kind == ACTOR_ADMIN) {
		rt->admin = true;
		rt->perms = PERMS_ALL;
		return 0;
	}
	if (!member)
		return forbidden(r, "You do not have access to this account.");
	rt->owner = lc->owner == r->who.id;
	rt->perms = rt->owner ? PERMS_ALL : perms_from_pg(perms);
	if (strcmp(lc->status, "closed") == 0)
		return forbidden(r, "This account is closed.");
	if (!rt->owner && !(rt->perms & PERM_USERS))
		return forbidden(r, "Only the owner or a user with the "
		    "\"Manage users\" permission can do this.");
	return 0;
}

/* The actor's rights over the locked account, read under the lock. */
static int
rights_or_reply(struct req *r, enum actor_kind kind, const struct locked *lc,
    struct rights *rt)
{
	struct db_res	*res;
	char		 cid[24], uid[24];
	int		 rc;

	if (kind == ACTOR_ADMIN)
		return rights_from_or_reply(r, kind, lc, false, NULL, rt);
	res = DB_EXEC(r->db, &st_actor, db_fmt_int(cid, lc->id),
	    db_fmt_int(uid, r->who.id));
	if (res == NULL)
		return tx_fail(r);
	rc = rights_from_or_reply(r, kind, lc, db_rows(res) == 1,
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

static int
invite_limit(struct req *r, long long wait_s, const char *why)
{
	char	retry[24];

	db_rollback(r->db);
	reply_header(r, "Retry-After", db_fmt_int(retry, wait_s > 0 ?
	    wait_s : 1));
	reply_error(r, 429, "invite_limit", why, NULL);
	return -1;
}

/*
 * Inside the transaction, under the account's lock: may one more
 * invitation email go to email? The account sends at most
 * invite_sends_per_day a day, one address receives at most
 * INVITE_SENDS_PER_RECIPIENT a day from all accounts. 0, or -1 with
 * 429 invite_limit and Retry-After sent (rolled back).
 */
static int
invite_sends_check_or_reply(struct req *r, long long client_id,
    const char *email)
{
	struct db_res	*res;
	char		 cid[24], cap[24], rcap[24];
	long long	 n_acct, wait_acct, n_rcpt, wait_rcpt;

	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_recipient_lock, email)) != 0)
		return -1;
	res = DB_EXEC(r->db, &st_sends, db_fmt_int(cid, client_id),
	    db_fmt_int(cap, r->cfg->invite_sends_per_day), email,
	    db_fmt_int(rcap, INVITE_SENDS_PER_RECIPIENT));
	if (res == NULL)
		return tx_fail(r);
	n_acct = db_int(res, 0, 0);
	wait_acct = db_int(res, 0, 1);
	n_rcpt = db_int(res, 0, 2);
	wait_rcpt = db_int(res, 0, 3);
	db_res_free(res);
	if (n_acct >= r->cfg->invite_sends_per_day)
		return invite_limit(r, wait_acct, "This account has sent as "
		    "many invitation emails as it may in a day.");
	if (n_rcpt >= INVITE_SENDS_PER_RECIPIENT)
		return invite_limit(r, wait_rcpt, "This address has received "
		    "as many invitation emails as it may in a day.");
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

int
access_invite_create_or_reply(struct req *r, enum actor_kind kind,
    long long client_id, const char *email, perms_t perms, cJSON **invite)
{
	struct locked	 lc;
	struct rights	 rt;
	struct db_res	*res;
	struct email	 mail = { 0 };
	struct buf	 pg = { 0 };
	char		 token[TOKEN_LEN + 1], hash[TOKEN_HASH_PARAM];
	char		 cid[24], ttl[24], aid[24], lim[24];
	char		 inviter[DISPLAY_NAME_MAX + 1];
	long long	 pending_id = 0, id;
	bool		 is_member = false, stale = false, over = false;
	int		 rc = -1;

	/*
	 * The email is rendered before the transaction, so the account's
	 * lock is held only for the statements. A rename in between would
	 * only show in this one email.
	 */
	db_fmt_int(cid, client_id);
	if ((res = DB_EXEC(r->db, &st_client_name, cid)) == NULL) {
		reply_db_error(r);
		return -1;
	}
	if (db_rows(res) != 1) {
		db_res_free(res);
		reply_error(r, 404, "not_found", "No such client account.",
		    NULL);
		return -1;
	}
	client_display_name(db_str(res, 0, 0), db_str(res, 0, 1),
	    db_str(res, 0, 2), lc.name, sizeof(lc.name));
	db_res_free(res);
	if (token_new(token) != 0) {
		reply_error(r, 500, "internal", "No randomness available.",
		    NULL);
		return -1;
	}
	/* invitees never see an administrator's login address */
	if (kind == ACTOR_ADMIN && r->who.name[0] == '\0')
		template_unnamed_admin(r->cfg, inviter, sizeof(inviter));
	else
		(void)str_copy(inviter, sizeof(inviter), r->who.name);
	invite_mail(r, &lc, email, inviter, kind == ACTOR_ADMIN, perms,
	    token, &mail);
	perms_to_pg(perms, &pg);

	if (tx_begin_or_reply(r) != 0)
		goto out;
	if (lock_client_or_reply(r, client_id, &lc) != 0)
		goto out;
	db_fmt_int(aid, r->who.id);
	res = DB_EXEC(r->db, &st_invite_check, cid, email,
	    kind == ACTOR_ADMIN ? NULL : aid,
	    db_fmt_int(lim, r->cfg->invite_pending_limit));
	if (res == NULL) {
		tx_fail(r);
		goto out;
	}
	if (rights_from_or_reply(r, kind, &lc, !db_isnull(res, 0, 5),
	    db_str(res, 0, 4), &rt) != 0 ||
	    open_for_invites_or_reply(r, &lc) != 0) {
		db_res_free(res);
		goto out;
	}
	is_member = db_bool(res, 0, 0);
	pending_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
	over = db_int(res, 0, 2) >= r->cfg->invite_pending_limit;
	stale = db_bool(res, 0, 3);
	db_res_free(res);
	if (perms & ~rt.perms) {
		forbidden(r, "You can grant only permissions you hold "
		    "yourself.");
		goto out;
	}
	if (is_member) {
		fail(r, 409, "already_member", "A user with this email is "
		    "already a member of the account.", "email");
		goto out;
	}
	if (pending_id != 0) {
		db_rollback(r->db);
		reply_invite_pending(r, pending_id);
		goto out;
	}
	if (over) {
		fail(r, 429, "invite_limit", "This account has too many "
		    "pending invitations: cancel some first.", NULL);
		goto out;
	}
	if (invite_sends_check_or_reply(r, client_id, email) != 0)
		goto out;
	if (stale && tx_exec_or_reply(r, DB_EXEC(r->db, &st_expire_stale, cid,
	    email)) != 0)
		goto out;
	res = DB_EXEC(r->db, &st_invite_insert, cid, email,
	    token_hash_param(token, hash), pg.data,
	    db_fmt_int(ttl, r->cfg->invite_ttl), mail.subject, mail.text,
	    mail.html, kind == ACTOR_ADMIN ? "admin" : "user",
	    kind == ACTOR_ADMIN ? aid : NULL, kind == ACTOR_ADMIN ? NULL : aid,
	    inviter, r->who.email, r->remote_addr);
	if (res == NULL) {
		if (db_error(r->db) == DB_UNIQUE) {
			/* another request invited the same address just now */
			fail(r, 409, "invite_pending", "An invitation to this "
			    "address is already pending.", "email");
		} else
			tx_fail(r);
		goto out;
	}
	id = db_int(res, 0, 0);
	db_res_free(res);
	rc = commit_invite_or_reply(r, id, invite);
out:
	explicit_bzero(token, sizeof(token));
	email_release(&mail);
	buf_release(&pg);
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
		return fail(r, 404, "not_found", "No such invitation.", NULL);
	if (lock_client_or_reply(r, client_id, lc) != 0)
		return -1;
	res = DB_EXEC(r->db, &st_invite_lock, iid,
	    db_fmt_int(cool, r->cfg->invite_resend_cooldown));
	if (res == NULL)
		return tx_fail(r);
	*inv = res;
	return 0;
}

int
access_invite_resend_or_reply(struct req *r, enum actor_kind kind,
    long long scope, long long invite_id, cJSON **invite)
{
	struct locked	 lc;
	struct rights	 rt;
	struct db_res	*inv = NULL, *res;
	struct email	 mail = { 0 };
	char		 token[TOKEN_LEN + 1], hash[TOKEN_HASH_PARAM];
	char		 iid[24], ttl[24], cid[24], retry[24], email[256];
	char		 inviter[DISPLAY_NAME_MAX + 1];
	char		 lim[24];
	const char	*status;
	perms_t		 perms;
	long long	 wait_s, pending_id;
	bool		 past, is_member, by_admin;
	cJSON		*d;
	int		 rc = -1;

	if (lock_invite_or_reply(r, scope, invite_id, &lc, &inv) != 0)
		return -1;
	if (rights_or_reply(r, kind, &lc, &rt) != 0 ||
	    open_for_invites_or_reply(r, &lc) != 0)
		goto out;
	status = db_str(inv, 0, 0);
	past = db_bool(inv, 0, 1);
	(void)str_copy(email, sizeof(email), db_str(inv, 0, 2));
	perms = perms_from_pg(db_str(inv, 0, 3));
	wait_s = db_int(inv, 0, 4);
	by_admin = strcmp(db_str(inv, 0, 6), "admin") == 0;
	if (within_reach_or_reply(r, &rt, perms, "This invitation grants "
	    "permissions you do not hold.") != 0)
		goto out;
	if (strcmp(status, "accepted") == 0) {
		fail(r, 410, "invite_used", "This invitation was accepted "
		    "already.", NULL);
		goto out;
	}
	if (strcmp(status, "cancelled") == 0) {
		fail(r, 410, "invite_cancelled", "This invitation was "
		    "cancelled: send a new one.", NULL);
		goto out;
	}
	if (wait_s > 0) {
		db_rollback(r->db);
		reply_header(r, "Retry-After", db_fmt_int(retry, wait_s));
		reply_error(r, 429, "resend_too_soon", "This invitation was "
		    "sent a moment ago; wait a little before resending it.",
		    NULL);
		goto out;
	}
	if (strcmp(status, "expired") == 0 || past) {
		/* reviving it: the same checks as a new invitation */
		db_fmt_int(cid, lc.id);
		res = DB_EXEC(r->db, &st_invite_check, cid, email, NULL,
		    db_fmt_int(lim, r->cfg->invite_pending_limit));
		if (res == NULL) {
			tx_fail(r);
			goto out;
		}
		is_member = db_bool(res, 0, 0);
		pending_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
		if (!is_member && pending_id == 0 && db_int(res, 0, 2) >=
		    r->cfg->invite_pending_limit) {
			db_res_free(res);
			fail(r, 429, "invite_limit", "This account has too "
			    "many pending invitations.", NULL);
			goto out;
		}
		db_res_free(res);
		if (is_member) {
			fail(r, 409, "already_member", "A user with this email "
			    "is already a member of the account.", NULL);
			goto out;
		}
		if (pending_id != 0 && pending_id != invite_id) {
			db_rollback(r->db);
			reply_invite_pending(r, pending_id);
			goto out;
		}
	}
	if (invite_sends_check_or_reply(r, lc.id, email) != 0)
		goto out;
	if (token_new(token) != 0) {
		fail(r, 500, "internal", "No randomness available.", NULL);
		goto out;
	}
	/* the invitation keeps naming whoever sent it first */
	if (by_admin && template_is_unnamed_admin(db_str(inv, 0, 5)))
		template_unnamed_admin(r->cfg, inviter, sizeof(inviter));
	else
		(void)str_copy(inviter, sizeof(inviter), db_str(inv, 0, 5));
	invite_mail(r, &lc, email, inviter, by_admin, perms, token, &mail);
	res = DB_EXEC(r->db, &st_invite_resend, db_fmt_int(iid, invite_id),
	    token_hash_param(token, hash), email, mail.subject, mail.text,
	    mail.html, db_fmt_int(ttl, r->cfg->invite_ttl));
	explicit_bzero(token, sizeof(token));
	if (res == NULL) {
		if (db_error(r->db) == DB_UNIQUE)
			fail(r, 409, "invite_pending", "An invitation to this "
			    "address is already pending.", NULL);
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
	struct rights	 rt;
	struct db_res	*inv = NULL;
	char		 iid[24];
	const char	*status;
	cJSON		*d;
	int		 rc = -1;

	if (lock_invite_or_reply(r, scope, invite_id, &lc, &inv) != 0)
		return -1;
	if (rights_or_reply(r, kind, &lc, &rt) != 0 ||
	    within_reach_or_reply(r, &rt, perms_from_pg(db_str(inv, 0, 3)),
	    "This invitation grants permissions you do not hold.") != 0)
		goto out;
	status = db_str(inv, 0, 0);
	if (strcmp(status, "accepted") == 0) {
		fail(r, 410, "invite_used", "This invitation was accepted "
		    "already: remove the user's access instead.", NULL);
		goto out;
	}
	if (strcmp(status, "cancelled") != 0) {
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
	bool		 created = false, by_email = user_id <= 0;
	cJSON		*d;
	int		 rc = -1;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (lock_client_or_reply(r, client_id, &lc) != 0)
		return -1;
	db_fmt_int(cid, client_id);
	if (user_id > 0) {
		res = DB_EXEC(r->db, &st_user_email, db_fmt_int(uid, user_id));
		if (res == NULL)
			return tx_fail(r);
		if (db_rows(res) != 1) {
			db_res_free(res);
			return fail(r, 404, "not_found", "No such user.",
			    "user_id");
		}
		(void)str_copy(addr, sizeof(addr), db_str(res, 0, 0));
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
		/*
		 * Anyone can register any address: binding an unverified one
		 * at once would hand the account to whoever registered it.
		 */
		if (!created && !db_bool(res, 0, 2)) {
			db_res_free(res);
			return fail(r, 409, "email_unverified", "A user has "
			    "registered this address but not verified it: "
			    "send an invitation instead, or pick the user "
			    "after checking who they are.", "email");
		}
		user_id = db_int(res, 0, 0);
		(void)str_copy(addr, sizeof(addr), db_str(res, 0, 1));
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
		return fail(r, 409, "already_member", "This user is already a "
		    "member of the account.", by_email ? "email" : "user_id");
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
	cJSON_AddStringToObject(d, "bound_by", by_email ? "email" : "user_id");
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
		return fail(r, 404, "not_found", "This user is not a member "
		    "of the account.", NULL);
	}
	*current = perms_from_pg(db_str(res, 0, 0));
	db_res_free(res);
	return 0;
}

static int
owner_untouchable(struct req *r, const struct rights *rt)
{
	if (rt->admin || rt->owner)
		return fail(r, 409, "owner_protected", "The owner always has "
		    "every permission and cannot be removed; make another "
		    "user the owner first.", NULL);
	return forbidden(r, "Only the owner can change the owner's access.");
}

int
access_member_update_or_reply(struct req *r, enum actor_kind kind,
    long long client_id, long long user_id, perms_t perms, cJSON **member)
{
	struct locked	 lc;
	struct rights	 rt;
	struct buf	 pg = { 0 };
	perms_t		 current;
	char		 cid[24], uid[24];
	cJSON		*d;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (lock_client_or_reply(r, client_id, &lc) != 0 ||
	    rights_or_reply(r, kind, &lc, &rt) != 0 ||
	    member_lock_or_reply(r, client_id, user_id, &current) != 0)
		return -1;
	if (user_id == lc.owner)
		return owner_untouchable(r, &rt);
	if (within_reach_or_reply(r, &rt, current, "This user holds "
	    "permissions you do not hold.") != 0)
		return -1;
	if (perms & ~rt.perms)
		return forbidden(r, "You can grant only permissions you hold "
		    "yourself.");
	perms_to_pg(perms, &pg);
	db_fmt_int(cid, client_id);
	db_fmt_int(uid, user_id);
	if (tx_exec_or_reply(r, DB_EXEC(r->db, &st_member_update, cid, uid,
	    pg.data)) != 0) {
		buf_release(&pg);
		return -1;
	}
	buf_release(&pg);
	if ((current & PERM_USERS) && !(perms & PERM_USERS) &&
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
	struct rights	 rt = { 0 };
	perms_t		 current;
	char		 cid[24], uid[24];
	bool		 self = kind == ACTOR_MEMBER && user_id == r->who.id;
	cJSON		*d;

	if (tx_begin_or_reply(r) != 0)
		return -1;
	if (lock_client_or_reply(r, client_id, &lc) != 0)
		return -1;
	/* leaving needs no right but membership */
	if (!self && rights_or_reply(r, kind, &lc, &rt) != 0)
		return -1;
	if (member_lock_or_reply(r, client_id, user_id, &current) != 0)
		return -1;
	if (user_id == lc.owner) {
		rt.owner = rt.owner || self;
		return owner_untouchable(r, &rt);
	}
	if (!self && within_reach_or_reply(r, &rt, current, "This user holds "
	    "permissions you do not hold.") != 0)
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
	if (lock_client_or_reply(r, client_id, &lc) != 0 ||
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
