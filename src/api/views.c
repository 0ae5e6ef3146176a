/* views.c: JSON from the domain's structs, and answers; see views.h. */
#include "audit.h"
#include "clients.h"
#include "flow.h"
#include "identity.h"
#include "http.h"
#include "invite_link.h"
#include "invites.h"
#include "json.h"
#include "members.h"
#include "outbox.h"
#include "users.h"
#include "views.h"
#include "banned.h"

/* A time, or null for "" (never). */
static void
add_time(cJSON *o, const char *key, const char *t)
{
	if (*t == '\0')
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, t);
}

cJSON *
invite_to_json(const struct invite *inv)
{
	cJSON	*o = cJSON_CreateObject(), *by;

	json_add_int(o, "id", inv->id);
	json_add_int(o, "client_id", inv->client_id);
	cJSON_AddStringToObject(o, "email", inv->email);
	cJSON_AddItemToObject(o, "permissions", perms_to_json(inv->perms));
	cJSON_AddStringToObject(o, "status", invite_status_name(inv->status));
	cJSON_AddStringToObject(o, "created_at", inv->created_at);
	cJSON_AddStringToObject(o, "expires_at", inv->expires_at);
	cJSON_AddStringToObject(o, "last_sent_at", inv->last_sent_at);
	json_add_int(o, "sent_count", inv->sent_count);
	/* a mail being sent is not delivered yet */
	cJSON_AddStringToObject(o, "delivery", mail_state_name(
	    inv->delivery == MAIL_SENDING ? MAIL_QUEUED : inv->delivery));
	by = cJSON_AddObjectToObject(o, "invited_by");
	cJSON_AddStringToObject(by, "kind", inv->inviter_kind == ACTOR_ADMIN ?
	    "admin" : "user");
	cJSON_AddStringToObject(by, "name", inv->inviter_name);
	return o;
}

cJSON *
invite_link_to_json(const struct invite_link *l)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "client_name", l->client_name);
	cJSON_AddStringToObject(o, "inviter_name", l->inviter);
	cJSON_AddStringToObject(o, "inviter_kind", l->inviter_kind ==
	    ACTOR_ADMIN ? "admin" : "user");
	cJSON_AddStringToObject(o, "email", l->email);
	cJSON_AddItemToObject(o, "permissions", perms_to_json(l->perms));
	cJSON_AddStringToObject(o, "expires_at", l->expires_at);
	return o;
}

cJSON *
member_to_json(const struct member *m)
{
	cJSON	*o = cJSON_CreateObject();

	json_add_int(o, "user_id", m->user_id);
	cJSON_AddStringToObject(o, "email", m->email);
	cJSON_AddStringToObject(o, "first_name", m->first_name);
	cJSON_AddStringToObject(o, "last_name", m->last_name);
	cJSON_AddBoolToObject(o, "is_owner", m->is_owner);
	cJSON_AddItemToObject(o, "permissions", perms_to_json(m->perms));
	add_time(o, "last_login_at", m->last_login_at);
	cJSON_AddStringToObject(o, "added_at", m->added_at);
	/* so the owner sees who lacks it (DESIGN §8.3) */
	cJSON_AddBoolToObject(o, "two_factor", m->two_factor);
	return o;
}

cJSON *
client_to_json(const struct client *c)
{
	cJSON	*o = cJSON_CreateObject();

	json_add_int(o, "id", c->id);
	cJSON_AddStringToObject(o, "company_name", c->company_name);
	cJSON_AddStringToObject(o, "first_name", c->first_name);
	cJSON_AddStringToObject(o, "last_name", c->last_name);
	cJSON_AddStringToObject(o, "status", client_status_name(c->status));
	json_add_int(o, "owner_user_id", c->owner_user_id);
	cJSON_AddStringToObject(o, "created_at", c->created_at);
	return o;
}

cJSON *
user_to_json(const struct user *u)
{
	cJSON	*o = cJSON_CreateObject();

	json_add_int(o, "id", u->id);
	cJSON_AddStringToObject(o, "email", u->email);
	cJSON_AddStringToObject(o, "first_name", u->first_name);
	cJSON_AddStringToObject(o, "last_name", u->last_name);
	cJSON_AddBoolToObject(o, "email_verified", u->email_verified);
	cJSON_AddStringToObject(o, "created_at", u->created_at);
	add_time(o, "last_login_at", u->last_login_at);
	cJSON_AddStringToObject(o, "status", u->status);
	cJSON_AddBoolToObject(o, "two_factor", u->two_factor);
	return o;
}

cJSON *
session_to_json(const struct session_info *s)
{
	cJSON	*o = cJSON_CreateObject();

	json_add_int(o, "id", s->id);
	cJSON_AddStringToObject(o, "created_at", s->created_at);
	cJSON_AddStringToObject(o, "last_seen_at", s->last_seen_at);
	if (s->has_ip)
		cJSON_AddStringToObject(o, "ip", s->ip);
	else
		cJSON_AddNullToObject(o, "ip");
	if (s->has_user_agent)
		cJSON_AddStringToObject(o, "user_agent", s->user_agent);
	else
		cJSON_AddNullToObject(o, "user_agent");
	cJSON_AddBoolToObject(o, "current", s->current);
	cJSON_AddBoolToObject(o, "impersonated", s->impersonated);
	return o;
}

