/* Unit tests: the configuration parser and its messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static void
test_defaults_match_the_contract(void **state)
{
	struct config	c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.argon2_memory_kib, 19456);
	assert_int_equal(c.argon2_iterations, 2);
	assert_int_equal(c.argon2_parallelism, 1);
	assert_int_equal(c.session_idle_timeout, 2 * 3600);
	assert_int_equal(c.session_lifetime, 24 * 3600);
	assert_int_equal(c.invite_ttl, 7 * 86400);
	assert_int_equal(c.invite_pending_limit, 50);
	assert_int_equal(c.invite_resend_cooldown, 60);
	assert_int_equal(c.password_reset_ttl, 3600);
	assert_int_equal(c.mailer_max_attempts, 10);
	assert_int_equal(c.socket_mode, 0660);
	assert_false(c.plain_http);
	config_release(&c);
}

static void
test_values_comments_and_quotes_are_parsed(void **state)
{
	struct config	c;
	char		err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse(&c, "t", "# a comment\n\n"
	    "workers = 8\n  public_url = \"https://portal.example.com\"  \n"
	    "plain_http = yes\nsession_idle_timeout = 30m\n"
	    "invite_accept = matching_verified_email\n"
	    "socket_mode = 0600\n", err, sizeof(err)), 0);
	assert_int_equal(c.workers, 8);
	assert_string_equal(c.public_url, "https://portal.example.com");
	assert_true(c.plain_http);
	assert_int_equal(c.session_idle_timeout, 1800);
	assert_int_equal(c.invite_accept, INVITE_ACCEPT_MATCHING_VERIFIED_EMAIL);
	assert_int_equal(c.socket_mode, 0600);
	config_release(&c);
}

static void
expect_error_naming(const char *text, const char *needle)
{
	struct config	c;
	char		err[256] = "";

	config_defaults(&c);
	assert_int_equal(config_parse(&c, "memberd.conf", text, err,
	    sizeof(err)), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" does not name \"%s\"", err, needle);
	config_release(&c);
}

static void
test_a_bad_value_names_its_key_and_line(void **state)
{
	(void)state;
	expect_error_naming("workers = 0\n", "workers");
	expect_error_naming("\nworkers = many\n", "memberd.conf:2");
	expect_error_naming("session_lifetime = 3 weeks\n",
	    "session_lifetime");
	expect_error_naming("plain_http = maybe\n", "plain_http");
	expect_error_naming("smtp_starttls = sometimes\n", "smtp_starttls");
	expect_error_naming("socket_mode = 0999\n", "socket_mode");
	expect_error_naming("no_such_key = 1\n", "no_such_key");
	expect_error_naming("just a line\n", "memberd.conf:1");
}

static void
test_secret_comes_from_the_environment(void **state)
{
	struct config	c;
	char		err[256] = "";

	(void)state;
	setenv("MEMBERD_DB_PASSWORD", "from-env", 1);
	assert_int_equal(config_load(&c, "/dev/null", err, sizeof(err)), 0);
	assert_string_equal(c.db_password, "from-env");
	unsetenv("MEMBERD_DB_PASSWORD");
	config_release(&c);
}

static void
test_an_unreadable_secret_file_is_an_error(void **state)
{
	struct config	c;
	char		err[256] = "";

	(void)state;
	unsetenv("MEMBERD_DB_PASSWORD");
	config_defaults(&c);
	assert_int_equal(config_parse(&c, "t",
	    "db_password_file = /nonexistent/secret\n", err, sizeof(err)), 0);
	assert_int_equal(config_load_secrets(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "db_password_file"));
	config_release(&c);
}

static int
load_text(struct config *c, const char *text, char *err, size_t errlen)
{
	char	path[] = "/tmp/memberd-test-conf-XXXXXX";
	int	fd, rc;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = config_load(c, path, err, errlen);
	unlink(path);
	return rc;
}

static void
test_public_url_is_an_http_url_without_a_trailing_slash(void **state)
{
	const char	*bad[] = { "public_url = not a url\n",
	    "public_url = ftp://example.com\n", "public_url = https://\n",
	    "public_url = https://ex ample.com\n",
	    "public_url = https://example.com/?x=1\n",
	    "public_url = https://example.com/#x\n" };
	struct config	c;
	char		err[256];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(load_text(&c, bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, "public_url"));
		config_release(&c);
	}
	assert_int_equal(load_text(&c, "public_url = https://portal.example."
	    "com//\n", err, sizeof(err)), 0);
	assert_string_equal(c.public_url, "https://portal.example.com");
	config_release(&c);
	assert_int_equal(load_text(&c, "public_url = http://127.0.0.1:8080/"
	    "portal/\n", err, sizeof(err)), 0);
	assert_string_equal(c.public_url, "http://127.0.0.1:8080/portal");
	config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_match_the_contract),
		cmocka_unit_test(test_values_comments_and_quotes_are_parsed),
		cmocka_unit_test(test_a_bad_value_names_its_key_and_line),
		cmocka_unit_test(test_secret_comes_from_the_environment),
		cmocka_unit_test(test_an_unreadable_secret_file_is_an_error),
		cmocka_unit_test(test_public_url_is_an_http_url_without_a_trailing_slash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
