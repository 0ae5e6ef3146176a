/* members.c: rows of client_users; see members.h. */
#include <string.h>

#include "db.h"
#include "members.h"
#include "banned.h"

static struct stmt st_list = STMT(
    "SELECT " MEMBER_COLS " FROM client_users cu"
    " JOIN users u ON u.id = cu.user_id JOIN clients c ON c.id = cu.client_id"
    " WHERE cu.client_id = $1"
    " ORDER BY c.owner_user_id = u.id DESC, cu.added_at, u.id", 1);
static struct stmt st_get = STMT(
    "SELECT " MEMBER_COLS " FROM client_users cu"
    " JOIN users u ON u.id = cu.user_id JOIN clients c ON c.id = cu.client_id"
    " WHERE cu.client_id = $1 AND cu.user_id = $2", 2);
static struct stmt st_add = STMT(
    "INSERT INTO client_users (client_id, user_id, permissions)"
    " VALUES ($1, $2, $3::text[]) ON CONFLICT DO NOTHING RETURNING user_id",
    3);
static struct stmt st_lock = STMT(
    "SELECT permissions FROM client_users WHERE client_id = $1"
    " AND user_id = $2 FOR UPDATE", 2);
static struct stmt st_perms = STMT(
    "SELECT permissions FROM client_users WHERE client_id = $1"
    " AND user_id = $2", 2);
static struct stmt st_set = STMT(
    "UPDATE client_users SET permissions = $3::text[]"
    " WHERE client_id = $1 AND user_id = $2", 3);
static struct stmt st_remove = STMT(
    "DELETE FROM client_users WHERE client_id = $1 AND user_id = $2", 2);

void
member_read(const struct db_res *res, int row, int col, struct member *m)
{
	memset(m, 0, sizeof(*m));
	m->user_id = db_int(res, row, col);
	(void)str_copy(m->email, sizeof(m->email), db_str(res, row, col + 1));
	(void)str_copy(m->first_name, sizeof(m->first_name),
	    db_str(res, row, col + 2));
	(void)str_copy(m->last_name, sizeof(m->last_name),
	    db_str(res, row, col + 3));
	m->is_owner = db_bool(res, row, col + 4);
	/* the owner holds every permission, whatever the row says */
	m->perms = m->is_owner ? PERMS_ALL :
	    perms_from_pg(db_str(res, row, col + 5));
	(void)str_copy(m->last_login_at, sizeof(m->last_login_at),
	    db_str(res, row, col + 6));
	(void)str_copy(m->added_at, sizeof(m->added_at),
	    db_str(res, row, col + 7));
	m->two_factor = db_bool(res, row, col + 8);
}

int
members_get(struct db *db, long long client_id, long long user_id,
    struct member *out)
{
	struct db_res	*res;
	int		 found;

	res = DB_EXEC(db, &st_get, DB_INT(client_id), DB_INT(user_id));
	if (res == NULL)
		return -1;
	if ((found = db_rows(res) == 1))
		member_read(res, 0, 0, out);
	db_res_free(res);
	return found;
}

int
members_list(struct db *db, long long client_id,
    void (*each)(const struct member *, void *), void *arg)
{
	struct db_res	*res;
	struct member	 m;
	int		 i;

	if ((res = DB_EXEC(db, &st_list, DB_INT(client_id))) == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		member_read(res, i, 0, &m);
		each(&m, arg);
	}
	db_res_free(res);
	return 0;
}

int
members_add(struct db *db, long long client_id, long long user_id,
    perms_t perms)
{
	struct db_res	*res;
	struct buf	 pg = { 0 };
	int		 added;

	perms_to_pg(perms, &pg);
	res = DB_EXEC(db, &st_add, DB_INT(client_id), DB_INT(user_id),
	    pg.data);
	buf_release(&pg);
	if (res == NULL)
		return -1;
	added = db_rows(res) == 1;
	db_res_free(res);
	return added;
}

/* The permissions column of row 0, as text, or as a set. */
static int
perms_of(struct db_res *res, char *pg, size_t pg_len, perms_t *perms)
{
	int	found;

	if (res == NULL)
		return -1;
	if ((found = db_rows(res) == 1)) {
		if (pg != NULL)
			(void)str_copy(pg, pg_len, db_str(res, 0, 0));
		if (perms != NULL)
			*perms = perms_from_pg(db_str(res, 0, 0));
	}
	db_res_free(res);
	return found;
}

int
members_lock(struct db *db, long long client_id, long long user_id,
    perms_t *perms)
{
	return perms_of(DB_EXEC(db, &st_lock, DB_INT(client_id),
	    DB_INT(user_id)), NULL, 0, perms);
}

int
members_perms_text(struct db *db, long long client_id, long long user_id,
    char *pg, size_t pg_len)
{
	return perms_of(DB_EXEC(db, &st_perms, DB_INT(client_id),
	    DB_INT(user_id)), pg, pg_len, NULL);
}

int
members_set(struct db *db, long long client_id, long long user_id,
    perms_t perms)
{
	struct buf	pg = { 0 };
	int		rc;

	perms_to_pg(perms, &pg);
	rc = DB_DONE(db, &st_set, DB_INT(client_id), DB_INT(user_id),
	    pg.data);
	buf_release(&pg);
	return rc;
}

int
members_remove(struct db *db, long long client_id, long long user_id)
{
	return DB_DONE(db, &st_remove, DB_INT(client_id), DB_INT(user_id));
}
