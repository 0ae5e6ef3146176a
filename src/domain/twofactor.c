/* twofactor.c: TOTP, recovery codes and login challenges; see twofactor.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "clients.h"
#include "config.h"
#include "db.h"
#include "enqueue.h"
#include "log.h"
#include "perms.h"
#include "policy.h"
#include "qr.h"
#include "secretbox.h"
#include "templates.h"
#include "token.h"
#include "twofactor.h"
#include "banned.h"

#define AAD_USER	"totp_user"
#define AAD_ADMIN	"totp_admin"
#define UA_MAX		512	/* as sessions.user_agent */

static struct secretbox_key	key;
static char			key_error[256] = "no secret key loaded";

/*
 * The same statements on users and on admins (a table name cannot be a
 * parameter): [0] for users, [1] for administrators.
 */
#define BOTH(sql_u, sql_a, n)	{ STMT(sql_u, n), STMT(sql_a, n) }

/* $1 id: sealed, on, last step, email, first name (an admin's name) */
static struct stmt st_lock[2] = BOTH(
    "SELECT totp_sealed, totp_enabled_at IS NOT NULL,"
    " COALESCE(totp_last_step, 0), email, first_name"
    " FROM users WHERE id = $1 FOR UPDATE",
    "SELECT totp_sealed, totp_enabled_at IS NOT NULL,"
    " COALESCE(totp_last_step, 0), email, name"
    " FROM admins WHERE id = $1 FOR UPDATE", 1);
static struct stmt st_pending[2] = BOTH(
    "UPDATE users SET totp_sealed = $2, totp_enabled_at = NULL,"
    " totp_last_step = NULL WHERE id = $1",
    "UPDATE admins SET totp_sealed = $2, totp_enabled_at = NULL,"
    " totp_last_step = NULL WHERE id = $1", 2);
static struct stmt st_on[2] = BOTH(
    "UPDATE users SET totp_enabled_at = now(), totp_last_step = $2"
    " WHERE id = $1 RETURNING rfc3339(now())",
    "UPDATE admins SET totp_enabled_at = now(), totp_last_step = $2"
    " WHERE id = $1 RETURNING rfc3339(now())", 2);
static struct stmt st_off[2] = BOTH(
    "UPDATE users SET totp_sealed = NULL, totp_enabled_at = NULL,"
    " totp_last_step = NULL WHERE id = $1 RETURNING rfc3339(now())",
    "UPDATE admins SET totp_sealed = NULL, totp_enabled_at = NULL,"
    " totp_last_step = NULL WHERE id = $1 RETURNING rfc3339(now())", 1);
static struct stmt st_step[2] = BOTH(
    "UPDATE users SET totp_last_step = $2 WHERE id = $1",
    "UPDATE admins SET totp_last_step = $2 WHERE id = $1", 2);
static struct stmt st_codes_drop[2] = BOTH(
    "DELETE FROM recovery_codes WHERE user_id = $1",
    "DELETE FROM recovery_codes WHERE admin_id = $1", 1);
/* $2: a text[] of the codes' SHA-256 in hex */
static struct stmt st_codes_add[2] = BOTH(
    "INSERT INTO recovery_codes (user_id, code_hash)"
    " SELECT $1, decode(h, 'hex') FROM unnest($2::text[]) h",
    "INSERT INTO recovery_codes (admin_id, code_hash)"
    " SELECT $1, decode(h, 'hex') FROM unnest($2::text[]) h", 2);
static struct stmt st_code_use[2] = BOTH(
    "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1"
    " AND code_hash = $2 AND used_at IS NULL RETURNING id",
    "UPDATE recovery_codes SET used_at = now() WHERE admin_id = $1"
    " AND code_hash = $2 AND used_at IS NULL RETURNING id", 2);

static struct stmt st_challenge_new = STMT(
    "INSERT INTO login_challenges (token_hash, user_id, admin_id, ip,"
    " user_agent, expires_at) VALUES ($1, $2, $3, $4, $5,"
    " now() + make_interval(secs => $6::int)) RETURNING rfc3339(expires_at)",
    6);
