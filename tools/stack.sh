#!/usr/bin/env bash
# The memberd stack on loopback: PostgreSQL, the SMTP catcher, memberd, the
# mailer, memberd-webhooks with a local webhook receiver, a stand-in billing
# service behind memberd's auth_request under /billing/, and nginx. The
# developer stack lives in var/; the tests run the same script on a
# throwaway directory and free ports.
#
#   tools/stack.sh up|down|run|status|purge|pg-start|pg-stop|env
#   tools/stack.sh pg-restart fast|immediate
#
# Environment (defaults are the developer stack's):
#   STACK_DIR           state directory                 (repo/var)
#   MEMBERD_HTTP_PORT   nginx                           (8080)
#   MEMBERD_PG_PORT     PostgreSQL                      (54329)
#   MEMBERD_SMTP_PORT   the SMTP catcher                (2525)
#   MEMBERD_HOOK_PORT   the webhook receiver            (2626)
#   STACK_BIN           where the binaries are          (repo/build)
#   STACK_WORKERS       memberd workers                 (4)
#   STACK_CATCHER=0     do not start the SMTP catcher (tests bring their own)
#   STACK_MAILER=0      do not start memberd-mailer
#   STACK_WEBHOOKS=0    do not start memberd-webhooks
#   STACK_RECEIVER=0    no webhook receiver, nothing registered (tests)
#   STACK_BILLING=0     no echo service behind /billing/ (nginx answers 502)
#   STACK_FAST=1        PostgreSQL without fsync (tests only)
#   STACK_EXTRA_CONF    lines appended to memberd.conf when it is created
#   STACK_PG_LOCALE     the cluster's locale when it is created, e.g.
#                       C.UTF-8 (what a distribution's cluster usually
#                       has: lower() folds beyond ASCII); default none
#   STACK_PGBOUNCER=1   put Debian's PgBouncer in transaction mode between
#                       memberd/memberctl and PostgreSQL, with
#                       db_prepared_statements = false; the mailer connects
#                       directly, for LISTEN (memberd-direct.conf)
#   MEMBERD_PGBOUNCER_PORT  PgBouncer                   (6432)
#   STACK_PGBOUNCER_MODE    its pool_mode               (transaction)
#   STACK_PGBOUNCER_POOL    its default_pool_size       (2)
#   STACK_PGBOUNCER_WAIT    its query_wait_timeout, s   (120)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${STACK_DIR:-$REPO/var}
HTTP_PORT=${MEMBERD_HTTP_PORT:-8080}
PG_PORT=${MEMBERD_PG_PORT:-54329}
SMTP_PORT=${MEMBERD_SMTP_PORT:-2525}
BIN=${STACK_BIN:-$REPO/build}
WORKERS=${STACK_WORKERS:-4}
CATCHER=${STACK_CATCHER:-1}
MAILER=${STACK_MAILER:-1}
BOUNCER=${STACK_PGBOUNCER:-0}
BOUNCER_PORT=${MEMBERD_PGBOUNCER_PORT:-6432}
HOOK_PORT=${MEMBERD_HOOK_PORT:-2626}
WEBHOOKS=${STACK_WEBHOOKS:-1}
RECEIVER=${STACK_RECEIVER:-1}
BILLING=${STACK_BILLING:-1}

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CONF=$DIR/memberd.conf
# What must not go through transaction pooling (the mailer's LISTEN).
DIRECT_CONF=$DIR/memberd-direct.conf
LOG=$DIR/log
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

