/*
 * model.h: the plain types of the access domain, free of HTTP, FastCGI
 * and JSON: the states of each table's rows as enums, who acts, the
 * objects the domain answers with, and why it failed.
 * Each state enum is parsed from (and named as) its column text by the
 * module that owns the table: client_status_parse() in clients.c,
 * invite_status_parse() in invites.c, mail_state_parse() in outbox.c.
 */
#ifndef MEMBERD_MODEL_H
#define MEMBERD_MODEL_H

#include <stdbool.h>

#include "errors.h"
#include "outbox.h"	/* enum mail_state */
#include "perms.h"
#include "validate.h"

/* clients.status: an account reached by nobody once closed. */
enum client_status {
	CLIENT_ACTIVE,
	CLIENT_INACTIVE,
	CLIENT_CLOSED,
};

/*
 * invites.status:
 *   pending ──accept──> accepted
 *   pending ──cancel, inviter lost "users", direct association──> cancelled
 *   pending ──the invitee declines (POST /invites/decline)──> declined
 *   pending ──housekeeping after expires_at──> expired
 *   pending, expired ──resend──> pending (new token, fresh validity)
 *   expired ──dismiss──> cancelled (and dismissed_at: off the list)
 *   declined ──dismiss──> declined (dismissed_at: off the list)
 * A pending invite past expires_at reads as expired before housekeeping
 * marks it. Accepted, cancelled and declined ones are final: their link
 * is dead.
 */
enum invite_status {
	INVITE_PENDING,
	INVITE_ACCEPTED,
	INVITE_CANCELLED,
	INVITE_EXPIRED,
	INVITE_DECLINED,
};

/* email_queue.state, enum mail_state: the mail layer's (outbox.h). */

/* Who acts; audit_log.actor_kind names it (audit.c). */
enum actor_kind {
	ACTOR_ADMIN,		/* an administrator, by session or API token */
	ACTOR_MEMBER,		/* a user, through the Client Area */
	ACTOR_SYSTEM,		/* housekeeping, memberctl */
	ACTOR_ANONYMOUS,	/* no one signed in (a failed login) */
};

/*
 * The caller of a domain function: what the rules judge and the audit
 * log records. Strings are borrowed for the call.
 */
struct actor {
	enum actor_kind	 kind;
	long long	 id;		/* admins.id or users.id; 0 for none */
	const char	*name;		/* display name ("First Last" or email) */
	const char	*email;		/* what the audit log names it by */
	const char	*ip;		/* REMOTE_ADDR; NULL for none */
	/*
	 * A user acting in a session an administrator opened ("Login as
	 * User", DESIGN §9): the rules judge the user, the audit log names
	 * this administrator as the actor (audit.h). 0 and NULL otherwise.
	 */
	long long	 impersonator_id;
	const char	*impersonator;	/* the administrator's name */
};

#define TEXT_EMAIL	(EMAIL_MAX + 1)
#define TEXT_NAME	(4 * NAME_MAX_CHARS + 1)	/* UTF-8 */
#define TEXT_TIME	40			/* an RFC 3339 time */

/* An invitation as the API shows it (DESIGN.md section 4). */
struct invite {
	long long	 id;
	long long	 client_id;
	char		 email[TEXT_EMAIL];
	perms_t		 perms;
	enum invite_status status;	/* pending past expiry: expired */
	char		 created_at[TEXT_TIME];
	char		 expires_at[TEXT_TIME];
	char		 last_sent_at[TEXT_TIME];
	long long	 sent_count;
	enum mail_state	 delivery;	/* of its latest email; sending: queued */
	enum actor_kind	 inviter_kind;	/* ACTOR_ADMIN or ACTOR_MEMBER */
	char		 inviter_name[DISPLAY_NAME_MAX + 1];
};

/* A member of an account. */
struct member {
	long long	 user_id;
	char		 email[TEXT_EMAIL];
	char		 first_name[TEXT_NAME];
	char		 last_name[TEXT_NAME];
	bool		 is_owner;
	perms_t		 perms;		/* every one for the owner */
	char		 last_login_at[TEXT_TIME];	/* "": never */
	char		 added_at[TEXT_TIME];
	bool		 two_factor;	/* 2FA is on for this user */
};

/* A user as the API shows one. */
struct user {
	long long	 id;
	char		 email[TEXT_EMAIL];
	char		 first_name[TEXT_NAME];
	char		 last_name[TEXT_NAME];
	bool		 email_verified;
	char		 created_at[TEXT_TIME];
	char		 last_login_at[TEXT_TIME];	/* "": never */
	char		 status[16];	/* users.status: "active", "disabled" */
	bool		 two_factor;	/* totp_enabled_at is set */
};

/* An account a user reaches, as /me lists it. */
struct account {
	long long	 client_id;
	char		 company_name[TEXT_NAME];
	bool		 is_owner;
	perms_t		 perms;		/* every one for the owner */
	enum client_status status;
	bool		 require_2fa;	/* members need 2FA to make it active */
	/* whom a member asks for access: "First Last", else the address */
	char		 owner_name[DISPLAY_NAME_MAX + 1];
};

/* A client account. */
struct client {
	long long	 id;
	char		 company_name[TEXT_NAME];
	char		 first_name[TEXT_NAME];
	char		 last_name[TEXT_NAME];
	enum client_status status;
	long long	 owner_user_id;
	char		 created_at[TEXT_TIME];
};

/*
 * Why a domain function failed, beside the error it returns: the
 * sentence (NULL: the error's default), the input at fault, and what
 * some errors carry.
 */
struct fault {
	enum err	 err;
	const char	*why;
	const char	*field;
	long long	 invite_id;	/* ERR_INVITE_PENDING */
	long long	 retry_after;	/* seconds, for a 429; 0 for none */
	bool		 from_db;	/* a database failure: the edge logs it */
};

#endif
