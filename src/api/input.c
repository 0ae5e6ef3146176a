/* input.c: field readers that answer 422 themselves; see input.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "input.h"
#include "perms.h"
#include "validate.h"
#include "banned.h"

/* The item, NULL when absent (JSON null counts as absent). */
static const cJSON *
item(const cJSON *obj, const char *name)
{
	const cJSON	*j;

	if (obj == NULL || !cJSON_IsObject(obj))
		return NULL;
	j = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsNull(j) ? NULL : j;
}

static int
missing(struct req *r, const char *field, bool required)
{
	char	msg[128];

	if (!required)
		return 0;
	snprintf(msg, sizeof(msg), "%s is required.", field);
	reply_err_msg(r, ERR_INVALID_INPUT, field, msg);
	return -1;
}

int
input_string_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char *field, bool required, const char **out)
{
	const cJSON	*j = item(obj, name);

	if (j == NULL)
		return missing(r, field, required);
	if (!cJSON_IsString(j)) {
		reply_err_msg(r, ERR_INVALID_INPUT, field,
		    "Expected a string.");
		return -1;
	}
	if (strlen(j->valuestring) > INPUT_STR_MAX) {
		reply_err_msg(r, ERR_INVALID_INPUT, field,
		    "The value is too long.");
		return -1;
	}
	*out = j->valuestring;
	return 1;
}

int
input_email_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char *field, bool required, char *out)
{
	const char	*s, *why;
	int		 rc;

	if ((rc = input_string_or_reply(r, obj, name, field, required, &s)) <= 0)
		return rc;
	if ((why = email_check(s, out, EMAIL_MAX + 1)) != NULL) {
		reply_err_msg(r, ERR_INVALID_INPUT, field, why);
		return -1;
	}
	return 1;
}

int
input_name_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char *field, bool required, size_t min_chars, char *out)
{
	const char	*s, *why;
	int		 rc;

	if ((rc = input_string_or_reply(r, obj, name, field, required, &s)) <= 0)
		return rc;
	if ((why = name_check(s, out, 4 * NAME_MAX_CHARS + 1, min_chars,
	    NAME_MAX_CHARS)) != NULL) {
		reply_err_msg(r, ERR_INVALID_INPUT, field, why);
		return -1;
	}
	return 1;
}

int
input_password_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char *field, const char **out)
{
	const char	*why;
	int		 rc;

	if ((rc = input_string_or_reply(r, obj, name, field, true, out)) <= 0)
		return rc;
	if ((why = password_check(*out)) != NULL) {
		reply_err_msg(r, ERR_INVALID_INPUT, field, why);
		return -1;
	}
	return 1;
}

int
input_id_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char *field, bool required, long long *out)
{
	const cJSON	*j = item(obj, name);
	double		 v;

	if (j == NULL)
		return missing(r, field, required);
	v = cJSON_IsNumber(j) ? j->valuedouble : -1;
	if (!(v >= 1 && v <= 9007199254740991.0) || floor(v) != v) {
		reply_err_msg(r, ERR_INVALID_INPUT, field, "Expected a "
		    "positive integer id.");
		return -1;
	}
	*out = (long long)v;
	return 1;
}

int
input_bool_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char *field, bool required, bool *out)
{
	const cJSON	*j = item(obj, name);

	if (j == NULL)
		return missing(r, field, required);
	if (!cJSON_IsBool(j)) {
		reply_err_msg(r, ERR_INVALID_INPUT, field, "Expected true or "
		    "false.");
		return -1;
	}
	*out = cJSON_IsTrue(j);
	return 1;
}

int
input_perms_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char *field, bool required, perms_t *out)
{
	const cJSON	*j = item(obj, name);
	const char	*why = NULL;

	if (j == NULL)
		return missing(r, field, required);
	if (perms_from_json(j, out, &why) != 0) {
		reply_err_msg(r, ERR_INVALID_INPUT, field, why);
		return -1;
	}
	return 1;
}

int
input_token_or_reply(struct req *r, const cJSON *obj, const char *name,
    const char **out)
{
	return input_string_or_reply(r, obj, name, name, true, out);
}

int
input_page_or_reply(struct req *r, long *page)
{
	char	*s = NULL;
	int	 rc;

	*page = 1;
	if ((rc = req_query(r, "page", &s)) == 0)
		return 0;
	if (rc < 0 || !parse_long(s, 1, 1000000, page)) {
		free(s);
		reply_err_msg(r, ERR_INVALID_INPUT, "page", MSG_BAD_PAGE);
		return -1;
	}
	free(s);
	return 0;
}

int
input_search_or_reply(struct req *r, char **pat)
{
	struct buf	 b = { 0 };
	char		*s = NULL;
	const char	*p;
	int		 rc;

	*pat = NULL;
	if ((rc = req_query(r, "search", &s)) < 0 ||
	    (rc == 1 && strlen(s) > SEARCH_MAX)) {
		free(s);
		reply_err_msg(r, ERR_INVALID_INPUT, "search", "The search is "
		    "malformed or too long.");
		return -1;
	}
	buf_puts(&b, "");
	p = s != NULL ? str_trim(s) : "";
	if (*p != '\0') {
		buf_putc(&b, '%');
		for (; *p != '\0'; p++) {
			/* LIKE's wildcards and its escape match themselves */
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_putc(&b, '%');
	}
	free(s);
	*pat = buf_detach(&b);
	return 0;
}
