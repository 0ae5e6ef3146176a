-- 006_mailer_claims: a claim tied to the claiming mailer's database session.

-- The key of the session advisory lock the claiming mailer holds for as
-- long as its connection lives (pg_advisory_lock(claim_lock)). A sweep that
-- can take that lock knows the mailer is gone and requeues its rows at once
-- instead of waiting for lease_until. NULL: the claim is guarded by the
-- lease alone (mailer_claim_lock = false, e.g. behind transaction pooling).
-- Only meaningful while state = 'sending'.
ALTER TABLE email_queue ADD COLUMN claim_lock bigint;

-- Due rows are claimed oldest first and, among rows due at the same time
-- (a batch queued in one transaction), by id: a requeued row keeps its
-- place instead of going behind every row queued with it.
CREATE INDEX email_queue_due_id ON email_queue (next_attempt_at, id)
	WHERE state IN ('queued', 'failed');
DROP INDEX email_queue_due;
