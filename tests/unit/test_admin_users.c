/*
 * Unit tests of issue 14's pure pieces: the rule for an SSO link's
 * destination (a path on this site only, as the portal's safeNext()
 * has it) and whom the audit log names inside "Login as User".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "model.h"
#include "validate.h"

static void
test_local_paths_are_accepted(void **state)
{
	(void)state;
	assert_null(local_path_check("/"));
	assert_null(local_path_check("/portal/"));
	assert_null(local_path_check("/portal/?tab=users&x=%2F%2F"));
	assert_null(local_path_check("/portal/#users"));
	assert_null(local_path_check("/a.b/c..d/.e"));
	assert_null(local_path_check("/x?next=//not-a-path-part"));
}

static void
test_off_site_destinations_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "portal", "https://evil.example/", "javascript:alert(1)",
		"//evil.example", "/\\evil.example", "/%5cevil", "/%5Cevil",
		"/a\\b", "/a b", "/a\tb", "/a\nb", "/\x7f", "/a//b",
		"/.//evil.example", "/./x", "/../x", "/a/..", "/%2e%2e//evil",
		"/%2E/x", "/.%2e/x",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (local_path_check(bad[i]) == NULL)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void
test_long_or_invalid_paths_are_refused(void **state)
{
	char	long_path[LOCAL_PATH_MAX + 2];

	(void)state;
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_non_null(local_path_check(long_path));
	long_path[LOCAL_PATH_MAX] = '\0';
	assert_null(local_path_check(long_path));
	assert_non_null(local_path_check("/\xc3\x28"));
}

static void
test_impersonated_user_is_audited_as_the_admin(void **state)
{
	struct actor	user = { .kind = ACTOR_MEMBER, .id = 7,
			    .email = "wanda@example.com" };
	struct actor	inside = user;

	(void)state;
	assert_string_equal(audit_actor_kind(&user), "user");
	assert_int_equal(audit_actor_id(&user), 7);
	assert_string_equal(audit_actor_name(&user), "wanda@example.com");
	inside.impersonator_id = 3;
	inside.impersonator = "Ada Admin";
	assert_string_equal(audit_actor_kind(&inside), "admin");
	assert_int_equal(audit_actor_id(&inside), 3);
	assert_string_equal(audit_actor_name(&inside), "Ada Admin");
	/* the rules still judge the user */
	assert_int_equal(inside.kind, ACTOR_MEMBER);
	assert_int_equal(inside.id, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_paths_are_accepted),
		cmocka_unit_test(test_off_site_destinations_are_refused),
		cmocka_unit_test(test_long_or_invalid_paths_are_refused),
		cmocka_unit_test(test_impersonated_user_is_audited_as_the_admin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
