/*
 * h_account.c: User Management in the Client Area, always for the active
 * account of the session. The owner, and members holding "users", manage
 * users and invitations; any member may leave. access.c re-checks every
 * right under the account's lock.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "audit.h"
#include "clients.h"
#include "csv.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "input.h"
#include "invites.h"
#include "members.h"
#include "perms.h"
#include "policy.h"
#include "views.h"
#include "banned.h"

#define BULK_MAX	50

static struct stmt st_rights = STMT(
    "SELECT c.status, c.owner_user_id = cu.user_id, cu.permissions"
    " FROM client_users cu JOIN clients c ON c.id = cu.client_id"
    " WHERE cu.client_id = $1 AND cu.user_id = $2", 2);

/* The session's active account. 0 with *id set, or -1 after a 403. */
static int
active_or_reply(struct req *r, long long *id)
{
	if (r->who.active_client_id <= 0) {
		reply_err_msg(r, ERR_FORBIDDEN, NULL, "Choose an account "
		    "first.");
		return -1;
	}
	*id = r->who.active_client_id;
	return 0;
}

/*
 * May the caller manage the users of its active account? 0 with *id set,
 * or -1 after replying (403 forbidden, 503).
 */
static int
manage_or_reply(struct req *r, long long *id)
{
	struct db_res	*res;
	char		 cid[24], uid[24];
	struct standing	 s;
	const char	*why = NULL;
	bool		 member;
	enum err	 e;
	enum client_status cst;

	if (active_or_reply(r, id) != 0)
		return -1;
	res = DB_EXEC(r->db, &st_rights, db_fmt_int(cid, *id),
	    db_fmt_int(uid, r->who.id));
	if (res == NULL) {
		reply_db_error(r);
		return -1;
	}
	member = db_rows(res) == 1;
	if (!member || client_status_parse(db_str(res, 0, 0), &cst) != 0)
		cst = CLIENT_CLOSED;
	policy_standing(ACTOR_MEMBER, member, member && db_bool(res, 0, 1),
	    member ? perms_from_pg(db_str(res, 0, 2)) : 0, &s);
	db_res_free(res);
	if ((e = policy_manage(&s, cst, &why)) != ERR_NONE) {
		reply_err_msg(r, e, NULL, why);
		return -1;
	}
	return 0;
}

/* Where the listings of GET /account/users put what they are given. */
struct people {
	cJSON	*users;
	cJSON	*invites;		/* pending */
	cJSON	*expired;
	cJSON	*declined;		/* not yet dismissed */
};

static void
member_onto(const struct member *m, void *arg)
{
	cJSON_AddItemToArray(((struct people *)arg)->users, member_to_json(m));
}

static void
invite_onto(const struct invite *inv, void *arg)
{
	struct people	*p = arg;

	cJSON_AddItemToArray(inv->status == INVITE_EXPIRED ? p->expired :
	    inv->status == INVITE_DECLINED ? p->declined : p->invites,
	    invite_to_json(inv));
}

/*
 * GET /api/v1/account/users?search=&page=
 * 200 {client_id, users:[member] (owner first), invites:[pending invite],
 * expired_invites:[invite], declined_invites:[invite]}; with page also
 * {page, per_page: 50, total} and only that page of users (a page past
 * the end is empty). search keeps the users whose name or address, and
 * the invitations whose address, contain it, case-insensitively (% and
 * _ match themselves). Invitations are not paged: the pending ones are
 * capped by invite_pending_limit, and ended ones can be dismissed.
 * 403 forbidden unless the caller is the owner or holds "users"; 422
 * for a bad page or search.
 */
