/*
 * libFuzzer harness: a whole request through the request layer (routing,
 * body checks, JSON, query and cookie parsing) with arbitrary input. The
 * routes are local, so no database is touched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
h_echo(struct req *r)
{
	char	*v = NULL, c[64];

	if (req_query(r, "search", &v) == 1)
		free(v);
	(void)req_cookie(r, "memberd_session", c, sizeof(c));
	reply_json(r, 200, cJSON_CreateObject());
}

static const struct route fuzz_routes[] = {
	{ "GET",  "/api/v1/x/{id}/y/{id}", AUTH_ANYONE, h_echo },
	{ "POST", "/api/v1/x", AUTH_ANYONE, h_echo },
};

/* Input: method \0 path \0 query \0 content-type \0 cookie \0 body */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*field[6] = { "", "", "", "", "", "" };
	char		*copy = xmalloc(size + 1);
	struct req	 r;
	struct buf	 out = { 0 };
	size_t		 i, start = 0;
	int		 n = 0;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0; i <= size && n < 5; i++)
		if (copy[i] == '\0') {
			field[n++] = copy + start;
			start = i + 1;
		}
	field[5] = start <= size ? copy + start : "";
	req_init(&r, NULL, NULL);
	r.method = field[0];
	r.path = field[1];
	r.query = field[2];
	r.content_type = field[3];
	r.cookie = field[4];
	r.body = field[5];
	r.body_len = start <= size ? size - start : 0;
	r.content_length = (long)r.body_len;
	http_handle(&r, fuzz_routes, 2);
	http_render(&r, &out);
	buf_release(&out);
	req_release(&r);
	free(copy);
	return 0;
}
