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
#include "invites.h"
#include "members.h"
#include "perms.h"
#include "policy.h"
#include "session.h"
#include "templates.h"
#include "token.h"
#include "users.h"
#include "banned.h"

static struct stmt st_lock_client =
    STMT(SQL_LOCK_CLIENT, SQL_LOCK_CLIENT_NPARAMS);
static struct stmt st_invite_check =
    STMT(SQL_INVITE_CHECK, SQL_INVITE_CHECK_NPARAMS);
static struct stmt st_invite_insert =
    STMT(SQL_INVITE_INSERT, SQL_INVITE_INSERT_NPARAMS);
static struct stmt st_recipient_lock = STMT(SQL_RECIPIENT_LOCK, 1);
static struct stmt st_invite_sends = STMT(SQL_INVITE_SENDS, 4);

/*
 * $1 invite, $2 the account it must be in (NULL: any): its account,
 * locked, laid out as SQL_LOCK_CLIENT (no actor), then the account's id.
 * An invitation never moves, so its client_id may be read before the lock.
 */
static struct stmt st_lock_by_invite = STMT(
    "SELECT c.company_name, c.first_name, c.last_name, c.status,"
    " c.owner_user_id, NULL::text[], c.id FROM clients c"
    " WHERE c.id = (SELECT client_id FROM invites WHERE id = $1)"
    " AND ($2::bigint IS NULL OR c.id = $2) FOR NO KEY UPDATE OF c", 2);
/* $1 invite, $2 cooldown (s), $3 acting user: under the account's lock */
static struct stmt st_invite_lock = STMT(
    "SELECT status, expires_at <= now(), email, permissions,"
    " ceil(extract(epoch FROM last_sent_at"
    "  + make_interval(secs => $2::int) - now()))::int,"
    " inviter_name, created_by_kind = 'admin',"
    " (SELECT permissions FROM client_users cu"
    "  WHERE cu.client_id = i.client_id AND cu.user_id = $3)"
    " FROM invites i WHERE id = $1 FOR UPDATE OF i", 3);


struct locked {
	long long	 id;
	char		 name[DISPLAY_NAME_MAX + 1];	/* the account's */
	enum client_status status;
	long long	 owner;
	/* the acting member's row, as the lock read it (maybe older) */
	bool		 actor_member;
	char		 actor_perms[256];	/* text[] literal */
};

/* The acting member's id, or NULL for an administrator, as a parameter. */
#define ACTOR_PARAM(f, buf) \
	((f)->who.kind == ACTOR_MEMBER ? db_fmt_int((buf), (f)->who.id) : NULL)

/* The row of a lock statement (SQL_LOCK_CLIENT's columns) into lc. */
static void
locked_read(const struct db_res *res, long long client_id, struct locked *lc)
{
	lc->id = client_id;
	client_display_name(db_str(res, 0, 0), db_str(res, 0, 1),
	    db_str(res, 0, 2), lc->name, sizeof(lc->name));
	if (client_status_parse(db_str(res, 0, 3), &lc->status) != 0)
		lc->status = CLIENT_CLOSED;	/* the schema allows no other */
	lc->owner = db_int(res, 0, 4);
	lc->actor_member = !db_isnull(res, 0, 5);
	(void)str_copy(lc->actor_perms, sizeof(lc->actor_perms),
	    lc->actor_member ? db_str(res, 0, 5) : "");
}

/* Begin, lock the client, read the acting member's row. ERR_NOT_FOUND. */
static enum err
lock_client(struct flow *f, long long client_id, struct locked *lc)
{
	struct db_res	*res;
	char		 aid[24];
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_lock_client, DB_INT(client_id),
	    ACTOR_PARAM(f, aid));
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_CLIENT);
	}
	locked_read(res, client_id, lc);
	db_res_free(res);
	return ERR_NONE;
}

/*
 * The rules' verdict e: rolled back and recorded unless it allows. why is
 * where the rule left its sentence, read only now: as a plain argument it
 * could be read before the rule wrote it (the order in which a call's
 * arguments are evaluated is unspecified).
 */
static enum err
verdict(struct flow *f, enum err e, const char *const *why)
{
	return e == ERR_NONE ? ERR_NONE : flow_fail(f, e, NULL, *why);
}

/*
 * The actor's standing from its membership row (member false when it has
 * none), and whether it may manage the account's users at all.
 */
