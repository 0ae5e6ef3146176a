/*
 * Unit tests: the CSV of downloads (csv.c): RFC 4180 quoting, and cells
 * a spreadsheet would run as formulas kept as text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

/* One row of the given text cells, as written. */
static char *
row_of(const char *const *cells, int n)
{
	struct csv	c = { 0 };
	int		i;

	for (i = 0; i < n; i++)
		csv_text(&c, cells[i]);
	csv_end_row(&c);
	return buf_detach(&c.out);
}

static void
test_plain_cells_are_not_quoted(void **state)
{
	const char	*cells[] = { "Olga", "Owner", "" };
	char		*s = row_of(cells, 3);

	(void)state;
	assert_string_equal(s, "Olga,Owner,\r\n");
	free(s);
}

static void
test_commas_quotes_and_newlines_are_quoted(void **state)
{
	const char	*cells[] = { "Doe, Jane", "say \"hi\"", "two\nlines" };
	char		*s = row_of(cells, 3);

	(void)state;
	assert_string_equal(s,
	    "\"Doe, Jane\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
	free(s);
}

static void
test_formula_cells_are_kept_as_text(void **state)
{
	const char	*cells[] = { "=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)",
	    "\tx", "a=b" };
	char		*s = row_of(cells, 6);

	(void)state;
	assert_string_equal(s, "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM(A1),"
	    "'\tx,a=b\r\n");
	free(s);
}

static void
test_numbers_are_written_as_they_are(void **state)
{
	struct csv	c = { 0 };

	(void)state;
	csv_int(&c, -5);
	csv_text(&c, NULL);
	csv_int(&c, 42);
	csv_end_row(&c);
	assert_string_equal(c.out.data, "-5,,42\r\n");
	buf_release(&c.out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_cells_are_not_quoted),
		cmocka_unit_test(test_commas_quotes_and_newlines_are_quoted),
		cmocka_unit_test(test_formula_cells_are_kept_as_text),
		cmocka_unit_test(test_numbers_are_written_as_they_are),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
