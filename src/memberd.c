/*
 * memberd.c: the FastCGI service. The parent opens (or inherits) the
 * listening socket, forks the workers, replaces any that die, restarts
 * them all gracefully on SIGHUP, and on SIGTERM lets the requests in
 * flight finish before it exits. The parent never touches the database.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "worker.h"
#include "banned.h"

#define SHUTDOWN_GRACE_S	30
#define CRASH_BACKOFF_US	1000000

struct slot {
	pid_t	pid;
	int64_t	started;
};

static struct config	 cfg;
static const char	*cfg_path;
static struct slot	*slots;
static long		 nslots;
static int		 listen_fd = -1;
static bool		 own_socket;	/* we created it, we unlink it */

static void
usage(void)
{
	fprintf(stderr, "usage: memberd [-c file] [-t]\n"
	    "  -c file  configuration (default $MEMBERD_CONFIG)\n"
	    "  -t       check the configuration and exit\n");
	exit(2);
}

/* Create the unix socket at cfg.listen with the configured mode/group. */
static int
socket_open(void)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	struct group		*gr;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cfg.listen) >= sizeof(sun.sun_path))
		fatalx("listen: path too long: %s", cfg.listen);
	memcpy(sun.sun_path, cfg.listen, strlen(cfg.listen) + 1);
	if (lstat(cfg.listen, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("listen: %s exists and is not a socket",
			    cfg.listen);
		unlink(cfg.listen);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		fatal("socket");
	old = umask(0177);	/* nobody may connect before chmod */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		fatal("listen: bind %s", cfg.listen);
	umask(old);
	if (*cfg.socket_group != '\0') {
		if ((gr = getgrnam(cfg.socket_group)) == NULL)
			fatalx("socket_group: no group \"%s\"",
			    cfg.socket_group);
		if (chown(cfg.listen, (uid_t)-1, gr->gr_gid) != 0)
			fatal("socket_group: chown %s", cfg.listen);
	}
	if (chmod(cfg.listen, (mode_t)cfg.socket_mode) != 0)
		fatal("socket_mode: chmod %s", cfg.listen);
	if (listen(fd, 1024) != 0)
		fatal("listen");
	own_socket = true;
	return fd;
}

static int
socket_get(void)
{
	int	n, fd;

	n = sd_listen_fds(1);
	if (n < 0)
		fatalx("sd_listen_fds: %s", strerror(-n));
	if (n > 1)
		fatalx("socket activation passed %d sockets; expected one", n);
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
			fatalx("socket activation: fd %d is not a listening "
			    "stream socket", fd);
		log_info("listening on the socket passed by systemd");
	} else {
		fd = socket_open();
		log_info("listening on %s", cfg.listen);
	}
	/* Workers poll, then accept without blocking: see fcgi.c. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		fatal("fcntl O_NONBLOCK");
	return fd;
}

static pid_t
spawn(struct slot *s)
{
	pid_t		pid;
	sigset_t	none;

	if ((pid = fork()) < 0) {
		log_warn("fork");
		return -1;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		worker_run(&cfg, listen_fd);
	}
	s->pid = pid;
	s->started = now_mono_us();
	return pid;
}

static void
signal_all(int sig)
{
	long	i;

	for (i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, sig);
}

static long
alive(void)
{
	long	i, n = 0;

	for (i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			n++;
	return n;
}

/*
 * Reap exited children. Returns how many were current workers (which
 * the caller replaces); retired workers from a reload just go.
 */
static void
reap(bool replace)
{
	pid_t	pid;
	int	status;
	long	i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		metrics_worker_gone(pid);
		for (i = 0; i < nslots && slots[i].pid != pid; i++)
			;
		if (i == nslots)
			continue;	/* a retired worker from a reload */
		if (WIFSIGNALED(status))
			log_warnx("worker %ld killed by signal %d", (long)pid,
			    WTERMSIG(status));
		else if (WEXITSTATUS(status) != 0 || replace)
			log_warnx("worker %ld exited with status %d",
			    (long)pid, WEXITSTATUS(status));
		slots[i].pid = 0;
		if (!replace)
			continue;
		/* A worker that dies at once is in a crash loop: slow it. */
		if (now_mono_us() - slots[i].started < CRASH_BACKOFF_US)
			usleep(CRASH_BACKOFF_US);
		if (spawn(&slots[i]) > 0)
			log_info("worker %ld replaced by %ld", (long)pid,
			    (long)slots[i].pid);
	}
}

