/* outbox.c: claim and settle rows of email_queue; see outbox.h. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "outbox.h"
#include "util.h"
#include "banned.h"

static const char *const state_names[] = {
	[MAIL_QUEUED] = "queued",
	[MAIL_SENDING] = "sending",
	[MAIL_SENT] = "sent",
	[MAIL_FAILED] = "failed",
	[MAIL_DEAD] = "dead",
};

int
mail_state_parse(const char *s, enum mail_state *out)
{
	int	i = str_index(state_names, sizeof(state_names) /
	    sizeof(state_names[0]), s);

	if (i < 0)
		return -1;
	*out = (enum mail_state)i;
	return 0;
}

const char *
mail_state_name(enum mail_state st)
{
	return state_names[st];
}

static struct stmt st_claim = STMT(
    "UPDATE email_queue q SET state = 'sending', locked_by = $1,"
    " claim_lock = $5::bigint,"
    " lease_until = now() + make_interval(secs => $2::int),"
    " attempts = q.attempts + 1, last_attempt_at = now(),"
    " message_id = COALESCE(q.message_id, format('<%s.%s@%s>', q.id,"
    "   substr(md5(random()::text || clock_timestamp()::text), 1, 16), $4::text))"
    " WHERE q.id IN (SELECT id FROM email_queue"
    "   WHERE state IN ('queued', 'failed') AND next_attempt_at <= now()"
    "   ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)"
    " RETURNING q.id, q.recipient, q.recipient_name, q.subject,"
    "   q.body_text, q.body_html, q.message_id, q.attempts,"
    "   extract(epoch FROM q.created_at)::bigint", 5);

/*
 * Verdicts of several messages in one statement: one commit instead of
 * one a message. sent_at is when the relay answered, by the server's clock.
 */
static struct stmt st_sent = STMT(
    "UPDATE email_queue q SET state = 'sent',"
    " sent_at = now() - v.age * interval '1 microsecond',"
    " body_text = NULL, body_html = NULL, lease_until = NULL,"
    " last_reply_code = v.code, last_error = NULL"
    " FROM unnest($2::bigint[], $3::int[], $4::bigint[]) AS v(id, code, age)"
    " WHERE q.id = v.id AND q.state = 'sending' AND q.locked_by = $1"
    " RETURNING q.id", 4);

static struct stmt st_failed = STMT(
    "UPDATE email_queue SET state = 'failed', lease_until = NULL,"
    " locked_by = NULL,"
    " next_attempt_at = now() + $3::bigint * interval '1 millisecond',"
    " last_reply_code = NULLIF($4::int, 0), last_error = $5"
    " WHERE id = $1 AND state = 'sending' AND locked_by = $2", 5);

static struct stmt st_dead = STMT(
    "UPDATE email_queue SET state = 'dead', lease_until = NULL,"
    " last_reply_code = NULLIF($3::int, 0), last_error = $4"
    " WHERE id = $1 AND state = 'sending' AND locked_by = $2", 4);

static struct stmt st_release = STMT(
    "UPDATE email_queue SET state = CASE WHEN attempts > 1 THEN 'failed'"
    "   ELSE 'queued' END,"
    " attempts = attempts - 1, lease_until = NULL, locked_by = NULL,"
    " last_error = COALESCE($3, last_error)"
    " WHERE id = $1 AND state = 'sending' AND locked_by = $2", 3);

static struct stmt st_held = STMT(
    "SELECT id FROM email_queue WHERE state = 'sending' AND locked_by = $1",
    1);

static struct stmt st_extend = STMT(
    "UPDATE email_queue"
    " SET lease_until = now() + make_interval(secs => $2::int)"
    " WHERE state = 'sending' AND locked_by = $1", 2);

/*
 * Rows whose mailer is gone: its lease passed, or the session lock of its
 * claim is free. The locks are tried in a transaction of their own
 * (pg_try_advisory_xact_lock), so a mailer that reconnects meanwhile
 * cannot take its lock back until the rows are requeued, and sees then
 * that they are no longer its own. Our own key is skipped: this session
 * holds it. While the server itself has just started ($3 seconds), live
 * mailers are still reconnecting: only the lease counts then. The rows
 * keep their place in the queue (next_attempt_at was due when claimed).
 */
