/*
 * memberctl.c: the operator's command. Each subcommand is a function in
 * the table below; it returns the process exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "apitoken.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "json.h"
#include "housekeeping.h"
#include "log.h"
#include "migrate.h"
#include "password.h"
#include "validate.h"
#include "queuectl.h"
#include "webhookctl.h"
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
static int	cmd_admin(struct ctl *, int, char **);
static int	cmd_housekeeping(struct ctl *, int, char **);
static int	cmd_queue(struct ctl *, int, char **);
static int	cmd_webhook(struct ctl *, int, char **);

static const struct command commands[] = {
	{ "migrate", "[--status]",
	  "apply pending schema migrations, or list them", 1, cmd_migrate },
	{ "config", "",
	  "check the configuration and print every key with its default", 0,
	  cmd_config },
	{ "admin", "add EMAIL [--name NAME]",
	  "create an administrator; the password is read from stdin", 1,
	  cmd_admin },
	{ "admin", "token EMAIL | token --revoke EMAIL",
	  "print a new API token for an administrator (shown once), or "
	  "revoke all of theirs", 1, cmd_admin },
	{ "housekeeping", "",
	  "mark expired invitations, delete dead sessions, old reset links "
	  "and login failures, purge sent mail past mail_retention", 1,
	  cmd_housekeeping },
	{ "queue", "status | list [--state S] [--limit N] | retry ID|--all-dead "
	  "| purge [--sent-older-than 30d]",
	  "outbound mail: counts and age, rows by state, send dead mail "
	  "again, delete old sent mail", 1, cmd_queue },
	{ "webhook", "add URL --events PATTERNS [--secret-file F] | list | "
	  "disable ID | enable ID | remove ID | deliveries [--state S] "
	  "[--limit N] | retry ID",
	  "webhook endpoints and their deliveries; add prints a generated "
	  "secret once", 1, cmd_webhook },
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

/*
 * Read a password from stdin: asked twice without echo on a terminal,
 * else the first line. Returns 0 with buf filled, or -1 with a message.
 */
