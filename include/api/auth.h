/*
 * auth.h: who is calling. http_handle() calls auth_check_or_reply() for
 * every route before its handler; a handler only ever runs for a caller
 * the route's flags admit.
 */
#ifndef MEMBERD_AUTH_H
#define MEMBERD_AUTH_H

#include <stdbool.h>

#include "util.h"
#include "validate.h"

enum principal_kind {
	PRINCIPAL_NONE,
	PRINCIPAL_USER,		/* memberd_session cookie */
	PRINCIPAL_ADMIN,	/* memberd_admin cookie */
	PRINCIPAL_API_TOKEN,	/* Authorization: Bearer, an admin's token */
};

struct principal {
	enum principal_kind kind;
	long long	 id;		/* users.id or admins.id */
	long long	 session_id;	/* 0 for an API token */
	long long	 active_client_id;	/* 0 when none */
	bool		 via_cookie;	/* false for a bearer token */
	char		 csrf[64];	/* the session's CSRF token */
	char		 email[256];	/* of the user or administrator */
	/* a user's "First Last" (else the email); an administrator's name,
	 * "" when it has none: never shown to others as the email */
	char		 name[DISPLAY_NAME_MAX + 1];
	char		 token[64];	/* the cookie value, for rotation */
	bool		 two_factor;	/* TOTP is on for this user or admin */
	/* a user session made by "Login as User" (DESIGN §9): the
	 * administrator's id and name (else email); 0 and "" otherwise */
	long long	 impersonated_by;
	char		 impersonator[DISPLAY_NAME_MAX + 1];
};

struct req;

/*
 * Resolve the caller from cookie or bearer token and check the route's
 * flags (AUTH_*, NEED_CSRF). Returns 0, or -1 with the reply sent
 * (401 not_authenticated, 403 csrf_failed, 503 unavailable).
 */
int	auth_check_or_reply(struct req *) MUST_CHECK;

/*
 * Inside "Login as User" (r->who.impersonated_by set, DESIGN §9) the
 * password, the email, 2FA, the sessions and invitations stay the
 * user's own: 403 impersonation_forbidden is sent and -1 returned.
 * 0 for any other caller.
 */
int	auth_forbid_impersonated_or_reply(struct req *) MUST_CHECK;

#endif
