/* Unit tests: RFC 6238 codes, their check, recovery codes, the QR SVG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "qr.h"
#include "templates.h"
#include "totp.h"

/* RFC 6238 appendix B: the SHA-1 seed and its 8-digit codes. */
static const struct {
	long long	t;
	const char	*code;
} rfc6238[] = {
	{ 59LL, "94287082" },
	{ 1111111109LL, "07081804" },
	{ 1111111111LL, "14050471" },
	{ 1234567890LL, "89005924" },
	{ 2000000000LL, "69279037" },
	{ 20000000000LL, "65353130" },
};
static const unsigned char seed[] = "12345678901234567890";
/* base32 of the same seed */
#define SEED_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
test_rfc6238_sha1_vectors(void **state)
{
	char	 out[TOTP_CODE_MAX];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		assert_int_equal(totp_code_raw(seed, 20, (time_t)rfc6238[i].t,
		    8, out), 0);
		assert_string_equal(out, rfc6238[i].code);
	}
}

static void
test_six_digit_code_is_the_vectors_last_six(void **state)
{
	char	 out[TOTP_CODE_MAX];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		assert_int_equal(totp_code(SEED_B32, (time_t)rfc6238[i].t,
		    out), 0);
		assert_string_equal(out, rfc6238[i].code + 2);
	}
}

static void
test_check_accepts_one_step_of_drift_either_way(void **state)
{
	long long	 step = 0;
	time_t		 t = 1111111111;

	(void)state;
	/* 1111111111 is step 37037037; 050471 its code */
	assert_int_equal(totp_check(SEED_B32, "050471", t, 0, &step), 1);
	assert_int_equal(step, 37037037);
	assert_int_equal(totp_check(SEED_B32, "050471", t + 30, 0, &step), 1);
	assert_int_equal(totp_check(SEED_B32, "050471", t - 30, 0, &step), 1);
	assert_int_equal(totp_check(SEED_B32, "050471", t + 60, 0, &step), 0);
	assert_int_equal(totp_check(SEED_B32, "050471", t - 60, 0, &step), 0);
	assert_int_equal(totp_check(SEED_B32, "050 471", t, 0, &step), 1);
}

static void
test_check_refuses_a_used_step(void **state)
{
	long long	 step = 0;

	(void)state;
	assert_int_equal(totp_check(SEED_B32, "050471", 1111111111, 37037037,
	    &step), 0);
	assert_int_equal(totp_check(SEED_B32, "050471", 1111111111, 37037036,
	    &step), 1);
}

static void
test_check_refuses_junk(void **state)
{
	long long	 step = 0;

	(void)state;
	assert_int_equal(totp_check(SEED_B32, "", 59, 0, &step), 0);
	assert_int_equal(totp_check(SEED_B32, "12345", 59, 0, &step), 0);
	assert_int_equal(totp_check(SEED_B32, "1234567", 59, 0, &step), 0);
	assert_int_equal(totp_check(SEED_B32, "28708a", 59, 0, &step), 0);
	assert_int_equal(totp_check("not base32", "287082", 59, 0, &step), -1);
}

static void
test_new_secret_is_160_bits_of_base32_and_random(void **state)
{
	char	a[TOTP_SECRET_B32], b[TOTP_SECRET_B32], code[TOTP_CODE_MAX];

	(void)state;
	assert_int_equal(totp_secret_new(a), 0);
	assert_int_equal(totp_secret_new(b), 0);
	assert_int_equal(strlen(a), 32);
	assert_true(totp_secret_well_formed(a));
	assert_string_not_equal(a, b);
	assert_int_equal(totp_code(a, 1700000000, code), 0);
	assert_int_equal(strlen(code), 6);
}