/* $1 hash, $2 admin?, $3 the failures that kill it */
static struct stmt st_challenge_lock = STMT(
    "SELECT id, COALESCE(user_id, admin_id) FROM login_challenges"
    " WHERE token_hash = $1 AND (admin_id IS NOT NULL) = $2"
    " AND used_at IS NULL AND expires_at > now() AND failures < $3"
    " FOR UPDATE", 3);
static struct stmt st_challenge_fail = STMT(
    "UPDATE login_challenges SET failures = failures + 1 WHERE id = $1"
    " RETURNING failures", 1);
static struct stmt st_challenge_used = STMT(
    "UPDATE login_challenges SET used_at = now() WHERE id = $1", 1);

static struct stmt st_in_use = STMT(
    "SELECT EXISTS (SELECT 1 FROM users WHERE totp_sealed IS NOT NULL)"
    " OR EXISTS (SELECT 1 FROM admins WHERE totp_sealed IS NOT NULL)", 0);
static struct stmt st_user_accounts = STMT(
    "SELECT client_id FROM client_users WHERE user_id = $1"
    " ORDER BY client_id", 1);
static struct stmt st_requires = STMT(
    "SELECT require_2fa FROM clients WHERE id = $1", 1);
/* $1 client, $2 user: require_2fa, status, owner?, member?, permissions */
#define SETTINGS_SQL \
    "SELECT c.require_2fa, c.status, c.owner_user_id = $2," \
    " cu.user_id IS NOT NULL, cu.permissions FROM clients c" \
    " LEFT JOIN client_users cu ON cu.client_id = c.id AND cu.user_id = $2" \
    " WHERE c.id = $1"
static struct stmt st_settings = STMT(SETTINGS_SQL, 2);
static struct stmt st_settings_lock = STMT(
    SETTINGS_SQL " FOR NO KEY UPDATE OF c", 2);
static struct stmt st_settings_set = STMT(
    "UPDATE clients SET require_2fa = $2 WHERE id = $1", 2);

int
twofactor_key_load(const struct config *cfg, char *err, size_t errlen)
{
	secretbox_key_wipe(&key);
	if (secretbox_key_load(cfg, &key, err, errlen) != 0) {
		(void)str_copy(key_error, sizeof(key_error), err);
		return -1;
	}
	return 0;
}

void
twofactor_key_forget(void)
{
	secretbox_key_wipe(&key);
}

int
twofactor_in_use(struct db *db)
{
	struct db_res	*res;
	int		 rc;

	if ((res = db_exec(db, &st_in_use, NULL)) == NULL)
		return -1;
	rc = db_bool(res, 0, 0) ? 1 : 0;
	db_res_free(res);
	return rc;
}

void
tf_setup_release(struct tf_setup *s)
{
	explicit_bzero(s->secret, sizeof(s->secret));
	secretbox_buf_wipe(&s->uri);
	secretbox_buf_wipe(&s->svg);	/* it draws the secret */
}

void
tf_codes_wipe(struct tf_codes *c)
{
	explicit_bzero(c, sizeof(*c));
}

/* The subject's row, locked. */
struct row {
	bool		 set_up;	/* totp_sealed is there */
	bool		 on;
	long long	 last_step;
	char		 email[TEXT_EMAIL];
	char		 name[TEXT_NAME];
	struct buf	 secret;	/* opened, when asked for; wiped */
};

static const char *
aad_of(bool admin)
{
	return admin ? AAD_ADMIN : AAD_USER;
}

/* The key, or ERR_INTERNAL saying why there is none. */
static enum err
key_or_fail(struct flow *f)
{
	if (key.loaded)
		return ERR_NONE;
	log_warnx("two-factor authentication: %s", key_error);
	return flow_fail(f, ERR_INTERNAL, NULL, "Two-factor authentication "
	    "is not available: the server has no secret key (secret_key_file "
	    "or the credential secret_key).");
}

/*
 * Lock the row of (admin, id) into *out, opening the secret when open
 * is true and one is there. Inside the flow's transaction.
 */
