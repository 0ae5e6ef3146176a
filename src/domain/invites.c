/* invites.c: invite objects and listings. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "enqueue.h"
#include "invites.h"
#include "outbox.h"
#include "perms.h"
#include "banned.h"

/* invites.created_by_kind */
static const char *const inviter_kinds[] = { "admin", "user" };

static const char *const status_names[] = {
	[INVITE_PENDING] = "pending",
	[INVITE_ACCEPTED] = "accepted",
	[INVITE_CANCELLED] = "cancelled",
	[INVITE_EXPIRED] = "expired",
	[INVITE_DECLINED] = "declined",
};

int
invite_inviter_parse(const char *s, enum actor_kind *out)
{
	int	i = str_index(inviter_kinds, 2, s);

	if (i < 0)
		return -1;
	*out = i == 0 ? ACTOR_ADMIN : ACTOR_MEMBER;
	return 0;
}

const char *
invite_status_name(enum invite_status st)
{
	return status_names[st];
}

int
invite_status_parse(const char *s, enum invite_status *out)
{
	int	i = str_index(status_names, sizeof(status_names) /
	    sizeof(status_names[0]), s);

	if (i < 0)
		return -1;
	*out = (enum invite_status)i;
	return 0;
}

/* $1 client, $2 a LIKE pattern on the address ('': all), $3 declined too */
static struct stmt st_list = STMT(
    "SELECT " INVITE_COLS INVITE_FROM
    " WHERE i.client_id = $1 AND (i.status IN ('pending', 'expired')"
    "  OR ($3::bool AND i.status = 'declined' AND i.dismissed_at IS NULL))"
    " AND ($2 = '' OR lower(i.email) LIKE lower($2))"
    " ORDER BY i.created_at DESC, i.id DESC", 3);
static struct stmt st_set_perms = STMT(
    "UPDATE invites SET permissions = $2::text[] WHERE id = $1", 2);
/* an expired one is cancelled, a declined one stays declined */
static struct stmt st_dismiss = STMT(
    "UPDATE invites SET status = CASE WHEN status IN ('pending', 'expired')"
    "  THEN 'cancelled' ELSE status END,"
    " ended_at = COALESCE(ended_at, now()), dismissed_at = now()"
    " WHERE id = $1 AND dismissed_at IS NULL RETURNING id", 1);
static struct stmt st_get = STMT(SQL_INVITE_GET, 1);
static struct stmt st_expire_stale = STMT(
    "UPDATE invites SET status = 'expired', ended_at = now()"
    " WHERE client_id = $1 AND lower(email) = lower($2)"
    " AND status = 'pending' AND expires_at <= now()", 2);
/*
 * A new token, email and validity, and the audit entry: $1 invite, $2
 * token hash, $3-$6 recipient, subject, text, html, $7 validity (s),
 * $8-$11 the actor's kind, id, name and IP, $12 more details (on whose
 * behalf, audit.h). Answers the invitation.
 */
static struct stmt st_resend = STMT(
    "WITH e AS (" SQL_EMAIL_INSERT
    "   VALUES ('invite', $3, '', $4, $5, $6)" SQL_EMAIL_RETURNING "),"
    " i AS (UPDATE invites SET token_hash = $2, status = 'pending',"
    "   ended_at = NULL, expires_at = now() + make_interval(secs => $7::int),"
    "   last_sent_at = now(), sent_count = sent_count + 1,"
    "   last_email_id = (SELECT id FROM e) WHERE id = $1 RETURNING *),"
    " a AS (INSERT INTO audit_log (actor_kind, actor_id, actor_name,"
    "   client_id, action, details, ip) SELECT $8, $9, $10, i.client_id,"
    "   'invite_resent', jsonb_build_object('invite_id', i.id, 'email',"
    "   i.email, 'email_id', i.last_email_id) || $12::jsonb, $11 FROM i)"
    " SELECT " INVITE_COLS_OF("i", "e")
    " FROM i LEFT JOIN e ON e.id = i.last_email_id", 12);
