/*
 * auth.c: resolve the caller of a request and check the route's flags.
 * User routes take the memberd_session cookie; admin routes take the
 * memberd_admin cookie or an API token. Cookie callers of state-changing
 * routes must echo the session's CSRF token in X-CSRF-Token.
 */
#include <string.h>
#include <strings.h>

#include "apitoken.h"
#include "auth.h"
#include "http.h"
#include "session.h"
#include "banned.h"

/* The token of "Bearer <token>", or NULL. */
static const char *
bearer(const char *authz)
{
	if (authz == NULL || strncasecmp(authz, "Bearer ", 7) != 0)
		return NULL;
	authz += 7;
	while (*authz == ' ')
		authz++;
	return authz;
}

int
auth_check_or_reply(struct req *r)
{
	unsigned	 flags = r->route->flags;
	const char	*tok;
	char		 cookie[128];
	int		 rc = 0;

	memset(&r->who, 0, sizeof(r->who));
	if (flags & AUTH_ADMIN) {
		if (r->authorization != NULL) {
			tok = bearer(r->authorization);
			rc = tok ? apitoken_find(r->db, tok, &r->who) : 0;
		} else if (req_cookie(r, COOKIE_ADMIN, cookie, sizeof(cookie)))
			rc = session_find(r->db, r->cfg, true, cookie, &r->who);
	} else if (flags & (AUTH_USER | AUTH_OPTIONAL)) {
		if (req_cookie(r, COOKIE_USER, cookie, sizeof(cookie)))
			rc = session_find(r->db, r->cfg, false, cookie,
			    &r->who);
	} else
		return 0;	/* AUTH_ANYONE; AUTH_SELF: the handler's own */

	if (rc < 0) {
		reply_db_error(r);
		return -1;
	}
	if (rc == 0) {
		memset(&r->who, 0, sizeof(r->who));
		if (flags & AUTH_OPTIONAL)
			return 0;
		reply_err(r, ERR_NOT_AUTHENTICATED, NULL);
		return -1;
	}
	if ((flags & NEED_CSRF) && r->who.via_cookie &&
	    (r->csrf_header == NULL ||
	    !str_equal_ct(r->csrf_header, r->who.csrf))) {
		reply_err(r, ERR_CSRF_FAILED, NULL);
		return -1;
	}
	return 0;
}

int
auth_forbid_impersonated_or_reply(struct req *r)
{
	if (r->who.kind != PRINCIPAL_USER || r->who.impersonated_by == 0)
		return 0;
	reply_err_msg(r, ERR_IMPERSONATION_FORBIDDEN, NULL, "Signed in as "
	    "this user by an administrator: their password, email, "
	    "two-factor authentication, sessions and invitations stay "
	    "theirs to change.");
	return -1;
}
