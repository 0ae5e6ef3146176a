/* users.c: user objects and the accounts a user reaches. */
#include <stdio.h>
#include <string.h>

#include "clients.h"
#include "db.h"
#include "perms.h"
#include "users.h"
#include "banned.h"

static struct stmt st_user = STMT(
    "SELECT " USER_COLS " FROM users u WHERE u.id = $1", 1);

static struct stmt st_accounts = STMT(
    "SELECT c.id, c.company_name, c.owner_user_id = cu.user_id,"
    " cu.permissions, c.status, COALESCE(NULLIF(btrim(o.first_name || ' '"
    " || o.last_name), ''), o.email), c.require_2fa"
    " FROM client_users cu JOIN clients c ON c.id = cu.client_id"
    " JOIN users o ON o.id = c.owner_user_id"
    " WHERE cu.user_id = $1"
    " ORDER BY c.owner_user_id = cu.user_id DESC, c.status = 'closed',"
    " lower(c.company_name), c.id", 1);

static struct stmt st_membership = STMT(
    "SELECT c.status, cu.user_id IS NOT NULL FROM clients c"
    " LEFT JOIN client_users cu ON cu.client_id = c.id AND cu.user_id = $1"
    " WHERE c.id = $2", 2);

#define REF_COLS "id, email, email_verified_at IS NOT NULL"
static struct stmt st_ref = STMT(
    "SELECT " REF_COLS " FROM users WHERE id = $1", 1);
static struct stmt st_by_email = STMT(
    "SELECT " REF_COLS " FROM users WHERE lower(email) = lower($1)", 1);
static struct stmt st_create = STMT(
    "INSERT INTO users (email, first_name, last_name) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING RETURNING " REF_COLS, 3);

/* Row 0 of res into *out when there is one: 1, else 0. Frees res. */
static int
ref_of(struct db_res *res, struct user_ref *out)
{
	int	found = db_rows(res) == 1;

	if (found) {
		out->id = db_int(res, 0, 0);
		(void)str_copy(out->email, sizeof(out->email),
		    db_str(res, 0, 1));
		out->verified = db_bool(res, 0, 2);
	}
	db_res_free(res);
	return found;
}

int
users_by_id(struct db *db, long long id, struct user_ref *out)
{
	struct db_res	*res;

	memset(out, 0, sizeof(*out));
	if ((res = DB_EXEC(db, &st_ref, DB_INT(id))) == NULL)
		return -1;
	return ref_of(res, out);
}

int
users_find_or_create(struct db *db, const char *email, const char *first,
    const char *last, struct user_ref *out)
{
	struct db_res	*res;

	memset(out, 0, sizeof(*out));
	for (;;) {
		if ((res = DB_EXEC(db, &st_by_email, email)) == NULL)
			return -1;
		if (ref_of(res, out) == 1)
			return 0;
		/* a user by that email may appear meanwhile: then use it */
		res = DB_EXEC(db, &st_create, email, first, last);
		if (res == NULL)
			return -1;
		if (ref_of(res, out) == 1) {
			out->created = true;
			return 0;
		}
	}
}

void
user_read(const struct db_res *res, int row, int col, struct user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = db_int(res, row, col);
	(void)str_copy(u->email, sizeof(u->email), db_str(res, row, col + 1));
	(void)str_copy(u->first_name, sizeof(u->first_name),
	    db_str(res, row, col + 2));
	(void)str_copy(u->last_name, sizeof(u->last_name),
	    db_str(res, row, col + 3));
	u->email_verified = db_bool(res, row, col + 4);
	(void)str_copy(u->created_at, sizeof(u->created_at),
	    db_str(res, row, col + 5));
	if (!db_isnull(res, row, col + 6))
		(void)str_copy(u->last_login_at, sizeof(u->last_login_at),
		    db_str(res, row, col + 6));
	(void)str_copy(u->status, sizeof(u->status), db_str(res, row, col + 7));
	u->two_factor = db_bool(res, row, col + 8);
}

int
users_get(struct db *db, long long id, struct user *out)
{
	struct db_res	*res;
	int		 found;

	if ((res = DB_EXEC(db, &st_user, DB_INT(id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	if (found)
		user_read(res, 0, 0, out);
	db_res_free(res);
	return found;
}

int
users_accounts(struct db *db, long long user_id,
    void (*each)(const struct account *, void *), void *arg)
{
	struct db_res	*res;
	struct account	 a;
	int		 i;

	if ((res = DB_EXEC(db, &st_accounts, DB_INT(user_id))) == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		memset(&a, 0, sizeof(a));
		a.client_id = db_int(res, i, 0);
		(void)str_copy(a.company_name, sizeof(a.company_name),
		    db_str(res, i, 1));
		a.is_owner = db_bool(res, i, 2);
		/* the owner holds every permission, whatever the row says */
		a.perms = a.is_owner ? PERMS_ALL :
		    perms_from_pg(db_str(res, i, 3));
		if (client_status_parse(db_str(res, i, 4), &a.status) != 0)
			a.status = CLIENT_CLOSED;	/* no other in the schema */
		a.require_2fa = db_bool(res, i, 6);
		(void)str_copy(a.owner_name, sizeof(a.owner_name),
		    db_str(res, i, 5));
		each(&a, arg);
	}
	db_res_free(res);
	return 0;
}

int
users_membership(struct db *db, long long user_id, long long client_id,
    enum client_status *status)
{
	struct db_res	*res;
	char		 uid[24], cid[24];
	int		 rc;

	res = DB_EXEC(db, &st_membership, db_fmt_int(uid, user_id),
	    db_fmt_int(cid, client_id));
	if (res == NULL)
		return -1;
	if (db_rows(res) != 1)
		rc = 2;
	else {
		rc = db_bool(res, 0, 1) ? 1 : 0;
		if (client_status_parse(db_str(res, 0, 0), status) != 0)
			*status = CLIENT_CLOSED;	/* no other in the schema */
	}
	db_res_free(res);
	return rc;
}
