/*
 * login.h: the password check of both login endpoints (and of the
 * endpoints that ask for the current password) at the edge: the rules
 * are signin.c's (signin.h); this answers their failure.
 */
#ifndef MEMBERD_LOGIN_H
#define MEMBERD_LOGIN_H

#include <stdbool.h>

#include "signin.h"
#include "util.h"

struct db;
struct req;

/*
 * Check email and password (signin_check). Returns 1 with *id set on
 * success; otherwise the reply is sent (401 invalid_credentials, 403
 * user_disabled after the right password, 429 too_many_attempts with
 * Retry-After, 503) and the result is 0.
 */
int	login_check_or_reply(struct req *, bool admin, const char *email,
	    const char *password, long long *id) MUST_CHECK;
/*
 * The same for the first step of a sign-in (signin_password): *two_factor
 * tells whether 2FA is on; then nothing is forgiven until the second
 * step's code is right (login_forgive).
 */
int	login_password_or_reply(struct req *, bool admin, const char *email,
	    const char *password, long long *id, bool *two_factor) MUST_CHECK;
/* signin_forgive(), under the name the edge has always used. */
int	login_forgive(struct db *, bool admin, long long id) MUST_CHECK;

#endif
