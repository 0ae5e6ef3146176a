/*
 * housekeeping.h: the periodic clean-up run by `memberctl housekeeping`
 * (a systemd timer in production): expired invitations marked, dead
 * sessions, old reset links, SSO links and login failures deleted, sent
 * mail past
 * its retention purged.
 */
#ifndef MEMBERD_HOUSEKEEPING_H
#define MEMBERD_HOUSEKEEPING_H

struct config;
struct db;

struct housekeeping_counts {
	long	invites_expired;
	long	sessions_deleted;
	long	resets_deleted;
	long	sso_links_deleted;
	long	login_failures_deleted;
	long	challenges_deleted;	/* second steps of logins, expired */
	long	mail_purged;
};

/* One pass, each step in its own transaction. 0, or -1 on a db error. */
int	housekeeping_run(struct db *, const struct config *,
	    struct housekeeping_counts *);

#endif
