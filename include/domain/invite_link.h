/*
 * invite_link.h: what the link of an invitation email leads to, as domain
 * flows that know no HTTP: finding the invitation of a token (the
 * invitation page's lookup, and the first step of acceptance), declining
 * it, and the writes of accepting it. The token is never stored: only its
 * SHA-256 (token.h) is looked up. A link is usable while its invitation is
 * pending, before expires_at, and its account not closed
 * (policy_link_state); otherwise ERR_INVITE_NOT_FOUND (no such token:
 * unknown, or replaced by a resend), ERR_INVITE_USED, ERR_INVITE_CANCELLED
 * (cancelled, declined, or the account closed), ERR_INVITE_EXPIRED, each
 * with f->fault saying why in words and naming the field "token".
 */
#ifndef MEMBERD_INVITE_LINK_H
#define MEMBERD_INVITE_LINK_H

#include <stdbool.h>

#include "errors.h"
#include "flow.h"
#include "model.h"
#include "perms.h"
#include "util.h"

/* An invitation as its link shows it. */
struct invite_link {
	long long	 id;
	long long	 client_id;
	char		 email[TEXT_EMAIL];
	perms_t		 perms;
	char		 client_name[DISPLAY_NAME_MAX + 1];
	char		 inviter[DISPLAY_NAME_MAX + 1];	/* as the email named them */
	enum actor_kind	 inviter_kind;		/* ACTOR_ADMIN or ACTOR_MEMBER */
	char		 expires_at[TEXT_TIME];
	bool		 require_2fa;	/* the account's (DESIGN §8.3) */
};

/*
 * The usable invitation of token into *out. With lock, inside a
 * transaction the caller began and in which it locked the account first
 * (clients_lock: an account is locked before its invitations), the
 * invitation's row is locked too; a failure rolls that transaction back.
 * Without lock it changes nothing.
 */
enum err	invite_link_find(struct flow *, const char *token, bool lock,
		    struct invite_link *out) MUST_CHECK;

/*
 * The invitee declines: one transaction that locks the account, then the
 * invitation, finds it usable, marks it declined (its link dead from now
 * on) and writes the audit entry "invite_declined" naming the flow's
 * actor (anyone holding the link; ACTOR_ANONYMOUS when signed out).
 * *out is the invitation as it was.
 */
enum err	access_invite_decline(struct flow *, const char *token,
		    struct invite_link *out) MUST_CHECK;

/*
 * Inside the caller's transaction, after invite_link_find(lock): make
 * user_id (whose address is email) a member with the invitation's
 * permissions, mark the invitation accepted, mark the address verified
 * when it is the invited one (the link reached that mailbox), and audit
 * "invite_accepted". ERR_USER_DISABLED (the user was disabled
 * meanwhile: the user's row is share-locked, so a disabling waits or
 * comes first), ERR_ALREADY_MEMBER (the invitation stays pending) or a
 * database error, rolled back; ERR_NONE leaves the transaction open
 * for the caller to commit.
 */
enum err	invite_link_accept(struct flow *, const struct invite_link *,
		    long long user_id, const char *email) MUST_CHECK;

#endif
