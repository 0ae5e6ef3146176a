/*
 * http.c: routing, body checks and replies for one request. Untrusted input
 * (path, query, cookies, body) is parsed here and nowhere else.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "validate.h"
#include "banned.h"

void
req_init(struct req *r, struct db *db, const struct config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->method = r->path = "";
	r->query = "";
	r->content_length = -1;
	r->db = db;
	r->cfg = cfg;
	r->status = 500;
}

void
req_release(struct req *r)
{
	cJSON_Delete(r->json);
	r->json = NULL;
	buf_release(&r->head);
	buf_release(&r->out);
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void
reply_header(struct req *r, const char *name, const char *value)
{
	/* Header values we set never come from raw input; be sure anyway. */
	if (strpbrk(value, "\r\n") != NULL || strpbrk(name, "\r\n:") != NULL) {
		log_warnx("refusing a header with CR, LF or colon: %s", name);
		return;
	}
	buf_printf(&r->head, "%s: %s\r\n", name, value);
}

void
reply_json(struct req *r, int status, cJSON *body)
{
	char	*s;

	if (r->replied) {
		log_warnx("%s %s: second reply (%d) ignored", r->method,
		    r->path, status);
		cJSON_Delete(body);
		return;
	}
	s = body ? cJSON_PrintUnformatted(body) : NULL;
	cJSON_Delete(body);
	if (s == NULL)
		fatalx("cJSON_PrintUnformatted: out of memory");
	buf_reset(&r->out);
	buf_puts(&r->out, s);
	free(s);
	r->out_type = "application/json";
	r->status = status;
	r->replied = true;
}

void
reply_body(struct req *r, int status, const char *type, const char *data,
    size_t len)
{
	if (r->replied)
		return;
	buf_reset(&r->out);
	buf_append(&r->out, data, len);
	r->out_type = type;
	r->status = status;
	r->replied = true;
}

void
reply_wrapped_json(struct req *r, int status, const char *kind, cJSON *obj)
{
	cJSON	*body = cJSON_CreateObject();

	cJSON_AddItemToObject(body, kind, obj);
	reply_json(r, status, body);
}

void
reply_empty(struct req *r, int status)
{
	if (r->replied)
		return;
	buf_reset(&r->out);
	r->out_type = NULL;
	r->status = status;
	r->replied = true;
}

void
reply_err_id(struct req *r, enum err e, const char *field,
    const char *message, const char *key, long long id)
{
	const struct err_def	*d = err_def(e);
	cJSON			*root = cJSON_CreateObject(), *err;

	err = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(err, "code", d->code);
	cJSON_AddStringToObject(err, "message",
	    message != NULL ? message : d->message);
	if (field != NULL)
		cJSON_AddStringToObject(err, "field", field);
	if (key != NULL)
		json_add_int(err, key, id);
	reply_json(r, d->status, root);
}

void
reply_err_msg(struct req *r, enum err e, const char *field,
    const char *message)
{
	reply_err_id(r, e, field, message, NULL, 0);
}

void
reply_err(struct req *r, enum err e, const char *field)
{
	reply_err_id(r, e, field, NULL, NULL, 0);
}

/*
 * A request that ends with a database failure leaves one warning line:
 * db.c logged unavailable and unexpected errors as they happened.
 */
static void
log_db_failure(const struct req *r)
{
	enum db_err	err = db_error(r->db);

	if (err != DB_OK && err != DB_UNAVAILABLE && err != DB_OTHER)
		log_warnx("database: %s %s (request %s) ended with "
		    "sqlstate=%s constraint=%s: %s", r->method,
		    r->route ? r->route->pattern : r->path, r->request_id,
		    db_sqlstate(r->db), *db_constraint(r->db) ?
		    db_constraint(r->db) : "-", db_message(r->db));
}

void
reply_fault(struct req *r, const struct fault *f)
{
	if (f->from_db && f->err == ERR_UNAVAILABLE) {
		reply_db_error(r);
		return;
	}
	if (f->from_db)
		log_db_failure(r);
	if (f->retry_after > 0)
		reply_header(r, "Retry-After", DB_INT(f->retry_after));
	reply_err_id(r, f->err, f->field, f->why,
	    f->invite_id > 0 ? "invite_id" : NULL, f->invite_id);
}

/* The request's caller as the domain sees it. */
static void
req_actor(const struct req *r, struct actor *a)
{
	switch (r->who.kind) {
	case PRINCIPAL_USER:
		a->kind = ACTOR_MEMBER;
		break;
	case PRINCIPAL_ADMIN:
	case PRINCIPAL_API_TOKEN:
		a->kind = ACTOR_ADMIN;
		break;
	default:
		a->kind = ACTOR_ANONYMOUS;
		break;
	}
	a->id = r->who.id;
	a->name = r->who.name;
	a->email = r->who.email;
	a->ip = r->remote_addr;
	/* inside "Login as User", the administrator is audited (audit.h) */
	a->impersonator_id = r->who.impersonated_by;
	a->impersonator = r->who.impersonator;
}

