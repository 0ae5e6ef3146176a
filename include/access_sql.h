/*
 * access_sql.h: the statements of an invitation's creation, shared by
 * access.c and bench/invite-sql.c, so that the benchmark runs the very SQL
 * the service runs: BEGIN, SQL_LOCK_CLIENT, SQL_INVITE_INSERT, COMMIT.
 */
#ifndef MEMBERD_ACCESS_SQL_H
#define MEMBERD_ACCESS_SQL_H

#include "invites.h"

/*
 * $1 client, $2 acting user (NULL for none): the client row, locked for
 * the rest of the transaction, its name, status and owner, and the
 * actor's membership row. The client's columns are read after the lock
 * is granted; the actor's row may be older (a change that committed while
 * this statement waited): whoever writes must check it again
 * (SQL_INVITE_INSERT does, in the statement that writes).
 */
#define SQL_LOCK_CLIENT \
	"SELECT c.company_name, c.first_name, c.last_name, c.status," \
	" c.owner_user_id, cu.permissions" \
	" FROM clients c LEFT JOIN client_users cu ON cu.client_id = c.id" \
	"  AND cu.user_id = $2" \
	" WHERE c.id = $1 FOR NO KEY UPDATE OF c"
#define SQL_LOCK_CLIENT_NPARAMS 2

/* $1 client, $2 user: the acting member's rights, read under the lock */
#define SQL_ACTOR \
	"SELECT permissions FROM client_users WHERE client_id = $1" \
	" AND user_id = $2"
#define SQL_ACTOR_NPARAMS 2

/*
 * Facts on $1 client and $2 email, from a clients row c: is the address a
 * member; the pending invitation's id; how many are pending (the
 * trigger's counter while under lim, which includes invitations past
 * expiry, so the true count is no more; at the limit, the unexpired ones
 * counted up to lim).
 */
#define SQL_FACT_MEMBER \
	"EXISTS (SELECT 1 FROM client_users cu JOIN users u" \
	"   ON u.id = cu.user_id WHERE cu.client_id = $1" \
	"   AND lower(u.email) = lower($2))"
#define SQL_FACT_PENDING_ID \
	"(SELECT id FROM invites WHERE client_id = $1 AND status = 'pending'" \
	"   AND lower(email) = lower($2) AND expires_at > now())"
#define SQL_FACT_PENDING(lim) \
	"CASE WHEN c.pending_invites < " lim " THEN c.pending_invites" \
	"   ELSE (SELECT count(*) FROM (SELECT 1 FROM invites" \
	"   WHERE client_id = $1 AND status = 'pending' AND expires_at > now()" \
	"   LIMIT " lim ") p) END"

/*
 * The invitation, its email and its audit entry in one statement, run
 * under the account's lock, written only when the facts allow it:
 *   $1 client, $2 email, $3 token hash, $4 permissions, $5 validity (s),
 *   $6-$8 subject, text, html, $9 inviter kind, $10 admin id, $11 user
 *   id, $12 inviter name, $13 actor name, $14 IP, $15 the pending limit,
 *   $16 the actor's permissions as the caller judged them (NULL: no
 *   membership row; always NULL for an administrator).
 * It writes when the address is no member, no invitation to it is
 * pending (nor one past its expiry, which the caller marks first), fewer
 * than the limit are pending, and the actor's row still says $16. It
 * answers one row either way: the facts (is the address a member, the
 * pending invitation's id, how many are pending, is a pending one past
 * its expiry, the actor's permissions now), then the invitation as
 * INVITE_COLS lays it out (all NULL when nothing was written).
 */
#define SQL_INVITE_INSERT \
	"WITH f AS (SELECT " SQL_FACT_MEMBER " AS member," \
	"  " SQL_FACT_PENDING_ID " AS pending_id," \
	"  " SQL_FACT_PENDING("$15") " AS pending," \
	"  EXISTS (SELECT 1 FROM invites WHERE client_id = $1" \
	"   AND status = 'pending' AND lower(email) = lower($2)" \
	"   AND expires_at <= now()) AS stale," \
	"  (SELECT permissions FROM client_users WHERE client_id = $1" \
	"   AND user_id = $11) AS actor" \
	"  FROM clients c WHERE c.id = $1)," \
	" ok AS (SELECT 1 FROM f WHERE NOT f.member AND f.pending_id IS NULL" \
	"  AND f.pending < $15 AND NOT f.stale" \
	"  AND f.actor IS NOT DISTINCT FROM $16::text[])," \
	" e AS (INSERT INTO email_queue (template, recipient, subject," \
	"   body_text, body_html) SELECT 'invite', $2, $6, $7, $8 FROM ok" \
	"   RETURNING id, state)," \
	" i AS (INSERT INTO invites (client_id, email, token_hash, permissions," \
	"   created_by_kind, created_by_admin_id, created_by_user_id," \
	"   inviter_name, expires_at, last_email_id)" \
	"   SELECT $1, $2, $3, $4::text[], $9, $10, $11, $12," \
	"   now() + make_interval(secs => $5::int), e.id FROM e" \
	"   RETURNING *)," \
	" a AS (INSERT INTO audit_log (actor_kind, actor_id, actor_name," \
	"   client_id, action, details, ip)" \
	"   SELECT $9, COALESCE($10::bigint, $11::bigint), $13, $1, 'invite_created'," \
	"   jsonb_build_object('invite_id', i.id, 'email', i.email," \
	"   'permissions', i.permissions, 'email_id', i.last_email_id), $14" \
	"   FROM i)" \
	" SELECT f.member, f.pending_id, f.pending, f.stale, f.actor, " \
	INVITE_COLS_OF("i", "e") \
	" FROM f LEFT JOIN i ON true LEFT JOIN e ON e.id = i.last_email_id"
#define SQL_INVITE_INSERT_NPARAMS 16
/* the columns of SQL_INVITE_INSERT before the invitation's */
#define SQL_INVITE_INSERT_FACTS 5

/*
 * $1 client, $2 email, $3 the pending limit: the facts of
 * SQL_INVITE_INSERT without writing, for reviving an expired invitation.
 */
#define SQL_INVITE_CHECK \
	"SELECT " SQL_FACT_MEMBER ", " SQL_FACT_PENDING_ID "," \
	" " SQL_FACT_PENDING("$3") " FROM clients c WHERE c.id = $1"
#define SQL_INVITE_CHECK_NPARAMS 3

#endif
