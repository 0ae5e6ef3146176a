/*
 * perms.h: the per-account permission keys of DESIGN.md §3 as a bit set.
 * Requests say a list of keys or "all"; responses always list keys, in
 * the order of the table; PostgreSQL keeps them as text[] in that order.
 * Their JSON forms are in json.h.
 */
#ifndef MEMBERD_PERMS_H
#define MEMBERD_PERMS_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

typedef uint32_t perms_t;

/*
 * The keys in the order of the table (and of memberd_permission_keys() in
 * sql/002_identity.sql): X(NAME, "key", "words"). The enum of bits and
 * the key table below are both made from this one list.
 */
#define PERM_TABLE(X) \
	X(PROFILE, "profile", "Modify master account profile") \
	X(CONTACTS, "contacts", "View and manage contacts") \
	X(PRODUCTS, "products", "View products and services") \
	X(MANAGEPRODUCTS, "manageproducts", \
	    "View and modify product passwords") \
	X(PRODUCTSSO, "productsso", "Perform single sign-on") \
	X(DOMAINS, "domains", "View domains") \
	X(MANAGEDOMAINS, "managedomains", "Manage domain settings") \
	X(INVOICES, "invoices", "View and pay invoices") \
	X(QUOTES, "quotes", "View and accept quotes") \
	X(TICKETS, "tickets", "View and open support tickets") \
	X(AFFILIATES, "affiliates", "View and manage affiliate account") \
	X(EMAILS, "emails", "View emails") \
	X(ORDERS, "orders", "Place new orders, upgrades and cancellations") \
	X(USERS, "users", "Manage users and invitations")

enum perm_index {
#define PERM_INDEX(name, key, label) PERM_I_##name,
	PERM_TABLE(PERM_INDEX)
#undef PERM_INDEX
	PERM_COUNT
};

/* PERM_PROFILE ... PERM_USERS: one bit each. */
enum {
#define PERM_BIT(name, key, label) PERM_##name = 1u << PERM_I_##name,
	PERM_TABLE(PERM_BIT)
#undef PERM_BIT
};

#define PERMS_ALL	((perms_t)((1u << PERM_COUNT) - 1))

_Static_assert(PERM_COUNT == 14, "DESIGN.md section 3: 13 keys and users");
_Static_assert(PERM_COUNT <= sizeof(perms_t) * 8, "perms_t holds every bit");
_Static_assert(PERM_USERS == (perms_t)1 << (PERM_COUNT - 1),
    "users is the last key, as in memberd_permission_keys()");

struct perm_def {
	const char	*key;
	const char	*label;
};

extern const struct perm_def	perm_defs[PERM_COUNT];

/* The bit of a key, or 0 when the key is unknown. */
perms_t	perm_bit(const char *key);

/* PostgreSQL text[] literal "{profile,contacts}" into buf. */
void	perms_to_pg(perms_t, struct buf *);
/* "View domains, View and pay invoices": the words of a set, for emails. */
void	perms_words(perms_t, struct buf *);
/* Parse a PostgreSQL text[] of keys; unknown keys are ignored. */
perms_t	perms_from_pg(const char *);

#endif
