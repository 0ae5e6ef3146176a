/*
 * queuectl.h: "memberctl queue", the operator's view of email_queue:
 * counts and age (status), rows by state (list), dead mail sent again
 * (retry), old sent mail deleted (purge). Output goes to stdout, errors to
 * stderr; the function returns the process exit status (2: usage).
 */
#ifndef MEMBERD_QUEUECTL_H
#define MEMBERD_QUEUECTL_H

struct config;
struct db;

/* argv[0] is the subcommand ("status", "list", "retry", "purge"). */
int	queuectl_main(struct db *, const struct config *, int argc,
	    char **argv);

#endif
