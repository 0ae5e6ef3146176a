#!/bin/sh
# The Debian 12 tree of the systemd deploy suite (tests/deploy/nspawn.mjs):
# debootstrap --variant=minbase bookworm, systemd as init, and the
# packages docs/operations.md installs (PostgreSQL, nginx, openssl, the
# run-time libraries). No procps, no man: what a minimal host lacks.
# Built once into $MEMBERD_NSPAWN_CACHE (/var/cache/memberd-test), under a
# name that changes with the package list; prints its path. Needs root and
# the Debian mirror ($DEBIAN_MIRROR).
set -eu
CACHE=${MEMBERD_NSPAWN_CACHE:-/var/cache/memberd-test}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
INCLUDE="systemd,systemd-sysv,dbus"
PKGS="postgresql nginx openssl ca-certificates libpq5 libfcgi0ldbl libcjson1
libesmtp6 libargon2-1 libssl3 libsystemd0 libcurl4 liboath0 libqrencode4"
key=$(printf '%s\n%s\n' "$INCLUDE" "$PKGS" | sha256sum | cut -c1-12)
base=$CACHE/bookworm-$key

[ -f "$base/.memberd-ready" ] && { echo "$base"; exit 0; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
[ -f "$base/.memberd-ready" ] && { echo "$base"; exit 0; }

tmp=$base.tmp
rm -rf "$tmp"
echo "nspawn-tree: debootstrap into $tmp (once; cached)" >&2
debootstrap --variant=minbase --include="$INCLUDE" bookworm "$tmp" "$MIRROR" >&2
# Packages must not start services in the chroot (nor on the host's ports).
printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
mount --bind /proc "$tmp/proc"
trap 'umount "$tmp/proc" 2>/dev/null || true' EXIT
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -y -q \
	--no-install-recommends $PKGS >&2
chroot "$tmp" apt-get clean
umount "$tmp/proc"
trap - EXIT
rm -f "$tmp/usr/sbin/policy-rc.d"
touch "$tmp/.memberd-ready"
mv "$tmp" "$base"
echo "$base"
