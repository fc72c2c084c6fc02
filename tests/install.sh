#!/bin/bash
# SPDX-License-Identifier: MIT
# make install with DESTDIR and PREFIX puts exactly the expected files in
# place; the installed unit passes systemd-analyze verify; the man pages
# render without a groff warning and list every option; sysusers and the
# udev rule parse. Prints "PASS install" or "FAIL install: why".
set -u
cd "$(dirname "$0")/.."
B=${KMSCAST_BUILD:-build}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL install: $*"; exit 1; }

make -s BUILD="$B" install DESTDIR="$t/dest" PREFIX=/usr >"$t/log" 2>&1 || fail "make install: $(tail -3 "$t/log")"
want="usr/bin/kmscast usr/bin/kmscast-grab usr/bin/kmscast-pool usr/bin/kmscastd usr/bin/kmscast-agent
usr/lib/systemd/system/kmscastd.service usr/lib/sysusers.d/kmscast.conf
usr/lib/systemd/user/kmscast-agent.service etc/xdg/autostart/kmscast-agent.desktop
usr/share/man/man1/kmscast-agent.1
usr/lib/udev/rules.d/60-kmscast.rules usr/share/man/man1/kmscast-grab.1
usr/share/man/man1/kmscast-pool.1 usr/share/man/man1/kmscast.1 usr/share/man/man8/kmscastd.8"
got=$(cd "$t/dest" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
[ "$got" = "$(echo $want | tr ' ' '\n' | sort | tr '\n' ' ')" ] || fail "installed: $got"
grep -qx 'ExecStart=/usr/bin/kmscastd --state-dir /var/lib/kmscast' \
	"$t/dest/usr/lib/systemd/system/kmscastd.service" || fail "ExecStart does not name /usr/bin"
echo "ok: DESTDIR+PREFIX=/usr installed the 15 files"

# verify checks that ExecStart exists and the documentation's man page
# opens, so the unit is verified where it was installed for real.
make -s BUILD="$B" install PREFIX="$t/usr" >"$t/log" 2>&1 || fail "make install PREFIX: $(tail -3 "$t/log")"
out=$(MANPATH="$t/usr/share/man" systemd-analyze verify "$t/usr/lib/systemd/system/kmscastd.service" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify: $out"
mkdir -p -m 700 "$t/xdg"
out=$(XDG_RUNTIME_DIR="$t/xdg" MANPATH="$t/usr/share/man" systemd-analyze --user verify "$t/usr/lib/systemd/user/kmscast-agent.service" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze --user verify (the agent's unit): $out"
grep -qx 'RuntimeDirectory=kmscast' "$t/usr/lib/systemd/system/kmscastd.service" || fail "the unit makes no /run/kmscast"
for k in DevicePolicy=closed 'DeviceAllow=char-drm rw' 'DeviceAllow=/dev/uinput rw' ProtectSystem=strict \
	ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes CapabilityBoundingSet= RestrictAddressFamilies= \
	MemoryMax=1G; do
	grep -q "^$k" "$t/usr/lib/systemd/system/kmscastd.service" || fail "the unit lacks $k"
done
echo "ok: systemd-analyze verify passes the hardened unit"
echo "$(systemd-analyze security --offline=yes "$t/usr/lib/systemd/system/kmscastd.service" 2>/dev/null | tail -1)"

for m in kmscastd.8:kmscastd kmscast.1:kmscast kmscast-grab.1:kmscast-grab kmscast-pool.1:kmscast-pool \
	kmscast-agent.1:kmscast-agent; do
	page=$(find "$t/dest" -name "${m%%:*}")
	w=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$w" ] || fail "${m%%:*}: groff warns: $w"
	text=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
	bin=$B/${m#*:}
	[ -x "$bin" ] || bin=tools/${m#*:}
	for o in $("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		echo "$text" | grep -q -- "$o" || fail "${m%%:*} does not mention $o"
	done
done
echo "ok: five man pages render without warnings and name every option of their --help"

systemd-sysusers --dry-run --root="$t/dest" "$t/dest/usr/lib/sysusers.d/kmscast.conf" >"$t/su" 2>&1 ||
	fail "systemd-sysusers: $(cat "$t/su")"
for u in kmscast kmscast-capture kmscast-announce; do
	grep -q "Creating user '$u'" "$t/su" || fail "sysusers makes no $u user: $(cat "$t/su")"
done
echo "ok: sysusers creates users kmscast, kmscast-capture and kmscast-announce"
for f in kernel-notes/edid/*.bin; do
	edid-decode --check "$f" >"$t/ed" 2>&1 || fail "edid-decode --check $f: $(tail -5 "$t/ed")"
	grep -q "EDID conformity: PASS" "$t/ed" || fail "$f: $(tail -3 "$t/ed")"
done
echo "ok: edid-decode --check passes the $(ls kernel-notes/edid/*.bin | wc -l) EDID files"
echo "PASS install"
