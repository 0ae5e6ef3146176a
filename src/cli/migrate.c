/* migrate.c: apply and list the schema migrations compiled into memberctl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "db.h"
#include "migrate.h"
#include "banned.h"

/*
 * Any fixed number: every memberctl serialises on it. A transaction lock,
 * taken by each transaction that writes, so that migrate works through
 * PgBouncer in transaction mode too (a session lock would stay on whichever
 * server connection took it, and the next migrate would wait for ever).
 */
#define MIGRATE_LOCK	"7285102001"

static struct stmt st_lock = STMT("SELECT pg_advisory_xact_lock("
    MIGRATE_LOCK ")", 0);
static struct stmt st_is_applied = STMT(
    "SELECT 1 FROM schema_migrations WHERE version = $1", 1);
static struct stmt st_applied = STMT(
    "SELECT version, to_char(applied_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), sha256 FROM schema_migrations "
    "ORDER BY version", 0);
static struct stmt st_record = STMT(
    "INSERT INTO schema_migrations (version, sha256) VALUES ($1, $2)", 2);
static struct stmt st_trust = STMT(
    "UPDATE schema_migrations SET sha256 = $2"
    " WHERE version = $1 AND sha256 IS NULL", 2);

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
/* Databases migrated before checksums were kept get the column here. */
static const char add_checksum[] =
    "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS sha256 text";

/* Where a migration stands in the database. */
enum mstate {
	M_PENDING,		/* no row */
	M_APPLIED,		/* row, checksum of the compiled-in text */
	M_UNCHECKED,		/* row without checksum: trusted on first use */
	M_CHANGED,		/* row, checksum of another text */
};

