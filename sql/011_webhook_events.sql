-- 011_webhook_events: every event of DESIGN §10.2, written by triggers on
-- users, clients, client_users and invites in the transaction of the
-- change, so that every flow that changes those rows announces it, the
-- ones written later included, and a rollback takes the events with it.
--
-- Each trigger asks memberd_webhook_wanted() first: with no enabled
-- endpoint whose filter matches, it builds nothing and writes nothing;
-- otherwise it builds the data and calls memberd_webhook_send(), the
-- part of memberd_webhook_emit() after its checks.
-- The WHEN clauses keep the triggers of invisible changes (a login's
-- last_login_at, a password, the TOTP columns, the pending_invites
-- counter) from running at all.
--
-- The data are the objects of DESIGN §4, built here as views.c builds
-- them for the API (keep the two in step): {"user"}, {"client"},
-- {"member"} (with client_id), {"invite"}. An update says which visible
-- fields changed, with their old values, in "previous".

-- Speed. A SQL function that PostgreSQL cannot inline (one with a
-- subquery, a FROM or an aggregate) is planned again at every call from
-- a trigger: hundreds of microseconds each. So the helpers below are
-- either one expression (inlined where they are used) or PL/pgSQL
-- (planned once per session).

-- 010's filter test had a subquery: the same test as one expression, for
-- the patterns memberctl admits ("*", "kind.*", "kind.action") and the
-- event types emit admits (kind.action).
CREATE OR REPLACE FUNCTION memberd_webhook_matches(patterns text[],
    event_type text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT '*' = ANY (patterns) OR event_type = ANY (patterns)
		OR split_part(event_type, '.', 1) || '.*' = ANY (patterns)
$$;

-- Is any enabled endpoint listening for event_type?
CREATE FUNCTION memberd_webhook_wanted(event_type text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM webhook_endpoints e
		WHERE e.enabled AND memberd_webhook_matches(e.events, event_type));
END
$$;

-- 010 woke the deliverers with a statement trigger on
-- webhook_deliveries, which ran for every emit, rows or none (and a
-- transaction that notifies takes a database-wide lock at commit), and
-- cost more than the row it followed. emit notifies itself, only when it
-- wrote rows, and returns before building a body nobody wants.
DROP TRIGGER webhook_deliveries_notify ON webhook_deliveries;
DROP FUNCTION webhook_deliveries_notify();

-- The rows and the NOTIFY of an event whose type is checked and wanted:
-- what emit does after its checks, and what the triggers below call
-- after asking memberd_webhook_wanted() themselves. The event's id.
CREATE FUNCTION memberd_webhook_send(event_type text, data jsonb)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	eid	text := 'msg_' || replace(gen_random_uuid()::text, '-', '');
	n	bigint;
BEGIN
	INSERT INTO webhook_deliveries (event_id, type, payload, endpoint_id)
	SELECT eid, event_type, jsonb_build_object('id', eid,
		'type', event_type, 'created_at', rfc3339(now()),
		'data', COALESCE(data, '{}'::jsonb)), e.id
	FROM webhook_endpoints e
	WHERE e.enabled AND memberd_webhook_matches(e.events, event_type);
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n > 0 THEN
		-- sent at commit, once however many events asked
		PERFORM pg_notify('memberd_webhooks', '');
	END IF;
	RETURN eid;
END
$$;

CREATE OR REPLACE FUNCTION memberd_webhook_emit(event_type text, data jsonb)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	IF event_type IS NULL OR event_type !~ '^[a-z][a-z_]*\.[a-z][a-z_]*$'
	THEN
		RAISE EXCEPTION 'webhook event type "%" is not kind.action',
			event_type USING ERRCODE = '22023';
	END IF;
	IF NOT memberd_webhook_wanted(event_type) THEN
		RETURN 'msg_' || replace(gen_random_uuid()::text, '-', '');
	END IF;
	RETURN memberd_webhook_send(event_type, data);
END
$$;

-- Permission keys as the API lists them: in the order of §3.
CREATE FUNCTION memberd_webhook_perms(p text[])
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	k	text;
	o	text[] := '{}';
BEGIN
	FOREACH k IN ARRAY memberd_permission_keys() LOOP
		IF k = ANY (p) THEN
			o := o || k;
		END IF;
	END LOOP;
	RETURN to_jsonb(o);
END
$$;

-- The user object (§4, with §8's status and two_factor).
CREATE FUNCTION memberd_webhook_user(u users)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', u.id, 'email', u.email,
		'first_name', u.first_name, 'last_name', u.last_name,
		'email_verified', u.email_verified_at IS NOT NULL,
		'created_at', rfc3339(u.created_at),
		'last_login_at', rfc3339(u.last_login_at),
		'status', u.status,
		'two_factor', u.totp_enabled_at IS NOT NULL)
$$;

CREATE FUNCTION memberd_webhook_client(c clients)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', c.id, 'company_name', c.company_name,
		'first_name', c.first_name, 'last_name', c.last_name,
		'status', c.status, 'owner_user_id', c.owner_user_id,
		'created_at', rfc3339(c.created_at))
