/*
 * policy.h: the rules of DESIGN.md sections 3 to 5 on who may change
 * whose access, as pure functions: given the actor's standing on the
 * account, the account's state and the target's rights, allowed
 * (ERR_NONE) or which error, with the sentence to say in *why (a static
 * string; why may be NULL). No database, no HTTP: the flows of access.c
 * read the facts under the account's lock and ask here;
 * tests/unit/test_policy.c walks every rule.
 */
#ifndef MEMBERD_POLICY_H
#define MEMBERD_POLICY_H

#include <stdbool.h>

#include "errors.h"
#include "model.h"
#include "perms.h"
#include "util.h"

/* What an actor is on one account. */
struct standing {
	bool		 admin;		/* an administrator: every right */
	bool		 member;	/* has a membership row */
	bool		 owner;		/* the account's owner */
	perms_t		 perms;		/* what it holds: all for admin, owner */
};

/* The member or invitation acted upon. */
struct target {
	bool		 owner;		/* the account's owner */
	perms_t		 perms;		/* what it holds, or would grant */
};

enum access_op {
	OP_INVITE,	/* send an invitation granting `grant` */
	OP_RESEND,	/* resend the invitation `target` */
	OP_CANCEL,	/* cancel the invitation `target` */
	OP_UPDATE,	/* give the member `target` the permissions `grant` */
	OP_REMOVE,	/* remove the member `target` */
	OP_LEAVE,	/* the member `target` is the actor, leaving */
	OP_EDIT,	/* give the invitation `target` the permissions `grant` */
	OP_DISMISS,	/* take the ended invitation `target` off the list */
};

/*
 * The standing of an actor of this kind: member tells whether it has a
 * membership row, row_perms what that row says (ignored for the owner,
 * who holds every permission whatever the row says).
 */
void	 policy_standing(enum actor_kind, bool member, bool owner,
	    perms_t row_perms, struct standing *out);

/*
 * May the actor manage the users of the account at all? An administrator
 * always; a member when it is the owner or holds "users", and the
 * account is not closed. ERR_FORBIDDEN otherwise.
 */
enum err policy_manage(const struct standing *, enum client_status,
	    const char **why) MUST_CHECK;

/*
 * May the actor do op? target is NULL for OP_INVITE; grant is the new
 * permissions of OP_INVITE, OP_UPDATE and OP_EDIT. Checks policy_manage() first
 * (but for OP_LEAVE, which needs nothing but membership), then: no one
 * is invited to a closed account; one grants only what one holds; the
 * owner can be neither restricted nor removed (ERR_OWNER_PROTECTED for
 * an administrator, the owner itself or a leaving owner; ERR_FORBIDDEN
 * for a delegate); a delegate acts only on members and invitations whose
 * permissions are all among its own.
 */
enum err policy_check(enum access_op, const struct standing *,
	    enum client_status, const struct target *, perms_t grant,
	    const char **why) MUST_CHECK;

/* Does a change from old to new take away the right to manage users? */
bool	 policy_loses_manage(perms_t old, perms_t new_perms);

/*
 * May an invitation in this state be resent, wait_s seconds before its
 * cooldown ends (<= 0: over)? Accepted: ERR_INVITE_USED; cancelled:
 * ERR_INVITE_CANCELLED; too soon: ERR_RESEND_TOO_SOON. Pending and
 * expired ones may.
 */
enum err policy_resend_state(enum invite_status, long long wait_s,
	    const char **why) MUST_CHECK;
/* May it be cancelled? Not once accepted (ERR_INVITE_USED) or declined
 * (ERR_INVITE_CANCELLED: the invitee said no, which stays on record). */
enum err policy_cancel_state(enum invite_status, const char **why)
	    MUST_CHECK;
/*
 * May its permissions change (the link unchanged)? Only while pending
 * and not past its expiry: ERR_INVITE_USED, ERR_INVITE_CANCELLED
 * (cancelled or declined), ERR_INVITE_EXPIRED (resend it first).
 */
enum err policy_edit_state(enum invite_status, bool past, const char **why)
	    MUST_CHECK;
/*
 * May it be dismissed (taken off the list)? An expired (or pending past
 * expiry), declined or cancelled one may; ERR_INVITE_PENDING while it is
 * still usable (cancel it instead), ERR_INVITE_USED once accepted.
 */
enum err policy_dismiss_state(enum invite_status, bool past,
	    const char **why) MUST_CHECK;
/*
 * May its link be used (looked up, accepted) now? past: expires_at is
 * behind us. ERR_INVITE_USED, ERR_INVITE_CANCELLED (also when the
 * account is closed, or the invitee declined), ERR_INVITE_EXPIRED.
 */
enum err policy_link_state(enum invite_status, bool past, enum client_status,
	    const char **why) MUST_CHECK;
/*
 * One more pending invitation, with pending already pending and the
 * account's limit? ERR_INVITE_LIMIT at the limit.
 */
enum err policy_pending_limit(long long pending, long limit,
	    const char **why) MUST_CHECK;

#endif
