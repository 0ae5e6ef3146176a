/* db.c: libpq behind a small interface; see db.h for the state machine. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "banned.h"

#define RECONNECT_INTERVAL_US	500000
/*
 * A connection that died while idle fails its next statement at once. A
 * statement that failed after waiting longer (PgBouncer's
 * query_wait_timeout with its pool full) is not run a second time: that
 * would only double the wait.
 */
#define RERUN_WITHIN_US		1000000

struct db {
	PGconn		*conn;
	const struct config *cfg;
	const char	*appname;
	unsigned long	 gen;		/* bumped at every new connection */
	int64_t		 last_attempt;
	enum db_err	 err;
	char		 sqlstate[6];
	char		 constraint[128];
	char		 message[512];
	bool		 in_tx;
	bool		 sent;		/* a db_send awaits its result */
	PGresult	*early;		/* its result, read before db_collect */
	bool		 named;		/* db_prepared_statements */
	bool		 fresh;		/* nothing run since db_ensure */
	bool		 timed_out;	/* the last failure was a timeout */
	/* db_set_timeouts, in ms as text for SET; "" when never set */
	char		 stmt_ms[24];
	char		 lock_ms[24];
};

/* Run in the same transaction before an autocommit statement (unnamed). */
#define SET_LOCAL_TIMEOUTS \
	"SELECT set_config('statement_timeout', $1, true)," \
	" set_config('lock_timeout', $2, true)"

/* Statement names are assigned once per process. */
static unsigned	stmt_next_id = 1;

static void
db_set_error(struct db *db, enum db_err err, const PGresult *res)
{
	const char	*c = NULL, *m = NULL, *st = NULL;

	db->err = err;
	db->sqlstate[0] = '\0';
	db->constraint[0] = '\0';
	db->message[0] = '\0';
	if (res != NULL) {
		st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		c = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
		m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (m == NULL && db->conn != NULL)
		m = PQerrorMessage(db->conn);
	(void)str_copy(db->sqlstate, sizeof(db->sqlstate), st);
	(void)str_copy(db->constraint, sizeof(db->constraint), c);
	(void)str_copy(db->message, sizeof(db->message), m);
}

static void
db_disconnect(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	db->in_tx = false;
	db->sent = false;
	PQclear(db->early);
	db->early = NULL;
}

/* Server notices (NOTICE, WARNING) go to the debug log, not to stderr. */
static void
db_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("database: %s", message);
}

static bool
db_has_timeouts(const struct db *db)
{
	return db->stmt_ms[0] != '\0';
}

/*
 * With prepared statements the connection is ours for the session (direct
 * or PgBouncer in session mode): the timeouts are set once per connection.
 * Without, nothing session-level is allowed (another client gets this
 * server connection next): db_begin and db_run_timed set them per
 * transaction instead.
 */
static bool
db_session_timeouts(struct db *db)
{
	char		 sql[128];
	PGresult	*res;
	bool		 ok;

	if (!db->named || !db_has_timeouts(db))
		return true;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %s; "
	    "SET lock_timeout = %s", db->stmt_ms, db->lock_ms);
	res = PQexec(db->conn, sql);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_warnx("database: cannot set the timeouts: %s",
		    PQerrorMessage(db->conn));
	PQclear(res);
	return ok;
}

static bool
db_connect(struct db *db)
{
	const struct config *c = db->cfg;
	char		 port[16], timeout[16];
	const char	*kw[10], *val[10];
	int		 n = 0;

	db->last_attempt = now_mono_us();
	snprintf(port, sizeof(port), "%ld", c->db_port);
	snprintf(timeout, sizeof(timeout), "%ld", c->db_connect_timeout);
	if (*c->db_host != '\0') {
		kw[n] = "host"; val[n++] = c->db_host;
	}
	kw[n] = "port"; val[n++] = port;
	kw[n] = "dbname"; val[n++] = c->db_name;
	kw[n] = "user"; val[n++] = c->db_user;
	if (c->db_password != NULL) {
		kw[n] = "password"; val[n++] = c->db_password;
	}
	kw[n] = "sslmode"; val[n++] = c->db_sslmode;
	kw[n] = "connect_timeout"; val[n++] = timeout;
	kw[n] = "application_name"; val[n++] = db->appname;
	kw[n] = NULL; val[n] = NULL;

	db->conn = PQconnectdbParams(kw, val, 0);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_warnx("database: cannot connect: %s", db->conn ?
		    PQerrorMessage(db->conn) : "out of memory");
		db_disconnect(db);
		return false;
	}
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	if (!db_session_timeouts(db)) {
		db_disconnect(db);
		return false;
	}
	db->gen++;
	log_info("database: connected (%s:%s/%s%s)", PQhost(db->conn),
	    PQport(db->conn), PQdb(db->conn), db->named ? "" :
	    ", unnamed statements");
	return true;
}

