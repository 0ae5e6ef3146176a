/*
 * migrate.h: schema migrations. The numbered files in sql/ are compiled
 * into memberctl (tools/embed-sql.sh), so a binary always carries the
 * schema it expects. Each is applied once, in order, in its own
 * transaction, under an advisory lock, and recorded in schema_migrations.
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

/* Apply what is pending. 0, or -1 with the error printed to stderr. */
int	migrate_apply(struct db *, int verbose);
/* Print every migration and whether and when it was applied. 0 or -1. */
int	migrate_status(struct db *);

#endif
