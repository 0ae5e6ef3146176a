/*
 * invites.h: invitations as the API shows them. An invite's status is
 * computed when read: a pending invite past expires_at shows as
 * "expired" even before housekeeping marks it. Its delivery is the state
 * of its latest email in email_queue ("sending" shows as "queued"; a row
 * no longer there was sent and purged after mail_retention, see outbox.h).
 */
#ifndef MEMBERD_INVITES_H
#define MEMBERD_INVITES_H

#include <stdbool.h>

#include "model.h"
#include "util.h"

struct db;
struct db_res;

/* invite: {id, client_id, email, permissions, status, created_at,
 * expires_at, last_sent_at, sent_count, delivery, invited_by:{kind, name}}
 * from invites i LEFT JOIN email_queue e ON e.id = i.last_email_id */
#define INVITE_COLS "i.id, i.client_id, i.email, i.permissions," \
	" CASE WHEN i.status = 'pending' AND i.expires_at <= now()" \
	"  THEN 'expired' ELSE i.status END," \
	" rfc3339(i.created_at), rfc3339(i.expires_at)," \
	" rfc3339(i.last_sent_at), i.sent_count," \
	" CASE WHEN e.id IS NULL THEN 'sent' WHEN e.state = 'sending'" \
	"  THEN 'queued' ELSE e.state END," \
	" i.created_by_kind, i.inviter_name"
#define INVITE_FROM " FROM invites i" \
	" LEFT JOIN email_queue e ON e.id = i.last_email_id"
/*
 * The same columns from a row t of invites and the row e of its email
 * (t, e: aliases or CTEs), for statements that answer what they wrote.
 */
#define INVITE_COLS_OF(t, e) t ".id, " t ".client_id, " t ".email, " \
	t ".permissions, CASE WHEN " t ".status = 'pending' AND " \
	t ".expires_at <= now() THEN 'expired' ELSE " t ".status END," \
	" rfc3339(" t ".created_at), rfc3339(" t ".expires_at)," \
	" rfc3339(" t ".last_sent_at), " t ".sent_count," \
	" CASE WHEN " e ".id IS NULL THEN 'sent' WHEN " e ".state = 'sending'" \
	"  THEN 'queued' ELSE " e ".state END, " t ".created_by_kind, " \
	t ".inviter_name"
/* $1 invite id */
#define SQL_INVITE_GET "SELECT " INVITE_COLS INVITE_FROM " WHERE i.id = $1"

/* "pending", "accepted", "cancelled", "expired", "declined": 0 with
 * *out, or -1. */
int	 invite_status_parse(const char *, enum invite_status *out)
	    MUST_CHECK;

const char *invite_status_name(enum invite_status);
/* created_by_kind: "admin" or "user" (ACTOR_MEMBER). 0, or -1. */
int	 invite_inviter_parse(const char *, enum actor_kind *out) MUST_CHECK;
/* The invitation in row of res, laid out by INVITE_COLS from col on. */
void	 invite_read(const struct db_res *, int row, int col, struct invite *);
/* each() every pending and expired invite of a client, newest first. 0 or -1. */
int	 invites_list(struct db *, long long client_id,
	    void (*each)(const struct invite *, void *), void *arg) MUST_CHECK;
/*
 * The same for the Client Area: only those whose address matches pat (a
 * LIKE pattern on the address, case-insensitive; "" for all), and with declined
 * the declined ones not yet dismissed too. 0 or -1.
 */
int	 invites_list_matching(struct db *, long long client_id,
	    const char *pat, bool declined,
	    void (*each)(const struct invite *, void *), void *arg) MUST_CHECK;
/* One invite by id into *out. 1 found, 0 not, -1 db error. */
int	 invites_get(struct db *, long long id, struct invite *out) MUST_CHECK;

/*
 * Cancel the pending invitations of client_id that user_id sent (when it
 * loses the right to manage users), or those to email (made moot by a
 * direct association); each() is told each one's id and address, for
 * the audit log. 0 or -1.
 */
int	 invites_cancel_sent_by(struct db *, long long client_id,
	    long long user_id, void (*each)(long long, const char *, void *),
	    void *arg) MUST_CHECK;
int	 invites_cancel_to(struct db *, long long client_id, const char *email,
	    void (*each)(long long, const char *, void *), void *arg)
	    MUST_CHECK;
/* Mark a pending invitation to email past its expiry expired. 0 or -1. */
int	 invites_expire_stale(struct db *, long long client_id,
	    const char *email) MUST_CHECK;

struct email;

/* A resend: the new token's hash, its email (to, subject, bodies). */
struct invite_resend {
	long long		 id;
	const char		*token_hash;
	const struct email	*mail;
	long			 ttl;	/* seconds from now */
};
/*
 * A new token, email and validity for invitation rs->id, with its audit
 * entry naming who, in one statement; *out the invitation after. 0, or
 * -1 (db_error: DB_UNIQUE when another invitation to the address is
 * pending).
 */
int	 invites_resend(struct db *, const struct invite_resend *,
	    const struct actor *who, struct invite *out) MUST_CHECK;
/* New permissions for invitation id, nothing else changed. 0 or -1. */
int	 invites_set_perms(struct db *, long long id, perms_t) MUST_CHECK;
/* Mark invitation id dismissed (an expired one cancelled too): 1, or 0
 * when it was dismissed already, or -1. */
int	 invites_dismiss(struct db *, long long id) MUST_CHECK;
/* Cancel invitation id unless it is cancelled, with its audit entry
 * naming who; *out the invitation after, either way. 0 or -1. */
int	 invites_cancel(struct db *, long long id, const struct actor *who,
	    struct invite *out) MUST_CHECK;

struct db_res;
/*
 * Audit each invitation a statement cancelled, as invite_cancelled with
 * why in its details: res holds rows (client_id, id, email) and is freed
 * here (NULL, the statement's failure, is passed on). 0 or -1.
 */
int	 invites_audit_cancelled(struct db *, const struct actor *who,
	    struct db_res *res, const char *why) MUST_CHECK;

#endif
