/*
 * perms.h: the per-account permission keys of DESIGN.md §3 as a bit set.
 * Requests say a list of keys or "all"; responses always list keys, in
 * the order of the table; PostgreSQL keeps them as text[] in that order.
 */
#ifndef MEMBERD_PERMS_H
#define MEMBERD_PERMS_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util.h"

typedef uint32_t perms_t;

#define PERM_COUNT	14
#define PERMS_ALL	((perms_t)((1u << PERM_COUNT) - 1))

struct perm_def {
	const char	*key;
	const char	*label;
};

extern const struct perm_def	perm_defs[PERM_COUNT];

/* The bit of a key, or 0 when the key is unknown. */
perms_t	perm_bit(const char *key);
/* The bit of "users": the right to manage users and invitations. */
#define PERM_USERS	perm_bit("users")

/*
 * From JSON: "all" or an array of known keys, never empty. Returns 0 with
 * *out set, or -1 with a reason in why (a static string).
 */
int	perms_from_json(const cJSON *, perms_t *out, const char **why);
/* A JSON array of keys. The caller owns it. */
cJSON	*perms_to_json(perms_t);
/* PostgreSQL text[] literal "{profile,contacts}" into buf. */
void	perms_to_pg(perms_t, struct buf *);
/* "View domains, View and pay invoices": the words of a set, for emails. */
void	perms_words(perms_t, struct buf *);
/* Parse a PostgreSQL text[] of keys; unknown keys are ignored. */
perms_t	perms_from_pg(const char *);

#endif
