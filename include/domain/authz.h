/*
 * authz.h: may the caller of a session cookie act on a client account,
 * with a permission? The question nginx's auth_request asks on every
 * request to another service of the portal (DESIGN §10.1), so it is
 * answered by one read: the session, its user, the account and the
 * membership joined. The session's last-seen time is written by a second
 * statement only when it is a minute old, so nearly every request is
 * one statement and writes nothing. Nothing is allocated; the answer is
 * a plain struct the caller owns.
 */
#ifndef MEMBERD_AUTHZ_H
#define MEMBERD_AUTHZ_H

#include <stdbool.h>

#include "errors.h"
#include "model.h"
#include "perms.h"

struct db;

struct authz_grant {
	long long	 user_id;
	char		 email[TEXT_EMAIL];
	long long	 client_id;
	bool		 owner;
	perms_t		 perms;		/* the owner's: PERMS_ALL */
	long long	 impersonated_by;	/* admins.id, 0 if none */
};

/*
 * The grant of the session whose cookie value is token on client_id (0:
 * the session's active account), when it holds every bit of want (0:
 * any member). idle_s is the session idle timeout (config).
 * ERR_NONE with *out filled; ERR_NOT_AUTHENTICATED: no live session;
 * ERR_USER_DISABLED, ERR_FORBIDDEN (no such account, not a member, the
 * account closed, a permission missing), ERR_TWO_FACTOR_REQUIRED (the
 * account requires 2FA the user has not turned on); ERR_UNAVAILABLE or
 * ERR_INTERNAL when the database failed (see db_error).
 */
enum err	authz_check(struct db *, long idle_s, const char *token,
		    long long client_id, perms_t want,
		    struct authz_grant *out) MUST_CHECK;

#endif
