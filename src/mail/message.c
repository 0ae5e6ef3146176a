/* message.c: RFC 5322 / MIME rendering of one email. */
#include <stdio.h>
#include <string.h>

#include "message.h"
#include "util.h"
#include "validate.h"
#include "banned.h"

#define QP_LINE_MAX	76

static const char hexdigits[] = "0123456789ABCDEF";

bool
header_value_ok(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/*
 * Encoded output gathers in a small local buffer: appending to the
 * message one byte at a time was most of the mailer's CPU.
 */
struct qp_out {
	struct buf	*out;
	size_t		 col;
	size_t		 n;
	char		 tmp[1024];
};

static void
qp_flush(struct qp_out *q)
{
	buf_append(q->out, q->tmp, q->n);
	q->n = 0;
}

static void
qp_raw(struct qp_out *q, const char *s, size_t n)
{
	if (q->n + n > sizeof(q->tmp))
		qp_flush(q);
	memcpy(q->tmp + q->n, s, n);
	q->n += n;
}

/* Append one encoded byte, breaking the line softly when it would be long. */
static void
qp_put(struct qp_out *q, const char *piece, size_t n)
{
	if (q->col + n > QP_LINE_MAX - 1) {
		qp_raw(q, "=\r\n", 3);
		q->col = 0;
	}
	qp_raw(q, piece, n);
	q->col += n;
}

/*
 * The encoded width of the link starting at in[i] ("http://" or
 * "https://" up to a space, quote or angle bracket), or 0 when none
 * starts there.
 */
static size_t
qp_link_width(const char *in, size_t n, size_t i)
{
	size_t	j, w = 0;

	if (!(n - i >= 7 && strncmp(in + i, "http://", 7) == 0) &&
	    !(n - i >= 8 && strncmp(in + i, "https://", 8) == 0))
		return 0;
	for (j = i; j < n && (unsigned char)in[j] > ' ' && in[j] != '"' &&
	    in[j] != '<' && in[j] != '>' && in[j] != '\''; j++)
		w += ((unsigned char)in[j] >= 127 || in[j] == '=') ? 3 : 1;
	return w;
}

void
qp_encode(const char *in, size_t n, struct buf *out)
{
	struct qp_out	 q;
	size_t		 i, link;
	unsigned char	 c;
	char		 esc[3];
	bool		 line_end;

	q.out = out;
	q.col = 0;
	q.n = 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c == '\r' && i + 1 < n && in[i + 1] == '\n')
			continue;
		if (c == '\n') {
			qp_raw(&q, "\r\n", 2);
			q.col = 0;
			continue;
		}
		/*
		 * A link that fits on a line starts one rather than being
		 * broken, so it reads whole even in the raw message.
		 */
		if (q.col > 0 && c == 'h' &&
		    (link = qp_link_width(in, n, i)) > 0 &&
		    link <= QP_LINE_MAX - 1 && q.col + link > QP_LINE_MAX - 1) {
			qp_raw(&q, "=\r\n", 3);
			q.col = 0;
		}
		line_end = i + 1 == n || in[i + 1] == '\n' ||
		    (in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n');
		/*
		 * Literal: printable ASCII but '=', and space or tab unless
		 * they end a line. A leading '.' or "From " is escaped so no
		 * transport can mangle it.
		 */
		if (((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !line_end)) &&
		    !(q.col == 0 && c == '.') &&
		    !(q.col == 0 && c == 'F' && n - i >= 5 &&
		    strncmp(in + i, "From ", 5) == 0)) {
			esc[0] = (char)c;
			qp_put(&q, esc, 1);
		} else {
			esc[0] = '=';
			esc[1] = hexdigits[c >> 4];
			esc[2] = hexdigits[c & 15];
			qp_put(&q, esc, 3);
		}
	}
	qp_flush(&q);
}

/* True when the body holds a link too long for a quoted-printable line. */
static bool
has_long_link(const char *s)
{
	size_t	n = strlen(s), i;

	for (i = 0; i < n; i++)
		if (s[i] == 'h' && qp_link_width(s, n, i) > QP_LINE_MAX - 1)
			return true;
	return false;
}

/*
 * True when a body can go as it is (7bit): printable ASCII, tabs and line
 * ends only, lines of at most 998 octets, no line a transport could
 * mangle (a leading "." or "From "), and no "=_", which our boundaries
 * begin with. Such a body needs no encoding, and its links stay whole.
 */
static bool
body_is_7bit(const char *s)
{
	const unsigned char	*p;
	size_t			 col = 0;

	if (strstr(s, "=_") != NULL)
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			if (*p == '\r')
				p++;
			col = 0;
			continue;
		}
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
			return false;
		if (col == 0 && (*p == '.' ||
		    strncmp((const char *)p, "From ", 5) == 0))
			return false;
		if (++col > 998)
			return false;
	}
	return true;
}

/*
 * A body part's Content-Transfer-Encoding header, blank line and body:
 * quoted-printable, unless a link in it is too long for one encoded line
 * (a reset link usually is) and the body can go as it is, as 7bit: then
 * the link reads whole even to whoever reads the raw message.
 */
