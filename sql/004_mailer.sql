-- 004_mailer: what the production mailer and its operators need.

-- When a row was last claimed: "dead in the last 24 h", and the age of a
-- stuck attempt, without guessing from created_at.
ALTER TABLE email_queue ADD COLUMN last_attempt_at timestamptz;

-- The Message-ID goes into a header as is.
ALTER TABLE email_queue ADD CONSTRAINT email_queue_message_id_check
	CHECK (message_id !~ '[[:cntrl:]]' AND length(message_id) <= 250);

-- What purge deletes: sent rows by age.
CREATE INDEX email_queue_sent ON email_queue (sent_at) WHERE state = 'sent';
-- What operators look at first: dead rows, newest first.
CREATE INDEX email_queue_dead ON email_queue (last_attempt_at)
	WHERE state = 'dead';