struct db *
db_open(const struct config *cfg, const char *appname)
{
	struct db	*db = xcalloc(1, sizeof(*db));

	db->cfg = cfg;
	db->appname = appname;
	db->named = cfg->db_prepared_statements;
	(void)db_connect(db);
	return db;
}

void
db_set_timeouts(struct db *db, long statement_ms, long lock_ms)
{
	snprintf(db->stmt_ms, sizeof(db->stmt_ms), "%ld", statement_ms);
	snprintf(db->lock_ms, sizeof(db->lock_ms), "%ld", lock_ms);
	if (db->conn != NULL && !db->in_tx && !db_session_timeouts(db))
		db_disconnect(db);
}

bool
db_timed_out(const struct db *db)
{
	return db->timed_out;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

bool
db_is_up(const struct db *db)
{
	return db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

unsigned long
db_generation(const struct db *db)
{
	return db->gen;
}

bool
db_ensure(struct db *db)
{
	if (db->conn != NULL) {
		/*
		 * A restarted server closes our socket; reading what is
		 * pending is how libpq notices, without a round trip.
		 */
		if (!db->in_tx && PQconsumeInput(db->conn) == 0)
			log_warnx("database: connection lost: %s",
			    PQerrorMessage(db->conn));
		if (PQstatus(db->conn) == CONNECTION_OK) {
			db->fresh = !db->in_tx;
			return true;
		}
		db_disconnect(db);
	}
	if (now_mono_us() - db->last_attempt < RECONNECT_INTERVAL_US &&
	    db->last_attempt != 0)
		return false;
	if (!db_connect(db))
		return false;
	db->fresh = true;
	return true;
}

static enum db_err
db_classify(struct db *db, const PGresult *res)
{
	const char	*state;

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return DB_UNAVAILABLE;
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return DB_UNAVAILABLE;
	if (strcmp(state, "23505") == 0)
		return DB_UNIQUE;
	if (strcmp(state, "23503") == 0)
		return DB_FOREIGN_KEY;
	if (strcmp(state, "23514") == 0 || strncmp(state, "22", 2) == 0)
		return DB_CHECK;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return DB_CONFLICT;
	/* statement_timeout (or a cancel), lock_timeout: too slow now */
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0) {
		db->timed_out = true;
		return DB_UNAVAILABLE;
	}
	/* admin shutdown, crash shutdown, cannot connect now */
	if (strncmp(state, "57P", 3) == 0 || strncmp(state, "08", 2) == 0)
		return DB_UNAVAILABLE;
	return DB_OTHER;
}

/* Turn a failed result into db->err; logs what is not expected. */
static void
db_fail(struct db *db, PGresult *res, const char *what)
{
	enum db_err	err;

	db->timed_out = false;
	err = db_classify(db, res);
	db_set_error(db, err, res);
	if (db->timed_out) {
		/* the connection is fine; the transaction, if any, is not */
		log_warnx("database: %s timed out: %s", what, db->message);
	} else if (err == DB_UNAVAILABLE) {
		log_warnx("database: unavailable during %s: %s", what,
		    db->message);
		db_disconnect(db);
	} else if (err == DB_OTHER)
		log_warnx("database: %s failed: sqlstate=%s %s", what,
		    db->sqlstate, db->message);
	PQclear(res);
}

/*
 * Read the whole reply to a db_send, keeping its result for db_collect.
 * Every other call does this first: one query at a time on the wire.
 */
static void
db_read_sent(struct db *db)
{
	PGresult	*res;

	if (!db->sent)
		return;
	db->sent = false;
	while (db->conn != NULL && (res = PQgetResult(db->conn)) != NULL) {
		if (db->early == NULL)
			db->early = res;
		else
			PQclear(res);
	}
	if (db->early == NULL)
		db->early = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
}

/*
 * True when a failure means the connection is gone (rather than the
 * statement refused): the socket is closed, or the server said it is
 * ending the session (57P01-57P03) or a connection error (class 08).
 */
static bool
db_lost(const struct db *db, const PGresult *res)
{
	const char	*state;

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return true;
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return res == NULL;
	return strncmp(state, "57P0", 4) == 0 || strncmp(state, "08", 2) == 0;
}

static bool
db_res_ok(const PGresult *res)
{
	ExecStatusType	s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

static void
db_stmt_name(struct stmt *st, char name[32])
{
	if (st->id == 0)
		st->id = stmt_next_id++;
	snprintf(name, 32, "m%u", st->id);
}

/* Named mode: prepare st on this connection unless done. NULL when done. */
static PGresult *
db_prepare(struct db *db, struct stmt *st)
{
	char		 name[32];
	PGresult	*res;

	if (st->prepared_gen == db->gen)
		return NULL;
	db_stmt_name(st, name);
	res = PQprepare(db->conn, name, st->sql, st->nparams, NULL);
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		st->prepared_gen = db->gen;
		return NULL;
	}
	return res ? res : PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
}

/*
 * Unnamed mode, outside a transaction, with timeouts: set them and run st
 * in one implicit transaction (one Sync), so that they hold for st even
 * when PgBouncer gives every transaction another server connection. One
 * round trip. Returns the statement's result, or the first failure.
 */
static PGresult *
db_run_timed(struct db *db, struct stmt *st, const char *const *params)
{
	const char	*tv[2] = { db->stmt_ms, db->lock_ms };
	PGresult	*res, *out = NULL;
	ExecStatusType	 s;
	int		 query = 0, guard;

	if (!PQenterPipelineMode(db->conn))
		return NULL;
	if (!PQsendQueryParams(db->conn, SET_LOCAL_TIMEOUTS, 2, NULL, tv, NULL,
	    NULL, 0) || !PQsendQueryParams(db->conn, st->sql, st->nparams,
	    NULL, params, NULL, NULL, 0) || !PQpipelineSync(db->conn))
		return NULL;	/* the caller disconnects */
	/* set_config's result, NULL, st's result, NULL, then the sync */
	for (guard = 0; guard < 16; guard++) {
		if ((res = PQgetResult(db->conn)) == NULL) {
			if (PQstatus(db->conn) != CONNECTION_OK)
				break;
			query++;
			continue;
		}
		s = PQresultStatus(res);
		if (s == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (out == NULL && (query == 1 || !db_res_ok(res)))
			out = res;
		else
			PQclear(res);
	}
	if (PQstatus(db->conn) == CONNECTION_OK)
		(void)PQexitPipelineMode(db->conn);
	return out;
}

/* Send st and wait for its result (NULL or an error result on failure). */
static PGresult *
db_run(struct db *db, struct stmt *st, const char *const *params)
{
	char		 name[32];
	PGresult	*res;

	if (!db->named || st->custom_plan) {
		if (!db->in_tx && db_has_timeouts(db))
			return db_run_timed(db, st, params);
		return PQexecParams(db->conn, st->sql, st->nparams, NULL,
		    params, NULL, NULL, 0);
	}
	if ((res = db_prepare(db, st)) != NULL)
		return res;
	db_stmt_name(st, name);
	return PQexecPrepared(db->conn, name, st->nparams, params, NULL, NULL,
	    0);
}

/* libpq's messages span lines: one log line says it all. */
static void
db_log_lost(const PGresult *failed, const PGconn *conn)
{
	char	 msg[256];
	char	*p;

	snprintf(msg, sizeof(msg), "%s", failed ?
	    PQresultErrorMessage(failed) : PQerrorMessage(conn));
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	while (p > msg && p[-1] == ' ')
		*--p = '\0';
	log_warnx("database: connection lost while idle (%s); reconnecting",
	    msg);
}

/*
 * The first statement after db_ensure, outside a transaction, found the
 * connection gone (a restart or pg_terminate_backend while this process
 * was idle): nothing of the request has run, so connect again at once and
 * run it a second time. Once only; never inside a transaction.
 */
static PGresult *
db_rerun(struct db *db, struct stmt *st, const char *const *params,
    PGresult *failed)
{
	db_log_lost(failed, db->conn);
	PQclear(failed);
	db_disconnect(db);
	if (!db_connect(db))
		return NULL;
	return db_run(db, st, params);
}

struct db_res *
db_exec(struct db *db, struct stmt *st, const char *const *params)
{
	PGresult	*res;
	int64_t		 t0;
	bool		 retry;

	db->err = DB_OK;
	db->timed_out = false;
	db_read_sent(db);
	retry = db->fresh && !db->in_tx;
	db->fresh = false;
	if (db->conn == NULL && !db->in_tx && !db_ensure(db)) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return NULL;
	}
	db->fresh = false;
	if (db->conn == NULL) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return NULL;
	}
	t0 = now_mono_us();
	res = db_run(db, st, params);
	if (!db_res_ok(res) && retry && db_lost(db, res) &&
	    now_mono_us() - t0 < RERUN_WITHIN_US)
		res = db_rerun(db, st, params, res);
	if (!db_res_ok(res)) {
		db_fail(db, res, "query");
		if (db->err == DB_OTHER)
			log_warnx("database: statement was: %s", st->sql);
		return NULL;
	}
	return (struct db_res *)res;
}

