/*
 * secretbox.h: secrets stored encrypted at rest (DESIGN §8.3): webhook
 * endpoint secrets now, TOTP secrets later. AES-256-GCM through OpenSSL
 * under a key that is not in the database: the file named by the config
 * key secret_key_file, else the systemd credential secret_key
 * ($CREDENTIALS_DIRECTORY/secret_key). A database dump alone reveals
 * nothing.
 *
 * The key file holds 32 bytes: raw, or as 64 hex digits (a trailing
 * newline is ignored); anything else is refused.
 *
 * A sealed secret is text (base64 of version byte 0x01, a random 96-bit
 * nonce, the ciphertext and the 16-byte tag). The associated data names
 * what the secret is for ("webhook_endpoint"), so a sealed value moved to
 * another use does not open.
 */
#ifndef MEMBERD_SECRETBOX_H
#define MEMBERD_SECRETBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define SECRETBOX_KEY_LEN	32
#define SECRETBOX_VERSION	1

struct config;

struct secretbox_key {
	unsigned char	k[SECRETBOX_KEY_LEN];
	bool		loaded;
};

/*
 * Where the key comes from: secret_key_file, else the credential when it
 * is not empty (the installed placeholder is), else nothing. *path is set to that file ("" when none is configured).
 * Returns true when a key is configured.
 */
bool	secretbox_key_source(const struct config *, char *path, size_t len);
/*
 * Load the key from the configured source. 0, or -1 with err saying why
 * (no key configured, unreadable, not 32 bytes). Wipe with
 * secretbox_key_wipe.
 */
int	secretbox_key_load(const struct config *, struct secretbox_key *,
	    char *err, size_t errlen) MUST_CHECK;
/* Parse key file content (raw 32 bytes or 64 hex digits). 0 or -1. */
int	secretbox_key_parse(const unsigned char *data, size_t n,
	    struct secretbox_key *, char *err, size_t errlen) MUST_CHECK;
void	secretbox_key_wipe(struct secretbox_key *);

/* Seal n bytes of pt; the text goes to out (appended). 0, or -1. */
int	secretbox_seal(const struct secretbox_key *, const char *aad,
	    const void *pt, size_t n, struct buf *out) MUST_CHECK;
/*
 * Open a sealed text into out (appended, NUL-terminated; the caller
 * wipes and frees it). 0, or -1 when it is malformed, of another
 * version, sealed under another key or aad, or tampered with.
 */
int	secretbox_open(const struct secretbox_key *, const char *aad,
	    const char *sealed, struct buf *out) MUST_CHECK;

/* Zero then free a buffer that held a secret. */
void	secretbox_buf_wipe(struct buf *);

#endif
