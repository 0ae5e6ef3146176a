/* Unit tests: what a reply means for a row, and how long a retry waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drain.h"
#include "outbox.h"

static void
test_backoff_is_attempt_to_the_fourth_in_seconds(void **state)
{
	(void)state;
	assert_int_equal(drain_backoff_ms(1, 1000, 0.5), 1000);
	assert_int_equal(drain_backoff_ms(2, 1000, 0.5), 16000);
	assert_int_equal(drain_backoff_ms(3, 1000, 0.5), 81000);
	assert_int_equal(drain_backoff_ms(5, 1000, 0.5), 625000);
}

static void
test_backoff_jitter_is_ten_percent_either_way(void **state)
{
	(void)state;
	assert_int_equal(drain_backoff_ms(4, 1000, 0.0), 230400);
	assert_int_equal(drain_backoff_ms(4, 1000, 1.0), 281600);
	/* out-of-range randomness is clamped, never negative */
	assert_int_equal(drain_backoff_ms(4, 1000, -3.0), 230400);
	assert_int_equal(drain_backoff_ms(4, 1000, 7.0), 281600);
}

static void
test_backoff_never_exceeds_an_hour(void **state)
{
	(void)state;
	assert_int_equal(drain_backoff_ms(8, 1000, 1.0), 3600 * 1000);
	assert_int_equal(drain_backoff_ms(50, 1000, 1.0), 3600 * 1000);
	assert_int_equal(drain_backoff_ms(50, 1000, 0.0), 3240 * 1000);
	assert_int_equal(drain_backoff_ms(100000, 1000, 0.5), 3600 * 1000);
}

static void
test_backoff_unit_scales_for_tests_and_stays_positive(void **state)
{
	(void)state;
	assert_int_equal(drain_backoff_ms(2, 10, 0.5), 160);
	assert_int_equal(drain_backoff_ms(0, 1000, 0.5), 1000);
	assert_int_equal(drain_backoff_ms(1, 1, 0.0), 1);
}

static void
test_2xx_is_sent(void **state)
{
	(void)state;
	assert_int_equal(outbox_verdict(250, 1, 10), OUTBOX_SENT);
	assert_int_equal(outbox_verdict(251, 10, 10), OUTBOX_SENT);
}

static void
test_4xx_and_no_reply_are_retried_until_the_last_attempt(void **state)
{
	(void)state;
	assert_int_equal(outbox_verdict(421, 1, 10), OUTBOX_FAILED);
	assert_int_equal(outbox_verdict(451, 9, 10), OUTBOX_FAILED);
	assert_int_equal(outbox_verdict(0, 3, 10), OUTBOX_FAILED);
	assert_int_equal(outbox_verdict(451, 10, 10), OUTBOX_DEAD);
	assert_int_equal(outbox_verdict(0, 11, 10), OUTBOX_DEAD);
}

static void
test_5xx_is_dead_at_once(void **state)
{
	(void)state;
	assert_int_equal(outbox_verdict(550, 1, 10), OUTBOX_DEAD);
	assert_int_equal(outbox_verdict(554, 1, 10), OUTBOX_DEAD);
	assert_int_equal(outbox_verdict(552, 1, 10), OUTBOX_DEAD);
}

static void
test_auth_replies_blame_the_mailer_not_the_message(void **state)
{
	(void)state;
	assert_int_equal(outbox_verdict(530, 1, 10), OUTBOX_FAILED);
	assert_int_equal(outbox_verdict(535, 1, 10), OUTBOX_FAILED);
	assert_int_equal(outbox_verdict(534, 1, 10), OUTBOX_FAILED);
	assert_int_equal(outbox_verdict(538, 1, 10), OUTBOX_FAILED);
	assert_int_equal(outbox_verdict(535, 10, 10), OUTBOX_DEAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_is_attempt_to_the_fourth_in_seconds),
		cmocka_unit_test(test_backoff_jitter_is_ten_percent_either_way),
		cmocka_unit_test(test_backoff_never_exceeds_an_hour),
		cmocka_unit_test(test_backoff_unit_scales_for_tests_and_stays_positive),
		cmocka_unit_test(test_2xx_is_sent),
		cmocka_unit_test(test_4xx_and_no_reply_are_retried_until_the_last_attempt),
		cmocka_unit_test(test_5xx_is_dead_at_once),
		cmocka_unit_test(test_auth_replies_blame_the_mailer_not_the_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
