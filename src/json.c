/* json.c: integers into cJSON objects without floating point. */
#include <stdio.h>

#include "json.h"
#include "banned.h"

cJSON *
json_add_int(cJSON *obj, const char *key, long long v)
{
	char	num[24];

	snprintf(num, sizeof(num), "%lld", v);
	return cJSON_AddRawToObject(obj, key, num);
}
