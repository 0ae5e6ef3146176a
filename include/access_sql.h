/*
 * access_sql.h: the statements of an invitation's creation, shared by
 * access.c and bench/invite-sql.c, so that the benchmark runs the very SQL
 * the service runs.
 */
#ifndef MEMBERD_ACCESS_SQL_H
#define MEMBERD_ACCESS_SQL_H

/* $1 client: the account's name, read before the transaction */
#define SQL_CLIENT_NAME \
	"SELECT company_name, first_name, last_name FROM clients WHERE id = $1"

/* $1 client: the client row, locked for the rest of the transaction */
#define SQL_LOCK_CLIENT \
	"SELECT company_name, first_name, last_name, status, owner_user_id" \
	" FROM clients WHERE id = $1 FOR NO KEY UPDATE"
#define SQL_LOCK_CLIENT_NPARAMS 1

/* $1 client, $2 user: the acting member's rights, read under the lock */
#define SQL_ACTOR \
	"SELECT permissions FROM client_users WHERE client_id = $1" \
	" AND user_id = $2"
#define SQL_ACTOR_NPARAMS 2

/*
 * $1 client, $2 email, $3 acting user (NULL for an administrator), $4 the
 * pending limit: is the address a member, the pending invitation's id,
 * how many are pending (the trigger's counter while it is under the limit,
 * which includes invitations past expiry, so the true count is no more;
 * at the limit, the unexpired ones counted up to the limit), is a pending
 * one past its expiry, and the actor's permissions and membership.
 */
#define SQL_INVITE_CHECK \
	"SELECT EXISTS (SELECT 1 FROM client_users cu JOIN users u" \
	"   ON u.id = cu.user_id WHERE cu.client_id = $1" \
	"   AND lower(u.email) = lower($2))," \
	" (SELECT id FROM invites WHERE client_id = $1 AND status = 'pending'" \
	"   AND lower(email) = lower($2) AND expires_at > now())," \
	" CASE WHEN c.pending_invites < $4 THEN c.pending_invites" \
	"   ELSE (SELECT count(*) FROM (SELECT 1 FROM invites" \
	"   WHERE client_id = $1 AND status = 'pending' AND expires_at > now()" \
	"   LIMIT $4) p) END," \
	" EXISTS (SELECT 1 FROM invites WHERE client_id = $1" \
	"   AND status = 'pending' AND lower(email) = lower($2)" \
	"   AND expires_at <= now())," \
	" (SELECT permissions FROM client_users WHERE client_id = $1" \
	"   AND user_id = $3)," \
	" (SELECT 1 FROM client_users WHERE client_id = $1 AND user_id = $3)" \
	" FROM clients c WHERE c.id = $1"
#define SQL_INVITE_CHECK_NPARAMS 4

/*
 * The invitation, its email and its audit entry in one statement: $1
 * client, $2 email, $3 token hash, $4 permissions, $5 validity (s), $6-$8
 * subject, text, html, $9 inviter kind, $10 admin id, $11 user id, $12
 * inviter name, $13 actor name, $14 IP.
 */
#define SQL_INVITE_INSERT \
	"WITH e AS (INSERT INTO email_queue (template, recipient, subject," \
	"   body_text, body_html) VALUES ('invite', $2, $6, $7, $8)" \
	"   RETURNING id)," \
	" i AS (INSERT INTO invites (client_id, email, token_hash, permissions," \
	"   created_by_kind, created_by_admin_id, created_by_user_id," \
	"   inviter_name, expires_at, last_email_id)" \
	"   SELECT $1, $2, $3, $4::text[], $9, $10, $11, $12," \
	"   now() + make_interval(secs => $5::int), e.id FROM e" \
	"   RETURNING id, email, permissions, last_email_id)," \
	" a AS (INSERT INTO audit_log (actor_kind, actor_id, actor_name," \
	"   client_id, action, details, ip)" \
	"   SELECT $9, COALESCE($10::bigint, $11::bigint), $13, $1, 'invite_created'," \
	"   jsonb_build_object('invite_id', i.id, 'email', i.email," \
	"   'permissions', i.permissions, 'email_id', i.last_email_id), $14" \
	"   FROM i)" \
	" SELECT id FROM i"
#define SQL_INVITE_INSERT_NPARAMS 14

#endif
