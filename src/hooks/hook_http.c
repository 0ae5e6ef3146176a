/* hook_http.c: libcurl, POST only; see hook_http.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "hook_http.h"
#include "log.h"
#include "util.h"
#include "banned.h"

/* Handles kept for this many endpoints; the least recently used goes. */
#define HANDLES_MAX	256

struct handle {
	long long	 endpoint_id;
	CURL		*easy;
	int64_t		 used;
};

struct hook_http {
	CURLM		*multi;
	struct handle	 h[HANDLES_MAX];
	int		 n;
	long		 timeout_ms;
	int		 running;		/* started, not yet returned */
	struct hook_req	*done[HANDLES_MAX];	/* finished, to return */
	int		 ndone;
};

/* What a transfer writes into while it runs. */
struct xfer {
	struct hook_req		*req;
	CURL			*easy;
	int64_t			 started;
	struct curl_slist	*headers;
	size_t			 kept;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct hook_http *
hook_http_new(long timeout_ms, char *err, size_t errlen)
{
	struct hook_http	*c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl: global init failed");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	if ((c->multi = curl_multi_init()) == NULL) {
		free(c);
		snprintf(err, errlen, "libcurl: multi init failed");
		return NULL;
	}
	c->timeout_ms = timeout_ms;
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	return c;
}

void
hook_http_free(struct hook_http *c)
{
	int	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		curl_easy_cleanup(c->h[i].easy);
	curl_multi_cleanup(c->multi);
	free(c);
	curl_global_cleanup();
}

static size_t	on_body(char *, size_t, size_t, void *);
static size_t	on_header(char *, size_t, size_t, void *);

/* What every request of a handle shares, set once. */
static void
handle_setup(struct hook_http *c, CURL *e)
{
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
}

/* The endpoint's handle, made (or recycled) when it has none. */
static CURL *
handle_for(struct hook_http *c, long long endpoint_id)
{
	int	i, lru = 0;

	for (i = 0; i < c->n; i++)
		if (c->h[i].endpoint_id == endpoint_id)
			goto found;
	if (c->n < HANDLES_MAX)
		i = c->n++;
	else {
		for (i = 1; i < c->n; i++)
			if (c->h[i].used < c->h[lru].used)
				lru = i;
		i = lru;
		curl_easy_cleanup(c->h[i].easy);
	}
	c->h[i].endpoint_id = endpoint_id;
	if ((c->h[i].easy = curl_easy_init()) == NULL)
		fatalx("libcurl: easy init failed");
	handle_setup(c, c->h[i].easy);
found:
	c->h[i].used = now_mono_us();
	return c->h[i].easy;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = size * nmemb, room;

	room = WEBHOOK_ERROR_MAX - x->kept;
	if (room > n)
		room = n;
	memcpy(x->req->answer + x->kept, p, room);
	x->kept += room;
	x->req->answer[x->kept] = '\0';
	return n;	/* the rest is read and dropped */
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = size * nmemb;
	char		 v[128];
	size_t		 len;

	if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		len = n - 12;
		if (len >= sizeof(v))
			len = sizeof(v) - 1;
		memcpy(v, p + 12, len);
		v[len] = '\0';
		while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
		    v[len - 1] == ' '))
			v[--len] = '\0';
		x->req->retry_after = webhook_retry_after(v, time(NULL));
	}
	return n;
}

static void
header_add(struct xfer *x, const char *name, const char *value)
{
	char	line[512];

	snprintf(line, sizeof(line), "%s: %s", name, value);
	x->headers = curl_slist_append(x->headers, line);
}

static void
xfer_setup(CURL *e, struct xfer *x)
{
	struct hook_req	*r = x->req;
	char		 ts[24];

	snprintf(ts, sizeof(ts), "%lld", r->timestamp);
	header_add(x, "Content-Type", "application/json");
	header_add(x, "User-Agent", "memberd-webhooks");
	header_add(x, "webhook-id", r->id);
	header_add(x, "webhook-timestamp", ts);
	header_add(x, "webhook-signature", r->signature);
	x->headers = curl_slist_append(x->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(r->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
}

static void
xfer_done(CURL *e, CURLcode code)
{
	struct xfer	*x = NULL;
	long		 status = 0;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
	if (code == CURLE_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		x->req->status = (int)status;
	} else {
		x->req->status = 0;
		(void)str_printf(x->req->answer, sizeof(x->req->answer),
		    "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(code));
	}
}

void
hook_http_start(struct hook_http *c, struct hook_req *r)
{
	struct xfer	*x = xcalloc(1, sizeof(*x));
	CURL		*e = handle_for(c, r->endpoint_id);

	r->status = 0;
	r->retry_after = -1;
	r->answer[0] = '\0';
	r->elapsed_us = 0;
	x->req = r;
	x->started = now_mono_us();
	x->easy = e;
	xfer_setup(e, x);
	curl_multi_add_handle(c->multi, e);
	c->running++;
}

/* A finished transfer: its verdict in its request, its handle free. */
static void
xfer_finish(struct hook_http *c, CURL *e, CURLcode code)
{
	struct xfer	*x = NULL;

	xfer_done(e, code);
	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
	curl_multi_remove_handle(c->multi, e);
	/* nothing of this transfer stays pointed at */
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
	x->req->elapsed_us = now_mono_us() - x->started;
	c->done[c->ndone++] = x->req;
	c->running--;
	curl_slist_free_all(x->headers);
	free(x);
}

struct hook_req *
hook_http_next(struct hook_http *c)
{
	CURLMsg		*msg;
	int		 still, left, i;
	struct hook_req	*r;

	for (;;) {
		if (c->ndone > 0) {
			r = c->done[0];
			for (i = 1; i < c->ndone; i++)
				c->done[i - 1] = c->done[i];
			c->ndone--;
			return r;
		}
		if (c->running == 0)
			return NULL;
		if (curl_multi_perform(c->multi, &still) != CURLM_OK)
			fatalx("libcurl: multi perform failed");
		while ((msg = curl_multi_info_read(c->multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				xfer_finish(c, msg->easy_handle,
				    msg->data.result);
		if (c->ndone == 0 && c->running > 0)
			(void)curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
	}
}