static void
body_put(struct buf *b, const char *s)
{
	const char	*p, *nl;

	if (!has_long_link(s) || !body_is_7bit(s)) {
		buf_puts(b, "Content-Transfer-Encoding: quoted-printable\r\n"
		    "\r\n");
		qp_encode(s, strlen(s), b);
		return;
	}
	buf_puts(b, "Content-Transfer-Encoding: 7bit\r\n\r\n");
	for (p = s; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			buf_puts(b, p);
			return;
		}
		buf_append(b, p, (size_t)(nl - p -
		    (nl > p && nl[-1] == '\r')));
		buf_puts(b, "\r\n");
	}
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
base64_put(struct buf *out, const unsigned char *p, size_t n)
{
	size_t	i;
	char	q[4];

	for (i = 0; i + 2 < n; i += 3) {
		q[0] = b64[p[i] >> 2];
		q[1] = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		q[3] = b64[p[i + 2] & 63];
		buf_append(out, q, 4);
	}
	if (n - i == 1) {
		q[0] = b64[p[i] >> 2];
		q[1] = b64[(p[i] & 3) << 4];
		q[2] = q[3] = '=';
		buf_append(out, q, 4);
	} else if (n - i == 2) {
		q[0] = b64[p[i] >> 2];
		q[1] = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = b64[(p[i + 1] & 15) << 2];
		q[3] = '=';
		buf_append(out, q, 4);
	}
}

/*
 * The most a header value goes out unencoded: with its field name it must
 * fit a line of 998 octets. Longer text becomes encoded words, which fold.
 */
#define HEADER_PLAIN_MAX	900

static bool
plain_ascii(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	/* "=?" would be read as the start of an encoded word */
	return strstr(s, "=?") == NULL &&
	    (size_t)(p - (const unsigned char *)s) <= HEADER_PLAIN_MAX;
}

void
header_encode(const char *in, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 n = strlen(in), i = 0, take;
	bool			 first = true;

	if (plain_ascii(in)) {
		buf_puts(out, in);
		return;
	}
	/* 45 bytes make 60 base64 characters: a 72-character word. */
	while (i < n) {
		take = n - i > 45 ? 45 : n - i;
		/* never split a UTF-8 sequence across two words */
		while (take > 0 && i + take < n &&
		    (p[i + take] & 0xC0) == 0x80)
			take--;
		if (take == 0)
			take = n - i > 45 ? 45 : n - i;
		if (!first)
			buf_puts(out, "\r\n ");
		buf_puts(out, "=?UTF-8?B?");
		base64_put(out, p + i, take);
		buf_puts(out, "?=");
		first = false;
		i += take;
	}
}

/* A display name and address: "Name" <a@b>, =?UTF-8?B?..?= <a@b>, or a@b. */
static void
mailbox_put(struct buf *out, const char *name, const char *addr)
{
	const char	*p;

	if (name == NULL || *name == '\0') {
		buf_puts(out, addr);
		return;
	}
	if (plain_ascii(name)) {
		buf_putc(out, '"');
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(out, '\\');
			buf_putc(out, *p);
		}
		buf_putc(out, '"');
	} else
		header_encode(name, out);
	buf_printf(out, " <%s>", addr);
}

int
message_render(const struct mail *m, struct buf *out)
{
	struct buf	 b = { 0 };
	char		 date[64], boundary[64];
	struct tm	 tm;
	unsigned long	 h = 5381;
	const char	*p;

	if (!mail_address_ok(m->from_addr) || !mail_address_ok(m->to_addr) ||
	    !header_value_ok(m->subject) || !header_value_ok(m->message_id) ||
	    (m->from_name && !header_value_ok(m->from_name)) ||
	    (m->to_name && !header_value_ok(m->to_name)) || m->text == NULL)
		return -1;

	gmtime_r(&m->date, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	for (p = m->message_id; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	/*
	 * "=_" never occurs in quoted-printable text, and a body holding it
	 * goes quoted-printable: a safe boundary.
	 */
	snprintf(boundary, sizeof(boundary), "=_memberd_%016lx", h);

	buf_puts(&b, "From: ");
	mailbox_put(&b, m->from_name, m->from_addr);
	buf_puts(&b, "\r\nTo: ");
	mailbox_put(&b, m->to_name, m->to_addr);
	buf_puts(&b, "\r\nSubject: ");
	header_encode(m->subject, &b);
	buf_printf(&b, "\r\nDate: %s\r\nMessage-ID: %s\r\n"
	    "MIME-Version: 1.0\r\n", date, m->message_id);
	if (m->html == NULL) {
		buf_puts(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
		body_put(&b, m->text);
		/* end the message with a line end, adding no empty line */
		if (b.len < 2 || strcmp(b.data + b.len - 2, "\r\n") != 0)
			buf_puts(&b, "\r\n");
	} else {
		buf_printf(&b, "Content-Type: multipart/alternative; "
		    "boundary=\"%s\"\r\n\r\n"
		    "This is a multi-part message in MIME format.\r\n\r\n",
		    boundary);
		buf_printf(&b, "--%s\r\nContent-Type: text/plain; "
		    "charset=UTF-8\r\n", boundary);
		body_put(&b, m->text);
		buf_printf(&b, "\r\n--%s\r\nContent-Type: text/html; "
		    "charset=UTF-8\r\n", boundary);
		body_put(&b, m->html);
		buf_printf(&b, "\r\n--%s--\r\n", boundary);
	}
	buf_append(out, b.data, b.len);
	buf_release(&b);
	return 0;
}
