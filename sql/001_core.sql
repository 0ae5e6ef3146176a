-- 001_core: the outbound mail queue (transactional outbox) and helpers.

-- Times in the API are RFC 3339 UTC with second precision.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

CREATE TABLE email_queue (
	id		bigserial PRIMARY KEY,
	template	text NOT NULL,
	recipient	text NOT NULL
			CHECK (recipient !~ '[[:cntrl:]]' AND length(recipient) <= 254),
	recipient_name	text NOT NULL DEFAULT ''
			CHECK (recipient_name !~ '[[:cntrl:]]'),
	subject		text NOT NULL CHECK (subject !~ '[[:cntrl:]]'),
	body_text	text,		-- erased once sent
	body_html	text,		-- erased once sent
	message_id	text,		-- set at the first claim, kept for every attempt
	state		text NOT NULL DEFAULT 'queued'
			CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead')),
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	locked_by	text,
	lease_until	timestamptz,
	last_reply_code	integer,
	last_error	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);

-- What the mailer claims: due rows, oldest first.
CREATE INDEX email_queue_due ON email_queue (next_attempt_at)
	WHERE state IN ('queued', 'failed');
-- What the sweep looks at: rows whose mailer may have died.
CREATE INDEX email_queue_leased ON email_queue (lease_until)
	WHERE state = 'sending';

-- Wake the mailers when the enqueuing transaction commits.
CREATE FUNCTION email_queue_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('memberd_mail', '');
	RETURN NULL;
END
$$;

CREATE TRIGGER email_queue_notify AFTER INSERT ON email_queue
	FOR EACH STATEMENT EXECUTE FUNCTION email_queue_notify();
