/*
 * webhook.h: the pure rules of webhook delivery, apart from the database
 * and the network so they can be unit-tested: Standard Webhooks
 * signatures, event filters, what an answer means, and retry delays.
 */
#ifndef MEMBERD_WEBHOOK_H
#define MEMBERD_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

#define WEBHOOK_SECRET_PREFIX	"whsec_"
#define WEBHOOK_SECRET_BYTES	32
/* "v1," and the base64 of a SHA-256 HMAC */
#define WEBHOOK_SIG_LEN		(3 + 44 + 1)
#define WEBHOOK_ERROR_MAX	1024	/* kept of an answer */
#define WEBHOOK_AAD		"webhook_endpoint"

/*
 * The signature header of Standard Webhooks: "v1," and the base64 of
 * HMAC-SHA256(key, id "." timestamp "." body), where the key is the
 * base64-decoded part of the whsec_ secret (a secret without the prefix
 * is decoded whole). Into out (WEBHOOK_SIG_LEN bytes). 0, or -1 when the
 * secret is not base64.
 */
int	webhook_sign(const char *secret, const char *id, long long timestamp,
	    const char *body, size_t bodylen, char *out) MUST_CHECK;
/* A new secret "whsec_" + base64 of 32 random bytes into out (>= 51). */
int	webhook_secret_new(char *out, size_t len) MUST_CHECK;
/* True when s is whsec_ and base64 of 24 to 64 bytes. */
bool	webhook_secret_ok(const char *s);

/*
 * An event filter as an operator types it, "invite.*,member.added" or
 * "*": each pattern "*", "kind.*" or "kind.action" (lower-case letters
 * and _). true when every pattern is; n counts them.
 */
bool	webhook_filter_ok(const char *filter, int *n);
/* The same matching as the SQL memberd_webhook_matches(). */
bool	webhook_filter_matches(const char *filter, const char *type);
/* An endpoint URL the deliverer may POST to: http(s), a host, no space. */
bool	webhook_url_ok(const char *url);

enum webhook_outcome {
	WEBHOOK_DELIVERED,
	WEBHOOK_RETRY,		/* again after webhook_retry_ms */
	WEBHOOK_DEAD,
};

/*
 * What an answer means on the attempts-th attempt: 2xx delivered; 5xx,
 * 408, 429 and 0 (timeout, no connection) retried, or dead once attempts
 * reached max_attempts; any other status dead at once.
 */
enum webhook_outcome webhook_verdict(int status, int attempts,
	    long max_attempts);
/*
 * The delay before the next attempt after attempts failures: n^4 units,
 * +-10 % by unit_random in [0, 1], capped at 3600 units; at least
 * retry_after_s seconds when the receiver said so (429, 503), capped at
 * a day.
 */
long	webhook_retry_ms(int attempts, long unit_ms, double unit_random,
	    long retry_after_s);
/*
 * A Retry-After value: delay-seconds, or an HTTP date (now is the
 * current time). Seconds from now (0 or more), or -1 when absent or junk.
 */
long	webhook_retry_after(const char *value, time_t now);

#endif