static struct stmt st_sweep = STMT(
    "WITH gone AS MATERIALIZED ("
    "   SELECT k FROM (SELECT DISTINCT claim_lock AS k FROM email_queue"
    "     WHERE state = 'sending' AND claim_lock IS NOT NULL"
    "     AND claim_lock IS DISTINCT FROM $2::bigint) held"
    "   WHERE CASE WHEN now() - pg_postmaster_start_time() >="
    "     make_interval(secs => $3::int)"
    "     THEN pg_try_advisory_xact_lock(k) ELSE false END)"
    " UPDATE email_queue SET"
    " state = CASE WHEN attempts >= $1 THEN 'dead' ELSE 'queued' END,"
    " last_error = CASE WHEN attempts >= $1 AND lease_until < now()"
    "   THEN 'lease expired while sending (' || locked_by || ')'"
    "   WHEN attempts >= $1"
    "   THEN 'mailer gone while sending (' || locked_by || ')'"
    "   ELSE last_error END,"
    " next_attempt_at = least(next_attempt_at, now()),"
    " lease_until = NULL, locked_by = NULL"
    " WHERE state = 'sending' AND (lease_until < now()"
    "   OR claim_lock IN (SELECT k FROM gone))"
    " RETURNING claim_lock IN (SELECT k FROM gone)", 3);

/* NULL when nothing waits (greatest() would turn that NULL into 0) */
static struct stmt st_next_due = STMT(
    "SELECT ceil(extract(epoch FROM"
    "   min(next_attempt_at) - now()) * 1000)::bigint"
    " FROM email_queue WHERE state IN ('queued', 'failed')", 0);

static struct stmt st_purge = STMT(
    "DELETE FROM email_queue WHERE id IN (SELECT id FROM email_queue"
    "   WHERE state = 'sent'"
    "   AND sent_at < now() - make_interval(secs => $1::bigint)"
    "   LIMIT $2)", 2);

/* The operator's statements (memberctl queue). */
static struct stmt st_counts = STMT(
    "SELECT s.state, count(q.id)"
    " FROM unnest(ARRAY['queued', 'sending', 'failed', 'sent', 'dead'])"
    "   WITH ORDINALITY AS s(state, ord)"
    " LEFT JOIN email_queue q ON q.state = s.state"
    " GROUP BY s.state, s.ord ORDER BY s.ord", 0);

static struct stmt st_ages = STMT(
    "SELECT (SELECT extract(epoch FROM now() - min(created_at))::bigint"
    "   FROM email_queue WHERE state IN ('queued', 'sending', 'failed')),"
    " (SELECT count(*) FROM email_queue WHERE state = 'dead'"
    "   AND coalesce(last_attempt_at, created_at)"
    "     > now() - interval '24 hours')", 0);

static struct stmt st_list = STMT(
    "SELECT id, state, attempts, rfc3339(created_at),"
    " coalesce(rfc3339(last_attempt_at), '-'), template, recipient,"
    " coalesce(last_error, '')"
    " FROM email_queue WHERE ($1::text IS NULL OR state = $1)"
    " ORDER BY id DESC LIMIT $2", 2);

static struct stmt st_retry_one = STMT(
    "UPDATE email_queue SET state = 'queued', attempts = 0,"
    " next_attempt_at = now(), locked_by = NULL, lease_until = NULL"
    " WHERE id = $1 AND state IN ('dead', 'failed')", 1);

static struct stmt st_retry_dead = STMT(
    "UPDATE email_queue SET state = 'queued', attempts = 0,"
    " next_attempt_at = now(), locked_by = NULL, lease_until = NULL"
    " WHERE state = 'dead'", 0);

static struct stmt st_wake = STMT(
    "SELECT pg_notify('" OUTBOX_CHANNEL "', '')", 0);

/* Fill msgs[] from a claim's rows; frees res. How many. */
static int
claim_rows(struct db_res *res, struct outbox_msg *msgs, int max)
{
	int	i, n = db_rows(res);

	for (i = 0; i < n && i < max; i++) {
		msgs[i].id = db_int(res, i, 0);
		msgs[i].recipient = xstrdup(db_str(res, i, 1));
		msgs[i].recipient_name = xstrdup(db_str(res, i, 2));
		msgs[i].subject = xstrdup(db_str(res, i, 3));
		msgs[i].body_text = xstrdup(db_isnull(res, i, 4) ? "" :
		    db_str(res, i, 4));
		msgs[i].body_html = db_isnull(res, i, 5) ? NULL :
		    xstrdup(db_str(res, i, 5));
		msgs[i].message_id = xstrdup(db_str(res, i, 6));
		msgs[i].attempts = (int)db_int(res, i, 7);
		msgs[i].created_at = (time_t)db_int(res, i, 8);
	}
	db_res_free(res);
	return i;
}