# Run a command as the postgres OS user when we are root: PostgreSQL
# refuses to run as root.
as_pg() {
	if [ $ROOT -eq 1 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
as_web() {
	if [ $ROOT -eq 1 ]; then runuser -u www-data -- "$@"; else "$@"; fi
}

pg_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		[ -x "$d/pg_ctl" ] && { echo "$d"; return; }
	done
	command -v pg_ctl >/dev/null && { dirname "$(command -v pg_ctl)"; return; }
	die "no PostgreSQL server binaries (apt-get install postgresql-15)"
}
PGBIN=$(pg_bindir)

# The runtime root holds what other users must reach: the PostgreSQL data
# (user postgres) and the FastCGI socket (nginx's www-data). When STACK_DIR
# sits under a directory they cannot enter (a 0700 home), those live in
# /var/tmp and STACK_DIR links to them.
runtime_root() {
	if [ $ROOT -eq 0 ] || { runuser -u postgres -- test -x "$DIR" &&
	    runuser -u www-data -- test -x "$DIR"; } 2>/dev/null; then
		echo "$DIR"
	else
		echo "/var/tmp/memberd-$(printf '%s' "$DIR" | sha1sum | cut -c1-12)"
	fi
}
RT=$(runtime_root)
PGDATA=$RT/pg
PGRUN=$RT/pgrun
BOUNCER_DIR=$RT/pgbouncer
RUN=$RT/run
SOCK=$RUN/memberd.sock

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {
	local f=$1 pid
	[ -f "$f" ] || return 1
	pid=$(cat "$f" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Stop the process recorded in a pid file, if it is still the one we
# started (its command line names what we expect).
stop_pid() {
	local f=$1 what=$2 pid i
	pid_alive "$f" || { rm -f "$f"; return 0; }
	pid=$(cat "$f")
	if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$what"; then
		rm -f "$f"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
	rm -f "$f"
}

layout() {
	mkdir -p "$LOG" "$DIR/mail/new" "$DIR/mail/tmp" "$DIR/mail/cur" "$RT" \
		"$DIR/webhooks"
	chmod 755 "$RT"
	mkdir -p "$RUN" "$PGRUN" "$DIR/nginx/tmp"
	chmod 755 "$RUN"
	if [ "$RT" != "$DIR" ]; then
		ln -sfn "$PGDATA" "$DIR/pg"
		ln -sfn "$RUN" "$DIR/run"
	fi
	if [ $ROOT -eq 1 ]; then
		chown postgres: "$PGRUN"
		chown www-data: "$DIR/nginx/tmp"
	fi
}

write_config() {
	[ -f "$CONF" ] && return 0
	local group=""
	[ $ROOT -eq 1 ] && group="socket_group = www-data"
	cat > "$CONF" <<-CONF
	# memberd configuration of the stack in $DIR (see README.md).
	listen = $SOCK
	socket_mode = 0660
	$group
	workers = $WORKERS
	public_url = http://127.0.0.1:$HTTP_PORT
	plain_http = true
	db_host = 127.0.0.1
	db_port = $(db_port)
	db_name = memberd
	db_user = memberd
	db_sslmode = disable
	smtp_host = 127.0.0.1
	smtp_port = $SMTP_PORT
	smtp_starttls = off
	mail_from = memberd@example.com
	mail_from_name = memberd
	mailer_poll_interval = 2s
	$( [ "$BOUNCER" = 1 ] && echo "db_prepared_statements = false" )
	secret_key_file = $DIR/secret.key
	${STACK_EXTRA_CONF:-}
	CONF
}

# memberd and memberctl reach PostgreSQL through PgBouncer when it runs.
db_port() {
	if [ "$BOUNCER" = 1 ]; then echo "$BOUNCER_PORT"; else echo "$PG_PORT"; fi
}

# The keys that name this stack's own sockets and ports follow the
# environment of each start, so MEMBERD_*_PORT move a stack that exists.
sync_config() {
	local key val tmp=$CONF.tmp
	cp "$CONF" "$tmp"
	for key in listen public_url db_port smtp_port secret_key_file; do
		case $key in
		secret_key_file) val=$DIR/secret.key ;;
		listen)		val=$SOCK ;;
		public_url)	val=http://127.0.0.1:$HTTP_PORT ;;
		db_port)	val=$(db_port) ;;
		smtp_port)	val=$SMTP_PORT ;;
		esac
		if grep -q "^$key[[:space:]]*=" "$tmp"; then
			sed -i "s|^$key[[:space:]]*=.*|$key = $val|" "$tmp"
		else
			echo "$key = $val" >> "$tmp"
		fi
	done
	if cmp -s "$tmp" "$CONF"; then rm -f "$tmp"; else mv "$tmp" "$CONF"; fi
	sed "s|^db_port[[:space:]]*=.*|db_port = $PG_PORT|" "$CONF" > "$DIRECT_CONF"
}

