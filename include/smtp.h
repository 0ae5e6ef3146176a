/*
 * smtp.h: hand a batch of rendered messages to the SMTP relay over one
 * session (smtp.c, the one file that touches libesmtp).
 */
#ifndef MEMBERD_SMTP_H
#define MEMBERD_SMTP_H

#include <stddef.h>

struct config;

struct smtp_item {
	const char	*recipient;	/* envelope recipient */
	const char	*message;	/* RFC 5322 text, CRLF line ends */
	/* results */
	int		 code;		/* 0: never reached the server */
	char		 reply[256];	/* the server's text for code */
};

/*
 * Send every item over one session. Returns 0 when the session ran (each
 * item then has its own code), or -1 when the relay could not be reached
 * or the session broke (err says why; items not reached keep code 0).
 */
int	smtp_send_batch(const struct config *, struct smtp_item *, size_t n,
	    char *err, size_t errlen);

#endif
