/* housekeeping.c: periodic clean-up; see housekeeping.h. */
#include "clients.h"
#include "config.h"
#include "db.h"
#include "housekeeping.h"
#include "outbox.h"
#include "banned.h"

/*
 * Expiring an invitation is recorded like any other change of access, and
 * done like one: per account, with the account's row locked first.
 */
static struct stmt st_expiring_accounts = STMT(
    "SELECT DISTINCT client_id FROM invites"
    " WHERE status = 'pending' AND expires_at <= now()", 0);
static struct stmt st_expire_invites = STMT(
    "WITH x AS (UPDATE invites SET status = 'expired', ended_at = now()"
    "  WHERE client_id = $1 AND status = 'pending' AND expires_at <= now()"
    "  RETURNING id, client_id, email)"
    " INSERT INTO audit_log (actor_kind, actor_name, client_id, action,"
    "  details)"
    " SELECT 'system', 'housekeeping', client_id, 'invite_expired',"
    "  jsonb_build_object('invite_id', id, 'email', email) FROM x", 1);
static struct stmt st_sessions = STMT(
    "DELETE FROM sessions WHERE expires_at <= now()"
    " OR last_seen_at <= now() - make_interval(secs => $1::int)", 1);
static struct stmt st_resets = STMT(
    "DELETE FROM password_resets"
    " WHERE expires_at < now() - interval '1 day'", 0);
/* SSO links live 60 s; a day later nothing needs them */
static struct stmt st_sso = STMT(
    "DELETE FROM sso_tokens WHERE expires_at < now() - interval '1 day'", 0);
static struct stmt st_failures = STMT(
    "DELETE FROM login_failures"
    " WHERE at < now() - make_interval(secs => $1::int)", 1);
static struct stmt st_challenges = STMT(
    "DELETE FROM login_challenges WHERE expires_at < now() - interval '1 day'",
    0);
#define PURGE_CHUNK	1000

/* Mark expired invitations, one account per transaction. 0 or -1. */
static int
expire_invites(struct db *db, long *count)
{
	struct db_res	*accounts, *res;
	int		 i;

	*count = 0;
	if ((accounts = db_exec(db, &st_expiring_accounts, NULL)) == NULL)
		return -1;
	for (i = 0; i < db_rows(accounts); i++) {
		if (db_begin(db) != 0)
			break;
		if (clients_lock(db, db_int(accounts, i, 0)) < 0)
			break;
		if ((res = DB_EXEC(db, &st_expire_invites,
		    db_str(accounts, i, 0))) == NULL)
			break;
		*count += db_affected(res);
		db_res_free(res);
		if (db_commit(db) != 0)
			break;
	}
	if (i < db_rows(accounts)) {
		db_rollback(db);
		db_res_free(accounts);
		return -1;
	}
	db_res_free(accounts);
	return 0;
}

static int
step(struct db *db, struct stmt *st, const char *param, long *count)
{
	struct db_res	*res;

	res = st->nparams ? DB_EXEC(db, st, param) : db_exec(db, st, NULL);
	if (res == NULL)
		return -1;
	*count = db_affected(res);
	db_res_free(res);
	return 0;
}

int
housekeeping_run(struct db *db, const struct config *cfg,
    struct housekeeping_counts *n)
{
	char	idle[24], window[24];
	int	purged;

	db_fmt_int(idle, cfg->session_idle_timeout);
	db_fmt_int(window, cfg->login_failure_window);
	if (expire_invites(db, &n->invites_expired) != 0 ||
	    step(db, &st_sessions, idle, &n->sessions_deleted) != 0 ||
	    step(db, &st_resets, NULL, &n->resets_deleted) != 0 ||
	    step(db, &st_sso, NULL, &n->sso_links_deleted) != 0 ||
	    step(db, &st_failures, window, &n->login_failures_deleted) != 0 ||
	    step(db, &st_challenges, NULL, &n->challenges_deleted) != 0)
		return -1;
	/* the mailer's own purge, in chunks, so no lock is held for long */
	n->mail_purged = 0;
	while ((purged = outbox_purge_sent(db, cfg->mail_retention,
	    PURGE_CHUNK)) > 0)
		n->mail_purged += purged;
	return purged < 0 ? -1 : 0;
}
