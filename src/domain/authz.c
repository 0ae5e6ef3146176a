/* authz.c: the read behind GET /api/v1/authz, and its refresh; see authz.h. */
#include <string.h>

#include "authz.h"
#include "db.h"
#include "token.h"
#include "banned.h"

/*
 * One row when the session is alive (the same rules as session.c's
 * lookup), whatever the account: the columns then say why it may not
 * pass. The account is $3, else the session's active one. A pure read:
 * the refresh of last_seen_at is a statement of its own, run only when
 * the row says it is a minute old. (Folded into this one as a
 * data-modifying CTE, it made every request's statement cost twice as
 * much in PostgreSQL, measured with pgbench, though it wrote nothing.)
 */
static struct stmt st_authz = STMT(
    "SELECT s.id, s.user_id, u.email, u.status = 'active',"
    " u.totp_enabled_at IS NOT NULL, COALESCE(s.impersonated_by, 0),"
    " c.id, c.status = 'closed', c.require_2fa,"
    " c.owner_user_id = s.user_id, cu.permissions,"
    " s.last_seen_at < now() - interval '60 seconds'"
    " FROM sessions s JOIN users u ON u.id = s.user_id"
    " LEFT JOIN clients c ON c.id = COALESCE($3::bigint, s.active_client_id)"
    " LEFT JOIN client_users cu ON cu.client_id = c.id"
    "  AND cu.user_id = s.user_id"
    " WHERE s.token_hash = $1 AND s.expires_at > now()"
    " AND s.last_seen_at > now() - make_interval(secs => $2::int)", 3);

/* Once a minute per session; of a burst that saw it stale, one writes. */
static struct stmt st_touch = STMT(
    "UPDATE sessions SET last_seen_at = now() WHERE id = $1"
    " AND last_seen_at < now() - interval '60 seconds'", 1);

enum col {
	C_SESSION, C_USER, C_EMAIL, C_ACTIVE, C_TWO_FACTOR, C_IMPERSONATOR,
	C_CLIENT, C_CLOSED, C_REQUIRE_2FA, C_OWNER, C_PERMS, C_STALE,
};

/* Why the row of res may not pass, or ERR_NONE with *out filled. */
static enum err
authz_judge(const struct db_res *res, perms_t want, struct authz_grant *out)
{
	if (!db_bool(res, 0, C_ACTIVE))
		return ERR_USER_DISABLED;
	/* no such account, no account active, or not a member of it */
	if (db_isnull(res, 0, C_CLIENT) || db_isnull(res, 0, C_PERMS))
		return ERR_FORBIDDEN;
	if (db_bool(res, 0, C_CLOSED))
		return ERR_FORBIDDEN;
	if (db_bool(res, 0, C_REQUIRE_2FA) && !db_bool(res, 0, C_TWO_FACTOR))
		return ERR_TWO_FACTOR_REQUIRED;
	out->owner = db_bool(res, 0, C_OWNER);
	out->perms = out->owner ? PERMS_ALL :
	    perms_from_pg(db_str(res, 0, C_PERMS));
	if ((out->perms & want) != want)
		return ERR_FORBIDDEN;
	out->user_id = db_int(res, 0, C_USER);
	(void)str_copy(out->email, sizeof(out->email), db_str(res, 0, C_EMAIL));
	out->client_id = db_int(res, 0, C_CLIENT);
	out->impersonated_by = db_int(res, 0, C_IMPERSONATOR);
	return ERR_NONE;
}

enum err
authz_check(struct db *db, long idle_s, const char *token,
    long long client_id, perms_t want, struct authz_grant *out)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	enum err	 e;

	memset(out, 0, sizeof(*out));
	if (token == NULL || !token_well_formed(token))
		return ERR_NOT_AUTHENTICATED;
	res = DB_EXEC(db, &st_authz, token_hash_param(token, hash),
	    DB_INT(idle_s), client_id > 0 ? DB_INT(client_id) : NULL);
	if (res == NULL)
		return db_error(db) == DB_UNAVAILABLE ? ERR_UNAVAILABLE :
		    ERR_INTERNAL;
	if (db_rows(res) != 1) {
		db_res_free(res);
		return ERR_NOT_AUTHENTICATED;
	}
	e = authz_judge(res, want, out);
	if (db_bool(res, 0, C_STALE) &&
	    DB_DONE(db, &st_touch, db_str(res, 0, C_SESSION)) != 0)
		e = db_error(db) == DB_UNAVAILABLE ? ERR_UNAVAILABLE :
		    ERR_INTERNAL;
	db_res_free(res);
	if (e != ERR_NONE)
		memset(out, 0, sizeof(*out));
	return e;
}
