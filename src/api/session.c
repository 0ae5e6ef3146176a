/* session.c: sessions in PostgreSQL, their cookies, rotation and ending. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "session.h"
#include "token.h"
#include "useragent.h"
#include "banned.h"

/* last_seen_at is refreshed at most this often, to spare writes */
#define TOUCH_EVERY_S	"60"

static struct stmt st_create = STMT(
    "INSERT INTO sessions (token_hash, user_id, admin_id, active_client_id,"
    " csrf_token, expires_at, ip, user_agent)"
    " VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::int),"
    " $7, $8) RETURNING id", 8);

/* "Login as User": $5 the administrator, $6 the lifetime (s), $7-$8 where
 * the administrator's browser is */
static struct stmt st_create_impersonated = STMT(
    "INSERT INTO sessions (token_hash, user_id, active_client_id,"
    " csrf_token, impersonated_by, expires_at, ip, user_agent)"
    " VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::int),"
    " $7, $8)"
    " RETURNING id, (SELECT COALESCE(NULLIF(name, ''), email) FROM admins"
    " WHERE id = $5)", 8);

static struct stmt st_find_user = STMT(
    "SELECT s.id, s.user_id, COALESCE(s.active_client_id, 0), s.csrf_token,"
    " u.email, btrim(u.first_name || ' ' || u.last_name),"
    " s.last_seen_at < now() - interval '" TOUCH_EVERY_S " seconds',"
    " COALESCE(s.impersonated_by, 0), COALESCE(NULLIF(a.name, ''), a.email, ''),"
    " u.totp_enabled_at IS NOT NULL"
    " FROM sessions s JOIN users u ON u.id = s.user_id"
    " LEFT JOIN admins a ON a.id = s.impersonated_by"
    " WHERE s.token_hash = $1 AND s.expires_at > now()"
    " AND u.status = 'active'"
    " AND s.last_seen_at > now() - make_interval(secs => $2::int)", 2);

static struct stmt st_find_admin = STMT(
    "SELECT s.id, s.admin_id, 0, s.csrf_token, a.email, a.name,"
    " s.last_seen_at < now() - interval '" TOUCH_EVERY_S " seconds',"
    " 0, '', a.totp_enabled_at IS NOT NULL"
    " FROM sessions s JOIN admins a ON a.id = s.admin_id"
    " WHERE s.token_hash = $1 AND s.expires_at > now()"
    " AND s.last_seen_at > now() - make_interval(secs => $2::int)", 2);

static struct stmt st_touch = STMT(
    "UPDATE sessions SET last_seen_at = now() WHERE id = $1", 1);
static struct stmt st_end = STMT("DELETE FROM sessions WHERE id = $1", 1);
static struct stmt st_end_token = STMT(
    "DELETE FROM sessions WHERE token_hash = $1"
    " AND (admin_id IS NOT NULL) = $2", 2);
static struct stmt st_end_user = STMT(
    "DELETE FROM sessions WHERE user_id = $1", 1);
static struct stmt st_rotate = STMT(
    "UPDATE sessions SET token_hash = $2, last_seen_at = now()"
    " WHERE id = $1", 2);
static struct stmt st_leave = STMT(
    "UPDATE sessions SET active_client_id = NULL"
    " WHERE user_id = $1 AND active_client_id = $2", 2);
static struct stmt st_set_active = STMT(
    "UPDATE sessions SET active_client_id = $2 WHERE id = $1", 2);

static int
done(struct db_res *res)
{
	if (res == NULL)
		return -1;
	db_res_free(res);
	return 0;
}

/* session_create() with where it came from (ip and agent may be NULL). */
static int
session_create_from(struct db *db, const struct config *cfg, bool admin,
    long long id, long long active_client_id, const char *ip,
    const char *agent, struct principal *who)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM], sid[24], sclient[24], life[24];
	char		 ua[USERAGENT_MAX + 1];

	memset(who, 0, sizeof(*who));
	if (token_new(who->token) != 0 || token_new(who->csrf) != 0)
		return -1;
	db_fmt_int(sid, id);
	db_fmt_int(sclient, active_client_id);
	res = DB_EXEC(db, &st_create, token_hash_param(who->token, hash),
	    admin ? NULL : sid, admin ? sid : NULL,
	    active_client_id > 0 ? sclient : NULL,
	    who->csrf, db_fmt_int(life, cfg->session_lifetime), ip,
	    agent != NULL && useragent_clean(agent, ua) > 0 ? ua : NULL);
	if (res == NULL)
		return -1;
	who->kind = admin ? PRINCIPAL_ADMIN : PRINCIPAL_USER;
	who->id = id;
	who->session_id = db_int(res, 0, 0);
	who->active_client_id = active_client_id;
	who->via_cookie = true;
	db_res_free(res);
	return 0;
}

int
session_create(struct db *db, const struct config *cfg, bool admin,
    long long id, long long active_client_id, struct principal *who)
{
	return session_create_from(db, cfg, admin, id, active_client_id, NULL,
	    NULL, who);
}

/* The caller's address, NULL when the server names none. */
static const char *
session_ip(const struct req *r)
{
	return r->remote_addr != NULL && *r->remote_addr ? r->remote_addr :
	    NULL;
}

int
session_start(struct req *r, bool admin, long long id,
    long long active_client_id, struct principal *who)
{
	return session_create_from(r->db, r->cfg, admin, id, active_client_id,
	    session_ip(r), r->user_agent, who);
}