static enum err
row_lock(struct flow *f, bool admin, long long id, bool open,
    struct row *out)
{
	struct db_res	*res;
	enum err	 e = ERR_NONE;

	memset(out, 0, sizeof(*out));
	if ((res = DB_EXEC(f->db, &st_lock[admin], DB_INT(id))) == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_NOT_FOUND, NULL, admin ?
		    "No such administrator." : MSG_NO_USER);
	}
	out->set_up = !db_isnull(res, 0, 0);
	out->on = db_bool(res, 0, 1);
	out->last_step = db_int(res, 0, 2);
	(void)str_copy(out->email, sizeof(out->email), db_str(res, 0, 3));
	(void)str_copy(out->name, sizeof(out->name),
	    db_isnull(res, 0, 4) ? "" : db_str(res, 0, 4));
	if (open && out->set_up) {
		if ((e = key_or_fail(f)) == ERR_NONE &&
		    secretbox_open(&key, aad_of(admin), db_str(res, 0, 0),
		    &out->secret) != 0) {
			log_warnx("two-factor authentication: the sealed "
			    "secret of %s %lld does not open under this key",
			    admin ? "admin" : "user", id);
			e = flow_fail(f, ERR_INTERNAL, NULL, "The stored "
			    "two-factor secret cannot be read with this "
			    "server's key.");
		}
	}
	db_res_free(res);
	return e;
}

static void
row_release(struct row *r)
{
	secretbox_buf_wipe(&r->secret);
}

/*
 * Check a TOTP code against the row's secret; a match moves
 * totp_last_step on (so the code is dead). ERR_NONE, or ERR_INVALID_CODE
 * without rolling back (the caller decides), or a failed flow.
 */
static enum err
code_take(struct flow *f, bool admin, long long id, struct row *row,
    const char *code, long long *step_out)
{
	long long	 step = 0;
	int		 rc;

	rc = totp_check(row->secret.data, code, time(NULL), row->last_step,
	    &step);
	if (rc < 0)
		return flow_fail(f, ERR_INTERNAL, NULL, "The stored two-factor "
		    "secret is damaged.");
	if (rc == 0)
		return ERR_INVALID_CODE;
	if (step_out != NULL) {
		*step_out = step;
		return ERR_NONE;
	}
	if (DB_DONE(f->db, &st_step[admin], DB_INT(id), DB_INT(step)) != 0)
		return flow_db_fail(f);
	return ERR_NONE;
}

/* Use up a recovery code: ERR_NONE, ERR_INVALID_CODE, or a failed flow. */
static enum err
recovery_take(struct flow *f, bool admin, long long id, const char *typed)
{
	struct db_res	*res;
	char		 code[RECOVERY_CODE_MAX], hash[TOKEN_HASH_PARAM];
	int		 used;

	if (recovery_code_normalize(typed, code) != 0)
		return ERR_INVALID_CODE;
	res = DB_EXEC(f->db, &st_code_use[admin], DB_INT(id),
	    token_hash_param(code, hash));
	explicit_bzero(code, sizeof(code));
	if (res == NULL)
		return flow_db_fail(f);
	used = db_rows(res);
	db_res_free(res);
	return used == 1 ? ERR_NONE : ERR_INVALID_CODE;
}

/* Ten new codes into out and their hashes in place of the old ones. */
static enum err
codes_renew(struct flow *f, bool admin, long long id, struct tf_codes *out)
{
	struct buf	 arr = { 0 };
	char		 hash[TOKEN_HASH_PARAM];
	int		 i, rc;

	buf_putc(&arr, '{');
	for (i = 0; i < RECOVERY_CODES; i++) {
		if (recovery_code_new(out->code[i]) != 0) {
			buf_release(&arr);
			tf_codes_wipe(out);
			return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
		}
		/* "\x" and the hex digits: the hex alone goes in the array */
		buf_printf(&arr, "%s%s", i ? "," : "",
		    token_hash_param(out->code[i], hash) + 2);
	}
	buf_putc(&arr, '}');
	rc = DB_DONE(f->db, &st_codes_drop[admin], DB_INT(id));
	if (rc == 0)
		rc = DB_DONE(f->db, &st_codes_add[admin], DB_INT(id), arr.data);
	buf_release(&arr);
	if (rc != 0) {
		tf_codes_wipe(out);
		return flow_db_fail(f);
	}
	return ERR_NONE;
}

