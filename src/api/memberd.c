/*
 * memberd.c: the FastCGI service. The parent opens (or inherits) the
 * listening socket, forks the workers, replaces any that die, and on
 * SIGTERM lets the requests in flight finish before it exits. The parent
 * never touches the database.
 *
 * SIGHUP reloads: the configuration is read again and a new set of
 * workers started; only when every new worker has connected to the
 * database are the old ones retired (they finish their request first).
 * Otherwise the new ones go and the old ones stay: a reload never leaves
 * memberd worse than before. "memberd -r PID" (the unit's ExecReload)
 * checks the configuration, asks PID to reload with a SIGHUP queued with
 * RELOAD_COOKIE and waits for the answer, SIGUSR1 done or SIGUSR2 failed,
 * so that `systemctl reload` fails when the reload did.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "worker.h"
#include "secretbox.h"
#include "twofactor.h"
#include "banned.h"

#define SHUTDOWN_GRACE_S	30
#define CRASH_BACKOFF_US	1000000
/* New workers get db_connect_timeout and this much more to connect. */
#define RELOAD_GRACE_S		5
#define RELOAD_COOKIE		0x6d656d62	/* "memb" */
#define RELOAD_WAIT_S		60

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
/* During a reload: the parent's ends of the new workers' pipes. */
static struct pollfd	*pending;
static long		 npending;

