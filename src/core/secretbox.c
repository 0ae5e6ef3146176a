/* secretbox.c: AES-256-GCM sealing of stored secrets; see secretbox.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "config.h"
#include "secretbox.h"
#include "banned.h"

#define NONCE_LEN	12
#define TAG_LEN		16
#define KEY_FILE_MAX	256

bool
secretbox_key_source(const struct config *c, char *path, size_t len)
{
	const char	*cred = getenv("CREDENTIALS_DIRECTORY");
	struct stat	 st;

	path[0] = '\0';
	if (c->secret_key_file != NULL && *c->secret_key_file != '\0')
		return str_copy(path, len, c->secret_key_file);
	if (cred != NULL && *cred != '\0') {
		snprintf(path, len, "%s/secret_key", cred);
		/* an empty or absent credential: no key configured yet */
		if (stat(path, &st) == 0 && st.st_size > 0)
			return true;
		path[0] = '\0';
	}
	return false;
}

int
secretbox_key_parse(const unsigned char *d, size_t n, struct secretbox_key *key,
    char *err, size_t errlen)
{
	size_t	i, m = n;
	int	hi, lo;

	memset(key, 0, sizeof(*key));
	if (n == SECRETBOX_KEY_LEN) {
		memcpy(key->k, d, SECRETBOX_KEY_LEN);
		key->loaded = true;
		return 0;
	}
	while (m > 0 && (d[m - 1] == '\n' || d[m - 1] == '\r'))
		m--;
	if (m == 2 * SECRETBOX_KEY_LEN) {
		for (i = 0; i < SECRETBOX_KEY_LEN; i++) {
			hi = hex_value(d[2 * i]);
			lo = hex_value(d[2 * i + 1]);
			if (hi < 0 || lo < 0)
				break;
			key->k[i] = (unsigned char)(hi << 4 | lo);
		}
		if (i == SECRETBOX_KEY_LEN) {
			key->loaded = true;
			return 0;
		}
	}
	secretbox_key_wipe(key);
	snprintf(err, errlen, "the secret key must be 32 bytes, raw or as 64 "
	    "hex digits (got %zu bytes); make one with: openssl rand -hex 32",
	    n);
	return -1;
}

int
secretbox_key_load(const struct config *c, struct secretbox_key *key,
    char *err, size_t errlen)
{
	unsigned char	 data[KEY_FILE_MAX + 1];
	char		 path[4096], msg[256];
	FILE		*f;
	size_t		 n;
	int		 rc;

	memset(key, 0, sizeof(*key));
	if (!secretbox_key_source(c, path, sizeof(path))) {
		snprintf(err, errlen, "no secret key: set secret_key_file or "
		    "the systemd credential secret_key");
		return -1;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "secret key \"%s\": %s", path,
		    strerror(errno));
		return -1;
	}
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	if (n > KEY_FILE_MAX)
		n = KEY_FILE_MAX + 1;	/* too long: refused below */
	rc = secretbox_key_parse(data, n, key, msg, sizeof(msg));
	OPENSSL_cleanse(data, sizeof(data));
	if (rc != 0)
		snprintf(err, errlen, "secret key \"%s\": %s", path, msg);
	return rc;
}

void
secretbox_key_wipe(struct secretbox_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

void
secretbox_buf_wipe(struct buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	buf_release(b);
}

/* One GCM pass: enc 1 seals, 0 opens (tag checked). 0 or -1. */
static int
gcm(int enc, const struct secretbox_key *key, const unsigned char *nonce,
    const char *aad, const unsigned char *in, size_t n, unsigned char *out,
    unsigned char *tag)
{
	EVP_CIPHER_CTX	*ctx;
	int		 len, rc = -1;

	if (!key->loaded || n > (size_t)1 << 20 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
	    NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key->k, nonce, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_CipherUpdate(ctx, out, &len, in, (int)n) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + len, &len) != 1)
		goto out;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    tag) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
secretbox_seal(const struct secretbox_key *key, const char *aad,
    const void *pt, size_t n, struct buf *out)
{
	unsigned char	*raw;
	char		*b64;
	size_t		 rawlen = 1 + NONCE_LEN + n + TAG_LEN;
	int		 rc = -1;

	raw = xcalloc(1, rawlen);
	b64 = xcalloc(1, 4 * ((rawlen + 2) / 3) + 1);
	raw[0] = SECRETBOX_VERSION;
	if (RAND_bytes(raw + 1, NONCE_LEN) == 1 &&
	    gcm(1, key, raw + 1, aad, pt, n, raw + 1 + NONCE_LEN,
	    raw + 1 + NONCE_LEN + n) == 0) {
		EVP_EncodeBlock((unsigned char *)b64, raw, (int)rawlen);
		buf_puts(out, b64);
		rc = 0;
	}
	OPENSSL_cleanse(raw, rawlen);
	free(raw);
	free(b64);
	return rc;
}

int
secretbox_open(const struct secretbox_key *key, const char *aad,
    const char *sealed, struct buf *out)
{
	unsigned char	*raw, *pt;
	size_t		 slen = strlen(sealed), rawlen, n;
	int		 len, rc = -1;

	if (slen == 0 || slen % 4 != 0 || slen > (size_t)2 << 20)
		return -1;
	raw = xcalloc(1, slen);
	len = EVP_DecodeBlock(raw, (const unsigned char *)sealed, (int)slen);
	if (len < 0)
		goto out_raw;
	rawlen = (size_t)len;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (sealed[slen - 1] == '=')
		rawlen--;
	if (sealed[slen - 2] == '=')
		rawlen--;
	if (rawlen < 1 + NONCE_LEN + TAG_LEN || raw[0] != SECRETBOX_VERSION)
		goto out_raw;
	n = rawlen - 1 - NONCE_LEN - TAG_LEN;
	pt = xcalloc(1, n + 1);
	if (gcm(0, key, raw + 1, aad, raw + 1 + NONCE_LEN, n, pt,
	    raw + 1 + NONCE_LEN + n) == 0) {
		buf_append(out, pt, n);
		rc = 0;
	}
	OPENSSL_cleanse(pt, n + 1);
	free(pt);
out_raw:
	OPENSSL_cleanse(raw, slen);
	free(raw);
	return rc;
}
