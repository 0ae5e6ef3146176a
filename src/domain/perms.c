/* perms.c: permission keys, and their PostgreSQL form and words. */
#include <string.h>

#include "perms.h"
#include "banned.h"

const struct perm_def perm_defs[PERM_COUNT] = {
#define PERM_DEF(name, key, label) [PERM_I_##name] = { key, label },
	PERM_TABLE(PERM_DEF)
#undef PERM_DEF
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