void
req_flow(struct req *r, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	f->db = r->db;
	f->cfg = r->cfg;
	req_actor(r, &f->who);
}

int
req_audit(struct req *r, long long client_id, const char *action,
    const struct audit_details *d)
{
	struct actor	a;

	req_actor(r, &a);
	return audit_record(r->db, &a, client_id, action, d);
}

void
reply_db_error(struct req *r)
{
	log_db_failure(r);
	switch (db_error(r->db)) {
	case DB_UNAVAILABLE:
		reply_header(r, "Retry-After", db_timed_out(r->db) ?
		    RETRY_AFTER_SLOW : RETRY_AFTER_DOWN);
		reply_err_msg(r, ERR_UNAVAILABLE, NULL, db_timed_out(r->db) ?
		    "The database is too slow to answer now; try again." :
		    "The service is temporarily unavailable; try again.");
		break;
	default:
		reply_err(r, ERR_INTERNAL, NULL);
		break;
	}
}

void
http_render(const struct req *r, struct buf *dst)
{
	buf_printf(dst, "Status: %d %s\r\n", r->status,
	    http_status_text(r->status));
	buf_puts(dst, "Cache-Control: no-store\r\n");
	buf_puts(dst, "X-Content-Type-Options: nosniff\r\n");
	if (r->out_type != NULL)
		buf_printf(dst, "Content-Type: %s\r\n", r->out_type);
	if (r->status != 204 && r->status != 304)
		buf_printf(dst, "Content-Length: %zu\r\n", r->out.len);
	if (r->head.len > 0)
		buf_append(dst, r->head.data, r->head.len);
	buf_puts(dst, "\r\n");
	if (r->out.len > 0 && r->status != 204)
		buf_append(dst, r->out.data, r->out.len);
}

