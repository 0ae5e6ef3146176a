/*
 * db.h: the only door to PostgreSQL (db.c is the one file that includes
 * libpq). One connection per process, opened after fork. Statements are
 * declared next to the code that uses them, prepared once per connection on
 * first use, and prepared again by themselves after a reconnect.
 *
 * With db_prepared_statements = false nothing is named and nothing is
 * session-level: every statement goes through PQexecParams (unnamed), so
 * that PgBouncer in transaction mode may hand each transaction another
 * server connection. LISTEN (db_listen) needs a session: the mailer must
 * reach PostgreSQL directly or through session pooling.
 *
 * Connection states:
 *   up ──query fails, socket closed──> broken ──db_ensure()──> up
 *   broken ──db_ensure() fails──> broken (retried at most every 500 ms)
 * While broken, every call fails with DB_UNAVAILABLE: the caller answers
 * 503 and the next request tries again. A connection found gone by the
 * first statement after db_ensure (the server restarted or ended the
 * session while the process was idle), outside a transaction and within a
 * second, is opened again at once and the statement run once more:
 * nothing had run yet. (A failure after a longer wait, such as PgBouncer's
 * query_wait_timeout, is not repeated.)
 * Inside a transaction the loss fails the statement: the transaction is
 * lost whole and the caller answers 503.
 *
 * Timeouts (db_set_timeouts, the request path): statement_timeout and
 * lock_timeout, set per session in named mode and per transaction (SET
 * LOCAL, or set_config in the implicit transaction of an autocommit
 * statement) in unnamed mode. When one fires the statement fails with
 * DB_UNAVAILABLE and db_timed_out() is true; the connection stays up.
 */
#ifndef MEMBERD_DB_H
#define MEMBERD_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct config;
struct db;
struct db_res;

struct stmt {
	const char	*sql;
	int		 nparams;
	/* planned for its parameters at every run, never prepared: for a
	 * search whose best plan depends on the pattern (a generic plan
	 * would pick one for all) */
	bool		 custom_plan;
	/* bookkeeping of db.c */
	unsigned	 id;
	unsigned long	 prepared_gen;
};

#define STMT(sql_, nparams_) { .sql = (sql_), .nparams = (nparams_) }
#define STMT_CUSTOM_PLAN(sql_, nparams_) \
	{ .sql = (sql_), .nparams = (nparams_), .custom_plan = true }

enum db_err {
	DB_OK,
	DB_UNAVAILABLE,		/* no connection, or a timeout: answer 503 */
	DB_UNIQUE,		/* 23505, see db_constraint() */
	DB_FOREIGN_KEY,		/* 23503 */
	DB_CHECK,		/* 23514, 22xxx: data refused by the schema */
	DB_CONFLICT,		/* 40001, 40P01: retry the transaction */
	DB_OTHER,		/* a bug or a schema mismatch: logged */
};
/*
 * db.c logs DB_UNAVAILABLE and DB_OTHER as they happen. The others are
 * often expected (a unique violation becomes 409); reply_db_error() logs
 * them when they end a request anyway, so every failure a request ends
 * with leaves one warning line.
 */

/* Never NULL; the connection may still be down (see db_ensure). */
struct db	*db_open(const struct config *, const char *application_name);
void		 db_close(struct db *);
/* Reconnect when needed. True when the connection is up. */
bool		 db_ensure(struct db *);
bool		 db_is_up(const struct db *);
/* Changes at every new connection: session state (LISTEN) must be redone. */
unsigned long	 db_generation(const struct db *);
/*
 * statement_timeout and lock_timeout in ms (0: none) for every statement
 * from now on, on this and every later connection. Only the request path
 * sets them; the mailer and memberctl run without.
 */
void		 db_set_timeouts(struct db *, long statement_ms, long lock_ms);
/* The last DB_UNAVAILABLE was a timeout (57014, 55P03), not a lost link. */
bool		 db_timed_out(const struct db *);

/*
 * Run a prepared statement with stmt->nparams text parameters (NULL is SQL
 * NULL). Returns a result the caller frees with db_res_free, or NULL with
 * db_error() telling why.
 */