/* The claim's lock parameter: NULL for none (key 0). */
static const char *
lock_param(char *buf, long long key)
{
	return key == 0 ? NULL : db_fmt_int(buf, key);
}

int
outbox_claim(struct db *db, const struct drain_claimer *who,
    const char *msgid_domain, struct outbox_msg *msgs, int max)
{
	struct db_res	*res;
	char		 key[24];

	res = DB_EXEC(db, &st_claim, who->id, DB_INT(who->lease_s),
	    DB_INT(max), msgid_domain, lock_param(key, who->lock_key));
	return res == NULL ? -1 : claim_rows(res, msgs, max);
}

int
outbox_claim_send(struct db *db, const struct drain_claimer *who,
    const char *msgid_domain, int max)
{
	char	key[24];

	return DB_SEND(db, &st_claim, who->id, DB_INT(who->lease_s),
	    DB_INT(max), msgid_domain, lock_param(key, who->lock_key));
}

int
outbox_claim_collect(struct db *db, struct outbox_msg *msgs, int max)
{
	struct db_res	*res = db_collect(db);

	return res == NULL ? -1 : claim_rows(res, msgs, max);
}

void
outbox_msg_release(struct outbox_msg *m)
{
	free(m->recipient);
	free(m->recipient_name);
	free(m->subject);
	free(m->body_text);
	free(m->body_html);
	free(m->message_id);
	memset(m, 0, sizeof(*m));
}

int
outbox_mark_sent(struct db *db, const char *me, const struct outbox_sent *v,
    int n, bool *written)
{
	struct db_res	*res;
	struct buf	 ids = { 0 }, codes = { 0 }, ages = { 0 };
	long long	*tmp;
	int		 i, j, rows = -1;

	tmp = xcalloc((size_t)n, sizeof(*tmp));
	for (i = 0; i < n; i++)
		tmp[i] = v[i].id;
	db_int_array(&ids, tmp, n);
	for (i = 0; i < n; i++)
		tmp[i] = v[i].code;
	db_int_array(&codes, tmp, n);
	for (i = 0; i < n; i++)
		tmp[i] = v[i].age_us;
	db_int_array(&ages, tmp, n);
	res = DB_EXEC(db, &st_sent, me, ids.data, codes.data, ages.data);
	if (res != NULL) {
		for (i = 0; i < n; i++)
			written[i] = false;
		rows = db_rows(res);
		for (j = 0; j < rows; j++)
			for (i = 0; i < n; i++)
				if (v[i].id == db_int(res, j, 0))
					written[i] = true;
		db_res_free(res);
	}
	buf_release(&ids);
	buf_release(&codes);
	buf_release(&ages);
	free(tmp);
	return rows;
}

int
outbox_mark_failed(struct db *db, const char *me, long long id,
    long retry_ms, int code, const char *error)
{
	char	sid[24], sretry[24], scode[24];

	return db_touched(DB_EXEC(db, &st_failed, db_fmt_int(sid, id), me,
	    db_fmt_int(sretry, retry_ms), db_fmt_int(scode, code), error));
}

int
outbox_mark_dead(struct db *db, const char *me, long long id, int code,
    const char *error)
{
	char	sid[24], scode[24];

	return db_touched(DB_EXEC(db, &st_dead, db_fmt_int(sid, id), me,
	    db_fmt_int(scode, code), error));
}

int
outbox_release(struct db *db, const char *me, long long id,
    const char *error)
{
	char	sid[24];

	return db_touched(DB_EXEC(db, &st_release, db_fmt_int(sid, id), me,
	    error));
}

int
outbox_held(struct db *db, const char *me, long long **ids)
{
	struct db_res	*res;
	int		 i, n;

	*ids = NULL;
	if ((res = DB_EXEC(db, &st_held, me)) == NULL)
		return -1;
	n = db_rows(res);
	*ids = xcalloc((size_t)n + 1, sizeof(**ids));
	for (i = 0; i < n; i++)
		(*ids)[i] = db_int(res, i, 0);
	db_res_free(res);
	return n;
}

int
outbox_extend(struct db *db, const char *me, long lease_s)
{
	char	slease[24];

	return db_affected_free(DB_EXEC(db, &st_extend, me,
	    db_fmt_int(slease, lease_s)));
}

