/* Unit tests: reading the relay's replies, and keeping addresses out of logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smtp_reply.h"

static void
feed(struct smtp_watch *w, const char *s)
{
	smtp_watch_read(w, s, strlen(s));
}

static void
test_reply_code_is_three_digits_then_space_or_dash(void **state)
{
	(void)state;
	assert_int_equal(smtp_reply_code("250 ok"), 250);
	assert_int_equal(smtp_reply_code("250-PIPELINING"), 250);
	assert_int_equal(smtp_reply_code("421"), 421);
	assert_int_equal(smtp_reply_code("25 ok"), 0);
	assert_int_equal(smtp_reply_code("2500 ok"), 0);
	assert_int_equal(smtp_reply_code("abc"), 0);
	assert_int_equal(smtp_reply_code(""), 0);
}

static void
test_auth_success_is_seen_after_plain(void **state)
{
	struct smtp_watch	w = { 0 };

	(void)state;
	feed(&w, "250-relay\r\n250-AUTH PLAIN LOGIN\r\n250 OK\r\n");
	assert_false(w.auth_pending);
	smtp_watch_wrote(&w, "AUTH PLAIN AGFubgBzZWNyZXQ=\r\n", 30);
	assert_true(w.auth_pending);
	feed(&w, "235 2.7.0 Accepted\r\n");
	assert_true(w.authenticated);
	assert_false(w.auth_refused);
	assert_false(w.auth_pending);
}

static void
test_auth_login_challenges_do_not_end_the_exchange(void **state)
{
	struct smtp_watch	w = { 0 };

	(void)state;
	smtp_watch_wrote(&w, "AUTH LOGIN\r\n", 12);
	feed(&w, "334 VXNlcm5hbWU6\r\n");
	smtp_watch_wrote(&w, "YW5u\r\n", 6);
	assert_true(w.auth_pending);
	feed(&w, "334 UGFzc3dvcmQ6\r\n");
	smtp_watch_wrote(&w, "c2VjcmV0\r\n", 10);
	feed(&w, "535 5.7.8 bad credentials\r\n");
	assert_false(w.authenticated);
	assert_true(w.auth_refused);
	assert_string_equal(w.auth_reply, "535 5.7.8 bad credentials");
}

static void
test_replies_split_across_reads_are_reassembled(void **state)
{
	struct smtp_watch	w = { 0 };

	(void)state;
	smtp_watch_wrote(&w, "AUTH PLAIN x\r\n", 14);
	feed(&w, "23");
	assert_true(w.auth_pending);
	feed(&w, "5 ok\r");
	feed(&w, "\n250 next");
	assert_true(w.authenticated);
	assert_string_equal(w.last, "235 ok");
}

static void
test_what_the_mailer_writes_is_never_kept(void **state)
{
	struct smtp_watch	w = { 0 };
	const char		*cred = "AUTH PLAIN AHVzZXIAaHVudGVyMg==\r\n";

	(void)state;
	smtp_watch_wrote(&w, cred, strlen(cred));
	assert_null(memmem(&w, sizeof(w), "AHVzZXIA", 8));
}

static void
test_an_overlong_line_is_truncated_not_overflowed(void **state)
{
	struct smtp_watch	w = { 0 };
	char			big[2000];

	(void)state;
	memset(big, 'x', sizeof(big));
	big[0] = '5'; big[1] = '5'; big[2] = '0'; big[3] = ' ';
	smtp_watch_read(&w, big, sizeof(big));
	feed(&w, "\r\n");
	assert_int_equal(strlen(w.last), SMTP_REPLY_MAX - 1);
	assert_int_equal(smtp_reply_code(w.last), 550);
}

static void
test_redact_hides_local_parts_and_keeps_domains(void **state)
{
	char	out[256];

	(void)state;
	smtp_reply_redact("550 5.1.1 <ann.lee+x@example.org>: Recipient "
	    "address rejected", out, sizeof(out));
	assert_string_equal(out, "550 5.1.1 <*@example.org>: Recipient "
	    "address rejected");
	smtp_reply_redact("from bob@a.example to carol@b.example", out,
	    sizeof(out));
	assert_string_equal(out, "from *@a.example to *@b.example");
	smtp_reply_redact("no address @ all, x@ y", out, sizeof(out));
	assert_string_equal(out, "no address @ all, x@ y");
}

static void
test_redact_turns_controls_into_spaces_and_fits(void **state)
{
	char	out[8];

	(void)state;
	smtp_reply_redact("451\r\nBcc: x", out, sizeof(out));
	assert_string_equal(out, "451  Bc");
	smtp_reply_redact("", out, sizeof(out));
	assert_string_equal(out, "");
}

static void
test_redact_cut_keeps_utf8_whole(void **state)
{
	char	out[8];

	(void)state;
	/* 7 bytes fit; the seventh would be half of the second "é" */
	smtp_reply_redact("550 \xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "550 \xc3\xa9");
	smtp_reply_redact("550 ab\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "550 ab");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_code_is_three_digits_then_space_or_dash),
		cmocka_unit_test(test_auth_success_is_seen_after_plain),
		cmocka_unit_test(test_auth_login_challenges_do_not_end_the_exchange),
		cmocka_unit_test(test_replies_split_across_reads_are_reassembled),
		cmocka_unit_test(test_what_the_mailer_writes_is_never_kept),
		cmocka_unit_test(test_an_overlong_line_is_truncated_not_overflowed),
		cmocka_unit_test(test_redact_hides_local_parts_and_keeps_domains),
		cmocka_unit_test(test_redact_turns_controls_into_spaces_and_fits),
		cmocka_unit_test(test_redact_cut_keeps_utf8_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
