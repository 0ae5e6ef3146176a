/*
 * http.h: one HTTP request as memberd sees it, independent of FastCGI so
 * that routing, body checks and replies can be tested without a server.
 * fcgi.c fills the input side from the web server; http_handle() routes,
 * checks the body, authenticates and calls the handler; fcgi.c writes out
 * what the handler left in head and out.
 */
#ifndef MEMBERD_HTTP_H
#define MEMBERD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "errors.h"
#include "flow.h"
#include "model.h"
#include "json.h"
#include "util.h"

#define HTTP_BODY_MAX	(64 * 1024)
#define HTTP_MAX_IDS	4

struct audit_details;
struct config;
struct db;
struct req;

typedef void	(*handler_fn)(struct req *);

/* Who may call a route, and what it needs. */
#define AUTH_ANYONE	0x00	/* no session needed */
#define AUTH_USER	0x01	/* a user session */
#define AUTH_ADMIN	0x02	/* an admin session or API token */
#define AUTH_OPTIONAL	0x04	/* a user session when one is presented */
#define NEED_CSRF	0x10	/* cookie callers must send X-CSRF-Token */
/*
 * A user session that the handler resolves itself, in the one statement
 * that answers it (GET /authz): the generic step runs no query first.
 */
#define AUTH_SELF	0x20

struct route {
	const char	*method;
	const char	*pattern;	/* "{id}" matches a positive integer */
	unsigned	 flags;
	handler_fn	 handler;
};

struct req {
	/* from the web server; strings owned by the transport */
	const char	*method;
	const char	*path;		/* without the query */
	const char	*query;		/* may be empty, never NULL */
	const char	*content_type;
	const char	*cookie;	/* the Cookie header */
	const char	*csrf_header;
	const char	*authorization;
	const char	*remote_addr;
	const char	*user_agent;
	const char	*accept;		/* the Accept header, or NULL */
	char		 request_id[40];
	long		 content_length;	/* -1 when absent */
	const char	*body;
	size_t		 body_len;
	bool		 body_too_large;	/* the transport did not read it */

	/* filled by http_handle */
	const struct route *route;
	cJSON		*json;			/* the body object, or NULL */
	long long	 ids[HTTP_MAX_IDS];	/* {id} segments, in order */
	int		 nids;
	struct principal who;

	/* context */
	struct db	*db;
	const struct config *cfg;

	/* the reply */
	int		 status;
	bool		 replied;
	struct buf	 head;		/* extra header lines, CRLF-ended */
	struct buf	 out;		/* the body */
	const char	*out_type;	/* Content-Type of out */
};

/* Ready a request for the transport to fill. */
void	req_init(struct req *, struct db *, const struct config *);
/* Free what the request layer allocated (json, head, out). */
void	req_release(struct req *);

/* Route, check, authenticate and run the handler: r always has a reply. */
void	http_handle(struct req *, const struct route *, size_t nroutes);

/* Replies. Each sets r->replied; a second reply is a bug and is ignored. */
void	reply_json(struct req *, int status, cJSON *body);	/* frees body */
/* A body as it is, of Content-Type type (a static string); data copied. */
void	reply_body(struct req *, int status, const char *type,
	    const char *data, size_t len);
void	reply_empty(struct req *, int status);
/* {"kind": obj}: how a created or changed object comes back. Frees obj. */
void	reply_wrapped_json(struct req *, int status, const char *kind,
	    cJSON *obj);
/*
 * {"error": {code, message, field}} with the status of e (errors.h), its
 * default message; field NULL when no one input is at fault.
 */
void	reply_err(struct req *, enum err, const char *field);
/* The same with a more precise message (NULL: the default). */
void	reply_err_msg(struct req *, enum err, const char *field,
	    const char *message);
/* And with one integer more in the error object (invite_id). */
void	reply_err_id(struct req *, enum err, const char *field,
	    const char *message, const char *key, long long id);
/*
 * The answer to a domain flow's failure: the one place where a domain
 * error becomes HTTP (its status, code, sentence, field, invite_id, and
 * Retry-After for a 429 that knows when).
 */
void	reply_fault(struct req *, const struct fault *);
/* A flow for the request's caller: database, configuration, actor. */
void	req_flow(struct req *, struct flow *);
/* Record action by the request's caller (audit.h); details may be NULL. */
int	req_audit(struct req *, long long client_id, const char *action,
	    const struct audit_details *) MUST_CHECK;
/*
 * 503 unavailable with Retry-After when the database is away or too
 * slow (timeouts), else 500 internal: from db_error.
 */
void	reply_db_error(struct req *);
/* Retry-After (s) of a 503: the database is away, or too slow (timeouts). */
#define RETRY_AFTER_DOWN	"1"
#define RETRY_AFTER_SLOW	"5"
void	reply_header(struct req *, const char *name, const char *value);

/*
 * The full response as FastCGI/CGI output: "Status:", headers, blank line,
 * body. Appends to dst.
 */
void	http_render(const struct req *, struct buf *dst);
const char *http_status_text(int status);

/*
 * Query parameter name, percent-decoded. Returns 1 with *out set (caller
 * frees), 0 when absent, -1 when malformed (bad escape, a NUL byte, or
 * not UTF-8).
 */
int	req_query(const struct req *, const char *name, char **out);
/* Value of a cookie into dst. True when present and it fits. */
bool	req_cookie(const struct req *, const char *name, char *dst,
	    size_t dstlen);

/* A route pattern match; exposed for tests. Fills ids, returns true. */
bool	route_match(const char *pattern, const char *path, long long *ids,
	    int *nids);

#endif
