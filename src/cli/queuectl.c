/* queuectl.c: memberctl queue status|list|retry|purge; see queuectl.h. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "outbox.h"
#include "queuectl.h"
#include "util.h"
#include "banned.h"

#define LIST_DEFAULT	50
#define PURGE_CHUNK	1000

static int
usage(void)
{
	fprintf(stderr, "usage: memberctl queue status\n"
	    "       memberctl queue list [--state queued|sending|failed|sent|"
	    "dead] [--limit N]\n"
	    "       memberctl queue retry ID | --all-dead\n"
	    "       memberctl queue purge [--sent-older-than 30d]\n");
	return 2;
}

/* Say which argument is wrong, then how the command goes. */
static int
bad(const char *what, const char *arg)
{
	fprintf(stderr, "memberctl: queue: %s: \"%s\"\n", what, arg);
	return usage();
}

static int
db_failed(struct db *db)
{
	fprintf(stderr, "memberctl: database: %s\n", db_message(db));
	return 1;
}

static void
print_age(long s)
{
	if (s >= 86400)
		printf("%ldd%02ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		printf("%ldh%02ldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		printf("%ldm%02lds", s / 60, s % 60);
	else
		printf("%lds", s);
}

static int
q_status(struct db *db)
{
	struct outbox_status	st;
	int			i;

	if (outbox_status(db, &st) != 0)
		return db_failed(db);
	for (i = 0; i < OUTBOX_STATES; i++)
		printf("%-8s %lld\n", st.state[i], st.count[i]);
	printf("oldest waiting: ");
	if (st.oldest_waiting_s < 0)
		printf("none");
	else
		print_age(st.oldest_waiting_s);
	printf("\ndead in the last 24 h: %lld\n", st.dead_24h);
	return 0;
}

static int
q_list(struct db *db, int argc, char **argv)
{
	struct outbox_entry	*e;
	const char		*state = NULL;
	long			 limit = LIST_DEFAULT;
	enum mail_state		 st;
	int			 i, n;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
			if (mail_state_parse(argv[++i], &st) != 0)
				return bad("no such state", argv[i]);
			state = argv[i];
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], 1, 100000, &limit))
				return bad("--limit takes 1 to 100000", argv[i]);
		} else
			return bad("unexpected argument", argv[i]);
	}
	if ((n = outbox_list(db, state, limit, &e)) < 0)
		return db_failed(db);
	printf("%-8s %-7s %-3s %-20s %-20s %-12s %s\n", "id", "state", "try",
	    "created", "last attempt", "template", "recipient / last error");
	for (i = 0; i < n; i++) {
		printf("%-8s %-7s %-3s %-20s %-20s %-12s %s\n", e[i].id,
		    e[i].state, e[i].attempts, e[i].created, e[i].last_attempt,
		    e[i].template, e[i].recipient);
		if (*e[i].last_error != '\0')
			printf("%-8s %s\n", "", e[i].last_error);
	}
	outbox_entries_free(e, n);
	return 0;
}

static int
q_retry(struct db *db, int argc, char **argv)
{
	long	id;
	int	n;

	if (argc != 2)
		return argc < 2 ? usage() : bad("unexpected argument", argv[2]);
	if (strcmp(argv[1], "--all-dead") == 0)
		id = 0;
	else if (!parse_long(argv[1], 1, INT64_MAX, &id))
		return bad("not a message id", argv[1]);
	if ((n = outbox_retry(db, id)) < 0)
		return db_failed(db);
	if (n == 0 && id != 0) {
		fprintf(stderr, "memberctl: no dead or failed message with id "
		    "%s\n", argv[1]);
		return 1;
	}
	printf("requeued %d\n", n);
	return 0;
}

static int
q_purge(struct db *db, const struct config *cfg, int argc, char **argv)
{
	long	age = cfg->mail_retention;
	int	n, total = 0;

	if (argc == 3 && strcmp(argv[1], "--sent-older-than") == 0) {
		if (!parse_duration(argv[2], 36500 * 86400L, &age))
			return bad("not a duration such as 30d", argv[2]);
	} else if (argc != 1)
		return bad("unexpected argument", argv[1]);
	do {
		if ((n = outbox_purge_sent(db, age, PURGE_CHUNK)) < 0)
			return db_failed(db);
		total += n;
	} while (n == PURGE_CHUNK);
	printf("purged %d sent messages older than %lds\n", total, age);
	return 0;
}

int
queuectl_main(struct db *db, const struct config *cfg, int argc, char **argv)
{
	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "status") == 0 && argc == 1)
		return q_status(db);
	if (strcmp(argv[0], "list") == 0)
		return q_list(db, argc, argv);
	if (strcmp(argv[0], "retry") == 0)
		return q_retry(db, argc, argv);
	if (strcmp(argv[0], "purge") == 0)
		return q_purge(db, cfg, argc, argv);
	return usage();
}