const char *
migrate_checksum(const char *sql, char out[MIGRATE_SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	  md[EVP_MAX_MD_SIZE];
	unsigned int	  len = 0, i;

	EVP_Digest(sql, strlen(sql), md, &len, EVP_sha256(), NULL);
	for (i = 0; i < len && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
	return out;
}

static void
db_complain(struct db *db, const char *what)
{
	fprintf(stderr, "memberctl: %s: %s\n", what, *db_message(db) ?
	    db_message(db) : "database unavailable");
}

static void
changed_complain(const struct migration *m)
{
	fprintf(stderr, "memberctl: %s was changed after it was applied to "
	    "this database; put the change in a new migration\n", m->version);
}

/* BEGIN and the migration lock. 0, or -1 having complained. */
static int
locked_begin(struct db *db)
{
	struct db_res	*lock;

	if (db_begin(db) != 0) {
		db_complain(db, "begin");
		return -1;
	}
	if ((lock = db_exec(db, &st_lock, NULL)) == NULL) {
		db_complain(db, "advisory lock");
		db_rollback(db);
		return -1;
	}
	db_res_free(lock);
	return 0;
}

/* Returns the applied versions (caller frees with db_res_free) or NULL. */
static struct db_res *
applied_list(struct db *db)
{
	struct db_res	*res;

	if (locked_begin(db) != 0)
		return NULL;
	if (db_command(db, create_table) != 0 ||
	    db_command(db, add_checksum) != 0 || db_commit(db) != 0) {
		db_complain(db, "schema_migrations");
		db_rollback(db);
		return NULL;
	}
	if ((res = db_exec(db, &st_applied, NULL)) == NULL)
		db_complain(db, "schema_migrations");
	return res;
}

/* The row of version in the applied list, or -1. */
static int
applied_row(const struct db_res *res, const char *version)
{
	int	i;

	for (i = 0; i < db_rows(res); i++)
		if (strcmp(db_str(res, i, 0), version) == 0)
			return i;
	return -1;
}

/* Where m stands; *row is its row in done, or -1 when pending. */
static enum mstate
migration_state(const struct db_res *done, const struct migration *m,
    int *row)
{
	char	sum[MIGRATE_SHA256_HEX];

	if ((*row = applied_row(done, m->version)) < 0)
		return M_PENDING;
	if (db_isnull(done, *row, 2))
		return M_UNCHECKED;
	if (strcmp(db_str(done, *row, 2), migrate_checksum(m->sql, sum)) != 0)
		return M_CHANGED;
	return M_APPLIED;
}

/* Record the checksum of a migration applied before they were kept. */
static int
trust(struct db *db, const struct migration *m)
{
	struct db_res	*res;
	char		 sum[MIGRATE_SHA256_HEX];

	res = DB_EXEC(db, &st_trust, m->version, migrate_checksum(m->sql, sum));
	if (res == NULL) {
		db_complain(db, m->version);
		return -1;
	}
	db_res_free(res);
	return 0;
}

/*
 * Run m and record it with its checksum, in one transaction, under the
 * lock. 0 when applied, 1 when another memberctl applied it meanwhile, -1.
 */
static int
apply(struct db *db, const struct migration *m)
{
	struct db_res	*rec;
	char		 sum[MIGRATE_SHA256_HEX];
	int		 done;

	if (locked_begin(db) != 0)
		return -1;
	if ((rec = DB_EXEC(db, &st_is_applied, m->version)) == NULL) {
		db_complain(db, m->version);
		db_rollback(db);
		return -1;
	}
	done = db_rows(rec);
	db_res_free(rec);
	if (done > 0) {
		db_rollback(db);
		return 1;
	}
	if (db_command(db, m->sql) != 0) {
		db_complain(db, m->version);
		db_rollback(db);
		return -1;
	}
	rec = DB_EXEC(db, &st_record, m->version,
	    migrate_checksum(m->sql, sum));
	if (rec == NULL) {
		db_complain(db, m->version);
		db_rollback(db);
		return -1;
	}
	db_res_free(rec);
	if (db_commit(db) != 0) {
		db_complain(db, m->version);
		return -1;
	}
	return 0;
}

int
migrate_apply(struct db *db, int verbose)
{
	struct db_res	*done = NULL;
	size_t		 i;
	int		 rc = -1, applied = 0, changed = 0, row, r;

	if ((done = applied_list(db)) == NULL)
		goto out;
	/* A changed migration stops everything before anything is written. */
	for (i = 0; i < nmigrations; i++)
		if (migration_state(done, &migrations[i], &row) == M_CHANGED) {
			changed_complain(&migrations[i]);
			changed++;
		}
	if (changed > 0)
		goto out;
	for (i = 0; i < nmigrations; i++) {
		switch (migration_state(done, &migrations[i], &row)) {
		case M_APPLIED:
		case M_CHANGED:
			break;
		case M_UNCHECKED:
			if (trust(db, &migrations[i]) != 0)
				goto out;
			if (verbose)
				printf("recorded the checksum of %s (applied "
				    "before checksums were kept)\n",
				    migrations[i].version);
			break;
		case M_PENDING:
			if ((r = apply(db, &migrations[i])) < 0)
				goto out;
			if (r > 0)
				break;
			applied++;
			if (verbose)
				printf("applied %s\n", migrations[i].version);
			break;
		}
	}
	if (verbose)
		printf("%d migration%s applied; schema is at %s\n", applied,
		    applied == 1 ? "" : "s", nmigrations ?
		    migrations[nmigrations - 1].version : "(none)");
	rc = 0;
out:
	db_res_free(done);
	return rc;
}

int
migrate_status(struct db *db)
{
	struct db_res	*done;
	const char	*v;
	size_t		 i;
	int		 pending = 0, changed = 0, row;

	if ((done = applied_list(db)) == NULL)
		return -1;
	for (i = 0; i < nmigrations; i++) {
		v = migrations[i].version;
		switch (migration_state(done, &migrations[i], &row)) {
		case M_PENDING:
			printf("%-32s pending\n", v);
			pending++;
			break;
		case M_APPLIED:
			printf("%-32s %s\n", v, db_str(done, row, 1));
			break;
		case M_UNCHECKED:
			printf("%-32s %s (no checksum yet: the next migrate "
			    "records it)\n", v, db_str(done, row, 1));
			break;
		case M_CHANGED:
			printf("%-32s changed (applied %s, edited since)\n", v,
			    db_str(done, row, 1));
			changed_complain(&migrations[i]);
			changed++;
			break;
		}
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
	if (changed > 0)
		printf("%d changed\n", changed);
	db_res_free(done);
	return changed > 0 ? 1 : 0;
}
