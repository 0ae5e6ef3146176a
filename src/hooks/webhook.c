/* webhook.c: signatures, filters and delivery rules; see webhook.h. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "drain.h"
#include "webhook.h"
#include "banned.h"

#define DAY_MS	(86400 * 1000L)

static EVP_MAC	*hmac;

/* Decode standard base64 (with padding); bytes, or -1. */
static int
b64_decode(const char *s, unsigned char *out, size_t outlen)
{
	size_t	n = strlen(s);
	int	len;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > outlen)
		return -1;
	if ((len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n)) < 0)
		return -1;
	if (s[n - 1] == '=')
		len--;
	if (s[n - 2] == '=')
		len--;
	return len;
}

int
webhook_sign(const char *secret, const char *id, long long ts,
    const char *body, size_t bodylen, char *out)
{
	unsigned char	 key[128], mac[EVP_MAX_MD_SIZE];
	char		 head[256];
	EVP_MAC		*m;
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	size_t		 outl = 0;
	int		 klen, hlen, rc = -1;

	if (str_has_prefix(secret, WEBHOOK_SECRET_PREFIX))
		secret += strlen(WEBHOOK_SECRET_PREFIX);
	if ((klen = b64_decode(secret, key, sizeof(key))) <= 0)
		return -1;
	hlen = snprintf(head, sizeof(head), "%s.%lld.", id, ts);
	if (hlen < 0 || (size_t)hlen >= sizeof(head))
		goto out;
	/* fetched once: a provider lookup per signature costs more than it */
	if (hmac == NULL && (hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto out;
	m = hmac;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ctx = EVP_MAC_CTX_new(m);
	if (ctx != NULL && EVP_MAC_init(ctx, key, (size_t)klen, params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)head, (size_t)hlen) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)body, bodylen) == 1 &&
	    EVP_MAC_final(ctx, mac, &outl, sizeof(mac)) == 1 && outl == 32) {
		memcpy(out, "v1,", 3);
		EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)outl);
		rc = 0;
	}
	EVP_MAC_CTX_free(ctx);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
webhook_secret_new(char *out, size_t len)
{
	unsigned char	raw[WEBHOOK_SECRET_BYTES];
	size_t		plen = strlen(WEBHOOK_SECRET_PREFIX);

	if (len < plen + 4 * ((sizeof(raw) + 2) / 3) + 1 ||
	    RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	memcpy(out, WEBHOOK_SECRET_PREFIX, plen);
	EVP_EncodeBlock((unsigned char *)out + plen, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

bool
webhook_secret_ok(const char *s)
{
	unsigned char	buf[128];
	const char	*p;
	int		n;

	if (!str_has_prefix(s, WEBHOOK_SECRET_PREFIX))
		return false;
	s += strlen(WEBHOOK_SECRET_PREFIX);
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '/' &&
		    *p != '=')
			return false;
	n = b64_decode(s, buf, sizeof(buf));
	OPENSSL_cleanse(buf, sizeof(buf));
	return n >= 24 && n <= 64;
}

/* One pattern of len bytes: "*", "kind.*" or "kind.action". */
static bool
pattern_ok(const char *p, size_t len)
{
	size_t	i, dot = 0;

	if (len == 1 && p[0] == '*')
		return true;
	for (i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (dot != 0 || i == 0)
				return false;
			dot = i;
		} else if (p[i] == '*') {
			if (dot == 0 || i != dot + 1 || i + 1 != len)
				return false;
		} else if (!(p[i] >= 'a' && p[i] <= 'z') && p[i] != '_')
			return false;
	}
	return dot != 0 && dot + 1 < len;
}

static bool
pattern_matches(const char *p, size_t len, const char *type)
{
	if (len == 1 && p[0] == '*')
		return true;
	if (len >= 2 && p[len - 1] == '*')
		return strncmp(p, type, len - 1) == 0;
	return strlen(type) == len && strncmp(p, type, len) == 0;
}

bool
webhook_filter_ok(const char *f, int *n)
{
	const char	*comma;
	size_t		 len;

	*n = 0;
	for (;;) {
		comma = strchr(f, ',');
		len = comma ? (size_t)(comma - f) : strlen(f);
		if (!pattern_ok(f, len))
			return false;
		(*n)++;
		if (comma == NULL)
			return true;
		f = comma + 1;
	}
}

bool
webhook_filter_matches(const char *f, const char *type)
{
	const char	*comma;
	size_t		 len;

	for (;;) {
		comma = strchr(f, ',');
		len = comma ? (size_t)(comma - f) : strlen(f);
		if (pattern_matches(f, len, type))
			return true;
		if (comma == NULL)
			return false;
		f = comma + 1;
	}
}

bool
webhook_url_ok(const char *url)
{
	const char	*host, *p;

	if (str_has_prefix(url, "https://"))
		host = url + 8;
	else if (str_has_prefix(url, "http://"))
		host = url + 7;
	else
		return false;
	if (*host == '\0' || *host == '/' || strlen(url) > 2048)
		return false;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

enum webhook_outcome
webhook_verdict(int status, int attempts, long max_attempts)
{
	if (status >= 200 && status < 300)
		return WEBHOOK_DELIVERED;
	if (status == 0 || status == 408 || status == 429 ||
	    (status >= 500 && status < 600))
		return attempts >= max_attempts ? WEBHOOK_DEAD : WEBHOOK_RETRY;
	return WEBHOOK_DEAD;
}

long
webhook_retry_ms(int attempts, long unit_ms, double unit_random,
    long retry_after_s)
{
	long	ms = drain_backoff_ms(attempts, unit_ms, unit_random);

	if (retry_after_s > 0) {
		if (retry_after_s > DAY_MS / 1000)
			retry_after_s = DAY_MS / 1000;
		if (retry_after_s * 1000 > ms)
			ms = retry_after_s * 1000;
	}
	return ms;
}

long
webhook_retry_after(const char *v, time_t now)
{
	struct tm	 tm;
	const char	*end;
	long		 n;
	time_t		 t;

	if (v == NULL)
		return -1;
	while (*v == ' ')
		v++;
	if (*v >= '0' && *v <= '9') {
		if (!parse_long(v, 0, 100L * 86400, &n))
			return -1;
		return n;
	}
	memset(&tm, 0, sizeof(tm));
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	t = timegm(&tm);
	return t <= now ? 0 : (long)(t - now);
}
