/*
 * client_admin.h: an administrator's client accounts: creating one with
 * its owner (DESIGN §4), finding them, and changing a profile (DESIGN
 * §9): company and contact names, and the status. Each change is one
 * transaction (a profile's under the account's lock, clients.h) with its
 * audit entry.
 * Closing an account cancels its pending invitations (each audited) and
 * leaves no session acting in it: a closed account is reached by nobody
 * (/me lists it, not selectable; /me/active-account refuses it).
 */
#ifndef MEMBERD_CLIENT_ADMIN_H
#define MEMBERD_CLIENT_ADMIN_H

#include "errors.h"
#include "flow.h"
#include "model.h"
#include "util.h"

struct db;

#define CLIENTS_PER_PAGE	25

/* A new client account and its owner: owner_user_id, else the user of
 * owner_email (created without a password when nobody has it, named
 * owner_first and owner_last). Strings are borrowed. */
struct client_new {
	const char		*company_name;
	const char		*first_name;
	const char		*last_name;
	enum client_status	 status;
	long long		 owner_user_id;
	const char		*owner_email;
	const char		*owner_first;
	const char		*owner_last;
};

/*
 * Create the account with its owner as a member holding every
 * permission, audited "client_created" (owner_bound_by says how the
 * owner was given). ERR_NOT_FOUND (field owner.user_id),
 * ERR_EMAIL_UNVERIFIED (field owner.email: an existing user whose
 * address is unverified is never bound by it; anyone can register any
 * address).
 */
enum err client_admin_create(struct flow *, const struct client_new *,
	    struct client *out) MUST_CHECK;

/*
 * Page page (from 1) of the accounts whose company, contact name or
 * owner's address holds search (case-insensitive, % and _ literal; ""
 * for all), by company: *total and each(). 0, or -1 on a db error.
 */
int	 client_admin_search(struct db *, const char *search, long page,
	    long long *total, void (*each)(const struct client *, void *),
	    void *arg) MUST_CHECK;

/* What PATCH /admin/clients/{id} changes; NULL or has_status false:
 * unchanged. */
struct client_patch {
	const char		*company_name;
	const char		*first_name;
	const char		*last_name;
	bool			 has_status;
	enum client_status	 status;
};

/* Apply p to client id, into *out. ERR_NOT_FOUND. */
enum err client_admin_update(struct flow *, long long id,
	    const struct client_patch *p, struct client *out) MUST_CHECK;

#endif
