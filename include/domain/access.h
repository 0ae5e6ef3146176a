/*
 * access.h: every change of who may reach a client account, as domain
 * flows that know no HTTP. Each takes a flow (the database, the
 * configuration, who acts: flow.h) and is one transaction that locks the
 * client row (so changes to one account are serialised), reads the
 * actor's rights under that lock, asks the rules (policy.h), writes its
 * rows, its email and its audit entries, and commits; if any part fails
 * nothing is left behind. Each returns ERR_NONE with the object it
 * changed in *out, or the error, with f->fault saying why (the edge
 * answers it).
 *
 * The rules (DESIGN.md section 3) are policy.c's: the owner holds every
 * permission and can be neither restricted nor removed; a member holding
 * "users" may invite and manage others but grants only permissions it
 * holds, may not touch the owner, and acts only on members and
 * invitations within its own permissions. When a member loses the right
 * to manage users, its pending invitations are cancelled in the same
 * transaction. Invitation emails are capped per account
 * (invite_sends_per_day) and per recipient address (5) over 24 hours,
 * counted under the account's lock and the recipient's: ERR_INVITE_LIMIT
 * with retry_after.
 */
#ifndef MEMBERD_ACCESS_H
#define MEMBERD_ACCESS_H

#include "errors.h"
#include "flow.h"
#include "model.h"
#include "perms.h"
#include "util.h"

/*
 * Send an invitation to email for client_id with perms. ERR_NOT_FOUND
 * (client), ERR_FORBIDDEN, ERR_ALREADY_MEMBER, ERR_INVITE_PENDING (with
 * invite_id), ERR_INVITE_LIMIT (too many pending; or too many sent
 * today, with retry_after). An administrator without a name is named as
 * templates.c names one, never by the login address.
 */
enum err	access_invite_create(struct flow *, long long client_id,
		    const char *email, perms_t, struct invite *out) MUST_CHECK;
/* The same, the email greeting to_name ("Hello Erin,"; NULL: "Hello,"). */
enum err	access_invite_create_to(struct flow *, long long client_id,
		    const char *email, const char *to_name, perms_t,
		    struct invite *out) MUST_CHECK;
/*
 * A new token and a fresh validity for a pending or expired invitation.
 * scope: the only account it may be in (0 for an administrator: any).
 * ERR_NOT_FOUND, ERR_FORBIDDEN, ERR_INVITE_PENDING, ERR_INVITE_USED,
 * ERR_INVITE_CANCELLED, ERR_RESEND_TOO_SOON (with retry_after),
 * ERR_INVITE_LIMIT, ERR_ALREADY_MEMBER.
 */
enum err	access_invite_resend(struct flow *, long long scope,
		    long long invite_id, struct invite *out) MUST_CHECK;
/*
 * Cancel a pending invitation (a cancelled one comes back unchanged).
 * ERR_NOT_FOUND, ERR_FORBIDDEN, ERR_INVITE_USED.
 */
enum err	access_invite_cancel(struct flow *, long long scope,
		    long long invite_id, struct invite *out) MUST_CHECK;
/*
 * New permissions for a pending invitation, within the actor's rights
 * (a delegate edits only invitations within its own permissions, and
 * grants only what it holds); the token, its link and its validity stay
 * as they are, and no email is sent. ERR_NOT_FOUND, ERR_FORBIDDEN,
 * ERR_INVITE_USED, ERR_INVITE_CANCELLED (cancelled or declined),
 * ERR_INVITE_EXPIRED (resend it first).
 */
enum err	access_invite_update(struct flow *, long long scope,
		    long long invite_id, perms_t, struct invite *out) MUST_CHECK;
/*
 * Take an ended invitation off the Pending Invites list: an expired one
 * is cancelled, a declined one stays declined; both are marked
 * dismissed (a dismissed one comes back unchanged). ERR_NOT_FOUND,
 * ERR_FORBIDDEN, ERR_INVITE_PENDING (still usable: cancel it),
 * ERR_INVITE_USED.
 */
enum err	access_invite_dismiss(struct flow *, long long scope,
		    long long invite_id, struct invite *out) MUST_CHECK;
/*
 * Associate a user at once (Admin Area, Send Invite: no): by user_id, or
 * by email (an unknown email becomes a user without a password; a user
 * whose address is not verified is ERR_EMAIL_UNVERIFIED: anyone can
 * register any address). ERR_NOT_FOUND, ERR_ALREADY_MEMBER.
 */
enum err	access_member_add(struct flow *, long long client_id,
		    long long user_id, const char *email, perms_t,
		    struct member *out) MUST_CHECK;
/* The same, a user created for email taking first and last (NULL: ""). */
enum err	access_member_add_named(struct flow *, long long client_id,
		    long long user_id, const char *email, const char *first,
		    const char *last, perms_t, struct member *out) MUST_CHECK;
/* New permissions for a member. ERR_NOT_FOUND, ERR_FORBIDDEN,
 * ERR_OWNER_PROTECTED. */
enum err	access_member_update(struct flow *, long long client_id,
		    long long user_id, perms_t, struct member *out) MUST_CHECK;
/* Remove a member, or let a member leave. ERR_NOT_FOUND, ERR_FORBIDDEN,
 * ERR_OWNER_PROTECTED. */
enum err	access_member_remove(struct flow *, long long client_id,
		    long long user_id) MUST_CHECK;
/* Make a member the owner; the old owner keeps every permission.
 * ERR_NOT_FOUND. */
enum err	access_owner_change(struct flow *, long long client_id,
		    long long user_id, struct client *out) MUST_CHECK;

#endif