struct db_res	*db_exec(struct db *, struct stmt *, const char *const *params)
		    MUST_CHECK;
#define DB_EXEC(db, st, ...) \
	db_exec((db), (st), (const char *const[]){ __VA_ARGS__ })

/*
 * The same without waiting: send, do other work, then db_collect the
 * result (the caller frees it), or NULL with db_error(). At most one in
 * flight; any other call on the connection first reads its reply, which
 * db_collect then returns. Used by the mailer to claim its next batch
 * while the current one is on the wire.
 */
int		 db_send(struct db *, struct stmt *, const char *const *params)
		    MUST_CHECK;
#define DB_SEND(db, st, ...) \
	db_send((db), (st), (const char *const[]){ __VA_ARGS__ })
bool		 db_collect_pending(const struct db *);
/*
 * Without blocking: read what has arrived of the reply to a db_send (so
 * the server is not left waiting on a full socket); true when db_collect
 * would not wait (or nothing was sent).
 */
bool		 db_collect_ready(struct db *);
struct db_res	*db_collect(struct db *) MUST_CHECK;

/* Run fixed SQL without parameters (BEGIN, migrations). 0 or -1. */
int		 db_command(struct db *, const char *sql) MUST_CHECK;
int		 db_begin(struct db *) MUST_CHECK;
int		 db_commit(struct db *) MUST_CHECK;
/* Safe to call in any state; logs nothing when there is no transaction. */
void		 db_rollback(struct db *);

enum db_err	 db_error(const struct db *);
/* The SQLSTATE of the last failure ("" when the server sent none). */
const char	*db_sqlstate(const struct db *);
/* Name of the violated constraint of the last DB_UNIQUE/DB_FOREIGN_KEY. */
const char	*db_constraint(const struct db *);
/* The server's message for the last failure (for operators' tools). */
const char	*db_message(const struct db *);

int		 db_rows(const struct db_res *);
int		 db_affected(const struct db_res *);
/* NULL for SQL NULL. Valid until db_res_free. */
const char	*db_str(const struct db_res *, int row, int col);
bool		 db_isnull(const struct db_res *, int row, int col);
long long	 db_int(const struct db_res *, int row, int col);
bool		 db_bool(const struct db_res *, int row, int col);
void		 db_res_free(struct db_res *);

/* LISTEN support for the mailer: the socket to poll, and draining. */
int		 db_socket(const struct db *);
int		 db_listen(struct db *, const char *channel) MUST_CHECK;
/* Reads pending input; returns how many notifications arrived, -1 if down. */
int		 db_drain_notifications(struct db *);

/*
 * Results of writes, freeing res (NULL: the statement failed):
 * db_affected_free the rows touched, or -1; db_touched 1 when a row was
 * (a fenced write that was still ours), 0 when none, -1.
 */
int		 db_affected_free(struct db_res *);
int		 db_touched(struct db_res *);
/*
 * One nullable bigint of milliseconds until something is due, freeing
 * res: -1 when res is NULL, -2 for SQL NULL (nothing waits), 0 for the
 * past, else the value.
 */
long		 db_due_ms(struct db_res *);
/* "{1,2,3}": n integers as an array parameter, appended to b. */
void		 db_int_array(struct buf *, const long long *, int n);

/* Format an integer parameter into buf (>= 24 bytes); returns buf. */
const char	*db_fmt_int(char *buf, long long v);
/*
 * An integer parameter in a buffer of its own, alive to the end of the
 * enclosing block: DB_EXEC(db, &st, DB_INT(client_id), email).
 */
#define DB_INT(v)	db_fmt_int((char[24]){ 0 }, (v))

/* Run a statement whose result says nothing: 0, or -1 (see db_error). */
#define DB_DONE(db, st, ...) \
	db_done(db_exec((db), (st), (const char *const[]){ __VA_ARGS__ }))
static inline int MUST_CHECK
db_done(struct db_res *res)
{
	if (res == NULL)
		return -1;
	db_res_free(res);
	return 0;
}

#endif