static enum err
standing_from(struct flow *f, const struct locked *lc, bool member,
    const char *perms, struct standing *s)
{
	const char	*why = NULL;

	policy_standing(f->who.kind, member, lc->owner == f->who.id,
	    perms_from_pg(perms), s);
	return verdict(f, policy_manage(s, lc->status, &why), &why);
}

/* The actor's standing on the locked account, read under the lock. */
static enum err
standing_read(struct flow *f, const struct locked *lc, struct standing *s)
{
	char	pg[256];
	int	rc;

	if (f->who.kind == ACTOR_ADMIN)
		return standing_from(f, lc, false, NULL, s);
	rc = members_perms_text(f->db, lc->id, f->who.id, pg, sizeof(pg));
	if (rc < 0)
		return flow_db_fail(f);
	return standing_from(f, lc, rc == 1, rc == 1 ? pg : NULL, s);
}

/* Record action by the flow's actor; releases d. */
static enum err
audit(struct flow *f, long long client_id, const char *action,
    struct audit_details *d)
{
	int	rc = audit_record(f->db, &f->who, client_id, action, d);

	audit_details_release(d);
	return rc == 0 ? ERR_NONE : flow_db_fail(f);
}

/* Invitations cancelled as a side effect, each audited with its reason. */
struct cancelled {
	struct flow	*f;
	long long	 client_id;
	const char	*reason;
	enum err	 e;
};

static void
audit_cancelled(long long invite_id, const char *email, void *arg)
{
	struct cancelled	*c = arg;
	struct audit_details	 d = { 0 };

	if (c->e != ERR_NONE)
		return;
	audit_detail_int(&d, "invite_id", invite_id);
	audit_detail_str(&d, "email", email);
	audit_detail_str(&d, "reason", c->reason);
	c->e = audit(c->f, c->client_id, "invite_cancelled", &d);
}

/*
 * Cancel the pending invitations sent by user_id in client_id (by 0:
 * those to email instead), auditing each.
 */
static enum err
cancel_invites(struct flow *f, long long client_id, long long by,
    const char *email, const char *reason)
{
	struct cancelled	c = { f, client_id, reason, ERR_NONE };
	int			rc;

	rc = by > 0 ? invites_cancel_sent_by(f->db, client_id, by,
	    audit_cancelled, &c) : invites_cancel_to(f->db, client_id, email,
	    audit_cancelled, &c);
	return rc != 0 ? flow_db_fail(f) : c.e;
}

/* The invitation email for token. out is filled (email_release). */
static void
invite_mail(struct flow *f, const struct locked *lc, const char *to,
    const char *to_name, const char *inviter, bool by_admin, perms_t perms,
    const char *token, struct email *out)
{
	struct buf		link = { 0 }, words = { 0 };
	struct invite_mail	m;

	buf_printf(&link, "%s/invite#%s", f->cfg->public_url, token);
	perms_words(perms, &words);
	memset(&m, 0, sizeof(m));
	m.to = to;
	m.to_name = to_name;
	m.account_name = lc->name;
	m.inviter_name = inviter;
	m.by_admin = by_admin;
	m.link = link.data;
	m.ttl = f->cfg->invite_ttl;
	m.permissions = words.data;
	template_invite(f->cfg, &m, out);
	buf_release(&link);
	buf_release(&words);
}

/* A fresh token into the email of an invitation; its hash into hash. */
static enum err
invite_token_mail(struct flow *f, const struct locked *lc, const char *to,
    const char *to_name, const char *inviter, bool by_admin, perms_t perms,
    struct email *mail, char *hash)
{
	char	token[TOKEN_LEN + 1];

	if (token_new(token) != 0)
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	invite_mail(f, lc, to, to_name, inviter, by_admin, perms, token, mail);
	token_hash_param(token, hash);
	explicit_bzero(token, sizeof(token));
	return ERR_NONE;
}

/* ERR_INVITE_PENDING for the pending invitation id to the same address. */
static enum err
invite_pending(struct flow *f, const char *field, long long id)
{
	flow_fail(f, ERR_INVITE_PENDING, field, NULL);
	f->fault.invite_id = id;
	return ERR_INVITE_PENDING;
}

/* Invitation emails in the last 24 hours, and the waits until one goes. */
struct sends {
	long long	 n_acct, wait_acct;	/* of the account */
	long long	 n_rcpt, wait_rcpt;	/* to the recipient */
};

