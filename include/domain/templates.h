/*
 * templates.h: the emails memberd sends, as text and HTML. Pure code:
 * every value from users is HTML-escaped; subjects never hold CR or LF.
 * The filled struct email owns its bodies (email_release).
 */
#ifndef MEMBERD_TEMPLATES_H
#define MEMBERD_TEMPLATES_H

#include <stdbool.h>

#include "enqueue.h"
#include "util.h"

struct config;

/* Password Reset: link valid for ttl seconds. */
void	template_password_reset(const struct config *, const char *to,
	    const char *first_name, const char *link, long ttl,
	    struct email *out);

/*
 * Email Address Verification: link valid for ttl seconds. changing_from
 * NULL verifies the address of a new user; else to is the address the
 * user of changing_from asked to move to.
 */
void	template_email_verify(const struct config *, const char *to,
	    const char *first_name, const char *changing_from,
	    const char *link, long ttl, struct email *out);
/*
 * Email Address Changed, to the old address: which new address, when
 * (RFC 3339 UTC) and how to get help.
 */
void	template_email_changed(const struct config *, const char *to,
	    const char *first_name, const char *new_email, const char *when,
	    struct email *out);

struct invite_mail {
	const char	*to;
	const char	*account_name;	/* company, else the client's name */
	const char	*inviter_name;
	bool		 by_admin;	/* sent by an administrator */
	const char	*link;
	long		 ttl;		/* seconds the link stays valid */
	const char	*permissions;	/* "View domains, View invoices" */
	const char	*to_name;	/* greeted by it; NULL or "": "Hello," */
};

/*
 * How an invitation names an administrator who has no name: never by
 * the staff login address, but "an administrator of {mail_from_name}".
 * out: DISPLAY_NAME_MAX + 1 bytes (validate.h); longer is cut.
 */
void	template_unnamed_admin(const struct config *, char *out,
	    size_t outlen);
/* True for such a name (also the "an administrator" of older rows). */
bool	template_is_unnamed_admin(const char *inviter_name);

/* Account Access Invitation. */
void	template_invite(const struct config *, const struct invite_mail *,
	    struct email *out);

/* What happened to someone's two-factor authentication. */
enum tf_change {
	TF_TURNED_ON,
	TF_TURNED_OFF,
	TF_RESET_BY_ADMIN,	/* turned off by an administrator */
};
/*
 * Two-Factor Authentication Changed: to the user (or administrator)
 * whose 2FA went on or off, when (at, an RFC 3339 time), and what to do
 * when it was not them.
 */
void	template_two_factor_changed(const struct config *, const char *to,
	    const char *first_name, enum tf_change, const char *at,
	    struct email *out);

void	html_escape(struct buf *, const char *);
/* "7 days", "1 hour", "30 minutes". */
void	duration_words(long seconds, char *out, size_t outlen);

#endif
