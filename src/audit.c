/* audit.c: rows of audit_log. */
#include <stdlib.h>

#include "audit.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "banned.h"

static struct stmt st_audit = STMT(
    "INSERT INTO audit_log (actor_kind, actor_id, actor_name, client_id,"
    " action, details, ip) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)", 7);

int
audit_write_as(struct db *db, const char *kind, long long actor_id,
    const char *actor_name, const char *ip, long long client_id,
    const char *action, cJSON *details)
{
	struct db_res	*res;
	char		 aid[24], cid[24], *json;

	if (details == NULL)
		details = cJSON_CreateObject();
	json = cJSON_PrintUnformatted(details);
	cJSON_Delete(details);
	res = DB_EXEC(db, &st_audit, kind,
	    actor_id > 0 ? db_fmt_int(aid, actor_id) : NULL,
	    actor_name ? actor_name : "",
	    client_id > 0 ? db_fmt_int(cid, client_id) : NULL, action,
	    json ? json : "{}", ip);
	free(json);
	if (res == NULL)
		return -1;
	db_res_free(res);
	return 0;
}

int
audit_write(struct req *r, long long client_id, const char *action,
    cJSON *details)
{
	return audit_write_as(r->db, auth_actor_kind(&r->who), r->who.id,
	    r->who.email, r->remote_addr, client_id, action, details);
}
