/* Unit tests: routing, body checks and replies, without a web server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static int	handled;

static void
h_ok(struct req *r)
{
	cJSON	*o = cJSON_CreateObject();

	handled++;
	cJSON_AddNumberToObject(o, "id", (double)(r->nids ? r->ids[0] : 0));
	reply_json(r, 200, o);
}

static void
h_silent(struct req *r)
{
	(void)r;
	handled++;
}

static const struct route test_routes[] = {
	{ "GET",  "/api/v1/things/{id}", AUTH_ANYONE, h_ok },
	{ "POST", "/api/v1/things", AUTH_ANYONE, h_ok },
	{ "PATCH", "/api/v1/things/{id}", AUTH_ANYONE, h_ok },
	{ "GET",  "/api/v1/silent", AUTH_ANYONE, h_silent },
};

static void
run(struct req *r, const char *method, const char *path, const char *ctype,
    const char *body)
{
	req_init(r, NULL, NULL);
	r->method = method;
	r->path = path;
	r->content_type = ctype;
	r->body = body;
	r->body_len = body ? strlen(body) : 0;
	r->content_length = (long)r->body_len;
	handled = 0;
	http_handle(r, test_routes, sizeof(test_routes) / sizeof(test_routes[0]));
}

static void
assert_error(struct req *r, int status, const char *code)
{
	cJSON	*j, *e;

	assert_int_equal(r->status, status);
	j = cJSON_Parse(r->out.data);
	assert_non_null(j);
	e = cJSON_GetObjectItem(j, "error");
	assert_non_null(e);
	assert_string_equal(cJSON_GetObjectItem(e, "code")->valuestring, code);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(e, "message")));
	cJSON_Delete(j);
	assert_int_equal(handled, 0);
}

static void
test_route_ids_are_positive_integers(void **state)
{
	long long	ids[HTTP_MAX_IDS];
	int		n;

	(void)state;
	assert_true(route_match("/a/{id}/b/{id}", "/a/12/b/7", ids, &n));
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[1], 7);
	assert_false(route_match("/a/{id}", "/a/0", ids, &n));
	assert_false(route_match("/a/{id}", "/a/012", ids, &n));
	assert_false(route_match("/a/{id}", "/a/-1", ids, &n));
	assert_false(route_match("/a/{id}", "/a/1x", ids, &n));
	assert_false(route_match("/a/{id}", "/a/", ids, &n));
	assert_false(route_match("/a/{id}", "/a/1/", ids, &n));
	assert_false(route_match("/a/{id}", "/a/1234567890123456789", ids, &n));
	assert_false(route_match("/a", "/a/", ids, &n));
}

static void
test_known_route_runs_its_handler(void **state)
{
	struct req	r;

	(void)state;
	run(&r, "GET", "/api/v1/things/42", NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(handled, 1);
	assert_string_equal(r.out.data, "{\"id\":42}");
	req_release(&r);
	run(&r, "HEAD", "/api/v1/things/42", NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(handled, 1);
	req_release(&r);
	run(&r, "HEAD", "/api/v1/things", NULL, NULL);
	assert_int_equal(r.status, 405);
	req_release(&r);
}

static void
test_unknown_path_is_404_and_wrong_method_405(void **state)
{
	struct req	r;

	(void)state;
	run(&r, "GET", "/api/v1/nothing", NULL, NULL);
	assert_error(&r, 404, "not_found");
	req_release(&r);
	run(&r, "DELETE", "/api/v1/things/3", NULL, NULL);
	assert_error(&r, 405, "method_not_allowed");
	assert_non_null(strstr(r.head.data, "Allow: GET, PATCH\r\n"));
	req_release(&r);
}

static void
test_body_checks_in_contract_order(void **state)
{
	struct req	r;

	(void)state;
	run(&r, "POST", "/api/v1/things", "text/plain", "{}");
	assert_error(&r, 415, "unsupported_media_type");
	req_release(&r);
	run(&r, "POST", "/api/v1/things", NULL, "{}");
	assert_error(&r, 415, "unsupported_media_type");
	req_release(&r);
	run(&r, "POST", "/api/v1/things", "application/json", "{\"a\":");
	assert_error(&r, 400, "invalid_json");
	req_release(&r);
	run(&r, "POST", "/api/v1/things", "application/json", "[1,2]");
	assert_error(&r, 400, "invalid_json");
	req_release(&r);
	run(&r, "POST", "/api/v1/things", "application/json", "{} x");
	assert_error(&r, 400, "invalid_json");
	req_release(&r);
	run(&r, "POST", "/api/v1/things", "application/json; charset=utf-8",
	    "{\"a\":1}\n");
	assert_int_equal(r.status, 200);
	req_release(&r);
	/* an empty body needs no content type */
	run(&r, "POST", "/api/v1/things", NULL, NULL);
	assert_int_equal(r.status, 200);
	req_release(&r);
}

static void
test_body_over_the_cap_is_413(void **state)
{
	struct req	r;

	(void)state;
	req_init(&r, NULL, NULL);
	r.method = "POST";
	r.path = "/api/v1/things";
	r.content_type = "application/json";
	r.content_length = HTTP_BODY_MAX + 1;
	r.body_too_large = true;
	handled = 0;
	http_handle(&r, test_routes, 4);
	assert_error(&r, 413, "payload_too_large");
	req_release(&r);
}

