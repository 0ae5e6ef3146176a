/* Unit tests: email rendering (quoted-printable, RFC 2047, header safety). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "message.h"

/* A link longer than a quoted-printable line, as a reset link is. */
#define LONG_LINK " http://127.0.0.1:8080/reset-password#" \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ\n"

static struct mail
sample(void)
{
	struct mail	m = {
		.from_addr = "memberd@example.com",
		.from_name = "Example Portal",
		.to_addr = "ann@example.org",
		.to_name = "Ann",
		.subject = "Account Access Invitation",
		.text = "Hello\n",
		.html = "<p>Hello</p>",
		.message_id = "<1.abc@example.com>",
		.date = 0,
	};
	return m;
}

static void
assert_lines_at_most(const char *s, size_t max)
{
	const char	*p = s, *e;

	while ((e = strstr(p, "\r\n")) != NULL) {
		assert_true((size_t)(e - p) <= max);
		p = e + 2;
	}
}

static void
test_qp_escapes_equals_8bit_and_trailing_space(void **state)
{
	struct buf	b = { 0 };
	const char	in[] = "a=b Zo\xc3\xab end \nnext";

	(void)state;
	qp_encode(in, strlen(in), &b);
	assert_string_equal(b.data, "a=3Db Zo=C3=AB end=20\r\nnext");
	buf_release(&b);
}

static void
test_qp_escapes_leading_dot_and_from(void **state)
{
	struct buf	b = { 0 };
	const char	in[] = ".\n.hidden\nFrom me\nX.y";

	(void)state;
	qp_encode(in, strlen(in), &b);
	assert_string_equal(b.data,
	    "=2E\r\n=2Ehidden\r\n=46rom me\r\nX.y");
	buf_release(&b);
}

static void
test_qp_lines_never_exceed_76(void **state)
{
	struct buf	b = { 0 };
	char		in[3000];

	(void)state;
	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	in[100] = '=';
	qp_encode(in, strlen(in), &b);
	buf_puts(&b, "\r\n");
	assert_lines_at_most(b.data, 76);
	buf_release(&b);
}

static void
test_header_encode_ascii_stays_and_utf8_becomes_words(void **state)
{
	struct buf	b = { 0 };

	(void)state;
	header_encode("Plain subject", &b);
	assert_string_equal(b.data, "Plain subject");
	buf_reset(&b);
	header_encode("Gr\xc3\xbc\xc3\x9f" "e", &b);
	assert_string_equal(b.data, "=?UTF-8?B?R3LDvMOfZQ==?=");
	buf_reset(&b);
	header_encode("looks =?like?= a word", &b);
	assert_true(str_has_prefix(b.data, "=?UTF-8?B?"));
	buf_release(&b);
}

static void
test_long_utf8_header_is_folded_into_short_words(void **state)
{
	struct buf	b = { 0 };
	char		in[400] = "";
	int		i;

	(void)state;
	for (i = 0; i < 60; i++)
		memcpy(in + i * 3, "\xe2\x82\xac", 3);	/* euro sign */
	header_encode(in, &b);
	buf_puts(&b, "\r\n");
	assert_lines_at_most(b.data, 76);
	assert_non_null(strstr(b.data, "?=\r\n =?UTF-8?B?"));
	buf_release(&b);
}

