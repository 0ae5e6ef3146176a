/*
 * errors.h: every error the API answers, in one table (DESIGN.md §4):
 * the enum names it, errors.c gives its HTTP status, its code and the
 * sentence said when the caller has nothing more precise. The domain
 * layer returns these values; reply_err() (http.h) is the one place that
 * turns them into a reply.
 */
#ifndef MEMBERD_ERRORS_H
#define MEMBERD_ERRORS_H

enum err {
	ERR_NONE,			/* not an error: success */
	ERR_INVALID_JSON,		/* 400 */
	ERR_INVALID_INPUT,		/* 422, names the field */
	ERR_UNSUPPORTED_MEDIA_TYPE,	/* 415 */
	ERR_PAYLOAD_TOO_LARGE,		/* 413 */
	ERR_NOT_AUTHENTICATED,		/* 401 */
	ERR_INVALID_CREDENTIALS,	/* 401 */
	ERR_CSRF_FAILED,		/* 403 */
	ERR_FORBIDDEN,			/* 403 */
	ERR_NOT_FOUND,			/* 404 */
	ERR_METHOD_NOT_ALLOWED,		/* 405, with Allow */
	ERR_EMAIL_TAKEN,		/* 409 */
	ERR_ALREADY_MEMBER,		/* 409 */
	ERR_INVITE_PENDING,		/* 409, with invite_id */
	ERR_OWNER_PROTECTED,		/* 409 */
	ERR_EMAIL_UNVERIFIED,		/* 409 */
	ERR_INVITE_NOT_FOUND,		/* 404 */
	ERR_INVITE_EXPIRED,		/* 410 */
	ERR_INVITE_CANCELLED,		/* 410 */
	ERR_INVITE_USED,		/* 410 */
	ERR_TOO_MANY_ATTEMPTS,		/* 429, with Retry-After */
	ERR_INVITE_LIMIT,		/* 429 */
	ERR_RESEND_TOO_SOON,		/* 429, with Retry-After */
	/* added with DESIGN §8–§11 */
	ERR_USER_DISABLED,		/* 403 */
	ERR_TWO_FACTOR_REQUIRED,	/* 403 */
	ERR_INVALID_CODE,		/* 401 */
	ERR_TOKEN_INVALID,		/* 410, a verification or SSO link */
	ERR_IMPERSONATION_FORBIDDEN,	/* 403 */
	ERR_INTERNAL,			/* 500 */
	ERR_UNAVAILABLE,		/* 503 */
	ERR__COUNT
};

struct err_def {
	int		 status;
	const char	*code;
	const char	*message;	/* the default sentence */
};

/* Sentences more precise than a default, said in more than one place. */
#define MSG_NO_CLIENT	"No such client account."
#define MSG_NO_USER	"No such user."
#define MSG_CLOSED	"This account is closed."
#define MSG_GRANT_OWN	"You can grant only permissions you hold yourself."
#define MSG_DECLINED	"This invitation was declined by its recipient."
#define MSG_BAD_PAGE	"page is a number from 1."
#define MSG_NO_RANDOM	"No randomness available."
#define MSG_HASH_FAILED	"Could not hash the password."

/* The table's row for e; an unknown value reads as ERR_INTERNAL. */
const struct err_def	*err_def(enum err e);

#endif