static int
read_password(char *buf, size_t len)
{
	struct termios	 old, quiet;
	char		 again[PASSWORD_MAX_BYTES + 2];
	bool		 tty = isatty(STDIN_FILENO);
	size_t		 n;

	if (tty) {
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fprintf(stderr, "Password: ");
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		fprintf(stderr, "\nAgain: ");
		if (fgets(again, sizeof(again), stdin) == NULL)
			again[0] = '\0';
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
		if (strcmp(buf, again) != 0) {
			fprintf(stderr, "memberctl: the passwords differ\n");
			explicit_bzero(again, sizeof(again));
			return -1;
		}
		explicit_bzero(again, sizeof(again));
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

/* The new administrator's password from stdin, hashed into phc. 0 or 1. */
static int
admin_password(struct ctl *ctl, char *phc)
{
	char		 pw[PASSWORD_MAX_BYTES + 2];
	const char	*why;
	int		 rc = 1;

	if (read_password(pw, sizeof(pw)) != 0)
		return 1;
	if ((why = password_check(pw)) != NULL)
		fprintf(stderr, "memberctl: %s\n", why);
	else if (password_hash(&ctl->cfg, pw, phc) != 0)
		fprintf(stderr, "memberctl: cannot hash the password\n");
	else
		rc = 0;
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

static int
admin_add(struct ctl *ctl, const char *raw_email, const char *name)
{
	static struct stmt st_add = STMT(
	    "INSERT INTO admins (email, name, password_hash)"
	    " VALUES ($1, $2, $3) RETURNING id", 3);
	struct db_res	*res;
	char		 email[EMAIL_MAX + 1], phc[PASSWORD_PHC_MAX];
	const char	*why;
	long long	 id;
	struct audit_details details = { 0 };
	int		 rc;

	if ((why = email_check(raw_email, email, sizeof(email))) != NULL) {
		fprintf(stderr, "memberctl: %s\n", why);
		return 1;
	}
	if (name != NULL && (strlen(name) > 100 || has_control(name))) {
		fprintf(stderr, "memberctl: --name: at most 100 characters, "
		    "no control characters\n");
		return 1;
	}
	if (admin_password(ctl, phc) != 0)
		return 1;
	if (db_begin(ctl->db) != 0)
		goto fail;
	res = DB_EXEC(ctl->db, &st_add, email, name ? name : "", phc);
	if (res == NULL) {
		db_rollback(ctl->db);
		if (db_error(ctl->db) == DB_UNIQUE) {
			fprintf(stderr, "memberctl: an administrator %s "
			    "already exists\n", email);
			return 1;
		}
		goto fail;
	}
	id = db_int(res, 0, 0);
	db_res_free(res);
	audit_detail_str(&details, "email", email);
	audit_detail_int(&details, "admin_id", id);
	rc = audit_record(ctl->db, &(struct actor){ .kind = ACTOR_SYSTEM,
	    .name = "memberctl" }, 0, "admin_created", &details);
	audit_details_release(&details);
	if (rc != 0 || db_commit(ctl->db) != 0) {
		db_rollback(ctl->db);
		goto fail;
	}
	printf("administrator %s created (id %lld)\n", email, id);
	return 0;
fail:
	fprintf(stderr, "memberctl: %s\n", db_message(ctl->db));
	return 1;
}

static int
cmd_admin(struct ctl *ctl, int argc, char **argv)
{
	char	token[TOKEN_LEN + 1];
	int	n;

	if (argc >= 3 && strcmp(argv[1], "add") == 0) {
		if (argc == 3)
			return admin_add(ctl, argv[2], NULL);
		if (argc == 5 && strcmp(argv[3], "--name") == 0)
			return admin_add(ctl, argv[2], argv[4]);
		usage();
	}
	if (argc == 3 && strcmp(argv[1], "token") == 0) {
		n = apitoken_issue(ctl->db, argv[2], token);
		if (n < 0) {
			fprintf(stderr, "memberctl: %s\n", db_message(ctl->db));
			return 1;
		}
		if (n == 0) {
			fprintf(stderr, "memberctl: no administrator %s\n",
			    argv[2]);
			return 1;
		}
		/* the only time the token exists outside its holder */
		printf("%s\n", token);
		explicit_bzero(token, sizeof(token));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "token") == 0 &&
	    strcmp(argv[2], "--revoke") == 0) {
		if ((n = apitoken_revoke_all(ctl->db, argv[3])) < 0) {
			fprintf(stderr, "memberctl: %s\n", db_message(ctl->db));
			return 1;
		}
		printf("%d token%s revoked\n", n, n == 1 ? "" : "s");
		return 0;
	}
	usage();
	return 2;
}

static int
cmd_housekeeping(struct ctl *ctl, int argc, char **argv)
{
	struct housekeeping_counts n = { 0 };

	(void)argv;
	if (argc != 1)
		usage();
	if (housekeeping_run(ctl->db, &ctl->cfg, &n) != 0) {
		fprintf(stderr, "memberctl: housekeeping: %s\n",
		    db_message(ctl->db));
		return 1;
	}
	printf("invitations expired: %ld\nsessions deleted: %ld\n"
	    "reset links deleted: %ld\nSSO links deleted: %ld\n"
	    "login failures deleted: %ld\nlogin challenges deleted: %ld\n"
	    "sent mail purged: %ld\n", n.invites_expired, n.sessions_deleted,
	    n.resets_deleted, n.sso_links_deleted, n.login_failures_deleted,
	    n.challenges_deleted, n.mail_purged);
	return 0;
}

static int
cmd_queue(struct ctl *ctl, int argc, char **argv)
{
	return queuectl_main(ctl->db, &ctl->cfg, argc - 1, argv + 1);
}

static int
cmd_webhook(struct ctl *ctl, int argc, char **argv)
{
	return webhookctl_main(ctl->db, &ctl->cfg, argc - 1, argv + 1);
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
