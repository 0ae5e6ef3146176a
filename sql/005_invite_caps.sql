-- 005_invite_caps: what the caps on invitation emails count, and
-- invitations that named their administrator by the login address.

-- Every invitation email is one audit entry (invite_created or
-- invite_resent, written in the statement that queues the email), and
-- the audit log is never purged, unlike sent mail: the caps count these,
-- per account and per recipient address, over the last 24 hours.
CREATE INDEX audit_log_invite_sends_client ON audit_log (client_id, at)
	WHERE action IN ('invite_created', 'invite_resent');
CREATE INDEX audit_log_invite_sends_recipient
	ON audit_log (lower(details->>'email'), at)
	WHERE action IN ('invite_created', 'invite_resent');

-- An administrator without a name was shown to invitees by their staff
-- address. Such invitations now name "an administrator" instead.
UPDATE invites i SET inviter_name = 'an administrator'
	FROM admins a
	WHERE i.created_by_kind = 'admin' AND a.id = i.created_by_admin_id
	AND lower(i.inviter_name) = lower(a.email);
UPDATE invites SET inviter_name = 'an administrator'
	WHERE created_by_kind = 'admin' AND created_by_admin_id IS NULL
	AND inviter_name LIKE '%@%';
