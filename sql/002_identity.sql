-- 002_identity: users, client accounts and their members, administrators,
-- sessions, API tokens, password resets, login throttling, the audit log.

-- The permission keys of DESIGN.md section 3, in their canonical order.
CREATE FUNCTION memberd_permission_keys() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT ARRAY['profile', 'contacts', 'products', 'manageproducts',
	    'productsso', 'domains', 'managedomains', 'invoices', 'quotes',
	    'tickets', 'affiliates', 'emails', 'orders', 'users']
$$;

CREATE TABLE users (
	id		bigserial PRIMARY KEY,
	email		text NOT NULL
			CHECK (length(email) BETWEEN 3 AND 254 AND email !~ '[[:cntrl:]]'),
	first_name	text NOT NULL DEFAULT ''
			CHECK (length(first_name) <= 100 AND first_name !~ '[[:cntrl:]]'),
	last_name	text NOT NULL DEFAULT ''
			CHECK (length(last_name) <= 100 AND last_name !~ '[[:cntrl:]]'),
	password_hash	text,		-- Argon2id PHC string; NULL until set
	email_verified_at timestamptz,
	last_login_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now()
);
-- One user per address, whatever its case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- Prefix search for "Select User".
CREATE INDEX users_email_prefix ON users (lower(email) text_pattern_ops);
CREATE INDEX users_first_prefix ON users (lower(first_name) text_pattern_ops);
CREATE INDEX users_last_prefix ON users (lower(last_name) text_pattern_ops);

CREATE TABLE clients (
	id		bigserial PRIMARY KEY,
	company_name	text NOT NULL DEFAULT ''
			CHECK (length(company_name) <= 100 AND company_name !~ '[[:cntrl:]]'),
	first_name	text NOT NULL
			CHECK (length(first_name) <= 100 AND first_name !~ '[[:cntrl:]]'),
	last_name	text NOT NULL
			CHECK (length(last_name) <= 100 AND last_name !~ '[[:cntrl:]]'),
	status		text NOT NULL DEFAULT 'active'
			CHECK (status IN ('active', 'inactive', 'closed')),
	owner_user_id	bigint NOT NULL REFERENCES users (id),
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clients_owner ON clients (owner_user_id);

CREATE TABLE client_users (
	client_id	bigint NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	user_id		bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	permissions	text[] NOT NULL
			CHECK (cardinality(permissions) > 0
			    AND permissions <@ memberd_permission_keys()),
	added_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (client_id, user_id)
);
CREATE INDEX client_users_user ON client_users (user_id);

-- The owner is always a member: checked at commit, so a client and its
-- owner's membership are inserted in one transaction, in either order.
ALTER TABLE clients ADD CONSTRAINT clients_owner_is_member
	FOREIGN KEY (id, owner_user_id) REFERENCES client_users (client_id, user_id)
	DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE admins (
	id		bigserial PRIMARY KEY,
	email		text NOT NULL
			CHECK (length(email) BETWEEN 3 AND 254 AND email !~ '[[:cntrl:]]'),
	name		text NOT NULL DEFAULT ''
			CHECK (length(name) <= 100 AND name !~ '[[:cntrl:]]'),
	password_hash	text NOT NULL,
	last_login_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX admins_email_key ON admins (lower(email));

CREATE TABLE api_tokens (
	id		bigserial PRIMARY KEY,
	admin_id	bigint NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
	token_hash	bytea NOT NULL UNIQUE,	-- SHA-256 of the token
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_used_at	timestamptz,
	revoked_at	timestamptz
);

-- A session belongs to a user or to an administrator.
CREATE TABLE sessions (
	id		bigserial PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE,	-- SHA-256 of the cookie value
	user_id		bigint REFERENCES users (id) ON DELETE CASCADE,
	admin_id	bigint REFERENCES admins (id) ON DELETE CASCADE,
	active_client_id bigint REFERENCES clients (id) ON DELETE SET NULL,
	csrf_token	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,	-- the absolute lifetime
	CHECK ((user_id IS NULL) <> (admin_id IS NULL))
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_admin ON sessions (admin_id) WHERE admin_id IS NOT NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE password_resets (
	id		bigserial PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash	bytea NOT NULL UNIQUE,	-- SHA-256 of the link's token
	email_id	bigint REFERENCES email_queue (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- Failed logins per address ('user:' or 'admin:' and the lowercased email).
CREATE TABLE login_failures (
	id		bigserial PRIMARY KEY,
	login_key	text NOT NULL,
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key ON login_failures (login_key, at);

CREATE TABLE audit_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor_kind	text NOT NULL
			CHECK (actor_kind IN ('admin', 'user', 'system', 'anonymous')),
	actor_id	bigint,		-- admins.id or users.id
	actor_name	text NOT NULL DEFAULT '',	-- as it was then
	client_id	bigint,		-- no foreign key: the log outlives rows
	action		text NOT NULL,
	details		jsonb NOT NULL DEFAULT '{}',
	ip		text
);
CREATE INDEX audit_log_client ON audit_log (client_id, id DESC) WHERE client_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (at);