static void
sends_read(const struct db_res *res, int col, struct sends *s)
{
	s->n_acct = db_int(res, 0, col);
	s->wait_acct = db_int(res, 0, col + 1);
	s->n_rcpt = db_int(res, 0, col + 2);
	s->wait_rcpt = db_int(res, 0, col + 3);
}

/* ERR_INVITE_LIMIT with Retry-After wait_s (at least 1). */
static enum err
invite_limit(struct flow *f, long long wait_s, const char *why)
{
	flow_fail(f, ERR_INVITE_LIMIT, NULL, why);
	f->fault.retry_after = wait_s > 0 ? wait_s : 1;
	return ERR_INVITE_LIMIT;
}

/*
 * May one more invitation email go? The account sends at most
 * invite_sends_per_day a day, one address receives at most
 * INVITE_SENDS_PER_RECIPIENT a day from all accounts.
 */
static enum err
sends_allowed(struct flow *f, const struct sends *s)
{
	if (s->n_acct >= f->cfg->invite_sends_per_day)
		return invite_limit(f, s->wait_acct, "This account has sent as "
		    "many invitation emails as it may in a day.");
	if (s->n_rcpt >= INVITE_SENDS_PER_RECIPIENT)
		return invite_limit(f, s->wait_rcpt, "This address has "
		    "received as many invitation emails as it may in a day.");
	return ERR_NONE;
}

/* Under the account's lock: the recipient's, then the counts of sends. */
static enum err
sends_check(struct flow *f, long long client_id, const char *email)
{
	struct db_res	*res;
	struct sends	 s;
	enum err	 e;

	if ((e = flow_exec(f, DB_EXEC(f->db, &st_recipient_lock, email))) !=
	    ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_invite_sends, DB_INT(client_id),
	    DB_INT(f->cfg->invite_sends_per_day), email,
	    DB_INT(INVITE_SENDS_PER_RECIPIENT));
	if (res == NULL)
		return flow_db_fail(f);
	sends_read(res, 0, &s);
	db_res_free(res);
	return sends_allowed(f, &s);
}

/*
 * How an invitation names its sender: an administrator without a name is
 * never named by the staff login address (templates.c says how instead).
 */
static void
inviter_name(struct flow *f, bool by_admin, const char *name, char *out,
    size_t len)
{
	if (by_admin && (*name == '\0' || template_is_unnamed_admin(name)))
		template_unnamed_admin(f->cfg, out, len);
	else
		(void)str_copy(out, len, name);
}

/* The facts SQL_INVITE_INSERT saw when it wrote nothing. */
struct invite_facts {
	bool		 member;	/* the address is a member */
	long long	 pending_id;	/* an invitation to it is pending */
	long long	 pending;	/* how many are pending */
	bool		 stale;		/* one to it is past its expiry */
	bool		 actor_member;
	char		 actor_perms[256];
	struct sends	 sends;
};

/* One invitation's creation. */
struct invite_new {
	const char	*email;
	const char	*to_name;	/* whom the email greets; NULL: nobody */
	char		 inviter[DISPLAY_NAME_MAX + 1];
	perms_t		 perms;
	struct buf	 pg;		/* perms as text[] */
	struct email	 mail;
	char		 hash[TOKEN_HASH_PARAM];
};

/* The rules on the actor's standing as lc says it is. */
static enum err
invite_allowed(struct flow *f, const struct invite_new *in,
    const struct locked *lc)
{
	struct standing	 st;
	const char	*why = NULL;

	policy_standing(f->who.kind, lc->actor_member, lc->owner == f->who.id,
	    perms_from_pg(lc->actor_perms), &st);
	return verdict(f, policy_check(OP_INVITE, &st, lc->status, NULL,
	    in->perms, &why), &why);
}

static void
facts_read(const struct db_res *res, struct invite_facts *fa)
{
	fa->member = db_bool(res, 0, 0);
	fa->pending_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
	fa->pending = db_int(res, 0, 2);
	fa->stale = db_bool(res, 0, 3);
	fa->actor_member = !db_isnull(res, 0, 4);
	(void)str_copy(fa->actor_perms, sizeof(fa->actor_perms),
	    fa->actor_member ? db_str(res, 0, 4) : "");
	sends_read(res, 5, &fa->sends);
}

/*
 * Run SQL_INVITE_INSERT. ERR_NONE with *written set (out filled) or not
 * (fa the facts), or the error.
 */
