/* auth.c: resolve the caller of a request and check the route's flags. */
#include "auth.h"
#include "http.h"
#include "banned.h"

int
auth_check_or_reply(struct req *r)
{
	unsigned	flags = r->route->flags;

	r->who.kind = PRINCIPAL_NONE;
	if (flags & (AUTH_USER | AUTH_ADMIN)) {
		reply_error(r, 401, "not_authenticated",
		    "Sign in to continue.", NULL);
		return -1;
	}
	return 0;
}
