/* perms.c: permission keys, and their JSON and PostgreSQL forms. */
#include <string.h>

#include "perms.h"
#include "banned.h"

const struct perm_def perm_defs[PERM_COUNT] = {
	{ "profile", "Modify master account profile" },
	{ "contacts", "View and manage contacts" },
	{ "products", "View products and services" },
	{ "manageproducts", "View and modify product passwords" },
	{ "productsso", "Perform single sign-on" },
	{ "domains", "View domains" },
	{ "managedomains", "Manage domain settings" },
	{ "invoices", "View and pay invoices" },
	{ "quotes", "View and accept quotes" },
	{ "tickets", "View and open support tickets" },
	{ "affiliates", "View and manage affiliate account" },
	{ "emails", "View emails" },
	{ "orders", "Place new orders, upgrades and cancellations" },
	{ "users", "Manage users and invitations" },
};

perms_t
perm_bit(const char *key)
{
	int	i;

	for (i = 0; i < PERM_COUNT; i++)
		if (strcmp(perm_defs[i].key, key) == 0)
			return (perms_t)1 << i;
	return 0;
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

void
perms_to_pg(perms_t p, struct buf *b)
{
	int	i, n = 0;

	buf_putc(b, '{');
	for (i = 0; i < PERM_COUNT; i++)
		if (p & ((perms_t)1 << i)) {
			if (n++ > 0)
				buf_putc(b, ',');
			buf_puts(b, perm_defs[i].key);
		}
	buf_putc(b, '}');
}

perms_t
perms_from_pg(const char *s)
{
	char	 key[32];
	size_t	 n = 0;
	perms_t	 p = 0;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '{' || *s == '"')
			continue;
		if (*s == ',' || *s == '}') {
			key[n] = '\0';
			p |= perm_bit(key);
			n = 0;
			continue;
		}
		if (n + 1 < sizeof(key))
			key[n++] = *s;
	}
	return p;
}

void
perms_words(perms_t p, struct buf *b)
{
	int	i, n = 0;

	if (p == PERMS_ALL) {
		buf_puts(b, "All permissions");
		return;
	}
	for (i = 0; i < PERM_COUNT; i++)
		if (p & ((perms_t)1 << i)) {
			buf_puts(b, n++ ? ", " : "");
			buf_puts(b, perm_defs[i].label);
		}
}
