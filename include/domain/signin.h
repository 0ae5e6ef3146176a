/*
 * signin.h: how a person gets in, as domain flows that know no HTTP:
 * the password check shared by users and administrators (throttled per
 * user, administrator or, when nobody has it, folded address; constant
 * work for unknown addresses; each failure audited; rehashing when the
 * Argon2id parameters changed), a new user's row, and password reset.
 * The edge (api/login.c, h_auth.c) parses, answers and handles cookies.
 */
#ifndef MEMBERD_SIGNIN_H
#define MEMBERD_SIGNIN_H

#include <stdbool.h>

#include "flow.h"
#include "util.h"
#include "validate.h"

struct db;

/*
 * A key of login_failures: "admin:" and an address as lower() folds it,
 * which may grow a character by a byte (U+023A to U+2C65), never double it.
 */
#define LOGIN_KEY_MAX	(sizeof("admin:") + 2 * EMAIL_MAX)

/*
 * Check email and password; ERR_NONE with *id set. Every attempt counts
 * against the throttle until the password proves right.
 * ERR_INVALID_CREDENTIALS, ERR_USER_DISABLED (a disabled user, only
 * after the right password), ERR_TOO_MANY_ATTEMPTS (retry_after),
 * ERR_INTERNAL, ERR_UNAVAILABLE.
 */
enum err	signin_check(struct flow *, bool admin, const char *email,
		    const char *password, long long *id) MUST_CHECK;
/*
 * The same for the first step of a sign-in: *two_factor tells whether
 * 2FA is on. Then this attempt stays counted as a failure, and nothing
 * is forgiven, until the second step's code is right (signin_forgive):
 * a challenge that dies or is left is a failed login.
 */
enum err	signin_password(struct flow *, bool admin, const char *email,
		    const char *password, long long *id, bool *two_factor)
		    MUST_CHECK;
/*
 * Clear the failed logins of a user (admin false) or an administrator
 * (a new password). Failures are counted per id when the address reaches
 * someone, so every spelling of the address is cleared. 0, or -1.
 */
int		signin_forgive(struct db *, bool admin, long long id)
		    MUST_CHECK;

/* ERR_EMAIL_TAKEN (on field) when a user has email (any case). */
enum err	signin_email_free(struct flow *, const char *email,
		    const char *field) MUST_CHECK;
/*
 * In the caller's transaction: a new user with a hashed password,
 * verified when the address is proven, signed in now. ERR_EMAIL_TAKEN
 * (on field) when the address was taken meanwhile (rolled back).
 */
enum err	signin_user_insert(struct flow *, const char *email,
		    const char *first, const char *last, const char *phc,
		    bool verified, const char *field, long long *id)
		    MUST_CHECK;

/*
 * A reset link to email when a user has it and has not had its burst of
 * links lately: the same work and an audit row either way, so neither
 * the answer nor its time tells whether anyone has the address.
 */
enum err	signin_reset_request(struct flow *, const char *email)
		    MUST_CHECK;
/*
 * Use a reset link: the password hashed as phc, every link of the user
 * used up, its failed logins forgiven, every session of it ended.
 * ERR_INVALID_INPUT on field token for an unknown, used or expired link.
 */
enum err	signin_reset_confirm(struct flow *, const char *token,
		    const char *phc) MUST_CHECK;
/*
 * Whether a reset link can still be used, without using it: ERR_NONE, or
 * ERR_INVALID_INPUT on field token as signin_reset_confirm answers it.
 * The reset page asks before the new password is typed.
 */
enum err	signin_reset_check(struct flow *, const char *token)
		    MUST_CHECK;

#endif
