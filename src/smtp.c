/* smtp.c: one libesmtp session per batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libesmtp.h>

#include "config.h"
#include "log.h"
#include "smtp.h"
#include "util.h"
#include "banned.h"

static void
status_copy(struct smtp_item *it, const smtp_status_t *st)
{
	size_t	n;

	it->code = st ? st->code : 0;
	snprintf(it->reply, sizeof(it->reply), "%s",
	    st && st->text ? st->text : "");
	/* keep the reply on one line for logs and last_error */
	for (n = 0; it->reply[n] != '\0'; n++)
		if (it->reply[n] == '\r' || it->reply[n] == '\n')
			it->reply[n] = ' ';
}

int
smtp_send_batch(const struct config *cfg, struct smtp_item *items, size_t n,
    char *err, size_t errlen)
{
	smtp_session_t	  session;
	smtp_message_t	 *msgs;
	smtp_recipient_t *rcpts;
	const smtp_status_t *rs;
	char		  server[512], ebuf[128];
	size_t		  i;
	int		  rc = -1;

	if ((session = smtp_create_session()) == NULL) {
		snprintf(err, errlen, "smtp_create_session failed");
		return -1;
	}
	msgs = xcalloc(n, sizeof(*msgs));
	rcpts = xcalloc(n, sizeof(*rcpts));
	snprintf(server, sizeof(server), "%s:%ld", cfg->smtp_host,
	    cfg->smtp_port);
	smtp_set_server(session, server);
	smtp_starttls_enable(session, Starttls_DISABLED);
	smtp_set_timeout(session, Timeout_GREETING |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cfg->smtp_connect_timeout_ms);
	smtp_set_timeout(session, Timeout_ENVELOPE |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cfg->smtp_command_timeout_ms);
	smtp_set_timeout(session, Timeout_DATA |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cfg->smtp_command_timeout_ms);
	smtp_set_timeout(session, Timeout_TRANSFER |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cfg->smtp_command_timeout_ms);
	smtp_set_timeout(session, Timeout_DATA2 |
	    Timeout_OVERRIDE_RFC2822_MINIMUM, cfg->smtp_command_timeout_ms);

	for (i = 0; i < n; i++) {
		items[i].code = 0;
		items[i].reply[0] = '\0';
		msgs[i] = smtp_add_message(session);
		if (msgs[i] == NULL ||
		    !smtp_set_reverse_path(msgs[i], cfg->mail_from) ||
		    (rcpts[i] = smtp_add_recipient(msgs[i],
		    items[i].recipient)) == NULL ||
		    !smtp_set_message_str(msgs[i], (void *)items[i].message)) {
			snprintf(err, errlen, "cannot build the SMTP session");
			goto out;
		}
	}
	if (!smtp_start_session(session)) {
		smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf));
		snprintf(err, errlen, "%s: %s", server, ebuf);
		/* what was reached before the failure still counts */
	} else
		rc = 0;
	for (i = 0; i < n; i++) {
		rs = smtp_recipient_status(rcpts[i]);
		if (rs != NULL && rs->code != 0 && (rs->code < 200 ||
		    rs->code >= 300)) {
			status_copy(&items[i], rs);	/* RCPT refused */
			continue;
		}
		status_copy(&items[i], smtp_message_transfer_status(msgs[i]));
	}
out:
	smtp_destroy_session(session);
	free(msgs);
	free(rcpts);
	return rc;
}