bool
route_match(const char *pattern, const char *path, long long *ids, int *nids)
{
	const char	*p = pattern, *s = path;
	long long	 v;
	int		 n = 0, digits;

	while (*p != '\0') {
		if (strncmp(p, "{id}", 4) == 0) {
			/* a positive decimal integer without leading zero */
			if (*s < '1' || *s > '9')
				return false;
			v = 0;
			for (digits = 0; *s >= '0' && *s <= '9'; s++) {
				if (++digits > 18)
					return false;
				v = v * 10 + (*s - '0');
			}
			if (n >= HTTP_MAX_IDS)
				return false;
			ids[n++] = v;
			p += 4;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*s != '\0')
		return false;
	*nids = n;
	return true;
}

static bool
content_type_is_json(const char *ct)
{
	size_t	n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return false;
	/* allow parameters such as "; charset=utf-8" */
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

#define NUL_DEPTH	32

/*
 * True when a string of the JSON text s holds a \u0000 escape (cJSON would
 * cut the string there). The name of the object member whose value holds
 * it goes to field ("" when it is not a plain name, or sits in a key), so
 * the error names the field like every other refusal of its value.
 */
static bool
json_nul_member(const char *s, size_t n, char *field, size_t fieldlen)
{
	const char	*key[NUL_DEPTH];
	size_t		 keylen[NUL_DEPTH], i, j, start;
	char		 kind[NUL_DEPTH];
	int		 d = -1, e;
	bool		 nul, is_key;

	*field = '\0';
	for (i = 0; i < n; i++) {
		if (s[i] == '{' || s[i] == '[') {
			if (++d < NUL_DEPTH) {
				kind[d] = s[i];
				key[d] = NULL;
			}
			continue;
		}
		if (s[i] == '}' || s[i] == ']') {
			if (d >= 0)
				d--;
			continue;
		}
		if (s[i] != '"')
			continue;
		start = ++i;
		nul = false;
		for (; i < n && s[i] != '"'; i++) {
			if (s[i] != '\\' || i + 1 >= n)
				continue;
			if (s[i + 1] == 'u' && n - i >= 6 &&
			    strncasecmp(s + i + 2, "0000", 4) == 0)
				nul = true;
			i++;
		}
		for (j = i + 1; j < n && isspace((unsigned char)s[j]); j++)
			;
		is_key = j < n && s[j] == ':' && d >= 0 && d < NUL_DEPTH &&
		    kind[d] == '{';
		if (is_key) {
			key[d] = s + start;
			keylen[d] = i - start;
		}
		if (!nul)
			continue;
		for (e = d < NUL_DEPTH ? d : -1; !is_key && e >= 0 &&
		    kind[e] == '['; e--)
			;
		if (!is_key && e >= 0 && key[e] != NULL &&
		    keylen[e] < fieldlen &&
		    memchr(key[e], '\\', keylen[e]) == NULL) {
			memcpy(field, key[e], keylen[e]);
			field[keylen[e]] = '\0';
		}
		return true;
	}
	return false;
}

/* Returns 0, or -1 with 413, 415, 400 or 422 sent. */
static int
body_parse_or_reply(struct req *r)
{
	const char	*end = NULL;
	char		 field[64];

	if (r->body_too_large || r->content_length > HTTP_BODY_MAX ||
	    r->body_len > HTTP_BODY_MAX) {
		reply_err(r, ERR_PAYLOAD_TOO_LARGE, NULL);
		return -1;
	}
	if (r->body_len == 0)
		return 0;
	if (!content_type_is_json(r->content_type)) {
		reply_err(r, ERR_UNSUPPORTED_MEDIA_TYPE, NULL);
		return -1;
	}
	if (!utf8_valid(r->body, r->body_len)) {
		reply_err_msg(r, ERR_INVALID_JSON, NULL, "The request body "
		    "is not UTF-8.");
		return -1;
	}
	if (json_nul_member(r->body, r->body_len, field, sizeof(field))) {
		reply_err_msg(r, ERR_INVALID_INPUT,
		    *field != '\0' ? field : NULL,
		    "Text may not contain NUL characters.");
		return -1;
	}
	r->json = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, 0);
	if (r->json == NULL || end != r->body + r->body_len) {
		/* trailing whitespace is fine, anything else is not */
		while (r->json != NULL && end < r->body + r->body_len &&
		    isspace((unsigned char)*end))
			end++;
		if (r->json == NULL || end != r->body + r->body_len) {
			reply_err(r, ERR_INVALID_JSON, NULL);
			return -1;
		}
	}
	if (!cJSON_IsObject(r->json)) {
		reply_err_msg(r, ERR_INVALID_JSON, NULL, "The request body "
		    "must be a JSON object.");
		return -1;
	}
	return 0;
}

void
http_handle(struct req *r, const struct route *routes, size_t nroutes)
{
	struct buf	 allow = { 0 };
	size_t		 i;
	bool		 path_known = false;

	for (i = 0; i < nroutes; i++) {
		if (!route_match(routes[i].pattern, r->path, r->ids, &r->nids))
			continue;
		path_known = true;
		/* HEAD is a GET without its body (nginx drops the body) */
		if (strcmp(routes[i].method, r->method) == 0 ||
		    (strcmp(r->method, "HEAD") == 0 &&
		    strcmp(routes[i].method, "GET") == 0)) {
			r->route = &routes[i];
			break;
		}
		buf_printf(&allow, "%s%s", allow.len ? ", " : "",
		    routes[i].method);
	}
	if (r->route == NULL) {
		if (path_known) {
			reply_header(r, "Allow", allow.data);
			reply_err(r, ERR_METHOD_NOT_ALLOWED, NULL);
		} else
			reply_err(r, ERR_NOT_FOUND, NULL);
		buf_release(&allow);
		return;
	}
	buf_release(&allow);
	if (body_parse_or_reply(r) != 0)
		return;
	if (auth_check_or_reply(r) != 0)
		return;
	r->route->handler(r);
	if (!r->replied) {
		log_warnx("%s %s: handler sent no reply", r->method,
		    r->route->pattern);
		reply_err(r, ERR_INTERNAL, NULL);
	}
}

/* Decode n bytes of a query component. Caller frees; NULL if malformed. */
static char *
query_decode(const char *s, size_t n)
{
	struct buf	b = { 0 };
	size_t		i;
	int		hi, lo;
	char		c;

	buf_append(&b, "", 0);
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n || (hi = hex_value(s[i + 1])) < 0 ||
			    (lo = hex_value(s[i + 2])) < 0) {
				buf_release(&b);
				return NULL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
			if (c == '\0') {
				buf_release(&b);
				return NULL;
			}
		}
		buf_putc(&b, c);
	}
	/* PostgreSQL takes only UTF-8 text */
	if (!utf8_valid(b.data, b.len)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int
req_query(const struct req *r, const char *name, char **out)
{
	const char	*p = r->query, *amp, *eq;
	size_t		 nlen = strlen(name), klen;

	while (*p != '\0') {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = eq ? (size_t)(eq - p) : (size_t)(amp - p);
		if (klen == nlen && strncmp(p, name, nlen) == 0) {
			if (eq == NULL)
				*out = xstrdup("");
			else
				*out = query_decode(eq + 1,
				    (size_t)(amp - eq - 1));
			return *out ? 1 : -1;
		}
		p = *amp ? amp + 1 : amp;
	}
	return 0;
}

bool
req_cookie(const struct req *r, const char *name, char *dst, size_t dstlen)
{
	const char	*p = r->cookie, *end;
	size_t		 nlen = strlen(name), vlen;

	if (p == NULL)
		return false;
	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen = (size_t)(end - p) - nlen - 1;
			if (vlen + 1 > dstlen)
				return false;
			memcpy(dst, p + nlen + 1, vlen);
			dst[vlen] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}
