#!/bin/sh
# Install what memberd needs to build, run and test on Debian 12, then the
# npm packages of the tests. Does nothing when everything is present.
# Run as root to install Debian packages; otherwise it says what to run.
set -eu
cd "$(dirname "$0")/.."

PKGS="gcc make pkg-config clang libclang-rt-14-dev libc6-dev
libpq-dev libfcgi-dev libcjson-dev libesmtp-dev libargon2-dev libsystemd-dev
libssl-dev libcmocka-dev libcurl4-openssl-dev liboath-dev libqrencode-dev
postgresql-15 postgresql-client-15 pgbouncer nginx-light systemd util-linux
chromium fonts-dejavu-core mandoc man-db openssl ca-certificates curl procps
iproute2 python3 debootstrap systemd-container"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing Debian packages:$missing" >&2
		echo "deps: run as root: apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: installing:$missing"
	# Packages must not start their own services (PostgreSQL on 5432,
	# PgBouncer on 6432, nginx on 80): the stack runs its own instances.
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy=yes
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
	[ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
fi

# npm packages, exactly as locked, when missing or stale.
if [ ! -f node_modules/.package-lock.json ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "deps: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
