/*
 * smtp_reply.h: what the mailer learns from the relay's replies, as pure
 * code unit-tested without a server. smtp.c feeds a struct smtp_watch with
 * the dialogue as libesmtp's protocol monitor sees it, to know the last
 * reply line (for errors) and whether AUTH succeeded (libesmtp carries on
 * unauthenticated when AUTH is refused, and has no call to ask).
 *
 * Nothing here keeps what the mailer writes: those bytes hold the AUTH
 * credentials. Only the first word of a write is looked at.
 */
#ifndef MEMBERD_SMTP_REPLY_H
#define MEMBERD_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define SMTP_REPLY_MAX	256

struct smtp_watch {
	char	 line[SMTP_REPLY_MAX];	/* reply line being assembled */
	size_t	 len;
	char	 last[SMTP_REPLY_MAX];	/* last complete reply line */
	bool	 auth_pending;		/* AUTH sent, no final reply yet */
	bool	 authenticated;		/* the relay answered 2xx to AUTH */
	bool	 auth_refused;		/* ... or 4xx/5xx: see auth_reply */
	char	 auth_reply[SMTP_REPLY_MAX];
};

/* Zero-initialised is ready; reset between sessions. */
void	smtp_watch_reset(struct smtp_watch *);
/* Bytes the client wrote: only notes that an AUTH command began. */
void	smtp_watch_wrote(struct smtp_watch *, const char *buf, size_t n);
/* Bytes the server sent, in any chunking. */
void	smtp_watch_read(struct smtp_watch *, const char *buf, size_t n);

/* The three-digit code that begins a reply line, or 0. */
int	smtp_reply_code(const char *line);
/*
 * Copy in to out (always terminated), with control characters turned
 * into spaces and the local part of any mail address replaced by '*', so
 * a reply such as "550 <ann@example.org> unknown" can be logged.
 */
void	smtp_reply_redact(const char *in, char *out, size_t outlen);

#endif