static enum err
invite_insert(struct flow *f, struct invite_new *in, const struct locked *lc,
    bool *written, struct invite *out, struct invite_facts *fa)
{
	struct db_res	*res;
	char		 aid[24];
	bool		 admin = f->who.kind == ACTOR_ADMIN;

	db_fmt_int(aid, f->who.id);
	res = DB_EXEC(f->db, &st_invite_insert, DB_INT(lc->id), in->email,
	    in->hash, in->pg.data, DB_INT(f->cfg->invite_ttl),
	    in->mail.subject, in->mail.text, in->mail.html,
	    admin ? "admin" : "user", admin ? aid : NULL, admin ? NULL : aid,
	    in->inviter, audit_actor_name(&f->who), f->who.ip,
	    DB_INT(f->cfg->invite_pending_limit),
	    lc->actor_member ? lc->actor_perms : NULL,
	    DB_INT(f->cfg->invite_sends_per_day),
	    DB_INT(INVITE_SENDS_PER_RECIPIENT),
	    f->who.impersonator_id > 0 ? DB_INT(f->who.impersonator_id) :
	    NULL, f->who.impersonator_id > 0 ? f->who.email : NULL);
	if (res == NULL) {
		/* another request invited the same address just now */
		if (db_error(f->db) == DB_UNIQUE)
			return flow_fail(f, ERR_INVITE_PENDING, "email", NULL);
		return flow_db_fail(f);
	}
	*written = !db_isnull(res, 0, SQL_INVITE_INSERT_FACTS);
	if (*written)
		invite_read(res, 0, SQL_INVITE_INSERT_FACTS, out);
	else
		facts_read(res, fa);
	db_res_free(res);
	return ERR_NONE;
}

/*
 * Why nothing was written, as an error; or the actor's row changed while
 * the lock was awaited (lc takes it, judged again), or an invitation
 * past its expiry is marked expired: ERR_NONE to try again.
 */
static enum err
invite_refused(struct flow *f, struct invite_new *in, struct locked *lc,
    const struct invite_facts *fa)
{
	enum err	e;

	if (fa->actor_member != lc->actor_member ||
	    strcmp(fa->actor_perms, lc->actor_perms) != 0) {
		lc->actor_member = fa->actor_member;
		memcpy(lc->actor_perms, fa->actor_perms,
		    sizeof(lc->actor_perms));
		return invite_allowed(f, in, lc);
	}
	if (fa->member)
		return flow_fail(f, ERR_ALREADY_MEMBER, "email", NULL);
	if (fa->pending_id != 0)
		return invite_pending(f, "email", fa->pending_id);
	if (policy_pending_limit(fa->pending, f->cfg->invite_pending_limit,
	    NULL) != ERR_NONE)
		return flow_fail(f, ERR_INVITE_LIMIT, NULL, NULL);
	if ((e = sends_allowed(f, &fa->sends)) != ERR_NONE)
		return e;
	if (fa->stale)
		return invites_expire_stale(f->db, lc->id, in->email) == 0 ?
		    ERR_NONE : flow_db_fail(f);
	return flow_fail(f, ERR_INTERNAL, NULL, NULL);
}

/* Under the lock: the rules, the email, the statement, the commit. */
static enum err
invite_write(struct flow *f, struct invite_new *in, struct locked *lc,
    struct invite *out)
{
	struct invite_facts	 fa;
	bool			 written = false;
	enum err		 e;
	int			 tries;

	inviter_name(f, f->who.kind == ACTOR_ADMIN, f->who.name, in->inviter,
	    sizeof(in->inviter));
	if ((e = invite_allowed(f, in, lc)) != ERR_NONE ||
	    (e = invite_token_mail(f, lc, in->email, in->to_name, in->inviter,
	    f->who.kind == ACTOR_ADMIN, in->perms, &in->mail, in->hash)) !=
	    ERR_NONE ||
	    /* serialises sends to one address across accounts */
	    (e = flow_exec(f, DB_EXEC(f->db, &st_recipient_lock, in->email))) !=
	    ERR_NONE)
		return e;
	/* a retry follows only a change seen under the lock: at most two */
	for (tries = 0; tries < 3 && !written; tries++) {
		if ((e = invite_insert(f, in, lc, &written, out, &fa)) !=
		    ERR_NONE)
			return e;
		if (!written && (e = invite_refused(f, in, lc, &fa)) !=
		    ERR_NONE)
			return e;
	}
	if (!written)
		return flow_fail(f, ERR_INTERNAL, NULL, NULL);
	return flow_commit(f);
}

