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
/*
 * A page of the members of $1, in the order of members_list: the owner
 * first, then by the time they were added; 50 from position $2 of those
 * after the owner. They are walked in the order of client_users_added
 * and each is then looked up by its key (the LATERAL ... OFFSET 0 keeps
 * the planner from reading every user to join 50), so a page costs the
 * same in a large account as in a small one.
 */
#define PAGE_ROWS "50"
#define PAGE_FROM(rest) \
    " FROM (SELECT * FROM client_users WHERE client_id = $1" \
    "  AND user_id <> (SELECT owner_user_id FROM clients WHERE id = $1)" \
    "  ORDER BY added_at, user_id " rest ") cu" \
    " CROSS JOIN LATERAL (SELECT * FROM users WHERE id = cu.user_id" \
    "  OFFSET 0) u JOIN clients c ON c.id = cu.client_id"
static struct stmt st_owner = STMT(
    "SELECT " MEMBER_COLS " FROM clients c JOIN client_users cu"
    " ON cu.client_id = c.id AND cu.user_id = c.owner_user_id"
    " JOIN users u ON u.id = cu.user_id WHERE c.id = $1", 1);
static struct stmt st_page = STMT(
    "SELECT " MEMBER_COLS PAGE_FROM("LIMIT " PAGE_ROWS " OFFSET $2")
    " ORDER BY cu.added_at, cu.user_id", 2);
/* how many: the counter of migration 014 */
static struct stmt st_count = STMT(
    "SELECT member_count FROM clients WHERE id = $1", 1);
/*
 * The same for a search $2 (a LIKE pattern on name or address) over all
 * of them, the owner first: $3 rows from position $4.
 */
#define MEMBER_MATCH \
    " (lower(u.email) LIKE lower($2) OR lower(u.first_name) LIKE lower($2)" \
    " OR lower(u.last_name) LIKE lower($2)" \
    " OR lower(u.first_name || ' ' || u.last_name) LIKE lower($2))"
static struct stmt st_search = STMT(
    "SELECT " MEMBER_COLS " FROM client_users cu"
    " JOIN users u ON u.id = cu.user_id JOIN clients c ON c.id = cu.client_id"
    " WHERE cu.client_id = $1 AND" MEMBER_MATCH
    " ORDER BY c.owner_user_id = u.id DESC, cu.added_at, u.id"
    " LIMIT $3 OFFSET $4", 4);
static struct stmt st_count_match = STMT(
    "SELECT count(*) FROM client_users cu JOIN users u ON u.id = cu.user_id"
    " WHERE cu.client_id = $1 AND" MEMBER_MATCH, 2);
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

/* each() member of rows of res; frees res. 0, or -1 for a NULL res. */
static int
each_member(struct db_res *res, void (*each)(const struct member *, void *),
    void *arg)
{
	struct member	m;
	int		i;

	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		member_read(res, i, 0, &m);
		each(&m, arg);
	}
	db_res_free(res);
	return 0;
}

/* The count of the first row of res; frees res. 0, or -1. */
static int
count_of(struct db_res *res, long long *n)
{
	if (res == NULL)
		return -1;
	*n = db_rows(res) == 1 ? db_int(res, 0, 0) : 0;
	db_res_free(res);
	return 0;
}

/* A page of 50 of everyone: the owner, then 49 (page 1) or 50 others. */
static int
page_all(struct db *db, long long client_id, long offset,
    void (*each)(const struct member *, void *), void *arg)
{
	struct db_res	*res;
	struct member	 m;
	int		 i, n;

	if (offset == 0 && each_member(DB_EXEC(db, &st_owner, DB_INT(client_id)),
	    each, arg) != 0)
		return -1;
	res = DB_EXEC(db, &st_page, DB_INT(client_id),
	    DB_INT(offset > 0 ? offset - 1 : 0));
	if (res == NULL)
		return -1;
	/* the owner took the first place of the first page */
	n = offset == 0 && db_rows(res) == MEMBERS_PER_PAGE ?
	    MEMBERS_PER_PAGE - 1 : db_rows(res);
	for (i = 0; i < n; i++) {
		member_read(res, i, 0, &m);
		each(&m, arg);
	}
	db_res_free(res);
	return 0;
}

int
members_page(struct db *db, long long client_id, const char *pat,
    long limit, long offset, long long *total,
    void (*each)(const struct member *, void *), void *arg)
{
	if (*pat == '\0') {
		if (count_of(DB_EXEC(db, &st_count, DB_INT(client_id)),
		    total) != 0)
			return -1;
		return page_all(db, client_id, offset, each, arg);
	}
	if (count_of(DB_EXEC(db, &st_count_match, DB_INT(client_id), pat),
	    total) != 0)
		return -1;
	return each_member(DB_EXEC(db, &st_search, DB_INT(client_id), pat,
	    DB_INT(limit), DB_INT(offset)), each, arg);
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
