/*
 * client_admin.h: an administrator's changes to a client account's
 * profile (DESIGN §9): company and contact names, and the status. One
 * transaction under the account's lock (clients.h) with its audit entry.
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
