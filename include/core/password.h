/*
 * password.h: Argon2id password hashing (libargon2), stored as PHC
 * strings. Parameters come from the configuration; a stored hash made with
 * other parameters is replaced at the next successful login.
 */
#ifndef MEMBERD_PASSWORD_H
#define MEMBERD_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct config;

#define PASSWORD_MIN_CHARS	10
#define PASSWORD_MAX_BYTES	1024
#define PASSWORD_PHC_MAX	256

/* Hash pw into out (PASSWORD_PHC_MAX bytes). 0, or -1 on failure. */
int	password_hash(const struct config *, const char *pw, char *out)
	    MUST_CHECK;
/* True when pw matches the PHC string. False on mismatch or a bad hash. */
bool	password_verify(const char *phc, const char *pw);
/*
 * Spend the same work as a verification, for an account that does not
 * exist or has no password, so that timing tells nothing.
 */
void	password_burn(const struct config *, const char *pw);
/* True when phc was made with other parameters than the configured ones. */
bool	password_needs_rehash(const struct config *, const char *phc);

#endif