/* Queue Two-Factor Authentication Changed to the row's address. */
static enum err
mail_changed(struct flow *f, const struct row *row, enum tf_change change,
    const char *at)
{
	struct email	 mail = { 0 };
	long long	 mid;
	int		 rc;

	template_two_factor_changed(f->cfg, row->email, row->name, change, at,
	    &mail);
	rc = email_enqueue(f->db, &mail, &mid);
	email_release(&mail);
	return rc == 0 ? ERR_NONE : flow_db_fail(f);
}

static enum err
audit(struct flow *f, long long client_id, const char *action,
    const struct audit_details *d)
{
	return audit_record(f->db, &f->who, client_id, action, d) == 0 ?
	    ERR_NONE : flow_db_fail(f);
}

/* The action's name for the audit log: "admin_" before an admin's own. */
static const char *
action_of(bool admin, const char *user_action, const char *admin_action)
{
	return admin ? admin_action : user_action;
}

enum err
twofactor_setup(struct flow *f, const struct tf_subject *s,
    struct tf_setup *out)
{
	struct row	 row;
	struct buf	 sealed = { 0 }, issuer = { 0 };
	enum err	 e;

	memset(out, 0, sizeof(*out));
	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((e = row_lock(f, s->admin, s->id, false, &row)) != ERR_NONE)
		return e;
	if (row.on)
		return flow_fail(f, ERR_FORBIDDEN, NULL, "Two-factor "
		    "authentication is on already: turn it off first to set "
		    "up another authenticator.");
	if ((e = key_or_fail(f)) != ERR_NONE)
		return e;
	if (totp_secret_new(out->secret) != 0)
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	if (secretbox_seal(&key, aad_of(s->admin), out->secret,
	    strlen(out->secret), &sealed) != 0) {
		tf_setup_release(out);
		return flow_fail(f, ERR_INTERNAL, NULL, "Could not seal the "
		    "secret.");
	}
	e = DB_DONE(f->db, &st_pending[s->admin], DB_INT(s->id),
	    sealed.data) == 0 ? ERR_NONE : flow_db_fail(f);
	buf_release(&sealed);
	if (e == ERR_NONE && (e = flow_commit(f)) == ERR_NONE) {
		buf_printf(&issuer, "%s%s", f->cfg->mail_from_name,
		    s->admin ? " Admin" : "");
		totp_uri(issuer.data, row.email, out->secret, &out->uri);
		if (qr_svg(out->uri.data, "QR code of the two-factor secret",
		    &out->svg) != 0)
			e = flow_fail(f, ERR_INTERNAL, NULL, "Could not draw "
			    "the QR code.");
		buf_release(&issuer);
	}
	if (e != ERR_NONE)
		tf_setup_release(out);
	return e;
}

enum err
twofactor_enable(struct flow *f, const struct tf_subject *s,
    const char *code, struct tf_codes *out)
{
	struct db_res	*res;
	struct row	 row;
	long long	 step;
	char		 at[TEXT_TIME];
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((e = row_lock(f, s->admin, s->id, true, &row)) != ERR_NONE)
		goto out;
	if (row.on || !row.set_up) {
		e = flow_fail(f, ERR_FORBIDDEN, NULL, row.on ? "Two-factor "
		    "authentication is on already." : "Set up two-factor "
		    "authentication first.");
		goto out;
	}
	if ((e = code_take(f, s->admin, s->id, &row, code, &step)) !=
	    ERR_NONE) {
		if (e == ERR_INVALID_CODE)
			e = flow_fail(f, ERR_INVALID_CODE, "code", "This code "
			    "is not correct: type the 6 digits the app shows "
			    "now.");
		goto out;
	}
	if ((res = DB_EXEC(f->db, &st_on[s->admin], DB_INT(s->id),
	    DB_INT(step))) == NULL) {
		e = flow_db_fail(f);
		goto out;
	}
	(void)str_copy(at, sizeof(at), db_str(res, 0, 0));
	db_res_free(res);
	if ((e = codes_renew(f, s->admin, s->id, out)) != ERR_NONE ||
	    (e = mail_changed(f, &row, TF_TURNED_ON, at)) != ERR_NONE ||
	    (e = audit(f, 0, action_of(s->admin, "two_factor_enabled",
	    "admin_two_factor_enabled"), NULL)) != ERR_NONE ||
	    (e = flow_commit(f)) != ERR_NONE)
		tf_codes_wipe(out);
out:
	row_release(&row);
	return e;
}

