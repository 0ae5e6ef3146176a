/* totp.c: RFC 6238 codes through liboath, and recovery codes; see totp.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "totp.h"
#include "banned.h"

/* Crockford's base32 in lower case: no i, l, o, u to misread. */
static const char recovery_alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static bool
oath_ready(void)
{
	static bool	ready;

	if (!ready)
		ready = oath_init() == OATH_OK;
	return ready;
}

long long
totp_step_of(time_t t)
{
	return (long long)t / TOTP_STEP_S;
}

int
totp_secret_new(char out[TOTP_SECRET_B32])
{
	unsigned char	 raw[TOTP_SECRET_BYTES];
	char		*enc = NULL;
	size_t		 n = 0;
	int		 rc = -1;

	if (!oath_ready() || RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	if (oath_base32_encode((const char *)raw, sizeof(raw), &enc, &n) ==
	    OATH_OK && n == TOTP_SECRET_B32 - 1) {
		memcpy(out, enc, n);
		out[n] = '\0';
		rc = 0;
	}
	if (enc != NULL) {
		OPENSSL_cleanse(enc, n);
		free(enc);
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

bool
totp_secret_well_formed(const char *s)
{
	return s != NULL && strlen(s) == TOTP_SECRET_B32 - 1 &&
	    strspn(s, b32_alphabet) == TOTP_SECRET_B32 - 1;
}

int
totp_code_raw(const unsigned char *key, size_t keylen, time_t t,
    unsigned digits, char *out)
{
	if (!oath_ready() || digits < 6 || digits > 8)
		return -1;
	return oath_totp_generate((const char *)key, keylen, t, TOTP_STEP_S,
	    0, digits, out) == OATH_OK ? 0 : -1;
}

/* The raw key of a base32 secret into key (TOTP_SECRET_BYTES). 0 or -1. */
static int
secret_decode(const char *secret, unsigned char key[TOTP_SECRET_BYTES])
{
	char	*raw = NULL;
	size_t	 n = 0;
	int	 rc = -1;

	if (!oath_ready() || !totp_secret_well_formed(secret))
		return -1;
	if (oath_base32_decode(secret, strlen(secret), &raw, &n) == OATH_OK &&
	    n == TOTP_SECRET_BYTES) {
		memcpy(key, raw, n);
		rc = 0;
	}
	if (raw != NULL) {
		OPENSSL_cleanse(raw, n);
		free(raw);
	}
	return rc;
}

int
totp_code(const char *secret, time_t t, char *out)
{
	unsigned char	key[TOTP_SECRET_BYTES];
	int		rc;

	if (secret_decode(secret, key) != 0)
		return -1;
	rc = totp_code_raw(key, sizeof(key), t, TOTP_DIGITS, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The digits of a code as typed, spaces dropped. 0, or -1 when not 6. */
static int
code_digits(const char *typed, char out[TOTP_DIGITS + 1])
{
	size_t	n = 0;

	for (; *typed != '\0'; typed++) {
		if (*typed == ' ')
			continue;
		if (!isdigit((unsigned char)*typed) || n == TOTP_DIGITS)
			return -1;
		out[n++] = *typed;
	}
	out[n] = '\0';
	return n == TOTP_DIGITS ? 0 : -1;
}

int
totp_check(const char *secret, const char *code, time_t now,
    long long last_step, long long *step)
{
	unsigned char	 key[TOTP_SECRET_BYTES];
	char		 want[TOTP_DIGITS + 1], got[TOTP_CODE_MAX];
	long long	 s, now_step = totp_step_of(now), found = 0;
	int		 d;

	if (secret_decode(secret, key) != 0)
		return -1;
	if (code_digits(code, want) != 0) {
		OPENSSL_cleanse(key, sizeof(key));
		return 0;
	}
	/* every step of the window is computed, whatever matches first */
	for (d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
		s = now_step + d;
		if (totp_code_raw(key, sizeof(key), (time_t)(s * TOTP_STEP_S),
		    TOTP_DIGITS, got) != 0)
			continue;
		if (CRYPTO_memcmp(got, want, TOTP_DIGITS) == 0 &&
		    s > last_step && found == 0)
			found = s;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(got, sizeof(got));
	if (found == 0)
		return 0;
	*step = found;
	return 1;
}

/* Percent-encode s for a URI path segment or query value. */
static void
uri_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    c == '@')
			buf_putc(out, (char)c);
		else
			buf_printf(out, "%%%02X", c);
	}
}

void
totp_uri(const char *issuer, const char *account, const char *secret,
    struct buf *out)
{
	buf_puts(out, "otpauth://totp/");
	uri_escape(out, issuer);
	buf_putc(out, ':');
	uri_escape(out, account);
	buf_printf(out, "?secret=%s&issuer=", secret);
	uri_escape(out, issuer);
	buf_printf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
	    TOTP_STEP_S);
}

int
recovery_code_new(char out[RECOVERY_CODE_MAX])
{
	unsigned char	raw[16];
	size_t		i, o = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	for (i = 0; i < sizeof(raw); i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		/* 256 is a multiple of 32: every letter equally likely */
		out[o++] = recovery_alphabet[raw[i] % 32];
	}
	out[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int
recovery_code_normalize(const char *typed, char out[RECOVERY_CODE_MAX])
{
	size_t	n = 0, o = 0;
	int	c;

	for (; *typed != '\0'; typed++) {
		c = tolower((unsigned char)*typed);
		if (c == ' ' || c == '-')
			continue;
		/* what Crockford's alphabet reads them as */
		if (c == 'i' || c == 'l')
			c = '1';
		else if (c == 'o')
			c = '0';
		if (c == '\0' || strchr(recovery_alphabet, c) == NULL ||
		    n == 16)
			return -1;
		if (n > 0 && n % 4 == 0)
			out[o++] = '-';
		out[o++] = (char)c;
		n++;
	}
	out[o] = '\0';
	return n == 16 ? 0 : -1;
}
