/* util.c: buffers, allocation, number parsing, clocks, UTF-8 cuts. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"
#include "banned.h"

int
str_index(const char *const *names, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static void
buf_grow(struct buf *b, size_t extra)
{
	size_t	need;

	if (extra > SIZE_MAX - b->len - 1)
		fatalx("buffer size overflow");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("buf_printf: bad format");
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b)
{
	char	*p = b->data;

	if (p == NULL)
		p = xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void	*q = realloc(p, n == 0 ? 1 : n);

	if (q == NULL)
		fatal("realloc");
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

bool
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0')
		return false;
	/* strtol accepts leading space and a sign; we accept digits only. */
	if (!((*s >= '0' && *s <= '9') || (*s == '-' && min < 0)))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
parse_duration(const char *s, long max, long *out)
{
	long	ms;

	/* whole seconds only: "1500ms" is refused where seconds are meant */
	if (max > LONG_MAX / 1000 || !parse_duration_ms(s, max * 1000, &ms) ||
	    ms % 1000 != 0)
		return false;
	*out = ms / 1000;
	return true;
}

bool
parse_duration_ms(const char *s, long max_ms, long *out)
{
	char	 digits[32];
	size_t	 n = strlen(s);
	long	 mult = 1000, v;

	if (n == 0 || n >= sizeof(digits))
		return false;
	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		mult = 1;
		n -= 2;
	} else {
		switch (s[n - 1]) {
		case 's': mult = 1000; n--; break;
		case 'm': mult = 60 * 1000; n--; break;
		case 'h': mult = 3600 * 1000; n--; break;
		case 'd': mult = 86400 * 1000L; n--; break;
		default: break;
		}
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!parse_long(digits, 0, LONG_MAX / mult, &v))
		return false;
	v *= mult;
	if (v > max_ms)
		return false;
	*out = v;
	return true;
}

int64_t
now_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
now_wall_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool
str_equal_ct(const char *a, const char *b)
{
	size_t		la = strlen(a), lb = strlen(b), i;
	unsigned char	diff = (unsigned char)(la != lb);

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *
str_trim(char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

size_t
utf8_complete_len(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = n, back = 0, need;

	/* the last byte that starts a character, at most 4 bytes back */
	while (i > 0 && back < 4) {
		i--;
		if ((p[i] & 0xC0) != 0x80)
			break;
		back++;
	}
	if (n == 0 || (p[i] & 0xC0) == 0x80)
		return n;	/* not UTF-8 anyway: nothing to keep whole */
	need = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : p[i] >= 0xC0 ? 2 : 1;
	return i + need > n ? i : n;
}

size_t
utf8_cut_len(const char *s, size_t max)
{
	size_t	n = strnlen(s, max + 1);

	return n <= max ? n : utf8_complete_len(s, max);
}

bool
str_copy(char *dst, size_t dstlen, const char *src)
{
	size_t	n;

	if (src == NULL)
		src = "";
	n = utf8_cut_len(src, dstlen - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return src[n] == '\0';
}

bool
str_printf(char *dst, size_t dstlen, const char *fmt, ...)
{
	struct buf	b = { 0 };
	va_list		ap;
	int		n;
	bool		fit;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("str_printf: bad format");
	if ((size_t)n < dstlen) {
		va_start(ap, fmt);
		vsnprintf(dst, dstlen, fmt, ap);
		va_end(ap);
		return true;
	}
	buf_grow(&b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	fit = str_copy(dst, dstlen, b.data);
	buf_release(&b);
	return fit;
}

int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
str_like_pattern(const char *s, bool contains)
{
	struct buf	b = { 0 };

	buf_puts(&b, "");
	if (*s == '\0')
		return buf_detach(&b);
	if (contains)
		buf_putc(&b, '%');
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') :
		    *s);
	}
	buf_putc(&b, '%');
	return buf_detach(&b);
}
