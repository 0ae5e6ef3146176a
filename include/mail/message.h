/*
 * message.h: an outbound email rendered as RFC 5322 text with CRLF line
 * ends: multipart/alternative (text and HTML), UTF-8, quoted-printable
 * (a link that fits a line starts one, so it reads whole; a part with a
 * longer link goes as it is, 7bit, when it is plain short-lined ASCII),
 * RFC 2047 encoded words in headers that are not ASCII. Pure code.
 */
#ifndef MEMBERD_MESSAGE_H
#define MEMBERD_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "util.h"

struct mail {
	const char	*from_addr;
	const char	*from_name;	/* may be NULL or empty */
	const char	*to_addr;
	const char	*to_name;	/* may be NULL or empty */
	const char	*subject;
	const char	*text;		/* required */
	const char	*html;		/* NULL: a single text/plain part */
	const char	*message_id;	/* "<...@...>" */
	time_t		 date;
};

/*
 * Render m into out. Returns 0, or -1 when a header value would carry CR,
 * LF or another control character (nothing is appended then).
 */
int	message_render(const struct mail *m, struct buf *out) MUST_CHECK;

/* Quoted-printable body encoding (RFC 2045), CRLF line ends. */
void	qp_encode(const char *in, size_t n, struct buf *out);
/*
 * A header phrase: as is when plain printable ASCII, else RFC 2047
 * "=?UTF-8?B?...?=" words of at most 75 characters, folded with CRLF SP.
 */
void	header_encode(const char *in, struct buf *out);
/* True when s holds no byte below 0x20 (tab included) and no DEL. */
bool	header_value_ok(const char *s);
/* (mail_address_ok, which the configuration checks too: validate.h) */

#endif
