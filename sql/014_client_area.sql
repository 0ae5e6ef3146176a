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
