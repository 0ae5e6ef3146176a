/*
 * flow.h: what a domain flow (access.c) runs with: the database, the
 * configuration, who acts, and why it failed. A flow is one transaction;
 * each helper here, on failure, rolls it back, records the fault and
 * returns its error, so a flow reads straight down:
 *
 *	if ((e = flow_begin(f)) != ERR_NONE)
 *		return e;
 *	if ((e = flow_exec(f, DB_EXEC(f->db, &st, DB_INT(id)))) != ERR_NONE)
 *		return e;
 *	return flow_commit(f);
 *
 * The edge (http.c's req_flow) fills a flow from a request and answers
 * its fault; nothing here knows HTTP.
 */
#ifndef MEMBERD_FLOW_H
#define MEMBERD_FLOW_H

#include "errors.h"
#include "model.h"
#include "util.h"

struct config;
struct db;
struct db_res;

struct flow {
	struct db		*db;
	const struct config	*cfg;
	struct actor		 who;
	struct fault		 fault;		/* set when a flow fails */
};

enum err	flow_begin(struct flow *) MUST_CHECK;
enum err	flow_commit(struct flow *) MUST_CHECK;
/* Roll back, record e with field and why (NULL: the default), return e. */
enum err	flow_fail(struct flow *, enum err, const char *field,
		    const char *why);
/* The same for the database's last error: ERR_UNAVAILABLE or ERR_INTERNAL. */
enum err	flow_db_fail(struct flow *);
/* Free res; a NULL res (the statement failed) is flow_db_fail(). */
enum err	flow_exec(struct flow *, struct db_res *) MUST_CHECK;

#endif
