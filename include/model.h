/*
 * model.h: the plain types of the access domain, free of HTTP, FastCGI
 * and JSON: the states of each table's rows as enums, and who acts.
 * Each state enum is parsed from (and named as) its column text by the
 * module that owns the table: client_status_parse() in clients.c,
 * invite_status_parse() in invites.c, mail_state_parse() in outbox.c.
 */
#ifndef MEMBERD_MODEL_H
#define MEMBERD_MODEL_H

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
 *   pending ──housekeeping after expires_at──> expired
 *   pending, expired ──resend──> pending (new token, fresh validity)
 * A pending invite past expires_at reads as expired before housekeeping
 * marks it.
 */
enum invite_status {
	INVITE_PENDING,
	INVITE_ACCEPTED,
	INVITE_CANCELLED,
	INVITE_EXPIRED,
};

/* email_queue.state; outbox.h draws how a row moves between them. */
enum mail_state {
	MAIL_QUEUED,
	MAIL_SENDING,
	MAIL_SENT,
	MAIL_FAILED,
	MAIL_DEAD,
};

/* Who acts on an account. */
enum actor_kind {
	ACTOR_ADMIN,		/* an administrator, by session or API token */
	ACTOR_MEMBER,		/* a user, through the Client Area */
};

#endif
