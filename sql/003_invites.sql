-- 003_invites: invitations to a client account, sent by email with a
-- one-time link whose token is stored only as its SHA-256.

CREATE TABLE invites (
	id		bigserial PRIMARY KEY,
	client_id	bigint NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	email		text NOT NULL
			CHECK (length(email) BETWEEN 3 AND 254 AND email !~ '[[:cntrl:]]'),
	token_hash	bytea NOT NULL UNIQUE,	-- replaced by a resend
	permissions	text[] NOT NULL
			CHECK (cardinality(permissions) > 0
			    AND permissions <@ memberd_permission_keys()),
	status		text NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'accepted', 'cancelled', 'expired')),
	created_by_kind	text NOT NULL CHECK (created_by_kind IN ('admin', 'user')),
	created_by_admin_id bigint REFERENCES admins (id) ON DELETE SET NULL,
	created_by_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
	inviter_name	text NOT NULL,	-- as the email named the sender
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	last_sent_at	timestamptz NOT NULL DEFAULT now(),
	sent_count	integer NOT NULL DEFAULT 1,
	last_email_id	bigint REFERENCES email_queue (id) ON DELETE SET NULL,
	accepted_by_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
	accepted_at	timestamptz,
	ended_at	timestamptz	-- when cancelled or marked expired
);

-- At most one pending invitation per account and address.
CREATE UNIQUE INDEX invites_one_pending ON invites (client_id, lower(email))
	WHERE status = 'pending';
CREATE INDEX invites_client ON invites (client_id, created_at DESC);
-- The pending invitations a member sent (cancelled when they lose "users").
-- Not led by client_id: an index led by it would tempt the planner away
-- from invites_one_pending when it looks up one address.
CREATE INDEX invites_pending_by_user ON invites (created_by_user_id)
	WHERE status = 'pending';
CREATE INDEX invites_pending_expiry ON invites (expires_at) WHERE status = 'pending';

-- How many invitations of each account are pending (expired ones too,
-- until housekeeping marks them), kept by a trigger, so that the limit on
-- pending invitations needs no count in the usual case. Code that changes
-- invitations locks the account's row first, then the invitations, so the
-- trigger's update of that row never waits in the opposite order.
ALTER TABLE clients ADD COLUMN pending_invites integer NOT NULL DEFAULT 0
	CHECK (pending_invites >= 0);

CREATE FUNCTION invites_count_pending() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' AND OLD.status = 'pending' THEN
		UPDATE clients SET pending_invites = pending_invites - 1
		WHERE id = OLD.client_id;
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.status = 'pending' THEN
		UPDATE clients SET pending_invites = pending_invites + 1
		WHERE id = NEW.client_id;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER invites_count_pending_insert AFTER INSERT ON invites
	FOR EACH ROW WHEN (NEW.status = 'pending')
	EXECUTE FUNCTION invites_count_pending();
CREATE TRIGGER invites_count_pending_delete AFTER DELETE ON invites
	FOR EACH ROW WHEN (OLD.status = 'pending')
	EXECUTE FUNCTION invites_count_pending();
CREATE TRIGGER invites_count_pending_update AFTER UPDATE OF status, client_id
	ON invites FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status
	    OR OLD.client_id IS DISTINCT FROM NEW.client_id)
	EXECUTE FUNCTION invites_count_pending();
