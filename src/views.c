/* views.c: JSON from the domain's structs; see views.h. */
#include "clients.h"
#include "invites.h"
#include "json.h"
#include "outbox.h"
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
