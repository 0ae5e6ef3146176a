/*
 * log.h: one line per event on stderr, which systemd sends to the journal.
 * The _x forms do not append strerror(errno). fatal and fatalx exit(1):
 * use them for setup failures only, never for one bad request or message.
 * Never log a token, password, cookie or request body.
 */
#ifndef MEMBERD_LOG_H
#define MEMBERD_LOG_H

#include "util.h"

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN };

void	log_init(const char *tag, enum log_level);
void	log_set_level(enum log_level);
void	log_debug(const char *, ...) PRINTF_LIKE(1, 2);
void	log_info(const char *, ...) PRINTF_LIKE(1, 2);
void	log_warn(const char *, ...) PRINTF_LIKE(1, 2);
void	log_warnx(const char *, ...) PRINTF_LIKE(1, 2);
void	fatal(const char *, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));

#endif