int
db_send(struct db *db, struct stmt *st, const char *const *params)
{
	char		 name[32];
	PGresult	*res;
	int		 ok;
	bool		 named;

	if (db_collect_pending(db))
		db_res_free(db_collect(db));
	db->err = DB_OK;
	db->timed_out = false;
	db->fresh = false;
	if (db->conn == NULL || db->in_tx) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return -1;
	}
	named = db->named && !st->custom_plan;
	if (named && (res = db_prepare(db, st)) != NULL) {
		db_fail(db, res, "prepare");
		return -1;
	}
	db_stmt_name(st, name);
	ok = named ? PQsendQueryPrepared(db->conn, name, st->nparams,
	    params, NULL, NULL, 0) : PQsendQueryParams(db->conn, st->sql,
	    st->nparams, NULL, params, NULL, NULL, 0);
	if (!ok) {
		db_fail(db, NULL, "send");
		return -1;
	}
	db->sent = true;
	return 0;
}

bool
db_collect_pending(const struct db *db)
{
	return db->sent || db->early != NULL;
}

bool
db_collect_ready(struct db *db)
{
	if (!db->sent)
		return true;
	if (db->conn == NULL || PQconsumeInput(db->conn) == 0 ||
	    !PQisBusy(db->conn))
		db_read_sent(db);
	return !db->sent;
}

