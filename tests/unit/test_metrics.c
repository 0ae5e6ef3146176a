/* Unit tests: the shared metrics table and its Prometheus text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"
#include "metrics.h"
#include "util.h"

static void
h_none(struct req *r)
{
	(void)r;
}

static const struct route test_routes[] = {
	{ "GET", "/api/v1/health", AUTH_ANYONE, h_none },
	{ "POST", "/api/v1/account/invites/{id}/resend", AUTH_USER, h_none },
};
#define NTEST_ROUTES	2

static struct metrics_table	*shared;

static int
setup(void **state)
{
	(void)state;
	if (shared == NULL)
		shared = metrics_init();
	memset(shared, 0, sizeof(*shared));
	return 0;
}

/* Render what the shared table holds now; caller frees. */
static char *
render(const struct metrics_mail *mail)
{
	static struct metrics_table	 snap;
	struct buf			 b = { 0 };

	assert_true(metrics_snapshot(&snap));
	metrics_render(&b, &snap, test_routes, NTEST_ROUTES, mail);
	return buf_detach(&b);
}

static bool
has_line(const char *text, const char *line)
{
	size_t		 n = strlen(line);
	const char	*p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

static void
test_requests_are_counted_by_route_and_status(void **state)
{
	char	*t;
	int	 i;

	(void)state;
	for (i = 0; i < 3; i++)
		metrics_observe(0, NTEST_ROUTES, 200, 700);
	metrics_observe(1, NTEST_ROUTES, 429, 3000);
	metrics_observe(NTEST_ROUTES, NTEST_ROUTES, 404, 10);
	metrics_observe(0, NTEST_ROUTES, 418, 10);
	t = render(NULL);
	assert_true(has_line(t, "# TYPE memberd_http_requests_total counter"));
	assert_true(has_line(t, "memberd_http_requests_total{method=\"GET\","
	    "route=\"/api/v1/health\",status=\"200\"} 3"));
	assert_true(has_line(t, "memberd_http_requests_total{method=\"POST\","
	    "route=\"/api/v1/account/invites/{id}/resend\",status=\"429\"} 1"));
	assert_true(has_line(t, "memberd_http_requests_total{method=\"\","
	    "route=\"unmatched\",status=\"404\"} 1"));
	assert_true(has_line(t, "memberd_http_requests_total{method=\"GET\","
	    "route=\"/api/v1/health\",status=\"other\"} 1"));
	/* a status never seen is not printed as a zero */
	assert_null(strstr(t, "status=\"500\""));
	free(t);
}

static void
test_histogram_buckets_are_cumulative_and_count_every_request(void **state)
{
	char	*t;

	(void)state;
	metrics_observe(0, NTEST_ROUTES, 200, 1000);	/* le 0.001 */
	metrics_observe(0, NTEST_ROUTES, 200, 1001);	/* le 0.0025 */
	metrics_observe(0, NTEST_ROUTES, 503, 20000000);	/* +Inf only */
	t = render(NULL);
	assert_true(has_line(t,
	    "# TYPE memberd_http_request_duration_seconds histogram"));
#define B "memberd_http_request_duration_seconds_bucket{method=\"GET\"," \
	"route=\"/api/v1/health\","
	assert_true(has_line(t, B "le=\"0.001\"} 1"));
	assert_true(has_line(t, B "le=\"0.0025\"} 2"));
	assert_true(has_line(t, B "le=\"10\"} 2"));
	assert_true(has_line(t, B "le=\"+Inf\"} 3"));
#undef B
	assert_true(has_line(t, "memberd_http_request_duration_seconds_count{"
	    "method=\"GET\",route=\"/api/v1/health\"} 3"));
	assert_true(has_line(t, "memberd_http_request_duration_seconds_sum{"
	    "method=\"GET\",route=\"/api/v1/health\"} 20.002001"));
	/* a route without requests has no series */
	assert_null(strstr(t, "_bucket{method=\"POST\""));
	free(t);
}

static void
test_an_index_past_the_table_counts_as_unmatched(void **state)
{
	char	*t;

	(void)state;
	metrics_observe(1000, NTEST_ROUTES, 404, 5);
	metrics_observe(0, NTEST_ROUTES, 200, -5);	/* a clock step back */
	t = render(NULL);
	assert_true(has_line(t, "memberd_http_requests_total{method=\"\","
	    "route=\"unmatched\",status=\"404\"} 1"));
	assert_true(has_line(t, "memberd_http_request_duration_seconds_sum{"
	    "method=\"GET\",route=\"/api/v1/health\"} 0.000000"));
	free(t);
}

/* Counts made in forked children land in the parent's table. */
static void
test_children_share_the_table_and_a_reaped_worker_leaves(void **state)
{
	pid_t	pid[2];
	int	i, st;
	char	*t;

	(void)state;
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			int	n;

			if (!metrics_worker_start(getpid()))
				_exit(1);
			for (n = 0; n < 100; n++)
				metrics_observe(0, NTEST_ROUTES, 200, 100);
			metrics_worker_busy(i == 0);
			_exit(0);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	t = render(NULL);
	assert_true(has_line(t, "memberd_http_requests_total{method=\"GET\","
	    "route=\"/api/v1/health\",status=\"200\"} 200"));
	assert_true(has_line(t, "memberd_workers{state=\"busy\"} 1"));
	assert_true(has_line(t, "memberd_workers{state=\"idle\"} 1"));
	free(t);
	metrics_worker_gone(pid[0]);
	t = render(NULL);
	assert_true(has_line(t, "memberd_workers{state=\"busy\"} 0"));
	assert_true(has_line(t, "memberd_workers{state=\"idle\"} 1"));
	free(t);
	metrics_worker_gone(pid[1]);
}

static void
test_mail_gauges_by_state_or_database_down(void **state)
{
	struct metrics_mail	mail = { .known = true,
		.messages = { 3, 0, 1, 40, 2 },
		.oldest_s = { 75, 0, 9, 86000, 500 },
		.last_24h = { 3, 0, 1, 12, 2 } };
	char			*t;

	(void)state;
	t = render(&mail);
	assert_true(has_line(t, "memberd_database_up 1"));
	assert_true(has_line(t, "# TYPE memberd_mail_messages gauge"));
	assert_true(has_line(t, "memberd_mail_messages{state=\"queued\"} 3"));
	assert_true(has_line(t, "memberd_mail_messages{state=\"sending\"} 0"));
	assert_true(has_line(t, "memberd_mail_messages{state=\"dead\"} 2"));
	assert_true(has_line(t, "memberd_mail_oldest_seconds{state=\"queued\"} 75"));
	assert_true(has_line(t, "memberd_mail_last_24h{state=\"sent\"} 12"));
	free(t);
	mail.known = false;
	t = render(&mail);
	assert_true(has_line(t, "memberd_database_up 0"));
	assert_null(strstr(t, "memberd_mail_"));
	free(t);
}

static void
test_webhook_gauges_by_state_or_nothing_when_unknown(void **state)
{
	struct metrics_webhooks	hooks = { .known = true,
		.deliveries = { 4, 1, 2, 900, 3 },
		.oldest_s = { 30, 2, 60, 86000, 7200 },
		.last_24h = { 4, 1, 2, 120, 1 } };
	struct buf		b = { 0 };
	char			*t;

	(void)state;
	metrics_render_webhooks(&b, &hooks);
	t = buf_detach(&b);
	assert_true(has_line(t, "# TYPE memberd_webhook_deliveries gauge"));
	assert_true(has_line(t, "memberd_webhook_deliveries{state=\"queued\"} 4"));
	assert_true(has_line(t, "memberd_webhook_deliveries{state=\"delivered\"} 900"));
	assert_true(has_line(t, "memberd_webhook_deliveries{state=\"dead\"} 3"));
	assert_true(has_line(t, "memberd_webhook_oldest_seconds{state=\"dead\"} 7200"));
	assert_true(has_line(t, "memberd_webhook_last_24h{state=\"delivered\"} 120"));
	assert_null(strstr(t, "state=\"sent\""));
	free(t);
	hooks.known = false;
	metrics_render_webhooks(&b, &hooks);
	assert_true(b.len == 0);
	metrics_render_webhooks(&b, NULL);
	assert_true(b.len == 0);
	buf_release(&b);
}

/* Every line is a comment or "name{labels} value": format 0.0.4. */
static void
test_every_line_is_a_comment_or_a_sample(void **state)
{
	struct metrics_mail	 mail = { .known = true };
	char			*t, *line, *save = NULL;

	(void)state;
	metrics_observe(0, NTEST_ROUTES, 200, 1);
	t = render(&mail);
	assert_true(t[strlen(t) - 1] == '\n');
	for (line = strtok_r(t, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			assert_true(strncmp(line, "# HELP memberd_", 15) == 0 ||
			    strncmp(line, "# TYPE memberd_", 15) == 0);
			continue;
		}
		assert_true(strncmp(line, "memberd_", 8) == 0);
		assert_non_null(strrchr(line, ' '));
		assert_true(strspn(strrchr(line, ' ') + 1, "0123456789.") ==
		    strlen(strrchr(line, ' ') + 1));
	}
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_requests_are_counted_by_route_and_status, setup),
		cmocka_unit_test_setup(test_histogram_buckets_are_cumulative_and_count_every_request, setup),
		cmocka_unit_test_setup(test_an_index_past_the_table_counts_as_unmatched, setup),
		cmocka_unit_test_setup(test_children_share_the_table_and_a_reaped_worker_leaves, setup),
		cmocka_unit_test_setup(test_mail_gauges_by_state_or_database_down, setup),
		cmocka_unit_test_setup(test_webhook_gauges_by_state_or_nothing_when_unknown, setup),
		cmocka_unit_test_setup(test_every_line_is_a_comment_or_a_sample, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
