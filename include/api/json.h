/*
 * json.h: what memberd adds to cJSON. Ids and counts are integers; cJSON
 * keeps numbers as doubles and prints each through printf and sscanf,
 * which long lists make costly, so integers go in as raw JSON text.
 */
#ifndef MEMBERD_JSON_H
#define MEMBERD_JSON_H

#include <cjson/cJSON.h>

#include "perms.h"

/* Add key: v to obj. Returns the new item (owned by obj). */
cJSON	*json_add_int(cJSON *obj, const char *key, long long v);

/*
 * Permissions from JSON: "all" or an array of known keys, never empty.
 * Returns 0 with *out set, or -1 with a reason in why (a static string).
 */
int	 perms_from_json(const cJSON *, perms_t *out, const char **why);
/* A JSON array of keys, in the order of the table. The caller owns it. */
cJSON	*perms_to_json(perms_t);

#endif
