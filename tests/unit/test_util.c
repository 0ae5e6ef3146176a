/* Unit tests: buffers, strict number and duration parsing, trimming. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_stays_terminated),
		cmocka_unit_test(test_parse_long_refuses_junk_and_range),
		cmocka_unit_test(test_parse_duration_units),
		cmocka_unit_test(test_str_trim_and_constant_time_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
