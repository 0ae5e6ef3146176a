/*
 * clients.h: client accounts and their members, as the API shows them.
 * JSON builders read rows laid out by the matching *_COLS lists; the
 * caller owns what they return.
 */
#ifndef MEMBERD_CLIENTS_H
#define MEMBERD_CLIENTS_H

#include "model.h"
#include "util.h"

struct db;
struct db_res;

/* client: {id, company_name, first_name, last_name, status,
 * owner_user_id, created_at} from a table aliased c */
#define CLIENT_COLS "c.id, c.company_name, c.first_name, c.last_name," \
	" c.status, c.owner_user_id, rfc3339(c.created_at)"

/* member: {user_id, email, first_name, last_name, is_owner, permissions,
 * last_login_at, added_at} from users u, client_users cu, clients c */
#define MEMBER_COLS "u.id, u.email, u.first_name, u.last_name," \
	" c.owner_user_id = u.id, cu.permissions, rfc3339(u.last_login_at)," \
	" rfc3339(cu.added_at)"

/* The object in row of res, laid out by CLIENT_COLS / MEMBER_COLS. */
void	 client_read(const struct db_res *, int row, int col, struct client *);
void	 member_read(const struct db_res *, int row, int col, struct member *);

/* The client of id, the member user_id of client_id, into *out. 1
 * found, 0 not, -1 db error. */
int	 clients_get(struct db *, long long id, struct client *out) MUST_CHECK;
int	 clients_member(struct db *, long long client_id, long long user_id,
	    struct member *out) MUST_CHECK;
/* each() member of a client, the owner first. 0 or -1. */
int	 clients_members(struct db *, long long id,
	    void (*each)(const struct member *, void *), void *arg) MUST_CHECK;
/*
 * Lock the account's row for the rest of the transaction (FOR NO KEY
 * UPDATE). Every change to an account's members or invitations takes this
 * lock before touching them, so they never wait on each other in the
 * opposite order. 1 locked, 0 no such account, -1 db error.
 */
int	 clients_lock(struct db *, long long id) MUST_CHECK;
/* "active", "inactive", "closed": 0 with *out set, or -1. */
int	 client_status_parse(const char *, enum client_status *out)
	    MUST_CHECK;
const char *client_status_name(enum client_status);
/* "Company", else "First Last": how emails and pages name an account. */
void	 client_display_name(const char *company, const char *first,
	    const char *last, char *out, size_t outlen);

#endif