$$;

-- The member object of a client_users row, with its client_id; NULL when
-- its user or its client is gone (a cascade: see the DELETE triggers).
-- The owner holds every permission, whatever the row says.
CREATE FUNCTION memberd_webhook_member(m client_users)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	u	users;
	owner	bigint;
BEGIN
	SELECT * INTO u FROM users WHERE id = m.user_id;
	SELECT owner_user_id INTO owner FROM clients WHERE id = m.client_id;
	IF u.id IS NULL OR owner IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN jsonb_build_object('client_id', m.client_id,
		'user_id', m.user_id, 'email', u.email,
		'first_name', u.first_name, 'last_name', u.last_name,
		'is_owner', owner = m.user_id,
		'permissions', memberd_webhook_perms(CASE WHEN owner = m.user_id
			THEN memberd_permission_keys() ELSE m.permissions END),
		'last_login_at', rfc3339(u.last_login_at),
		'added_at', rfc3339(m.added_at),
		'two_factor', u.totp_enabled_at IS NOT NULL);
END
$$;

-- The invite object; its status and delivery as INVITE_COLS reads them.
CREATE FUNCTION memberd_webhook_invite(i invites)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	mail	text;
BEGIN
	SELECT state INTO mail FROM email_queue WHERE id = i.last_email_id;
	RETURN jsonb_build_object('id', i.id, 'client_id', i.client_id,
		'email', i.email,
		'permissions', memberd_webhook_perms(i.permissions),
		'status', CASE WHEN i.status = 'pending' AND i.expires_at <= now()
			THEN 'expired' ELSE i.status END,
		'created_at', rfc3339(i.created_at),
		'expires_at', rfc3339(i.expires_at),
		'last_sent_at', rfc3339(i.last_sent_at),
		'sent_count', i.sent_count,
		'delivery', CASE WHEN mail IS NULL THEN 'sent'
			WHEN mail = 'sending' THEN 'queued' ELSE mail END,
		'invited_by', jsonb_build_object('kind', i.created_by_kind,
			'name', i.inviter_name));
END
$$;