pg_start() {
	if [ ! -f "$PGDATA/PG_VERSION" ]; then
		say "initdb $PGDATA"
		mkdir -p "$PGDATA"
		[ $ROOT -eq 1 ] && chown postgres: "$PGDATA"
		chmod 700 "$PGDATA"
		local locale=--no-locale
		[ -n "${STACK_PG_LOCALE:-}" ] && locale=--locale=$STACK_PG_LOCALE
		as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust \
			-E UTF8 "$locale" >"$PGRUN/initdb.log" 2>&1 ||
			{ cat "$PGRUN/initdb.log" >&2; die "initdb failed"; }
		{
			echo "listen_addresses = '127.0.0.1'"
			echo "port = $PG_PORT"
			echo "unix_socket_directories = ''"
			echo "max_connections = 200"
			echo "log_min_messages = warning"
			if [ "${STACK_FAST:-0}" = 1 ]; then
				echo "fsync = off"
				echo "synchronous_commit = off"
				echo "full_page_writes = off"
			fi
		} >> "$PGDATA/postgresql.conf"
	fi
	if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
		return 0
	fi
	port_busy "$PG_PORT" && die "port $PG_PORT is taken (set MEMBERD_PG_PORT)"
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGRUN/postgresql.log" \
		-o "-p $PG_PORT" -w -t 60 start >/dev/null ||
		{ tail -20 "$PGRUN/postgresql.log" >&2; die "PostgreSQL did not start"; }
	ln -sfn "$PGRUN/postgresql.log" "$LOG/postgresql.log"
	local psql=(as_pg "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
	if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'memberd'")" != 1 ]; then
		"${psql[@]}" -c "CREATE ROLE memberd LOGIN"
	fi
	if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'memberd'")" != 1 ]; then
		"${psql[@]}" -c "CREATE DATABASE memberd OWNER memberd"
	fi
}

pg_stop() {
	[ -f "$PGDATA/PG_VERSION" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1 || return 0
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
}

# pg_ctl restart -m fast|immediate: what an operator (or a crash) does to
# the clients' sessions; returns when PostgreSQL accepts connections again.
pg_restart() {
	local mode=${1:-fast}
	case $mode in fast|immediate) ;; *) die "pg-restart fast|immediate" ;; esac
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGRUN/postgresql.log" \
		-m "$mode" -w -t 60 restart >/dev/null ||
		{ tail -20 "$PGRUN/postgresql.log" >&2; die "PostgreSQL did not restart"; }
}

