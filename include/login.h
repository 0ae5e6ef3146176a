/*
 * login.h: password login shared by users and administrators: throttling
 * per address, constant work for unknown addresses, failure records,
 * rehashing when the Argon2id parameters changed.
 */
#ifndef MEMBERD_LOGIN_H
#define MEMBERD_LOGIN_H

#include <stdbool.h>

#include "util.h"

struct db;
struct req;

#define LOGIN_KEY_MAX	300

/*
 * Check email and password. Returns 1 with *id set on success; otherwise
 * the reply is sent (401 invalid_credentials, 429 too_many_attempts with
 * Retry-After, 503) and the result is 0.
 */
int	login_check_or_reply(struct req *, bool admin, const char *email,
	    const char *password, long long *id) MUST_CHECK;
/* Clear the failed logins of an address (a new password). 0, or -1. */
int	login_forgive(struct db *, bool admin, const char *email) MUST_CHECK;

#endif
