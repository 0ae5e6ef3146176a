/*
 * login.h: password login shared by users and administrators: throttling
 * per user, administrator or (when nobody has it) folded address, constant work for unknown addresses, failure records,
 * rehashing when the Argon2id parameters changed.
 */
#ifndef MEMBERD_LOGIN_H
#define MEMBERD_LOGIN_H

#include <stdbool.h>

#include "util.h"

struct db;
struct req;

#include "validate.h"

/*
 * A key of login_failures: "admin:" and an address as lower() folds it,
 * which may grow a character by a byte (U+023A to U+2C65), never double it.
 */
#define LOGIN_KEY_MAX	(sizeof("admin:") + 2 * EMAIL_MAX)

/*
 * Check email and password. Returns 1 with *id set on success; otherwise
 * the reply is sent (401 invalid_credentials, 403 user_disabled after the
 * right password, 429 too_many_attempts with Retry-After, 503) and the
 * result is 0.
 */
int	login_check_or_reply(struct req *, bool admin, const char *email,
	    const char *password, long long *id) MUST_CHECK;
/*
 * Clear the failed logins of a user (admin false) or an administrator
 * (a new password). Failures are counted per id when the address reaches
 * someone, so every spelling of the address is cleared. 0, or -1.
 */
int	login_forgive(struct db *, bool admin, long long id) MUST_CHECK;

#endif