struct db_res *
db_collect(struct db *db)
{
	PGresult	*res;
	ExecStatusType	 s;

	db->err = DB_OK;
	db->timed_out = false;
	db_read_sent(db);
	if ((res = db->early) == NULL) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return NULL;
	}
	db->early = NULL;
	s = PQresultStatus(res);
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		db_fail(db, res, "query");
		return NULL;
	}
	return (struct db_res *)res;
}

int
db_command(struct db *db, const char *sql)
{
	PGresult	*res;
	ExecStatusType	 s;

	db->err = DB_OK;
	db->timed_out = false;
	db->fresh = false;
	db_read_sent(db);
	if (db->conn == NULL) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return -1;
	}
	res = PQexec(db->conn, sql);
	s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		db_fail(db, res, "command");
		return -1;
	}
	PQclear(res);
	return 0;
}

/*
 * BEGIN, with the timeouts of the request path as SET LOCAL in unnamed
 * mode (one round trip). BEGIN has no effect of its own: when the
 * connection turns out to be gone, it is run again once on a new one.
 */
int
db_begin(struct db *db)
{
	char		 sql[160];
	PGresult	*res;
	int64_t		 t0;
	int		 attempt;

	if (!db->named && db_has_timeouts(db))
		snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL statement_timeout "
		    "= %s; SET LOCAL lock_timeout = %s", db->stmt_ms,
		    db->lock_ms);
	else
		snprintf(sql, sizeof(sql), "BEGIN");
	db->err = DB_OK;
	db->timed_out = false;
	db->fresh = false;
	db_read_sent(db);
	for (attempt = 0;; attempt++) {
		if (db->conn == NULL && !(attempt == 0 ? db_ensure(db) :
		    db_connect(db))) {
			db_set_error(db, DB_UNAVAILABLE, NULL);
			return -1;
		}
		t0 = now_mono_us();
		res = PQexec(db->conn, sql);
		if (db_res_ok(res))
			break;
		if (attempt > 0 || !db_lost(db, res) ||
		    now_mono_us() - t0 >= RERUN_WITHIN_US) {
			db_fail(db, res, "begin");
			return -1;
		}
		db_log_lost(res, db->conn);
		PQclear(res);
		db_disconnect(db);
	}
	PQclear(res);
	db->in_tx = true;
	db->fresh = false;
	return 0;
}

