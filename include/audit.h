/*
 * audit.h: one row of audit_log per access change, written inside the
 * transaction of the change it records. Details never carry a token or a
 * password.
 */
#ifndef MEMBERD_AUDIT_H
#define MEMBERD_AUDIT_H

#include <cjson/cJSON.h>

#include "util.h"

struct db;
struct req;

/*
 * Record action by the caller of r (r->who: user, admin or anonymous;
 * IP from REMOTE_ADDR). client_id 0 for none. details is consumed (may be
 * NULL). 0, or -1 on a database error.
 */
int	audit_write(struct req *, long long client_id, const char *action,
	    cJSON *details) MUST_CHECK;
/* The same with an explicit actor, for memberctl and failed logins. */
int	audit_write_as(struct db *, const char *actor_kind, long long actor_id,
	    const char *actor_name, const char *ip, long long client_id,
	    const char *action, cJSON *details) MUST_CHECK;

#endif
