/* Unit tests: buffers, strict number and duration parsing, trimming,
 * cutting text on UTF-8 character boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void
test_buf_grows_and_stays_terminated(void **state)
{
	struct buf	b = { 0 };
	int		i;

	(void)state;
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.data));
	assert_true(str_has_prefix(b.data, "0,1,2,"));
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
}

static void
test_parse_long_refuses_junk_and_range(void **state)
{
	long	v;

	(void)state;
	assert_true(parse_long("42", 0, 100, &v));
	assert_int_equal(v, 42);
	assert_false(parse_long("", 0, 100, &v));
	assert_false(parse_long(" 42", 0, 100, &v));
	assert_false(parse_long("42x", 0, 100, &v));
	assert_false(parse_long("101", 0, 100, &v));
	assert_false(parse_long("-1", 0, 100, &v));
	assert_false(parse_long("+1", 0, 100, &v));
	assert_false(parse_long("99999999999999999999999", 0, 100, &v));
}

static void
test_parse_duration_units(void **state)
{
	long	v;

	(void)state;
	assert_true(parse_duration("90", 1000000, &v));
	assert_int_equal(v, 90);
	assert_true(parse_duration("15m", 1000000, &v));
	assert_int_equal(v, 900);
	assert_true(parse_duration("2h", 1000000, &v));
	assert_int_equal(v, 7200);
	assert_true(parse_duration("7d", 1000000, &v));
	assert_int_equal(v, 604800);
	assert_false(parse_duration("7w", 1000000, &v));
	assert_false(parse_duration("h", 1000000, &v));
	assert_false(parse_duration("", 1000000, &v));
	assert_false(parse_duration("12d", 86400, &v));
}

static void
test_str_trim_and_constant_time_equal(void **state)
{
	char	s[] = " \t value \r\n";

	(void)state;
	assert_string_equal(str_trim(s), "value");
	assert_true(str_equal_ct("abc", "abc"));
	assert_false(str_equal_ct("abc", "abd"));
	assert_false(str_equal_ct("abc", "abcd"));
	assert_false(str_equal_ct("", "a"));
}

static void
test_utf8_cut_never_splits_a_character(void **state)
{
	/* "é" is 2 bytes, "€" 3, "𝄞" 4 */
	(void)state;
	assert_int_equal(utf8_cut_len("abc", 10), 3);
	assert_int_equal(utf8_cut_len("abc", 3), 3);
	assert_int_equal(utf8_cut_len("abc", 2), 2);
	assert_int_equal(utf8_cut_len("a\xc3\xa9", 2), 1);
	assert_int_equal(utf8_cut_len("a\xc3\xa9", 3), 3);
	assert_int_equal(utf8_cut_len("\xe2\x82\xac", 1), 0);
	assert_int_equal(utf8_cut_len("\xe2\x82\xac", 2), 0);
	assert_int_equal(utf8_cut_len("x\xf0\x9d\x84\x9e", 4), 1);
	assert_int_equal(utf8_cut_len("x\xf0\x9d\x84\x9ey", 5), 5);
	assert_int_equal(utf8_cut_len("", 0), 0);
}

static void
test_utf8_complete_len_drops_a_character_cut_short(void **state)
{
	(void)state;
	assert_int_equal(utf8_complete_len("ab", 2), 2);
	assert_int_equal(utf8_complete_len("a\xc3", 2), 1);
	assert_int_equal(utf8_complete_len("a\xc3\xa9", 3), 3);
	assert_int_equal(utf8_complete_len("a\xe2\x82", 3), 1);
	assert_int_equal(utf8_complete_len("\xf0\x9d\x84", 3), 0);
	assert_int_equal(utf8_complete_len("\xf0\x9d\x84\x9e", 4), 4);
	assert_int_equal(utf8_complete_len("", 0), 0);
	/* not UTF-8: left as it is */
	assert_int_equal(utf8_complete_len("\x80\x80\x80\x80\x80", 5), 5);
}

static void
test_str_copy_cuts_the_issue_name_on_a_boundary(void **state)
{
	char	name[512], dst[256];
	size_t	i, n = 0;

	(void)state;
	/* 99 "é" and an "x", a space, 100 "é": 400 bytes */
	for (i = 0; i < 99; i++) {
		name[n++] = '\xc3';
		name[n++] = '\xa9';
	}
	name[n++] = 'x';
	name[n++] = ' ';
	for (i = 0; i < 100; i++) {
		name[n++] = '\xc3';
		name[n++] = '\xa9';
	}
	name[n] = '\0';
	assert_false(str_copy(dst, sizeof(dst), name));
	/* snprintf would keep 255 bytes, the last one a lone 0xc3 */
	assert_int_equal(strlen(dst), 254);
	assert_int_equal((unsigned char)dst[253], 0xa9);
	assert_true(str_copy(dst, sizeof(dst), "short"));
	assert_string_equal(dst, "short");
	assert_true(str_copy(dst, sizeof(dst), NULL));
	assert_string_equal(dst, "");
}

static void
test_str_printf_cuts_like_str_copy(void **state)
{
	char	dst[6];

	(void)state;
	assert_true(str_printf(dst, sizeof(dst), "%s-%d", "ab", 7));
	assert_string_equal(dst, "ab-7");
	/* "ab éé" is 7 bytes: 5 fit, and the cut falls between the two */
	assert_false(str_printf(dst, sizeof(dst), "%s %s", "ab", "\xc3\xa9\xc3\xa9"));
	assert_string_equal(dst, "ab \xc3\xa9");
	assert_false(str_printf(dst, sizeof(dst), "%s", "abcdefgh"));
	assert_string_equal(dst, "abcde");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_stays_terminated),
		cmocka_unit_test(test_parse_long_refuses_junk_and_range),
		cmocka_unit_test(test_parse_duration_units),
		cmocka_unit_test(test_str_trim_and_constant_time_equal),
		cmocka_unit_test(test_utf8_cut_never_splits_a_character),
		cmocka_unit_test(test_utf8_complete_len_drops_a_character_cut_short),
		cmocka_unit_test(test_str_copy_cuts_the_issue_name_on_a_boundary),
		cmocka_unit_test(test_str_printf_cuts_like_str_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
