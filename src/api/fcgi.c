/*
 * fcgi.c: the worker loop around libfcgi (fcgiapp.h only). A worker waits
 * for a connection with ppoll(), SIGTERM unblocked only while it waits, so
 * a request that has begun always finishes before the worker exits.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "config.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "secretbox.h"
#include "twofactor.h"
#include "worker.h"
#include "banned.h"

static volatile sig_atomic_t	worker_stopping;

static void
on_term(int sig)
{
	(void)sig;
	worker_stopping = 1;
}

static const char *
param(FCGX_Request *fr, const char *name)
{
	return FCGX_GetParam(name, fr->envp);
}

/* Request ids come from nginx ($request_id) or from a local counter. */
static void
request_id_set(struct req *r, const char *given)
{
	static unsigned long	counter;
	size_t			n, i;

	if (given != NULL && (n = strlen(given)) > 0 && n < 33) {
		for (i = 0; i < n; i++)
			if (!((given[i] >= '0' && given[i] <= '9') ||
			    (given[i] >= 'a' && given[i] <= 'f')))
				break;
		if (i == n) {
			memcpy(r->request_id, given, n + 1);
			return;
		}
	}
	snprintf(r->request_id, sizeof(r->request_id), "%ld-%lu",
	    (long)getpid(), ++counter);
}

/* Read the body into b when it is within the cap. */
static void
body_read(FCGX_Request *fr, struct req *r, struct buf *b)
{
	char	chunk[8192];
	long	left;
	int	n;

	if (r->content_length <= 0)
		return;
	if (r->content_length > HTTP_BODY_MAX) {
		r->body_too_large = true;
		return;
	}
	left = r->content_length;
	while (left > 0) {
		n = FCGX_GetStr(chunk, left < (long)sizeof(chunk) ?
		    (int)left : (int)sizeof(chunk), fr->in);
		if (n <= 0)
			break;
		buf_append(b, chunk, (size_t)n);
		left -= n;
	}
	r->body = b->data;
	r->body_len = b->len;
}

/* The path as logged: printable ASCII only, at most 200 bytes. */
static void
log_path(const char *path, char *dst, size_t dstlen)
{
	size_t	i;

	for (i = 0; path[i] != '\0' && i + 1 < dstlen && i < 200; i++)
		dst[i] = (path[i] > 0x20 && path[i] < 0x7f) ? path[i] : '?';
	dst[i] = '\0';
}

static void
serve_one(FCGX_Request *fr, struct db *db, const struct config *cfg)
{
	struct req	 r;
	struct buf	 body = { 0 }, outb = { 0 };
	const char	*uri, *q, *cl;
	char		*path, shown[256];
	long		 len;
	int64_t		 t0 = now_mono_us();

	req_init(&r, db, cfg);
	uri = param(fr, "REQUEST_URI");
	if (uri == NULL)
		uri = param(fr, "DOCUMENT_URI");
	if (uri == NULL)
		uri = "/";
	q = strchr(uri, '?');
	path = q ? xstrndup(uri, (size_t)(q - uri)) : xstrdup(uri);
	r.path = path;
	r.query = q ? q + 1 : "";
	r.method = param(fr, "REQUEST_METHOD");
	if (r.method == NULL)
		r.method = "GET";
	r.content_type = param(fr, "CONTENT_TYPE");
	r.cookie = param(fr, "HTTP_COOKIE");
	r.csrf_header = param(fr, "HTTP_X_CSRF_TOKEN");
	r.authorization = param(fr, "HTTP_AUTHORIZATION");
	r.remote_addr = param(fr, "REMOTE_ADDR");
	r.user_agent = param(fr, "HTTP_USER_AGENT");
	r.accept = param(fr, "HTTP_ACCEPT");
	request_id_set(&r, param(fr, "MEMBERD_REQUEST_ID"));
	cl = param(fr, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0') {
		if (parse_long(cl, 0, 1L << 40, &len))
			r.content_length = len;
		else
			r.body_too_large = true;
	}
	body_read(fr, &r, &body);

	(void)db_ensure(db);
	http_handle(&r, routes, nroutes);
	reply_header(&r, "X-Request-Id", r.request_id);
	http_render(&r, &outb);
	/* before the write: whoever has the answer can scrape its count */
	metrics_observe(r.route ? (size_t)(r.route - routes) : nroutes,
	    nroutes, r.status, now_mono_us() - t0);
	if (FCGX_PutStr(outb.data, (int)outb.len, fr->out) < 0)
		log_warnx("req=%s: client went away", r.request_id);

	log_path(r.path, shown, sizeof(shown));
	log_info("req=%s %s %s %d %lldus", r.request_id, r.method, shown,
	    r.status, (long long)(now_mono_us() - t0));
	req_release(&r);
	buf_release(&body);
	buf_release(&outb);
	free(path);
}

/*
 * The key that seals TOTP secrets, read by each worker at its start (so
 * a reload reads it again). Without one, 2FA answers 500 saying so.
 */
static void
worker_key_load(const struct config *cfg)
{
	char	err[512], path[4096];

	if (twofactor_key_load(cfg, err, sizeof(err)) == 0)
		return;
	if (secretbox_key_source(cfg, path, sizeof(path)))
		log_warnx("worker: %s: two-factor authentication is "
		    "unavailable", err);
	else
		log_debug("worker: no secret key configured: two-factor "
		    "authentication is unavailable");
}

/*
 * A worker's signals: it dies with the parent, whatever killed it;
 * SIGTERM and SIGINT stay blocked but in the accept loop's ppoll, whose
 * mask goes to *waitmask.
 */
static void
worker_signals(sigset_t *waitmask)
{
	struct sigaction	 sa;
	sigset_t		 block;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

void
worker_run(const struct config *cfg, int listen_fd, int ready_fd)
{
	FCGX_Request		 fr;
	struct db		*db;
	sigset_t		 waitmask;
	struct pollfd		 pfd;
	int			 rc;

	worker_signals(&waitmask);
	if (getppid() == 1)
		exit(0);
	/* in the gauge from the start: connecting and loading the key take
	 * a while, and a scrape meanwhile must count this worker (idle) */
	(void)metrics_worker_start(getpid());

	if (FCGX_Init() != 0)
		fatalx("FCGX_Init failed");
	if (FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		fatalx("FCGX_InitRequest failed");
	db = db_open(cfg, "memberd");
	worker_key_load(cfg);
	db_set_timeouts(db, cfg->db_statement_timeout_ms,
	    cfg->db_lock_timeout_ms);
	if (ready_fd >= 0) {
		/* A reload waits for this before it retires the old workers. */
		if (write(ready_fd, db_is_up(db) ? "y" : "n", 1) != 1)
			log_warn("worker: telling the parent");
		close(ready_fd);
	}

	pfd.fd = listen_fd;
	pfd.events = POLLIN;
	while (!worker_stopping) {
		pfd.revents = 0;
		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fatal("ppoll");
		}
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			/* another worker took it, or the peer gave up */
			if (rc != -EAGAIN && rc != -EWOULDBLOCK &&
			    rc != -EINTR && rc != -ECONNABORTED)
				log_warnx("FCGX_Accept_r: %s", strerror(-rc));
			continue;
		}
		metrics_worker_busy(true);
		serve_one(&fr, db, cfg);
		FCGX_Finish_r(&fr);
		metrics_worker_busy(false);
	}
	FCGX_Free(&fr, 0);
	db_close(db);
	log_debug("worker stopped");
	exit(0);
}
