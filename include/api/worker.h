/*
 * worker.h: one FastCGI worker process (fcgi.c, the one file that touches
 * libfcgi). It connects to PostgreSQL after fork, then accepts requests on
 * the shared listening socket until SIGTERM, finishing the request in
 * flight before it exits.
 */
#ifndef MEMBERD_WORKER_H
#define MEMBERD_WORKER_H

struct config;

/*
 * Never returns: exits 0 after SIGTERM, 1 on a setup failure. When
 * ready_fd is not -1, the worker writes one byte to it once it has tried
 * the database, 'y' connected or 'n' not, and closes it.
 */
void	worker_run(const struct config *, int listen_fd, int ready_fd)
	    __attribute__((noreturn));

#endif
