/*
 * argon2-rate: the raw Argon2id verification rate of this machine with the
 * configured parameters, in P processes for S seconds: the ceiling a login
 * cannot beat, since each login verifies one password.
 *   argon2-rate CONFIG PROCESSES SECONDS
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "password.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct config	cfg;
	char		err[512], phc[PASSWORD_PHC_MAX];
	long		procs, secs, total = 0, n;
	int		fds[2], i;
	int64_t		t0, t1;

	if (argc != 4 || !parse_long(argv[2], 1, 256, &procs) ||
	    !parse_long(argv[3], 1, 3600, &secs)) {
		fprintf(stderr, "usage: argon2-rate CONFIG PROCESSES SECONDS\n");
		return 2;
	}
	if (config_load(&cfg, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (password_hash(&cfg, "correct horse battery staple", phc) != 0)
		return 1;
	if (pipe(fds) != 0)
		return 1;
	t0 = now_mono_us();
	for (i = 0; i < procs; i++) {
		if (fork() == 0) {
			n = 0;
			while (now_mono_us() - t0 < secs * 1000000) {
				if (!password_verify(phc, "correct horse battery staple"))
					_exit(1);
				n++;
			}
			if (write(fds[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < procs; i++) {
		if (read(fds[0], &n, sizeof(n)) == sizeof(n))
			total += n;
		wait(NULL);
	}
	t1 = now_mono_us();
	printf("%.2f\n", (double)total * 1e6 / (double)(t1 - t0));
	return 0;
}