/*
 * SIGHUP: read the configuration again and replace every worker. The old
 * workers finish the request they are serving, then exit. A configuration
 * that does not load leaves everything as it was.
 */
static void
reload(void)
{
	struct config	 next;
	struct slot	*old = slots;
	long		 i, nold = nslots;
	char		 err[1024];

	sd_notify(0, "RELOADING=1");
	if (config_load(&next, cfg_path, err, sizeof(err)) != 0) {
		log_warnx("reload: keeping the running configuration: %s", err);
		sd_notify(0, "READY=1");
		return;
	}
	if (strcmp(next.listen, cfg.listen) != 0)
		log_warnx("reload: listen changes only at restart");
	config_release(&cfg);
	cfg = next;
	log_set_level((enum log_level)cfg.log_level);
	nslots = cfg.workers;
	slots = xcalloc((size_t)nslots, sizeof(*slots));
	for (i = 0; i < nslots; i++)
		if (spawn(&slots[i]) < 0)
			log_warnx("reload: could not start a worker");
	for (i = 0; i < nold; i++)
		if (old[i].pid > 0)
			kill(old[i].pid, SIGTERM);
	free(old);
	log_info("reload: %ld workers started with the new configuration",
	    nslots);
	sd_notifyf(0, "READY=1\nSTATUS=%ld workers", nslots);
}

static void
shutdown_workers(void)
{
	struct timespec	 ts = { 1, 0 };
	sigset_t	 set;
	int		 waited = 0;

	sd_notify(0, "STOPPING=1");
	log_info("stopping: waiting for %ld workers", alive());
	signal_all(SIGTERM);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	while (alive() > 0 && waited < SHUTDOWN_GRACE_S) {
		if (sigtimedwait(&set, NULL, &ts) < 0)
			waited++;
		reap(false);
	}
	if (alive() > 0) {
		log_warnx("stopping: %ld workers still busy after %ds, "
		    "killing them", alive(), SHUTDOWN_GRACE_S);
		signal_all(SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
	/* Retired workers of a recent reload may remain. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int
main(int argc, char **argv)
{
	char		 err[1024];
	bool		 check = false;
	sigset_t	 set;
	int		 ch, sig;
	long		 i;

	while ((ch = getopt(argc, argv, "c:t")) != -1) {
		switch (ch) {
		case 'c': cfg_path = optarg; break;
		case 't': check = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("memberd", LOG_LVL_INFO);
	if (config_load(&cfg, cfg_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "memberd: %s\n", err);
		return 1;
	}
	log_set_level((enum log_level)cfg.log_level);
	if (check) {
		/*
		 * One file serves both daemons: check the mailer's keys too,
		 * but not for its password, which may be given to the
		 * mailer's unit alone.
		 */
		if (cfg.smtp_password == NULL)
			cfg.smtp_password = xstrdup("(the mailer's)");
		if (config_check_mailer(&cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "memberd: %s (memberd-mailer would not "
			    "start)\n", err);
			return 1;
		}
		printf("memberd: configuration ok\n");
		return 0;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	listen_fd = socket_get();
	/* before the first fork: every worker, now or later, shares it */
	(void)metrics_init();
	nslots = cfg.workers;
	slots = xcalloc((size_t)nslots, sizeof(*slots));
	for (i = 0; i < nslots; i++)
		if (spawn(&slots[i]) < 0)
			fatalx("cannot start workers");
	log_info("started %ld workers", nslots);
	sd_notifyf(0, "READY=1\nSTATUS=%ld workers\nMAINPID=%ld", nslots,
	    (long)getpid());

	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig == SIGCHLD)
			reap(true);
		else if (sig == SIGHUP)
			reload();
		else if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	shutdown_workers();
	if (own_socket)
		unlink(cfg.listen);
	close(listen_fd);
	log_info("stopped");
	free(slots);
	config_release(&cfg);
	return 0;
}
