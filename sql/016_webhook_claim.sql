-- 016_webhook_claim: memberd-webhooks claims in one statement, so that it
-- can send the next claim while the current batch is on the wire (the
-- mailer does the same). The claim is two steps (hookq.h): lock the
-- endpoints with due rows, then, in a snapshot taken after the lock,
-- take each one's oldest open rows. In a function each statement takes a
-- fresh snapshot, which two statements of one transaction gave before.
--
-- Each step walks webhook_deliveries_open from an endpoint's oldest open
-- row, so a claim costs the rows it takes, not the backlog behind them
-- (the claim it replaces ranked every open row: a drain of 20,000 events
-- was quadratic). The endpoint is named as a range, "endpoint_id >= X
-- AND endpoint_id <= X": only webhook_deliveries_open (endpoint_id, id)
-- gives that in order, where "= X" let the planner walk the primary key
-- and filter when its statistics still saw a backlog just drained as open.
--
-- ahead: the deliverer still holds rows of this claim's endpoints (the
-- batch being sent). Then an endpoint whose oldest open row is being sent
-- by this deliverer is taken too: its next rows follow those in flight,
-- in the same process, which sends them only after them (and gives them
-- back unsent when an earlier one must be retried).

CREATE FUNCTION memberd_webhook_claim(p_max_endpoints int, p_per_endpoint int,
    p_me text, p_lock_key bigint, p_lease_s int, p_ahead boolean)
RETURNS TABLE (id bigint, endpoint_id bigint, event_id text, type text,
    body text, url text, secret_sealed text, attempts int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	eps	bigint[];
BEGIN
	SELECT array_agg(x.id ORDER BY x.id) INTO eps FROM (
		SELECT e.id FROM webhook_endpoints e WHERE e.enabled AND EXISTS (
			SELECT 1 FROM webhook_deliveries d
			WHERE d.endpoint_id >= e.id AND d.endpoint_id <= e.id
			AND d.state IN ('queued', 'failed')
			AND d.next_attempt_at <= now())
		ORDER BY e.id LIMIT p_max_endpoints
		FOR NO KEY UPDATE SKIP LOCKED) x;
	IF eps IS NULL THEN
		RETURN;
	END IF;
	RETURN QUERY
	WITH heads AS MATERIALIZED (
		SELECT h.endpoint_id FROM unnest(eps) AS e(id)
		CROSS JOIN LATERAL (SELECT d.endpoint_id, d.state, d.locked_by,
			d.next_attempt_at FROM webhook_deliveries d
			WHERE d.endpoint_id >= e.id AND d.endpoint_id <= e.id
			AND d.state IN ('queued', 'sending', 'failed')
			ORDER BY d.endpoint_id, d.id LIMIT 1) h
		WHERE (h.state <> 'sending' OR (p_ahead AND h.locked_by = p_me))
		AND h.next_attempt_at <= now()),
	pick AS MATERIALIZED (
		SELECT p.id FROM heads h CROSS JOIN LATERAL (SELECT d.id
			FROM webhook_deliveries d
			WHERE d.endpoint_id >= h.endpoint_id
			AND d.endpoint_id <= h.endpoint_id
			AND d.state IN ('queued', 'failed')
			ORDER BY d.endpoint_id, d.id LIMIT p_per_endpoint) p),
	upd AS (
		UPDATE webhook_deliveries d SET state = 'sending',
		locked_by = p_me, claim_lock = NULLIF(p_lock_key, 0),
		lease_until = now() + make_interval(secs => p_lease_s),
		attempts = d.attempts + 1, last_attempt_at = now()
		FROM pick p, webhook_endpoints e
		WHERE d.id = p.id AND e.id = d.endpoint_id
		RETURNING d.id, d.endpoint_id, d.event_id, d.type,
			d.payload::text, e.url, e.secret_sealed, d.attempts)
	SELECT * FROM upd ORDER BY 2, 1;
END
$$;

-- Every row is written twice on its way (claimed, then delivered), and
-- neither write can be a HOT update (state is in the index predicates):
-- each inserts into every index whose predicate holds. Two indexes that
-- the way through paid for and nothing on it reads go:
--  - (id DESC, state), for listings newest first: the primary key gives
--    that order; only a listing of one rare state needs its own, the
--    failing rows' index below, which the way through never touches;
--  - UNIQUE (event_id, endpoint_id): memberd_webhook_emit writes one row
--    per endpoint from one generated id, so it held by construction, at
--    the price of a text comparison and a uniqueness check at each write.
-- With both, claiming 5,000 rows took 286 ms; without, 188 ms.
DROP INDEX webhook_deliveries_recent;
ALTER TABLE webhook_deliveries
	DROP CONSTRAINT webhook_deliveries_event_id_endpoint_id_key;
CREATE INDEX webhook_deliveries_failing ON webhook_deliveries (id)
	WHERE state IN ('failed', 'dead');
