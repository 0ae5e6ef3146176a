/*
 * migrate.h: schema migrations. The numbered files in sql/ are compiled
 * into memberctl (tools/embed-sql.sh), so a binary always carries the
 * schema it expects. Each is applied once, in order, in its own
 * transaction, under a transaction advisory lock (so that it also works
 * through PgBouncer in transaction mode), and recorded in schema_migrations
 * with the SHA-256 of its text. An applied migration is never edited: when
 * a recorded checksum differs from the compiled-in text, migrate refuses to
 * run (the change belongs in a new migration). Rows from before checksums
 * were kept get the current text's checksum on the next migrate.
 */
#ifndef MEMBERD_MIGRATE_H
#define MEMBERD_MIGRATE_H

#include <stddef.h>

struct db;

struct migration {
	const char	*version;	/* file name without ".sql" */
	const char	*sql;
};

extern const struct migration	migrations[];
extern const size_t		nmigrations;

#define MIGRATE_SHA256_HEX	65	/* 64 lowercase hex digits and NUL */

/* The SHA-256 of sql as lowercase hex into out; returns out. */
const char	*migrate_checksum(const char *sql,
		    char out[MIGRATE_SHA256_HEX]);

/*
 * Apply what is pending. 0, or -1 with the error printed to stderr; -1
 * without applying anything when an applied migration was changed.
 */
int	migrate_apply(struct db *, int verbose);
/*
 * Print every migration: when it was applied, pending, or changed since.
 * 0; 1 when one was changed (named on stderr too); -1 on error.
 */
int	migrate_status(struct db *);

#endif
