/*
 * webhookctl.h: "memberctl webhook", the operator's side of webhooks:
 * endpoints (add, list, disable, remove) and their deliveries
 * (deliveries, retry). Secrets are sealed with secretbox.h before they
 * reach the database; a generated one is printed once. Output goes to
 * stdout, errors to stderr; the function returns the exit status (2:
 * usage).
 */
#ifndef MEMBERD_WEBHOOKCTL_H
#define MEMBERD_WEBHOOKCTL_H

struct config;
struct db;

/* argv[0] is the subcommand. */
int	webhookctl_main(struct db *, const struct config *, int argc,
	    char **argv);

#endif
