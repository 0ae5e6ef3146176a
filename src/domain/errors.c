/* errors.c: the table of API errors; see errors.h. */
#include <stddef.h>

#include "errors.h"
#include "util.h"
#include "banned.h"

static const struct err_def defs[] = {
	[ERR_NONE] = { 200, "ok", "" },
	[ERR_INVALID_JSON] = { 400, "invalid_json",
	    "The request body is not valid JSON." },
	[ERR_INVALID_INPUT] = { 422, "invalid_input",
	    "This value is not valid." },
	[ERR_UNSUPPORTED_MEDIA_TYPE] = { 415, "unsupported_media_type",
	    "The request body must be application/json." },
	[ERR_PAYLOAD_TOO_LARGE] = { 413, "payload_too_large",
	    "The request body is larger than 64 KiB." },
	[ERR_NOT_AUTHENTICATED] = { 401, "not_authenticated",
	    "Sign in to continue." },
	[ERR_INVALID_CREDENTIALS] = { 401, "invalid_credentials",
	    "The email or password is not correct." },
	[ERR_CSRF_FAILED] = { 403, "csrf_failed",
	    "The request lacks a valid X-CSRF-Token header." },
	[ERR_FORBIDDEN] = { 403, "forbidden",
	    "You do not have access to this account." },
	[ERR_NOT_FOUND] = { 404, "not_found", "No such resource." },
	[ERR_METHOD_NOT_ALLOWED] = { 405, "method_not_allowed",
	    "This method is not allowed on this path." },
	[ERR_EMAIL_TAKEN] = { 409, "email_taken",
	    "A user with this email already exists: sign in instead." },
	[ERR_ALREADY_MEMBER] = { 409, "already_member",
	    "A user with this email is already a member of the account." },
	[ERR_INVITE_PENDING] = { 409, "invite_pending",
	    "An invitation to this address is already pending: resend it "
	    "instead." },
	[ERR_OWNER_PROTECTED] = { 409, "owner_protected",
	    "The owner always has every permission and cannot be removed; "
	    "make another user the owner first." },
	[ERR_EMAIL_UNVERIFIED] = { 409, "email_unverified",
	    "The user with this email has not verified it: send an "
	    "invitation instead." },
	[ERR_INVITE_NOT_FOUND] = { 404, "invite_not_found",
	    "This invitation link is not valid. Ask whoever invited you to "
	    "send a new one." },
	[ERR_INVITE_EXPIRED] = { 410, "invite_expired",
	    "This invitation has expired. Ask whoever invited you to send it "
	    "again." },
	[ERR_INVITE_CANCELLED] = { 410, "invite_cancelled",
	    "This invitation was cancelled: send a new one." },
	[ERR_INVITE_USED] = { 410, "invite_used",
	    "This invitation was accepted already." },
	[ERR_TOO_MANY_ATTEMPTS] = { 429, "too_many_attempts",
	    "Too many failed sign-in attempts for this address; try again "
	    "later." },
	[ERR_INVITE_LIMIT] = { 429, "invite_limit",
	    "This account has too many pending invitations: cancel some "
	    "first." },
	[ERR_RESEND_TOO_SOON] = { 429, "resend_too_soon",
	    "This invitation was sent a moment ago; wait a little before "
	    "resending it." },
	[ERR_USER_DISABLED] = { 403, "user_disabled",
	    "This user is disabled. Contact support." },
	[ERR_TWO_FACTOR_REQUIRED] = { 403, "two_factor_required",
	    "This account requires two-factor authentication: turn it on "
	    "under Security first." },
	[ERR_INVALID_CODE] = { 401, "invalid_code",
	    "This code is not correct." },
	[ERR_TOKEN_INVALID] = { 410, "token_invalid",
	    "This link is no longer valid: it was used, it expired, or it "
	    "is not one of ours." },
	[ERR_IMPERSONATION_FORBIDDEN] = { 403, "impersonation_forbidden",
	    "This cannot be changed while signed in as this user from the "
	    "Admin Area." },
	[ERR_INTERNAL] = { 500, "internal", "An internal error occurred." },
	[ERR_UNAVAILABLE] = { 503, "unavailable",
	    "The service is temporarily unavailable; try again." },
};

_Static_assert(sizeof(defs) / sizeof(defs[0]) == ERR__COUNT,
    "every enum err has a row in the table");

const struct err_def *
err_def(enum err e)
{
	if ((unsigned)e >= ERR__COUNT || defs[e].code == NULL)
		return &defs[ERR_INTERNAL];
	return &defs[e];
}
