/* Unit tests: Standard Webhooks signatures, secretbox sealing, event
 * filters, delivery verdicts, backoff and Retry-After. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secretbox.h"
#include "webhook.h"

/* The test vector published with the Standard Webhooks specification. */
static void
test_signature_matches_the_standard_webhooks_vector(void **state)
{
	const char	*body = "{\"test\": 2432232314}";
	char		 sig[WEBHOOK_SIG_LEN];

	(void)state;
	assert_int_equal(webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body),
	    sig), 0);
	assert_string_equal(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void
test_signature_changes_with_body_timestamp_and_secret(void **state)
{
	const char	*s = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	char		 a[WEBHOOK_SIG_LEN], b[WEBHOOK_SIG_LEN];
	char		 other[64];

	(void)state;
	assert_int_equal(webhook_sign(s, "msg_1", 1, "{}", 2, a), 0);
	assert_int_equal(webhook_sign(s, "msg_1", 1, "{ }", 3, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(webhook_sign(s, "msg_1", 2, "{}", 2, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(webhook_secret_new(other, sizeof(other)), 0);
	assert_int_equal(webhook_sign(other, "msg_1", 1, "{}", 2, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(webhook_sign("whsec_not base64!", "m", 1, "", 0, b), -1);
}

static void
test_new_secrets_are_whsec_and_differ(void **state)
{
	char	a[64], b[64];

	(void)state;
	assert_int_equal(webhook_secret_new(a, sizeof(a)), 0);
	assert_int_equal(webhook_secret_new(b, sizeof(b)), 0);
	assert_true(webhook_secret_ok(a));
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 6 + 44);
	assert_false(webhook_secret_ok("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
	assert_false(webhook_secret_ok("whsec_c2hvcnQ="));
	assert_int_equal(webhook_secret_new(a, 20), -1);
}

static void
test_filters_match_exact_kind_and_everything(void **state)
{
	int	n;

	(void)state;
	assert_true(webhook_filter_ok("invite.*,member.added", &n));
	assert_int_equal(n, 2);
	assert_true(webhook_filter_ok("*", &n));
	assert_false(webhook_filter_ok("", &n));
	assert_false(webhook_filter_ok("invite.*,", &n));
	assert_false(webhook_filter_ok("invite", &n));
	assert_false(webhook_filter_ok("Invite.created", &n));
	assert_false(webhook_filter_ok("*.created", &n));
	assert_false(webhook_filter_ok("invite.*x", &n));
	assert_false(webhook_filter_ok("invite. created", &n));
	assert_true(webhook_filter_matches("invite.*", "invite.created"));
	assert_false(webhook_filter_matches("invite.*", "invites.created"));
	assert_false(webhook_filter_matches("invite.*", "member.added"));
	assert_true(webhook_filter_matches("invite.*,member.added",
	    "member.added"));
	assert_false(webhook_filter_matches("member.added", "member.added_x"));
	assert_true(webhook_filter_matches("*", "client.owner_changed"));
}

static void
test_urls_must_be_http_with_a_host(void **state)
{
	(void)state;
	assert_true(webhook_url_ok("https://billing.example.com/hooks"));
	assert_true(webhook_url_ok("http://127.0.0.1:2626/"));
	assert_false(webhook_url_ok("ftp://example.com/"));
	assert_false(webhook_url_ok("https:///path"));
	assert_false(webhook_url_ok("https://a b/"));
	assert_false(webhook_url_ok("https://a/\r\nX: y"));
}

static void
test_verdicts_follow_the_delivery_rules(void **state)
{
	(void)state;
	assert_int_equal(webhook_verdict(200, 1, 5), WEBHOOK_DELIVERED);
	assert_int_equal(webhook_verdict(204, 5, 5), WEBHOOK_DELIVERED);
	assert_int_equal(webhook_verdict(500, 1, 5), WEBHOOK_RETRY);
	assert_int_equal(webhook_verdict(503, 1, 5), WEBHOOK_RETRY);
	assert_int_equal(webhook_verdict(408, 1, 5), WEBHOOK_RETRY);
	assert_int_equal(webhook_verdict(429, 1, 5), WEBHOOK_RETRY);
	assert_int_equal(webhook_verdict(0, 1, 5), WEBHOOK_RETRY);
	assert_int_equal(webhook_verdict(500, 5, 5), WEBHOOK_DEAD);
	assert_int_equal(webhook_verdict(0, 5, 5), WEBHOOK_DEAD);
	assert_int_equal(webhook_verdict(410, 1, 5), WEBHOOK_DEAD);
	assert_int_equal(webhook_verdict(404, 1, 5), WEBHOOK_DEAD);
	assert_int_equal(webhook_verdict(301, 1, 5), WEBHOOK_DEAD);
}

static void
test_backoff_grows_with_jitter_and_honours_retry_after(void **state)
{
	(void)state;
	assert_int_equal(webhook_retry_ms(1, 1000, 0.5, -1), 1000);
	assert_int_equal(webhook_retry_ms(2, 1000, 0.5, -1), 16000);
	assert_int_equal(webhook_retry_ms(2, 1000, 0, -1), 14400);
	assert_int_equal(webhook_retry_ms(2, 1000, 1, -1), 17600);
	assert_int_equal(webhook_retry_ms(20, 1000, 1, -1), 3600000);
	assert_int_equal(webhook_retry_ms(1, 1000, 0.5, 120), 120000);
	assert_int_equal(webhook_retry_ms(3, 1000, 0.5, 2), 81000);
	assert_int_equal(webhook_retry_ms(1, 1000, 0.5, 999999), 86400000L);
}

static void
test_retry_after_takes_seconds_and_dates(void **state)
{
	(void)state;
	assert_int_equal(webhook_retry_after("120", 0), 120);
	assert_int_equal(webhook_retry_after(" 0", 0), 0);
	assert_int_equal(webhook_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111717), 60);
	assert_int_equal(webhook_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111777 + 10), 0);
	assert_int_equal(webhook_retry_after("soon", 0), -1);
	assert_int_equal(webhook_retry_after("-5", 0), -1);
	assert_int_equal(webhook_retry_after(NULL, 0), -1);
}

static void
key_fill(struct secretbox_key *k, unsigned char v)
{
	unsigned char	raw[SECRETBOX_KEY_LEN];
	char		err[256];

	memset(raw, v, sizeof(raw));
	assert_int_equal(secretbox_key_parse(raw, sizeof(raw), k, err,
	    sizeof(err)), 0);
}

static void
test_secretbox_round_trips_with_fresh_nonces(void **state)
{
	struct secretbox_key	k;
	struct buf		a = { 0 }, b = { 0 }, pt = { 0 };

	(void)state;
	key_fill(&k, 7);
	assert_int_equal(secretbox_seal(&k, "webhook_endpoint", "whsec_abc", 9,
	    &a), 0);
	assert_int_equal(secretbox_seal(&k, "webhook_endpoint", "whsec_abc", 9,
	    &b), 0);
	assert_string_not_equal(a.data, b.data);
	assert_null(strstr(a.data, "whsec"));
	assert_int_equal(secretbox_open(&k, "webhook_endpoint", a.data, &pt), 0);
	assert_string_equal(pt.data, "whsec_abc");
	secretbox_buf_wipe(&pt);
	buf_release(&a);
	buf_release(&b);
	secretbox_key_wipe(&k);
}

static void
test_secretbox_refuses_tampering_other_keys_and_uses(void **state)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	struct secretbox_key	k, other;
	struct buf		s = { 0 }, pt = { 0 };
	char			*t;
	size_t			 i;

	(void)state;
	key_fill(&k, 7);
	key_fill(&other, 8);
	assert_int_equal(secretbox_seal(&k, "webhook_endpoint", "secret", 6,
	    &s), 0);
	assert_int_equal(secretbox_open(&other, "webhook_endpoint", s.data,
	    &pt), -1);
	assert_int_equal(secretbox_open(&k, "totp", s.data, &pt), -1);
	/*
	 * every character changed in turn: never opens. The top bit of a
	 * character's six is flipped: the low ones of the last character
	 * before padding carry no data, so changing only those would not
	 * change the box.
	 */
	t = xstrdup(s.data);
	for (i = 0; t[i] != '\0' && t[i] != '='; i++) {
		char c = t[i];

		t[i] = b64[(strchr(b64, c) - b64) ^ 0x20];
		assert_int_equal(secretbox_open(&k, "webhook_endpoint", t, &pt),
		    -1);
		t[i] = c;
	}
	assert_int_equal(secretbox_open(&k, "webhook_endpoint", t, &pt), 0);
	assert_int_equal(secretbox_open(&k, "webhook_endpoint", "", &pt), -1);
	assert_int_equal(secretbox_open(&k, "webhook_endpoint", "AAAA", &pt),
	    -1);
	assert_int_equal(pt.len, 6);
	free(t);
	secretbox_buf_wipe(&pt);
	buf_release(&s);
}

static void
test_secretbox_keys_are_32_bytes_raw_or_hex(void **state)
{
	struct secretbox_key	k;
	char			err[256];
	const char		*hex = "000102030405060708090a0b0c0d0e0f"
				    "101112131415161718191a1b1c1d1e1f\n";

	(void)state;
	assert_int_equal(secretbox_key_parse((const unsigned char *)hex,
	    strlen(hex), &k, err, sizeof(err)), 0);
	assert_int_equal(k.k[31], 0x1f);
	assert_int_equal(secretbox_key_parse((const unsigned char *)"short", 5,
	    &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "32 bytes"));
	assert_false(k.loaded);
	assert_int_equal(secretbox_key_parse((const unsigned char *)hex, 40,
	    &k, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_matches_the_standard_webhooks_vector),
		cmocka_unit_test(test_signature_changes_with_body_timestamp_and_secret),
		cmocka_unit_test(test_new_secrets_are_whsec_and_differ),
		cmocka_unit_test(test_filters_match_exact_kind_and_everything),
		cmocka_unit_test(test_urls_must_be_http_with_a_host),
		cmocka_unit_test(test_verdicts_follow_the_delivery_rules),
		cmocka_unit_test(test_backoff_grows_with_jitter_and_honours_retry_after),
		cmocka_unit_test(test_retry_after_takes_seconds_and_dates),
		cmocka_unit_test(test_secretbox_round_trips_with_fresh_nonces),
		cmocka_unit_test(test_secretbox_refuses_tampering_other_keys_and_uses),
		cmocka_unit_test(test_secretbox_keys_are_32_bytes_raw_or_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
