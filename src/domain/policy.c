/* policy.c: who may change whose access; see policy.h. */
#include <stddef.h>

#include "policy.h"
#include "banned.h"

/* Set *why when asked for, and return e. */
static enum err
deny(enum err e, const char *sentence, const char **why)
{
	if (why != NULL)
		*why = sentence;
	return e;
}

void
policy_standing(enum actor_kind kind, bool member, bool owner,
    perms_t row_perms, struct standing *out)
{
	out->admin = kind == ACTOR_ADMIN;
	out->member = !out->admin && member;
	out->owner = out->member && owner;
	if (out->admin || out->owner)
		out->perms = PERMS_ALL;
	else
		out->perms = out->member ? row_perms : 0;
}

enum err
policy_manage(const struct standing *s, enum client_status st,
    const char **why)
{
	if (s->admin)
		return ERR_NONE;
	if (!s->member)
		return deny(ERR_FORBIDDEN, NULL, why);
	if (st == CLIENT_CLOSED)
		return deny(ERR_FORBIDDEN, MSG_CLOSED, why);
	if (!s->owner && !(s->perms & PERM_USERS))
		return deny(ERR_FORBIDDEN, "Only the owner or a user with the "
		    "\"Manage users\" permission can do this.", why);
	return ERR_NONE;
}

/* The owner is out of reach: protected, or not the delegate's to touch. */
static enum err
owner_untouchable(const struct standing *s, const char **why)
{
	if (s->admin || s->owner)
		return deny(ERR_OWNER_PROTECTED, NULL, why);
	return deny(ERR_FORBIDDEN, "Only the owner can change the owner's "
	    "access.", why);
}

/* A delegate never acts on someone who can do more than it can. */
static bool
within_reach(const struct standing *s, perms_t target)
{
	return (target & ~s->perms) == 0;
}

static enum err
check_invite(enum access_op op, const struct standing *s,
    enum client_status st, const struct target *t, perms_t grant,
    const char **why)
{
	/* its links would lead nowhere; an administrator reopens it first */
	if (op != OP_CANCEL && op != OP_DISMISS && st == CLIENT_CLOSED)
		return deny(ERR_FORBIDDEN, "This account is closed: reopen it "
		    "before inviting anyone to it.", why);
	if (op == OP_INVITE)
		return (grant & ~s->perms) == 0 ? ERR_NONE :
		    deny(ERR_FORBIDDEN, MSG_GRANT_OWN, why);
	if (t == NULL || !within_reach(s, t->perms))
		return deny(ERR_FORBIDDEN, "This invitation grants "
		    "permissions you do not hold.", why);
	if (op == OP_EDIT && (grant & ~s->perms) != 0)
		return deny(ERR_FORBIDDEN, MSG_GRANT_OWN, why);
	return ERR_NONE;
}

static enum err
check_member(enum access_op op, const struct standing *s,
    const struct target *t, perms_t grant, const char **why)
{
	if (t == NULL)
		return deny(ERR_NOT_FOUND, NULL, why);
	if (t->owner)
		return owner_untouchable(s, why);
	if (!within_reach(s, t->perms))
		return deny(ERR_FORBIDDEN, "This user can do more than you "
		    "can: ask the owner to change their access.", why);
	if (op == OP_UPDATE && ((grant & ~t->perms) & ~s->perms) != 0)
		return deny(ERR_FORBIDDEN, MSG_GRANT_OWN, why);
	return ERR_NONE;
}