int
db_commit(struct db *db)
{
	int	rc = db_command(db, "COMMIT");

	db->in_tx = false;
	return rc;
}

void
db_rollback(struct db *db)
{
	PGresult	*res;

	db_read_sent(db);
	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		res = PQexec(db->conn, "ROLLBACK");
		PQclear(res);
	}
	db->in_tx = false;
}

enum db_err
db_error(const struct db *db)
{
	return db->err;
}

const char *
db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

const char *
db_constraint(const struct db *db)
{
	return db->constraint;
}

const char *
db_message(const struct db *db)
{
	return db->message;
}

int
db_rows(const struct db_res *r)
{
	return PQntuples((const PGresult *)r);
}

int
db_affected(const struct db_res *r)
{
	const char	*s = PQcmdTuples((PGresult *)(void *)r);
	long		 n;

	return parse_long(s, 0, INT32_MAX, &n) ? (int)n : 0;
}

const char *
db_str(const struct db_res *r, int row, int col)
{
	const PGresult	*res = (const PGresult *)r;

	if (PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

bool
db_isnull(const struct db_res *r, int row, int col)
{
	return PQgetisnull((const PGresult *)r, row, col);
}

long long
db_int(const struct db_res *r, int row, int col)
{
	const char	*s = db_str(r, row, col);

	return s ? strtoll(s, NULL, 10) : 0;
}

bool
db_bool(const struct db_res *r, int row, int col)
{
	const char	*s = db_str(r, row, col);

	return s != NULL && s[0] == 't';
}

void
db_res_free(struct db_res *r)
{
	PQclear((PGresult *)r);
}

int
db_socket(const struct db *db)
{
	return db->conn ? PQsocket(db->conn) : -1;
}

int
db_listen(struct db *db, const char *channel)
{
	char		*ident, sql[256];
	int		 rc;

	if (db->conn == NULL)
		return -1;
	ident = PQescapeIdentifier(db->conn, channel, strlen(channel));
	if (ident == NULL)
		return -1;
	snprintf(sql, sizeof(sql), "LISTEN %s", ident);
	PQfreemem(ident);
	rc = db_command(db, sql);
	return rc;
}

int
db_drain_notifications(struct db *db)
{
	PGnotify	*n;
	int		 count = 0;

	if (db->conn == NULL)
		return -1;
	if (PQconsumeInput(db->conn) == 0) {
		log_warnx("database: connection lost: %s",
		    PQerrorMessage(db->conn));
		db_disconnect(db);
		return -1;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		count++;
		PQfreemem(n);
	}
	return count;
}

int
db_affected_free(struct db_res *res)
{
	int	n;

	if (res == NULL)
		return -1;
	n = db_affected(res);
	db_res_free(res);
	return n;
}

int
db_touched(struct db_res *res)
{
	int	n = db_affected_free(res);

	return n < 0 ? -1 : n > 0;
}

long
db_due_ms(struct db_res *res)
{
	long	ms;

	if (res == NULL)
		return -1;
	ms = db_isnull(res, 0, 0) ? -2 : (long)db_int(res, 0, 0);
	db_res_free(res);
	return ms == -2 || ms >= 0 ? ms : 0;
}

void
db_int_array(struct buf *b, const long long *v, int n)
{
	int	i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++)
		buf_printf(b, "%s%lld", i ? "," : "", v[i]);
	buf_putc(b, '}');
}

const char *
db_fmt_int(char *buf, long long v)
{
	snprintf(buf, 24, "%lld", v);
	return buf;
}
