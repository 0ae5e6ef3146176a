/*
 * apitoken.h: administrators' API tokens for server-to-server calls
 * (Authorization: Bearer). memberctl issues them; only the SHA-256 is kept.
 */
#ifndef MEMBERD_APITOKEN_H
#define MEMBERD_APITOKEN_H

#include "auth.h"
#include "token.h"

struct db;

/* Resolve a bearer token. 1 found and not revoked, 0 not, -1 db error. */
int	apitoken_find(struct db *, const char *token, struct principal *who)
	    MUST_CHECK;
/* A new token for the admin with that email, into token (TOKEN_LEN + 1).
 * 1 issued, 0 no such admin, -1 db error. */
int	apitoken_issue(struct db *, const char *admin_email, char *token)
	    MUST_CHECK;
/* Revoke every token of that admin. Returns how many, or -1. */
int	apitoken_revoke_all(struct db *, const char *admin_email) MUST_CHECK;

#endif
