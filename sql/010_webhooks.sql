-- 010_webhooks: endpoints that operators register and the deliveries that
-- memberd-webhooks makes to them (DESIGN §2, §10.2).
--
-- The event's body lives on each delivery row, not in a separate events
-- table: the deliverer reads one row and needs no join, deleting an
-- endpoint takes its rows with it, and an event rarely goes to more than a
-- few endpoints, so the copies cost little. The rows of one event share
-- event_id (the Standard Webhooks webhook-id).

CREATE TABLE webhook_endpoints (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	url		text NOT NULL
			CHECK (url ~ '^https?://[^[:space:][:cntrl:]]+$'
			AND length(url) <= 2048),
	-- patterns: '*', 'invite.*', 'member.added'
	events		text[] NOT NULL CHECK (cardinality(events) > 0),
	-- the whsec_ secret sealed by secretbox (AES-256-GCM, key outside
	-- the database): base64 of version, nonce, ciphertext and tag
	secret_sealed	text NOT NULL,
	enabled		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- the first failure since the last success; a day of it disables
	failing_since	timestamptz,
	disabled_at	timestamptz,
	disabled_reason	text
);

CREATE TABLE webhook_deliveries (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id	text NOT NULL,
	type		text NOT NULL,
	-- the body, fixed at emit time: {"id", "type", "created_at", "data"};
	-- sent as payload::text, which is the same text at every attempt
	payload		jsonb NOT NULL,
	endpoint_id	bigint NOT NULL REFERENCES webhook_endpoints (id)
			ON DELETE CASCADE,
	state		text NOT NULL DEFAULT 'queued' CHECK (state IN
			('queued', 'sending', 'delivered', 'failed', 'dead')),
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	-- the claim: who (an id unique per process start), the key of the
	-- session advisory lock it holds while alive, and the lease fallback
	locked_by	text,
	claim_lock	bigint,
	lease_until	timestamptz,
	last_attempt_at	timestamptz,
	last_status	integer,
	-- why the last attempt failed: the first 1 KiB of the answer, or the
	-- connection error
	last_error	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	delivered_at	timestamptz,
	UNIQUE (event_id, endpoint_id)
);

-- The rows still to deliver, per endpoint in order: the claim looks at
-- each endpoint's oldest one.
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, id)
	WHERE state IN ('queued', 'sending', 'failed');
CREATE INDEX webhook_deliveries_sending ON webhook_deliveries (locked_by)
	WHERE state = 'sending';
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (id DESC, state);

-- Whether an event type matches a filter: '*' everything, 'invite.*'
-- every type of that kind, anything else exactly.
CREATE FUNCTION memberd_webhook_matches(patterns text[], event_type text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT EXISTS (SELECT 1 FROM unnest(patterns) p WHERE
		p = '*' OR p = event_type OR
		(right(p, 2) = '.*' AND
		 left(event_type, length(p) - 1) = left(p, length(p) - 1)))
$$;

-- The one call the access flows make, inside their own transaction: one
-- delivery row per enabled endpoint whose filter matches, with the body
-- fixed now. Returns the event id. A transaction that rolls back takes
-- its rows with it; the NOTIFY below is only sent at commit.
CREATE FUNCTION memberd_webhook_emit(event_type text, data jsonb)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	eid	text := 'msg_' || replace(gen_random_uuid()::text, '-', '');
	body	jsonb;
BEGIN
	IF event_type IS NULL OR event_type !~ '^[a-z][a-z_]*\.[a-z][a-z_]*$'
	THEN
		RAISE EXCEPTION 'webhook event type "%" is not kind.action',
			event_type USING ERRCODE = '22023';
	END IF;
	body := jsonb_build_object('id', eid, 'type', event_type,
		'created_at', to_char(now() AT TIME ZONE 'UTC',
			'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		'data', COALESCE(data, '{}'::jsonb));
	INSERT INTO webhook_deliveries (event_id, type, payload, endpoint_id)
	SELECT eid, event_type, body, e.id FROM webhook_endpoints e
	WHERE e.enabled AND memberd_webhook_matches(e.events, event_type);
	RETURN eid;
END
$$;

-- Wake the deliverers when the emitting transaction commits.
CREATE FUNCTION webhook_deliveries_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('memberd_webhooks', '');
	RETURN NULL;
END
$$;

CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
	FOR EACH STATEMENT EXECUTE FUNCTION webhook_deliveries_notify();
