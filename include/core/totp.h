/*
 * totp.h: one-time codes of RFC 6238 (TOTP) as authenticator apps make
 * them: HMAC-SHA-1, 30-second steps from the Unix epoch, 6 digits, the
 * secret shown and stored as base32 (RFC 4648, no padding). totp.c is
 * the one file that includes liboath. Recovery codes, the other second
 * factor, are made here too. Nothing here stores anything: the caller
 * seals the secret (secretbox.h) and hashes the recovery codes.
 */
#ifndef MEMBERD_TOTP_H
#define MEMBERD_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

#define TOTP_STEP_S		30
#define TOTP_DIGITS		6
#define TOTP_WINDOW		1	/* steps of clock drift either way */
#define TOTP_SECRET_BYTES	20	/* 160 bits, as RFC 4226 advises */
#define TOTP_SECRET_B32		33	/* 32 base32 characters and NUL */
#define TOTP_CODE_MAX		10	/* 8 digits (the RFC's vectors) + NUL */
/* "xxxx-xxxx-xxxx-xxxx": 16 characters of a 32-letter alphabet, 80 bits */
#define RECOVERY_CODE_LEN	19
#define RECOVERY_CODE_MAX	(RECOVERY_CODE_LEN + 1)
#define RECOVERY_CODES		10

/* A fresh random secret as base32 into out. 0, or -1 without entropy. */
int	totp_secret_new(char out[TOTP_SECRET_B32]) MUST_CHECK;
/* True when s is a secret totp_secret_new could have made. */
bool	totp_secret_well_formed(const char *s);
/* The time step of a Unix time. */
long long totp_step_of(time_t t);
/*
 * The code of raw key (keylen bytes) at time t with digits digits (6 to
 * 8) into out (TOTP_CODE_MAX bytes). 0, or -1. For the RFC's vectors and
 * tests; the service goes through totp_check.
 */
int	totp_code_raw(const unsigned char *key, size_t keylen, time_t t,
	    unsigned digits, char *out) MUST_CHECK;
/* The same for a base32 secret and 6 digits. 0, or -1. */
int	totp_code(const char *secret, time_t t, char *out) MUST_CHECK;
/*
 * Is code (6 digits; spaces ignored) the code of secret at now, one step
 * of drift either way, of a step after last_step (0: none yet)? A code
 * of a step already used is refused: each code works once. 1 with *step
 * set to the step it matched, 0 not, -1 for a secret that is not base32.
 */
int	totp_check(const char *secret, const char *code, time_t now,
	    long long last_step, long long *step) MUST_CHECK;
/*
 * The otpauth:// URI authenticator apps read from the QR code:
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1
 * &digits=6&period=30, with issuer and account percent-encoded. Appends
 * to out.
 */
void	totp_uri(const char *issuer, const char *account, const char *secret,
	    struct buf *out);
/* A fresh recovery code into out. 0, or -1 without entropy. */
int	recovery_code_new(char out[RECOVERY_CODE_MAX]) MUST_CHECK;
/*
 * A recovery code as typed into its canonical form (lower case, the
 * dashes where they belong; spaces and dashes typed are ignored) into
 * out. 0, or -1 when it cannot be one.
 */
int	recovery_code_normalize(const char *typed, char out[RECOVERY_CODE_MAX])
	    MUST_CHECK;

#endif
