/*
 * Unit tests: log line formats. Under systemd (stderr is the stream that
 * JOURNAL_STREAM names) a line is "<N>message" with the sd-daemon priority
 * and nothing else; elsewhere stamp, tag[pid] and level name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static void
format(char *out, size_t size, int journal, enum log_level level, int err)
{
	struct log_line	l = { 0 };

	l.journal = journal;
	l.level = level;
	l.tag = "memberd";
	l.pid = 5290;
	l.when = 1764581400;	/* 2025-12-01T09:30:00Z */
	l.msg = "worker 7 exited";
	l.err = err;
	log_format(out, size, &l);
}

static void
test_journal_lines_carry_priority_and_no_prefix(void **state)
{
	char	line[256];

	(void)state;
	format(line, sizeof(line), 1, LOG_LVL_WARN, 0);
	assert_string_equal(line, "<4>worker 7 exited\n");
	format(line, sizeof(line), 1, LOG_LVL_INFO, 0);
	assert_string_equal(line, "<6>worker 7 exited\n");
	format(line, sizeof(line), 1, LOG_LVL_DEBUG, 0);
	assert_string_equal(line, "<7>worker 7 exited\n");
	format(line, sizeof(line), 1, LOG_LVL_FATAL, 0);
	assert_string_equal(line, "<3>worker 7 exited\n");
	format(line, sizeof(line), 1, LOG_LVL_WARN, ENOENT);
	assert_string_equal(line, "<4>worker 7 exited: No such file or directory\n");
	assert_null(strstr(line, "memberd"));
}

static void
test_terminal_lines_keep_stamp_tag_and_level(void **state)
{
	char	line[256];

	(void)state;
	format(line, sizeof(line), 0, LOG_LVL_WARN, 0);
	assert_string_equal(line,
	    "2025-12-01T09:30:00Z memberd[5290] warn: worker 7 exited\n");
	format(line, sizeof(line), 0, LOG_LVL_FATAL, EACCES);
	assert_string_equal(line, "2025-12-01T09:30:00Z memberd[5290] fatal: "
	    "worker 7 exited: Permission denied\n");
}

static void
test_long_lines_are_cut_and_stay_lines(void **state)
{
	char	line[12];

	(void)state;
	format(line, sizeof(line), 1, LOG_LVL_INFO, 0);
	assert_int_equal(strlen(line), sizeof(line) - 1);
	assert_string_equal(line, "<6>worker \n");
}

enum stream { STREAM_NONE, STREAM_STDERR, STREAM_OTHER };

/* Redirect stderr to a file, log, and return what was written. */
static char *
log_through_file(enum stream which)
{
	char		 path[] = "/tmp/test_log.XXXXXX", env[64];
	static char	 got[512];
	struct stat	 st;
	int		 fd, saved;
	FILE		*f;
	size_t		 n;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	saved = dup(STDERR_FILENO);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	if (which != STREAM_NONE) {
		snprintf(env, sizeof(env), "%llu:%llu",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino + (which == STREAM_OTHER));
		setenv("JOURNAL_STREAM", env, 1);
	} else
		unsetenv("JOURNAL_STREAM");
	log_init("memberd-mailer", LOG_LVL_INFO);
	log_warnx("relay %s refused", "smtp.example");
	log_debug("not shown");
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	unlink(path);
	return got;
}

static void
test_journal_stream_of_stderr_selects_priorities(void **state)
{
	const char	*got;

	(void)state;
	got = log_through_file(STREAM_STDERR);
	assert_string_equal(got, "<4>relay smtp.example refused\n");
}

static void
test_other_stream_or_none_keeps_plain_lines(void **state)
{
	const char	*got;

	(void)state;
	/* A JOURNAL_STREAM inherited by a process whose stderr is elsewhere
	 * (a shell started from a unit, output redirected) must not apply. */
	got = log_through_file(STREAM_OTHER);
	assert_non_null(strstr(got, " memberd-mailer["));
	assert_non_null(strstr(got, "] warn: relay smtp.example refused\n"));
	assert_int_not_equal(got[0], '<');
	got = log_through_file(STREAM_NONE);
	assert_non_null(strstr(got, "] warn: relay smtp.example refused\n"));
	assert_false(log_stream_is_journal(STDERR_FILENO, "junk"));
	assert_false(log_stream_is_journal(STDERR_FILENO, "1:2:3"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_lines_carry_priority_and_no_prefix),
		cmocka_unit_test(test_terminal_lines_keep_stamp_tag_and_level),
		cmocka_unit_test(test_long_lines_are_cut_and_stay_lines),
		cmocka_unit_test(test_journal_stream_of_stderr_selects_priorities),
		cmocka_unit_test(test_other_stream_or_none_keeps_plain_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