/* Turn off the locked row's 2FA, mail and audit it. */
static enum err
turn_off(struct flow *f, bool admin, long long id, const struct row *row,
    enum tf_change change)
{
	struct db_res	*res;
	char		 at[TEXT_TIME];

	if ((res = DB_EXEC(f->db, &st_off[admin], DB_INT(id))) == NULL)
		return flow_db_fail(f);
	(void)str_copy(at, sizeof(at), db_str(res, 0, 0));
	db_res_free(res);
	if (DB_DONE(f->db, &st_codes_drop[admin], DB_INT(id)) != 0)
		return flow_db_fail(f);
	return mail_changed(f, row, change, at);
}

enum err
twofactor_disable(struct flow *f, const struct tf_subject *s,
    const char *code, const char *recovery_code)
{
	struct row	 row;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((e = row_lock(f, s->admin, s->id, true, &row)) != ERR_NONE)
		goto out;
	if (!row.on) {
		e = flow_fail(f, ERR_FORBIDDEN, NULL, "Two-factor "
		    "authentication is not on.");
		goto out;
	}
	e = code != NULL ? code_take(f, s->admin, s->id, &row, code, NULL) :
	    recovery_take(f, s->admin, s->id, recovery_code);
	if (e == ERR_INVALID_CODE) {
		e = flow_fail(f, ERR_INVALID_CODE, code != NULL ? "code" :
		    "recovery_code", NULL);
		goto out;
	}
	if (e != ERR_NONE)
		goto out;
	if ((e = turn_off(f, s->admin, s->id, &row, TF_TURNED_OFF)) ==
	    ERR_NONE &&
	    (e = audit(f, 0, action_of(s->admin, "two_factor_disabled",
	    "admin_two_factor_disabled"), NULL)) == ERR_NONE)
		e = flow_commit(f);
out:
	row_release(&row);
	return e;
}

enum err
twofactor_recovery_renew(struct flow *f, const struct tf_subject *s,
    const char *code, struct tf_codes *out)
{
	struct row	 row;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((e = row_lock(f, s->admin, s->id, true, &row)) != ERR_NONE)
		goto out;
	if (!row.on) {
		e = flow_fail(f, ERR_FORBIDDEN, NULL, "Two-factor "
		    "authentication is not on.");
		goto out;
	}
	if ((e = code_take(f, s->admin, s->id, &row, code, NULL)) ==
	    ERR_INVALID_CODE) {
		e = flow_fail(f, ERR_INVALID_CODE, "code", NULL);
		goto out;
	}
	if (e != ERR_NONE)
		goto out;
	if ((e = codes_renew(f, s->admin, s->id, out)) != ERR_NONE)
		goto out;
	if ((e = audit(f, 0, action_of(s->admin,
	    "two_factor_recovery_codes_renewed",
	    "admin_two_factor_recovery_codes_renewed"), NULL)) != ERR_NONE ||
	    (e = flow_commit(f)) != ERR_NONE)
		tf_codes_wipe(out);
out:
	row_release(&row);
	return e;
}

/* One audit row per account of user_id (one without an account if none). */
static enum err
audit_on_accounts(struct flow *f, long long user_id, const char *action)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	enum err		 e = ERR_NONE;
	int			 i, n;

	if ((res = DB_EXEC(f->db, &st_user_accounts, DB_INT(user_id))) == NULL)
		return flow_db_fail(f);
	audit_detail_int(&d, "user_id", user_id);
	n = db_rows(res);
	for (i = 0; i < n && e == ERR_NONE; i++)
		e = audit(f, db_int(res, i, 0), action, &d);
	if (n == 0 && e == ERR_NONE)
		e = audit(f, 0, action, &d);
	db_res_free(res);
	audit_details_release(&d);
	return e;
}