# Debian's PgBouncer in transaction mode, with a pool smaller than its
# clients so that every transaction may land on another server connection.
pgbouncer_start() {
	[ "$BOUNCER" = 1 ] || return 0
	command -v pgbouncer >/dev/null || die "no pgbouncer (apt-get install pgbouncer)"
	pid_alive "$BOUNCER_DIR/pgbouncer.pid" && return 0
	port_busy "$BOUNCER_PORT" && die "port $BOUNCER_PORT is taken (set MEMBERD_PGBOUNCER_PORT)"
	mkdir -p "$BOUNCER_DIR"
	echo '"memberd" ""' > "$BOUNCER_DIR/userlist.txt"
	cat > "$BOUNCER_DIR/pgbouncer.ini" <<-INI
	[databases]
	memberd = host=127.0.0.1 port=$PG_PORT dbname=memberd
	[pgbouncer]
	listen_addr = 127.0.0.1
	listen_port = $BOUNCER_PORT
	unix_socket_dir =
	auth_type = trust
	auth_file = $BOUNCER_DIR/userlist.txt
	pool_mode = ${STACK_PGBOUNCER_MODE:-transaction}
	default_pool_size = ${STACK_PGBOUNCER_POOL:-2}
	query_wait_timeout = ${STACK_PGBOUNCER_WAIT:-120}
	max_client_conn = 100
	logfile = $BOUNCER_DIR/pgbouncer.log
	pidfile = $BOUNCER_DIR/pgbouncer.pid
	INI
	[ $ROOT -eq 1 ] && chown -R postgres: "$BOUNCER_DIR"
	as_pg pgbouncer -d -q "$BOUNCER_DIR/pgbouncer.ini" ||
		die "pgbouncer did not start (see $BOUNCER_DIR/pgbouncer.log)"
	ln -sfn "$BOUNCER_DIR/pgbouncer.log" "$LOG/pgbouncer.log"
	local i
	for i in $(seq 1 100); do port_busy "$BOUNCER_PORT" && return 0; sleep 0.1; done
	die "pgbouncer does not listen (see $BOUNCER_DIR/pgbouncer.log)"
}

catcher_start() {
	[ "$CATCHER" = 1 ] || return 0
	pid_alive "$RUN/smtp-catcher.pid" && return 0
	port_busy "$SMTP_PORT" && die "port $SMTP_PORT is taken (set MEMBERD_SMTP_PORT)"
	setsid node "$REPO/tools/smtp-catcher.mjs" --port "$SMTP_PORT" \
		--dir "$DIR/mail" >>"$LOG/smtp-catcher.log" 2>&1 &
	echo $! > "$RUN/smtp-catcher.pid"
	local i
	for i in $(seq 1 100); do port_busy "$SMTP_PORT" && return 0; sleep 0.1; done
	die "the SMTP catcher did not start (see $LOG/smtp-catcher.log)"
}

