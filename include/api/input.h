/*
 * input.h: reading fields of a JSON request body. Each reader validates
 * one field and, when it is wrong, sends 422 invalid_input naming the
 * field itself; handlers read straight down:
 *
 *	if (input_email_or_reply(r, r->json, "email", "email", email) < 0)
 *		return;
 *
 * Readers return 1 when the field is present and valid, 0 when it is
 * absent and optional, -1 when they replied (must-check: a handler that
 * ignored it would go on after a reply was sent). obj may be NULL (absent).
 * "field" is the name reported to the client ("owner.email").
 */
#ifndef MEMBERD_INPUT_H
#define MEMBERD_INPUT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "perms.h"
#include "validate.h"

struct req;

#define INPUT_STR_MAX	(16 * 1024)

int	input_string_or_reply(struct req *, const cJSON *obj, const char *name,
	    const char *field, bool required, const char **out) MUST_CHECK;
/* out: EMAIL_MAX + 1 bytes, trimmed. */
int	input_email_or_reply(struct req *, const cJSON *obj, const char *name,
	    const char *field, bool required, char *out) MUST_CHECK;
/* out: 4 * NAME_MAX_CHARS + 1 bytes; min_chars 0 allows "". */
int	input_name_or_reply(struct req *, const cJSON *obj, const char *name,
	    const char *field, bool required, size_t min_chars, char *out)
	    MUST_CHECK;
int	input_password_or_reply(struct req *, const cJSON *obj,
	    const char *name, const char *field, const char **out) MUST_CHECK;
/* A positive integer id. */
int	input_id_or_reply(struct req *, const cJSON *obj, const char *name,
	    const char *field, bool required, long long *out) MUST_CHECK;
int	input_bool_or_reply(struct req *, const cJSON *obj, const char *name,
	    const char *field, bool required, bool *out) MUST_CHECK;
int	input_perms_or_reply(struct req *, const cJSON *obj, const char *name,
	    const char *field, bool required, perms_t *out) MUST_CHECK;
/* A token of the right shape; any other string is "not found" later. */
int	input_token_or_reply(struct req *, const cJSON *obj, const char *name,
	    const char **out) MUST_CHECK;

/*
 * ?search= of a listing as a LIKE pattern matching text that contains it
 * (its %, _ and \\ escaped, so they match themselves), for SQL that
 * compares lower() of both sides: "" when absent or blank. At most SEARCH_MAX
 * bytes. 0 with *pat (caller frees), or -1 after replying 422.
 */
#define SEARCH_MAX	200
int	input_search_or_reply(struct req *, char **pat) MUST_CHECK;

/* ?page= of a listing: 1 when absent. 0, or -1 after replying 422. */
int	input_page_or_reply(struct req *, long *page) MUST_CHECK;

#endif
