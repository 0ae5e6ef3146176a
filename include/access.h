/*
 * access.h: every change of who may reach a client account. Each function
 * is one transaction that locks the client row (so changes to one account
 * are serialised), re-checks the actor's rights under that lock, writes
 * its rows, its email and its audit entries, and commits; if any part
 * fails nothing is left behind. On failure the reply is already sent and
 * the function returns -1; on success it returns 0 and the handler sends
 * the object it was given.
 *
 * Rules (DESIGN.md section 3): the owner holds every permission and can be
 * neither restricted nor removed (409 owner_protected); a member holding
 * "users" may invite and manage others but grants only permissions it
 * holds and may not touch the owner (403 forbidden). When a member loses
 * the right to manage users, its pending invitations are cancelled in the
 * same transaction.
 */
#ifndef MEMBERD_ACCESS_H
#define MEMBERD_ACCESS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "perms.h"

struct req;

/*
 * Send an invitation to email for client_id with perms. 0 with *invite
 * set; 404 not_found (client), 403, 409 already_member | invite_pending
 * (with invite_id), 429 invite_limit.
 */
int	access_invite_create_or_reply(struct req *, enum actor_kind,
	    long long client_id, const char *email, perms_t perms,
	    cJSON **invite);
/*
 * A new token and a fresh validity for a pending or expired invitation.
 * client_id 0 for an administrator (any account). 404 not_found, 403,
 * 409 invite_pending, 410 invite_used | invite_cancelled, 429
 * resend_too_soon (Retry-After) | invite_limit.
 */
int	access_invite_resend_or_reply(struct req *, enum actor_kind,
	    long long client_id, long long invite_id, cJSON **invite);
/* Cancel a pending invitation. 404 not_found, 410 invite_used. */
int	access_invite_cancel_or_reply(struct req *, enum actor_kind,
	    long long client_id, long long invite_id, cJSON **invite);
/*
 * Associate a user at once (Admin Area, Send Invite: no): by user_id, or
 * by email (an unknown email becomes a user without a password). 404, 409
 * already_member.
 */
int	access_member_add_or_reply(struct req *, long long client_id,
	    long long user_id, const char *email, perms_t perms,
	    cJSON **member);
/* New permissions for a member. 404, 403, 409 owner_protected. */
int	access_member_update_or_reply(struct req *, enum actor_kind,
	    long long client_id, long long user_id, perms_t perms,
	    cJSON **member);
/* Remove a member, or let a member leave. 404, 403, 409 owner_protected. */
int	access_member_remove_or_reply(struct req *, enum actor_kind,
	    long long client_id, long long user_id);
/* Make a member the owner; the old owner keeps every permission. */
int	access_owner_change_or_reply(struct req *, long long client_id,
	    long long user_id, cJSON **client);

#endif
