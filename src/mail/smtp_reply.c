/* smtp_reply.c: reading the relay's replies; see smtp_reply.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp_reply.h"
#include "util.h"
#include "banned.h"

void
smtp_watch_reset(struct smtp_watch *w)
{
	memset(w, 0, sizeof(*w));
}

void
smtp_watch_wrote(struct smtp_watch *w, const char *buf, size_t n)
{
	/* AUTH goes out alone (libesmtp flushes before it). */
	if (n >= 5 && strncasecmp(buf, "AUTH ", 5) == 0) {
		w->auth_pending = true;
		w->authenticated = false;
		w->auth_refused = false;
		w->auth_reply[0] = '\0';
	}
}

int
smtp_reply_code(const char *line)
{
	int	i, code = 0;

	for (i = 0; i < 3; i++) {
		if (line[i] < '0' || line[i] > '9')
			return 0;
		code = code * 10 + (line[i] - '0');
	}
	if (line[3] != '\0' && line[3] != ' ' && line[3] != '-')
		return 0;
	return code < 100 ? 0 : code;
}

/* A whole reply line has arrived in w->line. */
static void
watch_line(struct smtp_watch *w)
{
	int	code;

	while (w->len > 0 && (w->line[w->len - 1] == '\r' ||
	    w->line[w->len - 1] == '\n'))
		w->len--;
	w->line[w->len] = '\0';
	(void)str_copy(w->last, sizeof(w->last), w->line);
	w->len = 0;
	if (!w->auth_pending || w->last[3] == '-')
		return;
	code = smtp_reply_code(w->last);
	if (code == 334)
		return;		/* a challenge: the exchange goes on */
	w->auth_pending = false;
	if (code >= 200 && code < 300)
		w->authenticated = true;
	else {
		w->auth_refused = true;
		(void)str_copy(w->auth_reply, sizeof(w->auth_reply), w->last);
	}
}

void
smtp_watch_read(struct smtp_watch *w, const char *buf, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		/* don't believe a line longer than we keep: truncate it */
		if (w->len < sizeof(w->line) - 1)
			w->line[w->len++] = buf[i];
		if (buf[i] == '\n')
			watch_line(w);
	}
}

static bool
local_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr(".!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static bool
domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '[' || c >= 0x80;
}

void
smtp_reply_redact(const char *in, char *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)in, *q;
	size_t			 o = 0;
	unsigned char		 c;

	if (outlen == 0)
		return;
	while (*p != '\0' && o + 1 < outlen) {
		q = p;
		while (local_char(*q))
			q++;
		if (q > p && *q == '@' && domain_char(q[1])) {
			out[o++] = '*';
			p = q;		/* the '@' and the domain stay */
			continue;
		}
		if (q == p)
			q = p + 1;	/* one character that is no local part */
		while (p < q && o + 1 < outlen) {
			c = *p++;
			out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
		}
	}
	/* out is full: never end it inside a character */
	if (*p != '\0')
		o = utf8_complete_len(out, o);
	out[o] = '\0';
}
