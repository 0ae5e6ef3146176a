/* sso.c: one-use SSO links; see sso.h. */
#include <stdio.h>
#include <string.h>

#include "admin_users.h"
#include "audit.h"
#include "db.h"
#include "sso.h"
#include "users.h"
#include "banned.h"

static struct stmt st_user = STMT(
    "SELECT status = 'disabled' FROM users WHERE id = $1 FOR SHARE", 1);
static struct stmt st_insert = STMT(
    "INSERT INTO sso_tokens (token_hash, user_id, client_id, destination,"
    " created_by_admin_id, expires_at) VALUES ($1, $2, $3, $4, $5,"
    " now() + make_interval(secs => $6::int))"
    " RETURNING id, rfc3339(expires_at)", 6);
static struct stmt st_take = STMT(
    "UPDATE sso_tokens t SET used_at = now() FROM users u"
    " WHERE t.token_hash = $1 AND t.used_at IS NULL"
    " AND t.expires_at > now() AND u.id = t.user_id"
    " RETURNING t.user_id, COALESCE(t.client_id, 0), t.destination,"
    " u.status = 'disabled'", 1);

/* The user exists and is active; client_id, when given, is theirs and
 * open. ERR_NONE, or the failure (rolled back). */
static enum err
check_target(struct flow *f, long long user_id, long long client_id)
{
	struct db_res		*res;
	enum client_status	 st;
	bool			 found, disabled = false;
	int			 rc;

	if ((res = DB_EXEC(f->db, &st_user, DB_INT(user_id))) == NULL)
		return flow_db_fail(f);
	if ((found = db_rows(res) == 1))
		disabled = db_bool(res, 0, 0);
	db_res_free(res);
	if (!found)
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_USER);
	if (disabled)
		return flow_fail(f, ERR_USER_DISABLED, NULL, NULL);
	if (client_id == 0)
		return ERR_NONE;
	if ((rc = users_membership(f->db, user_id, client_id, &st)) < 0)
		return flow_db_fail(f);
	if (rc != 1)
		return flow_fail(f, ERR_NOT_FOUND, "client_id", "The user is "
		    "not a member of this account.");
	if (st == CLIENT_CLOSED)
		return flow_fail(f, ERR_FORBIDDEN, "client_id", MSG_CLOSED);
	return ERR_NONE;
}

enum err
sso_create(struct flow *f, long long user_id, long long client_id,
    const char *destination, struct sso_link *out)
{
	struct db_res		*res;
	struct audit_details	 d = { 0 };
	char			 hash[TOKEN_HASH_PARAM];
	long long		 id;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((e = check_target(f, user_id, client_id)) != ERR_NONE)
		return e;
	if (token_new(out->token) != 0)
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	res = DB_EXEC(f->db, &st_insert, token_hash_param(out->token, hash),
	    DB_INT(user_id), client_id > 0 ? DB_INT(client_id) : NULL,
	    destination, f->who.kind == ACTOR_ADMIN ? DB_INT(f->who.id) : NULL,
	    DB_INT(SSO_TTL_S));
	if (res == NULL) {
		explicit_bzero(out->token, sizeof(out->token));
		return flow_db_fail(f);
	}
	id = db_int(res, 0, 0);
	(void)str_copy(out->expires_at, sizeof(out->expires_at),
	    db_str(res, 0, 1));
	db_res_free(res);
	audit_detail_int(&d, "sso_token_id", id);
	audit_detail_int(&d, "user_id", user_id);
	if (client_id > 0)
		audit_detail_int(&d, "client_id", client_id);
	audit_detail_str(&d, "destination", destination);
	e = admin_users_audit(f, user_id, "sso_token_created", &d);
	audit_details_release(&d);
	if (e == ERR_NONE)
		e = flow_commit(f);
	if (e != ERR_NONE)
		explicit_bzero(out->token, sizeof(out->token));
	return e;
}

int
sso_take(struct db *db, const char *token, struct sso_use *out)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (!token_well_formed(token))
		return 0;
	if ((res = DB_EXEC(db, &st_take, token_hash_param(token, hash))) ==
	    NULL)
		return -1;
	if (db_rows(res) != 1)
		rc = 0;
	else if (db_bool(res, 0, 3))
		rc = 2;
	else {
		out->user_id = db_int(res, 0, 0);
		out->client_id = db_int(res, 0, 1);
		(void)str_copy(out->destination, sizeof(out->destination),
		    db_str(res, 0, 2));
		rc = 1;
	}
	db_res_free(res);
	return rc;
}
