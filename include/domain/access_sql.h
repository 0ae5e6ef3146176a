/*
 * access_sql.h: the statements of an invitation's creation, shared by
 * access.c and bench/invite-sql.c, so that the benchmark runs the very SQL
 * the service runs: BEGIN, SQL_LOCK_CLIENT, SQL_INVITE_INSERT, COMMIT.
 */
#ifndef MEMBERD_ACCESS_SQL_H
#define MEMBERD_ACCESS_SQL_H

#include "enqueue.h"
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
 * The caps on invitation emails count their audit entries (one per
 * email, written with it) of the last 24 hours, at most cap of them:
 * per account (where: "client_id = $n") and per recipient address
 * (where: "lower(details->>'email') = lower($n)"). Counted under the
 * account's lock and the recipient's (SQL_RECIPIENT_LOCK), in a
 * statement that starts after both are held.
 */
#define SQL_SENDS_WINDOW "interval '1 day'"
#define SQL_SENDS_OF(where, cap) \
	"SELECT at FROM audit_log WHERE " where \
	" AND action IN ('invite_created', 'invite_resent')" \
	" AND at > now() - " SQL_SENDS_WINDOW " ORDER BY at DESC LIMIT " cap
/* How many of sends (a CTE of SQL_SENDS_OF), as n, and the seconds until
 * the oldest of them leaves the window, as wait. */
#define SQL_SENDS_COUNT(sends, n, wait) \
	"(SELECT count(*) FROM " sends ") AS " n "," \
	" ceil(extract(epoch FROM (SELECT min(at) FROM " sends ") + " \
	SQL_SENDS_WINDOW " - now()))::int AS " wait

/*
 * $1 recipient: serialises sends to one address across accounts; taken
 * after the account's lock, always (72851 is login.c's key).
 */
#define SQL_RECIPIENT_LOCK \
	"SELECT pg_advisory_xact_lock(72852, hashtext(lower($1)))"

/* Invitation emails one address receives in 24 hours, from all accounts. */
#define INVITE_SENDS_PER_RECIPIENT	5

/*
 * The invitation, its email and its audit entry in one statement, run
 * under the account's lock, written only when the facts allow it:
 *   $1 client, $2 email, $3 token hash, $4 permissions, $5 validity (s),
 *   $6-$8 subject, text, html, $9 inviter kind, $10 admin id, $11 user
 *   id, $12 inviter name, $13 actor name, $14 IP, $15 the pending limit,
 *   $16 the actor's permissions as the caller judged them (NULL: no
 *   membership row; always NULL for an administrator), $17 the
 *   account's cap on invitation emails a day, $18 the recipient's, $19
 *   the administrator acting as the user ("Login as User": the audit
 *   entry names them, on behalf of $11 with address $20; NULL
 *   otherwise).
 * It writes when the address is no member, no invitation to it is
 * pending (nor one past its expiry, which the caller marks first), fewer
 * than the limit are pending, both caps on emails leave room, and the
 * actor's row still says $16. Run under the recipient's lock. It answers
 * one row either way: the facts (is the address a member, the pending
 * invitation's id, how many are pending, is a pending one past its
 * expiry, the actor's permissions now, the account's sends and the wait
 * until one leaves the window, the same for the recipient), then the
 * invitation as INVITE_COLS lays it out (all NULL when nothing was
 * written).
 */
#define SQL_INVITE_INSERT \
	"WITH sa AS (" SQL_SENDS_OF("client_id = $1", "$17::int") ")," \
	" sd AS (" SQL_SENDS_OF("lower(details->>'email') = lower($2)", \
	"$18::int") ")," \
	" f AS (SELECT " SQL_FACT_MEMBER " AS member," \
	"  " SQL_FACT_PENDING_ID " AS pending_id," \
	"  " SQL_FACT_PENDING("$15") " AS pending," \
	"  EXISTS (SELECT 1 FROM invites WHERE client_id = $1" \
	"   AND status = 'pending' AND lower(email) = lower($2)" \
	"   AND expires_at <= now()) AS stale," \
	"  (SELECT permissions FROM client_users WHERE client_id = $1" \
	"   AND user_id = $11) AS actor," \
	" " SQL_SENDS_COUNT("sa", "n_acct", "wait_acct") "," \
	" " SQL_SENDS_COUNT("sd", "n_rcpt", "wait_rcpt") \
	"  FROM clients c WHERE c.id = $1)," \
	" ok AS (SELECT 1 FROM f WHERE NOT f.member AND f.pending_id IS NULL" \
	"  AND f.pending < $15 AND NOT f.stale AND f.n_acct < $17" \
	"  AND f.n_rcpt < $18" \
	"  AND f.actor IS NOT DISTINCT FROM $16::text[])," \
	" e AS (" SQL_EMAIL_INSERT \
	"   SELECT 'invite', $2, '', $6, $7, $8 FROM ok" \
	SQL_EMAIL_RETURNING ")," \
	" i AS (INSERT INTO invites (client_id, email, token_hash, permissions," \
	"   created_by_kind, created_by_admin_id, created_by_user_id," \
	"   inviter_name, expires_at, last_email_id)" \
	"   SELECT $1, $2, $3, $4::text[], $9, $10, $11, $12," \
	"   now() + make_interval(secs => $5::int), e.id FROM e" \
	"   RETURNING *)," \
	" a AS (INSERT INTO audit_log (actor_kind, actor_id, actor_name," \
	"   client_id, action, details, ip)" \
	"   SELECT CASE WHEN $19::bigint IS NULL THEN $9 ELSE 'admin' END," \
	"   COALESCE($19::bigint, $10::bigint, $11::bigint), $13, $1, 'invite_created'," \
	"   jsonb_build_object('invite_id', i.id, 'email', i.email," \
	"   'permissions', i.permissions, 'email_id', i.last_email_id)" \
	"   || CASE WHEN $19::bigint IS NULL THEN '{}'::jsonb ELSE" \
	"   jsonb_build_object('on_behalf_of_user_id', $11::bigint," \
	"   'on_behalf_of', $20::text) END, $14" \
	"   FROM i)" \
	" SELECT f.member, f.pending_id, f.pending, f.stale, f.actor," \
	" f.n_acct, f.wait_acct, f.n_rcpt, f.wait_rcpt, " \
	INVITE_COLS_OF("i", "e") \
	" FROM f LEFT JOIN i ON true LEFT JOIN e ON e.id = i.last_email_id"
#define SQL_INVITE_INSERT_NPARAMS 20
/* the columns of SQL_INVITE_INSERT before the invitation's */
#define SQL_INVITE_INSERT_FACTS 9

/* $1 client, $2 its cap, $3 recipient, $4 its cap: both counts and waits */
#define SQL_INVITE_SENDS \
	"WITH sa AS (" SQL_SENDS_OF("client_id = $1", "$2::int") ")," \
	" sd AS (" SQL_SENDS_OF("lower(details->>'email') = lower($3)", \
	"$4::int") ")" \
	" SELECT " SQL_SENDS_COUNT("sa", "n_acct", "wait_acct") "," \
	" " SQL_SENDS_COUNT("sd", "n_rcpt", "wait_rcpt")

/*
 * $1 client, $2 email, $3 the pending limit: the facts of
 * SQL_INVITE_INSERT without writing, for reviving an expired invitation.
 */
#define SQL_INVITE_CHECK \
	"SELECT " SQL_FACT_MEMBER ", " SQL_FACT_PENDING_ID "," \
	" " SQL_FACT_PENDING("$3") " FROM clients c WHERE c.id = $1"
#define SQL_INVITE_CHECK_NPARAMS 3

#endif
