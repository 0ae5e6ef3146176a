/*
 * memberctl.c: the operator's command. Each subcommand is a function in
 * the table below; it returns the process exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "queuectl.h"
#include "banned.h"

struct ctl {
	struct config	 cfg;
	struct db	*db;
};

struct command {
	const char	*name;
	const char	*args;
	const char	*help;
	int		 needs_db;
	int		 (*run)(struct ctl *, int argc, char **argv);
};

static int	cmd_migrate(struct ctl *, int, char **);
static int	cmd_config(struct ctl *, int, char **);
static int	cmd_queue(struct ctl *, int, char **);

static const struct command commands[] = {
	{ "migrate", "[--status]",
	  "apply pending schema migrations, or list them", 1, cmd_migrate },
	{ "config", "",
	  "check the configuration and print every key with its default", 0,
	  cmd_config },
	{ "queue", "status | list [--state S] [--limit N] | retry ID|--all-dead "
	  "| purge [--sent-older-than 30d]",
	  "outbound mail: counts and age, rows by state, send dead mail "
	  "again, delete old sent mail", 1, cmd_queue },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: memberctl [-c file] command [args]\n\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, "  %s %s\n      %s\n", commands[i].name,
		    commands[i].args, commands[i].help);
	exit(2);
}

static int
cmd_migrate(struct ctl *ctl, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--status") == 0)
		return migrate_status(ctl->db) == 0 ? 0 : 1;
	if (argc != 1)
		usage();
	return migrate_apply(ctl->db, 1) == 0 ? 0 : 1;
}

static int
cmd_config(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	(void)argv;
	if (argc != 1)
		usage();
	config_print_reference();
	return 0;
}

static int
cmd_queue(struct ctl *ctl, int argc, char **argv)
{
	return queuectl_main(ctl->db, &ctl->cfg, argc - 1, argv + 1);
}

int
main(int argc, char **argv)
{
	struct ctl	 ctl;
	const char	*path = NULL;
	char		 err[1024];
	size_t		 i;
	int		 ch, rc;

	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init("memberctl", LOG_LVL_WARN);
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			break;
	if (i == NCOMMANDS)
		usage();
	if (config_load(&ctl.cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "memberctl: %s\n", err);
		return 1;
	}
	ctl.db = NULL;
	if (commands[i].needs_db) {
		ctl.db = db_open(&ctl.cfg, "memberctl");
		if (!db_is_up(ctl.db)) {
			fprintf(stderr, "memberctl: cannot connect to the "
			    "database\n");
			db_close(ctl.db);
			config_release(&ctl.cfg);
			return 1;
		}
	}
	rc = commands[i].run(&ctl, argc, argv);
	db_close(ctl.db);
	config_release(&ctl.cfg);
	return rc;
}
