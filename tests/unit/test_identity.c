/* Unit tests: tokens, passwords, validation and permissions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "json.h"
#include "password.h"
#include "perms.h"
#include "templates.h"
#include "token.h"
#include "validate.h"

static void
test_token_is_43_base64url_chars_and_random(void **state)
{
	char	a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(token_new(a), 0);
	assert_int_equal(token_new(b), 0);
	assert_int_equal(strlen(a), 43);
	assert_true(token_well_formed(a));
	assert_string_not_equal(a, b);
	assert_null(strpbrk(a, "+/="));
}

static void
test_token_hash_is_not_the_token(void **state)
{
	char	t[TOKEN_LEN + 1], h[TOKEN_HASH_PARAM], h2[TOKEN_HASH_PARAM];

	(void)state;
	assert_int_equal(token_new(t), 0);
	token_hash_param(t, h);
	assert_int_equal(strlen(h), 66);
	assert_true(strncmp(h, "\\x", 2) == 0);
	assert_null(strstr(h, t));
	token_hash_param(t, h2);
	assert_string_equal(h, h2);
	/* SHA-256("abc") */
	token_hash_param("abc", h);
	assert_string_equal(h, "\\xba7816bf8f01cfea414140de5dae2223b00361a3"
	    "96177a9cb410ff61f20015ad");
}

