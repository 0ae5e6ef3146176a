/* Unit tests: the User-Agent kept with a session (useragent.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "useragent.h"
#include "validate.h"

static void
test_plain_agent_is_kept_verbatim(void **state)
{
	char	out[USERAGENT_MAX + 1];

	(void)state;
	assert_int_equal(useragent_clean("Mozilla/5.0 (X11; Linux) Firefox/120",
	    out), strlen("Mozilla/5.0 (X11; Linux) Firefox/120"));
	assert_string_equal(out, "Mozilla/5.0 (X11; Linux) Firefox/120");
	assert_int_equal(useragent_clean(NULL, out), 0);
	assert_string_equal(out, "");
}

static void
test_long_agent_is_cut_to_512_bytes_on_a_character(void **state)
{
	char	in[1200], out[USERAGENT_MAX + 1];
	size_t	i;

	(void)state;
	/* "a" then "é" (2 bytes) over and over: byte 512 is inside one */
	in[0] = 'a';
	for (i = 1; i + 2 < sizeof(in); i += 2) {
		in[i] = (char)0xc3;
		in[i + 1] = (char)0xa9;
	}
	in[i] = '\0';
	assert_int_equal(useragent_clean(in, out), 511);
	assert_true(utf8_valid(out, strlen(out)));
	memset(in, 'x', 1000);
	in[1000] = '\0';
	assert_int_equal(useragent_clean(in, out), USERAGENT_MAX);
}

static void
test_invalid_utf8_and_controls_are_replaced(void **state)
{
	char	out[USERAGENT_MAX + 1];

	(void)state;
	/* a lone continuation, an overlong '/', a surrogate, a cut sequence */
	useragent_clean("a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82", out);
	assert_true(utf8_valid(out, strlen(out)));
	assert_string_equal(out, "a?b??c???d??");
	useragent_clean("x\r\ny\tz\x7f" "\xc2\x85" "!", out);
	assert_string_equal(out, "x  y z  !");
	useragent_clean("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", out);
	assert_string_equal(out, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_agent_is_kept_verbatim),
		cmocka_unit_test(test_long_agent_is_cut_to_512_bytes_on_a_character),
		cmocka_unit_test(test_invalid_utf8_and_controls_are_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
