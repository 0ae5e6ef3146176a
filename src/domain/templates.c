/*
 * templates.c: the emails of DESIGN §6 (Password Reset, Email Address
 * Verification, Email Address Changed, Account Access Invitation) and
 * the 2FA emails of §8.3; see templates.h.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "templates.h"
#include "validate.h"
#include "banned.h"

void
html_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s); break;
		}
	}
}

void
duration_words(long s, char *out, size_t outlen)
{
	if (s % 86400 == 0)
		snprintf(out, outlen, "%ld day%s", s / 86400,
		    s == 86400 ? "" : "s");
	else if (s % 3600 == 0)
		snprintf(out, outlen, "%ld hour%s", s / 3600,
		    s == 3600 ? "" : "s");
	else
		snprintf(out, outlen, "%ld minute%s", (s + 59) / 60,
		    s <= 60 ? "" : "s");
}

static void
html_open(struct buf *b, const char *title)
{
	buf_puts(b, "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>");
	html_escape(b, title);
	buf_puts(b, "</title></head>\n<body style=\"margin:0;padding:24px;"
	    "background:#f4f6f8;font-family:Helvetica,Arial,sans-serif;"
	    "color:#1f2933\">\n<table role=\"presentation\" width=\"100%\" "
	    "style=\"max-width:560px;margin:0 auto;background:#ffffff;"
	    "border-radius:8px;padding:32px\"><tr><td>\n<h1 style=\""
	    "font-size:20px;margin:0 0 16px\">");
	html_escape(b, title);
	buf_puts(b, "</h1>\n");
}

static void
html_button(struct buf *b, const char *link, const char *label)
{
	buf_puts(b, "<p style=\"margin:24px 0\"><a href=\"");
	html_escape(b, link);
	buf_puts(b, "\" style=\"background:#1d4ed8;color:#ffffff;"
	    "padding:12px 20px;border-radius:6px;text-decoration:none;"
	    "display:inline-block\">");
	html_escape(b, label);
	buf_puts(b, "</a></p>\n<p style=\"font-size:13px;color:#52606d\">"
	    "If the button does not work, copy this address into your "
	    "browser:<br>");
	html_escape(b, link);
	buf_puts(b, "</p>\n");
}

static void
html_close(struct buf *b, const struct config *cfg)
{
	buf_puts(b, "<p style=\"font-size:12px;color:#7b8794;margin-top:32px\">"
	    "Sent by ");
	html_escape(b, cfg->mail_from_name);
	buf_puts(b, " &middot; ");
	html_escape(b, cfg->public_url);
	buf_puts(b, "</p>\n</td></tr></table>\n</body></html>\n");
}

void
template_password_reset(const struct config *cfg, const char *to,
    const char *first_name, const char *link, long ttl, struct email *out)
{
	struct buf	 t = { 0 }, h = { 0 };
	char		 valid[32];
	const char	*hello = first_name && *first_name ? first_name : to;

	duration_words(ttl, valid, sizeof(valid));
	buf_printf(&t, "Hello %s,\n\n"
	    "Someone asked to reset the password of the account %s at %s.\n"
	    "To choose a new password, open this link:\n\n%s\n\n"
	    "The link works once and for %s. If you did not ask for it, "
	    "ignore this email: your password stays as it is.\n\n-- \n%s\n",
	    hello, to, cfg->public_url, link, valid, cfg->mail_from_name);

	html_open(&h, "Password Reset");
	buf_puts(&h, "<p>Hello ");
	html_escape(&h, hello);
	buf_puts(&h, ",</p>\n<p>Someone asked to reset the password of the "
	    "account <strong>");
	html_escape(&h, to);
	buf_puts(&h, "</strong>.</p>\n");
	html_button(&h, link, "Choose a new password");
	buf_puts(&h, "<p>The link works once and for ");
	html_escape(&h, valid);
	buf_puts(&h, ". If you did not ask for it, ignore this email: your "
	    "password stays as it is.</p>\n");
	html_close(&h, cfg);

	out->template = "password_reset";
	out->to = to;
	out->to_name = first_name;
	out->subject = xstrdup("Password Reset");
	out->text = buf_detach(&t);
	out->html = buf_detach(&h);
}

void
template_email_verify(const struct config *cfg, const char *to,
    const char *first_name, const char *changing_from, const char *link,
    long ttl, struct email *out)
{
	struct buf	 t = { 0 }, h = { 0 };
	char		 valid[32];
	const char	*hello = first_name && *first_name ? first_name : to;

	duration_words(ttl, valid, sizeof(valid));
	if (changing_from != NULL)
		buf_printf(&t, "Hello %s,\n\n"
		    "Someone asked to change the email address of the account "
		    "%s at %s to this one, %s.\nTo confirm the change, open "
		    "this link:\n\n%s\n\n", hello, changing_from,
		    cfg->public_url, to, link);
	else
		buf_printf(&t, "Hello %s,\n\n"
		    "Please confirm that %s is your email address at %s by "
		    "opening this link:\n\n%s\n\n", hello, to,
		    cfg->public_url, link);
	buf_printf(&t, "The link works once and for %s. If you did not ask "
	    "for it, ignore this email: nothing changes.\n\n-- \n%s\n",
	    valid, cfg->mail_from_name);

	html_open(&h, "Email Address Verification");
	buf_puts(&h, "<p>Hello ");
	html_escape(&h, hello);
	buf_puts(&h, ",</p>\n");
	if (changing_from != NULL) {
		buf_puts(&h, "<p>Someone asked to change the email address of "
		    "the account <strong>");
		html_escape(&h, changing_from);
		buf_puts(&h, "</strong> to this one, <strong>");
		html_escape(&h, to);
		buf_puts(&h, "</strong>.</p>\n");
		html_button(&h, link, "Confirm the new address");
	} else {
		buf_puts(&h, "<p>Please confirm that <strong>");
		html_escape(&h, to);
		buf_puts(&h, "</strong> is your email address.</p>\n");
		html_button(&h, link, "Verify my email address");
	}
	buf_puts(&h, "<p>The link works once and for ");
	html_escape(&h, valid);
	buf_puts(&h, ". If you did not ask for it, ignore this email: nothing "
	    "changes.</p>\n");
	html_close(&h, cfg);

	out->template = "email_verification";
	out->to = to;
	out->to_name = first_name;
	out->subject = xstrdup("Email Address Verification");
	out->text = buf_detach(&t);
	out->html = buf_detach(&h);
}

void
template_email_changed(const struct config *cfg, const char *to,
    const char *first_name, const char *new_email, const char *when,
    struct email *out)
{
	struct buf	 t = { 0 }, h = { 0 };
	const char	*hello = first_name && *first_name ? first_name : to;

	buf_printf(&t, "Hello %s,\n\n"
	    "The email address of your account at %s was changed on %s\n"
	    "from %s to %s. Notices and sign-in now go to the new address.\n\n"
	    "If you did not make this change, someone may have your password: "
	    "reply to this email or write to %s at once, and we will help you "
	    "get the account back.\n\n-- \n%s\n", hello, cfg->public_url,
	    when, to, new_email, cfg->mail_from, cfg->mail_from_name);

	html_open(&h, "Email Address Changed");
	buf_puts(&h, "<p>Hello ");
	html_escape(&h, hello);
	buf_puts(&h, ",</p>\n<p>The email address of your account was "
	    "changed on ");
	html_escape(&h, when);
	buf_puts(&h, " from <strong>");
	html_escape(&h, to);
	buf_puts(&h, "</strong> to <strong>");
	html_escape(&h, new_email);
	buf_puts(&h, "</strong>. Notices and sign-in now go to the new "
	    "address.</p>\n<p>If you did not make this change, someone may "
	    "have your password: reply to this email or write to ");
	html_escape(&h, cfg->mail_from);
	buf_puts(&h, " at once, and we will help you get the account "
	    "back.</p>\n");
	html_close(&h, cfg);

	out->template = "email_changed";
	out->to = to;
	out->to_name = first_name;
	out->subject = xstrdup("Email Address Changed");
	out->text = buf_detach(&t);
	out->html = buf_detach(&h);
}

#define UNNAMED_ADMIN	"an administrator"

void
template_unnamed_admin(const struct config *cfg, char *out, size_t outlen)
{
	(void)str_printf(out, outlen, UNNAMED_ADMIN " of %s",
	    cfg->mail_from_name);
}

bool
template_is_unnamed_admin(const char *inviter_name)
{
	return str_has_prefix(inviter_name, UNNAMED_ADMIN);
}

void
template_invite(const struct config *cfg, const struct invite_mail *m,
    struct email *out)
{
	struct buf	 t = { 0 }, h = { 0 }, subj = { 0 };
	char		 valid[32], who[DISPLAY_NAME_MAX + 1];
	bool		 unnamed, greet = m->to_name != NULL && *m->to_name != '\0';

	duration_words(m->ttl, valid, sizeof(valid));
	buf_printf(&subj, "Account Access Invitation: %s", m->account_name);
	/* the sentence starts with the sender: "An administrator of ..." */
	unnamed = m->by_admin && template_is_unnamed_admin(m->inviter_name);
	(void)str_copy(who, sizeof(who), m->inviter_name);
	if (unnamed)
		who[0] = 'A';

	buf_printf(&t, "Hello%s%s,\n\n"
	    "%s%s has invited you to access the account \"%s\" at %s.\n\n"
	    "Access granted: %s\n\n"
	    "To accept, open this link and log in or register (with any "
	    "email address you like):\n\n%s\n\n"
	    "The invitation is valid for %s and can be used once. If you "
	    "were not expecting it, you can ignore this email.\n\n-- \n%s\n",
	    greet ? " " : "", greet ? m->to_name : "", who,
	    m->by_admin && !unnamed ? " (an administrator)" : "", m->account_name, cfg->public_url, m->permissions, m->link, valid,
	    cfg->mail_from_name);

	html_open(&h, "Account Access Invitation");
	buf_puts(&h, "<p>Hello");
	if (greet) {
		buf_putc(&h, ' ');
		html_escape(&h, m->to_name);
	}
	buf_puts(&h, ",</p>\n<p><strong>");
	html_escape(&h, who);
	buf_puts(&h, "</strong>");
	if (m->by_admin && !unnamed)
		buf_puts(&h, " (an administrator)");
	buf_puts(&h, " has invited you to access the account <strong>");
	html_escape(&h, m->account_name);
	buf_puts(&h, "</strong>.</p>\n<p style=\"font-size:14px;color:#52606d\">"
	    "Access granted: ");
	html_escape(&h, m->permissions);
	buf_puts(&h, "</p>\n");
	html_button(&h, m->link, "Accept the invitation");
	buf_puts(&h, "<p>Log in or register to accept, with any email "
	    "address you like. The invitation is valid for ");
	html_escape(&h, valid);
	buf_puts(&h, " and can be used once. If you were not expecting it, "
	    "you can ignore this email.</p>\n");
	html_close(&h, cfg);

	out->template = "invite";
	out->to = m->to;
	out->to_name = greet ? m->to_name : NULL;
	out->subject = buf_detach(&subj);
	out->text = buf_detach(&t);
	out->html = buf_detach(&h);
}

