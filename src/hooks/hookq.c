/* hookq.c: claim and settle rows of webhook_deliveries; see hookq.h. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hookq.h"
#include "util.h"
#include "banned.h"

/*
 * The claim (hookq.h), one statement: sql/016_webhook_claim.sql locks the
 * endpoints, then takes their rows in a snapshot taken after the lock.
 */
static struct stmt st_claim = STMT(
    "SELECT * FROM memberd_webhook_claim($1::int, $2::int, $3, $4::bigint,"
    " $5::int, $6::boolean)", 6);

static struct stmt st_delivered = STMT(
    "WITH done AS ("
    "   UPDATE webhook_deliveries d SET state = 'delivered',"
    "   delivered_at = now(), lease_until = NULL, last_status = v.status,"
    "   last_error = NULL"
    "   FROM unnest($2::bigint[], $3::int[]) AS v(id, status)"
    "   WHERE d.id = v.id AND d.state = 'sending' AND d.locked_by = $1"
    "   RETURNING d.endpoint_id),"
    " ok AS (UPDATE webhook_endpoints SET failing_since = NULL"
    "   WHERE id IN (SELECT endpoint_id FROM done)"
    "   AND failing_since IS NOT NULL)"
    " SELECT count(*) FROM done", 3);

static struct stmt st_failed = STMT(
    "UPDATE webhook_deliveries SET"
    " state = CASE WHEN $3::bigint < 0 THEN 'dead' ELSE 'failed' END,"
    " next_attempt_at = CASE WHEN $3::bigint < 0 THEN next_attempt_at"
    "   ELSE now() + $3::bigint * interval '1 millisecond' END,"
    " lease_until = NULL, locked_by = NULL,"
    " last_status = NULLIF($4::int, 0), last_error = $5"
    " WHERE id = $1 AND state = 'sending' AND locked_by = $2", 5);

/* Failing since the first failure after a success; a day of it disables. */
static struct stmt st_failing = STMT(
    "UPDATE webhook_endpoints SET"
    " failing_since = COALESCE(failing_since, now()),"
    " enabled = enabled AND COALESCE(failing_since, now()) >="
    "   now() - make_interval(secs => $2::int),"
    " disabled_at = CASE WHEN enabled AND COALESCE(failing_since, now()) <"
    "   now() - make_interval(secs => $2::int) THEN now()"
    "   ELSE disabled_at END,"
    " disabled_reason = CASE WHEN enabled AND COALESCE(failing_since, now())"
    "   < now() - make_interval(secs => $2::int)"
    "   THEN 'failing since ' || to_char(failing_since AT TIME ZONE 'UTC',"
    "     'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || ': ' || $3"
    "   ELSE disabled_reason END"
    " WHERE id = $1"
    " RETURNING NOT enabled AND disabled_at = now()", 3);

static struct stmt st_release = STMT(
    "UPDATE webhook_deliveries SET state = 'queued',"
    " attempts = attempts - 1, lease_until = NULL, locked_by = NULL"
    " WHERE id = $1 AND state = 'sending' AND locked_by = $2", 2);

static struct stmt st_release_all = STMT(
    "UPDATE webhook_deliveries SET state = 'queued',"
    " attempts = attempts - 1, lease_until = NULL, locked_by = NULL"
    " WHERE state = 'sending' AND locked_by = $1", 1);

static struct stmt st_extend = STMT(
    "UPDATE webhook_deliveries"
    " SET lease_until = now() + make_interval(secs => $2::int)"
    " WHERE state = 'sending' AND locked_by = $1", 2);

static struct stmt st_sweep = STMT(
    "WITH gone AS MATERIALIZED ("
    "   SELECT k FROM (SELECT DISTINCT claim_lock AS k"
    "     FROM webhook_deliveries WHERE state = 'sending'"
    "     AND claim_lock IS NOT NULL"
    "     AND claim_lock IS DISTINCT FROM NULLIF($2::bigint, 0)) held"
    "   WHERE CASE WHEN now() - pg_postmaster_start_time() >="
    "     make_interval(secs => $3::int)"
    "     THEN pg_try_advisory_xact_lock(k) ELSE false END)"
    " UPDATE webhook_deliveries SET"
    " state = CASE WHEN attempts >= $1 THEN 'dead' ELSE 'queued' END,"
    " last_error = CASE WHEN attempts >= $1"
    "   THEN 'deliverer gone while sending (' || locked_by || ')'"
    "   ELSE last_error END,"
    " next_attempt_at = least(next_attempt_at, now()),"
    " lease_until = NULL, locked_by = NULL"
    " WHERE state = 'sending' AND (lease_until < now()"
    "   OR claim_lock IN (SELECT k FROM gone))", 3);

static struct stmt st_next_due = STMT(
    "SELECT ceil(extract(epoch FROM"
    "   min(d.next_attempt_at) - now()) * 1000)::bigint"
    " FROM webhook_deliveries d JOIN webhook_endpoints e"
    "   ON e.id = d.endpoint_id AND e.enabled"
    " WHERE d.state IN ('queued', 'failed')", 0);

static struct stmt st_endpoints = STMT(
    "SELECT count(*) FROM webhook_endpoints WHERE enabled", 0);

/* The ids and statuses of delivered rows as two array parameters. */
static void
delivered_arrays(struct buf *sids, struct buf *sst, const long long *ids,
    const int *statuses, int n)
{
	long long	*v = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*v));
	int		 i;

	db_int_array(sids, ids, n);
	for (i = 0; i < n; i++)
		v[i] = statuses[i];
	db_int_array(sst, v, n);
	free(v);
}

