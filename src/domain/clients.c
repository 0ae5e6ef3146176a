/* clients.c: rows of clients; see clients.h. */
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

static struct stmt st_set_owner = STMT(
    "UPDATE clients SET owner_user_id = $2 WHERE id = $1", 2);
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

int
clients_set_owner(struct db *db, long long id, long long user_id)
{
	return DB_DONE(db, &st_set_owner, DB_INT(id), DB_INT(user_id));
}