enum err
access_invite_create(struct flow *f, long long client_id, const char *email,
    perms_t perms, struct invite *out)
{
	return access_invite_create_to(f, client_id, email, NULL, perms, out);
}

enum err
access_invite_create_to(struct flow *f, long long client_id,
    const char *email, const char *to_name, perms_t perms, struct invite *out)
{
	struct locked		 lc;
	struct invite_new	 in = { 0 };
	enum err		 e;

	in.email = email;
	in.to_name = to_name;
	in.perms = perms;
	perms_to_pg(perms, &in.pg);
	if ((e = lock_client(f, client_id, &lc)) == ERR_NONE)
		e = invite_write(f, &in, &lc, out);
	email_release(&in.mail);
	buf_release(&in.pg);
	return e;
}

/* An invitation locked under its account's lock, and the actor's row. */
struct locked_invite {
	enum invite_status status;
	bool		 past;		/* expires_at is behind us */
	char		 email[TEXT_EMAIL];
	perms_t		 perms;
	long long	 wait_s;	/* until the resend cooldown ends */
	char		 inviter[DISPLAY_NAME_MAX + 1];
	bool		 by_admin;
	bool		 actor_member;
	char		 actor_perms[256];
};

static void
locked_invite_read(const struct db_res *res, struct locked_invite *li)
{
	if (invite_status_parse(db_str(res, 0, 0), &li->status) != 0)
		li->status = INVITE_CANCELLED;	/* the schema allows no other */
	li->past = db_bool(res, 0, 1);
	(void)str_copy(li->email, sizeof(li->email), db_str(res, 0, 2));
	li->perms = perms_from_pg(db_str(res, 0, 3));
	li->wait_s = db_int(res, 0, 4);
	(void)str_copy(li->inviter, sizeof(li->inviter), db_str(res, 0, 5));
	li->by_admin = db_bool(res, 0, 6);
	li->actor_member = !db_isnull(res, 0, 7);
	(void)str_copy(li->actor_perms, sizeof(li->actor_perms),
	    li->actor_member ? db_str(res, 0, 7) : "");
}

/*
 * Begin, lock the invitation's account, then the invitation, and judge
 * the actor (op: OP_RESEND, OP_CANCEL, OP_EDIT granting grant, or
 * OP_DISMISS) under the lock. An invitation
 * outside scope (a member's active account) is ERR_NOT_FOUND.
 */
static enum err
lock_invite(struct flow *f, enum access_op op, long long scope,
    long long invite_id, perms_t grant, struct locked *lc,
    struct locked_invite *li)
{
	struct db_res	*res;
	struct standing	 st;
	struct target	 t = { 0 };
	const char	*why = NULL;
	char		 sid[24], aid[24];
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_lock_by_invite, DB_INT(invite_id),
	    scope != 0 ? db_fmt_int(sid, scope) : NULL);
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) == 1)
		locked_read(res, db_int(res, 0, 6), lc);
	e = db_rows(res) == 1 ? ERR_NONE : ERR_NOT_FOUND;
	db_res_free(res);
	if (e != ERR_NONE)
		return flow_fail(f, e, NULL, "No such invitation.");
	res = DB_EXEC(f->db, &st_invite_lock, DB_INT(invite_id),
	    DB_INT(f->cfg->invite_resend_cooldown), ACTOR_PARAM(f, aid));
	if (res == NULL)
		return flow_db_fail(f);
	locked_invite_read(res, li);
	db_res_free(res);
	if ((e = standing_from(f, lc, li->actor_member, li->actor_perms, &st)) !=
	    ERR_NONE)
		return e;
	t.perms = li->perms;
	return verdict(f, policy_check(op, &st, lc->status, &t, grant, &why),
	    &why);
}

/* Reviving an expired invitation: the same checks as a new one. */
static enum err
resend_revive_check(struct flow *f, const struct locked *lc,
    const struct locked_invite *li, long long invite_id)
{
	struct db_res	*res;
	bool		 member;
	long long	 pending_id;
	enum err	 e = ERR_NONE;

	res = DB_EXEC(f->db, &st_invite_check, DB_INT(lc->id), li->email,
	    DB_INT(f->cfg->invite_pending_limit));
	if (res == NULL)
		return flow_db_fail(f);
	member = db_bool(res, 0, 0);
	pending_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
	if (!member && pending_id == 0)
		e = policy_pending_limit(db_int(res, 0, 2),
		    f->cfg->invite_pending_limit, NULL);
	db_res_free(res);
	if (e != ERR_NONE || member)
		return flow_fail(f, member ? ERR_ALREADY_MEMBER : e, NULL,
		    NULL);
	if (pending_id != 0 && pending_id != invite_id)
		return invite_pending(f, NULL, pending_id);
	return ERR_NONE;
}