static void
usage(void)
{
	fprintf(stderr, "usage: memberd [-c file] [-t | -r pid]\n"
	    "  -c file  configuration (default $MEMBERD_CONFIG)\n"
	    "  -t       check the configuration and exit\n"
	    "  -r pid   check it, make memberd PID reload it, wait: exit 0\n"
	    "           when the new workers serve, 1 when the old ones stay\n");
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

/*
 * Fork a worker on config c. With ready_fd (the write end of a pipe; -1
 * for none) the worker says there whether it reached the database.
 */
static pid_t
spawn(struct slot *s, const struct config *c, int ready_fd)
{
	pid_t		pid;
	sigset_t	none;
	long		i;

	if ((pid = fork()) < 0) {
		log_warn("fork");
		return -1;
	}
	if (pid == 0) {
		for (i = 0; i < npending; i++)
			if (pending[i].fd >= 0)
				close(pending[i].fd);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		worker_run(c, listen_fd, ready_fd);
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
		if (spawn(&slots[i], &cfg, -1) > 0)
			log_info("worker %ld replaced by %ld", (long)pid,
			    (long)slots[i].pid);
	}
}

/* Tell the process that asked for the reload (memberd -r) how it went. */
static void
reload_answer(pid_t requester, bool ok)
{
	if (requester > 0 && kill(requester, ok ? SIGUSR1 : SIGUSR2) != 0)
		log_warn("reload: answering process %ld", (long)requester);
}

static void reload_failed(pid_t, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
reload_failed(pid_t requester, const char *fmt, ...)
{
	char	why[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("reload failed, %ld workers keep the running "
	    "configuration: %s", alive(), why);
	sd_notifyf(0, "READY=1\nSTATUS=%ld workers; the last reload failed: "
	    "%s", alive(), why);
	reload_answer(requester, false);
}

/*
 * Start n workers on c, each with a pipe to say whether it reached the
 * database; wait for all of them until the deadline. Returns how many
 * connected. The caller keeps or retires them all.
 */
static long
reload_start(struct slot *fresh, long n, const struct config *c)
{
	struct pollfd	*pfd = xcalloc((size_t)n, sizeof(*pfd));
	int64_t		 deadline, left;
	long		 i, waiting = 0, up = 0;
	int		 p[2], r;
	char		 said;

	for (i = 0; i < n; i++)
		pfd[i].fd = -1;
	pending = pfd;
	npending = n;
	for (i = 0; i < n; i++) {
		if (pipe2(p, O_CLOEXEC) != 0) {
			log_warn("reload: pipe");
			break;
		}
		if (spawn(&fresh[i], c, p[1]) < 0) {
			close(p[0]);
			close(p[1]);
			break;
		}
		close(p[1]);
		pfd[i].fd = p[0];
		pfd[i].events = POLLIN;
		waiting++;
	}
	deadline = now_mono_us() +
	    (c->db_connect_timeout + RELOAD_GRACE_S) * 1000000LL;
	while (waiting > 0 && (left = deadline - now_mono_us()) > 0) {
		if (poll(pfd, (nfds_t)n, (int)(left / 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("reload: poll");
			break;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			r = (int)read(pfd[i].fd, &said, 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 1 && said == 'y')
				up++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			waiting--;
		}
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	pending = NULL;
	npending = 0;
	free(pfd);
	return up;
}

/*
 * SIGHUP: read the configuration again and start a new set of workers on
 * it. Only when each of them has connected to the database are the old
 * workers told to go (each finishes the request it is serving); else the
 * new ones go, the old ones and their configuration stay, and the failure
 * is in the log, in the unit's STATUS= and in requester's answer.
 */
static void
reload(pid_t requester)
{
	struct config	 next;
	struct slot	*fresh;
	long		 i, n, up;
	char		 err[1024];

	sd_notify(0, "RELOADING=1\nSTATUS=reloading");
	if (config_load(&next, cfg_path, err, sizeof(err)) != 0) {
		config_release(&next);
		reload_failed(requester, "%s", err);
		return;
	}
	if (strcmp(next.listen, cfg.listen) != 0)
		log_warnx("reload: listen changes only at restart");
	n = next.workers;
	fresh = xcalloc((size_t)n, sizeof(*fresh));
	up = reload_start(fresh, n, &next);
	if (up < n) {
		for (i = 0; i < n; i++)
			if (fresh[i].pid > 0)
				kill(fresh[i].pid, SIGTERM);
		free(fresh);
		config_release(&next);
		reload_failed(requester, "%ld of %ld new workers could not "
		    "connect to the database (a changed credential needs "
		    "systemctl restart)", n - up, n);
		return;
	}
	for (i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGTERM);
	free(slots);
	slots = fresh;
	nslots = n;
	config_release(&cfg);
	cfg = next;
	log_set_level((enum log_level)cfg.log_level);
	log_info("reload: %ld workers started with the new configuration",
	    nslots);
	sd_notifyf(0, "READY=1\nSTATUS=%ld workers", nslots);
	reload_answer(requester, true);
}

/*
 * memberd -r PID: the configuration has loaded (main did that, as -t
 * does); ask PID to reload and wait for its answer.
 */
static int
reload_request(const char *arg)
{
	struct timespec	 ts = { RELOAD_WAIT_S, 0 };
	union sigval	 v = { .sival_int = RELOAD_COOKIE };
	sigset_t	 set;
	long		 pid;
	int		 sig;

	if (!parse_long(arg, 2, 0x7fffffffL, &pid))
		fatalx("-r: not a process id: \"%s\"", arg);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (sigqueue((pid_t)pid, SIGHUP, v) != 0)
		fatal("reload: signalling process %ld", pid);
	sig = sigtimedwait(&set, NULL, &ts);
	if (sig == SIGUSR1) {
		log_info("reload: done");
		return 0;
	}
	if (sig == SIGUSR2)
		log_warnx("reload failed: the running workers stay; the "
		    "reason is in the log of memberd");
	else
		log_warnx("reload: no answer from process %ld in %ds", pid,
		    RELOAD_WAIT_S);
	return 1;
}

/*
 * memberd -t: the key that seals stored secrets. A configured key must
 * load (32 bytes). Without one, the database is asked whether anyone has
 * a TOTP secret (2FA set up or on): then the missing key is an error,
 * since nobody could complete a login. A database -t cannot reach is
 * said, not fatal: the check is then left to the workers, which log it.
 * 0, or 1 after saying why.
 */
static int
check_secret_key(void)
{
	struct secretbox_key	 key;
	struct db		*db;
	char			 err[1024], path[4096];
	int			 used;

	if (secretbox_key_source(&cfg, path, sizeof(path))) {
		if (secretbox_key_load(&cfg, &key, err, sizeof(err)) != 0) {
			fprintf(stderr, "memberd: %s (TOTP and webhook secrets "
			    "could not be sealed or opened)\n", err);
			return 1;
		}
		secretbox_key_wipe(&key);
		return 0;
	}
	db = db_open(&cfg, "memberd -t");
	used = db_is_up(db) ? twofactor_in_use(db) : -1;
	db_close(db);
	if (used == 1) {
		fprintf(stderr, "memberd: secret_key_file: no key configured "
		    "(nor the credential secret_key), but two-factor "
		    "authentication is in use: nobody with 2FA could sign "
		    "in\n");
		return 1;
	}
	if (used < 0)
		fprintf(stderr, "memberd: warning: the database did not "
		    "answer, so whether two-factor authentication is in use "
		    "(which needs secret_key_file or the credential "
		    "secret_key) was not checked\n");
	return 0;
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
	const char	*reload_pid = NULL;
	bool		 check = false;
	siginfo_t	 info;
	sigset_t	 set;
	int		 ch, sig;
	long		 i;

	while ((ch = getopt(argc, argv, "c:r:t")) != -1) {
		switch (ch) {
		case 'c': cfg_path = optarg; break;
		case 'r': reload_pid = optarg; break;
		case 't': check = true; break;
		default: usage();
		}
	}
	if (optind != argc || (check && reload_pid != NULL))
		usage();
	log_init("memberd", LOG_LVL_INFO);
	if (config_load(&cfg, cfg_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "memberd: %s\n", err);
		return 1;
	}
	log_set_level((enum log_level)cfg.log_level);
	if (reload_pid != NULL)
		return reload_request(reload_pid);
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
		if (check_secret_key() != 0)
			return 1;
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
		if (spawn(&slots[i], &cfg, -1) < 0)
			fatalx("cannot start workers");
	log_info("started %ld workers", nslots);
	sd_notifyf(0, "READY=1\nSTATUS=%ld workers\nMAINPID=%ld", nslots,
	    (long)getpid());

	for (;;) {
		sig = sigwaitinfo(&set, &info);
		if (sig == SIGCHLD)
			reap(true);
		else if (sig == SIGHUP)
			reload(info.si_code == SI_QUEUE &&
			    info.si_value.sival_int == RELOAD_COOKIE ?
			    info.si_pid : 0);
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