void
h_account_users(struct req *r)
{
	struct people	 p;
	char		*pat = NULL, *s = NULL;
	long long	 id, total = 0;
	long		 page = 1;
	int		 paged, rc;
	cJSON		*body;

	if ((paged = req_query(r, "page", &s)) >= 0)
		free(s);
	if (manage_or_reply(r, &id) != 0 || input_page_or_reply(r, &page) != 0 ||
	    input_search_or_reply(r, &pat) != 0) {
		free(pat);
		return;
	}
	body = cJSON_CreateObject();
	json_add_int(body, "client_id", id);
	p.users = cJSON_AddArrayToObject(body, "users");
	p.invites = cJSON_AddArrayToObject(body, "invites");
	p.expired = cJSON_AddArrayToObject(body, "expired_invites");
	p.declined = cJSON_AddArrayToObject(body, "declined_invites");
	if (paged == 1 || *pat != '\0')
		rc = members_page(r->db, id, pat, paged == 1 ? MEMBERS_PER_PAGE :
		    INT32_MAX, paged == 1 ? (page - 1) * MEMBERS_PER_PAGE : 0,
		    &total, member_onto, &p);
	else
		rc = members_list(r->db, id, member_onto, &p);
	if (rc == 0)
		rc = invites_list_matching(r->db, id, pat, true, invite_onto, &p);
	free(pat);
	if (rc != 0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	if (paged == 1) {
		json_add_int(body, "page", page);
		json_add_int(body, "per_page", MEMBERS_PER_PAGE);
		json_add_int(body, "total", total);
	}
	reply_json(r, 200, body);
}

/* Does the caller ask for CSV (Accept: text/csv)? */
static bool
wants_csv(const struct req *r)
{
	return r->accept != NULL && strcasestr(r->accept, "text/csv") != NULL;
}

static void
entry_csv(const struct audit_entry *a, void *arg)
{
	struct csv	*c = arg;

	csv_int(c, a->id);
	csv_text(c, a->at);
	csv_text(c, a->actor_kind);
	if (a->actor_id != 0)
		csv_int(c, a->actor_id);
	else
		csv_text(c, "");
	csv_text(c, a->actor_name);
	csv_text(c, a->action);
	csv_text(c, a->details);
	csv_text(c, a->ip);
	csv_end_row(c);
}

/* The whole activity of client id as text/csv, newest first. */
static void
activity_csv(struct req *r, long long id)
{
	struct csv	 c = { 0 };
	long long	 total;
	const char	*head[] = { "id", "at", "actor_kind", "actor_id",
	    "actor_name", "action", "details", "ip" };
	char		 disp[80];
	size_t		 i;

	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		csv_text(&c, head[i]);
	csv_end_row(&c);
	if (audit_list(r->db, id, LONG_MAX, 0, &total, entry_csv, &c) != 0) {
		buf_release(&c.out);
		reply_db_error(r);
		return;
	}
	(void)str_printf(disp, sizeof(disp),
	    "attachment; filename=\"activity-%lld.csv\"", id);
	reply_header(r, "Content-Disposition", disp);
	reply_body(r, 200, "text/csv; charset=utf-8", c.out.data, c.out.len);
	buf_release(&c.out);
}

/*
 * GET /api/v1/account/activity?page=
 * 200 {entries:[{id, at, actor:{kind, id, name}, action, details, ip}],
 * page, per_page: 50, total}, newest first, as the admin's activity; with
 * Accept: text/csv every entry as CSV (csv.h: RFC 4180, formulas kept as
 * text), a download named activity-{client_id}.csv. 403 forbidden unless
 * the caller is the owner or holds "users"; 422 for a bad page.
 */
void
h_account_activity(struct req *r)
{
	long		 page;
	long long	 id, total;
	cJSON		*body, *list;

	if (manage_or_reply(r, &id) != 0 || input_page_or_reply(r, &page) != 0)
		return;
	if (wants_csv(r)) {
		activity_csv(r, id);
		return;
	}
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "entries");
	if (audit_list(r->db, id, ACTIVITY_PER_PAGE,
	    (page - 1) * ACTIVITY_PER_PAGE, &total, audit_entry_into, list) !=
	    0) {
		cJSON_Delete(body);
		reply_db_error(r);
		return;
	}
	json_add_int(body, "page", page);
	json_add_int(body, "per_page", ACTIVITY_PER_PAGE);
	json_add_int(body, "total", total);
	reply_json(r, 200, body);
}

