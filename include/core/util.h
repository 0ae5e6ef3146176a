/*
 * util.h: small helpers shared by every binary: a growable buffer,
 * allocation that cannot return NULL, strict number parsing, clocks.
 */
#ifndef MEMBERD_UTIL_H
#define MEMBERD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MUST_CHECK __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* A NUL-terminated growable byte buffer. Zero-initialised is empty. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...) PRINTF_LIKE(2, 3);
void	 buf_reset(struct buf *);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void	 buf_release(struct buf *);
/* Hands the storage to the caller (who frees it); the buffer is empty. */
char	*buf_detach(struct buf *);

/* Abort on allocation failure: a worker without memory cannot answer. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/* Parse a whole decimal string; false on junk, overflow or out of range. */
bool	 parse_long(const char *, long min, long max, long *out) MUST_CHECK;
/*
 * Parse a duration: "90", "90s", "15m", "2h", "7d". Result in seconds.
 * False on junk or a value above max.
 */
bool	 parse_duration(const char *, long max, long *out) MUST_CHECK;
/* The same in milliseconds, which also accepts "250ms". */
bool	 parse_duration_ms(const char *, long max_ms, long *out) MUST_CHECK;

/* Monotonic and wall clocks in microseconds. */
int64_t	 now_mono_us(void);
int64_t	 now_wall_us(void);

/* Constant-time equality of two NUL-terminated strings. */
bool	 str_equal_ct(const char *, const char *);
bool	 str_has_prefix(const char *, const char *);
/* Trim ASCII spaces and tabs in place; returns s moved past leading ones. */
char	*str_trim(char *s);
/*
 * A LIKE pattern for s: "s%" (prefix) or "%s%" (contains), with %, _
 * and the backslash of s escaped by a backslash and ASCII letters
 * lowercased; "" when s is empty. Caller frees.
 */
char	*str_like_pattern(const char *s, bool contains);
/* The index of s in names[0..n), or -1: how state enums are parsed. */
int	 str_index(const char *const *names, size_t n, const char *s);

/*
 * Cutting text to a length never splits a UTF-8 sequence (PostgreSQL
 * refuses the half character, a mail client shows garbage).
 * utf8_complete_len: the length of s[0..n) without a character cut short
 * at its end (the one helper the others build on).
 * utf8_cut_len: the length of the longest prefix of s of at most max bytes
 * that does not end inside a character.
 * str_copy: src (NULL reads as "") into dst of dstlen > 0 bytes,
 * NUL-terminated, cut that way. str_printf: snprintf cut that way. Both
 * return true when everything fit. Use them, not snprintf("%s"), wherever
 * text from users or the database lands in a fixed buffer.
 */
size_t	 utf8_complete_len(const char *s, size_t n);
/* The value of one hexadecimal digit, or -1 when c is none. */
int	 hex_value(unsigned char c);
size_t	 utf8_cut_len(const char *s, size_t max);
bool	 str_copy(char *dst, size_t dstlen, const char *src);
bool	 str_printf(char *dst, size_t dstlen, const char *fmt, ...)
	    PRINTF_LIKE(3, 4);

#endif