static void
test_malformed_tokens_are_refused_before_the_database(void **state)
{
	(void)state;
	assert_false(token_well_formed(NULL));
	assert_false(token_well_formed(""));
	assert_false(token_well_formed("abc"));
	assert_false(token_well_formed("'; DROP TABLE users; --aaaaaaaaaaaaaaaaaaaa"));
	assert_false(token_well_formed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_true(token_well_formed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-"));
}

static void
test_base64url_matches_rfc4648_vectors(void **state)
{
	char	out[16];

	(void)state;
	base64url_encode((const unsigned char *)"f", 1, out);
	assert_string_equal(out, "Zg");
	base64url_encode((const unsigned char *)"fo", 2, out);
	assert_string_equal(out, "Zm8");
	base64url_encode((const unsigned char *)"foo", 3, out);
	assert_string_equal(out, "Zm9v");
	base64url_encode((const unsigned char *)"\xfb\xff", 2, out);
	assert_string_equal(out, "-_8");
}

static void
test_password_hash_is_argon2id_with_configured_params(void **state)
{
	struct config	c;
	char		phc[PASSWORD_PHC_MAX];

	(void)state;
	config_defaults(&c);
	c.argon2_memory_kib = 64;	/* fast for the test */
	c.argon2_iterations = 1;
	assert_int_equal(password_hash(&c, "correct horse battery", phc), 0);
	assert_true(strncmp(phc, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0);
	assert_true(password_verify(phc, "correct horse battery"));
	assert_false(password_verify(phc, "correct horse batterY"));
	assert_false(password_verify("not a hash", "x"));
	assert_false(password_verify(NULL, "x"));
	assert_false(password_needs_rehash(&c, phc));
	c.argon2_iterations = 2;
	assert_true(password_needs_rehash(&c, phc));
	config_release(&c);
}

static void
test_email_with_crlf_is_refused(void **state)
{
	char	out[EMAIL_MAX + 1];

	(void)state;
	assert_non_null(email_check("ann@example.com\r\nBcc: x@y.z", out,
	    sizeof(out)));
	assert_non_null(email_check("ann@exa\nmple.com", out, sizeof(out)));
	assert_non_null(email_check("ann@exa\tmple.com", out, sizeof(out)));
	assert_non_null(email_check("ann@exa\x7fmple.com", out, sizeof(out)));
}

static void
test_email_shapes(void **state)
{
	char	out[EMAIL_MAX + 1], big[400];

	(void)state;
	assert_null(email_check("  Ann@Example.com ", out, sizeof(out)));
	assert_string_equal(out, "Ann@Example.com");
	assert_null(email_check("a.b+tag@sub.example.co.uk", out, sizeof(out)));
	assert_null(email_check("zo\xc3\xab@b\xc3\xbc" "cher.de", out,
	    sizeof(out)));
	assert_non_null(email_check("", out, sizeof(out)));
	assert_non_null(email_check("ann", out, sizeof(out)));
	assert_non_null(email_check("@example.com", out, sizeof(out)));
	assert_non_null(email_check("ann@", out, sizeof(out)));
	assert_non_null(email_check("ann@localhost", out, sizeof(out)));
	assert_non_null(email_check("ann@-example.com", out, sizeof(out)));
	assert_non_null(email_check("ann@example..com", out, sizeof(out)));
	assert_non_null(email_check("an n@example.com", out, sizeof(out)));
	assert_non_null(email_check("<ann@example.com>", out, sizeof(out)));
	assert_non_null(email_check("a,b@example.com", out, sizeof(out)));
	assert_non_null(email_check(".ann@example.com", out, sizeof(out)));
	memset(big, 'a', sizeof(big));
	memcpy(big + 300, "@example.com", 13);
	assert_non_null(email_check(big, out, sizeof(out)));
	/* 254 is the most, however it is split */
	memset(big, 'a', sizeof(big));
	memcpy(big + 242, "@example.com", 13);
	assert_null(email_check(big, out, sizeof(out)));
	assert_int_equal(strlen(out), 254);
	memset(big, 'a', sizeof(big));
	memcpy(big + 243, "@example.com", 13);
	assert_non_null(email_check(big, out, sizeof(out)));
	/* a DNS label still has at most 63 octets */
	memset(big, 'a', sizeof(big));
	memcpy(big + 3, "@", 1);
	memcpy(big + 68, ".com", 5);
	assert_non_null(email_check(big, out, sizeof(out)));
	memcpy(big + 67, ".com", 5);
	assert_null(email_check(big, out, sizeof(out)));
}

static void
test_names_are_1_to_100_chars_without_controls(void **state)
{
	char	out[4 * NAME_MAX_CHARS + 1], big[600];
	int	i;

	(void)state;
	assert_null(name_check(" Zo\xc3\xab ", out, sizeof(out), 1, 100));
	assert_string_equal(out, "Zo\xc3\xab");
	assert_non_null(name_check("   ", out, sizeof(out), 1, 100));
	assert_null(name_check("", out, sizeof(out), 0, 100));
	assert_non_null(name_check("a\nb", out, sizeof(out), 1, 100));
	assert_non_null(name_check("a\xc2\x85" "b", out, sizeof(out), 1, 100));
	assert_non_null(name_check("\xff\xfe", out, sizeof(out), 1, 100));
	/* 100 two-byte characters fit, 101 do not */
	for (i = 0; i < 101; i++)
		memcpy(big + 2 * i, "\xc3\xab", 2);
	big[200] = '\0';
	assert_null(name_check(big, out, sizeof(out), 1, 100));
	big[200] = '\xc3';
	big[201] = '\xab';
	big[202] = '\0';
	assert_non_null(name_check(big, out, sizeof(out), 1, 100));
	assert_non_null(name_check("Robert'); DROP TABLE users;--"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxx", out, sizeof(out), 1, 100));
}

static void
test_password_length_rules(void **state)
{
	char	big[1100];

	(void)state;
	assert_non_null(password_check("short"));
	assert_non_null(password_check("123456789"));
	assert_null(password_check("1234567890"));
	/* ten characters, more bytes */
	assert_null(password_check("\xc3\xab\xc3\xab\xc3\xab\xc3\xab\xc3\xab"
	    "\xc3\xab\xc3\xab\xc3\xab\xc3\xab\xc3\xab"));
	memset(big, 'x', sizeof(big));
	big[1024] = '\0';
	assert_null(password_check(big));
	big[1024] = 'x';
	big[1025] = '\0';
	assert_non_null(password_check(big));
}

static void
test_utf8_validation_refuses_overlongs_and_surrogates(void **state)
{
	(void)state;
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("\xe2\x82\xac", 3));
	assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(utf8_valid("\xc0\xaf", 2));
	assert_false(utf8_valid("\xed\xa0\x80", 3));
	assert_false(utf8_valid("\xe2\x82", 2));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(utf8_valid("\x80", 1));
}

static void
test_permissions_parse_all_list_and_refuse_empty(void **state)
{
	cJSON		*j;
	perms_t		 p;
	const char	*why;
	struct buf	 b = { 0 };

	(void)state;
	j = cJSON_Parse("\"all\"");
	assert_int_equal(perms_from_json(j, &p, &why), 0);
	assert_int_equal(p, PERMS_ALL);
	cJSON_Delete(j);
	j = cJSON_Parse("[\"invoices\", \"domains\", \"invoices\"]");
	assert_int_equal(perms_from_json(j, &p, &why), 0);
	assert_int_equal(p, perm_bit("invoices") | perm_bit("domains"));
	perms_to_pg(p, &b);
	assert_string_equal(b.data, "{domains,invoices}");
	assert_int_equal(perms_from_pg(b.data), p);
	cJSON_Delete(j);
	j = cJSON_Parse("[]");
	assert_int_equal(perms_from_json(j, &p, &why), -1);
	cJSON_Delete(j);
	j = cJSON_Parse("[\"root\"]");
	assert_int_equal(perms_from_json(j, &p, &why), -1);
	cJSON_Delete(j);
	j = cJSON_Parse("\"invoices\"");
	assert_int_equal(perms_from_json(j, &p, &why), -1);
	cJSON_Delete(j);
	j = perms_to_json(PERMS_ALL);
	assert_int_equal(cJSON_GetArraySize(j), 14);
	assert_string_equal(cJSON_GetArrayItem(j, 13)->valuestring, "users");
	cJSON_Delete(j);
	buf_release(&b);
}

static void
test_templates_escape_html_and_name_the_sender(void **state)
{
	struct config		c;
	struct email		e = { 0 };
	struct invite_mail	m = {
		.to = "x@example.org", .account_name = "<b>Acme</b> & Co",
		.inviter_name = "Ann \"The\" Owner", .by_admin = true,
		.link = "http://p.example/invite#abc", .ttl = 7 * 86400,
		.permissions = "View domains",
	};

	(void)state;
	config_defaults(&c);
	template_invite(&c, &m, &e);
	assert_string_equal(e.subject,
	    "Account Access Invitation: <b>Acme</b> & Co");
	assert_non_null(strstr(e.text, "Ann \"The\" Owner (an administrator)"));
	assert_non_null(strstr(e.text, "7 days"));
	assert_non_null(strstr(e.text, "http://p.example/invite#abc"));
	assert_non_null(strstr(e.html, "&lt;b&gt;Acme&lt;/b&gt; &amp; Co"));
	assert_null(strstr(e.html, "<b>Acme"));
	email_release(&e);
	template_password_reset(&c, "x@example.org", "Zo\xc3\xab",
	    "http://p.example/reset-password#t", 3600, &e);
	assert_non_null(strstr(e.text, "1 hour"));
	assert_non_null(strstr(e.text, "#t"));
	email_release(&e);
	config_release(&c);
}

static void
test_verification_templates_say_what_changes_and_escape(void **state)
{
	struct config	c;
	struct email	e = { 0 };

	(void)state;
	config_defaults(&c);
	template_email_verify(&c, "new@example.org", "<i>Zo\xc3\xab</i>", NULL,
	    "http://p.example/verify-email#t1", 86400, &e);
	assert_string_equal(e.subject, "Email Address Verification");
	assert_string_equal(e.template, "email_verification");
	assert_non_null(strstr(e.text, "for 1 day"));
	assert_non_null(strstr(e.text, "http://p.example/verify-email#t1"));
	assert_non_null(strstr(e.html, "&lt;i&gt;Zo"));
	assert_null(strstr(e.html, "<i>Zo"));
	email_release(&e);

	/* a change names the account it moves, to the new address */
	template_email_verify(&c, "new@example.org", "Zoe", "old@example.org",
	    "http://p.example/verify-email#t2", 86400, &e);
	assert_string_equal(e.to, "new@example.org");
	assert_non_null(strstr(e.text, "old@example.org"));
	assert_non_null(strstr(e.html, "Confirm the new address"));
	email_release(&e);

	/* the old address hears which new one, when, and whom to ask */
	template_email_changed(&c, "old@example.org", "Zoe",
	    "n<e>w@example.org", "2026-12-01T10:00:00Z", &e);
	assert_string_equal(e.subject, "Email Address Changed");
	assert_string_equal(e.to, "old@example.org");
	assert_non_null(strstr(e.text, "n<e>w@example.org"));
	assert_non_null(strstr(e.text, "2026-12-01T10:00:00Z"));
	assert_non_null(strstr(e.text, c.mail_from));
	assert_non_null(strstr(e.html, "n&lt;e&gt;w@example.org"));
	assert_null(strchr(e.subject, '\n'));
	email_release(&e);
	config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_is_43_base64url_chars_and_random),
		cmocka_unit_test(test_token_hash_is_not_the_token),
		cmocka_unit_test(test_malformed_tokens_are_refused_before_the_database),
		cmocka_unit_test(test_base64url_matches_rfc4648_vectors),
		cmocka_unit_test(test_password_hash_is_argon2id_with_configured_params),
		cmocka_unit_test(test_email_with_crlf_is_refused),
		cmocka_unit_test(test_email_shapes),
		cmocka_unit_test(test_names_are_1_to_100_chars_without_controls),
		cmocka_unit_test(test_password_length_rules),
		cmocka_unit_test(test_utf8_validation_refuses_overlongs_and_surrogates),
		cmocka_unit_test(test_permissions_parse_all_list_and_refuse_empty),
		cmocka_unit_test(test_templates_escape_html_and_name_the_sender),
		cmocka_unit_test(test_verification_templates_say_what_changes_and_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
