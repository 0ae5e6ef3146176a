/* token.c: random tokens and their SHA-256 fingerprints. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "token.h"
#include "banned.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
base64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t		i;
	char		*o = out;
	unsigned	v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		*o++ = b64url[(v >> 18) & 63];
		*o++ = b64url[(v >> 12) & 63];
		*o++ = b64url[(v >> 6) & 63];
		*o++ = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)in[i] << 16;
		*o++ = b64url[(v >> 18) & 63];
		*o++ = b64url[(v >> 12) & 63];
	} else if (n - i == 2) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		*o++ = b64url[(v >> 18) & 63];
		*o++ = b64url[(v >> 12) & 63];
		*o++ = b64url[(v >> 6) & 63];
	}
	*o = '\0';
}

int
token_new(char *out)
{
	unsigned char	raw[TOKEN_BYTES];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	base64url_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

bool
token_well_formed(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != TOKEN_LEN)
		return false;
	for (i = 0; i < TOKEN_LEN; i++)
		if (strchr(b64url, s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

const char *
token_hash_param(const char *token, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	  md[EVP_MAX_MD_SIZE];
	unsigned int	  len = 0, i;

	EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL);
	out[0] = '\\';
	out[1] = 'x';
	for (i = 0; i < len && i < 32; i++) {
		out[2 + 2 * i] = hex[md[i] >> 4];
		out[3 + 2 * i] = hex[md[i] & 15];
	}
	out[2 + 2 * i] = '\0';
	return out;
}
