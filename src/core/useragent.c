/* useragent.c: the User-Agent kept with a session; see useragent.h. */
#include <string.h>

#include "useragent.h"
#include "validate.h"
#include "banned.h"

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
sequence_len(const unsigned char *s, size_t n)
{
	size_t	len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	/* utf8_valid() knows overlongs, surrogates and the top of Unicode */
	return utf8_valid((const char *)s, len) ? len : 0;
}

size_t
useragent_clean(const char *in, char out[USERAGENT_MAX + 1])
{
	const unsigned char	*s = (const unsigned char *)(in ? in : "");
	size_t			 n = strlen((const char *)s), o = 0, len;

	while (n > 0) {
		len = sequence_len(s, n);
		if (len == 0) {
			len = 1;
			if (o + 1 > USERAGENT_MAX)
				break;
			out[o++] = '?';
		} else if (len == 1 && (s[0] < 0x20 || s[0] == 0x7f)) {
			if (o + 1 > USERAGENT_MAX)
				break;
			out[o++] = ' ';
		} else if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
			/* C1 controls, U+0080..U+009F */
			if (o + 1 > USERAGENT_MAX)
				break;
			out[o++] = ' ';
		} else {
			if (o + len > USERAGENT_MAX)
				break;
			memcpy(out + o, s, len);
			o += len;
		}
		s += len;
		n -= len;
	}
	out[o] = '\0';
	return o;
}