/* The new token, email and validity, written and answered. */
static enum err
resend_write(struct flow *f, const struct locked *lc,
    const struct locked_invite *li, long long invite_id, struct invite *out)
{
	struct email	 mail = { 0 };
	char		 hash[TOKEN_HASH_PARAM], inviter[DISPLAY_NAME_MAX + 1];
	enum err	 e;
	int		 rc;

	/* the invitation keeps naming whoever sent it first */
	inviter_name(f, li->by_admin, li->inviter, inviter, sizeof(inviter));
	if ((e = invite_token_mail(f, lc, li->email, NULL, inviter,
	    li->by_admin, li->perms, &mail, hash)) != ERR_NONE)
		return e;
	rc = invites_resend(f->db, &(struct invite_resend){ .id = invite_id,
	    .token_hash = hash, .mail = &mail, .ttl = f->cfg->invite_ttl },
	    &f->who, out);
	email_release(&mail);
	if (rc != 0) {
		if (db_error(f->db) == DB_UNIQUE)
			return flow_fail(f, ERR_INVITE_PENDING, NULL, NULL);
		return flow_db_fail(f);
	}
	return flow_commit(f);
}

enum err
access_invite_resend(struct flow *f, long long scope, long long invite_id,
    struct invite *out)
{
	struct locked		 lc;
	struct locked_invite	 li;
	const char		*why = NULL;
	enum err		 e;

	if ((e = lock_invite(f, OP_RESEND, scope, invite_id, 0, &lc, &li)) !=
	    ERR_NONE)
		return e;
	if ((e = policy_resend_state(li.status, li.wait_s, &why)) !=
	    ERR_NONE) {
		flow_fail(f, e, NULL, why);
		if (e == ERR_RESEND_TOO_SOON)
			f->fault.retry_after = li.wait_s;
		return e;
	}
	if ((li.status == INVITE_EXPIRED || li.past) &&
	    (e = resend_revive_check(f, &lc, &li, invite_id)) != ERR_NONE)
		return e;
	if ((e = sends_check(f, lc.id, li.email)) != ERR_NONE)
		return e;
	return resend_write(f, &lc, &li, invite_id, out);
}

enum err
access_invite_cancel(struct flow *f, long long scope, long long invite_id,
    struct invite *out)
{
	struct locked		 lc;
	struct locked_invite	 li;
	const char		*why = NULL;
	enum err		 e;

	if ((e = lock_invite(f, OP_CANCEL, scope, invite_id, 0, &lc, &li)) !=
	    ERR_NONE ||
	    (e = verdict(f, policy_cancel_state(li.status, &why), &why)) !=
	    ERR_NONE)
		return e;
	if (invites_cancel(f->db, invite_id, &f->who, out) != 0)
		return flow_db_fail(f);
	return flow_commit(f);
}

/* Commit, then read the invitation back for the answer. */
static enum err
commit_invite(struct flow *f, long long invite_id, struct invite *out)
{
	enum err	e;

	if ((e = flow_commit(f)) != ERR_NONE)
		return e;
	return invites_get(f->db, invite_id, out) == 1 ? ERR_NONE :
	    flow_db_fail(f);
}

enum err
access_invite_update(struct flow *f, long long scope, long long invite_id,
    perms_t perms, struct invite *out)
{
	struct locked		 lc;
	struct locked_invite	 li;
	struct audit_details	 d = { 0 };
	const char		*why = NULL;
	enum err		 e;

	if ((e = lock_invite(f, OP_EDIT, scope, invite_id, perms, &lc, &li)) !=
	    ERR_NONE ||
	    (e = verdict(f, policy_edit_state(li.status, li.past, &why),
	    &why)) != ERR_NONE)
		return e;
	if (li.perms != perms) {
		if (invites_set_perms(f->db, invite_id, perms) != 0)
			return flow_db_fail(f);
		audit_detail_int(&d, "invite_id", invite_id);
		audit_detail_str(&d, "email", li.email);
		audit_detail_perms(&d, "from", li.perms);
		audit_detail_perms(&d, "to", perms);
		if ((e = audit(f, lc.id, "invite_permissions_changed", &d)) !=
		    ERR_NONE)
			return e;
	}
	return commit_invite(f, invite_id, out);
}

