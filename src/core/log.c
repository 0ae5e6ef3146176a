/*
 * log.c: one line per event on stderr. On a terminal or a file each line
 * carries a UTC stamp, the process tag, its pid and the level name. When
 * stderr is the journal's stream (JOURNAL_STREAM names its device and
 * inode, see systemd.exec(5)), the journal adds stamp, tag and pid itself:
 * the line then starts with the sd-daemon(3) priority "<N>" only, so that
 * journalctl -p warning shows the warnings. Nothing here allocates.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "banned.h"

static const char	*log_tag = "memberd";
static enum log_level	 log_min = LOG_LVL_INFO;
static int		 log_journal;

/* The names and sd-daemon priorities of the levels, fatal last. */
static const struct {
	const char	*name;
	int		 prio;
} log_levels[] = {
	[LOG_LVL_DEBUG] = { "debug", 7 },
	[LOG_LVL_INFO] = { "info", 6 },
	[LOG_LVL_WARN] = { "warn", 4 },
	[LOG_LVL_FATAL] = { "fatal", 3 },
};

int
log_stream_is_journal(int fd, const char *journal_stream)
{
	struct stat		 st;
	unsigned long long	 dev, ino;
	char			 end;

	if (journal_stream == NULL ||
	    sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	if (fstat(fd, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *tag, enum log_level level)
{
	log_tag = tag;
	log_min = level;
	log_journal = log_stream_is_journal(STDERR_FILENO,
	    getenv("JOURNAL_STREAM"));
}

void
log_set_level(enum log_level level)
{
	log_min = level;
}

size_t
log_format(char *out, size_t size, const struct log_line *l)
{
	char		 stamp[32];
	struct tm	 tm;
	int		 n;

	if (l->journal)
		n = snprintf(out, size, "<%d>%s%s%s\n",
		    log_levels[l->level].prio, l->msg,
		    l->err ? ": " : "", l->err ? strerror(l->err) : "");
	else {
		gmtime_r(&l->when, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		n = snprintf(out, size, "%s %s[%ld] %s: %s%s%s\n", stamp,
		    l->tag, l->pid, log_levels[l->level].name, l->msg,
		    l->err ? ": " : "", l->err ? strerror(l->err) : "");
	}
	if (n < 0)
		n = 0;
	if ((size_t)n >= size && size > 0) {
		/* Cut long lines on a character boundary, keeping them lines. */
		n = (int)utf8_complete_len(out, size - 2);
		out[n++] = '\n';
		out[n] = '\0';
	}
	return (size_t)n;
}

static void log_vwrite(enum log_level, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
log_vwrite(enum log_level level, int err, const char *fmt, va_list ap)
{
	char		 msg[2048], line[2200];
	struct log_line	 l;
	size_t		 n;

	/* a line cut to fit is cut on a character boundary */
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		msg[utf8_complete_len(msg, sizeof(msg) - 1)] = '\0';
	l.journal = log_journal;
	l.level = level;
	l.tag = log_tag;
	l.pid = (long)getpid();
	l.when = time(NULL);
	l.msg = msg;
	l.err = err;
	n = log_format(line, sizeof(line), &l);
	/* One write per line: workers share stderr. */
	if (write(STDERR_FILENO, line, n) == -1)
		return;
}

#define LOG_BODY(lvl, err) do {				\
	va_list	ap;					\
	int	saved = errno;				\
	if ((lvl) < log_min)				\
		return;					\
	va_start(ap, fmt);				\
	log_vwrite((lvl), (err) ? saved : 0, fmt, ap);	\
	va_end(ap);					\
	errno = saved;					\
} while (0)

void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LVL_DEBUG, 0); }
void log_info(const char *fmt, ...) { LOG_BODY(LOG_LVL_INFO, 0); }
void log_warn(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, 1); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, 0); }

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_FATAL, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_FATAL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
