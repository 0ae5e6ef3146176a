/* migrate.c: apply and list the schema migrations compiled into memberctl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "migrate.h"
#include "banned.h"

/* Any fixed number: every memberctl serialises on it. */
#define MIGRATE_LOCK	"7285102001"

static struct stmt st_lock = STMT("SELECT pg_advisory_lock(" MIGRATE_LOCK
    ")", 0);
static struct stmt st_unlock = STMT("SELECT pg_advisory_unlock("
    MIGRATE_LOCK ")", 0);
static struct stmt st_applied = STMT(
    "SELECT version, to_char(applied_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations "
    "ORDER BY version", 0);
static struct stmt st_record = STMT(
    "INSERT INTO schema_migrations (version) VALUES ($1)", 1);

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static void
db_complain(struct db *db, const char *what)
{
	fprintf(stderr, "memberctl: %s: %s\n", what, *db_message(db) ?
	    db_message(db) : "database unavailable");
}

/* Returns the applied versions (caller frees with db_res_free) or NULL. */
static struct db_res *
applied_list(struct db *db)
{
	struct db_res	*res;

	if (db_command(db, create_table) != 0) {
		db_complain(db, "schema_migrations");
		return NULL;
	}
	if ((res = db_exec(db, &st_applied, NULL)) == NULL)
		db_complain(db, "schema_migrations");
	return res;
}

static const char *
applied_at(const struct db_res *res, const char *version)
{
	int	i;

	for (i = 0; i < db_rows(res); i++)
		if (strcmp(db_str(res, i, 0), version) == 0)
			return db_str(res, i, 1);
	return NULL;
}

int
migrate_apply(struct db *db, int verbose)
{
	struct db_res	*lock, *done = NULL, *rec;
	size_t		 i;
	int		 rc = -1, applied = 0;

	if ((lock = db_exec(db, &st_lock, NULL)) == NULL) {
		db_complain(db, "advisory lock");
		return -1;
	}
	db_res_free(lock);
	if ((done = applied_list(db)) == NULL)
		goto out;
	for (i = 0; i < nmigrations; i++) {
		if (applied_at(done, migrations[i].version) != NULL)
			continue;
		if (db_begin(db) != 0) {
			db_complain(db, "begin");
			goto out;
		}
		if (db_command(db, migrations[i].sql) != 0) {
			db_complain(db, migrations[i].version);
			db_rollback(db);
			goto out;
		}
		rec = DB_EXEC(db, &st_record, migrations[i].version);
		if (rec == NULL) {
			db_complain(db, migrations[i].version);
			db_rollback(db);
			goto out;
		}
		db_res_free(rec);
		if (db_commit(db) != 0) {
			db_complain(db, migrations[i].version);
			goto out;
		}
		applied++;
		if (verbose)
			printf("applied %s\n", migrations[i].version);
	}
	if (verbose)
		printf("%d migration%s applied; schema is at %s\n", applied,
		    applied == 1 ? "" : "s", nmigrations ?
		    migrations[nmigrations - 1].version : "(none)");
	rc = 0;
out:
	db_res_free(done);
	if ((lock = db_exec(db, &st_unlock, NULL)) != NULL)
		db_res_free(lock);
	return rc;
}

int
migrate_status(struct db *db)
{
	struct db_res	*done;
	const char	*at;
	size_t		 i;
	int		 pending = 0;

	if ((done = applied_list(db)) == NULL)
		return -1;
	for (i = 0; i < nmigrations; i++) {
		at = applied_at(done, migrations[i].version);
		printf("%-32s %s\n", migrations[i].version, at ? at :
		    "pending");
		if (at == NULL)
			pending++;
	}
	for (i = 0; i < (size_t)db_rows(done); i++) {
		size_t	j;

		for (j = 0; j < nmigrations; j++)
			if (strcmp(migrations[j].version,
			    db_str(done, (int)i, 0)) == 0)
				break;
		if (j == nmigrations)
			printf("%-32s %s (unknown to this memberctl)\n",
			    db_str(done, (int)i, 0), db_str(done, (int)i, 1));
	}
	printf("%d pending\n", pending);
	db_res_free(done);
	return 0;
}
