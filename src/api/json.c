/* json.c: integers and permissions into cJSON, and back. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "banned.h"

cJSON *
json_add_int(cJSON *obj, const char *key, long long v)
{
	char	num[24];

	snprintf(num, sizeof(num), "%lld", v);
	return cJSON_AddRawToObject(obj, key, num);
}

int
perms_from_json(const cJSON *j, perms_t *out, const char **why)
{
	const cJSON	*e;
	perms_t		 p = 0, bit;

	if (cJSON_IsString(j) && strcmp(j->valuestring, "all") == 0) {
		*out = PERMS_ALL;
		return 0;
	}
	if (!cJSON_IsArray(j)) {
		*why = "Permissions must be \"all\" or a list of keys.";
		return -1;
	}
	cJSON_ArrayForEach(e, j) {
		if (!cJSON_IsString(e) || (bit = perm_bit(e->valuestring)) == 0) {
			*why = "Permissions hold an unknown key.";
			return -1;
		}
		p |= bit;
	}
	if (p == 0) {
		*why = "Choose at least one permission.";
		return -1;
	}
	*out = p;
	return 0;
}

cJSON *
perms_to_json(perms_t p)
{
	cJSON	*a = cJSON_CreateArray();
	int	 i;

	for (i = 0; i < PERM_COUNT; i++)
		if (p & ((perms_t)1 << i))
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(perm_defs[i].key));
	return a;
}