/*
 * Cancel $1 unless it is cancelled already, with the audit entry ($2-$5
 * the actor's kind, id, name, IP, $6 more details). Answers the
 * invitation either way.
 */
static struct stmt st_cancel = STMT(
    "WITH u AS (UPDATE invites SET status = 'cancelled', ended_at = now()"
    "   WHERE id = $1 AND status <> 'cancelled' RETURNING *),"
    " a AS (INSERT INTO audit_log (actor_kind, actor_id, actor_name,"
    "   client_id, action, details, ip) SELECT $2, $3, $4, u.client_id,"
    "   'invite_cancelled', jsonb_build_object('invite_id', u.id, 'email',"
    "   u.email) || $6::jsonb, $5 FROM u),"
    " i AS (SELECT * FROM u UNION ALL SELECT * FROM invites"
    "   WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM u))"
    " SELECT " INVITE_COLS_OF("i", "e")
    " FROM i LEFT JOIN email_queue e ON e.id = i.last_email_id", 6);
/* The pending invitations a member sent, when it loses "users". */
static struct stmt st_cancel_sent_by = STMT(
    "UPDATE invites SET status = 'cancelled', ended_at = now()"
    " WHERE client_id = $1 AND created_by_user_id = $2"
    " AND status = 'pending' RETURNING id, email", 2);
/* Pending invitations made moot by a direct association. */
static struct stmt st_cancel_to = STMT(
    "UPDATE invites SET status = 'cancelled', ended_at = now()"
    " WHERE client_id = $1 AND lower(email) = lower($2)"
    " AND status = 'pending' RETURNING id, email", 2);

void
invite_read(const struct db_res *res, int row, int col, struct invite *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->id = db_int(res, row, col);
	inv->client_id = db_int(res, row, col + 1);
	(void)str_copy(inv->email, sizeof(inv->email),
	    db_str(res, row, col + 2));
	inv->perms = perms_from_pg(db_str(res, row, col + 3));
	if (invite_status_parse(db_str(res, row, col + 4), &inv->status) != 0)
		inv->status = INVITE_CANCELLED;	/* the schema allows no other */
	(void)str_copy(inv->created_at, sizeof(inv->created_at),
	    db_str(res, row, col + 5));
	(void)str_copy(inv->expires_at, sizeof(inv->expires_at),
	    db_str(res, row, col + 6));
	(void)str_copy(inv->last_sent_at, sizeof(inv->last_sent_at),
	    db_str(res, row, col + 7));
	inv->sent_count = db_int(res, row, col + 8);
	if (mail_state_parse(db_str(res, row, col + 9), &inv->delivery) != 0)
		inv->delivery = MAIL_SENT;	/* gone: sent and purged */
	if (invite_inviter_parse(db_str(res, row, col + 10),
	    &inv->inviter_kind) != 0)
		inv->inviter_kind = ACTOR_ADMIN;	/* the schema allows no other */
	(void)str_copy(inv->inviter_name, sizeof(inv->inviter_name),
	    db_str(res, row, col + 11));
}

int
invites_list(struct db *db, long long client_id,
    void (*each)(const struct invite *, void *), void *arg)
{
	return invites_list_matching(db, client_id, "", false, each, arg);
}

int
invites_list_matching(struct db *db, long long client_id, const char *pat,
    bool declined, void (*each)(const struct invite *, void *), void *arg)
{
	struct db_res	*res;
	struct invite	 inv;
	int		 i;

	res = DB_EXEC(db, &st_list, DB_INT(client_id), pat,
	    declined ? "true" : "false");
	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		invite_read(res, i, 0, &inv);
		each(&inv, arg);
	}
	db_res_free(res);
	return 0;
}