enum err
twofactor_reset(struct flow *f, long long user_id)
{
	struct row	 row;
	enum err	 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if ((e = row_lock(f, false, user_id, false, &row)) != ERR_NONE)
		return e;
	if (!row.on && !row.set_up)
		return flow_commit(f);
	/* a pending setup goes too, but only a 2FA that was on is news */
	if (!row.on) {
		if (DB_DONE(f->db, &st_off[0], DB_INT(user_id)) != 0)
			return flow_db_fail(f);
		return flow_commit(f);
	}
	if ((e = turn_off(f, false, user_id, &row, TF_RESET_BY_ADMIN)) !=
	    ERR_NONE ||
	    (e = audit_on_accounts(f, user_id, "two_factor_reset")) != ERR_NONE)
		return e;
	return flow_commit(f);
}

enum err
twofactor_challenge_new(struct flow *f, bool admin, long long id,
    const char *ip, const char *user_agent, struct tf_challenge *out)
{
	struct db_res	*res;
	char		 hash[TOKEN_HASH_PARAM], ua[UA_MAX + 1];

	memset(out, 0, sizeof(*out));
	memset(&f->fault, 0, sizeof(f->fault));
	if (token_new(out->token) != 0)
		return flow_fail(f, ERR_INTERNAL, NULL, MSG_NO_RANDOM);
	(void)str_copy(ua, sizeof(ua), user_agent);
	res = DB_EXEC(f->db, &st_challenge_new,
	    token_hash_param(out->token, hash), admin ? NULL : DB_INT(id),
	    admin ? DB_INT(id) : NULL, ip, user_agent ? ua : NULL,
	    DB_INT(CHALLENGE_TTL_S));
	if (res == NULL)
		return flow_db_fail(f);
	(void)str_copy(out->expires_at, sizeof(out->expires_at),
	    db_str(res, 0, 0));
	db_res_free(res);
	return ERR_NONE;
}

/* A wrong answer: counted (and committed); dead at the limit. */
static enum err
challenge_wrong(struct flow *f, long long challenge_id, const char *field,
    struct tf_answer *out)
{
	struct db_res	*res;
	long long	 failures;

	res = DB_EXEC(f->db, &st_challenge_fail, DB_INT(challenge_id));
	if (res == NULL)
		return flow_db_fail(f);
	failures = db_int(res, 0, 0);
	db_res_free(res);
	if (flow_commit(f) != ERR_NONE)
		return f->fault.err;
	out->dead = failures >= CHALLENGE_MAX_FAILURES;
	f->fault.err = ERR_INVALID_CODE;
	f->fault.field = field;
	f->fault.why = out->dead ? "Too many wrong codes: sign in again "
	    "with your password." : NULL;
	return ERR_INVALID_CODE;
}

enum err
twofactor_challenge_answer(struct flow *f, bool admin, const char *token,
    const char *code, const char *recovery_code, struct tf_answer *out)
{
	struct db_res	*res;
	struct row	 row;
	char		 hash[TOKEN_HASH_PARAM], max[24];
	long long	 cid;
	enum err	 e;

	memset(out, 0, sizeof(*out));
	memset(&row, 0, sizeof(row));
	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	if (!token_well_formed(token))
		return flow_fail(f, ERR_INVALID_CODE, "challenge", "This "
		    "sign-in is not valid any more: sign in again.");
	res = DB_EXEC(f->db, &st_challenge_lock, token_hash_param(token, hash),
	    admin ? "true" : "false", db_fmt_int(max, CHALLENGE_MAX_FAILURES));
	if (res == NULL)
		return flow_db_fail(f);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return flow_fail(f, ERR_INVALID_CODE, "challenge", "This "
		    "sign-in is not valid any more (it expired, was used, or "
		    "had too many wrong codes): sign in again.");
	}
	cid = db_int(res, 0, 0);
	out->id = db_int(res, 0, 1);
	db_res_free(res);
	if ((e = row_lock(f, admin, out->id, true, &row)) != ERR_NONE)
		goto out;
	if (!row.on) {
		/* turned off (or reset) since the password step */
		e = flow_fail(f, ERR_INVALID_CODE, "challenge", "Sign in "
		    "again.");
		goto out;
	}
	out->recovery = code == NULL;
	e = code != NULL ? code_take(f, admin, out->id, &row, code, NULL) :
	    recovery_take(f, admin, out->id, recovery_code);
	if (e == ERR_INVALID_CODE) {
		e = challenge_wrong(f, cid, code != NULL ? "code" :
		    "recovery_code", out);
		goto out;
	}
	if (e != ERR_NONE)
		goto out;
	if (DB_DONE(f->db, &st_challenge_used, DB_INT(cid)) != 0)
		e = flow_db_fail(f);
