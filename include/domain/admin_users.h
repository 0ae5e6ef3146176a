/*
 * admin_users.h: the Admin Area's users (DESIGN §9), as domain flows
 * that know no HTTP: the directory, one user with what they reach,
 * editing (names, address, verified, disabled), a password reset sent by
 * an administrator, deleting. The actor of each flow is the
 * administrator; each change is one transaction with its audit entries,
 * one on each account the user belongs to (one without an account when
 * they belong to none), so every account's activity shows what was done
 * to its people.
 *
 * A disabled user has no session (every one is deleted in the
 * transaction that disables them, and session.c finds none of theirs
 * anyway), cannot sign in (403 user_disabled, after the password:
 * login.c) and cannot accept an invitation.
 */
#ifndef MEMBERD_ADMIN_USERS_H
#define MEMBERD_ADMIN_USERS_H

#include "errors.h"
#include "flow.h"
#include "model.h"
#include "util.h"

struct audit_details;
struct db;

#define ADMIN_USERS_PER_PAGE	25
/* a search counts its matches up to this many (then *capped) */
#define ADMIN_USERS_COUNT_MAX	10000
/* the longest search taken, in bytes */
#define ADMIN_USERS_SEARCH_MAX	200

/* A row of the directory: the user and how many accounts they reach. */
struct admin_user_row {
	struct user	 user;
	long long	 accounts_count;
};

/*
 * Page page (from 1) of the users whose address, first, last or full
 * name holds search anywhere, case-insensitively (% and _ are literal;
 * "" lists everyone), by address: *total, and each() row of the page.
 * A search that matches more than ADMIN_USERS_COUNT_MAX users answers
 * that many in *total with *capped set (everyone, for "", is counted).
 * 0, or -1 on a database error.
 */
int	 admin_users_search(struct db *, const char *search, long page,
	    long long *total, bool *capped,
	    void (*each)(const struct admin_user_row *, void *), void *arg)
	    MUST_CHECK;

/*
 * "Select User" (DESIGN §4): at most ADMIN_USERS_SELECT_MAX users whose
 * address, first, last or full name starts with search (any case; ""
 * for the first ones), by address: each(). 0, or -1 on a db error.
 */
#define ADMIN_USERS_SELECT_MAX	20
int	 admin_users_select(struct db *, const char *search,
	    void (*each)(const struct user *, void *), void *arg) MUST_CHECK;

/* The user of id and their live sessions. 1 found, 0 not, -1 db error. */
int	 admin_users_get(struct db *, long long id, struct user *out,
	    long long *sessions) MUST_CHECK;

/* What PATCH /admin/users/{id} changes; NULL or -1: unchanged. */
struct user_patch {
	const char	*first_name;
	const char	*last_name;
	const char	*email;		/* a changed address is unverified */
	int		 email_verified;	/* 0, 1, or -1 */
	int		 disabled;		/* 0, 1, or -1 */
};

/*
 * Apply p to user id, into *out. Disabling ends every session of the
 * user. ERR_NOT_FOUND, ERR_EMAIL_TAKEN (field "email").
 */
enum err admin_users_update(struct flow *, long long id,
	    const struct user_patch *p, struct user *out) MUST_CHECK;
/*
 * Mail user id a password reset link (the one of /auth/password-reset),
 * audited. ERR_NOT_FOUND.
 */
enum err admin_users_send_reset(struct flow *, long long id) MUST_CHECK;
/*
 * Delete user id with their memberships, sessions and links; pending
 * invitations they sent are cancelled. ERR_NOT_FOUND,
 * ERR_OWNER_PROTECTED while they own an account.
 */
enum err admin_users_delete(struct flow *, long long id) MUST_CHECK;

/*
 * Audit action on each account user_id belongs to (one entry without an
 * account when none), with details (may be NULL). Inside the flow's
 * transaction. ERR_NONE, or the failure (rolled back).
 */
enum err admin_users_audit(struct flow *, long long user_id,
	    const char *action, const struct audit_details *) MUST_CHECK;

#endif
