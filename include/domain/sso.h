/*
 * sso.h: SSO links (DESIGN §9, WHMCS's CreateSsoToken): an administrator
 * (or a control panel with an API token) asks for a one-use link that
 * signs a user in and lands on a path of this site. The token travels
 * in the link's fragment ({public_url}/sso#{token}); the sso_tokens
 * table holds only its SHA-256, and it is good once, for SSO_TTL_S
 * seconds.
 */
#ifndef MEMBERD_SSO_H
#define MEMBERD_SSO_H

#include "errors.h"
#include "flow.h"
#include "model.h"
#include "token.h"
#include "util.h"
#include "validate.h"

#define SSO_TTL_S	60

/* A new link for a user. */
struct sso_link {
	char	 token[TOKEN_LEN + 1];	/* shown once; the caller wipes it */
	char	 expires_at[TEXT_TIME];
};

/*
 * A link for user_id, landing on destination (a path local_path_check()
 * allows) with client_id (0: none) made active; audited on the user's
 * accounts as "sso_token_created". ERR_NOT_FOUND (no such user, field
 * NULL; client_id not an account of theirs, field "client_id"),
 * ERR_USER_DISABLED, ERR_FORBIDDEN (a closed account).
 */
enum err sso_create(struct flow *, long long user_id, long long client_id,
	    const char *destination, struct sso_link *out) MUST_CHECK;

/* A link used: whom it signs in, where it lands. */
struct sso_use {
	long long	 user_id;
	long long	 client_id;	/* 0: none */
	char		 destination[LOCAL_PATH_MAX + 1];
};

/*
 * Inside the caller's transaction: use the link of token up (whether or
 * not the caller then commits, a second use finds it used only once the
 * first commits). 1 taken (*out set), 0 used, expired or unknown, 2 its
 * user is disabled (the caller rolls back: nothing taken), -1 database
 * error.
 */
int	 sso_take(struct db *, const char *token, struct sso_use *out)
	    MUST_CHECK;

#endif