out:
	row_release(&row);
	return e;
}

int
twofactor_account_requires(struct db *db, long long client_id)
{
	struct db_res	*res;
	int		 rc;

	if ((res = DB_EXEC(db, &st_requires, DB_INT(client_id))) == NULL)
		return -1;
	rc = db_rows(res) == 1 && db_bool(res, 0, 0) ? 1 : 0;
	db_res_free(res);
	return rc;
}

/* The actor's standing on client_id from a SETTINGS_SQL row. */
static enum err
settings_read(struct flow *f, struct db_res *res, bool owner_only,
    bool *require_2fa)
{
	struct standing		 st;
	enum client_status	 cst;
	const char		*why = NULL;
	bool			 member;
	enum err		 e;

	if (db_rows(res) != 1)
		return flow_fail(f, ERR_NOT_FOUND, NULL, MSG_NO_CLIENT);
	*require_2fa = db_bool(res, 0, 0);
	if (client_status_parse(db_str(res, 0, 1), &cst) != 0)
		cst = CLIENT_CLOSED;
	member = db_bool(res, 0, 3);
	policy_standing(ACTOR_MEMBER, member, member && db_bool(res, 0, 2),
	    member ? perms_from_pg(db_str(res, 0, 4)) : 0, &st);
	if ((e = policy_manage(&st, cst, &why)) != ERR_NONE)
		return flow_fail(f, e, NULL, why);
	if (owner_only && !st.owner)
		return flow_fail(f, ERR_FORBIDDEN, NULL, "Only the owner of "
		    "the account can change its settings.");
	return ERR_NONE;
}

enum err
account_settings_get(struct flow *f, long long client_id, bool *require_2fa)
{
	struct db_res	*res;
	enum err	 e;

	memset(&f->fault, 0, sizeof(f->fault));
	res = DB_EXEC(f->db, &st_settings, DB_INT(client_id),
	    DB_INT(f->who.id));
	if (res == NULL)
		return flow_db_fail(f);
	e = settings_read(f, res, false, require_2fa);
	db_res_free(res);
	return e;
}

enum err
account_settings_set(struct flow *f, long long client_id, bool require_2fa)
{
	struct audit_details	 d = { 0 };
	struct db_res		*res;
	bool			 was;
	enum err		 e;

	if ((e = flow_begin(f)) != ERR_NONE)
		return e;
	res = DB_EXEC(f->db, &st_settings_lock, DB_INT(client_id),
	    DB_INT(f->who.id));
	if (res == NULL)
		return flow_db_fail(f);
	e = settings_read(f, res, true, &was);
	db_res_free(res);
	if (e != ERR_NONE)
		return e;
	if (was == require_2fa)
		return flow_commit(f);
	if (DB_DONE(f->db, &st_settings_set, DB_INT(client_id),
	    require_2fa ? "true" : "false") != 0)
		return flow_db_fail(f);
	audit_detail_bool(&d, "require_2fa", require_2fa);
	e = audit(f, client_id, "account_settings_changed", &d);
	audit_details_release(&d);
	return e == ERR_NONE ? flow_commit(f) : e;
}