static void
test_a_handler_without_reply_becomes_500(void **state)
{
	struct req	r;

	(void)state;
	run(&r, "GET", "/api/v1/silent", NULL, NULL);
	assert_int_equal(r.status, 500);
	req_release(&r);
}

static void
test_render_has_status_and_safety_headers(void **state)
{
	struct req	r;
	struct buf	out = { 0 };

	(void)state;
	run(&r, "GET", "/api/v1/things/1", NULL, NULL);
	reply_header(&r, "X-Evil", "a\r\nSet-Cookie: x=y");
	http_render(&r, &out);
	assert_true(str_has_prefix(out.data, "Status: 200 OK\r\n"));
	assert_non_null(strstr(out.data, "Cache-Control: no-store\r\n"));
	assert_non_null(strstr(out.data, "X-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(out.data, "Content-Type: application/json\r\n"));
	assert_null(strstr(out.data, "Set-Cookie"));
	assert_non_null(strstr(out.data, "\r\n\r\n{\"id\":1}"));
	buf_release(&out);
	req_release(&r);
}

static void
test_query_parameters_are_decoded(void **state)
{
	struct req	r;
	char		*v = NULL;

	(void)state;
	req_init(&r, NULL, NULL);
	r.query = "page=2&search=ann%40example.com+x&flag&bad=%4";
	assert_int_equal(req_query(&r, "search", &v), 1);
	assert_string_equal(v, "ann@example.com x");
	free(v);
	assert_int_equal(req_query(&r, "page", &v), 1);
	assert_string_equal(v, "2");
	free(v);
	assert_int_equal(req_query(&r, "flag", &v), 1);
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(req_query(&r, "bad", &v), -1);
	assert_int_equal(req_query(&r, "sear", &v), 0);
	r.query = "nul=a%00b";
	assert_int_equal(req_query(&r, "nul", &v), -1);
	r.query = "latin1=%ff&cut=%c3%28&ok=Zo%C3%AB";
	assert_int_equal(req_query(&r, "latin1", &v), -1);
	assert_int_equal(req_query(&r, "cut", &v), -1);
	assert_int_equal(req_query(&r, "ok", &v), 1);
	assert_string_equal(v, "Zo\xc3\xab");
	free(v);
}

static void
assert_nul_refused(const char *body, const char *field)
{
	struct req	 r;
	cJSON		*j, *e, *f;

	run(&r, "POST", "/api/v1/things", "application/json", body);
	assert_error(&r, 422, "invalid_input");
	j = cJSON_Parse(r.out.data);
	e = cJSON_GetObjectItem(j, "error");
	f = cJSON_GetObjectItem(e, "field");
	if (field == NULL)
		assert_null(f);
	else
		assert_string_equal(cJSON_GetStringValue(f), field);
	cJSON_Delete(j);
	req_release(&r);
}

static void
test_a_nul_in_text_is_refused_naming_its_field(void **state)
{
	struct req	r;

	(void)state;
	assert_nul_refused("{\"email\": \"a\\u0000b@example.com\"}", "email");
	assert_nul_refused("{\"a\": 1, \"name\" : \"x\\u0000\"}", "name");
	assert_nul_refused("{\"register\": {\"x\": {\"y\": 1},"
	    " \"first_name\": \"\\u0000\"}}", "first_name");
	assert_nul_refused("{\"permissions\": [{\"k\": 1}, \"\\u0000\"]}",
	    "permissions");
	assert_nul_refused("{\"a\\u0000\": 1}", NULL);
	/* an escaped backslash before u0000 is no NUL */
	run(&r, "POST", "/api/v1/things", "application/json",
	    "{\"a\": \"\\\\u0000\"}");
	assert_int_equal(r.status, 200);
	req_release(&r);
}

static void
test_cookies_are_found_by_exact_name(void **state)
{
	struct req	r;
	char		v[64];

	(void)state;
	req_init(&r, NULL, NULL);
	r.cookie = "memberd_session_x=no; memberd_session=abc; other=1";
	assert_true(req_cookie(&r, "memberd_session", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_false(req_cookie(&r, "memberd_admin", v, sizeof(v)));
	r.cookie = "memberd_session=0123456789";
	assert_false(req_cookie(&r, "memberd_session", v, 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_ids_are_positive_integers),
		cmocka_unit_test(test_known_route_runs_its_handler),
		cmocka_unit_test(test_unknown_path_is_404_and_wrong_method_405),
		cmocka_unit_test(test_body_checks_in_contract_order),
		cmocka_unit_test(test_body_over_the_cap_is_413),
		cmocka_unit_test(test_a_handler_without_reply_becomes_500),
		cmocka_unit_test(test_render_has_status_and_safety_headers),
		cmocka_unit_test(test_query_parameters_are_decoded),
		cmocka_unit_test(test_a_nul_in_text_is_refused_naming_its_field),
		cmocka_unit_test(test_cookies_are_found_by_exact_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
