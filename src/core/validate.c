/* validate.c: emails, names and passwords, checked before anything else. */
#include <string.h>
#include <strings.h>

#include "password.h"
#include "validate.h"
#include "banned.h"

bool
utf8_valid(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, need, k;
	unsigned		 cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0) {
			need = 1; cp = s[i] & 0x1F;
		} else if ((s[i] & 0xF0) == 0xE0) {
			need = 2; cp = s[i] & 0x0F;
		} else if ((s[i] & 0xF8) == 0xF0) {
			need = 3; cp = s[i] & 0x07;
		} else
			return false;
		if (i + need >= n)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* overlong forms, surrogates, beyond Unicode */
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

bool
has_control(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;

	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s == 0x7F)
			return true;
		/* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8 */
		if (*s == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F)
			return true;
	}
	return false;
}

/* Copy in without surrounding ASCII spaces into out; false if too long. */
static bool
trim_copy(const char *in, char *out, size_t outlen)
{
	size_t	n;

	while (*in == ' ')
		in++;
	n = strlen(in);
	while (n > 0 && in[n - 1] == ' ')
		n--;
	if (n + 1 > outlen)
		return false;
	memcpy(out, in, n);
	out[n] = '\0';
	return true;
}

static bool
domain_ok(const char *d)
{
	const unsigned char	*p = (const unsigned char *)d;
	size_t			 label = 0, labels = 1;

	if (*p == '\0' || *p == '.' || *p == '-')
		return false;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p >= 0x80))
			return false;
		if (label == 0 && *p == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && p[-1] != '-' && labels >= 2;
}

const char *
email_check(const char *in, char *out, size_t outlen)
{
	const char	*at;
	const unsigned char *p;
	size_t		 local;

	if (has_control(in))
		return "An email address cannot hold control characters.";
	if (!trim_copy(in, out, outlen) || strlen(out) > EMAIL_MAX)
		return "An email address has at most 254 characters.";
	if (*out == '\0')
		return "Enter an email address.";
	if (!utf8_valid(out, strlen(out)))
		return "The email address is not valid text.";
	at = strrchr(out, '@');
	if (at == NULL)
		return "An email address looks like name@example.com.";
	/*
	 * Only the whole address is capped (254): RFC 5321's 64 octets for
	 * the local part are left to the relay, which alone knows its users.
	 */
	local = (size_t)(at - out);
	if (local == 0)
		return "An email address looks like name@example.com.";
	for (p = (const unsigned char *)out; p < (const unsigned char *)at;
	    p++)
		if (*p == ' ' || *p == '@' || *p == '"' || *p == '(' ||
		    *p == ')' || *p == ',' || *p == ':' || *p == ';' ||
		    *p == '<' || *p == '>' || *p == '[' || *p == ']' ||
		    *p == '\\')
			return "An email address looks like name@example.com.";
	if (out[0] == '.' || at[-1] == '.' || strstr(out, "..") != NULL)
		return "An email address looks like name@example.com.";
	if (!domain_ok(at + 1))
		return "An email address looks like name@example.com.";
	return NULL;
}

const char *
name_check(const char *in, char *out, size_t outlen, size_t min_chars,
    size_t max_chars)
{
	size_t	n;

	if (!utf8_valid(in, strlen(in)))
		return "A name must be valid text.";
	if (has_control(in))
		return "A name cannot hold control characters.";
	if (!trim_copy(in, out, outlen))
		return "A name has at most 100 characters.";
	n = utf8_chars(out);
	if (n < min_chars)
		return "Enter a name.";
	if (n > max_chars)
		return "A name has at most 100 characters.";
	return NULL;
}

const char *
password_check(const char *pw)
{
	if (strlen(pw) > PASSWORD_MAX_BYTES)
		return "A password has at most 1024 bytes.";
	if (!utf8_valid(pw, strlen(pw)))
		return "A password must be valid text.";
	if (utf8_chars(pw) < PASSWORD_MIN_CHARS)
		return "A password has at least 10 characters.";
	return NULL;
}

/* A "." or ".." path segment from s (just after a '/'), "%2e" for '.'. */
static bool
dot_segment(const char *s)
{
	int	dots = 0;

	for (;;) {
		if (*s == '.')
			s++;
		else if (strncasecmp(s, "%2e", 3) == 0)
			s += 3;
		else
			break;
		dots++;
	}
	return dots > 0 && dots <= 2 && (*s == '\0' || *s == '/' ||
	    *s == '?' || *s == '#');
}

const char *
local_path_check(const char *path)
{
	const char	*p;
	bool		 in_path = true;

	if (strlen(path) > LOCAL_PATH_MAX)
		return "The destination has at most 2048 characters.";
	if (path[0] != '/' || path[1] == '/' || path[1] == '\\')
		return "The destination is a path on this site, such as "
		    "/portal/.";
	for (p = path; *p != '\0'; p++) {
		if (*p == '\\' || (unsigned char)*p <= 0x20 ||
		    (unsigned char)*p == 0x7f || strncasecmp(p, "%5c", 3) == 0)
			return "The destination cannot hold backslashes, "
			    "spaces or control characters.";
		if (*p == '?' || *p == '#')
			in_path = false;
		if (in_path && *p == '/' && (p[1] == '/' || dot_segment(p + 1)))
			return "The destination cannot hold \"//\", \".\" or "
			    "\"..\" segments.";
	}
	if (!utf8_valid(path, strlen(path)))
		return "The destination must be valid text.";
	return NULL;
}

bool
mail_address_ok(const char *s)
{
	const char	*at = strrchr(s, '@');
	const unsigned char *p;

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 254)
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' ||
		    *p == '"' || *p == ',' || *p == ';' || *p == '\\')
			return false;
	return true;
}
