/* password.c: Argon2id through libargon2. */
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "config.h"
#include "password.h"
#include "banned.h"

#define SALT_BYTES	16
#define HASH_BYTES	32

int
password_hash(const struct config *cfg, const char *pw, char *out)
{
	unsigned char	salt[SALT_BYTES];
	int		rc;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	rc = argon2id_hash_encoded((uint32_t)cfg->argon2_iterations,
	    (uint32_t)cfg->argon2_memory_kib,
	    (uint32_t)cfg->argon2_parallelism, pw, strlen(pw), salt,
	    sizeof(salt), HASH_BYTES, out, PASSWORD_PHC_MAX);
	return rc == ARGON2_OK ? 0 : -1;
}

bool
password_verify(const char *phc, const char *pw)
{
	if (phc == NULL || strncmp(phc, "$argon2id$", 10) != 0)
		return false;
	return argon2id_verify(phc, pw, strlen(pw)) == ARGON2_OK;
}

void
password_burn(const struct config *cfg, const char *pw)
{
	/* made once per process with the configured parameters */
	static char	dummy[PASSWORD_PHC_MAX];

	if (dummy[0] == '\0' &&
	    password_hash(cfg, "memberd-timing-equaliser", dummy) != 0)
		return;
	(void)password_verify(dummy, pw);
}

bool
password_needs_rehash(const struct config *cfg, const char *phc)
{
	char	want[64];

	snprintf(want, sizeof(want), "$argon2id$v=%d$m=%ld,t=%ld,p=%ld$",
	    ARGON2_VERSION_NUMBER, cfg->argon2_memory_kib,
	    cfg->argon2_iterations, cfg->argon2_parallelism);
	return strncmp(phc, want, strlen(want)) != 0;
}
