/*
 * validate.h: the shapes memberd accepts for emails, names and passwords.
 * Pure functions; input.c turns their verdicts into 422 replies.
 * Each check returns NULL when the value is acceptable, else a sentence
 * for the user (a static string).
 */
#ifndef MEMBERD_VALIDATE_H
#define MEMBERD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define EMAIL_MAX	254
#define NAME_MAX_CHARS	100
/* Bytes of "First Last" with both names at their longest. */
#define DISPLAY_NAME_MAX	(2 * 4 * NAME_MAX_CHARS + 1)

bool	 utf8_valid(const char *s, size_t n);
/* Code points in a valid UTF-8 string. */
size_t	 utf8_chars(const char *s);
/* True when s holds a C0 or C1 control character or DEL. */
bool	 has_control(const char *s);

/*
 * True for an address a mail header may carry: local@domain, no spaces,
 * <, >, quotes, commas, semicolons, backslashes or controls (the sender
 * address of the configuration and every recipient, message.c).
 */
bool	 mail_address_ok(const char *s);
/* Trim surrounding spaces into out (EMAIL_MAX + 1 bytes) and check. */
const char *email_check(const char *in, char *out, size_t outlen);
/* Trim into out and check: min..max characters, no control characters. */
const char *name_check(const char *in, char *out, size_t outlen,
	    size_t min_chars, size_t max_chars);
/* At least 10 characters, at most 1024 bytes. */
const char *password_check(const char *pw);

#define LOCAL_PATH_MAX	2048
/*
 * A path on this site to send a browser to (an SSO link's destination):
 * "/" and more, at most LOCAL_PATH_MAX bytes; refused: anything else
 * ("https:", "javascript:"), "//" or "/\" (another host to a browser),
 * a backslash or "%5c" anywhere, spaces and control characters (which
 * URL parsers drop: "/\t/x" is "//x"), and "." or ".." segments, plain
 * or as "%2e", in the path (they can resolve to "//host"). The same rule
 * as the portal's safeNext().
 */
const char *local_path_check(const char *path);

#endif
