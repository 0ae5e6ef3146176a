/* invites.c: invite objects and listings. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "invites.h"
#include "outbox.h"
#include "perms.h"
#include "banned.h"

/* invites.created_by_kind */
static const char *const inviter_kinds[] = { "admin", "user" };

static const char *const status_names[] = {
	[INVITE_PENDING] = "pending",
	[INVITE_ACCEPTED] = "accepted",
	[INVITE_CANCELLED] = "cancelled",
	[INVITE_EXPIRED] = "expired",
};

int
invite_inviter_parse(const char *s, enum actor_kind *out)
{
	int	i = str_index(inviter_kinds, 2, s);

	if (i < 0)
		return -1;
	*out = i == 0 ? ACTOR_ADMIN : ACTOR_MEMBER;
	return 0;
}

const char *
invite_status_name(enum invite_status st)
{
	return status_names[st];
}

int
invite_status_parse(const char *s, enum invite_status *out)
{
	int	i = str_index(status_names, sizeof(status_names) /
	    sizeof(status_names[0]), s);

	if (i < 0)
		return -1;
	*out = (enum invite_status)i;
	return 0;
}

static struct stmt st_list = STMT(
    "SELECT " INVITE_COLS INVITE_FROM
    " WHERE i.client_id = $1 AND i.status IN ('pending', 'expired')"
    " ORDER BY i.created_at DESC, i.id DESC", 1);
static struct stmt st_get = STMT(SQL_INVITE_GET, 1);

void
invite_read(const struct db_res *res, int row, int col, struct invite *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->id = db_int(res, row, col);
	inv->client_id = db_int(res, row, col + 1);
	(void)str_copy(inv->email, sizeof(inv->email),
	    db_str(res, row, col + 2));
	inv->perms = perms_from_pg(db_str(res, row, col + 3));
	if (invite_status_parse(db_str(res, row, col + 4), &inv->status) != 0)
		inv->status = INVITE_CANCELLED;	/* the schema allows no other */
	(void)str_copy(inv->created_at, sizeof(inv->created_at),
	    db_str(res, row, col + 5));
	(void)str_copy(inv->expires_at, sizeof(inv->expires_at),
	    db_str(res, row, col + 6));
	(void)str_copy(inv->last_sent_at, sizeof(inv->last_sent_at),
	    db_str(res, row, col + 7));
	inv->sent_count = db_int(res, row, col + 8);
	if (mail_state_parse(db_str(res, row, col + 9), &inv->delivery) != 0)
		inv->delivery = MAIL_SENT;	/* gone: sent and purged */
	if (invite_inviter_parse(db_str(res, row, col + 10),
	    &inv->inviter_kind) != 0)
		inv->inviter_kind = ACTOR_ADMIN;	/* the schema allows no other */
	(void)str_copy(inv->inviter_name, sizeof(inv->inviter_name),
	    db_str(res, row, col + 11));
}

int
invites_list(struct db *db, long long client_id,
    void (*each)(const struct invite *, void *), void *arg)
{
	struct db_res	*res;
	struct invite	 inv;
	int		 i;

	if ((res = DB_EXEC(db, &st_list, DB_INT(client_id))) == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		invite_read(res, i, 0, &inv);
		each(&inv, arg);
	}
	db_res_free(res);
	return 0;
}

int
invites_get(struct db *db, long long id, struct invite *out)
{
	struct db_res	*res;
	int		 found;

	if ((res = DB_EXEC(db, &st_get, DB_INT(id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	if (found)
		invite_read(res, 0, 0, out);
	db_res_free(res);
	return found;
}

