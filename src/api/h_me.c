/* h_me.c: the signed-in user and the account they act in. */
#include <string.h>

#include "audit.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "session.h"
#include "tx.h"
#include "users.h"
#include "views.h"
#include "banned.h"

/* {user, accounts, active_client_id, csrf_token} of the caller. */
static void
reply_me(struct req *r)
{
	cJSON	*body;

	if ((body = me_body_or_reply(r, r->who.id, r->who.csrf)) == NULL)
		return;
	me_impersonation_add(body, &r->who);
	if (r->who.active_client_id > 0)
		json_add_int(body, "active_client_id", r->who.active_client_id);
	else
		cJSON_AddNullToObject(body, "active_client_id");
	reply_json(r, 200, body);
}

/*
 * GET /api/v1/me
 * 200 {user, accounts:[{client_id, company_name, is_owner, permissions,
 * status}], active_client_id, csrf_token, impersonated_by: null or
 * {admin_id, name} inside "Login as User"}; 401.
 */
void
h_me(struct req *r)
{
	reply_me(r);
}

/*
 * POST /api/v1/me/active-account {client_id}
 * 200 as GET /me; 403 forbidden for an account the user does not belong
 * to or a closed one, two_factor_required for one that requires 2FA of a
 * user without it; 404 not_found for no such account; 422.
 */
void
h_me_active_account(struct req *r)
{
	long long	 client_id;
	enum client_status status;
	int		 rc;

	if (input_id_or_reply(r, r->json, "client_id", "client_id", true,
	    &client_id) < 0)
		return;
	rc = users_membership(r->db, r->who.id, client_id, &status);
	if (rc < 0) {
		reply_db_error(r);
		return;
	}
	if (rc == 2) {
		reply_err_msg(r, ERR_NOT_FOUND, "client_id", "No such "
		    "account.");
		return;
	}
	if (rc == 0) {
		reply_err(r, ERR_FORBIDDEN, "client_id");
		return;
	}
	if (status == CLIENT_CLOSED) {
		reply_err_msg(r, ERR_FORBIDDEN, "client_id", MSG_CLOSED);
		return;
	}
	if (require_2fa_or_reply(r, client_id, "client_id") != 0)
		return;
	if (session_set_active(r->db, r->who.session_id, client_id) != 0) {
		reply_db_error(r);
		return;
	}
	r->who.active_client_id = client_id;
	reply_me(r);
}
