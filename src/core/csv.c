/* csv.c: RFC 4180 CSV with a guard against formulas; see csv.h. */
#include <string.h>

#include "csv.h"
#include "banned.h"

static void
separate(struct csv *c)
{
	if (c->col++ > 0)
		buf_putc(&c->out, ',');
}

/* Would a spreadsheet read a cell starting so as a formula? */
static bool
formula_like(const char *s)
{
	return *s != '\0' && strchr("=+-@\t\r", *s) != NULL;
}

void
csv_text(struct csv *c, const char *s)
{
	bool	quote;

	separate(c);
	if (s == NULL)
		s = "";
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_putc(&c->out, '"');
	if (formula_like(s))
		buf_putc(&c->out, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(&c->out, '"');
		buf_putc(&c->out, *s);
	}
	if (quote)
		buf_putc(&c->out, '"');
}

void
csv_int(struct csv *c, long long v)
{
	separate(c);
	buf_printf(&c->out, "%lld", v);
}

void
csv_end_row(struct csv *c)
{
	buf_puts(&c->out, "\r\n");
	c->col = 0;
}
