/* webhookctl.c: memberctl webhook ...; see webhookctl.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "hookq.h"
#include "secretbox.h"
#include "util.h"
#include "webhook.h"
#include "webhookctl.h"
#include "banned.h"

#define LIST_DEFAULT	50

static struct stmt st_add = STMT(
    "INSERT INTO webhook_endpoints (url, events, secret_sealed)"
    " VALUES ($1, string_to_array($2, ','), $3) RETURNING id", 3);

static struct stmt st_list = STMT(
    "SELECT e.id, CASE WHEN e.enabled THEN 'enabled' ELSE 'disabled' END,"
    " array_to_string(e.events, ','), e.url, rfc3339(e.created_at),"
    " coalesce(rfc3339(e.failing_since), '-'),"
    " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
    "   AND d.state IN ('queued', 'sending', 'failed')),"
    " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
    "   AND d.state = 'dead'),"
    " coalesce(e.disabled_reason, '')"
    " FROM webhook_endpoints e ORDER BY e.id", 0);

static struct stmt st_disable = STMT(
    "UPDATE webhook_endpoints SET enabled = false, disabled_at = now(),"
    " disabled_reason = 'disabled by an operator' WHERE id = $1", 1);

static struct stmt st_enable = STMT(
    "UPDATE webhook_endpoints SET enabled = true, disabled_at = NULL,"
    " disabled_reason = NULL, failing_since = NULL WHERE id = $1", 1);

static struct stmt st_remove = STMT(
    "DELETE FROM webhook_endpoints WHERE id = $1", 1);

static struct stmt st_deliveries = STMT(
    "SELECT id, endpoint_id, state, attempts, type, event_id,"
    " rfc3339(created_at), coalesce(last_status::text, '-'),"
    " coalesce(left(regexp_replace(last_error, '[[:cntrl:]]+', ' ', 'g'),"
    "   200), '')"
    " FROM webhook_deliveries WHERE ($1::text IS NULL OR state = $1)"
    " ORDER BY id DESC LIMIT $2", 2);

static struct stmt st_retry = STMT(
    "UPDATE webhook_deliveries SET state = 'queued', attempts = 0,"
    " next_attempt_at = now(), locked_by = NULL, lease_until = NULL"
    " WHERE id = $1 AND state IN ('dead', 'failed')", 1);

static struct stmt st_wake = STMT(
    "SELECT pg_notify('" HOOKQ_CHANNEL "', '')", 0);

static int
usage(void)
{
	fprintf(stderr, "usage: memberctl webhook add URL --events "
	    "PATTERNS [--secret-file F]\n"
	    "       memberctl webhook list\n"
	    "       memberctl webhook disable ID | enable ID | remove ID\n"
	    "       memberctl webhook deliveries [--state queued|sending|"
	    "failed|delivered|dead] [--limit N]\n"
	    "       memberctl webhook retry ID\n");
	return 2;
}

static int
bad(const char *what)
{
	fprintf(stderr, "memberctl: webhook: %s\n", what);
	return usage();
}

/* The secret of --secret-file: one line, whsec_ and base64. */
static int
secret_read(const char *path, char *out, size_t len)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "memberctl: webhook: %s: cannot read\n", path);
		return -1;
	}
	n = fread(out, 1, len - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (!webhook_secret_ok(out)) {
		fprintf(stderr, "memberctl: webhook: %s: not a secret of the "
		    "form whsec_<base64 of 24 to 64 bytes>\n", path);
		return -1;
	}
	return 0;
}

