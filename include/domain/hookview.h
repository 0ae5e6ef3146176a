/*
 * hookview.h: webhook endpoints and their recent deliveries as the Admin
 * Area shows them, read only (DESIGN §10.2; operators change them with
 * memberctl webhook). Never the secret. Lists go through a callback: the
 * strings of a row are valid during that call only (they live in the
 * query's result, freed after the last row).
 */
#ifndef MEMBERD_HOOKVIEW_H
#define MEMBERD_HOOKVIEW_H

#include <stdbool.h>

#include "util.h"

struct db;

/* Deliveries listed at most, and by default. */
#define HOOKVIEW_LIMIT_MAX	200
#define HOOKVIEW_LIMIT_DEFAULT	50

struct hook_endpoint {
	long long	 id;
	const char	*url;
	const char	*events;	/* the patterns, comma-separated */
	bool		 enabled;
	const char	*created_at;	/* RFC 3339 */
	const char	*failing_since;	/* NULL: not failing */
	const char	*disabled_at;	/* NULL: never disabled */
	const char	*disabled_reason; /* NULL: none */
	long long	 waiting;	/* queued, sending or failed */
	long long	 dead;
	const char	*last_delivered_at; /* NULL: nothing yet */
};

struct hook_delivery {
	long long	 id;
	const char	*event_id;	/* the webhook-id */
	const char	*type;
	const char	*state;		/* queued sending delivered failed dead */
	int		 attempts;
	const char	*created_at;
	const char	*next_attempt_at; /* NULL once delivered or dead */
	const char	*last_attempt_at; /* NULL: not tried yet */
	int		 last_status;	/* 0: none (not tried, or no answer) */
	const char	*last_error;	/* NULL: none */
	const char	*delivered_at;	/* NULL: not delivered */
};

/* Whether s names a delivery state. */
bool	 hookview_state_valid(const char *s);

/* each() endpoint, by id. 0, or -1 on a database error. */
int	 hookview_endpoints(struct db *,
	    void (*each)(const struct hook_endpoint *, void *), void *arg)
	    MUST_CHECK;

/*
 * each() of the newest limit deliveries to endpoint id, newest first, of
 * state when not NULL. 1 done, 0 no such endpoint, -1 database error.
 */
int	 hookview_deliveries(struct db *, long long id, const char *state,
	    long limit, void (*each)(const struct hook_delivery *, void *),
	    void *arg) MUST_CHECK;

#endif
