-- 014_client_area: what the Client Area of DESIGN §11 needs beyond 007.
--
-- A page of an account's members (GET /account/users?page=) walks them
-- in the order they were added, 50 at a time, without sorting them all:
-- an account of 10,000 members answers as fast as one of 10.
CREATE INDEX client_users_added ON client_users (client_id, added_at, user_id);

-- An ended invitation the owner took off the Pending Invites list
-- (POST /account/invites/{id}/dismiss): an expired one is also cancelled,
-- a declined one stays declined (the invitee's answer stays on record).
ALTER TABLE invites ADD COLUMN dismissed_at timestamptz;

-- How many members each account has, kept by statement triggers, so that
-- a page's total needs no count of 10,000 rows. Code that changes
-- memberships locks the account's row first (access.c, invite_link.c), so
-- the triggers' update of that row never waits in the opposite order. A
-- membership never moves to another account (client_id is part of the
-- key), so inserts and deletes are all there is to count.
ALTER TABLE clients ADD COLUMN member_count integer NOT NULL DEFAULT 0
	CHECK (member_count >= 0);
UPDATE clients c SET member_count =
	(SELECT count(*) FROM client_users cu WHERE cu.client_id = c.id);

CREATE FUNCTION client_users_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		UPDATE clients c SET member_count = c.member_count + d.n
		FROM (SELECT client_id, count(*) AS n FROM added
		    GROUP BY client_id) d
		WHERE c.id = d.client_id;
	ELSE
		UPDATE clients c SET member_count = c.member_count - d.n
		FROM (SELECT client_id, count(*) AS n FROM removed
		    GROUP BY client_id) d
		WHERE c.id = d.client_id;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER client_users_count_insert AFTER INSERT ON client_users
	REFERENCING NEW TABLE AS added
	FOR EACH STATEMENT EXECUTE FUNCTION client_users_count();
CREATE TRIGGER client_users_count_delete AFTER DELETE ON client_users
	REFERENCING OLD TABLE AS removed
	FOR EACH STATEMENT EXECUTE FUNCTION client_users_count();
