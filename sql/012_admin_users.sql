-- 012_admin_users: what the Admin Area's users (DESIGN §9) need beyond
-- the shared columns of 007.
--
-- The Users directory finds a user by any part of the name or the
-- address ("%smith%", "%@example.%"), which no btree serves: a trigram
-- GIN index (pg_trgm, a trusted extension of PostgreSQL's contrib, so
-- the database's owner may create it) on one expression holding the
-- address, then the names, lowercased. The directory's WHERE clause is
-- that very expression (admin_users.c), so the planner matches it. The
-- address is set apart by a newline, which neither it nor a name can
-- hold, so "com jo" never joins an address's end to a first name; the
-- names are joined by a space, so "ada love" finds Ada Lovelace.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_search_trgm ON users USING gin
	(lower(email || E'\n' || first_name || ' ' || last_name) gin_trgm_ops);

-- Deleting an administrator or a user reaches these rows by the key.
CREATE INDEX sessions_impersonated_by ON sessions (impersonated_by)
	WHERE impersonated_by IS NOT NULL;
CREATE INDEX sso_tokens_user ON sso_tokens (user_id);
