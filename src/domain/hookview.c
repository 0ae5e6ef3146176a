/* hookview.c: webhook endpoints and deliveries, read; see hookview.h. */
#include <string.h>

#include "db.h"
#include "hookview.h"
#include "banned.h"

static struct stmt st_endpoints = STMT(
    "SELECT e.id, e.url, array_to_string(e.events, ','), e.enabled,"
    " rfc3339(e.created_at), rfc3339(e.failing_since),"
    " rfc3339(e.disabled_at), e.disabled_reason,"
    " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
    "   AND d.state IN ('queued', 'sending', 'failed')),"
    " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
    "   AND d.state = 'dead'),"
    " rfc3339((SELECT max(d.delivered_at) FROM webhook_deliveries d"
    "   WHERE d.endpoint_id = e.id AND d.state = 'delivered'))"
    " FROM webhook_endpoints e ORDER BY e.id", 0);
static struct stmt st_exists = STMT(
    "SELECT 1 FROM webhook_endpoints WHERE id = $1", 1);
static struct stmt st_deliveries = STMT(
    "SELECT id, event_id, type, state, attempts, rfc3339(created_at),"
    " CASE WHEN state IN ('delivered', 'dead') THEN NULL"
    "  ELSE rfc3339(next_attempt_at) END,"
    " rfc3339(last_attempt_at), last_status, last_error,"
    " rfc3339(delivered_at)"
    " FROM webhook_deliveries WHERE endpoint_id = $1"
    " AND ($2::text IS NULL OR state = $2)"
    " ORDER BY id DESC LIMIT $3", 3);

static const char *const states[] = {
	"queued", "sending", "delivered", "failed", "dead",
};

bool
hookview_state_valid(const char *s)
{
	return str_index(states, sizeof(states) / sizeof(states[0]), s) >= 0;
}

int
hookview_endpoints(struct db *db,
    void (*each)(const struct hook_endpoint *, void *), void *arg)
{
	struct db_res		*res;
	struct hook_endpoint	 e;
	int			 i;

	if ((res = db_exec(db, &st_endpoints, NULL)) == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		e.id = db_int(res, i, 0);
		e.url = db_str(res, i, 1);
		e.events = db_str(res, i, 2);
		e.enabled = db_bool(res, i, 3);
		e.created_at = db_str(res, i, 4);
		e.failing_since = db_str(res, i, 5);
		e.disabled_at = db_str(res, i, 6);
		e.disabled_reason = db_str(res, i, 7);
		e.waiting = db_int(res, i, 8);
		e.dead = db_int(res, i, 9);
		e.last_delivered_at = db_str(res, i, 10);
		each(&e, arg);
	}
	db_res_free(res);
	return 0;
}

static void
delivery_read(const struct db_res *res, int i, struct hook_delivery *d)
{
	d->id = db_int(res, i, 0);
	d->event_id = db_str(res, i, 1);
	d->type = db_str(res, i, 2);
	d->state = db_str(res, i, 3);
	d->attempts = (int)db_int(res, i, 4);
	d->created_at = db_str(res, i, 5);
	d->next_attempt_at = db_str(res, i, 6);
	d->last_attempt_at = db_str(res, i, 7);
	d->last_status = db_isnull(res, i, 8) ? 0 : (int)db_int(res, i, 8);
	d->last_error = db_str(res, i, 9);
	d->delivered_at = db_str(res, i, 10);
}

int
hookview_deliveries(struct db *db, long long id, const char *state,
    long limit, void (*each)(const struct hook_delivery *, void *), void *arg)
{
	struct db_res		*res;
	struct hook_delivery	 d;
	int			 i, found;

	if ((res = DB_EXEC(db, &st_exists, DB_INT(id))) == NULL)
		return -1;
	found = db_rows(res) == 1;
	db_res_free(res);
	if (!found)
		return 0;
	res = DB_EXEC(db, &st_deliveries, DB_INT(id), state, DB_INT(limit));
	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		delivery_read(res, i, &d);
		each(&d, arg);
	}
	db_res_free(res);
	return 1;
}