int
outbox_sweep(struct db *db, long max_attempts, long long own_key,
    long grace_s, int *gone)
{
	struct db_res	*res;
	char		 smax[24], skey[24], sgrace[24];
	int		 i, n;

	*gone = 0;
	res = DB_EXEC(db, &st_sweep, db_fmt_int(smax, max_attempts),
	    lock_param(skey, own_key), db_fmt_int(sgrace, grace_s));
	if (res == NULL)
		return -1;
	n = db_rows(res);
	for (i = 0; i < n; i++)
		if (!db_isnull(res, i, 0) && db_bool(res, i, 0))
			(*gone)++;
	db_res_free(res);
	return n;
}

long
outbox_next_due_ms(struct db *db)
{
	return db_due_ms(db_exec(db, &st_next_due, NULL));
}

int
outbox_purge_sent(struct db *db, long age_s, int limit)
{
	char	sage[24], slim[24];

	return db_affected_free(DB_EXEC(db, &st_purge, db_fmt_int(sage, age_s),
	    db_fmt_int(slim, limit)));
}

enum outbox_outcome
outbox_verdict(int code, int attempts, long max_attempts)
{
	if (code >= 200 && code < 300)
		return OUTBOX_SENT;
	if (code >= 500 && code < 600 && code != 530 && code != 534 &&
	    code != 535 && code != 538)
		return OUTBOX_DEAD;
	return attempts >= max_attempts ? OUTBOX_DEAD : OUTBOX_FAILED;
}

int
outbox_status(struct db *db, struct outbox_status *out)
{
	/* the order of st_counts */
	static const char *const order[OUTBOX_STATES] = { "queued",
	    "sending", "failed", "sent", "dead" };
	struct db_res	*res;
	int		 i;

	memset(out, 0, sizeof(*out));
	if ((res = db_exec(db, &st_counts, NULL)) == NULL)
		return -1;
	for (i = 0; i < OUTBOX_STATES; i++) {
		out->state[i] = order[i];
		out->count[i] = i < db_rows(res) ? db_int(res, i, 1) : 0;
	}
	db_res_free(res);
	if ((res = db_exec(db, &st_ages, NULL)) == NULL)
		return -1;
	out->oldest_waiting_s = db_isnull(res, 0, 0) ? -1 :
	    (long)db_int(res, 0, 0);
	out->dead_24h = db_int(res, 0, 1);
	db_res_free(res);
	return 0;
}

int
outbox_list(struct db *db, const char *state, long limit,
    struct outbox_entry **out)
{
	struct db_res		*res;
	struct outbox_entry	*e;
	int			 i, n;

	*out = NULL;
	if ((res = DB_EXEC(db, &st_list, state, DB_INT(limit))) == NULL)
		return -1;
	n = db_rows(res);
	e = xcalloc((size_t)n + 1, sizeof(*e));
	for (i = 0; i < n; i++) {
		e[i].id = xstrdup(db_str(res, i, 0));
		e[i].state = xstrdup(db_str(res, i, 1));
		e[i].attempts = xstrdup(db_str(res, i, 2));
		e[i].created = xstrdup(db_str(res, i, 3));
		e[i].last_attempt = xstrdup(db_str(res, i, 4));
		e[i].template = xstrdup(db_str(res, i, 5));
		e[i].recipient = xstrdup(db_str(res, i, 6));
		e[i].last_error = xstrdup(db_str(res, i, 7));
	}
	db_res_free(res);
	*out = e;
	return n;
}

void
outbox_entries_free(struct outbox_entry *e, int n)
{
	int	i;

	for (i = 0; e != NULL && i < n; i++) {
		free(e[i].id);
		free(e[i].state);
		free(e[i].attempts);
		free(e[i].created);
		free(e[i].last_attempt);
		free(e[i].template);
		free(e[i].recipient);
		free(e[i].last_error);
	}
	free(e);
}

int
outbox_retry(struct db *db, long long id)
{
	struct db_res	*res;
	int		 n;

	n = id == 0 ? db_affected_free(db_exec(db, &st_retry_dead, NULL)) :
	    db_touched(DB_EXEC(db, &st_retry_one, DB_INT(id)));
	/* without it, the mailers see the rows at their next poll */
	if (n > 0 && (res = db_exec(db, &st_wake, NULL)) != NULL)
		db_res_free(res);
	return n;
}