/*
 * POST /api/v1/account/invites {email, permissions}
 * 201 {invite}; 403 forbidden (no right, or a permission the caller does
 * not hold); 409 already_member | invite_pending; 422; 429 invite_limit
 * (too many pending, or too many sent today: Retry-After).
 */
void
h_account_invite_create(struct req *r)
{
	struct flow	 f;
	struct invite	 inv;
	char		 email[EMAIL_MAX + 1];
	perms_t		 perms;
	long long	 id;
	enum err	 e;

	if (active_or_reply(r, &id) != 0 ||
	    input_email_or_reply(r, r->json, "email", "email", true, email) < 0 ||
	    input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0)
		return;
	req_flow(r, &f);
	e = access_invite_create(&f, id, email, perms, &inv);
	reply_invite(r, 201, e, &f, &inv);
}

/* Resend or cancel invitation {id} of the active account. */
static void
invite_change(struct req *r, enum err (*change)(struct flow *, long long,
    long long, struct invite *))
{
	struct flow	 f;
	struct invite	 inv;
	long long	 id;
	enum err	 e;

	if (active_or_reply(r, &id) != 0)
		return;
	req_flow(r, &f);
	e = change(&f, id, r->ids[0], &inv);
	reply_invite(r, 200, e, &f, &inv);
}

/*
 * POST /api/v1/account/invites/{id}/resend
 * 200 {invite}: a new token (the old link is dead) valid for a fresh
 * period; 403 (also when it grants a permission the caller lacks); 404
 * not_found; 409; 410 invite_used | invite_cancelled; 429
 * resend_too_soon | invite_limit (Retry-After).
 */
void
h_account_invite_resend(struct req *r)
{
	invite_change(r, access_invite_resend);
}

/*
 * POST /api/v1/account/invites/{id}/cancel
 * 200 {invite} with status cancelled; 403 (also when it grants a
 * permission the caller lacks); 404; 410 invite_used.
 */
void
h_account_invite_cancel(struct req *r)
{
	invite_change(r, access_invite_cancel);
}

/*
 * POST /api/v1/account/invites/bulk {emails: [at most 50], permissions}
 * 200 {results: [{email, status, invite?}]}, one per address in order:
 * "invited" (with the invite), "already_member", "invite_pending",
 * "invalid" (not an address we accept) or "limited" (over a cap of
 * DESIGN.md section 5: pending invitations, emails a day from the
 * account or to the address). Each invitation is its own transaction,
 * through access_invite_create(), so one refused address leaves the
 * others sent. 403 forbidden (no right, or a permission the caller does
 * not hold: nothing is sent); 422 (no list, more than 50, not strings,
 * permissions); 503 if the database fails part way (those invited before
 * stay invited: sending the list again reports them invite_pending).
 */
/* The list of a bulk invite: 1 to 50 strings, or 422 sent and NULL. */
static const cJSON *
bulk_list_or_reply(struct req *r)
{
	const cJSON	*list, *item;

	list = cJSON_GetObjectItemCaseSensitive(r->json, "emails");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
	    cJSON_GetArraySize(list) > BULK_MAX) {
		reply_err_msg(r, ERR_INVALID_INPUT, "emails", "emails is a "
		    "list of 1 to 50 addresses.");
		return NULL;
	}
	cJSON_ArrayForEach(item, list)
		if (!cJSON_IsString(item) || strlen(item->valuestring) >
		    INPUT_STR_MAX) {
			reply_err_msg(r, ERR_INVALID_INPUT, "emails", "Each "
			    "entry of emails is a string.");
			return NULL;
		}
	return list;
}

/*
 * One address of a bulk invite, its result added to one: 0, or -1 when
 * the fault (forbidden for one is forbidden for all, or the database
 * failed) is the whole answer, left in f.
 */