static int
claim_rows(struct db_res *res, struct hookq_row **out)
{
	struct hookq_row	*rows;
	int			 i, n = db_rows(res);

	rows = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].id = db_int(res, i, 0);
		rows[i].endpoint_id = db_int(res, i, 1);
		rows[i].event_id = xstrdup(db_str(res, i, 2));
		rows[i].type = xstrdup(db_str(res, i, 3));
		rows[i].body = xstrdup(db_str(res, i, 4));
		rows[i].url = xstrdup(db_str(res, i, 5));
		rows[i].secret_sealed = xstrdup(db_str(res, i, 6));
		rows[i].attempts = (int)db_int(res, i, 7);
	}
	*out = rows;
	return n;
}

/* Send the claim without waiting; hookq_claim_collect reads its rows. */
static int
claim_send(struct db *db, const struct drain_claimer *c, int max_endpoints,
    int per_endpoint, bool ahead)
{
	char	smax[24], sper[24], skey[24], slease[24];

	return DB_SEND(db, &st_claim, db_fmt_int(smax, max_endpoints),
	    db_fmt_int(sper, per_endpoint), c->id,
	    db_fmt_int(skey, c->lock_key), db_fmt_int(slease, c->lease_s),
	    ahead ? "true" : "false");
}

int
hookq_claim(struct db *db, const struct drain_claimer *c, int max_endpoints,
    int per_endpoint, struct hookq_row **rows)
{
	*rows = NULL;
	if (claim_send(db, c, max_endpoints, per_endpoint, false) != 0)
		return -1;
	return hookq_claim_collect(db, rows);
}

int
hookq_claim_ahead_send(struct db *db, const struct drain_claimer *c,
    int max_endpoints, int per_endpoint)
{
	return claim_send(db, c, max_endpoints, per_endpoint, true);
}

int
hookq_claim_collect(struct db *db, struct hookq_row **rows)
{
	struct db_res	*res;
	int		 n;

	*rows = NULL;
	if ((res = db_collect(db)) == NULL)
		return -1;
	n = claim_rows(res, rows);
	db_res_free(res);
	return n;
}

void
hookq_row_release(struct hookq_row *r)
{
	free(r->event_id);
	free(r->type);
	free(r->body);
	free(r->url);
	free(r->secret_sealed);
	memset(r, 0, sizeof(*r));
}

int
hookq_mark_delivered(struct db *db, const char *me, const long long *ids,
    const int *statuses, int n)
{
	struct db_res	*res;
	struct buf	 sids = { 0 }, sst = { 0 };
	int		 rows = -1;

	delivered_arrays(&sids, &sst, ids, statuses, n);
	res = DB_EXEC(db, &st_delivered, me, sids.data, sst.data);
	if (res != NULL) {
		rows = (int)db_int(res, 0, 0);
		db_res_free(res);
	}
	buf_release(&sids);
	buf_release(&sst);
	return rows;
}

int
hookq_mark_delivered_send(struct db *db, const char *me, const long long *ids,
    const int *statuses, int n)
{
	struct buf	 sids = { 0 }, sst = { 0 };
	int		 rc;

	delivered_arrays(&sids, &sst, ids, statuses, n);
	rc = DB_SEND(db, &st_delivered, me, sids.data, sst.data);
	buf_release(&sids);
	buf_release(&sst);
	return rc;
}

int
hookq_mark_delivered_collect(struct db *db)
{
	struct db_res	*res;
	int		 rows;

	if ((res = db_collect(db)) == NULL)
		return -1;
	rows = (int)db_int(res, 0, 0);
	db_res_free(res);
	return rows;
}

int
hookq_mark_failed(struct db *db, const char *me, long long id,
    long long endpoint_id, long retry_ms, int status, const char *error,
    long disable_after_s, bool *disabled)
{
	struct db_res	*res;
	char		 sid[24], sretry[24], sst[24], seid[24], safter[24];
	int		 rc;

	*disabled = false;
	rc = db_touched(DB_EXEC(db, &st_failed, db_fmt_int(sid, id), me,
	    db_fmt_int(sretry, retry_ms), db_fmt_int(sst, status), error));
	if (rc != 1)
		return rc;
	res = DB_EXEC(db, &st_failing, db_fmt_int(seid, endpoint_id),
	    db_fmt_int(safter, disable_after_s), error);
	if (res != NULL) {
		*disabled = db_rows(res) == 1 && db_bool(res, 0, 0);
		db_res_free(res);
	}
	return rc;
}

int
hookq_release(struct db *db, const char *me, long long id)
{
	char	sid[24];

	return db_touched(DB_EXEC(db, &st_release, db_fmt_int(sid, id), me));
}

int
hookq_release_all(struct db *db, const char *me)
{
	return db_affected_free(DB_EXEC(db, &st_release_all, me));
}

int
hookq_extend(struct db *db, const char *me, long lease_s)
{
	char	slease[24];

	return db_affected_free(DB_EXEC(db, &st_extend, me,
	    db_fmt_int(slease, lease_s)));
}

int
hookq_sweep(struct db *db, long max_attempts, long long own_key, long grace_s)
{
	char	smax[24], skey[24], sgrace[24];

	return db_affected_free(DB_EXEC(db, &st_sweep,
	    db_fmt_int(smax, max_attempts), db_fmt_int(skey, own_key),
	    db_fmt_int(sgrace, grace_s)));
}

long
hookq_next_due_ms(struct db *db)
{
	return db_due_ms(db_exec(db, &st_next_due, NULL));
}

int
hookq_endpoints(struct db *db)
{
	struct db_res	*res;
	int		 n;

	if ((res = db_exec(db, &st_endpoints, NULL)) == NULL)
		return -1;
	n = (int)db_int(res, 0, 0);
	db_res_free(res);
	return n;
}
