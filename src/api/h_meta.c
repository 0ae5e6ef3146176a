/*
 * h_meta.c: the routes about the API itself: its OpenAPI description
 * (docs/openapi.json, compiled in by tools/embed-file.sh) and its
 * metrics (metrics.c, with the mail and webhook queues read at scrape
 * time).
 */
#include <stdlib.h>

#include "db.h"
#include "handlers.h"
#include "http.h"
#include "metrics.h"
#include "banned.h"

extern const char	openapi_json[];
extern const size_t	openapi_json_len;

/*
 * The mail queue per state: rows, age of the oldest, and rows whose last
 * attempt (or creation) falls in the last 24 hours; for sent rows, by
 * sent_at. One branch per state, each over its partial index of
 * sql/001_core.sql and 004_mailer.sql (sent rows by an index-only scan),
 * so a scrape does not read the whole table: about 16 ms at 100 000 kept
 * sent rows, against 70 for one pass over the table.
 */
#define MAIL_STATE(ord, state) \
    "SELECT " ord ", count(*)," \
    " coalesce(extract(epoch FROM now() - min(created_at))::bigint, 0)," \
    " count(*) FILTER (WHERE coalesce(last_attempt_at, created_at)" \
    "   > now() - interval '24 hours')" \
    " FROM email_queue WHERE state = '" state "'"
static struct stmt st_mail = STMT(
    MAIL_STATE("1", "queued") " UNION ALL "
    MAIL_STATE("2", "sending") " UNION ALL "
    MAIL_STATE("3", "failed") " UNION ALL "
    "SELECT 4, count(*),"
    " coalesce(extract(epoch FROM now() - min(sent_at))::bigint, 0),"
    " count(*) FILTER (WHERE sent_at > now() - interval '24 hours')"
    " FROM email_queue WHERE state = 'sent' UNION ALL "
    MAIL_STATE("5", "dead") " ORDER BY 1", 0);

/*
 * The webhook deliveries per state, the same three figures (delivered
 * rows by delivered_at), each branch over a partial index of
 * sql/010_webhooks.sql or 013_webhook_metrics.sql.
 */
#define HOOK_STATE(ord, state) \
    "SELECT " ord ", count(*)," \
    " coalesce(extract(epoch FROM now() - min(created_at))::bigint, 0)," \
    " count(*) FILTER (WHERE coalesce(last_attempt_at, created_at)" \
    "   > now() - interval '24 hours')" \
    " FROM webhook_deliveries WHERE state = '" state "'"
static struct stmt st_hooks = STMT(
    HOOK_STATE("1", "queued") " UNION ALL "
    HOOK_STATE("2", "sending") " UNION ALL "
    HOOK_STATE("3", "failed") " UNION ALL "
    "SELECT 4, count(*),"
    " coalesce(extract(epoch FROM now() - min(delivered_at))::bigint, 0),"
    " count(*) FILTER (WHERE delivered_at > now() - interval '24 hours')"
    " FROM webhook_deliveries WHERE state = 'delivered' UNION ALL "
    HOOK_STATE("5", "dead") " ORDER BY 1", 0);

/*
 * GET /api/v1/openapi.json
 * 200 the OpenAPI 3.1 document, as docs/openapi.json holds it.
 */
void
h_openapi(struct req *r)
{
	reply_body(r, 200, "application/json", openapi_json, openapi_json_len);
}

/* The mail queue into *m; m->known false when the database is away. */
static void
mail_read(struct req *r, struct metrics_mail *m)
{
	struct db_res	*res;
	int		 i;

	if ((res = db_exec(r->db, &st_mail, NULL)) == NULL)
		return;
	if (db_rows(res) == METRICS_MAIL_STATES) {
		for (i = 0; i < METRICS_MAIL_STATES; i++) {
			m->messages[i] = db_int(res, i, 1);
			m->oldest_s[i] = db_int(res, i, 2);
			m->last_24h[i] = db_int(res, i, 3);
		}
		m->known = true;
	}
	db_res_free(res);
}

/* The webhook deliveries into *h; h->known false when the query failed. */
static void
hooks_read(struct req *r, struct metrics_webhooks *h)
{
	struct db_res	*res;
	int		 i;

	if ((res = db_exec(r->db, &st_hooks, NULL)) == NULL)
		return;
	if (db_rows(res) == METRICS_HOOK_STATES) {
		for (i = 0; i < METRICS_HOOK_STATES; i++) {
			h->deliveries[i] = db_int(res, i, 1);
			h->oldest_s[i] = db_int(res, i, 2);
			h->last_24h[i] = db_int(res, i, 3);
		}
		h->known = true;
	}
	db_res_free(res);
}

/*
 * GET /metrics
 * 200 text/plain; version=0.0.4: requests by route and status, their
 * durations, workers busy and idle, the mail queue and the webhook
 * deliveries by state (left out, with memberd_database_up 0, when the
 * database does not answer).
 */
void
h_metrics(struct req *r)
{
	struct metrics_table	*snap = xcalloc(1, sizeof(*snap));
	struct metrics_mail	 mail = { 0 };
	struct metrics_webhooks	 hooks = { 0 };
	struct buf		 out = { 0 };

	(void)metrics_snapshot(snap);
	mail_read(r, &mail);
	if (mail.known)
		hooks_read(r, &hooks);
	metrics_render(&out, snap, routes, nroutes, &mail);
	metrics_render_webhooks(&out, &hooks);
	reply_body(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    out.data, out.len);
	buf_release(&out);
	free(snap);
}