int
invites_get(struct db *db, long long id, struct invite *out)
{
	struct db_res	*res;
	int		 found;

	if ((res = DB_EXEC(db, &st_get, DB_INT(id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	if (found)
		invite_read(res, 0, 0, out);
	db_res_free(res);
	return found;
}

/* Each (id, email) an UPDATE ... RETURNING id, email cancelled. */
static int
cancelled_each(struct db_res *res, void (*each)(long long, const char *,
    void *), void *arg)
{
	int	i;

	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++)
		each(db_int(res, i, 0), db_str(res, i, 1), arg);
	db_res_free(res);
	return 0;
}

int
invites_cancel_sent_by(struct db *db, long long client_id, long long user_id,
    void (*each)(long long, const char *, void *), void *arg)
{
	return cancelled_each(DB_EXEC(db, &st_cancel_sent_by,
	    DB_INT(client_id), DB_INT(user_id)), each, arg);
}

int
invites_cancel_to(struct db *db, long long client_id, const char *email,
    void (*each)(long long, const char *, void *), void *arg)
{
	return cancelled_each(DB_EXEC(db, &st_cancel_to, DB_INT(client_id),
	    email), each, arg);
}

int
invites_expire_stale(struct db *db, long long client_id, const char *email)
{
	return DB_DONE(db, &st_expire_stale, DB_INT(client_id), email);
}

/* Row 0 of res, an invitation as INVITE_COLS lays it out, into out. */
static int
answer(struct db_res *res, struct invite *out)
{
	if (res == NULL)
		return -1;
	invite_read(res, 0, 0, out);
	db_res_free(res);
	return 0;
}

int
invites_resend(struct db *db, const struct invite_resend *rs,
    const struct actor *who, struct invite *out)
{
	struct audit_details	d = { 0 };
	int			rc;

	rc = answer(DB_EXEC(db, &st_resend, DB_INT(rs->id), rs->token_hash,
	    rs->mail->to, rs->mail->subject, rs->mail->text, rs->mail->html,
	    DB_INT(rs->ttl), audit_actor_kind(who),
	    DB_INT(audit_actor_id(who)), audit_actor_name(who), who->ip,
	    audit_on_behalf_json(who, &d)), out);
	audit_details_release(&d);
	return rc;
}

int
invites_cancel(struct db *db, long long id, const struct actor *who,
    struct invite *out)
{
	struct audit_details	d = { 0 };
	int			rc;

	rc = answer(DB_EXEC(db, &st_cancel, DB_INT(id),
	    audit_actor_kind(who), DB_INT(audit_actor_id(who)),
	    audit_actor_name(who), who->ip, audit_on_behalf_json(who, &d)),
	    out);
	audit_details_release(&d);
	return rc;
}

int
invites_set_perms(struct db *db, long long id, perms_t perms)
{
	struct buf	pg = { 0 };
	int		rc;

	perms_to_pg(perms, &pg);
	rc = DB_DONE(db, &st_set_perms, DB_INT(id), pg.data);
	buf_release(&pg);
	return rc;
}

int
invites_dismiss(struct db *db, long long id)
{
	struct db_res	*res;
	int		 changed;

	if ((res = DB_EXEC(db, &st_dismiss, DB_INT(id))) == NULL)
		return -1;
	changed = db_rows(res) == 1;
	db_res_free(res);
	return changed;
}

int
invites_audit_cancelled(struct db *db, const struct actor *who,
    struct db_res *res, const char *why)
{
	struct audit_details	 d;
	int			 i, rc = 0;

	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res) && rc == 0; i++) {
		memset(&d, 0, sizeof(d));
		audit_detail_int(&d, "invite_id", db_int(res, i, 1));
		audit_detail_str(&d, "email", db_str(res, i, 2));
		audit_detail_str(&d, "reason", why);
		rc = audit_record(db, who, db_int(res, i, 0), "invite_cancelled",
		    &d);
		audit_details_release(&d);
	}
	db_res_free(res);
	return rc;
}
