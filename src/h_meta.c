/*
 * h_meta.c: the routes about the API itself: its OpenAPI description,
 * docs/openapi.json compiled in by tools/embed-file.sh.
 */
#include "handlers.h"
#include "http.h"
#include "banned.h"

extern const char	openapi_json[];
extern const size_t	openapi_json_len;

/*
 * GET /api/v1/openapi.json
 * 200 the OpenAPI 3.1 document, as docs/openapi.json holds it.
 */
void
h_openapi(struct req *r)
{
	reply_body(r, 200, "application/json", openapi_json, openapi_json_len);
}