void
template_two_factor_changed(const struct config *cfg, const char *to,
    const char *first_name, enum tf_change change, const char *at,
    struct email *out)
{
	struct buf	 t = { 0 }, h = { 0 };
	const char	*hello = first_name && *first_name ? first_name : to;
	const char	*what, *advice;

	switch (change) {
	case TF_TURNED_ON:
		what = "was turned on";
		advice = "From now on, signing in asks for a code from your "
		    "authenticator app after your password. Keep your "
		    "recovery codes somewhere safe.";
		break;
	case TF_TURNED_OFF:
		what = "was turned off";
		advice = "Signing in now asks for your password only.";
		break;
	default:
		what = "was turned off by an administrator";
		advice = "Signing in now asks for your password only; you can "
		    "set up two-factor authentication again under Security.";
		break;
	}
	buf_printf(&t, "Hello %s,\n\n"
	    "Two-factor authentication of the account %s at %s %s on %s.\n\n"
	    "%s\n\n"
	    "If this was not you, reset your password at once from the "
	    "sign-in page and contact support.\n\n-- \n%s\n",
	    hello, to, cfg->public_url, what, at, advice,
	    cfg->mail_from_name);

	html_open(&h, "Two-Factor Authentication Changed");
	buf_puts(&h, "<p>Hello ");
	html_escape(&h, hello);
	buf_puts(&h, ",</p>\n<p>Two-factor authentication of the account "
	    "<strong>");
	html_escape(&h, to);
	buf_puts(&h, "</strong> ");
	html_escape(&h, what);
	buf_puts(&h, " on ");
	html_escape(&h, at);
	buf_puts(&h, ".</p>\n<p>");
	html_escape(&h, advice);
	buf_puts(&h, "</p>\n<p>If this was not you, reset your password at "
	    "once from the sign-in page and contact support.</p>\n");
	html_close(&h, cfg);

	out->template = "two_factor_changed";
	out->to = to;
	out->to_name = first_name;
	out->subject = xstrdup("Two-Factor Authentication Changed");
	out->text = buf_detach(&t);
	out->html = buf_detach(&h);
}
