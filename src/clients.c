/* clients.c: client account and member objects. */
#include <stdio.h>
#include <string.h>

#include "clients.h"
#include "db.h"
#include "perms.h"
#include "banned.h"

static const char *const status_names[] = {
	[CLIENT_ACTIVE] = "active",
	[CLIENT_INACTIVE] = "inactive",
	[CLIENT_CLOSED] = "closed",
};

static struct stmt st_client = STMT(
    "SELECT " CLIENT_COLS " FROM clients c WHERE c.id = $1", 1);
static struct stmt st_members = STMT(
    "SELECT " MEMBER_COLS " FROM client_users cu"
    " JOIN users u ON u.id = cu.user_id JOIN clients c ON c.id = cu.client_id"
    " WHERE cu.client_id = $1"
    " ORDER BY c.owner_user_id = u.id DESC, cu.added_at, u.id", 1);
static struct stmt st_member = STMT(
    "SELECT " MEMBER_COLS " FROM client_users cu"
    " JOIN users u ON u.id = cu.user_id JOIN clients c ON c.id = cu.client_id"
    " WHERE cu.client_id = $1 AND cu.user_id = $2", 2);

static struct stmt st_lock = STMT(
    "SELECT 1 FROM clients WHERE id = $1 FOR NO KEY UPDATE", 1);

int
clients_lock(struct db *db, long long id)
{
	struct db_res	*res;
	char		 sid[24];
	int		 found;

	if ((res = DB_EXEC(db, &st_lock, db_fmt_int(sid, id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	db_res_free(res);
	return found;
}

void
client_read(const struct db_res *res, int row, int col, struct client *c)
{
	memset(c, 0, sizeof(*c));
	c->id = db_int(res, row, col);
	(void)str_copy(c->company_name, sizeof(c->company_name),
	    db_str(res, row, col + 1));
	(void)str_copy(c->first_name, sizeof(c->first_name),
	    db_str(res, row, col + 2));
	(void)str_copy(c->last_name, sizeof(c->last_name),
	    db_str(res, row, col + 3));
	if (client_status_parse(db_str(res, row, col + 4), &c->status) != 0)
		c->status = CLIENT_CLOSED;	/* the schema allows no other */
	c->owner_user_id = db_int(res, row, col + 5);
	(void)str_copy(c->created_at, sizeof(c->created_at),
	    db_str(res, row, col + 6));
}

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
}

int
clients_get(struct db *db, long long id, struct client *out)
{
	struct db_res	*res;
	int		 found;

	if ((res = DB_EXEC(db, &st_client, DB_INT(id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	if (found)
		client_read(res, 0, 0, out);
	db_res_free(res);
	return found;
}

int
clients_member(struct db *db, long long client_id, long long user_id,
    struct member *out)
{
	struct db_res	*res;
	int		 found;

	res = DB_EXEC(db, &st_member, DB_INT(client_id), DB_INT(user_id));
	if (res == NULL)
		return -1;
	found = db_rows(res) == 1;
	if (found)
		member_read(res, 0, 0, out);
	db_res_free(res);
	return found;
}

int
clients_members(struct db *db, long long id,
    void (*each)(const struct member *, void *), void *arg)
{
	struct db_res	*res;
	struct member	 m;
	int		 i;

	if ((res = DB_EXEC(db, &st_members, DB_INT(id))) == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		member_read(res, i, 0, &m);
		each(&m, arg);
	}
	db_res_free(res);
	return 0;
}

int
client_status_parse(const char *s, enum client_status *out)
{
	int	i = str_index(status_names, sizeof(status_names) /
	    sizeof(status_names[0]), s);

	if (i < 0)
		return -1;
	*out = (enum client_status)i;
	return 0;
}

const char *
client_status_name(enum client_status st)
{
	return status_names[st];
}

void
client_display_name(const char *company, const char *first, const char *last,
    char *out, size_t outlen)
{
	if (company != NULL && *company != '\0')
		(void)str_copy(out, outlen, company);
	else
		(void)str_printf(out, outlen, "%s%s%s", first, *first && *last ?
		    " " : "", last);
}