enum err
access_invite_dismiss(struct flow *f, long long scope, long long invite_id,
    struct invite *out)
{
	struct locked		 lc;
	struct locked_invite	 li;
	struct audit_details	 d = { 0 };
	const char		*why = NULL;
	int			 changed;
	enum err		 e;

	if ((e = lock_invite(f, OP_DISMISS, scope, invite_id, 0, &lc, &li)) !=
	    ERR_NONE ||
	    (e = verdict(f, policy_dismiss_state(li.status, li.past, &why),
	    &why)) != ERR_NONE)
		return e;
	if ((changed = invites_dismiss(f->db, invite_id)) < 0)
		return flow_db_fail(f);
	if (changed) {
		audit_detail_int(&d, "invite_id", invite_id);
		audit_detail_str(&d, "email", li.email);
		audit_detail_str(&d, "was", li.status == INVITE_DECLINED ?
		    "declined" : li.status == INVITE_CANCELLED ? "cancelled" :
		    "expired");
		if ((e = audit(f, lc.id, "invite_dismissed", &d)) != ERR_NONE)
			return e;
	}
	return commit_invite(f, invite_id, out);
}

/* Commit, then read the member back for the answer. */
static enum err
commit_member(struct flow *f, long long client_id, long long user_id,
    struct member *out)
{
	enum err	e;

	if ((e = flow_commit(f)) != ERR_NONE)
		return e;
	if (members_get(f->db, client_id, user_id, out) != 1)
		return flow_db_fail(f);
	return ERR_NONE;
}

/*
 * The user to associate: by id (ERR_NOT_FOUND), else found or created.
 * Anyone can register any address: binding an unverified one at once
 * would hand the account to whoever registered it (ERR_EMAIL_UNVERIFIED).
 */
static enum err
member_user(struct flow *f, long long user_id, const char *email,
    const char *first, const char *last, struct user_ref *u)
{
	int	rc;

	if (user_id > 0) {
		if ((rc = users_by_id(f->db, user_id, u)) < 0)
			return flow_db_fail(f);
		return rc == 1 ? ERR_NONE : flow_fail(f, ERR_NOT_FOUND,
		    "user_id", MSG_NO_USER);
	}
	if (users_find_or_create(f->db, email, first ? first : "",
	    last ? last : "", u) != 0)
		return flow_db_fail(f);
	if (!u->created && !u->verified)
		return flow_fail(f, ERR_EMAIL_UNVERIFIED, "email", "A user has "
		    "registered this address but not verified it: send an "
		    "invitation instead, or pick the user after checking who "
		    "they are.");
	return ERR_NONE;
}

enum err
access_member_add(struct flow *f, long long client_id, long long user_id,
    const char *email, perms_t perms, struct member *out)
{
	return access_member_add_named(f, client_id, user_id, email, NULL, NULL,
	    perms, out);
}

enum err
access_member_add_named(struct flow *f, long long client_id,
    long long user_id, const char *email, const char *first,
    const char *last, perms_t perms, struct member *out)
{
	struct locked		 lc;
	struct user_ref		 u;
	struct audit_details	 d = { 0 };
	int			 added;
	enum err		 e;

	if ((e = lock_client(f, client_id, &lc)) != ERR_NONE ||
	    (e = member_user(f, user_id, email, first, last, &u)) != ERR_NONE)
		return e;
	if ((added = members_add(f->db, client_id, u.id, perms)) < 0)
		return flow_db_fail(f);
	if (!added)
		return flow_fail(f, ERR_ALREADY_MEMBER, user_id > 0 ? "user_id" :
		    "email", "This user is already a member of the account.");
	/* a pending invitation to that address has no purpose any more */
	if ((e = cancel_invites(f, client_id, 0, u.email,
	    "associated_directly")) != ERR_NONE)
		return e;
	audit_detail_int(&d, "user_id", u.id);
	audit_detail_str(&d, "email", u.email);
	audit_detail_perms(&d, "permissions", perms);
	audit_detail_bool(&d, "user_created", u.created);
	audit_detail_str(&d, "bound_by", user_id > 0 ? "user_id" : "email");
	if ((e = audit(f, client_id, "member_added", &d)) != ERR_NONE)
		return e;
	return commit_member(f, client_id, u.id, out);
}

