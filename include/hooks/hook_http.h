/*
 * hook_http.h: the HTTP client of memberd-webhooks (hook_http.c is the
 * one file that includes libcurl). POSTs JSON with the Standard Webhooks
 * headers: 10 s for the whole exchange, TLS verified (system store), no
 * redirect followed, HTTP/1.1 with keep-alive. One curl handle per
 * endpoint is kept between batches, so an endpoint's connection is
 * reused; requests of different endpoints run side by side (curl multi).
 */
#ifndef MEMBERD_HOOK_HTTP_H
#define MEMBERD_HOOK_HTTP_H

#include <stddef.h>

#include "webhook.h"

#define HOOK_HTTP_TIMEOUT_MS	10000

struct hook_http;

/* One request; the strings are the caller's and must outlive the run. */
struct hook_req {
	long long	 endpoint_id;	/* whose connection to reuse */
	void		*arg;		/* the caller's */
	const char	*url;
	const char	*id;		/* webhook-id */
	long long	 timestamp;	/* webhook-timestamp */
	const char	*signature;	/* webhook-signature */
	const char	*body;
	/* filled by the run */
	int		 status;	/* 0: no answer (see answer) */
	long		 retry_after;	/* seconds, -1 when none */
	char		 answer[WEBHOOK_ERROR_MAX + 1];	/* body or error */
	long long	 elapsed_us;
};

/* NULL with err set when libcurl cannot start. Free with hook_http_free. */
struct hook_http *hook_http_new(long timeout_ms, char *err, size_t errlen);
void	hook_http_free(struct hook_http *);
/*
 * Start a request (at most one per endpoint at a time, at most 256 at
 * once); it runs while hook_http_next waits.
 */
void	hook_http_start(struct hook_http *, struct hook_req *);
/*
 * Wait until a started request has its answer, error or timeout, and
 * return it; NULL when none is running.
 */
struct hook_req *hook_http_next(struct hook_http *);

#endif
