/*
 * log.h: one line per event on stderr, which systemd sends to the journal.
 * The _x forms do not append strerror(errno). fatal and fatalx exit(1):
 * use them for setup failures only, never for one bad request or message.
 * Never log a token, password, cookie or request body.
 * Under systemd (stderr is the journal's stream) a line is "<N>message",
 * N its sd-daemon priority: 7 debug, 6 info, 4 warn, 3 fatal; elsewhere
 * "2026-01-02T03:04:05Z tag[pid] level: message".
 */
#ifndef MEMBERD_LOG_H
#define MEMBERD_LOG_H

#include <stddef.h>
#include <time.h>

#include "util.h"

/* LOG_LVL_FATAL is for fatal() and fatalx() only, not a log_level key. */
enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_FATAL };

/* One line to format: log_format() writes it, '\n' included, cut to fit. */
struct log_line {
	int		 journal;	/* "<N>" form, no stamp, tag or pid */
	enum log_level	 level;
	const char	*tag;
	long		 pid;
	time_t		 when;
	const char	*msg;
	int		 err;		/* errno to append, or 0 */
};

void	log_init(const char *tag, enum log_level);
void	log_set_level(enum log_level);
void	log_debug(const char *, ...) PRINTF_LIKE(1, 2);
void	log_info(const char *, ...) PRINTF_LIKE(1, 2);
void	log_warn(const char *, ...) PRINTF_LIKE(1, 2);
void	log_warnx(const char *, ...) PRINTF_LIKE(1, 2);
size_t	log_format(char *, size_t, const struct log_line *);
/* 1 when fd is the stream JOURNAL_STREAM ("dev:ino") names. */
int	log_stream_is_journal(int, const char *);
void	fatal(const char *, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));

#endif
