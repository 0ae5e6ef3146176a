/*
 * h_admin_webhooks.c: the Admin Area's Webhooks view, read only: the
 * endpoints operators registered with memberctl webhook (never their
 * secret) and each one's recent deliveries.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "hookview.h"
#include "http.h"
#include "json.h"
#include "banned.h"

/* s, or null for NULL. */
static void
add_str_or_null(cJSON *o, const char *key, const char *s)
{
	if (s == NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, s);
}

/* "invite.*,member.added" as a JSON array of its patterns. */
static cJSON *
patterns_json(const char *list)
{
	cJSON		*a = cJSON_CreateArray();
	const char	*p = list, *comma;
	char		 one[128];
	size_t		 n;

	while (*p != '\0') {
		comma = strchr(p, ',');
		n = comma == NULL ? strlen(p) : (size_t)(comma - p);
		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			cJSON_AddItemToArray(a, cJSON_CreateString(one));
		}
		p += n + (comma != NULL);
	}
	return a;
}

static void
endpoint_into(const struct hook_endpoint *e, void *arg)
{
	cJSON	*o = cJSON_CreateObject();

	json_add_int(o, "id", e->id);
	cJSON_AddStringToObject(o, "url", e->url);
	cJSON_AddItemToObject(o, "events", patterns_json(e->events));
	cJSON_AddBoolToObject(o, "enabled", e->enabled);
	cJSON_AddStringToObject(o, "created_at", e->created_at);
	add_str_or_null(o, "failing_since", e->failing_since);
	add_str_or_null(o, "disabled_at", e->disabled_at);
	add_str_or_null(o, "disabled_reason", e->disabled_reason);
	json_add_int(o, "waiting", e->waiting);
	json_add_int(o, "dead", e->dead);
	add_str_or_null(o, "last_delivered_at", e->last_delivered_at);
	cJSON_AddItemToArray(arg, o);
}

/*
 * GET /api/v1/admin/webhooks
 * 200 {endpoints:[{id, url, events, enabled, created_at, failing_since,
 * disabled_at, disabled_reason, waiting, dead, last_delivered_at}]}.
 */
void
h_admin_webhooks(struct req *r)
{
	cJSON	*body = cJSON_CreateObject();

	if (hookview_endpoints(r->db, endpoint_into,
	    cJSON_AddArrayToObject(body, "endpoints")) != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	reply_json(r, 200, body);
}

static void
delivery_into(const struct hook_delivery *d, void *arg)
{
	cJSON	*o = cJSON_CreateObject();

	json_add_int(o, "id", d->id);
	cJSON_AddStringToObject(o, "event_id", d->event_id);
	cJSON_AddStringToObject(o, "type", d->type);
	cJSON_AddStringToObject(o, "state", d->state);
	json_add_int(o, "attempts", d->attempts);
	cJSON_AddStringToObject(o, "created_at", d->created_at);
	add_str_or_null(o, "next_attempt_at", d->next_attempt_at);
	add_str_or_null(o, "last_attempt_at", d->last_attempt_at);
	if (d->last_status == 0)
		cJSON_AddNullToObject(o, "last_status");
	else
		json_add_int(o, "last_status", d->last_status);
	add_str_or_null(o, "last_error", d->last_error);
	add_str_or_null(o, "delivered_at", d->delivered_at);
	cJSON_AddItemToArray(arg, o);
}

/* ?state= and ?limit=: 0, or -1 after replying 422. *state: caller frees. */
static int
deliveries_query_or_reply(struct req *r, char **state, long *limit)
{
	char	*s = NULL;
	int	 rc;

	*state = NULL;
	*limit = HOOKVIEW_LIMIT_DEFAULT;
	if ((rc = req_query(r, "state", state)) < 0 ||
	    (rc == 1 && **state != '\0' && !hookview_state_valid(*state))) {
		reply_err_msg(r, ERR_INVALID_INPUT, "state", "state is one of "
		    "queued, sending, delivered, failed, dead.");
		goto fail;
	}
	if (rc == 1 && **state == '\0') {
		free(*state);
		*state = NULL;
	}
	if ((rc = req_query(r, "limit", &s)) != 0 &&
	    (rc < 0 || !parse_long(s, 1, HOOKVIEW_LIMIT_MAX, limit))) {
		reply_err_msg(r, ERR_INVALID_INPUT, "limit", "limit is a "
		    "number from 1 to 200.");
		goto fail;
	}
	free(s);
	return 0;
fail:
	free(s);
	free(*state);
	*state = NULL;
	return -1;
}

/*
 * GET /api/v1/admin/webhooks/{id}/deliveries?state=&limit=
 * 200 {deliveries:[{id, event_id, type, state, attempts, created_at,
 * next_attempt_at, last_attempt_at, last_status, last_error,
 * delivered_at}]}, newest first, limit (50, at most 200) of them;
 * 404 not_found; 422 for a bad state or limit.
 */
void
h_admin_webhook_deliveries(struct req *r)
{
	cJSON	*body;
	char	*state;
	long	 limit;
	int	 rc;

	if (deliveries_query_or_reply(r, &state, &limit) != 0)
		return;
	body = cJSON_CreateObject();
	rc = hookview_deliveries(r->db, r->ids[0], state, limit, delivery_into,
	    cJSON_AddArrayToObject(body, "deliveries"));
	free(state);
	if (rc != 1) {
		cJSON_Delete(body);
		if (rc == 0)
			reply_err_msg(r, ERR_NOT_FOUND, NULL,
			    "No such webhook endpoint.");
		else
			reply_db_error(r);
		return;
	}
	reply_json(r, 200, body);
}
