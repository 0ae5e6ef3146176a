/*
 * audit.h: the audit_log table: one row per access change, written inside
 * the transaction of the change it records, naming its actor. Details are
 * a JSON object built with audit_detail_*(); they never carry a token or
 * a password. No HTTP, no cJSON here: handlers and flows pass an actor.
 */
#ifndef MEMBERD_AUDIT_H
#define MEMBERD_AUDIT_H

#include <stdbool.h>

#include "model.h"
#include "perms.h"
#include "util.h"

struct db;

/* A details object being built; zero it to start, release when done. */
struct audit_details {
	struct buf	 json;
};

void	audit_detail_int(struct audit_details *, const char *key, long long);
void	audit_detail_str(struct audit_details *, const char *key,
	    const char *value);
void	audit_detail_bool(struct audit_details *, const char *key, bool);
/* The keys of a permission set, as a JSON array. */
void	audit_detail_perms(struct audit_details *, const char *key, perms_t);
void	audit_details_release(struct audit_details *);

/* "admin", "user", "system", "anonymous": audit_log.actor_kind. */
const char *actor_kind_name(enum actor_kind);

/*
 * Who the audit log names for who: its kind, id (0 for none) and name
 * (its email, else its name). A user in a session an administrator
 * opened as them is named as that administrator (kind "admin"): every
 * change made inside "Login as User" is the administrator's.
 */
const char *audit_actor_kind(const struct actor *);
long long   audit_actor_id(const struct actor *);
const char *audit_actor_name(const struct actor *);

/*
 * For a statement that writes its own audit row: the details to add for
 * who, as a JSON object text ("{}", or the on_behalf_of keys of an
 * impersonated user), built in d (zeroed by the caller, who releases it).
 */
const char *audit_on_behalf_json(const struct actor *who,
	    struct audit_details *d);

/*
 * Record action by who (as audit_actor_*() name it) on client_id (0 for
 * none), with details (NULL for none; not released); an impersonated
 * user's entry adds "on_behalf_of_user_id" and "on_behalf_of" (their
 * address) to the details. 0, or -1 on a database error.
 */
int	audit_record(struct db *, const struct actor *who, long long client_id,
	    const char *action, const struct audit_details *) MUST_CHECK;

/* One row of an account's activity; strings borrowed for the callback. */
struct audit_entry {
	long long	 id;
	const char	*at;		/* RFC 3339 */
	const char	*actor_kind;	/* as actor_kind_name() says it */
	long long	 actor_id;	/* 0 for none */
	const char	*actor_name;
	const char	*action;
	const char	*details;	/* a JSON object, as text */
	const char	*ip;		/* NULL for none */
};

/*
 * The activity of client_id, newest first: *total entries, and each() of
 * those from offset on, at most limit. 0, or -1 on a database error.
 */
int	audit_list(struct db *, long long client_id, long limit, long offset,
	    long long *total, void (*each)(const struct audit_entry *, void *),
	    void *arg) MUST_CHECK;

#endif