int
session_start_impersonated(struct req *r, long long user_id,
    long long client_id, long long admin_id, struct principal *who)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM];
	char		 ua[USERAGENT_MAX + 1];

	memset(who, 0, sizeof(*who));
	if (token_new(who->token) != 0 || token_new(who->csrf) != 0)
		return -1;
	res = DB_EXEC(r->db, &st_create_impersonated,
	    token_hash_param(who->token, hash), DB_INT(user_id),
	    client_id > 0 ? DB_INT(client_id) : NULL, who->csrf,
	    DB_INT(admin_id), DB_INT(session_impersonation_lifetime(r->cfg)),
	    session_ip(r), r->user_agent != NULL &&
	    useragent_clean(r->user_agent, ua) > 0 ? ua : NULL);
	if (res == NULL)
		return -1;
	who->kind = PRINCIPAL_USER;
	who->id = user_id;
	who->session_id = db_int(res, 0, 0);
	who->active_client_id = client_id;
	who->via_cookie = true;
	who->impersonated_by = admin_id;
	(void)str_copy(who->impersonator, sizeof(who->impersonator),
	    db_str(res, 0, 1));
	db_res_free(res);
	return 0;
}

long
session_impersonation_lifetime(const struct config *cfg)
{
	return cfg->session_lifetime < SESSION_IMPERSONATION_MAX ?
	    cfg->session_lifetime : SESSION_IMPERSONATION_MAX;
}

int
session_find(struct db *db, const struct config *cfg, bool admin,
    const char *token, struct principal *who)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM], idle[24], sid[24];

	if (!token_well_formed(token))
		return 0;
	res = DB_EXEC(db, admin ? &st_find_admin : &st_find_user,
	    token_hash_param(token, hash),
	    db_fmt_int(idle, cfg->session_idle_timeout));
	if (res == NULL)
		return -1;
	if (db_rows(res) != 1) {
		db_res_free(res);
		return 0;
	}
	memset(who, 0, sizeof(*who));
	who->kind = admin ? PRINCIPAL_ADMIN : PRINCIPAL_USER;
	who->session_id = db_int(res, 0, 0);
	who->id = db_int(res, 0, 1);
	who->active_client_id = db_int(res, 0, 2);
	who->via_cookie = true;
	(void)str_copy(who->csrf, sizeof(who->csrf), db_str(res, 0, 3));
	(void)str_copy(who->email, sizeof(who->email), db_str(res, 0, 4));
	/* a user without a name goes by the address; an admin does not */
	(void)str_copy(who->name, sizeof(who->name), *db_str(res, 0, 5) ||
	    admin ? db_str(res, 0, 5) : db_str(res, 0, 4));
	(void)str_copy(who->token, sizeof(who->token), token);
	who->impersonated_by = db_int(res, 0, 7);
	(void)str_copy(who->impersonator, sizeof(who->impersonator),
	    db_str(res, 0, 8));
	who->two_factor = db_bool(res, 0, 9);
	if (db_bool(res, 0, 6) &&
	    done(DB_EXEC(db, &st_touch, db_fmt_int(sid, who->session_id))) != 0) {
		db_res_free(res);
		return -1;
	}
	db_res_free(res);
	return 1;
}

int
session_end(struct db *db, long long session_id)
{
	char	sid[24];

	return done(DB_EXEC(db, &st_end, db_fmt_int(sid, session_id)));
}

int
session_end_presented(struct req *r, bool admin)
{
	char	token[128], hash[TOKEN_HASH_PARAM];

	if (!req_cookie(r, admin ? COOKIE_ADMIN : COOKIE_USER, token,
	    sizeof(token)) || !token_well_formed(token))
		return 0;
	return done(DB_EXEC(r->db, &st_end_token,
	    token_hash_param(token, hash), admin ? "true" : "false"));
}

int
session_end_all_of_user(struct db *db, long long user_id)
{
	char	uid[24];

	return done(DB_EXEC(db, &st_end_user, db_fmt_int(uid, user_id)));
}

int
session_rotate(struct db *db, struct principal *who)
{
	char	token[TOKEN_LEN + 1], hash[TOKEN_HASH_PARAM], sid[24];

	if (token_new(token) != 0)
		return -1;
	if (done(DB_EXEC(db, &st_rotate, db_fmt_int(sid, who->session_id),
	    token_hash_param(token, hash))) != 0)
		return -1;
	snprintf(who->token, sizeof(who->token), "%s", token);
	return 0;
}

int
session_set_active(struct db *db, long long session_id, long long client_id)
{
	char	sid[24], cid[24];

	return done(DB_EXEC(db, &st_set_active, db_fmt_int(sid, session_id),
	    db_fmt_int(cid, client_id)));
}

void
session_cookie_set(struct req *r, bool admin, const char *token)
{
	session_cookie_set_for(r, admin, token, r->cfg->session_lifetime);
}

void
session_cookie_set_for(struct req *r, bool admin, const char *token,
    long max_age)
{
	char	v[256];

	snprintf(v, sizeof(v), "%s=%s; Path=/; Max-Age=%ld; HttpOnly; "
	    "SameSite=Lax%s", admin ? COOKIE_ADMIN : COOKIE_USER, token,
	    max_age, r->cfg->plain_http ? "" : "; Secure");
	reply_header(r, "Set-Cookie", v);
}

void
session_cookie_clear(struct req *r, bool admin)
{
	char	v[160];

	snprintf(v, sizeof(v), "%s=; Path=/; Max-Age=0; HttpOnly; "
	    "SameSite=Lax%s", admin ? COOKIE_ADMIN : COOKIE_USER,
	    r->cfg->plain_http ? "" : "; Secure");
	reply_header(r, "Set-Cookie", v);
}

int
session_leave_account(struct db *db, long long user_id, long long client_id)
{
	return DB_DONE(db, &st_leave, DB_INT(user_id), DB_INT(client_id));
}
