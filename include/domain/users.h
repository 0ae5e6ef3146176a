/*
 * users.h: users and the accounts they reach, as the API shows them.
 * JSON builders read a row laid out by the matching *_COLS list, from
 * column col on; the caller owns what they return.
 */
#ifndef MEMBERD_USERS_H
#define MEMBERD_USERS_H

#include "model.h"
#include "util.h"

struct db;
struct db_res;

/* user: {id, email, first_name, last_name, email_verified, created_at,
 * last_login_at, status, two_factor} from a table aliased u */
#define USER_COLS "u.id, u.email, u.first_name, u.last_name," \
	" u.email_verified_at IS NOT NULL, rfc3339(u.created_at)," \
	" rfc3339(u.last_login_at), u.status, u.totp_enabled_at IS NOT NULL"
#define USER_NCOLS 9

/* A user as another table refers to one. */
struct user_ref {
	long long	 id;
	char		 email[TEXT_EMAIL];	/* as stored */
	bool		 created;	/* by users_find_or_create */
	bool		 verified;	/* its address is verified */
};

/* The user of id. 1 found (*out set), 0 not, -1 db error. */
int	 users_by_id(struct db *, long long id, struct user_ref *out)
	    MUST_CHECK;
/*
 * The user of email (case-insensitive), else a new one without a
 * password, named first and last (may be ""). 0 with *out set, or -1 on
 * a database error. A user created meanwhile by another request is
 * found. Binding a found user whose address is not verified is the
 * caller's to refuse (DESIGN.md section 4, email_unverified).
 */
int	 users_find_or_create(struct db *, const char *email,
	    const char *first, const char *last, struct user_ref *out)
	    MUST_CHECK;

/* The user in row of res, laid out by USER_COLS from col on. */
void	 user_read(const struct db_res *, int row, int col, struct user *);
/* The user of id into *out. 1 found, 0 not, -1 db error. */
int	 users_get(struct db *, long long id, struct user *out) MUST_CHECK;
/* each() account the user reaches (the accounts of /me), owned first,
 * closed ones last. 0 or -1. */
int	 users_accounts(struct db *, long long user_id,
	    void (*each)(const struct account *, void *), void *arg) MUST_CHECK;
/*
 * Whether user is a member of client and the client's status. 1 member
 * (*status set), 0 not a member, 2 no such client, -1 db error.
 */
int	 users_membership(struct db *, long long user_id, long long client_id,
	    enum client_status *status) MUST_CHECK;

#endif