cJSON *
account_to_json(const struct account *a)
{
	cJSON	*o = cJSON_CreateObject();

	json_add_int(o, "client_id", a->client_id);
	cJSON_AddStringToObject(o, "company_name", a->company_name);
	cJSON_AddBoolToObject(o, "is_owner", a->is_owner);
	cJSON_AddItemToObject(o, "permissions", perms_to_json(a->perms));
	cJSON_AddStringToObject(o, "status", client_status_name(a->status));
	cJSON_AddBoolToObject(o, "require_2fa", a->require_2fa);
	cJSON_AddStringToObject(o, "owner_name", a->owner_name);
	return o;
}

/* Where list callbacks put what they are given. */
struct lists {
	cJSON		*out;
	cJSON		*expired;	/* NULL: expired ones go to out */
	long long	 first_open;
};

static void
invite_into(const struct invite *inv, void *arg)
{
	struct lists	*l = arg;

	cJSON_AddItemToArray(l->expired != NULL &&
	    inv->status == INVITE_EXPIRED ? l->expired : l->out,
	    invite_to_json(inv));
}

int
invites_list_json(struct db *db, long long client_id, cJSON **out,
    cJSON **expired)
{
	struct lists	l = { cJSON_CreateArray(), NULL, 0 };

	if (expired != NULL)
		l.expired = *expired = cJSON_CreateArray();
	*out = l.out;
	if (invites_list(db, client_id, invite_into, &l) == 0)
		return 0;
	cJSON_Delete(l.out);
	cJSON_Delete(l.expired);
	*out = NULL;
	if (expired != NULL)
		*expired = NULL;
	return -1;
}

static void
member_into(const struct member *m, void *arg)
{
	cJSON_AddItemToArray(((struct lists *)arg)->out, member_to_json(m));
}

int
clients_members_json(struct db *db, long long id, cJSON **out)
{
	struct lists	l = { cJSON_CreateArray(), NULL, 0 };

	if (members_list(db, id, member_into, &l) != 0) {
		cJSON_Delete(l.out);
		return -1;
	}
	*out = l.out;
	return 0;
}

int
people_json(struct db *db, long long client_id, bool expired_apart,
    cJSON *body)
{
	cJSON	*users = NULL, *invites = NULL, *expired = NULL;

	if (clients_members_json(db, client_id, &users) != 0 ||
	    invites_list_json(db, client_id, &invites, expired_apart ?
	    &expired : NULL) != 0) {
		cJSON_Delete(users);
		return -1;
	}
	cJSON_AddItemToObject(body, "users", users);
	cJSON_AddItemToObject(body, "invites", invites);
	if (expired_apart)
		cJSON_AddItemToObject(body, "expired_invites", expired);
	return 0;
}

int
clients_get_json(struct db *db, long long id, cJSON **out)
{
	struct client	c;
	int		rc;

	if ((rc = clients_get(db, id, &c)) == 1)
		*out = client_to_json(&c);
	return rc;
}

int
users_get_json(struct db *db, long long id, cJSON **out)
{
	struct user	u;
	int		rc;

	if ((rc = users_get(db, id, &u)) == 1)
		*out = user_to_json(&u);
	return rc;
}

/* The accounts of a user, and whether the user has 2FA (first_open). */
struct account_lists {
	struct lists	 l;
	bool		 two_factor;
};

static void
account_into(const struct account *a, void *arg)
{
	struct account_lists	*al = arg;
	struct lists		*l = &al->l;

	cJSON_AddItemToArray(l->out, account_to_json(a));
	if (l->first_open == 0 && a->status != CLIENT_CLOSED &&
	    (al->two_factor || !a->require_2fa))
		l->first_open = a->client_id;
}

int
accounts_json(struct db *db, long long user_id, cJSON **out,
    long long *first_open)
{
	return accounts_json_2fa(db, user_id, true, out, first_open);
}

int
accounts_json_2fa(struct db *db, long long user_id, bool two_factor,
    cJSON **out, long long *first_open)
{
	struct account_lists	al = { { cJSON_CreateArray(), NULL, 0 },
				    two_factor };

	if (users_accounts(db, user_id, account_into, &al) != 0) {
		cJSON_Delete(al.l.out);
		return -1;
	}
	*out = al.l.out;
	if (first_open != NULL)
		*first_open = al.l.first_open;
	return 0;
}

void
reply_invite(struct req *r, int status, enum err e, const struct flow *f,
    const struct invite *inv)
{
	if (e != ERR_NONE)
		reply_fault(r, &f->fault);
	else
		reply_wrapped_json(r, status, "invite", invite_to_json(inv));
}

void
reply_member(struct req *r, int status, enum err e, const struct flow *f,
    const struct member *m)
{
	if (e != ERR_NONE)
		reply_fault(r, &f->fault);
	else
		reply_wrapped_json(r, status, "member", member_to_json(m));
}

void
audit_entry_into(const struct audit_entry *a, void *arg)
{
	cJSON	*e = cJSON_CreateObject(), *actor;

	json_add_int(e, "id", a->id);
	cJSON_AddStringToObject(e, "at", a->at);
	actor = cJSON_AddObjectToObject(e, "actor");
	cJSON_AddStringToObject(actor, "kind", a->actor_kind);
	if (a->actor_id == 0)
		cJSON_AddNullToObject(actor, "id");
	else
		json_add_int(actor, "id", a->actor_id);
	cJSON_AddStringToObject(actor, "name", a->actor_name);
	cJSON_AddStringToObject(e, "action", a->action);
	cJSON_AddItemToObject(e, "details", cJSON_Parse(a->details));
	if (a->ip == NULL)
		cJSON_AddNullToObject(e, "ip");
	else
		cJSON_AddStringToObject(e, "ip", a->ip);
	cJSON_AddItemToArray(arg, e);
}