static void
test_uri_escapes_issuer_and_account(void **state)
{
	struct buf	u = { 0 };

	(void)state;
	totp_uri("Acme Hosting", "ann+x@example.com", SEED_B32, &u);
	assert_string_equal(u.data, "otpauth://totp/Acme%20Hosting:"
	    "ann%2Bx@example.com?secret=" SEED_B32 "&issuer=Acme%20Hosting"
	    "&algorithm=SHA1&digits=6&period=30");
	buf_release(&u);
}

static void
test_recovery_codes_are_random_and_normalize(void **state)
{
	char	a[RECOVERY_CODE_MAX], b[RECOVERY_CODE_MAX], n[RECOVERY_CODE_MAX];

	(void)state;
	assert_int_equal(recovery_code_new(a), 0);
	assert_int_equal(recovery_code_new(b), 0);
	assert_int_equal(strlen(a), RECOVERY_CODE_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(recovery_code_normalize(a, n), 0);
	assert_string_equal(n, a);
	assert_int_equal(recovery_code_normalize(" ABCD EFGH-JKMN pqrs ", n), 0);
	assert_string_equal(n, "abcd-efgh-jkmn-pqrs");
	assert_int_equal(recovery_code_normalize("OIL0-0000-0000-0000", n), 0);
	assert_string_equal(n, "0110-0000-0000-0000");
	assert_int_equal(recovery_code_normalize("abcd-efgh-jkmn", n), -1);
	assert_int_equal(recovery_code_normalize("abcd-efgh-jkmn-pqrsu", n), -1);
	assert_int_equal(recovery_code_normalize("abcd-efgh-jkmn-pqr!", n), -1);
}

static void
test_qr_svg_is_an_svg_of_squares_with_a_title(void **state)
{
	struct buf	s = { 0 };

	(void)state;
	assert_int_equal(qr_svg("otpauth://totp/a:b?secret=" SEED_B32,
	    "QR <code>", &s), 0);
	assert_true(strncmp(s.data, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
	    38) == 0);
	assert_non_null(strstr(s.data, "<title>QR &lt;code&gt;</title>"));
	assert_non_null(strstr(s.data, "<path fill=\"#000\" d=\"M"));
	assert_true(strcmp(s.data + s.len - 6, "</svg>") == 0);
	buf_release(&s);
}

static void
test_two_factor_mail_says_what_changed_and_escapes(void **state)
{
	struct config	c;
	struct email	e = { 0 };

	(void)state;
	config_defaults(&c);
	template_two_factor_changed(&c, "ann@example.com", "<Ann>",
	    TF_TURNED_ON, "2026-12-01T10:00:00Z", &e);
	assert_string_equal(e.subject, "Two-Factor Authentication Changed");
	assert_non_null(strstr(e.text, "was turned on on 2026-12-01T10:00:00Z"));
	assert_non_null(strstr(e.html, "&lt;Ann&gt;"));
	assert_null(strstr(e.html, "<Ann>"));
	email_release(&e);
	template_two_factor_changed(&c, "ann@example.com", "", TF_RESET_BY_ADMIN,
	    "2026-12-01T10:00:00Z", &e);
	assert_non_null(strstr(e.text, "turned off by an administrator"));
	assert_non_null(strstr(e.text, "Hello ann@example.com"));
	email_release(&e);
	config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_sha1_vectors),
		cmocka_unit_test(test_six_digit_code_is_the_vectors_last_six),
		cmocka_unit_test(test_check_accepts_one_step_of_drift_either_way),
		cmocka_unit_test(test_check_refuses_a_used_step),
		cmocka_unit_test(test_check_refuses_junk),
		cmocka_unit_test(test_new_secret_is_160_bits_of_base32_and_random),
		cmocka_unit_test(test_uri_escapes_issuer_and_account),
		cmocka_unit_test(test_recovery_codes_are_random_and_normalize),
		cmocka_unit_test(test_qr_svg_is_an_svg_of_squares_with_a_title),
		cmocka_unit_test(test_two_factor_mail_says_what_changed_and_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
