/* invite_link.c: an invitation's link; see invite_link.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clients.h"
#include "db.h"
#include "invite_link.h"
#include "invites.h"
#include "members.h"
#include "policy.h"
#include "templates.h"
#include "token.h"
#include "banned.h"

#define FIND_SQL \
    "SELECT i.id, i.client_id, i.email, i.permissions, i.status," \
    " i.expires_at <= now(), c.status, c.company_name, c.first_name," \
    " c.last_name, i.inviter_name, i.created_by_kind, rfc3339(i.expires_at)," \
    " c.require_2fa" \
    " FROM invites i JOIN clients c ON c.id = i.client_id" \
    " WHERE i.token_hash = $1"

static struct stmt st_find = STMT(FIND_SQL, 1);
static struct stmt st_find_lock = STMT(FIND_SQL " FOR UPDATE OF i", 1);
static struct stmt st_client_of = STMT(
    "SELECT client_id FROM invites WHERE token_hash = $1", 1);
static struct stmt st_declined = STMT(
    "UPDATE invites SET status = 'declined', ended_at = now()"
    " WHERE id = $1 AND status = 'pending'", 1);
static struct stmt st_accepted = STMT(
    "UPDATE invites SET status = 'accepted', accepted_by_user_id = $2,"
    " accepted_at = now() WHERE id = $1", 2);
/* under the lock a disabling takes: a disabled user accepts nothing */
static struct stmt st_user_active = STMT(
    "SELECT 1 FROM users WHERE id = $1 AND status = 'active' FOR SHARE", 1);
static struct stmt st_verified = STMT(
    "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now())"
    " WHERE id = $1", 1);

/* The row of FIND_SQL into out. */
static void
link_read(struct flow *f, const struct db_res *res, struct invite_link *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_int(res, 0, 0);
	out->client_id = db_int(res, 0, 1);
	(void)str_copy(out->email, sizeof(out->email), db_str(res, 0, 2));
	out->perms = perms_from_pg(db_str(res, 0, 3));
	client_display_name(db_str(res, 0, 7), db_str(res, 0, 8),
	    db_str(res, 0, 9), out->client_name, sizeof(out->client_name));
	if (invite_inviter_parse(db_str(res, 0, 11), &out->inviter_kind) != 0)
		out->inviter_kind = ACTOR_ADMIN;	/* the schema allows no other */
	/* an administrator without a name, as this site names them today */
	if (out->inviter_kind == ACTOR_ADMIN &&
	    template_is_unnamed_admin(db_str(res, 0, 10)))
		template_unnamed_admin(f->cfg, out->inviter,
		    sizeof(out->inviter));
	else
		(void)str_copy(out->inviter, sizeof(out->inviter),
		    db_str(res, 0, 10));
	(void)str_copy(out->expires_at, sizeof(out->expires_at),
	    db_str(res, 0, 12));
	out->require_2fa = db_bool(res, 0, 13);
}

/* Is the invitation of row 0 usable? ERR_NONE, or its error with why. */
static enum err
link_usable(const struct db_res *res, const char **why)
{
	enum invite_status ist;
	enum client_status cst;

	if (invite_status_parse(db_str(res, 0, 4), &ist) != 0 ||
	    client_status_parse(db_str(res, 0, 6), &cst) != 0)
		return policy_link_state(INVITE_CANCELLED, false, CLIENT_ACTIVE,
		    why);		/* the schema allows no other */
	return policy_link_state(ist, db_bool(res, 0, 5), cst, why);
}

enum err
invite_link_find(struct flow *f, const char *token, bool lock,
    struct invite_link *out)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	const char	*why = NULL;
	enum err	 e;

	if (!token_well_formed(token))
		return flow_fail(f, ERR_INVITE_NOT_FOUND, "token", NULL);
	res = DB_EXEC(f->db, lock ? &st_find_lock : &st_find,
	    token_hash_param(token, hash));
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_INVITE_NOT_FOUND, "token", "This "
		    "invitation link is not valid (it may have been replaced "
		    "by a newer one). Ask whoever invited you to send a new "
		    "one.");
	}
	if ((e = link_usable(res, &why)) == ERR_NONE)
		link_read(f, res, out);
	db_res_free(res);
	return e == ERR_NONE ? ERR_NONE : flow_fail(f, e, "token", why);
}

/* Begin, and lock the account of token's invitation (if any). */
static enum err
lock_account_of(struct flow *f, const char *token)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	long long	 client_id = 0;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if (!token_well_formed(token))
		return ERR_NONE;	/* invite_link_find says so */
	res = DB_EXEC(f->db, &st_client_of, token_hash_param(token, hash));
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) == 1)
		client_id = db_int(res, 0, 0);
	db_res_free(res);
	/* an invitation never moves: its client_id may be read unlocked */
	if (client_id > 0 && clients_lock(f->db, client_id) < 0)
		return flow_db_fail(f);
	return ERR_NONE;
}

enum err
access_invite_decline(struct flow *f, const char *token,
    struct invite_link *out)
{
	struct audit_details	 d = { 0 };
	struct actor		 who = f->who;
	enum err		 e;
	int			 rc;

	if ((e = lock_account_of(f, token)) != ERR_NONE ||
	    (e = invite_link_find(f, token, true, out)) != ERR_NONE)
		return e;
	if (DB_DONE(f->db, &st_declined, DB_INT(out->id)) != 0)
		return flow_db_fail(f);
	audit_detail_int(&d, "invite_id", out->id);
	audit_detail_str(&d, "email", out->email);
	audit_detail_perms(&d, "permissions", out->perms);
	/* signed out, the link's holder is named by the mailbox it reached */
	if (who.kind == ACTOR_ANONYMOUS)
		who.email = out->email;
	rc = audit_record(f->db, &who, out->client_id, "invite_declined", &d);
	audit_details_release(&d);
	if (rc != 0)
		return flow_db_fail(f);
	return flow_commit(f);
}

enum err
invite_link_accept(struct flow *f, const struct invite_link *l,
    long long user_id, const char *email)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	int			 rc;

	if ((res = DB_EXEC(f->db, &st_user_active, DB_INT(user_id))) == NULL)
		return flow_db_fail(f);
	rc = db_rows(res);
	db_res_free(res);
	if (rc != 1)
		return flow_fail(f, ERR_USER_DISABLED, NULL, NULL);
	if ((rc = members_add(f->db, l->client_id, user_id, l->perms)) < 0)
		return flow_db_fail(f);
	if (rc == 0)
		return flow_fail(f, ERR_ALREADY_MEMBER, NULL, "You are already "
		    "a member of this account.");
	if (DB_DONE(f->db, &st_accepted, DB_INT(l->id), DB_INT(user_id)) != 0)
		return flow_db_fail(f);
	/* the link reached the invited mailbox: that address is proven */
	if (strcasecmp(email, l->email) == 0 &&
	    DB_DONE(f->db, &st_verified, DB_INT(user_id)) != 0)
		return flow_db_fail(f);
	audit_detail_int(&d, "invite_id", l->id);
	audit_detail_str(&d, "invited_email", l->email);
	audit_detail_int(&d, "user_id", user_id);
	audit_detail_perms(&d, "permissions", l->perms);
	rc = audit_record(f->db, &f->who, l->client_id, "invite_accepted", &d);
	audit_details_release(&d);
	return rc == 0 ? ERR_NONE : flow_db_fail(f);
}
