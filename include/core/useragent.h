/*
 * useragent.h: a User-Agent header made fit to store beside a session
 * (DESIGN §8.2): at most USERAGENT_MAX bytes, valid UTF-8 (PostgreSQL
 * refuses anything else, and a login must never fail on its header),
 * without control characters (it is shown on the Security page). Pure
 * code; the caller owns the buffer.
 */
#ifndef MEMBERD_USERAGENT_H
#define MEMBERD_USERAGENT_H

#include <stddef.h>

#define USERAGENT_MAX	512

/*
 * in (NULL reads as "") into out of USERAGENT_MAX + 1 bytes: each byte
 * that starts no valid UTF-8 sequence becomes '?', each control
 * character a space, and the result is cut on a character boundary.
 * Returns the length written.
 */
size_t	useragent_clean(const char *in, char out[USERAGENT_MAX + 1]);

#endif
