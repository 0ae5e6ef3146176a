/*
 * Unit tests: the checksum recorded in schema_migrations. Databases keep
 * it, so its form is fixed: changing it would make every migration look
 * edited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "migrate.h"

static void
test_checksum_is_the_lowercase_hex_sha256_of_the_text(void **state)
{
	char	sum[MIGRATE_SHA256_HEX];

	(void)state;
	assert_string_equal(migrate_checksum("", sum),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_string_equal(migrate_checksum("abc", sum),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(strlen(sum), MIGRATE_SHA256_HEX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_checksum_is_the_lowercase_hex_sha256_of_the_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
