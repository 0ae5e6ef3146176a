-- 007_identity_admin: the columns and tables that DESIGN §8 (the user's own
-- identity, two-factor authentication), §9 (disabled users, acting as a
-- user, SSO links) and §11 (declined invitations) share. Laid down in one
-- migration so that the flows of those sections, written side by side,
-- agree on one shape. Every token below is stored as its SHA-256 only;
-- every TOTP secret only sealed by secretbox (AES-256-GCM, the key outside
-- the database), so a dump of the database reveals none of them.

-- A disabled user cannot sign in and has no live session (§9).
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'
	CHECK (status IN ('active', 'disabled'));

-- Two-factor authentication (§8.3), for users and administrators alike:
-- totp_sealed is set by setup and kept while 2FA is off (enabled_at NULL)
-- until enable proves a code; totp_last_step is the RFC 6238 time step of
-- the last code accepted, so a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_sealed text;
ALTER TABLE users ADD COLUMN totp_enabled_at timestamptz;
ALTER TABLE users ADD COLUMN totp_last_step bigint;
ALTER TABLE admins ADD COLUMN totp_sealed text;
ALTER TABLE admins ADD COLUMN totp_enabled_at timestamptz;
ALTER TABLE admins ADD COLUMN totp_last_step bigint;

-- Recovery codes: ten per user (or administrator), one use each.
CREATE TABLE recovery_codes (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint REFERENCES users (id) ON DELETE CASCADE,
	admin_id	bigint REFERENCES admins (id) ON DELETE CASCADE,
	code_hash	bytea NOT NULL,		-- SHA-256 of the code
	created_at	timestamptz NOT NULL DEFAULT now(),
	used_at		timestamptz,
	CHECK ((user_id IS NULL) <> (admin_id IS NULL))
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX recovery_codes_admin ON recovery_codes (admin_id) WHERE admin_id IS NOT NULL;

-- The second step of a login with 2FA on: the password was right, no
-- session exists yet. Dies after 5 wrong codes or at expires_at.
CREATE TABLE login_challenges (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE,	-- SHA-256 of the challenge
	user_id		bigint REFERENCES users (id) ON DELETE CASCADE,
	admin_id	bigint REFERENCES admins (id) ON DELETE CASCADE,
	failures	integer NOT NULL DEFAULT 0,
	ip		text,
	user_agent	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz,
	CHECK ((user_id IS NULL) <> (admin_id IS NULL))
);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);

-- Sessions (§8.2) say where they came from; a session made by "Login as
-- User" (§9) names the administrator and ends with the hour.
ALTER TABLE sessions ADD COLUMN ip text;
ALTER TABLE sessions ADD COLUMN user_agent text
	CHECK (length(user_agent) <= 512);
ALTER TABLE sessions ADD COLUMN impersonated_by bigint
	REFERENCES admins (id) ON DELETE CASCADE;

-- Email verification and email change (§8.1): a 24-hour link. new_email
-- NULL verifies the current address; set, it is the address to move to,
-- applied only when the link is used.
CREATE TABLE email_verifications (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash	bytea NOT NULL UNIQUE,	-- SHA-256 of the link's token
	new_email	text CHECK (length(new_email) BETWEEN 3 AND 254
			    AND new_email !~ '[[:cntrl:]]'),
	email_id	bigint REFERENCES email_queue (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX email_verifications_user ON email_verifications (user_id, created_at);

-- SSO links (§9): one use, 60 seconds, for a control panel's user.
CREATE TABLE sso_tokens (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE,	-- SHA-256 of the link's token
	user_id		bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id	bigint REFERENCES clients (id) ON DELETE CASCADE,
	destination	text NOT NULL DEFAULT '/'
			CHECK (destination ~ '^/' AND length(destination) <= 2048),
	created_by_admin_id bigint REFERENCES admins (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX sso_tokens_expires ON sso_tokens (expires_at);

-- An account may require 2FA of every member who makes it active (§8.3).
ALTER TABLE clients ADD COLUMN require_2fa boolean NOT NULL DEFAULT false;

-- The invitee may decline (§11): the link dies, the inviter sees it.
ALTER TABLE invites DROP CONSTRAINT invites_status_check;
ALTER TABLE invites ADD CONSTRAINT invites_status_check
	CHECK (status IN ('pending', 'accepted', 'cancelled', 'expired', 'declined'));
