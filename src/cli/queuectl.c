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

static struct stmt st_counts = STMT(
    "SELECT s.state, count(q.id)"
    " FROM unnest(ARRAY['queued', 'sending', 'failed', 'sent', 'dead'])"
    "   WITH ORDINALITY AS s(state, ord)"
    " LEFT JOIN email_queue q ON q.state = s.state"
    " GROUP BY s.state, s.ord ORDER BY s.ord", 0);

static struct stmt st_ages = STMT(
    "SELECT (SELECT extract(epoch FROM now() - min(created_at))::bigint"
    "   FROM email_queue WHERE state IN ('queued', 'sending', 'failed')),"
    " (SELECT count(*) FROM email_queue WHERE state = 'dead'"
    "   AND coalesce(last_attempt_at, created_at)"
    "     > now() - interval '24 hours')", 0);

static struct stmt st_list = STMT(
    "SELECT id, state, attempts, rfc3339(created_at),"
    " coalesce(rfc3339(last_attempt_at), '-'), template, recipient,"
    " coalesce(last_error, '')"
    " FROM email_queue WHERE ($1::text IS NULL OR state = $1)"
    " ORDER BY id DESC LIMIT $2", 2);

static struct stmt st_retry_one = STMT(
    "UPDATE email_queue SET state = 'queued', attempts = 0,"
    " next_attempt_at = now(), locked_by = NULL, lease_until = NULL"
    " WHERE id = $1 AND state IN ('dead', 'failed')", 1);

static struct stmt st_retry_dead = STMT(
    "UPDATE email_queue SET state = 'queued', attempts = 0,"
    " next_attempt_at = now(), locked_by = NULL, lease_until = NULL"
    " WHERE state = 'dead'", 0);

static struct stmt st_wake = STMT(
    "SELECT pg_notify('" OUTBOX_CHANNEL "', '')", 0);

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
	struct db_res	*res;
	int		 i;

	if ((res = db_exec(db, &st_counts, NULL)) == NULL)
		return db_failed(db);
	for (i = 0; i < db_rows(res); i++)
		printf("%-8s %lld\n", db_str(res, i, 0), db_int(res, i, 1));
	db_res_free(res);
	if ((res = db_exec(db, &st_ages, NULL)) == NULL)
		return db_failed(db);
	printf("oldest waiting: ");
	if (db_isnull(res, 0, 0))
		printf("none");
	else
		print_age((long)db_int(res, 0, 0));
	printf("\ndead in the last 24 h: %lld\n", db_int(res, 0, 1));
	db_res_free(res);
	return 0;
}

static int
q_list(struct db *db, int argc, char **argv)
{
	struct db_res	*res;
	const char	*state = NULL;
	char		 slimit[24];
	long		 limit = LIST_DEFAULT;
	enum mail_state	 st;
	int		 i;

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
	res = DB_EXEC(db, &st_list, state, db_fmt_int(slimit, limit));
	if (res == NULL)
		return db_failed(db);
	printf("%-8s %-7s %-3s %-20s %-20s %-12s %s\n", "id", "state", "try",
	    "created", "last attempt", "template", "recipient / last error");
	for (i = 0; i < db_rows(res); i++) {
		printf("%-8s %-7s %-3s %-20s %-20s %-12s %s\n",
		    db_str(res, i, 0), db_str(res, i, 1), db_str(res, i, 2),
		    db_str(res, i, 3), db_str(res, i, 4), db_str(res, i, 5),
		    db_str(res, i, 6));
		if (*db_str(res, i, 7) != '\0')
			printf("%-8s %s\n", "", db_str(res, i, 7));
	}
	db_res_free(res);
	return 0;
}

static int
q_retry(struct db *db, int argc, char **argv)
{
	struct db_res	*res;
	char		 sid[24];
	long		 id;
	int		 n;

	if (argc != 2)
		return argc < 2 ? usage() : bad("unexpected argument", argv[2]);
	if (strcmp(argv[1], "--all-dead") == 0)
		res = db_exec(db, &st_retry_dead, NULL);
	else if (parse_long(argv[1], 1, INT64_MAX, &id))
		res = DB_EXEC(db, &st_retry_one, db_fmt_int(sid, id));
	else
		return bad("not a message id", argv[1]);
	if (res == NULL)
		return db_failed(db);
	n = db_affected(res);
	db_res_free(res);
	if (n == 0 && strcmp(argv[1], "--all-dead") != 0) {
		fprintf(stderr, "memberctl: no dead or failed message with id "
		    "%s\n", argv[1]);
		return 1;
	}
	/* wake the mailers now rather than at their next poll */
	if ((res = db_exec(db, &st_wake, NULL)) != NULL)
		db_res_free(res);
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
