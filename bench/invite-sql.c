/*
 * invite-sql: print a pgbench script for one invitation, sent by an
 * administrator to one of the accounts CLIENT_LO..CLIENT_HI at random,
 * with an email rendered by the same template:
 *   memberd: in one transaction, the very statements memberd runs to
 *     create it (include/domain/access_sql.h: lock, then the insert that checks
 *     and writes the invitation, its email and its audit entry).
 *   minimal: what a durable invitation cannot do without: the three
 *     inserts (email, invitation, audit entry) and one commit.
 *   invite-sql CONFIG memberd|minimal CLIENT_LO CLIENT_HI ADMIN_ID
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "access_sql.h"
#include "config.h"
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

/* The three inserts and nothing else, as one statement. */
#define SQL_MINIMAL \
	"WITH e AS (" SQL_EMAIL_INSERT \
	"   VALUES ('invite', $2, '', $6, $7, $8) RETURNING id)," \
	" i AS (INSERT INTO invites (client_id, email, token_hash, permissions," \
	"   created_by_kind, created_by_admin_id, inviter_name, expires_at," \
	"   last_email_id) SELECT $1, $2, $3, $4::text[], 'admin', $10, $12," \
	"   now() + make_interval(secs => $5::int), e.id FROM e" \
	"   RETURNING id, email, permissions, last_email_id)" \
	" INSERT INTO audit_log (actor_kind, actor_id, actor_name, client_id," \
	"   action, details, ip) SELECT 'admin', $10, $13, $1, 'invite_created'," \
	"   jsonb_build_object('invite_id', i.id, 'email', i.email," \
	"   'permissions', i.permissions, 'email_id', i.last_email_id), $14" \
	"   FROM i"

/* The email, rendered as memberd renders it, as SQL literals. */
static void
render(const struct config *cfg, struct buf *subj, struct buf *text,
    struct buf *html)
{
	struct invite_mail	 m;
	struct email		 e = { 0 };

	memset(&m, 0, sizeof(m));
	m.to = "bench@example.com";
	m.account_name = "Bench Hosting";
	m.inviter_name = "Ada Admin";
	m.by_admin = true;
	m.link = "http://127.0.0.1/invite#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	m.ttl = cfg->invite_ttl;
	m.permissions = "View domains";
	template_invite(cfg, &m, &e);
	lit(subj, e.subject);
	lit(text, e.text);
	lit(html, e.html);
	email_release(&e);
}

int
main(int argc, char **argv)
{
	struct config		 cfg;
	struct buf		 subj = { 0 }, text = { 0 }, html = { 0 };
	char			 err[512];
	const char		*email = "('bench' || :n::text || '@example.com')";
	const char		*hash = "decode(md5(:n::text) || md5(random()::text), 'hex')";
	bool			 minimal;

	if (argc != 6 || (strcmp(argv[2], "memberd") != 0 &&
	    strcmp(argv[2], "minimal") != 0)) {
		fprintf(stderr, "usage: invite-sql CONFIG memberd|minimal "
		    "CLIENT_LO CLIENT_HI ADMIN_ID\n");
		return 2;
	}
	minimal = strcmp(argv[2], "minimal") == 0;
	if (config_load(&cfg, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	render(&cfg, &subj, &text, &html);
	{
		/* numbers go as parameters, as memberd sends them */
		const char *lock[] = { ":client", "NULL" };
		const char *ins[] = { ":client", email, hash, "'{domains}'",
		    ":ttl", subj.data, text.data, html.data, "'admin'", ":admin",
		    "NULL", "'Ada Admin'", "'admin@example.com'", "'127.0.0.1'",
		    ":lim", "NULL", ":cap", ":rcap", "NULL", "NULL" };
		const char *rcpt[] = { email };

		printf("\\set n random(1, 1000000000000)\n"
		    "\\set client random(%s, %s)\n\\set admin %s\n"
		    "\\set lim %ld\n\\set ttl %ld\n\\set cap %ld\n"
		    "\\set rcap %d\n", argv[3], argv[4], argv[5],
		    cfg.invite_pending_limit, cfg.invite_ttl,
		    cfg.invite_sends_per_day, INVITE_SENDS_PER_RECIPIENT);
		if (minimal)
			emit(SQL_MINIMAL, ins, 16, ";");
		else {
			printf("BEGIN;\n");
			emit(SQL_LOCK_CLIENT, lock, SQL_LOCK_CLIENT_NPARAMS,
			    ";");
			emit(SQL_RECIPIENT_LOCK, rcpt, 1, ";");
			emit(SQL_INVITE_INSERT, ins, SQL_INVITE_INSERT_NPARAMS,
			    ";");
			printf("COMMIT;\n");
		}
	}
	buf_release(&subj);
	buf_release(&text);
	buf_release(&html);
	config_release(&cfg);
	return 0;
}
