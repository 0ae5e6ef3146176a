-- 015_wake_when_idle: wake the queue drainers only when none is awake.
--
-- A transaction that NOTIFYs takes, from just before its commit to the
-- end of it (WAL flush included), one lock that every other notifying
-- transaction of the cluster waits for: the invitations, each of which
-- queues an email, committed one after the other instead of together
-- (bench/invite.sh measures it). A drainer that is awake (claiming and
-- sending) needs no notification: it claims again when its batch is done.
--
-- So (drain.h): an awake drainer holds the session advisory lock
-- (key, 1) shared, key 72853 for memberd-mailer, 72854 for
-- memberd-webhooks. A producing statement holds (key, 2) shared until its
-- transaction ends, and notifies only when (key, 1) is free: no drainer is
-- awake. A drainer going to sleep releases (key, 1), then waits until it
-- can take (key, 2), that is until every producer that saw it awake has
-- committed or rolled back, and looks at the queue once more before it
-- sleeps. The poll stays the fallback (drain.h says when it is needed).
-- (72851 and 72852 are the login's and the invitation's keys.)

CREATE FUNCTION memberd_wake(channel text, key int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock_shared(key, 2);
	IF pg_try_advisory_lock(key, 1) THEN
		PERFORM pg_advisory_unlock(key, 1);
		PERFORM pg_notify(channel, '');
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION email_queue_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM memberd_wake('memberd_mail', 72853);
	RETURN NULL;
END
$$;

-- Events (sql/011): memberd_webhook_send notifies only when it wrote
-- rows; now also only when no deliverer is awake.
CREATE OR REPLACE FUNCTION memberd_webhook_send(event_type text, data jsonb)
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
		PERFORM memberd_wake('memberd_webhooks', 72854);
	END IF;
	RETURN eid;
END
$$;
