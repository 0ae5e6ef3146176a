/*
 * handlers.h: every HTTP handler, by area. Each handler's comment in its
 * source file lists the statuses it answers with. The route table that
 * names them is in routes.c.
 */
#ifndef MEMBERD_HANDLERS_H
#define MEMBERD_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "http.h"
#include "password.h"
#include "validate.h"

extern const struct route	routes[];
extern const size_t		nroutes;

/* h_health.c */
void	h_health(struct req *);

/* h_authz.c: nginx auth_request for the other services of the portal */
void	h_authz(struct req *);

/* h_meta.c: what describes and measures the API */
void	h_openapi(struct req *);
void	h_metrics(struct req *);

/* h_auth.c: users signing up, in and out, and resetting passwords */
void	h_register(struct req *);
void	h_login(struct req *);
void	h_logout(struct req *);
void	h_password_reset(struct req *);
void	h_password_reset_confirm(struct req *);
void	h_password_reset_check(struct req *);
/* {user, accounts, csrf_token, impersonated_by} for who's new session,
 * with its cookie */
void	reply_logged_in(struct req *, int status, const struct principal *who);
/* "impersonated_by": {admin_id, name} of who's "Login as User", or null */
void	me_impersonation_add(cJSON *body, const struct principal *who);
/* {user, accounts, csrf_token} of a user; NULL after replying 503/500. */
cJSON	*me_body_or_reply(struct req *, long long user_id, const char *csrf)
	    MUST_CHECK;

/* A new user's details, checked, with the password already hashed. */
struct registration {
	char	email[EMAIL_MAX + 1];
	char	first[4 * NAME_MAX_CHARS + 1];
	char	last[4 * NAME_MAX_CHARS + 1];
	char	phc[PASSWORD_PHC_MAX];
	char	email_field[48];	/* "email" or "register.email" */
};
/*
 * Read {email, password, first_name, last_name} from obj (reported field
 * names start with prefix: "" or "register."), refuse an address that has
 * a user (409 email_taken) and hash the password. 0, or -1 after replying.
 */
int	registration_prepare_or_reply(struct req *, const cJSON *obj,
	    const char *prefix, struct registration *) MUST_CHECK;
/*
 * In the caller's transaction, create the user; verified when the address
 * is proven. 0 with *id, or -1 after rolling back and replying.
 */
int	registration_insert_or_reply(struct req *,
	    const struct registration *, bool verified, long long *id)
	    MUST_CHECK;

/* h_me.c */
void	h_me(struct req *);
void	h_me_active_account(struct req *);

/* h_identity.c: the user's own profile, password, email and sessions */
void	h_me_update(struct req *);
void	h_me_password(struct req *);
void	h_me_email(struct req *);
void	h_verify_email(struct req *);
void	h_verify_email_resend(struct req *);
void	h_me_sessions(struct req *);
void	h_me_session_end(struct req *);
void	h_me_sessions_revoke_others(struct req *);

/* h_admin.c: the Admin Area's sign-in, clients and user search */
void	h_admin_login(struct req *);
/* {admin, csrf_token} of a signed-in administrator. */
void	reply_admin(struct req *, int status, const struct principal *);
void	h_admin_logout(struct req *);
void	h_admin_me(struct req *);
void	h_admin_client_create(struct req *);
void	h_admin_client_list(struct req *);
void	h_admin_client_get(struct req *);
void	h_admin_user_search(struct req *);

/* h_twofactor.c: two-factor authentication (DESIGN §8.3) */
void	h_2fa_setup(struct req *);
void	h_2fa_enable(struct req *);
void	h_2fa_disable(struct req *);
void	h_2fa_recovery_codes(struct req *);
void	h_login_2fa(struct req *);
void	h_admin_login_2fa(struct req *);
void	h_account_settings_get(struct req *);
void	h_account_settings_update(struct req *);
void	h_admin_user_2fa_reset(struct req *);
/*
 * The first step's answer when 2FA is on: 200 {two_factor_required,
 * challenge, expires_at}, no session yet.
 */
void	reply_two_factor_required(struct req *, bool admin, long long id);
/*
 * 403 two_factor_required (field named) when client_id requires 2FA and
 * the caller has none: 0 may go on, -1 replied.
 */
int	require_2fa_or_reply(struct req *, long long client_id,
	    const char *field) MUST_CHECK;

/* h_account.c: User Management of the active account (Client Area) */
void	h_account_users(struct req *);
void	h_account_invite_create(struct req *);
void	h_account_invite_resend(struct req *);
void	h_account_invite_cancel(struct req *);
void	h_account_user_update(struct req *);
void	h_account_user_remove(struct req *);
void	h_account_activity(struct req *);
void	h_account_invite_bulk(struct req *);
void	h_account_invite_update(struct req *);
void	h_account_invite_dismiss(struct req *);
/* the session's active account: 0 with *id set, or -1 after a 403 */
int	account_active_or_reply(struct req *, long long *id) MUST_CHECK;
/* 200 {entries, page, per_page, total}: a page of the account's audit log */
void	activity_page_reply(struct req *, long long client_id, long page);

/* h_invites.c: the invitation link */
void	h_invite_lookup(struct req *);
void	h_invite_accept(struct req *);
void	h_invite_decline(struct req *);

/* h_admin_users.c: the Admin Area's users, client profiles, acting as a
 * user, SSO links (DESIGN §9) */
void	h_admin_users_list(struct req *);
void	h_admin_users_get(struct req *);
void	h_admin_users_update(struct req *);
void	h_admin_users_delete(struct req *);
void	h_admin_users_password_reset(struct req *);
void	h_admin_users_login_as(struct req *);
void	h_admin_users_sso_token(struct req *);
void	h_admin_client_update(struct req *);
void	h_auth_sso(struct req *);

/* h_admin_access.c: the Users tab of a client's profile (Admin Area) */
void	h_admin_associate(struct req *);
void	h_admin_member_update(struct req *);
void	h_admin_member_remove(struct req *);
void	h_admin_owner_change(struct req *);
void	h_admin_invite_resend(struct req *);
void	h_admin_invite_cancel(struct req *);
void	h_admin_activity(struct req *);

/* h_admin_webhooks.c: webhook endpoints and deliveries, read only */
void	h_admin_webhooks(struct req *);
void	h_admin_webhook_deliveries(struct req *);

#endif
