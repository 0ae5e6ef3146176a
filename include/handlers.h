/*
 * handlers.h: every HTTP handler, by area. Each handler's comment in its
 * source file lists the statuses it answers with. The route table that
 * names them is in routes.c.
 */
#ifndef MEMBERD_HANDLERS_H
#define MEMBERD_HANDLERS_H

#include <stddef.h>

#include "http.h"

extern const struct route	routes[];
extern const size_t		nroutes;

/* h_health.c */
void	h_health(struct req *);

#endif
