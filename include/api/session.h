/*
 * session.h: user and administrator sessions. The cookie holds a random
 * token; the sessions table holds its SHA-256, the CSRF token, the active
 * client account and the times that end it (idle and absolute).
 */
#ifndef MEMBERD_SESSION_H
#define MEMBERD_SESSION_H

#include <stdbool.h>

#include "auth.h"
#include "token.h"

struct config;
struct db;
struct req;

#define COOKIE_USER	"memberd_session"
#define COOKIE_ADMIN	"memberd_admin"

/*
 * Start a session for a user (admin false) or an administrator. Fills
 * who (kind, ids, csrf, token). 0, or -1 on a database error.
 */
int	session_create(struct db *, const struct config *, bool admin,
	    long long id, long long active_client_id, struct principal *who)
	    MUST_CHECK;
/*
 * The same for the request's caller, recording where the session comes
 * from (DESIGN §8.2): the address the audit log names (REMOTE_ADDR) and
 * the User-Agent, cleaned and cut to 512 bytes (useragent.h). Every
 * sign-in of a person uses this one. 0, or -1 on a database error.
 */
int	session_start(struct req *, bool admin, long long id,
	    long long active_client_id, struct principal *who) MUST_CHECK;
/*
 * "Login as User" (DESIGN §9): a user session for the administrator
 * admin_id, who is the request's caller, marked impersonated_by, that
 * ends after session_impersonation_lifetime(); it records the caller's
 * address and User-Agent as session_start() does. Fills who as
 * session_find() would. 0, or -1.
 */
#define SESSION_IMPERSONATION_MAX	3600	/* s: at most an hour */
int	session_start_impersonated(struct req *, long long user_id,
	    long long client_id, long long admin_id, struct principal *who)
	    MUST_CHECK;
/* An hour, or session_lifetime when shorter. */
long	session_impersonation_lifetime(const struct config *);
/*
 * Resolve a cookie token into who, refreshing last_seen_at now and then.
 * 1 found and alive, 0 not (unknown, idle too long or too old), -1 on a
 * database error.
 */
int	session_find(struct db *, const struct config *, bool admin,
	    const char *token, struct principal *who) MUST_CHECK;
/* End one session. 0 or -1. */
int	session_end(struct db *, long long session_id) MUST_CHECK;
/*
 * End the session whose cookie came with the request, if any: a login
 * replaces it rather than leaving it alive beside the new one. 0 or -1.
 */
int	session_end_presented(struct req *, bool admin) MUST_CHECK;
/* End every session of a user. 0 or -1. */
int	session_end_all_of_user(struct db *, long long user_id) MUST_CHECK;
/* A new token for the same session (after a privilege change). 0 or -1. */
/* user_id left client_id: its sessions there have no account active. */
int	session_leave_account(struct db *, long long user_id,
	    long long client_id) MUST_CHECK;
int	session_rotate(struct db *, struct principal *who) MUST_CHECK;
/* Make a client account the session's active one. 0 or -1. */
int	session_set_active(struct db *, long long session_id,
	    long long client_id) MUST_CHECK;

/* Set-Cookie for who's token (lifetime from the config), or clear it. */
void	session_cookie_set(struct req *, bool admin, const char *token);
/* The same with its own Max-Age (s). */
void	session_cookie_set_for(struct req *, bool admin, const char *token,
	    long max_age);
void	session_cookie_clear(struct req *, bool admin);

#endif
