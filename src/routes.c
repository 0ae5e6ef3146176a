/*
 * routes.c: the whole HTTP API on one page. http_handle() matches method
 * and path, checks body and caller against the flags, then calls the
 * handler. Paths are exact; "{id}" is a positive integer.
 */
#include "handlers.h"
#include "http.h"
#include "banned.h"

const struct route routes[] = {
	{ "GET",  "/api/v1/health", AUTH_ANYONE, h_health },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