enum err
policy_check(enum access_op op, const struct standing *s,
    enum client_status st, const struct target *t, perms_t grant,
    const char **why)
{
	enum err	e;

	if (op == OP_LEAVE) {
		/* leaving needs no right but membership */
		if (t == NULL)
			return deny(ERR_NOT_FOUND, NULL, why);
		return t->owner ? deny(ERR_OWNER_PROTECTED, NULL, why) :
		    ERR_NONE;
	}
	if ((e = policy_manage(s, st, why)) != ERR_NONE)
		return e;
	switch (op) {
	case OP_INVITE:
	case OP_RESEND:
	case OP_CANCEL:
	case OP_EDIT:
	case OP_DISMISS:
		return check_invite(op, s, st, t, grant, why);
	case OP_UPDATE:
	case OP_REMOVE:
		return check_member(op, s, t, grant, why);
	default:
		return deny(ERR_INTERNAL, NULL, why);
	}
}

bool
policy_loses_manage(perms_t old, perms_t new_perms)
{
	return (old & PERM_USERS) && !(new_perms & PERM_USERS);
}

enum err
policy_resend_state(enum invite_status st, long long wait_s,
    const char **why)
{
	if (st == INVITE_ACCEPTED)
		return deny(ERR_INVITE_USED, NULL, why);
	if (st == INVITE_CANCELLED)
		return deny(ERR_INVITE_CANCELLED, NULL, why);
	if (st == INVITE_DECLINED)
		return deny(ERR_INVITE_CANCELLED, MSG_DECLINED, why);
	if (wait_s > 0)
		return deny(ERR_RESEND_TOO_SOON, NULL, why);
	return ERR_NONE;
}

enum err
policy_cancel_state(enum invite_status st, const char **why)
{
	if (st == INVITE_ACCEPTED)
		return deny(ERR_INVITE_USED, "This invitation was accepted "
		    "already: remove the user's access instead.", why);
	if (st == INVITE_DECLINED)
		return deny(ERR_INVITE_CANCELLED, MSG_DECLINED, why);
	return ERR_NONE;
}

enum err
policy_edit_state(enum invite_status st, bool past, const char **why)
{
	if (st == INVITE_ACCEPTED)
		return deny(ERR_INVITE_USED, "This invitation was accepted "
		    "already: change the user's permissions instead.", why);
	if (st == INVITE_DECLINED)
		return deny(ERR_INVITE_CANCELLED, MSG_DECLINED, why);
	if (st == INVITE_CANCELLED)
		return deny(ERR_INVITE_CANCELLED, NULL, why);
	if (st == INVITE_EXPIRED || past)
		return deny(ERR_INVITE_EXPIRED, "This invitation has expired: "
		    "resend it, then change it.", why);
	return ERR_NONE;
}

enum err
policy_dismiss_state(enum invite_status st, bool past, const char **why)
{
	if (st == INVITE_ACCEPTED)
		return deny(ERR_INVITE_USED, NULL, why);
	if (st == INVITE_PENDING && !past)
		return deny(ERR_INVITE_PENDING, "This invitation is still "
		    "pending: cancel it instead.", why);
	return ERR_NONE;
}

enum err
policy_link_state(enum invite_status st, bool past, enum client_status cst,
    const char **why)
{
	if (st == INVITE_ACCEPTED)
		return deny(ERR_INVITE_USED, "This invitation has been used "
		    "already.", why);
	if (st == INVITE_CANCELLED)
		return deny(ERR_INVITE_CANCELLED, "This invitation was "
		    "cancelled. Ask whoever invited you if you still need "
		    "access.", why);
	if (st == INVITE_DECLINED)
		return deny(ERR_INVITE_CANCELLED, "This invitation was "
		    "declined: its link no longer works. Ask whoever invited "
		    "you to send a new one if you changed your mind.", why);
	if (st == INVITE_EXPIRED || past)
		return deny(ERR_INVITE_EXPIRED, NULL, why);
	if (cst == CLIENT_CLOSED)
		return deny(ERR_INVITE_CANCELLED, "The account of this "
		    "invitation is closed.", why);
	return ERR_NONE;
}

enum err
policy_pending_limit(long long pending, long limit, const char **why)
{
	if (pending >= limit)
		return deny(ERR_INVITE_LIMIT, NULL, why);
	return ERR_NONE;
}
