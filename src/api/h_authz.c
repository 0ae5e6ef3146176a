/*
 * h_authz.c: GET /api/v1/authz, the answer to nginx's auth_request for
 * the other services of the portal (DESIGN §10.1). The cheapest call
 * memberd has: the route takes AUTH_SELF, so no session query runs
 * before this one; one statement (authz.c); no body, no JSON, nothing
 * allocated beyond the reply's headers.
 */
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "perms.h"
#include "session.h"
#include "banned.h"

/*
 * A query parameter that may be absent or empty (both: *out NULL) or
 * present. Returns 0, or -1 when it is malformed. Caller frees *out.
 */
static int
authz_param(const struct req *r, const char *name, char **out)
{
	int	rc = req_query(r, name, out);

	if (rc < 0)
		return -1;
	if (rc == 1 && **out == '\0') {
		free(*out);
		*out = NULL;
	}
	if (rc == 0)
		*out = NULL;
	return 0;
}

/*
 * client_id (a positive integer; absent: the session's active account)
 * and permission (one key of DESIGN §3; absent: membership is enough).
 * Returns 0, or -1 when either is not what it must be.
 */
static int
authz_query_parse(const struct req *r, long long *client_id, perms_t *want)
{
	char	*cid = NULL, *perm = NULL;
	long	 v;
	int	 rc = -1;

	*client_id = 0;
	*want = 0;
	if (authz_param(r, "client_id", &cid) != 0 ||
	    authz_param(r, "permission", &perm) != 0)
		goto out;
	if (cid != NULL) {
		if (!parse_long(cid, 1, 999999999999999999L, &v))
			goto out;
		*client_id = v;
	}
	if (perm != NULL && (*want = perm_bit(perm)) == 0)
		goto out;
	rc = 0;
out:
	free(cid);
	free(perm);
	return rc;
}

/* The headers of a grant: who, which account, what it may do. */
static void
authz_headers(struct req *r, const struct authz_grant *g)
{
	char	keys[PERM_COUNT * 16];
	size_t	i, n = 0, len;

	keys[0] = '\0';
	for (i = 0; i < PERM_COUNT; i++) {
		if (!(g->perms & ((perms_t)1 << i)))
			continue;
		len = strlen(perm_defs[i].key);
		if (n + len + 2 > sizeof(keys))
			break;
		if (n > 0)
			keys[n++] = ',';
		memcpy(keys + n, perm_defs[i].key, len + 1);
		n += len;
	}
	reply_header(r, "X-Memberd-User-Id", DB_INT(g->user_id));
	reply_header(r, "X-Memberd-User-Email", g->email);
	reply_header(r, "X-Memberd-Client-Id", DB_INT(g->client_id));
	reply_header(r, "X-Memberd-Owner", g->owner ? "1" : "0");
	reply_header(r, "X-Memberd-Permissions", keys);
	if (g->impersonated_by != 0)
		reply_header(r, "X-Memberd-Impersonated-By",
		    DB_INT(g->impersonated_by));
}

/*
 * GET /api/v1/authz?client_id=&permission=
 * 204 with the X-Memberd-* headers; 400 (no body) for a client_id or a
 * permission that is not one; 401 (no body) without a live session; 403
 * (no body) when the user is disabled, is not a member of the account,
 * lacks the permission, the account is closed, or it requires 2FA the
 * user has not turned on; 500, 503 with the usual JSON error.
 */
void
h_authz(struct req *r)
{
	struct authz_grant	 g;
	long long		 client_id;
	perms_t			 want;
	char			 cookie[128];
	enum err		 e;

	if (authz_query_parse(r, &client_id, &want) != 0) {
		reply_empty(r, 400);
		return;
	}
	if (!req_cookie(r, COOKIE_USER, cookie, sizeof(cookie))) {
		reply_empty(r, 401);
		return;
	}
	e = authz_check(r->db, r->cfg->session_idle_timeout, cookie, client_id,
	    want, &g);
	switch (e) {
	case ERR_NONE:
		authz_headers(r, &g);
		reply_empty(r, 204);
		break;
	case ERR_UNAVAILABLE:
	case ERR_INTERNAL:
		reply_db_error(r);
		break;
	default:
		reply_empty(r, err_def(e)->status);
		break;
	}
}