memberd_start() {
	pid_alive "$RUN/memberd.pid" && return 0
	setsid "$BIN/memberd" -c "$CONF" >>"$LOG/memberd.log" 2>&1 &
	echo $! > "$RUN/memberd.pid"
	local i
	for i in $(seq 1 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	die "memberd did not start (see $LOG/memberd.log)"
}

# The key that seals stored secrets (webhook secrets), once.
secret_key() {
	[ -s "$DIR/secret.key" ] && return 0
	(umask 077; openssl rand -hex 32 > "$DIR/secret.key.tmp") &&
		mv "$DIR/secret.key.tmp" "$DIR/secret.key"
}

receiver_start() {
	[ "$RECEIVER" = 1 ] || return 0
	pid_alive "$RUN/webhook-receiver.pid" && return 0
	port_busy "$HOOK_PORT" && die "port $HOOK_PORT is taken (set MEMBERD_HOOK_PORT)"
	setsid node "$REPO/tools/webhook-receiver.mjs" --port "$HOOK_PORT" \
		--dir "$DIR/webhooks" >>"$LOG/webhook-receiver.log" 2>&1 &
	echo $! > "$RUN/webhook-receiver.pid"
	local i
	for i in $(seq 1 100); do port_busy "$HOOK_PORT" && return 0; sleep 0.1; done
	die "the webhook receiver did not start (see $LOG/webhook-receiver.log)"
}

# The receiver as an endpoint for every event, on any start where it is
# not registered yet (an existing var/ gets it too).
receiver_register() {
	[ "$RECEIVER" = 1 ] || return 0
	local url=http://127.0.0.1:$HOOK_PORT/webhooks sec=$DIR/webhook-secret
	if [ ! -s "$sec" ]; then
		(umask 077; printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" > "$sec")
	fi
	"$BIN/memberctl" -c "$CONF" webhook list | grep -q " $url\$" && return 0
	"$BIN/memberctl" -c "$CONF" webhook add "$url" --events '*' \
		--secret-file "$sec" >/dev/null || die "could not register the webhook receiver"
}

# The stand-in billing service on a unix socket that nginx's workers reach.
billing_start() {
	[ "$BILLING" = 1 ] || return 0
	pid_alive "$RUN/billing.pid" && return 0
	rm -f "$RUN/billing.sock"
	setsid node "$REPO/tools/echo-upstream.mjs" --socket "$RUN/billing.sock" \
		>>"$LOG/billing.log" 2>&1 &
	echo $! > "$RUN/billing.pid"
	local i
	for i in $(seq 1 100); do [ -S "$RUN/billing.sock" ] && return 0; sleep 0.1; done
	die "the echo service did not start (see $LOG/billing.log)"
}

webhooks_start() {
	[ "$WEBHOOKS" = 1 ] || return 0
	pid_alive "$RUN/webhooks.pid" && return 0
	# LISTEN and session locks: never through transaction pooling
	setsid "$BIN/memberd-webhooks" -c "$DIRECT_CONF" >>"$LOG/webhooks.log" 2>&1 &
	echo $! > "$RUN/webhooks.pid"
}

mailer_start() {
	[ "$MAILER" = 1 ] || return 0
	pid_alive "$RUN/mailer.pid" && return 0
	# LISTEN needs a session: never through transaction pooling
	setsid "$BIN/memberd-mailer" -c "$DIRECT_CONF" >>"$LOG/mailer.log" 2>&1 &
	echo $! > "$RUN/mailer.pid"
}

www_root() {
	# nginx's workers (www-data) must be able to read the portal pages.
	if [ $ROOT -eq 0 ] || runuser -u www-data -- test -r "$REPO/nginx/www/." 2>/dev/null; then
		echo "$REPO/nginx/www"
	else
		rm -rf "$RT/www" && cp -a "$REPO/nginx/www" "$RT/www"
		chmod -R a+rX "$RT/www"
		echo "$RT/www"
	fi
}

nginx_start() {
	pid_alive "$RUN/nginx.pid" && return 0
	port_busy "$HTTP_PORT" && die "port $HTTP_PORT is taken (set MEMBERD_HTTP_PORT)"
	local user="" www
	[ $ROOT -eq 1 ] && user="user www-data www-data;"
	www=$(www_root)
	sed -e "s|@USER@|$user|" -e "s|@RUN@|$RUN|g" -e "s|@LOG@|$LOG|g" \
	    -e "s|@NGINX@|$DIR/nginx|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
	    -e "s|@WWW@|$www|g" -e "s|@SOCK@|$SOCK|g" \
	    -e "s|@SNIPPETS@|$REPO/nginx/snippets|g" \
	    "$REPO/nginx/dev.conf.in" > "$DIR/nginx/nginx.conf"
	nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$LOG/nginx-error.log" ||
		die "nginx did not start (see $LOG/nginx-error.log)"
}

wait_healthy() {
	local i
	for i in $(seq 1 150); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/v1/health" 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	die "the stack did not become healthy (see $LOG/)"
}

dev_admin() {
	# The developer's administrator, once.
	local pw=$DIR/dev-admin-password
	[ -s "$pw" ] && return 0
	(umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$pw.tmp")
	if "$BIN/memberctl" -c "$CONF" admin add admin@example.com < "$pw.tmp" >/dev/null; then
		mv "$pw.tmp" "$pw"
		chmod 600 "$pw"
	else
		rm -f "$pw.tmp"
		die "could not create the dev admin"
	fi
}

up() {
	for b in memberd memberd-mailer memberd-webhooks memberctl; do
		[ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make first"
	done
	# a start that fails half-way leaves nothing running
	trap 'down >/dev/null 2>&1 || true' EXIT
	layout
	write_config
	sync_config
	secret_key
	pg_start
	pgbouncer_start
	"$BIN/memberctl" -c "$CONF" migrate >/dev/null ||
		die "memberctl migrate failed"
	dev_admin
	receiver_register
	catcher_start
	receiver_start
	memberd_start
	mailer_start
	webhooks_start
	billing_start
	nginx_start
	wait_healthy
	trap - EXIT
}

# Everything the stack keeps: var/ and, under a 0700 home, the runtime
# directory in /var/tmp that var/pg and var/run link to.
purge() {
	down
	[ "$RT" != "$DIR" ] && rm -rf "$RT"
	rm -rf "$DIR"
}

down() {
	if pid_alive "$RUN/nginx.pid"; then
		nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$LOG/nginx-error.log" -s quit 2>/dev/null ||
			stop_pid "$RUN/nginx.pid" nginx
		local i
		for i in $(seq 1 50); do pid_alive "$RUN/nginx.pid" || break; sleep 0.1; done
	fi
	stop_pid "$RUN/mailer.pid" memberd-mailer
	stop_pid "$RUN/webhooks.pid" memberd-webhooks
	stop_pid "$RUN/webhook-receiver.pid" webhook-receiver
	stop_pid "$RUN/billing.pid" echo-upstream
	stop_pid "$RUN/memberd.pid" memberd
	stop_pid "$RUN/smtp-catcher.pid" smtp-catcher
	stop_pid "$BOUNCER_DIR/pgbouncer.pid" pgbouncer
	pg_stop
}

status() {
	local f name
	for name in memberd mailer webhooks smtp-catcher webhook-receiver billing nginx pgbouncer; do
		f=$RUN/$name.pid
		[ $name = pgbouncer ] && f=$BOUNCER_DIR/pgbouncer.pid
		if pid_alive "$f"; then echo "$name: running (pid $(cat "$f"))"
		else echo "$name: stopped"; fi
	done
	if [ -f "$PGDATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
		# the port it runs on, not the one this shell would pick
		echo "postgresql: running on 127.0.0.1:$(sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || echo "$PG_PORT")"
	else
		echo "postgresql: stopped"
	fi
}

banner() {
	cat <<-EOF

	memberd is up.
	  portal and API   http://127.0.0.1:$HTTP_PORT/   (health: /api/v1/health)
	  metrics          http://127.0.0.1:$HTTP_PORT/metrics   (description: /api/v1/openapi.json)
	  billing (echo)   http://127.0.0.1:$HTTP_PORT/billing/   behind auth_request: signed-in
	                   members; /billing/invoices/ needs the invoices permission
	  admin            admin@example.com, password in $DIR/dev-admin-password
	  caught mail      $DIR/mail/new/   (SMTP catcher on 127.0.0.1:$SMTP_PORT)
	  webhooks         $DIR/webhooks/   (receiver on 127.0.0.1:$HOOK_PORT, every event;
	                   secret in $DIR/webhook-secret)
	  PostgreSQL       psql -h 127.0.0.1 -p $PG_PORT -U memberd memberd
	  configuration    $CONF
	  logs             $LOG/
	EOF
}

case "${1:-}" in
up)	up; banner; echo "  stop it with     make down" ;;
down)	down; say "stopped (data kept in $DIR)" ;;
run)
	tailpid=""
	trap 'echo; [ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null; down;
	    say "stopped (data kept in $DIR)"; exit 0' INT TERM
	up
	banner
	echo "  Ctrl-C stops everything."
	echo
	tail -n 0 -F "$LOG/memberd.log" "$LOG/mailer.log" "$LOG/webhooks.log" \
		"$LOG/nginx-error.log" 2>/dev/null &
	tailpid=$!
	wait
	;;
status)	status ;;
purge)	purge; say "removed $DIR" ;;
pg-start) layout; pg_start ;;
pg-stop) pg_stop ;;
pg-restart) pg_restart "${2:-fast}" ;;
env)	echo "STACK_DIR=$DIR RT=$RT SOCK=$SOCK PGDATA=$PGDATA CONF=$CONF" ;;
*)	echo "usage: $0 up|down|run|status|purge|pg-start|pg-stop|pg-restart|env" >&2; exit 2 ;;
esac
