/*
 * clients.h: the clients table, the billing accounts: rows read into
 * struct client (model.h), the account's lock, its owner. Members are
 * members.h's.
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

/* The client in row of res, laid out by CLIENT_COLS from col on. */
void	 client_read(const struct db_res *, int row, int col, struct client *);
/* The client of id into *out. 1 found, 0 not, -1 db error. */
int	 clients_get(struct db *, long long id, struct client *out) MUST_CHECK;
/* Make user_id (a member) the owner of id. 0 or -1. */
int	 clients_set_owner(struct db *, long long id, long long user_id)
	    MUST_CHECK;
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
