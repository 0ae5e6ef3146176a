/*
 * token.h: bearer secrets (sessions, API tokens, reset and invite links).
 * 32 bytes from OpenSSL's CSPRNG, base64url without padding (43
 * characters). Only the SHA-256 of a token is ever stored.
 */
#ifndef MEMBERD_TOKEN_H
#define MEMBERD_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define TOKEN_BYTES	32
#define TOKEN_LEN	43		/* base64url of 32 bytes, no padding */
#define TOKEN_HASH_PARAM 67		/* "\\x" + 64 hex digits + NUL */

/* A fresh token into out (TOKEN_LEN + 1 bytes). 0, or -1 if no entropy. */
int	token_new(char *out) MUST_CHECK;
/* True when s has the shape of a token (length and alphabet). */
bool	token_well_formed(const char *s);
/*
 * The SHA-256 of the token as a bytea parameter ("\x" and hex) into out
 * (TOKEN_HASH_PARAM bytes). Returns out.
 */
const char *token_hash_param(const char *token, char *out);
/* base64url without padding of n bytes into out (4n/3 + 2 bytes). */
void	base64url_encode(const unsigned char *in, size_t n, char *out);

#endif
