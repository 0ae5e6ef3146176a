/* h_health.c: the liveness of a worker and of its database. */
#include <stdio.h>

#include "db.h"
#include "handlers.h"
#include "http.h"
#include "banned.h"

/* A request statement running this long means the database is stuck. */
#define HEALTH_SLOW_S	"1"

/*
 * One round trip: the database answers, and no statement of memberd (our
 * application_name, every worker of every host) has been running for more
 * than HEALTH_SLOW_S: how many, how many of them wait for a lock, and the
 * longest in seconds. A request path statement takes milliseconds; one
 * that waits is what db_statement_timeout and db_lock_timeout will cut.
 * The function under pg_stat_activity, not the view: its joins cost more
 * to plan than the rest, and unnamed statements are planned every time.
 */
static struct stmt st_health = STMT(
    "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock'),"
    " coalesce(max(extract(epoch FROM clock_timestamp() - query_start)),"
    " 0)::int"
    " FROM pg_stat_get_activity(NULL)"
    " WHERE datid = (SELECT oid FROM pg_database"
    " WHERE datname = current_database())"
    " AND application_name = current_setting('application_name')"
    " AND state = 'active' AND pid <> pg_backend_pid()"
    " AND query_start < clock_timestamp() - interval '" HEALTH_SLOW_S
    " second'", 0);

static void
health_stuck_reply(struct req *r, long long stuck, long long locked,
    long long longest)
{
	char	msg[200];

	if (locked > 0)
		snprintf(msg, sizeof(msg), "The database is slow: %lld "
		    "request%s waiting for a lock (the longest for %lld s).",
		    locked, locked == 1 ? " is" : "s are", longest);
	else
		snprintf(msg, sizeof(msg), "The database is slow: %lld "
		    "request%s running for more than " HEALTH_SLOW_S " s (the "
		    "longest for %lld s).", stuck, stuck == 1 ? " is" : "s are",
		    longest);
	reply_header(r, "Retry-After", RETRY_AFTER_SLOW);
	reply_err_msg(r, ERR_UNAVAILABLE, NULL, msg);
}

/*
 * GET /api/v1/health
 * 200 {"status":"ok"} when the database answers and no request is stuck
 * in it; 503 unavailable (with Retry-After and the reason) otherwise.
 */
void
h_health(struct req *r)
{
	struct db_res	*res;
	cJSON		*body;
	long long	 stuck, locked, longest;

	if ((res = db_exec(r->db, &st_health, NULL)) == NULL) {
		reply_header(r, "Retry-After", db_timed_out(r->db) ?
		    RETRY_AFTER_SLOW : RETRY_AFTER_DOWN);
		reply_err_msg(r, ERR_UNAVAILABLE, NULL, db_timed_out(r->db) ?
		    "The database is too slow to answer." :
		    "The database does not answer.");
		return;
	}
	stuck = db_int(res, 0, 0);
	locked = db_int(res, 0, 1);
	longest = db_int(res, 0, 2);
	db_res_free(res);
	if (stuck > 0) {
		health_stuck_reply(r, stuck, locked, longest);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "status", "ok");
	reply_json(r, 200, body);
}
