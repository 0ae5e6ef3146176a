/*
 * json.h: what memberd adds to cJSON. Ids and counts are integers; cJSON
 * keeps numbers as doubles and prints each through printf and sscanf,
 * which long lists make costly, so integers go in as raw JSON text.
 */
#ifndef MEMBERD_JSON_H
#define MEMBERD_JSON_H

#include <cjson/cJSON.h>

/* Add key: v to obj. Returns the new item (owned by obj). */
cJSON	*json_add_int(cJSON *obj, const char *key, long long v);

#endif
