/*
 * invite-sql: print a pgbench script that runs, in one transaction, the
 * very statements memberd runs to create one invitation (include/
 * access_sql.h: lock, check, insert), with an email rendered by the same
 * template, after reading the account's name as the handler does, then
 * reads the invitation back.
 *   invite-sql CONFIG CLIENT_ID USER_ID
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "access_sql.h"
#include "config.h"
#include "invites.h"
#include "templates.h"
#include "util.h"

/*
 * A SQL string literal. pgbench would take ":word" inside it for a
 * variable, so the literal is split after such a colon.
 */
static void
lit(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_putc(b, '\'');
		buf_putc(b, *s);
		if (*s == ':' && (isalnum((unsigned char)s[1]) || s[1] == '_'))
			buf_puts(b, "' || '");
	}
	buf_putc(b, '\'');
}

/* Print sql with $n replaced by args[n - 1], one line, ";" ended. */
static void
emit(const char *sql, const char **args, int nargs, const char *suffix)
{
	struct buf	 out = { 0 };
	const char	*p;
	int		 n;

	for (p = sql; *p != '\0'; p++) {
		if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			n = p[1] - '0';
			if (p[2] >= '0' && p[2] <= '9') {
				n = n * 10 + (p[2] - '0');
				p++;
			}
			p++;
			if (n >= 1 && n <= nargs)
				buf_puts(&out, args[n - 1]);
			continue;
		}
		buf_putc(&out, *p == '\n' ? ' ' : *p);
	}
	printf("%s%s\n", out.data, suffix);
	buf_release(&out);
}

int
main(int argc, char **argv)
{
	struct config		 cfg;
	struct invite_mail	 m;
	struct email		 e = { 0 };
	struct buf		 subj = { 0 }, text = { 0 }, html = { 0 };
	char			 err[512], ttl[24], lim[24];
	const char		*email = "('bench' || :n::text || '@example.com')";
	const char		*hash = "decode(md5(:n::text) || md5(random()::text), 'hex')";

	if (argc != 4) {
		fprintf(stderr, "usage: invite-sql CONFIG CLIENT_ID USER_ID\n");
		return 2;
	}
	if (config_load(&cfg, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	memset(&m, 0, sizeof(m));
	m.to = "bench@example.com";
	m.account_name = "Bench Hosting";
	m.inviter_name = "Olga Owner";
	m.link = "http://127.0.0.1/invite#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	m.ttl = cfg.invite_ttl;
	m.permissions = "View domains";
	template_invite(&cfg, &m, &e);
	lit(&subj, e.subject);
	lit(&text, e.text);
	lit(&html, e.html);
	snprintf(ttl, sizeof(ttl), "%ld", cfg.invite_ttl);
	snprintf(lim, sizeof(lim), "%ld", cfg.invite_pending_limit);
	{
		/* numbers go as parameters, as memberd sends them */
		const char *lock[] = { ":client" };
		const char *check[] = { ":client", email, ":user", ":lim" };
		const char *ins[] = { ":client", email, hash, "'{domains}'",
		    ":ttl", subj.data, text.data, html.data, "'user'", "NULL",
		    ":user", "'Olga Owner'", "'owner@example.com'",
		    "'127.0.0.1'" };
		const char *get[] = { ":id" };

		printf("\\set n random(1, 1000000000000)\n"
		    "\\set client %s\n\\set user %s\n\\set lim %s\n"
		    "\\set ttl %s\n", argv[2], argv[3], lim, ttl);
		emit(SQL_CLIENT_NAME, lock, 1, ";");
		printf("BEGIN;\n");
		emit(SQL_LOCK_CLIENT, lock, 1, ";");
		emit(SQL_INVITE_CHECK, check, 4, ";");
		emit(SQL_INVITE_INSERT, ins, 14, " \\gset");
		printf("COMMIT;\n");
		emit(SQL_INVITE_GET, get, 1, ";");
	}
	email_release(&e);
	buf_release(&subj);
	buf_release(&text);
	buf_release(&html);
	config_release(&cfg);
	return 0;
}
