# SPDX-License-Identifier: MIT
# Shared helpers for rig scenarios (sourced; runs in the guest, cwd = repo).
# Every wait is bounded; a failed expectation prints why and exits 1.
. tests/common.sh
B=${KMSCAST_BUILD:?}
OUT=${KMSCAST_OUT:?}
WORK=$(mktemp -d)
chmod 755 "$WORK" # the daemon, started as root, serves as another user
DWORK=$WORK
DPID=
PAINT_PID=

fail() { echo "FAIL: $*"; exit 1; }

# What udev's rule does for a card that appears (the guest runs no udev):
# root:video 0660, so the capture helper (a user in video) can open it.
vm_udev_cards() {
	wait_for 20 eval 'ls /dev/dri/card* >/dev/null 2>&1' || fail "no card node appeared"
	chgrp video /dev/dri/card* && chmod 660 /dev/dri/card*
}

cleanup() {
	[ -n "$PAINT_PID" ] && kill -TERM "$PAINT_PID" 2>/dev/null
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT


# start_paint ARGS...: kmscast-paint in the background until it says "ready".
start_paint() {
	"$B/kmscast-paint" "$@" >"$WORK/paint.out" 2>"$WORK/paint.err" &
	PAINT_PID=$!
	if ! wait_for 60 grep -qx ready "$WORK/paint.out"; then
		cat "$WORK/paint.err"
		fail "kmscast-paint $* did not print ready within 60 s"
	fi
}

# stop_paint: SIGTERM, and kmscast-paint must exit 0 within 10 s.
stop_paint() {
	local rc
	kill -TERM "$PAINT_PID"
	wait_for 10 eval '! kill -0 $PAINT_PID 2>/dev/null' || fail "kmscast-paint ignored SIGTERM"
	wait "$PAINT_PID"
	rc=$?
	PAINT_PID=
	[ $rc -eq 0 ] || { cat "$WORK/paint.err"; fail "kmscast-paint exited $rc on SIGTERM"; }
}

# term_exits_0 PID WHAT LOG: SIGTERM, and PID must exit 0 (else LOG's tail says why).
term_exits_0() {
	kill -TERM "$1"
	wait "$1"
	local rc=$?
	[ $rc -eq 0 ] || fail "$2 exited $rc on SIGTERM: $(tail -3 "$3")"
}

# expect_error STATUS PATTERN CMD...: CMD exits STATUS and says PATTERN on stderr.
expect_error() {
	local want=$1 pattern=$2 rc
	shift 2
	"$@" >"$WORK/err.out" 2>"$WORK/err.txt"
	rc=$?
	[ $rc -eq "$want" ] || { cat "$WORK/err.txt"; fail "'$*' exited $rc, not $want"; }
	grep -q -- "$pattern" "$WORK/err.txt" || { cat "$WORK/err.txt"; fail "'$*' did not say '$pattern'"; }
	ok "'$*' -> exit $rc: $(head -n1 "$WORK/err.txt")"
}

# host_screendump NAME: QEMU's own screenshot of the first GPU's display,
# taken by the host (independent of any code of ours); prints the PPM's path.
host_screendump() {
	mkdir -p "$OUT/hostreq"
	touch "$OUT/hostreq/$1.screendump"
	wait_for 30 test -s "$OUT/hostreq/$1.ppm" || fail "no screendump from the host within 30 s"
	echo "$OUT/hostreq/$1.ppm"
}

# host_connect NAME: the host connects to its end of the --net port forward and
# the first line it reads comes back here; prints that line.
host_connect() {
	mkdir -p "$OUT/hostreq"
	touch "$OUT/hostreq/$1.connect"
	wait_for 30 test -e "$OUT/hostreq/$1.reply" || fail "no answer from the host within 30 s"
	cat "$OUT/hostreq/$1.reply"
}

# host_kmscast NAME ARGS...: the host runs kmscast with ARGS (HOSTPORT is its
# end of the port forward, OUTDIR this share as the host sees it); prints its
# output, whose last line is "rc=N".
host_kmscast() {
	local n=$1
	shift
	mkdir -p "$OUT/hostreq"
	printf '%s\n' "$@" >"$OUT/hostreq/$n.tmp-req"
	mv "$OUT/hostreq/$n.tmp-req" "$OUT/hostreq/$n.kmscast"
	wait_for 200 test -e "$OUT/hostreq/$n.reply" || fail "no answer from the host within 200 s"
	cat "$OUT/hostreq/$n.reply"
}

# host_browser NAME PROFILE ACTION URL ARGS...: the host drives headless
# chromium (tests/web/drive) with the browser profile OUTDIR/PROFILE,
# trusting the key whose fingerprint `kmscastd id` printed last for
# $WORK/d; prints its output, whose last line is "rc=N". host_browser_start
# and host_browser_wait split it for a page that must stay open meanwhile.
host_browser_start() {
	local n=$1 profile=$2 hex spki
	shift 2
	hex=$("$B/kmscastd" id --state-dir "${WEB_STATE:-$WORK/d}" | tail -1)
	hex=${hex#sha256:}
	spki=$(printf "$(echo "$hex" | sed 's/../\\x&/g')" | base64 -w0)
	mkdir -p "$OUT/hostreq"
	rm -f "$OUT/hostreq/$n.reply"
	printf '%s\n' --profile "OUTDIR/$profile" --spki "$spki" "$@" >"$OUT/hostreq/$n.tmp-req"
	mv "$OUT/hostreq/$n.tmp-req" "$OUT/hostreq/$n.browser"
}
host_browser_wait() {
	wait_for 200 test -e "$OUT/hostreq/$1.reply" || fail "no answer from the host's browser within 200 s"
	cat "$OUT/hostreq/$1.reply"
}
host_browser() {
	host_browser_start "$@"
	host_browser_wait "$1"
}

# kms_field CONNECTOR FIELD: one field (mode, fb, fb_size, crtc) of kms-query.
# (KMS_CARD picks another card than card0.)
kms_field() {
	"$B/tests/kms-query" "${KMS_CARD:-/dev/dri/card0}" "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# Injected input, read back: evdev-tool prints every frame of a device.
lines_at_least() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
# reader ID NAME: evdev-tool read on the daemon's device NAME into $WORK/ID.out.
reader() {
	rm -f "$WORK/$1.ready" "$WORK/$1.want"
	: >"$WORK/$1.want"
	"$B/tests/evdev-tool" read "$2" --ready "$WORK/$1.ready" >"$WORK/$1.out" 2>"$WORK/$1.err" &
	eval "READER_$1=$!"
	wait_for 60 test -e "$WORK/$1.ready" || fail "cannot read $2: $(cat "$WORK/$1.err")"
}
# want ID LINE...: the reader's output must become exactly what was wanted so far.
want() {
	local id=$1 n
	shift
	printf '%s\n' "$@" >>"$WORK/$id.want"
	n=$(wc -l <"$WORK/$id.want")
	wait_for 60 lines_at_least "$WORK/$id.out" "$n"
	sleep 0.5 # anything extra would show now
	diff -u "$WORK/$id.want" "$WORK/$id.out" || { tail -5 "$DLOG"; fail "$id: the injected events differ"; }
}

# --- Real display servers (tests/vm/scenarios/desktop) ---

# vm_udev_start: systemd-udevd, as a distribution runs it, with every
# device already present announced: libinput in a display server finds
# input devices (kmscastd's included) through it. The guest runs the
# scenarios chrooted into the host's root, where udevadm would do nothing.
vm_udev_start() {
	export SYSTEMD_IGNORE_CHROOT=1
	/lib/systemd/systemd-udevd --daemon || fail "systemd-udevd did not start"
	udevadm trigger --action=add && udevadm settle -t 30 || fail "udev did not settle"
}

# kmsgrab FILE.png: FFmpeg's kmsgrab frame of the first card's primary
# plane (an independent reader of the same scanout buffer).
kmsgrab() {
	ffmpeg -loglevel error -y -device /dev/dri/card0 -f kmsgrab -i - \
		-vf hwdownload,format=bgr0 -frames:v 1 "$1" || fail "kmsgrab failed"
}

# pixels FILE.png: one line naming the picture's size and its rgb24 pixels' MD5.
pixels() {
	ffmpeg -loglevel error -i "$1" -pix_fmt rgb24 -f framemd5 - |
		awk '/^#dimensions/ { d = $3 } !/^#/ { m = $NF } END { print d, m }'
}

# psnr A.png B.png: the average PSNR (dB) of B against A.
psnr() {
	ffmpeg -hide_banner -i "$1" -i "$2" -lavfi psnr -f null - 2>&1 |
		sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p'
}

# still_frame_equals PNG WHAT: the client's frame PNG equals kmsgrab's of
# the same still screen: a grab before and after the client's must agree
# (a clock may tick in between: three tries), and the client's equals them.
# The rest of the arguments are the command that writes PNG.
still_frame_equals() {
	local png=$1 what=$2 a b c k
	shift 2
	for k in 1 2 3; do
		kmsgrab "$WORK/before.png"
		"$@" || fail "$what: the client's snapshot failed"
		kmsgrab "$WORK/after.png"
		a=$(pixels "$WORK/before.png")
		b=$(pixels "$WORK/after.png")
		c=$(pixels "$png")
		[ "$a" = "$b" ] || continue
		[ "$c" = "$a" ] && return 0
		fail "$what: the client's frame ($c) is not kmsgrab's ($a)"
	done
	fail "$what: the screen did not hold still for three tries"
}
