/*
 * twofactor.h: two-factor authentication (DESIGN §8.3) for users and
 * administrators alike: setting it up, turning it on and off, recovery
 * codes, the second step of a login (login_challenges), an
 * administrator's reset of a user's 2FA, and an account's require_2fa.
 *
 * The secret is sealed (secretbox.h, associated data "totp_user" or
 * "totp_admin") into users/admins.totp_sealed under the key the worker
 * loaded at start (twofactor_key_load); 2FA is on iff totp_enabled_at
 * is set; totp_last_step is the step of the last code accepted, read and
 * written under the row's lock, so a code is accepted once. Recovery
 * codes and challenges are stored as their SHA-256 only.
 *
 * Every flow is one transaction (flow.h) with its email ("Two-Factor
 * Authentication Changed") and its audit row. Passwords are the edge's
 * to check (the login throttle counts a wrong one), before these run.
 *
 * The states of a subject's 2FA:
 *   off ──setup──> pending (sealed, not on) ──enable + code──> on
 *   pending ──setup──> pending (a new secret)
 *   on ──disable + code, or an administrator's reset──> off
 */
#ifndef MEMBERD_TWOFACTOR_H
#define MEMBERD_TWOFACTOR_H

#include <stdbool.h>

#include "flow.h"
#include "model.h"
#include "token.h"
#include "totp.h"
#include "util.h"

struct config;
struct db;

/* How long the second step of a login may wait for its code. */
#define CHALLENGE_TTL_S		300
/* Wrong codes that kill a challenge (and count as a failed login). */
#define CHALLENGE_MAX_FAILURES	5

/*
 * Load the key of the configuration into this process. 0 when loaded;
 * -1 when none is configured or it is unusable (err says why): 2FA then
 * answers 500 with that reason, the rest of memberd works.
 */
int	twofactor_key_load(const struct config *, char *err, size_t errlen);
/* Forget the key (tests, shutdown). */
void	twofactor_key_forget(void);
/*
 * Is 2FA on for anyone, or set up by anyone (some totp_sealed)? 1 yes,
 * 0 no, -1 db error. For `memberd -t`.
 */
int	twofactor_in_use(struct db *) MUST_CHECK;

/* Whose 2FA: a user (users.id) or an administrator (admins.id). */
struct tf_subject {
	bool		 admin;
	long long	 id;
	const char	*email;		/* the account name in the app */
};

/* What setup answers. The caller releases with tf_setup_release. */
struct tf_setup {
	char		 secret[TOTP_SECRET_B32];
	struct buf	 uri;		/* otpauth://... */
	struct buf	 svg;		/* its QR code */
};
void	tf_setup_release(struct tf_setup *);

/* A fresh set of recovery codes, shown once. */
struct tf_codes {
	char		 code[RECOVERY_CODES][RECOVERY_CODE_MAX];
};
void	tf_codes_wipe(struct tf_codes *);

/*
 * A new secret for s, sealed, not on yet (a pending one is replaced).
 * ERR_FORBIDDEN when 2FA is on already (turn it off first);
 * ERR_INTERNAL without a key.
 */
enum err	twofactor_setup(struct flow *, const struct tf_subject *,
		    struct tf_setup *out) MUST_CHECK;
/*
 * Turn 2FA on with a code of the pending secret: ten recovery codes
 * into out, any older ones gone. ERR_FORBIDDEN when nothing is set up
 * or it is on already; ERR_INVALID_CODE.
 */
enum err	twofactor_enable(struct flow *, const struct tf_subject *,
		    const char *code, struct tf_codes *out) MUST_CHECK;
/*
 * Turn 2FA off with a code or, code NULL, a recovery code: the secret
 * and the recovery codes go. ERR_FORBIDDEN when it is not on;
 * ERR_INVALID_CODE.
 */
enum err	twofactor_disable(struct flow *, const struct tf_subject *,
		    const char *code, const char *recovery_code) MUST_CHECK;
/*
 * A new set of recovery codes for a code; the old set dies.
 * ERR_FORBIDDEN when 2FA is not on; ERR_INVALID_CODE.
 */
enum err	twofactor_recovery_renew(struct flow *,
		    const struct tf_subject *, const char *code,
		    struct tf_codes *out) MUST_CHECK;
/*
 * An administrator (the flow's actor) turns off the 2FA of user_id: the
 * secret and recovery codes go, the user is mailed, each account of the
 * user gets an audit row. Nothing changes (and nothing is sent) when it
 * was off. ERR_NOT_FOUND for no such user.
 */
enum err	twofactor_reset(struct flow *, long long user_id) MUST_CHECK;

/* A challenge as login answers it. */
struct tf_challenge {
	char		 token[TOKEN_LEN + 1];
	char		 expires_at[TEXT_TIME];
};
/*
 * The second step of a login of s, whose password was right: a
 * challenge valid CHALLENGE_TTL_S. One statement, no transaction.
 */
enum err	twofactor_challenge_new(struct flow *, bool admin,
		    long long id, const char *ip, const char *user_agent,
		    struct tf_challenge *out) MUST_CHECK;
/* What an answered challenge says. */
struct tf_answer {
	long long	 id;		/* the user or administrator */
	bool		 dead;		/* this wrong code killed it */
	bool		 recovery;	/* a recovery code was used */
};
/*
 * Answer challenge token with code, or (code NULL) recovery_code.
 * ERR_NONE: the code is used up and the challenge too, and the
 * TRANSACTION STAYS OPEN for the caller to add the session and commit.
 * ERR_INVALID_CODE: the challenge is unknown, used, expired or dead
 * (fault.field "challenge"), or the code is wrong, replayed or used
 * (the failure committed; out->dead when this one killed the challenge).
 */
enum err	twofactor_challenge_answer(struct flow *, bool admin,
		    const char *token, const char *code,
		    const char *recovery_code, struct tf_answer *out)
		    MUST_CHECK;

/*
 * Does client_id require 2FA? 1 yes, 0 no (or no such account), -1 db
 * error.
 */
int	twofactor_account_requires(struct db *, long long client_id)
	    MUST_CHECK;
/*
 * The settings of the active account client_id as the flow's actor (a
 * member) may see them: the owner or a holder of "users" (ERR_FORBIDDEN
 * otherwise).
 */
enum err	account_settings_get(struct flow *, long long client_id,
		    bool *require_2fa) MUST_CHECK;
/* Change them: the owner only (ERR_FORBIDDEN), audited. */
enum err	account_settings_set(struct flow *, long long client_id,
		    bool require_2fa) MUST_CHECK;

#endif