/* The target's current permissions, locked. ERR_NOT_FOUND if no member. */
static enum err
member_lock(struct flow *f, long long client_id, long long user_id,
    perms_t *current)
{
	int	found;

	if ((found = members_lock(f->db, client_id, user_id, current)) < 0)
		return flow_db_fail(f);
	return found ? ERR_NONE : flow_fail(f, ERR_NOT_FOUND, NULL,
	    "This user is not a member of the account.");
}

/* Lock, judge op on the member user_id; its permissions in *current. */
static enum err
member_judge(struct flow *f, enum access_op op, long long client_id,
    long long user_id, perms_t grant, struct locked *lc, perms_t *current)
{
	struct standing	 st = { 0 };
	struct target	 t;
	const char	*why = NULL;
	enum err	 e;

	if ((e = lock_client(f, client_id, lc)) != ERR_NONE ||
	    /* leaving needs no right but membership */
	    (op != OP_LEAVE && (e = standing_read(f, lc, &st)) != ERR_NONE) ||
	    (e = member_lock(f, client_id, user_id, current)) != ERR_NONE)
		return e;
	t.owner = user_id == lc->owner;
	t.perms = *current;
	return verdict(f, policy_check(op, &st, lc->status, &t, grant, &why),
	    &why);
}

enum err
access_member_update(struct flow *f, long long client_id, long long user_id,
    perms_t perms, struct member *out)
{
	struct locked		 lc;
	struct audit_details	 d = { 0 };
	perms_t			 current;
	enum err		 e;

	if ((e = member_judge(f, OP_UPDATE, client_id, user_id, perms, &lc,
	    &current)) != ERR_NONE)
		return e;
	if (members_set(f->db, client_id, user_id, perms) != 0)
		return flow_db_fail(f);
	if (policy_loses_manage(current, perms) &&
	    (e = cancel_invites(f, client_id, user_id, NULL,
	    "inviter_lost_access")) != ERR_NONE)
		return e;
	audit_detail_int(&d, "user_id", user_id);
	audit_detail_perms(&d, "from", current);
	audit_detail_perms(&d, "to", perms);
	if ((e = audit(f, client_id, "member_permissions_changed", &d)) !=
	    ERR_NONE)
		return e;
	return commit_member(f, client_id, user_id, out);
}

enum err
access_member_remove(struct flow *f, long long client_id, long long user_id)
{
	struct locked		 lc;
	struct audit_details	 d = { 0 };
	perms_t			 current;
	bool			 self = f->who.kind == ACTOR_MEMBER &&
				    user_id == f->who.id;
	enum err		 e;

	if ((e = member_judge(f, self ? OP_LEAVE : OP_REMOVE, client_id,
	    user_id, 0, &lc, &current)) != ERR_NONE)
		return e;
	if (members_remove(f->db, client_id, user_id) != 0 ||
	    session_leave_account(f->db, user_id, client_id) != 0)
		return flow_db_fail(f);
	if ((e = cancel_invites(f, client_id, user_id, NULL,
	    "inviter_lost_access")) != ERR_NONE)
		return e;
	audit_detail_int(&d, "user_id", user_id);
	audit_detail_perms(&d, "permissions", current);
	if ((e = audit(f, client_id, self ? "member_left" : "member_removed",
	    &d)) != ERR_NONE)
		return e;
	return flow_commit(f);
}

enum err
access_owner_change(struct flow *f, long long client_id, long long user_id,
    struct client *out)
{
	struct locked		 lc;
	struct audit_details	 d = { 0 };
	perms_t			 current;
	enum err		 e;

	if ((e = lock_client(f, client_id, &lc)) != ERR_NONE ||
	    (e = member_lock(f, client_id, user_id, &current)) != ERR_NONE)
		return e;
	if (user_id != lc.owner) {
		/* the old owner stays with every permission */
		if (members_set(f->db, client_id, user_id, PERMS_ALL) != 0 ||
		    members_set(f->db, client_id, lc.owner, PERMS_ALL) != 0 ||
		    clients_set_owner(f->db, client_id, user_id) != 0)
			return flow_db_fail(f);
		audit_detail_int(&d, "from_user_id", lc.owner);
		audit_detail_int(&d, "to_user_id", user_id);
		if ((e = audit(f, client_id, "owner_changed", &d)) != ERR_NONE)
			return e;
	}
	if ((e = flow_commit(f)) != ERR_NONE)
		return e;
	return clients_get(f->db, client_id, out) == 1 ? ERR_NONE :
	    flow_db_fail(f);
}
