/*
 * identity.h: the signed-in user's own identity (DESIGN §8.1, §8.2) as
 * domain flows that know no HTTP: the profile, a new password, the
 * email address (verification and change) and the user's sessions.
 * Each flow acts for f->who (ACTOR_MEMBER, the user) and is one
 * transaction with its emails and audit entries; it returns ERR_NONE or
 * the error with f->fault saying why. The caller has already checked
 * the current password where one is asked (login.h: it is throttled as
 * a login) and refused an impersonated session.
 *
 * email_verifications rows: a 24-hour link whose token only the email
 * holds (its SHA-256 is the row's). new_email NULL verifies the user's
 * address; set, it is the address to move to.
 *   unused ──link used──> used      (the address verified or changed)
 *   unused ──the address changed, a newer change asked──> used
 *   unused ──24 hours──> dead (expires_at)
 */
#ifndef MEMBERD_IDENTITY_H
#define MEMBERD_IDENTITY_H

#include <stdbool.h>

#include "flow.h"
#include "model.h"
#include "token.h"
#include "useragent.h"
#include "util.h"

#define VERIFY_TTL		(24 * 3600)	/* seconds a link works */
#define VERIFY_RESEND_EVERY	60		/* seconds between mails */

/* A session as GET /me/sessions shows it; "" for an unknown ip or agent. */
struct session_info {
	long long	 id;
	char		 created_at[TEXT_TIME];
	char		 last_seen_at[TEXT_TIME];
	char		 ip[64];
	char		 user_agent[USERAGENT_MAX + 1];
	bool		 has_ip;
	bool		 has_user_agent;
	bool		 current;	/* the session asking */
	bool		 impersonated;	/* made by "Login as User" */
};

/* New names (NULL keeps one). *out is the user after the change. */
enum err	identity_profile_update(struct flow *, const char *first,
		    const char *last, struct user *out) MUST_CHECK;
/*
 * The password hashed as phc, every other session of the user ended,
 * outstanding reset links used up, and the session session_id given a
 * new token (into token, TOKEN_LEN + 1 bytes).
 */
enum err	identity_password_change(struct flow *, long long session_id,
		    const char *phc, char *token) MUST_CHECK;
/*
 * Inside the caller's transaction: queue an Email Address Verification
 * of user_id's address to (first: the greeting). On failure the
 * transaction is rolled back.
 */
enum err	identity_verification_queue(struct flow *, long long user_id,
		    const char *to, const char *first) MUST_CHECK;
/*
 * Mail a new verification link unless the address is verified (*sent
 * false). ERR_RESEND_TOO_SOON (retry_after) within VERIFY_RESEND_EVERY
 * seconds of the last one.
 */
enum err	identity_verification_resend(struct flow *, bool *sent)
		    MUST_CHECK;
/*
 * Mail a link to new_email that moves the user there when used; earlier
 * unused change links die. ERR_EMAIL_TAKEN, ERR_INVALID_INPUT (the
 * address is already the user's).
 */
enum err	identity_email_change(struct flow *, const char *new_email)
		    MUST_CHECK;
/*
 * Use a verification link (anyone may: the token is the proof): the
 * address verified, or the change applied and "Email Address Changed"
 * queued to the old address. *out is the user after. ERR_TOKEN_INVALID
 * (unknown, used or expired), ERR_EMAIL_TAKEN (the new address was
 * taken meanwhile: the link stays usable).
 */
enum err	identity_email_verify(struct flow *, const char *token,
		    struct user *out) MUST_CHECK;

/*
 * each() live session of user_id, the current one first, then by last
 * use. 0, or -1 on a database error.
 */
int		identity_sessions_list(struct db *, const struct config *,
		    long long user_id, long long current,
		    void (*each)(const struct session_info *, void *),
		    void *arg) MUST_CHECK;
/* End one session of the user. ERR_NOT_FOUND. */
enum err	identity_session_end(struct flow *, long long session_id)
		    MUST_CHECK;
/* End every session of the user but keep. */
enum err	identity_sessions_end_others(struct flow *, long long keep)
		    MUST_CHECK;

#endif
