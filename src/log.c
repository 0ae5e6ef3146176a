/* log.c: stderr logging with a process tag; timestamps unless journald. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "banned.h"

static const char	*log_tag = "memberd";
static enum log_level	 log_min = LOG_LVL_INFO;
static int		 log_stamp = 1;

void
log_init(const char *tag, enum log_level level)
{
	log_tag = tag;
	log_min = level;
	/* The journal stamps each line itself. */
	log_stamp = getenv("JOURNAL_STREAM") == NULL;
}

void
log_set_level(enum log_level level)
{
	log_min = level;
}

static void log_vwrite(const char *, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
log_vwrite(const char *level, int err, const char *fmt, va_list ap)
{
	char		 msg[2048], stamp[32] = "";
	struct tm	 tm;
	time_t		 t;

	/* a line cut to fit is cut on a character boundary */
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		msg[utf8_complete_len(msg, sizeof(msg) - 1)] = '\0';
	if (log_stamp) {
		t = time(NULL);
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	if (err != 0)
		fprintf(stderr, "%s%s[%ld] %s: %s: %s\n", stamp, log_tag,
		    (long)getpid(), level, msg, strerror(err));
	else
		fprintf(stderr, "%s%s[%ld] %s: %s\n", stamp, log_tag,
		    (long)getpid(), level, msg);
	fflush(stderr);
}

#define LOG_BODY(lvl, name, err) do {			\
	va_list	ap;					\
	int	saved = errno;				\
	if ((lvl) < log_min)				\
		return;					\
	va_start(ap, fmt);				\
	log_vwrite(name, (err) ? saved : 0, fmt, ap);	\
	va_end(ap);					\
	errno = saved;					\
} while (0)

void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LVL_DEBUG, "debug", 0); }
void log_info(const char *fmt, ...) { LOG_BODY(LOG_LVL_INFO, "info", 0); }
void log_warn(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, "warn", 1); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, "warn", 0); }

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite("fatal", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
