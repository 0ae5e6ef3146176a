/* apitoken.c: bearer tokens of administrators. */
#include <stdio.h>
#include <string.h>

#include "apitoken.h"
#include "db.h"
#include "banned.h"

static struct stmt st_find = STMT(
    "SELECT t.id, t.admin_id, a.email, a.name,"
    " t.last_used_at IS NULL OR t.last_used_at < now() - interval '60 seconds'"
    " FROM api_tokens t JOIN admins a ON a.id = t.admin_id"
    " WHERE t.token_hash = $1 AND t.revoked_at IS NULL", 1);
static struct stmt st_touch = STMT(
    "UPDATE api_tokens SET last_used_at = now() WHERE id = $1", 1);
static struct stmt st_issue = STMT(
    "INSERT INTO api_tokens (admin_id, token_hash)"
    " SELECT id, $2 FROM admins WHERE lower(email) = lower($1)"
    " RETURNING id", 2);
static struct stmt st_revoke = STMT(
    "UPDATE api_tokens SET revoked_at = now()"
    " WHERE revoked_at IS NULL AND admin_id ="
    " (SELECT id FROM admins WHERE lower(email) = lower($1))", 1);

int
apitoken_find(struct db *db, const char *token, struct principal *who)
{
	struct db_res	*res, *t;
	char		 hash[TOKEN_HASH_PARAM];

	if (!token_well_formed(token))
		return 0;
	if ((res = DB_EXEC(db, &st_find, token_hash_param(token, hash))) == NULL)
		return -1;
	if (db_rows(res) != 1) {
		db_res_free(res);
		return 0;
	}
	memset(who, 0, sizeof(*who));
	who->kind = PRINCIPAL_API_TOKEN;
	who->id = db_int(res, 0, 1);
	(void)str_copy(who->email, sizeof(who->email), db_str(res, 0, 2));
	(void)str_copy(who->name, sizeof(who->name), db_str(res, 0, 3));
	if (db_bool(res, 0, 4)) {
		if ((t = DB_EXEC(db, &st_touch, db_str(res, 0, 0))) == NULL) {
			db_res_free(res);
			return -1;
		}
		db_res_free(t);
	}
	db_res_free(res);
	return 1;
}

int
apitoken_issue(struct db *db, const char *email, char *token)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	int		 n;

	if (token_new(token) != 0)
		return -1;
	res = DB_EXEC(db, &st_issue, email, token_hash_param(token, hash));
	if (res == NULL)
		return -1;
	n = db_rows(res);
	db_res_free(res);
	return n == 1 ? 1 : 0;
}

int
apitoken_revoke_all(struct db *db, const char *email)
{
	struct db_res	*res;
	int		 n;

	if ((res = DB_EXEC(db, &st_revoke, email)) == NULL)
		return -1;
	n = db_affected(res);
	db_res_free(res);
	return n;
}