static void
test_long_ascii_headers_still_fit_a_line(void **state)
{
	struct mail	m = sample();
	struct buf	b = { 0 };
	char		subject[1600], name[1300];

	(void)state;
	memset(subject, 'S', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '\0';
	memset(name, 'N', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	m.subject = subject;
	m.to_name = name;
	assert_int_equal(message_render(&m, &b), 0);
	assert_lines_at_most(b.data, 998);
	assert_non_null(strstr(b.data, "Subject: =?UTF-8?B?"));
	buf_release(&b);
}

static void
test_render_has_every_header(void **state)
{
	struct mail	m = sample();
	struct buf	b = { 0 };

	(void)state;
	assert_int_equal(message_render(&m, &b), 0);
	assert_true(str_has_prefix(b.data,
	    "From: \"Example Portal\" <memberd@example.com>\r\n"
	    "To: \"Ann\" <ann@example.org>\r\n"
	    "Subject: Account Access Invitation\r\n"
	    "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
	    "Message-ID: <1.abc@example.com>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative;"));
	assert_non_null(strstr(b.data, "Content-Type: text/plain; charset=UTF-8"));
	assert_non_null(strstr(b.data, "Content-Type: text/html; charset=UTF-8"));
	assert_lines_at_most(b.data, 998);
	buf_release(&b);
}

static void
test_a_text_only_body_ends_without_an_added_empty_line(void **state)
{
	struct mail	m = sample();
	struct buf	b = { 0 };
	size_t		n;

	(void)state;
	m.html = NULL;
	m.text = "line\n";
	assert_int_equal(message_render(&m, &b), 0);
	n = b.len;
	assert_true(n > 10);
	assert_string_equal(b.data + n - 8, "\r\nline\r\n");
	buf_reset(&b);
	m.text = "no line end";
	assert_int_equal(message_render(&m, &b), 0);
	assert_string_equal(b.data + b.len - 13, "no line end\r\n");
	buf_release(&b);
}

static void
test_email_with_crlf_is_refused(void **state)
{
	struct mail	m;
	struct buf	b = { 0 };

	(void)state;
	m = sample();
	m.to_name = "Ann\r\nBcc: victim@example.net";
	assert_int_equal(message_render(&m, &b), -1);
	m = sample();
	m.subject = "Hi\nBcc: victim@example.net";
	assert_int_equal(message_render(&m, &b), -1);
	m = sample();
	m.to_addr = "ann@example.org\r\nBcc: victim@example.net";
	assert_int_equal(message_render(&m, &b), -1);
	m = sample();
	m.to_addr = "ann@example.org>, <victim@example.net";
	assert_int_equal(message_render(&m, &b), -1);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
test_qp_starts_a_line_for_a_link_that_fits(void **state)
{
	struct buf	b = { 0 };
	const char	link[] = "http://127.0.0.1:8080/invite#"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
	char		in[400];

	(void)state;
	snprintf(in, sizeof(in), "Zo\xc3\xab says: open %s to accept.", link);
	qp_encode(in, strlen(in), &b);
	buf_puts(&b, "\r\n");
	assert_lines_at_most(b.data, 76);
	assert_true(strstr(b.data, "open =\r\nhttp://127.0.0.1:8080/invite#") !=
	    NULL);
	assert_non_null(strstr(b.data, link));
	buf_release(&b);
}

static void
test_ascii_parts_with_a_long_link_go_as_they_are(void **state)
{
	struct mail	m = sample();
	struct buf	b = { 0 };
	const char	*link = "http://127.0.0.1:8080/reset-password#"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
	char		text[300], html[300];

	(void)state;
	snprintf(text, sizeof(text), "Hello Ann,\n\nChoose a password: %s\n",
	    link);
	snprintf(html, sizeof(html), "<p>Hello Ann,</p>\n<p><a href=\"%s\">"
	    "Choose a password</a></p>", link);
	m.text = text;
	m.html = html;
	assert_int_equal(message_render(&m, &b), 0);
	assert_null(strstr(b.data, "quoted-printable"));
	assert_non_null(strstr(b.data, "charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\nHello Ann,\r\n\r\n"
	    "Choose a password: http://127.0.0.1:8080/reset-password#"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ\r\n"));
	assert_non_null(strstr(b.data, "<a href=\"http://127.0.0.1:8080/"));
	buf_reset(&b);
	/* links that fit a line: quoted-printable, and the link still whole */
	m.text = "Hello Ann,\n\nAccept: http://127.0.0.1:8080/invite#"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ\n";
	m.html = NULL;
	assert_int_equal(message_render(&m, &b), 0);
	assert_non_null(strstr(b.data,
	    "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_non_null(strstr(b.data, "http://127.0.0.1:8080/invite#"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"));
	buf_release(&b);
}

static void
test_parts_that_need_it_are_quoted_printable(void **state)
{
	const char	*bodies[] = {
		"Hello Ann\n",			/* no long link */
		"Hello Zo\xc3\xab" LONG_LINK,	/* not ASCII */
		"fine\n.dot first" LONG_LINK,	/* a transport could eat it */
		"fine\nFrom here" LONG_LINK,	/* mbox would mangle it */
		"--=_memberd_0000000000000000" LONG_LINK,	/* a boundary */
		"a lone \r here" LONG_LINK,
	};
	struct mail	m = sample();
	struct buf	b = { 0 };
	char		longline[1200];
	size_t		i;

	(void)state;
	m.html = NULL;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		m.text = bodies[i];
		assert_int_equal(message_render(&m, &b), 0);
		assert_non_null(strstr(b.data,
		    "Content-Transfer-Encoding: quoted-printable\r\n"));
		buf_reset(&b);
	}
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "http://", 7);	/* a long link, in a long line */
	m.text = longline;
	assert_int_equal(message_render(&m, &b), 0);
	assert_non_null(strstr(b.data, "quoted-printable"));
	assert_lines_at_most(b.data, 998);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_escapes_equals_8bit_and_trailing_space),
		cmocka_unit_test(test_qp_escapes_leading_dot_and_from),
		cmocka_unit_test(test_qp_lines_never_exceed_76),
		cmocka_unit_test(test_header_encode_ascii_stays_and_utf8_becomes_words),
		cmocka_unit_test(test_long_utf8_header_is_folded_into_short_words),
		cmocka_unit_test(test_long_ascii_headers_still_fit_a_line),
		cmocka_unit_test(test_render_has_every_header),
		cmocka_unit_test(test_a_text_only_body_ends_without_an_added_empty_line),
		cmocka_unit_test(test_email_with_crlf_is_refused),
		cmocka_unit_test(test_qp_starts_a_line_for_a_link_that_fits),
		cmocka_unit_test(test_ascii_parts_with_a_long_link_go_as_they_are),
		cmocka_unit_test(test_parts_that_need_it_are_quoted_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
