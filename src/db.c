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
};

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
	db->gen++;
	log_info("database: connected (%s:%s/%s)", PQhost(db->conn),
	    PQport(db->conn), PQdb(db->conn));
	return true;
}

struct db *
db_open(const struct config *cfg, const char *appname)
{
	struct db	*db = xcalloc(1, sizeof(*db));

	db->cfg = cfg;
	db->appname = appname;
	(void)db_connect(db);
	return db;
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
		if (PQstatus(db->conn) == CONNECTION_OK)
			return true;
		db_disconnect(db);
	}
	if (now_mono_us() - db->last_attempt < RECONNECT_INTERVAL_US &&
	    db->last_attempt != 0)
		return false;
	return db_connect(db);
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
	/* admin shutdown, crash shutdown, cannot connect now */
	if (strncmp(state, "57P", 3) == 0 || strncmp(state, "08", 2) == 0)
		return DB_UNAVAILABLE;
	return DB_OTHER;
}

/* Turn a failed result into db->err; logs what is not expected. */
static void
db_fail(struct db *db, PGresult *res, const char *what)
{
	enum db_err	err = db_classify(db, res);

	db_set_error(db, err, res);
	if (err == DB_UNAVAILABLE) {
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

static bool
db_prepare(struct db *db, struct stmt *st)
{
	char		 name[32];
	PGresult	*res;

	if (st->id == 0)
		st->id = stmt_next_id++;
	snprintf(name, sizeof(name), "m%u", st->id);
	res = PQprepare(db->conn, name, st->sql, st->nparams, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_fail(db, res, "prepare");
		if (db->err != DB_UNAVAILABLE)
			log_warnx("database: statement was: %s", st->sql);
		return false;
	}
	PQclear(res);
	st->prepared_gen = db->gen;
	return true;
}

struct db_res *
db_exec(struct db *db, struct stmt *st, const char *const *params)
{
	char		 name[32];
	PGresult	*res;
	ExecStatusType	 s;

	db->err = DB_OK;
	db_read_sent(db);
	if (db->conn == NULL && !db->in_tx && !db_ensure(db)) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return NULL;
	}
	if (db->conn == NULL) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return NULL;
	}
	if (st->prepared_gen != db->gen && !db_prepare(db, st))
		return NULL;
	snprintf(name, sizeof(name), "m%u", st->id);
	res = PQexecPrepared(db->conn, name, st->nparams, params, NULL, NULL,
	    0);
	s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		db_fail(db, res, "query");
		return NULL;
	}
	return (struct db_res *)res;
}

int
db_send(struct db *db, struct stmt *st, const char *const *params)
{
	char	name[32];

	if (db_collect_pending(db))
		db_res_free(db_collect(db));
	db->err = DB_OK;
	if (db->conn == NULL || db->in_tx) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return -1;
	}
	if (st->prepared_gen != db->gen && !db_prepare(db, st))
		return -1;
	snprintf(name, sizeof(name), "m%u", st->id);
	if (!PQsendQueryPrepared(db->conn, name, st->nparams, params, NULL,
	    NULL, 0)) {
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

struct db_res *
db_collect(struct db *db)
{
	PGresult	*res;
	ExecStatusType	 s;

	db->err = DB_OK;
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

int
db_begin(struct db *db)
{
	if (db->conn == NULL && !db_ensure(db)) {
		db_set_error(db, DB_UNAVAILABLE, NULL);
		return -1;
	}
	if (db_command(db, "BEGIN") != 0)
		return -1;
	db->in_tx = true;
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

const char *
db_fmt_int(char *buf, long long v)
{
	snprintf(buf, 24, "%lld", v);
	return buf;
}
