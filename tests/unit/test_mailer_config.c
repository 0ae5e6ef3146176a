/* Unit tests: the mailer's keys, in milliseconds, and how they must relate. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "util.h"

static void
load(struct config *c, const char *text)
{
	char	err[512] = "";

	config_defaults(c);
	if (config_parse(c, "t", text, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
test_durations_in_ms_take_every_unit(void **state)
{
	long	v = -1;

	(void)state;
	assert_true(parse_duration_ms("250ms", 100000, &v));
	assert_int_equal(v, 250);
	assert_true(parse_duration_ms("30s", 100000, &v));
	assert_int_equal(v, 30000);
	assert_true(parse_duration_ms("2", 100000, &v));
	assert_int_equal(v, 2000);
	assert_true(parse_duration_ms("1m", 100000, &v));
	assert_int_equal(v, 60000);
	assert_false(parse_duration_ms("ms", 100000, &v));
	assert_false(parse_duration_ms("5 ms", 100000, &v));
	assert_false(parse_duration_ms("-5ms", 100000, &v));
	assert_false(parse_duration_ms("2h", 100000, &v));
	assert_false(parse_duration_ms("99999999999999999d", LONG_MAX, &v));
}

static void
test_mailer_defaults_match_the_issue(void **state)
{
	struct config	c;
	char		err[512] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.smtp_connect_timeout_ms, 30000);
	assert_int_equal(c.smtp_command_timeout_ms, 60000);
	assert_int_equal(c.mailer_backoff_unit_ms, 1000);
	assert_int_equal(c.mailer_lease, 600);
	assert_int_equal(c.mailer_max_attempts, 10);
	assert_int_equal(c.smtp_starttls, STARTTLS_AUTO);
	/* the defaults satisfy their own relations */
	assert_int_equal(config_check_mailer(&c, err, sizeof(err)), 0);
	config_release(&c);
}

static void
test_timeouts_accept_milliseconds(void **state)
{
	struct config	c;

	(void)state;
	load(&c, "smtp_connect_timeout = 750ms\nsmtp_command_timeout = 2s\n"
	    "mailer_backoff_unit = 10ms\n");
	assert_int_equal(c.smtp_connect_timeout_ms, 750);
	assert_int_equal(c.smtp_command_timeout_ms, 2000);
	assert_int_equal(c.mailer_backoff_unit_ms, 10);
	config_release(&c);
}

static void
test_a_bad_ms_value_names_its_key(void **state)
{
	struct config	c;
	char		err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse(&c, "memberd.conf",
	    "smtp_command_timeout = 10ms\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "smtp_command_timeout"));
	assert_non_null(strstr(err, "memberd.conf:1"));
	config_release(&c);
}

static void
test_loopback_hosts_are_recognised(void **state)
{
	(void)state;
	assert_true(config_host_is_loopback("localhost"));
	assert_true(config_host_is_loopback("127.0.0.1"));
	assert_true(config_host_is_loopback("127.3.2.1"));
	assert_true(config_host_is_loopback("::1"));
	assert_true(config_host_is_loopback("[::1]"));
	assert_false(config_host_is_loopback("128.0.0.1"));
	assert_false(config_host_is_loopback("smtp.example.net"));
	assert_false(config_host_is_loopback("localhost.example.net"));
	assert_false(config_host_is_loopback("::2"));
}

static void
test_auto_starttls_is_required_unless_on_loopback(void **state)
{
	struct config	c;

	(void)state;
	load(&c, "smtp_host = smtp.example.net\n");
	assert_int_equal(config_starttls(&c), STARTTLS_REQUIRED);
	config_release(&c);
	load(&c, "smtp_host = 127.0.0.1\n");
	assert_int_equal(config_starttls(&c), STARTTLS_OFF);
	config_release(&c);
	load(&c, "smtp_host = 127.0.0.1\nsmtp_starttls = required\n");
	assert_int_equal(config_starttls(&c), STARTTLS_REQUIRED);
	config_release(&c);
}

static void
expect_mailer_error(const char *text, const char *password,
    const char *needle)
{
	struct config	c;
	char		err[512] = "";

	load(&c, text);
	if (password != NULL)
		c.smtp_password = strdup(password);
	assert_int_equal(config_check_mailer(&c, err, sizeof(err)), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" does not name \"%s\"", err, needle);
	config_release(&c);
}

static void
test_lease_must_outlast_the_slowest_smtp_step(void **state)
{
	struct config	c;
	char		err[512] = "";

	(void)state;
	expect_mailer_error("mailer_lease = 9m\n", NULL, "mailer_lease");
	expect_mailer_error("smtp_connect_timeout = 10m\n", NULL,
	    "at least 2 x max(smtp_connect_timeout");
	load(&c, "smtp_command_timeout = 1s\nsmtp_connect_timeout = 2s\n"
	    "mailer_lease = 10s\n");
	assert_int_equal(config_mailer_step_ms(&c), 5000);
	assert_int_equal(config_check_mailer(&c, err, sizeof(err)), 0);
	config_release(&c);
}

static void
test_auth_needs_a_password_and_tls_off_loopback(void **state)
{
	struct config	c;
	char		err[512] = "";

	(void)state;
	expect_mailer_error("smtp_user = mailer\n", NULL, "no SMTP password");
	expect_mailer_error("smtp_host = smtp.example.net\n"
	    "smtp_starttls = opportunistic\nsmtp_user = mailer\n", "pw",
	    "smtp_starttls = required");
	load(&c, "smtp_host = smtp.example.net\nsmtp_user = mailer\n");
	c.smtp_password = strdup("pw");
	assert_int_equal(config_check_mailer(&c, err, sizeof(err)), 0);
	config_release(&c);
	load(&c, "smtp_host = 127.0.0.1\nsmtp_starttls = off\n"
	    "smtp_user = mailer\n");
	c.smtp_password = strdup("pw");
	assert_int_equal(config_check_mailer(&c, err, sizeof(err)), 0);
	config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_in_ms_take_every_unit),
		cmocka_unit_test(test_mailer_defaults_match_the_issue),
		cmocka_unit_test(test_timeouts_accept_milliseconds),
		cmocka_unit_test(test_a_bad_ms_value_names_its_key),
		cmocka_unit_test(test_loopback_hosts_are_recognised),
		cmocka_unit_test(test_auto_starttls_is_required_unless_on_loopback),
		cmocka_unit_test(test_lease_must_outlast_the_slowest_smtp_step),
		cmocka_unit_test(test_auth_needs_a_password_and_tls_off_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
