/* h_health.c: the liveness of a worker and of its database. */
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "banned.h"

static struct stmt st_ping = STMT("SELECT 1", 0);

/*
 * GET /api/v1/health
 * 200 {"status":"ok"} when the database answers; 503 unavailable otherwise.
 */
void
h_health(struct req *r)
{
	struct db_res	*res;
	cJSON		*body;

	if ((res = db_exec(r->db, &st_ping, NULL)) == NULL) {
		reply_err_msg(r, ERR_UNAVAILABLE, NULL, "The database does "
		    "not answer.");
		return;
	}
	db_res_free(res);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "status", "ok");
	reply_json(r, 200, body);
}
