/* audit.c: rows of audit_log and their details; see audit.h. */
#include <stdio.h>

#include "audit.h"
#include "db.h"
#include "banned.h"

static struct stmt st_audit = STMT(
    "INSERT INTO audit_log (actor_kind, actor_id, actor_name, client_id,"
    " action, details, ip) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)", 7);

static struct stmt st_count = STMT(
    "SELECT count(*) FROM audit_log WHERE client_id = $1", 1);
static struct stmt st_list = STMT(
    "SELECT id, rfc3339(at), actor_kind, actor_id, actor_name, action,"
    " details::text, ip FROM audit_log WHERE client_id = $1"
    " ORDER BY id DESC LIMIT $2 OFFSET $3", 3);

static const char *const kind_names[] = {
	[ACTOR_ADMIN] = "admin",
	[ACTOR_MEMBER] = "user",
	[ACTOR_SYSTEM] = "system",
	[ACTOR_ANONYMOUS] = "anonymous",
};

const char *
actor_kind_name(enum actor_kind k)
{
	return kind_names[k];
}

/* ", " between members, then "key": */
static void
key(struct audit_details *d, const char *k)
{
	buf_puts(&d->json, d->json.len == 0 ? "{\"" : ", \"");
	buf_puts(&d->json, k);
	buf_puts(&d->json, "\": ");
}

void
audit_detail_int(struct audit_details *d, const char *k, long long v)
{
	key(d, k);
	buf_printf(&d->json, "%lld", v);
}

void
audit_detail_bool(struct audit_details *d, const char *k, bool v)
{
	key(d, k);
	buf_puts(&d->json, v ? "true" : "false");
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void
json_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, *s);
		} else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

void
audit_detail_str(struct audit_details *d, const char *k, const char *v)
{
	key(d, k);
	json_string(&d->json, v);
}

void
audit_detail_perms(struct audit_details *d, const char *k, perms_t p)
{
	int	i, n = 0;

	key(d, k);
	buf_putc(&d->json, '[');
	for (i = 0; i < PERM_COUNT; i++)
		if (p & ((perms_t)1 << i)) {
			buf_puts(&d->json, n++ > 0 ? ", " : "");
			json_string(&d->json, perm_defs[i].key);
		}
	buf_putc(&d->json, ']');
}

void
audit_details_release(struct audit_details *d)
{
	buf_release(&d->json);
}

const char *
audit_actor_kind(const struct actor *who)
{
	return actor_kind_name(who->impersonator_id > 0 ? ACTOR_ADMIN :
	    who->kind);
}

long long
audit_actor_id(const struct actor *who)
{
	return who->impersonator_id > 0 ? who->impersonator_id : who->id;
}

const char *
audit_actor_name(const struct actor *who)
{
	if (who->impersonator_id > 0)
		return who->impersonator != NULL ? who->impersonator : "";
	return who->email != NULL ? who->email : who->name != NULL ?
	    who->name : "";
}

/* The keys that say on whose behalf an administrator acted, if one did. */
static void
on_behalf(const struct actor *who, struct audit_details *d)
{
	if (who->impersonator_id > 0) {
		audit_detail_int(d, "on_behalf_of_user_id", who->id);
		audit_detail_str(d, "on_behalf_of", who->email);
	}
}

const char *
audit_on_behalf_json(const struct actor *who, struct audit_details *d)
{
	on_behalf(who, d);
	if (d->json.len == 0)
		return "{}";
	buf_putc(&d->json, '}');
	return d->json.data;
}

int
audit_record(struct db *db, const struct actor *who, long long client_id,
    const char *action, const struct audit_details *d)
{
	struct db_res		*res;
	struct audit_details	 more = { 0 };
	struct buf		 json = { 0 };
	char			 aid[24], cid[24];
	long long		 actor_id = audit_actor_id(who);

	if (d != NULL && d->json.len > 0)
		buf_puts(&more.json, d->json.data);
	on_behalf(who, &more);
	if (more.json.len > 0)
		buf_printf(&json, "%s}", more.json.data);
	audit_details_release(&more);
	res = DB_EXEC(db, &st_audit, audit_actor_kind(who),
	    actor_id > 0 ? db_fmt_int(aid, actor_id) : NULL,
	    audit_actor_name(who), client_id > 0 ? db_fmt_int(cid, client_id) :
	    NULL, action, json.len > 0 ? json.data : "{}", who->ip);
	buf_release(&json);
	if (res == NULL)
		return -1;
	db_res_free(res);
	return 0;
}

int
audit_list(struct db *db, long long client_id, long limit, long offset,
    long long *total, void (*each)(const struct audit_entry *, void *),
    void *arg)
{
	struct db_res		*res;
	struct audit_entry	 e;
	int			 i;

	if ((res = DB_EXEC(db, &st_count, DB_INT(client_id))) == NULL)
		return -1;
	*total = db_int(res, 0, 0);
	db_res_free(res);
	res = DB_EXEC(db, &st_list, DB_INT(client_id), DB_INT(limit),
	    DB_INT(offset));
	if (res == NULL)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		e.id = db_int(res, i, 0);
		e.at = db_str(res, i, 1);
		e.actor_kind = db_str(res, i, 2);
		e.actor_id = db_isnull(res, i, 3) ? 0 : db_int(res, i, 3);
		e.actor_name = db_str(res, i, 4);
		e.action = db_str(res, i, 5);
		e.details = db_str(res, i, 6);
		e.ip = db_str(res, i, 7);
		each(&e, arg);
	}
	db_res_free(res);
	return 0;
}
