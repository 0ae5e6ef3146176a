/* invites.c: invite objects and listings. */
#include "db.h"
#include "json.h"
#include "invites.h"
#include "perms.h"
#include "banned.h"

static const char *const status_names[] = {
	[INVITE_PENDING] = "pending",
	[INVITE_ACCEPTED] = "accepted",
	[INVITE_CANCELLED] = "cancelled",
	[INVITE_EXPIRED] = "expired",
};

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

cJSON *
invite_json(const struct db_res *res, int row, int col)
{
	cJSON	*o = cJSON_CreateObject(), *by;

	json_add_int(o, "id", db_int(res, row, col));
	json_add_int(o, "client_id",
	    db_int(res, row, col + 1));
	cJSON_AddStringToObject(o, "email", db_str(res, row, col + 2));
	cJSON_AddItemToObject(o, "permissions",
	    perms_to_json(perms_from_pg(db_str(res, row, col + 3))));
	cJSON_AddStringToObject(o, "status", db_str(res, row, col + 4));
	cJSON_AddStringToObject(o, "created_at", db_str(res, row, col + 5));
	cJSON_AddStringToObject(o, "expires_at", db_str(res, row, col + 6));
	cJSON_AddStringToObject(o, "last_sent_at", db_str(res, row, col + 7));
	json_add_int(o, "sent_count",
	    db_int(res, row, col + 8));
	if (db_isnull(res, row, col + 9))
		cJSON_AddNullToObject(o, "delivery");
	else
		cJSON_AddStringToObject(o, "delivery",
		    db_str(res, row, col + 9));
	by = cJSON_AddObjectToObject(o, "invited_by");
	cJSON_AddStringToObject(by, "kind", db_str(res, row, col + 10));
	cJSON_AddStringToObject(by, "name", db_str(res, row, col + 11));
	return o;
}

int
invites_list_json(struct db *db, long long client_id, cJSON **out,
    cJSON **expired)
{
	struct db_res		*res;
	char			 cid[24];
	enum invite_status	 st;
	int			 i;

	if ((res = DB_EXEC(db, &st_list, db_fmt_int(cid, client_id))) == NULL)
		return -1;
	*out = cJSON_CreateArray();
	if (expired != NULL)
		*expired = cJSON_CreateArray();
	for (i = 0; i < db_rows(res); i++) {
		/* the status column as the API shows it */
		if (expired != NULL &&
		    invite_status_parse(db_str(res, i, 4), &st) == 0 &&
		    st == INVITE_EXPIRED)
			cJSON_AddItemToArray(*expired, invite_json(res, i, 0));
		else
			cJSON_AddItemToArray(*out, invite_json(res, i, 0));
	}
	db_res_free(res);
	return 0;
}

int
invites_get_json(struct db *db, long long id, cJSON **out)
{
	struct db_res	*res;
	char		 sid[24];
	int		 found;

	if ((res = DB_EXEC(db, &st_get, db_fmt_int(sid, id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	if (found)
		*out = invite_json(res, 0, 0);
	db_res_free(res);
	return found;
}
