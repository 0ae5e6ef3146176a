/*
 * csv.h: text/csv (RFC 4180) written into a buffer, for downloads such as
 * an account's activity. Rows end in CRLF; a field holding a comma, a
 * double quote, CR or LF is quoted, its quotes doubled.
 *
 * Spreadsheets run a cell that starts with "=", "+", "-" or "@" (and,
 * in some, a tab or CR) as a formula, so a name chosen by a user could
 * run in the owner's spreadsheet (CSV injection). csv_text() puts an
 * apostrophe before such a value: the cell shows the text as it was,
 * with that mark, and computes nothing. Numbers (csv_int) are not text
 * and are written as they are.
 */
#ifndef MEMBERD_CSV_H
#define MEMBERD_CSV_H

#include "util.h"

struct csv {
	struct buf	 out;		/* the document so far; release it */
	int		 col;		/* fields in the current row */
};

/* A text field (NULL: empty). */
void	csv_text(struct csv *, const char *);
/* An integer field. */
void	csv_int(struct csv *, long long);
/* End the row. */
void	csv_end_row(struct csv *);

#endif