static int
bulk_one(struct req *r, struct flow *f, long long id, const char *typed,
    perms_t perms, cJSON *one)
{
	struct invite	 inv;
	char		 email[EMAIL_MAX + 1];
	const char	*status;

	if (email_check(typed, email, sizeof(email)) != NULL) {
		cJSON_AddStringToObject(one, "email", typed);
		cJSON_AddStringToObject(one, "status", "invalid");
		return 0;
	}
	cJSON_AddStringToObject(one, "email", email);
	req_flow(r, f);
	switch (access_invite_create(f, id, email, perms, &inv)) {
	case ERR_NONE:
		status = "invited";
		cJSON_AddItemToObject(one, "invite", invite_to_json(&inv));
		break;
	case ERR_ALREADY_MEMBER:
		status = "already_member";
		break;
	case ERR_INVITE_PENDING:
		status = "invite_pending";
		break;
	case ERR_INVITE_LIMIT:
		status = "limited";
		break;
	default:
		return -1;
	}
	cJSON_AddStringToObject(one, "status", status);
	return 0;
}

void
h_account_invite_bulk(struct req *r)
{
	struct flow	 f;
	const cJSON	*list, *item;
	perms_t		 perms;
	long long	 id;
	cJSON		*body, *results, *one;

	if (active_or_reply(r, &id) != 0 ||
	    (list = bulk_list_or_reply(r)) == NULL)
		return;
	if (input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0)
		return;
	body = cJSON_CreateObject();
	results = cJSON_AddArrayToObject(body, "results");
	cJSON_ArrayForEach(item, list) {
		one = cJSON_CreateObject();
		cJSON_AddItemToArray(results, one);
		if (bulk_one(r, &f, id, item->valuestring, perms, one) != 0) {
			cJSON_Delete(body);
			reply_fault(r, &f.fault);
			return;
		}
	}
	reply_json(r, 200, body);
}

/*
 * PATCH /api/v1/account/invites/{id} {permissions}
 * 200 {invite} with the new permissions; the token, its link and its
 * validity unchanged, no email sent. 403 forbidden (no right, an
 * invitation granting more than the caller holds, or granting what it
 * lacks); 404 not_found; 410 invite_used | invite_cancelled (cancelled
 * or declined) | invite_expired (resend it first); 422.
 */
void
h_account_invite_update(struct req *r)
{
	struct flow	 f;
	struct invite	 inv;
	perms_t		 perms;
	long long	 id;
	enum err	 e;

	if (active_or_reply(r, &id) != 0 ||
	    input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0)
		return;
	req_flow(r, &f);
	e = access_invite_update(&f, id, r->ids[0], perms, &inv);
	reply_invite(r, 200, e, &f, &inv);
}

/*
 * POST /api/v1/account/invites/{id}/dismiss
 * 200 {invite}: an expired invitation leaves the list with status
 * cancelled; a declined one leaves it and stays declined. 403; 404; 409
 * invite_pending (still usable: cancel it instead); 410 invite_used.
 */
void
h_account_invite_dismiss(struct req *r)
{
	invite_change(r, access_invite_dismiss);
}

/*
 * PATCH /api/v1/account/users/{user_id} {permissions}
 * 200 {member}; 403 forbidden (no right, the owner, one who can do more
 * than the caller, or granting what the caller lacks); 404 not_found;
 * 409 owner_protected; 422.
 */
void
h_account_user_update(struct req *r)
{
	struct flow	 f;
	struct member	 m;
	perms_t		 perms;
	long long	 id;
	enum err	 e;

	if (active_or_reply(r, &id) != 0 ||
	    input_perms_or_reply(r, r->json, "permissions", "permissions", true,
	    &perms) < 0)
		return;
	req_flow(r, &f);
	e = access_member_update(&f, id, r->ids[0], perms, &m);
	reply_member(r, 200, e, &f, &m);
}

/*
 * DELETE /api/v1/account/users/{user_id}
 * 204: access removed, or the caller left; 403 (also a member holding
 * what the caller lacks); 404; 409 owner_protected.
 */
void
h_account_user_remove(struct req *r)
{
	struct flow	 f;
	long long	 id;

	if (active_or_reply(r, &id) != 0)
		return;
	req_flow(r, &f);
	if (access_member_remove(&f, id, r->ids[0]) != ERR_NONE)
		reply_fault(r, &f.fault);
	else
		reply_empty(r, 204);
}
