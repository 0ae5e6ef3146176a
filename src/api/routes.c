/*
 * routes.c: the whole HTTP API on one page. http_handle() matches method
 * and path, checks body and caller against the flags, then calls the
 * handler. Paths are exact; "{id}" is a positive integer.
 */
#include "handlers.h"
#include "http.h"
#include "banned.h"

#define V1 "/api/v1"

const struct route routes[] = {
	{ "GET",  V1 "/health", AUTH_ANYONE, h_health },
	/* nginx auth_request (DESIGN §10.1): its own one statement */
	{ "GET",  V1 "/authz", AUTH_SELF, h_authz },
	{ "GET",  V1 "/openapi.json", AUTH_ANYONE, h_openapi },
	/* Prometheus; the production site lets only loopback reach it */
	{ "GET",  "/metrics", AUTH_ANYONE, h_metrics },

	{ "POST", V1 "/auth/register", AUTH_ANYONE, h_register },
	{ "POST", V1 "/auth/login", AUTH_ANYONE, h_login },
	{ "POST", V1 "/auth/logout", AUTH_USER | NEED_CSRF, h_logout },
	{ "POST", V1 "/auth/password-reset", AUTH_ANYONE, h_password_reset },
	{ "POST", V1 "/auth/password-reset/confirm", AUTH_ANYONE,
	  h_password_reset_confirm },
	{ "POST", V1 "/auth/password-reset/check", AUTH_ANYONE,
	  h_password_reset_check },

	{ "GET",  V1 "/me", AUTH_USER, h_me },
	{ "POST", V1 "/me/active-account", AUTH_USER | NEED_CSRF,
	  h_me_active_account },

	/* the user's own identity (DESIGN §8.1, §8.2) */
	{ "PATCH", V1 "/me", AUTH_USER | NEED_CSRF, h_me_update },
	{ "POST", V1 "/me/password", AUTH_USER | NEED_CSRF, h_me_password },
	{ "POST", V1 "/me/email", AUTH_USER | NEED_CSRF, h_me_email },
	{ "POST", V1 "/auth/verify-email", AUTH_ANYONE, h_verify_email },
	{ "POST", V1 "/me/verify-email/resend", AUTH_USER | NEED_CSRF,
	  h_verify_email_resend },
	{ "GET",  V1 "/me/sessions", AUTH_USER, h_me_sessions },
	{ "DELETE", V1 "/me/sessions/{id}", AUTH_USER | NEED_CSRF,
	  h_me_session_end },
	{ "POST", V1 "/me/sessions/revoke-others", AUTH_USER | NEED_CSRF,
	  h_me_sessions_revoke_others },

	{ "GET",  V1 "/account/users", AUTH_USER, h_account_users },
	{ "POST", V1 "/account/invites", AUTH_USER | NEED_CSRF,
	  h_account_invite_create },
	{ "POST", V1 "/account/invites/{id}/resend", AUTH_USER | NEED_CSRF,
	  h_account_invite_resend },
	{ "POST", V1 "/account/invites/{id}/cancel", AUTH_USER | NEED_CSRF,
	  h_account_invite_cancel },
	{ "PATCH", V1 "/account/users/{id}", AUTH_USER | NEED_CSRF,
	  h_account_user_update },
	{ "DELETE", V1 "/account/users/{id}", AUTH_USER | NEED_CSRF,
	  h_account_user_remove },
	/* DESIGN section 11 */
	{ "GET",  V1 "/account/activity", AUTH_USER, h_account_activity },
	{ "POST", V1 "/account/invites/bulk", AUTH_USER | NEED_CSRF,
	  h_account_invite_bulk },
	{ "PATCH", V1 "/account/invites/{id}", AUTH_USER | NEED_CSRF,
	  h_account_invite_update },
	{ "POST", V1 "/account/invites/{id}/dismiss", AUTH_USER | NEED_CSRF,
	  h_account_invite_dismiss },

	{ "POST", V1 "/invites/lookup", AUTH_ANYONE, h_invite_lookup },
	{ "POST", V1 "/invites/accept", AUTH_OPTIONAL | NEED_CSRF,
	  h_invite_accept },
	{ "POST", V1 "/invites/decline", AUTH_OPTIONAL | NEED_CSRF,
	  h_invite_decline },

	{ "POST", V1 "/admin/auth/login", AUTH_ANYONE, h_admin_login },
	{ "POST", V1 "/admin/auth/logout", AUTH_ADMIN | NEED_CSRF,
	  h_admin_logout },
	{ "GET",  V1 "/admin/me", AUTH_ADMIN, h_admin_me },
	{ "POST", V1 "/admin/clients", AUTH_ADMIN | NEED_CSRF,
	  h_admin_client_create },
	{ "GET",  V1 "/admin/clients", AUTH_ADMIN, h_admin_client_list },
	{ "GET",  V1 "/admin/clients/{id}", AUTH_ADMIN, h_admin_client_get },
	{ "GET",  V1 "/admin/users", AUTH_ADMIN, h_admin_users_list },
	{ "POST", V1 "/admin/clients/{id}/users", AUTH_ADMIN | NEED_CSRF,
	  h_admin_associate },
	{ "PATCH", V1 "/admin/clients/{id}/users/{id}", AUTH_ADMIN | NEED_CSRF,
	  h_admin_member_update },
	{ "DELETE", V1 "/admin/clients/{id}/users/{id}", AUTH_ADMIN | NEED_CSRF,
	  h_admin_member_remove },
	{ "POST", V1 "/admin/clients/{id}/owner", AUTH_ADMIN | NEED_CSRF,
	  h_admin_owner_change },
	{ "GET",  V1 "/admin/clients/{id}/activity", AUTH_ADMIN,
	  h_admin_activity },
	{ "POST", V1 "/admin/invites/{id}/resend", AUTH_ADMIN | NEED_CSRF,
	  h_admin_invite_resend },
	{ "POST", V1 "/admin/invites/{id}/cancel", AUTH_ADMIN | NEED_CSRF,
	  h_admin_invite_cancel },

	/* the Admin Area's users, client profiles, acting as a user (§9) */
	{ "GET",  V1 "/admin/users/{id}", AUTH_ADMIN, h_admin_users_get },
	{ "PATCH", V1 "/admin/users/{id}", AUTH_ADMIN | NEED_CSRF,
	  h_admin_users_update },
	{ "DELETE", V1 "/admin/users/{id}", AUTH_ADMIN | NEED_CSRF,
	  h_admin_users_delete },
	{ "POST", V1 "/admin/users/{id}/password-reset", AUTH_ADMIN | NEED_CSRF,
	  h_admin_users_password_reset },
	{ "POST", V1 "/admin/users/{id}/login-as", AUTH_ADMIN | NEED_CSRF,
	  h_admin_users_login_as },
	{ "POST", V1 "/admin/users/{id}/sso-token", AUTH_ADMIN | NEED_CSRF,
	  h_admin_users_sso_token },
	{ "PATCH", V1 "/admin/clients/{id}", AUTH_ADMIN | NEED_CSRF,
	  h_admin_client_update },
	{ "POST", V1 "/auth/sso", AUTH_ANYONE, h_auth_sso },
	/* webhooks (§10.2), read only: memberctl webhook changes them */
	{ "GET",  V1 "/admin/webhooks", AUTH_ADMIN, h_admin_webhooks },
	{ "GET",  V1 "/admin/webhooks/{id}/deliveries", AUTH_ADMIN,
	  h_admin_webhook_deliveries },

	/* two-factor authentication (DESIGN §8.3) */
	{ "POST", V1 "/me/2fa/setup", AUTH_USER | NEED_CSRF, h_2fa_setup },
	{ "POST", V1 "/me/2fa/enable", AUTH_USER | NEED_CSRF, h_2fa_enable },
	{ "POST", V1 "/me/2fa/disable", AUTH_USER | NEED_CSRF, h_2fa_disable },
	{ "POST", V1 "/me/2fa/recovery-codes", AUTH_USER | NEED_CSRF,
	  h_2fa_recovery_codes },
	{ "POST", V1 "/auth/login/2fa", AUTH_ANYONE, h_login_2fa },
	{ "GET",  V1 "/account/settings", AUTH_USER, h_account_settings_get },
	{ "PATCH", V1 "/account/settings", AUTH_USER | NEED_CSRF,
	  h_account_settings_update },
	{ "POST", V1 "/admin/me/2fa/setup", AUTH_ADMIN | NEED_CSRF,
	  h_2fa_setup },
	{ "POST", V1 "/admin/me/2fa/enable", AUTH_ADMIN | NEED_CSRF,
	  h_2fa_enable },
	{ "POST", V1 "/admin/me/2fa/disable", AUTH_ADMIN | NEED_CSRF,
	  h_2fa_disable },
	{ "POST", V1 "/admin/me/2fa/recovery-codes", AUTH_ADMIN | NEED_CSRF,
	  h_2fa_recovery_codes },
	{ "POST", V1 "/admin/auth/login/2fa", AUTH_ANYONE, h_admin_login_2fa },
	{ "POST", V1 "/admin/users/{id}/2fa/reset", AUTH_ADMIN | NEED_CSRF,
	  h_admin_user_2fa_reset },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
