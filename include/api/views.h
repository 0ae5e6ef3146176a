/*
 * views.h: the API's JSON objects (DESIGN.md section 4), made from the
 * plain structs of the domain (model.h) at the edge. The caller owns what
 * they return.
 */
#ifndef MEMBERD_VIEWS_H
#define MEMBERD_VIEWS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "util.h"

/* {id, client_id, email, permissions, status, created_at, expires_at,
 * last_sent_at, sent_count, delivery, invited_by: {kind, name}} */
cJSON	*invite_to_json(const struct invite *);
struct invite_link;
/* What an invitation's link shows: {client_name, inviter_name,
 * inviter_kind, email, permissions, expires_at} */
cJSON	*invite_link_to_json(const struct invite_link *);
/* {user_id, email, first_name, last_name, is_owner, permissions,
 * last_login_at, added_at} */
cJSON	*member_to_json(const struct member *);
/* {id, company_name, first_name, last_name, status, owner_user_id,
 * created_at} */
cJSON	*client_to_json(const struct client *);

/* {id, email, first_name, last_name, email_verified, created_at,
 * last_login_at, status, two_factor} */
cJSON	*user_to_json(const struct user *);
struct session_info;
/* {id, created_at, last_seen_at, ip, user_agent, current, impersonated} */
cJSON	*session_to_json(const struct session_info *);
/* {client_id, company_name, is_owner, permissions, status, owner_name} */
cJSON	*account_to_json(const struct account *);

struct audit_entry;
struct db;
struct flow;
struct req;

/*
 * One entry of an account's activity, {id, at, actor: {kind, id, name},
 * action, details, ip}, onto the JSON array arg (an audit_list() callback).
 */
#define ACTIVITY_PER_PAGE	50
void	 audit_entry_into(const struct audit_entry *, void *arg);

/*
 * Lists and objects read for an answer (0 or -1, or 1 found, 0 not, -1;
 * the caller owns what comes out):
 * the pending and expired invites of a client, newest first, into *out,
 * the expired ones apart into *expired unless it is NULL;
 */
int	 invites_list_json(struct db *, long long client_id, cJSON **out,
	    cJSON **expired) MUST_CHECK;
/* the members of a client, the owner first; */
int	 clients_members_json(struct db *, long long id, cJSON **out)
	    MUST_CHECK;
/*
 * the account's people into body: "users" (members, owner first) and
 * "invites", the expired ones apart in "expired_invites" when asked;
 */
int	 people_json(struct db *, long long client_id, bool expired_apart,
	    cJSON *body) MUST_CHECK;
/* the client of id (1, 0, -1); */
int	 clients_get_json(struct db *, long long id, cJSON **out) MUST_CHECK;
/* the user of id (1, 0, -1); */
int	 users_get_json(struct db *, long long id, cJSON **out) MUST_CHECK;
/* the accounts of /me, and in *first_open the first that is not closed
 * (0 if none; first_open may be NULL). */
int	 accounts_json(struct db *, long long user_id, cJSON **out,
	    long long *first_open) MUST_CHECK;
/* The same where first_open must be an account the user may make active:
 * one that requires 2FA only when two_factor (the user has it). */
int	 accounts_json_2fa(struct db *, long long user_id, bool two_factor,
	    cJSON **out, long long *first_open) MUST_CHECK;

/*
 * The answer to a flow that returned e: status with {"invite": ...} or
 * {"member": ...} when it went through, else its fault (reply_fault).
 */
void	 reply_invite(struct req *, int status, enum err e, const struct flow *,
	    const struct invite *);
void	 reply_member(struct req *, int status, enum err e, const struct flow *,
	    const struct member *);

#endif