static int
cmd_add(struct db *db, const struct config *cfg, int argc, char **argv)
{
	struct secretbox_key	 key;
	struct db_res		*res;
	struct buf		 sealed = { 0 };
	const char		*url = NULL, *events = NULL, *file = NULL;
	char			 secret[256], err[512];
	int			 i, n, rc = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
			events = argv[++i];
		else if (strcmp(argv[i], "--secret-file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else
			return bad("unexpected argument");
	}
	if (url == NULL || events == NULL)
		return bad("add needs a URL and --events");
	if (!webhook_url_ok(url))
		return bad("the URL must be http:// or https:// with a host "
		    "and no spaces");
	if (!webhook_filter_ok(events, &n))
		return bad("--events: comma-separated patterns such as "
		    "invite.*,member.added or *");
	if (secretbox_key_load(cfg, &key, err, sizeof(err)) != 0) {
		fprintf(stderr, "memberctl: webhook: %s\n", err);
		return 1;
	}
	if (file != NULL ? secret_read(file, secret, sizeof(secret)) != 0 :
	    webhook_secret_new(secret, sizeof(secret)) != 0)
		goto out;
	if (secretbox_seal(&key, WEBHOOK_AAD, secret, strlen(secret),
	    &sealed) != 0) {
		fprintf(stderr, "memberctl: webhook: sealing failed\n");
		goto out;
	}
	if ((res = DB_EXEC(db, &st_add, url, events, sealed.data)) == NULL) {
		fprintf(stderr, "memberctl: webhook: %s\n", db_message(db));
		goto out;
	}
	printf("endpoint %s: %s for %s\n", db_str(res, 0, 0), url, events);
	if (file == NULL)
		printf("secret (shown once): %s\n", secret);
	db_res_free(res);
	rc = 0;
out:
	explicit_bzero(secret, sizeof(secret));
	secretbox_key_wipe(&key);
	buf_release(&sealed);
	return rc;
}

static int
cmd_list(struct db *db)
{
	struct db_res	*res;
	int		 i;

	if ((res = db_exec(db, &st_list, NULL)) == NULL) {
		fprintf(stderr, "memberctl: webhook: %s\n", db_message(db));
		return 1;
	}
	printf("%-5s %-9s %-7s %-5s %-20s %-20s %-24s %s\n", "ID", "STATE",
	    "PENDING", "DEAD", "CREATED", "FAILING_SINCE", "EVENTS", "URL");
	for (i = 0; i < db_rows(res); i++) {
		printf("%-5s %-9s %-7s %-5s %-20s %-20s %-24s %s\n",
		    db_str(res, i, 0), db_str(res, i, 1), db_str(res, i, 6),
		    db_str(res, i, 7), db_str(res, i, 4), db_str(res, i, 5),
		    db_str(res, i, 2), db_str(res, i, 3));
		if (*db_str(res, i, 8))
			printf("      %s\n", db_str(res, i, 8));
	}
	db_res_free(res);
	return 0;
}

/* One statement on one id; "what" is the verb for messages. */
static int
cmd_one(struct db *db, struct stmt *st, int argc, char **argv,
    const char *what, bool wake)
{
	struct db_res	*res;
	long		 id;
	char		 sid[24];
	int		 n;

	if (argc != 2 || !parse_long(argv[1], 1, 0x7fffffffffffffffL, &id))
		return bad("expected one ID");
	if ((res = DB_EXEC(db, st, db_fmt_int(sid, id))) == NULL) {
		fprintf(stderr, "memberctl: webhook: %s\n", db_message(db));
		return 1;
	}
	n = db_affected(res);
	db_res_free(res);
	if (n == 0) {
		fprintf(stderr, "memberctl: webhook: %s %ld: no such %s\n",
		    argv[0], id, st == &st_retry ? "failed or dead delivery" :
		    "endpoint");
		return 1;
	}
	if (wake && (res = db_exec(db, &st_wake, NULL)) != NULL)
		db_res_free(res);
	printf("%s %ld\n", what, id);
	return 0;
}

static int
cmd_deliveries(struct db *db, int argc, char **argv)
{
	struct db_res	*res;
	const char	*state = NULL;
	long		 limit = LIST_DEFAULT;
	char		 slim[24];
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], 1, 100000, &limit))
				return bad("--limit: a number from 1 to 100000");
		} else
			return bad("unexpected argument");
	}
	if (state != NULL && strcmp(state, "queued") != 0 &&
	    strcmp(state, "sending") != 0 && strcmp(state, "failed") != 0 &&
	    strcmp(state, "delivered") != 0 && strcmp(state, "dead") != 0)
		return bad("--state: queued, sending, failed, delivered or dead");
	if ((res = DB_EXEC(db, &st_deliveries, state,
	    db_fmt_int(slim, limit))) == NULL) {
		fprintf(stderr, "memberctl: webhook: %s\n", db_message(db));
		return 1;
	}
	printf("%-7s %-8s %-9s %-8s %-22s %-20s %-6s %s\n", "ID", "ENDPOINT",
	    "STATE", "ATTEMPTS", "TYPE", "CREATED", "STATUS", "LAST_ERROR");
	for (i = 0; i < db_rows(res); i++)
		printf("%-7s %-8s %-9s %-8s %-22s %-20s %-6s %s\n",
		    db_str(res, i, 0), db_str(res, i, 1), db_str(res, i, 2),
		    db_str(res, i, 3), db_str(res, i, 4), db_str(res, i, 6),
		    db_str(res, i, 7), db_str(res, i, 8));
	db_res_free(res);
	return 0;
}

int
webhookctl_main(struct db *db, const struct config *cfg, int argc,
    char **argv)
{
	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "add") == 0)
		return cmd_add(db, cfg, argc, argv);
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return cmd_list(db);
	if (strcmp(argv[0], "disable") == 0)
		return cmd_one(db, &st_disable, argc, argv, "disabled", false);
	if (strcmp(argv[0], "enable") == 0)
		return cmd_one(db, &st_enable, argc, argv, "enabled", true);
	if (strcmp(argv[0], "remove") == 0)
		return cmd_one(db, &st_remove, argc, argv, "removed", false);
	if (strcmp(argv[0], "deliveries") == 0)
		return cmd_deliveries(db, argc, argv);
	if (strcmp(argv[0], "retry") == 0)
		return cmd_one(db, &st_retry, argc, argv, "queued again", true);
	return usage();
}