-- The old values of the keys whose values differ between two objects.
CREATE FUNCTION memberd_webhook_previous(old jsonb, new jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	k	text;
	v	jsonb;
	o	jsonb := '{}';
BEGIN
	FOR k, v IN SELECT * FROM jsonb_each(old) LOOP
		IF new -> k IS DISTINCT FROM v THEN
			o := o || jsonb_build_object(k, v);
		END IF;
	END LOOP;
	RETURN o;
END
$$;

-- users: user.created, user.updated (a visible field: email, names,
-- email_verified, status, two_factor; not a login's last_login_at),
-- user.deleted. Deleting a user takes its memberships by cascade, when
-- its user row is gone already: their member.removed are emitted before,
-- while both are there.
CREATE FUNCTION users_webhook() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	obj	jsonb;
	m	client_users;
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF memberd_webhook_wanted('user.created') THEN
			PERFORM memberd_webhook_send('user.created',
				jsonb_build_object('user', memberd_webhook_user(NEW)));
		END IF;
	ELSIF TG_OP = 'UPDATE' THEN
		IF memberd_webhook_wanted('user.updated') THEN
			obj := memberd_webhook_user(NEW);
			PERFORM memberd_webhook_send('user.updated',
				jsonb_build_object('user', obj, 'previous',
				memberd_webhook_previous(
				memberd_webhook_user(OLD) - 'last_login_at', obj)));
		END IF;
	ELSIF TG_WHEN = 'BEFORE' THEN
		IF memberd_webhook_wanted('member.removed') THEN
			FOR m IN SELECT * FROM client_users WHERE user_id = OLD.id
			    ORDER BY client_id LOOP
				PERFORM memberd_webhook_send('member.removed',
					jsonb_build_object('member',
					memberd_webhook_member(m)));
			END LOOP;
		END IF;
		RETURN OLD;
	ELSE
		IF memberd_webhook_wanted('user.deleted') THEN
			PERFORM memberd_webhook_send('user.deleted',
				jsonb_build_object('user', memberd_webhook_user(OLD)));
		END IF;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER users_webhook_insert AFTER INSERT ON users
	FOR EACH ROW EXECUTE FUNCTION users_webhook();
CREATE TRIGGER users_webhook_update AFTER UPDATE ON users FOR EACH ROW
	WHEN (OLD.email IS DISTINCT FROM NEW.email
	    OR OLD.first_name IS DISTINCT FROM NEW.first_name
	    OR OLD.last_name IS DISTINCT FROM NEW.last_name
	    OR (OLD.email_verified_at IS NULL) <> (NEW.email_verified_at IS NULL)
	    OR OLD.status IS DISTINCT FROM NEW.status
	    OR (OLD.totp_enabled_at IS NULL) <> (NEW.totp_enabled_at IS NULL))
	EXECUTE FUNCTION users_webhook();
CREATE TRIGGER users_webhook_members BEFORE DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION users_webhook();
CREATE TRIGGER users_webhook_delete AFTER DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION users_webhook();

-- clients: client.created; client.owner_changed when the owner changes
-- (with the previous owner's id), client.updated when another visible
-- field does (both when both do). Deleting a client (no flow does)
-- emits member.removed for its members, as deleting a user does.
CREATE FUNCTION clients_webhook() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	obj	jsonb;
	prev	jsonb;
	m	client_users;
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF memberd_webhook_wanted('client.created') THEN
			PERFORM memberd_webhook_send('client.created',
				jsonb_build_object('client',
				memberd_webhook_client(NEW)));
		END IF;
	ELSIF TG_OP = 'UPDATE' THEN
		obj := memberd_webhook_client(NEW);
		IF OLD.owner_user_id <> NEW.owner_user_id AND
		    memberd_webhook_wanted('client.owner_changed') THEN
			PERFORM memberd_webhook_send('client.owner_changed',
				jsonb_build_object('client', obj,
				'previous_owner_user_id', OLD.owner_user_id));
		END IF;
		prev := memberd_webhook_previous(
			memberd_webhook_client(OLD) - 'owner_user_id', obj);
		IF prev <> '{}'::jsonb AND
		    memberd_webhook_wanted('client.updated') THEN
			PERFORM memberd_webhook_send('client.updated',
				jsonb_build_object('client', obj,
				'previous', prev));
		END IF;
	ELSE
		IF memberd_webhook_wanted('member.removed') THEN
			FOR m IN SELECT * FROM client_users
			    WHERE client_id = OLD.id ORDER BY user_id LOOP
				PERFORM memberd_webhook_send('member.removed',
					jsonb_build_object('member',
					memberd_webhook_member(m)));
			END LOOP;
		END IF;
		RETURN OLD;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER clients_webhook_insert AFTER INSERT ON clients
	FOR EACH ROW EXECUTE FUNCTION clients_webhook();
CREATE TRIGGER clients_webhook_update AFTER UPDATE ON clients FOR EACH ROW
	WHEN (OLD.company_name IS DISTINCT FROM NEW.company_name
	    OR OLD.first_name IS DISTINCT FROM NEW.first_name
	    OR OLD.last_name IS DISTINCT FROM NEW.last_name
	    OR OLD.status IS DISTINCT FROM NEW.status
	    OR OLD.owner_user_id IS DISTINCT FROM NEW.owner_user_id)
	EXECUTE FUNCTION clients_webhook();
CREATE TRIGGER clients_webhook_members BEFORE DELETE ON clients
	FOR EACH ROW EXECUTE FUNCTION clients_webhook();

-- client_users: member.added, member.updated (permissions), member.removed.
-- member.updated waits for the commit, to see the account as the
-- transaction leaves it: an owner change first grants the new owner
-- every permission, which is no change for an owner (who holds them all
-- whatever the row says), and client.owner_changed tells it.
CREATE FUNCTION client_users_webhook() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	obj	jsonb;
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF memberd_webhook_wanted('member.added') THEN
			PERFORM memberd_webhook_send('member.added',
				jsonb_build_object('member',
				memberd_webhook_member(NEW)));
		END IF;
	ELSIF TG_OP = 'UPDATE' THEN
		IF memberd_webhook_wanted('member.updated') THEN
			SELECT memberd_webhook_member(cu) INTO obj
			FROM client_users cu WHERE cu.client_id = NEW.client_id
			AND cu.user_id = NEW.user_id;
			IF NOT (obj ->> 'is_owner')::boolean AND
			    obj -> 'permissions' <>
			    memberd_webhook_perms(OLD.permissions) THEN
				PERFORM memberd_webhook_send('member.updated',
					jsonb_build_object('member', obj,
					'previous', jsonb_build_object(
					'permissions',
					memberd_webhook_perms(OLD.permissions))));
			END IF;
		END IF;
	ELSE
		-- NULL: its user or client is being deleted, whose trigger
		-- emitted member.removed while the rows were there
		IF memberd_webhook_wanted('member.removed') THEN
			obj := memberd_webhook_member(OLD);
			IF obj IS NOT NULL THEN
				PERFORM memberd_webhook_send('member.removed',
					jsonb_build_object('member', obj));
			END IF;
		END IF;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER client_users_webhook_insert AFTER INSERT ON client_users
	FOR EACH ROW EXECUTE FUNCTION client_users_webhook();
CREATE CONSTRAINT TRIGGER client_users_webhook_update
	AFTER UPDATE OF permissions ON client_users
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.permissions IS DISTINCT FROM NEW.permissions)
	EXECUTE FUNCTION client_users_webhook();
CREATE TRIGGER client_users_webhook_delete AFTER DELETE ON client_users
	FOR EACH ROW EXECUTE FUNCTION client_users_webhook();

-- invites: invite.created; a change of status to accepted, cancelled,
-- expired or declined gives that event (accepted with the user's id); a
-- new token or sending while pending (a resend, an expired one's revival
-- included) gives invite.resent. A change of permissions alone (PATCH
-- /account/invites/{id}) has no event type in §10.2 and emits none.
CREATE FUNCTION invites_webhook() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	t	text;
	data	jsonb;
BEGIN
	IF TG_OP = 'INSERT' THEN
		t := CASE WHEN NEW.status = 'pending' THEN 'invite.created' END;
	ELSIF NEW.status IS DISTINCT FROM OLD.status AND
	    NEW.status <> 'pending' THEN
		t := CASE NEW.status WHEN 'accepted' THEN 'invite.accepted'
			WHEN 'cancelled' THEN 'invite.cancelled'
			WHEN 'expired' THEN 'invite.expired'
			WHEN 'declined' THEN 'invite.declined' END;
	ELSIF NEW.status = 'pending' THEN
		t := 'invite.resent';
	END IF;
	IF t IS NULL OR NOT memberd_webhook_wanted(t) THEN
		RETURN NULL;
	END IF;
	data := jsonb_build_object('invite', memberd_webhook_invite(NEW));
	IF t = 'invite.accepted' THEN
		data := data || jsonb_build_object('accepted_by_user_id',
			NEW.accepted_by_user_id);
	END IF;
	PERFORM memberd_webhook_send(t, data);
	RETURN NULL;
END
$$;

CREATE TRIGGER invites_webhook_insert AFTER INSERT ON invites
	FOR EACH ROW EXECUTE FUNCTION invites_webhook();
CREATE TRIGGER invites_webhook_update AFTER UPDATE ON invites FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status
	    OR OLD.token_hash IS DISTINCT FROM NEW.token_hash
	    OR OLD.last_sent_at IS DISTINCT FROM NEW.last_sent_at)
	EXECUTE FUNCTION invites_webhook();
