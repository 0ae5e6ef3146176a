/*
 * smtp.h: hand a batch of rendered messages to the SMTP relay over one
 * connection. smtp.c is the one file that touches libesmtp.
 *
 * A struct smtp_client lives as long as the process. It holds the OpenSSL
 * context given to libesmtp (TLS 1.2 at least; under smtp_starttls =
 * required the chain and the relay's host name or IP address are verified
 * against smtp_ca_file or the system store, and a failure ends the
 * session; under opportunistic a bad certificate is only logged) and the
 * AUTH credentials (PLAIN or LOGIN through libesmtp's auth-client).
 *
 * After smtp_send_batch, an item's code is
 *   2xx, 4xx, 5xx  the relay's verdict on that message (RCPT refusal, MAIL
 *                  refusal or the reply to the end of DATA), given to
 *                  hooks->done during the session as soon as it was known;
 *   0              no verdict: the session failed first (SMTP_FAILED, err
 *                  says why) or the message was never started because
 *                  hooks->stop said so (SMTP_STOPPED). A message is only
 *                  refused its content before the first byte of it, so a
 *                  stop never cuts a message in half.
 * and its given tells whether the relay had it in hand: it answered the
 * message's MAIL FROM or its content began. An item without a verdict
 * that was not given was never seen by the relay: a session that failed
 * before it (no connection, TLS, AUTH, a 554 greeting, a connection lost
 * after the previous message) says nothing about it.
 *
 * Process state it takes over: SIGPIPE is ignored (a relay hanging up
 * must not kill the mailer); SIGALRM and ITIMER_REAL bound the connect()
 * that libesmtp makes without a timeout of its own.
 */
#ifndef MEMBERD_SMTP_H
#define MEMBERD_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp_reply.h"

struct config;
struct smtp_client;

struct smtp_item {
	const char	*recipient;	/* envelope recipient */
	const char	*message;	/* RFC 5322 text, CRLF line ends */
	size_t		 len;
	void		*arg;		/* the caller's */
	/* results */
	int		 code;		/* 0: no verdict (see above) */
	bool		 given;		/* the relay answered its MAIL or
					   its content began */
	char		 reply[SMTP_REPLY_MAX];	/* the relay's text, one line */
};

struct smtp_hooks {
	/* An item has its verdict (called inside the session). */
	void	(*done)(struct smtp_item *, void *arg);
	/* Called at every step of the dialogue: keep leases alive. */
	void	(*tick)(void *arg);
	/* True when no further message may be started. */
	bool	(*stop)(void *arg);
	void	 *arg;
};

enum smtp_result {
	SMTP_OK,	/* every item has a verdict */
	SMTP_FAILED,	/* the session failed; err says why */
	SMTP_STOPPED,	/* hooks->stop ended it between two messages */
};

/*
 * Set up TLS and AUTH from cfg, which must outlive the client. Returns
 * NULL with err set when the CA file cannot be loaded. Free with
 * smtp_client_free.
 */
struct smtp_client *smtp_client_new(const struct config *cfg, char *err,
		    size_t errlen);
void		 smtp_client_free(struct smtp_client *);

/* Send every item over one session; see above for the results. */
enum smtp_result smtp_send_batch(struct smtp_client *, struct smtp_item *,
		    size_t n, const struct smtp_hooks *, char *err,
		    size_t errlen);

#endif
