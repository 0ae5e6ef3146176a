/*
 * views.h: the API's JSON objects (DESIGN.md section 4), made from the
 * plain structs of the domain (model.h) at the edge. The caller owns what
 * they return.
 */
#ifndef MEMBERD_VIEWS_H
#define MEMBERD_VIEWS_H

#include <cjson/cJSON.h>

#include "model.h"

/* {id, client_id, email, permissions, status, created_at, expires_at,
 * last_sent_at, sent_count, delivery, invited_by: {kind, name}} */
cJSON	*invite_to_json(const struct invite *);
/* {user_id, email, first_name, last_name, is_owner, permissions,
 * last_login_at, added_at} */
cJSON	*member_to_json(const struct member *);
/* {id, company_name, first_name, last_name, status, owner_user_id,
 * created_at} */
cJSON	*client_to_json(const struct client *);

#endif
