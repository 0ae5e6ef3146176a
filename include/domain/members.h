/*
 * members.h: the client_users table, who is a member of which account
 * with which permissions. Every statement on it is here; callers hold the
 * account's lock (clients.h, access.c) before changing a row. The
 * owner's row may say anything: the owner holds every permission.
 */
#ifndef MEMBERD_MEMBERS_H
#define MEMBERD_MEMBERS_H

#include <stdbool.h>

#include "model.h"
#include "perms.h"
#include "util.h"

struct db;
struct db_res;

/* member: {user_id, email, first_name, last_name, is_owner, permissions,
 * last_login_at, added_at, two_factor} from users u, client_users cu, clients c */
#define MEMBER_COLS "u.id, u.email, u.first_name, u.last_name," \
	" c.owner_user_id = u.id, cu.permissions, rfc3339(u.last_login_at)," \
	" rfc3339(cu.added_at), u.totp_enabled_at IS NOT NULL"

/* The member in row of res, laid out by MEMBER_COLS from col on. */
void	 member_read(const struct db_res *, int row, int col, struct member *);
/* The member user_id of client_id into *out. 1 found, 0 not, -1. */
int	 members_get(struct db *, long long client_id, long long user_id,
	    struct member *out) MUST_CHECK;
/* each() member of a client, the owner first. 0 or -1. */
int	 members_list(struct db *, long long client_id,
	    void (*each)(const struct member *, void *), void *arg) MUST_CHECK;

/*
 * A page of them: *total members whose name or address matches pat (a
 * LIKE pattern, matched case-insensitively, wildcards of the search
 * escaped), and each() of those from offset on, at most limit, in the
 * order of members_list. With pat "" (everyone) a page is always
 * MEMBERS_PER_PAGE long (limit is ignored) and costs the same in a large
 * account as in a small one. 0 or -1.
 */
#define MEMBERS_PER_PAGE	50
int	 members_page(struct db *, long long client_id, const char *pat,
	    long limit, long offset, long long *total,
	    void (*each)(const struct member *, void *), void *arg) MUST_CHECK;

/* Make user_id a member with perms. 1 added, 0 a member already, -1. */
int	 members_add(struct db *, long long client_id, long long user_id,
	    perms_t) MUST_CHECK;
/* Lock the row; its permissions in *perms. 1 locked, 0 no member, -1. */
int	 members_lock(struct db *, long long client_id, long long user_id,
	    perms_t *perms) MUST_CHECK;
/* The acting member's row as text[] into pg (pg_len bytes): 1, 0 none, -1. */
int	 members_perms_text(struct db *, long long client_id,
	    long long user_id, char *pg, size_t pg_len) MUST_CHECK;
/* New permissions (every one: PERMS_ALL). 0 or -1. */
int	 members_set(struct db *, long long client_id, long long user_id,
	    perms_t) MUST_CHECK;
/* Remove the row. 0 or -1. */
int	 members_remove(struct db *, long long client_id, long long user_id)
	    MUST_CHECK;

#endif
