/*
 * h_admin_access.c: the Users tab of a client's profile in the Admin
 * Area: Associate User (with or without an invitation), permissions,
 * removal, ownership, resend and cancel, and the account's activity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "audit.h"
#include "clients.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "json.h"
#include "perms.h"
#include "users.h"
#include "views.h"
#include "banned.h"



/*
 * The address an invitation by user_id goes to. 0, or -1 replied: 404
 * not_found for the client (when it does not exist either) or the user.
 */
static int
invitee_email_or_reply(struct req *r, long long user_id, char *email,
    size_t len)
{
	struct user_ref	 u;
	struct client	 c;
	int		 rc;

	if ((rc = users_by_id(r->db, user_id, &u)) == 1) {
		(void)str_copy(email, len, u.email);
		return 0;
	}
	if (rc == 0 && (rc = clients_get(r->db, r->ids[0], &c)) >= 0)
		reply_err_msg(r, ERR_NOT_FOUND, rc == 0 ? NULL : "user_id",
		    rc == 0 ? MSG_NO_CLIENT : MSG_NO_USER);
	else
		reply_db_error(r);
	return -1;
}

/*
 * POST /api/v1/admin/clients/{id}/users {user_id | email, permissions,
 * send_invite, first_name?, last_name?}
 * With email, the names are those of the user created for it (at once),
 * and the invitation email greets first_name (with send_invite).
 * send_invite true (the default): 201 {invite} and an Account Access
 * Invitation email; false: 201 {member} at once, no email (an unknown
 * email becomes a user without a password; an existing user whose address
 * is not verified is 409 email_unverified). 404 not_found (client or
 * user); 409 already_member | invite_pending; 422; 429 invite_limit.
 */
void
h_admin_associate(struct req *r)
{
	struct flow	 f;
	struct invite	 inv;
	struct member	 m;
	char		 email[EMAIL_MAX + 1] = "";
	char		 first[TEXT_NAME] = "", last[TEXT_NAME] = "";
	long long	 user_id = 0;
	perms_t		 perms;
	bool		 send = true;
	int		 has_id, has_email;
	enum err	 e;

	if ((has_id = input_id_or_reply(r, r->json, "user_id", "user_id", false,
	    &user_id)) < 0 ||
	    (has_email = input_email_or_reply(r, r->json, "email", "email",
	    false, email)) < 0 ||
	    input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0 ||
	    input_bool_or_reply(r, r->json, "send_invite", "send_invite", false,
	    &send) < 0 ||
	    /* the names of a new user (Create new user) */
	    input_name_or_reply(r, r->json, "first_name", "first_name", false, 0,
	    first) < 0 ||
	    input_name_or_reply(r, r->json, "last_name", "last_name", false, 0,
	    last) < 0)
		return;
	if (has_id == has_email) {
		reply_err_msg(r, ERR_INVALID_INPUT, "user_id", "Give either "
		    "user_id (an existing user) or email.");
		return;
	}
	req_flow(r, &f);
	if (!send) {
		e = access_member_add_named(&f, r->ids[0], user_id,
		    has_email ? email : NULL, first, last, perms, &m);
		reply_member(r, 201, e, &f, &m);
		return;
	}
	/* an invitation always goes to an address */
	if (has_id && invitee_email_or_reply(r, user_id, email,
	    sizeof(email)) != 0)
		return;
	e = access_invite_create_to(&f, r->ids[0], email,
	    has_email ? first : NULL, perms, &inv);
	reply_invite(r, 201, e, &f, &inv);
}

/*
 * PATCH /api/v1/admin/clients/{id}/users/{user_id} {permissions}
 * 200 {member}; 404 not_found; 409 owner_protected; 422.
 */
void
h_admin_member_update(struct req *r)
{
	struct flow	 f;
	struct member	 m;
	perms_t		 perms;
	enum err	 e;

	if (input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0)
		return;
	req_flow(r, &f);
	e = access_member_update(&f, r->ids[0], r->ids[1], perms, &m);
	reply_member(r, 200, e, &f, &m);
}

/*
 * DELETE /api/v1/admin/clients/{id}/users/{user_id}
 * 204; 404 not_found; 409 owner_protected.
 */
void
h_admin_member_remove(struct req *r)
{
	struct flow	f;

	req_flow(r, &f);
	if (access_member_remove(&f, r->ids[0], r->ids[1]) != ERR_NONE)
		reply_fault(r, &f.fault);
	else
		reply_empty(r, 204);
}

/*
 * POST /api/v1/admin/clients/{id}/owner {user_id}
 * 200 {client} with the new owner; the old owner stays a member with
 * every permission. 404 not_found (client, or not a member); 422.
 */
void
h_admin_owner_change(struct req *r)
{
	struct flow	 f;
	struct client	 c;
	long long	 user_id;

	if (input_id_or_reply(r, r->json, "user_id", "user_id", true,
	    &user_id) < 0)
		return;
	req_flow(r, &f);
	if (access_owner_change(&f, r->ids[0], user_id, &c) != ERR_NONE)
		reply_fault(r, &f.fault);
	else
		reply_wrapped_json(r, 200, "client", client_to_json(&c));
}

/*
 * POST /api/v1/admin/invites/{id}/resend
 * 200 {invite}; 404; 409; 410 invite_used | invite_cancelled; 429
 * resend_too_soon | invite_limit (Retry-After).
 */
void
h_admin_invite_resend(struct req *r)
{
	struct flow	 f;
	struct invite	 inv;
	enum err	 e;

	req_flow(r, &f);
	e = access_invite_resend(&f, 0, r->ids[0], &inv);
	reply_invite(r, 200, e, &f, &inv);
}

/*
 * POST /api/v1/admin/invites/{id}/cancel
 * 200 {invite} with status cancelled; 404; 410 invite_used.
 */
void
h_admin_invite_cancel(struct req *r)
{
	struct flow	 f;
	struct invite	 inv;
	enum err	 e;

	req_flow(r, &f);
	e = access_invite_cancel(&f, 0, r->ids[0], &inv);
	reply_invite(r, 200, e, &f, &inv);
}

/*
 * GET /api/v1/admin/clients/{id}/activity?page=
 * 200 {entries:[{id, at, actor:{kind, id, name}, action, details, ip}],
 * page, per_page, total}, newest first; 404 not_found; 422 for a bad page.
 */
void
h_admin_activity(struct req *r)
{
	struct client	 c;
	long		 page;
	long long	 total;
	cJSON		*body, *list;
	int		 rc;

	if (input_page_or_reply(r, &page) != 0)
		return;
	if ((rc = clients_get(r->db, r->ids[0], &c)) != 1) {
		if (rc == 0)
			reply_err_msg(r, ERR_NOT_FOUND, NULL, MSG_NO_CLIENT);
		else
			reply_db_error(r);
		return;
	}
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "entries");
	if (audit_list(r->db, r->ids[0], ACTIVITY_PER_PAGE,
	    (page - 1) * ACTIVITY_PER_PAGE, &total, audit_entry_into, list) !=
	    0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	json_add_int(body, "page", page);
	json_add_int(body, "per_page", ACTIVITY_PER_PAGE);
	json_add_int(body, "total", total);
	reply_json(r, 200, body);
}
