# SPDX-License-Identifier: MIT
# make demo: a real desktop. weston (drm backend, pixman) shows
# weston-terminal on the VM's display at 640x480; a line typed through
# kmscast on a thin client's keyboard (as in the desktop scenarios) runs
# in it, then top, so that the screen moves. QEMU (not our code)
# takes two screenshots; kmscastd streams the desktop as H.264, and kmscast
# on the host, through the port forward, writes a snapshot (with the
# cursor) and a recording into the results share.
# timeout: 400
. tests/vm/lib.sh
[ -s "$OUT/host-client.fp" ] || fail "the rig made no host client identity (--net missing?)"
rm -f "$OUT/host-client/known_hosts"
vm_udev_start
mkdir -p "$WORK/d"
cp "$OUT/host-client.fp" "$WORK/d/authorized-clients"
"$B/kmscast" id --config-dir "$WORK/a" | tail -1 >>"$WORK/d/authorized-clients"
"$B/kmscastd" --state-dir "$WORK/d" --listen :7300 --codec h264 --fps 30 2>"$WORK/d.log" &
DPID=$!
DLOG=$WORK/d.log PORT=7300
wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start: $(cat "$DLOG")"
udevadm settle -t 30

# weston at 640x480 (a small demo under emulation), never idle-blanked.
export XDG_RUNTIME_DIR=/run/user/0
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
cat >"$WORK/weston.ini" <<'INI'
[core]
idle-time=0
[output]
name=Virtual-1
mode=640x480
INI
kmsgrab "$WORK/console.png"
weston --config="$WORK/weston.ini" --tty=2 --backend=drm-backend.so --use-pixman --log="$WORK/weston.log" &
wait_for 120 eval 'ls "$XDG_RUNTIME_DIR" | grep -q "^wayland-[0-9]*$"' ||
	fail "weston did not come up: $(tail -20 "$WORK/weston.log")"
export WAYLAND_DISPLAY=$(ls "$XDG_RUNTIME_DIR" | grep -m1 '^wayland-[0-9]*$')
wait_for 120 settled_from "$WORK/console.png" || fail "weston showed nothing: $(tail -20 "$WORK/weston.log")"
kmsgrab "$WORK/desktop.png"
weston-terminal --shell=/bin/bash >"$WORK/term.log" 2>&1 &
wait_for 120 settled_from "$WORK/desktop.png" || fail "weston-terminal did not appear: $(cat "$WORK/term.log")"

desktop_controller
rm -f /tmp/kmscast-typed
# Typed at a quick typist's pace (a frame every 30 ms).
type_text kbd $'echo typed through kmscast >/tmp/kmscast-typed\n' 30
# In some earlier runs (2 of 3, typing a frame every 10 ms) the first line
# never arrived; why is not proven (issue #31's notes: the client, busy,
# may fall behind the keyboard and the kernel drop keys, which it now
# says). The desktop scenarios hold typing to account; a demo types it
# again, and says what the client and weston saw.
if ! wait_for 20 grep -qx "typed through kmscast" /tmp/kmscast-typed; then
	echo "    note: the typed line did not run within 20 s ($(cat /tmp/kmscast-typed 2>/dev/null)); typed again"
	echo "    the client: $(grep -v '^grep' "$WORK/a.err" | tail -5 | tr '\n' ';')"
	echo "    weston: $(grep -E 'kmscast|thin' "$WORK/weston.log" | tail -5 | tr '\n' ';')"
	type_text kbd $'echo typed through kmscast >/tmp/kmscast-typed\n' 30
fi
wait_for 60 grep -qx "typed through kmscast" /tmp/kmscast-typed || {
	kmsgrab_try "$OUT/demo-failed.png"
	fail "the typed line did not run in the terminal (screen: demo-failed.png); weston: $(grep -E 'kmscast|thin' "$WORK/weston.log" | tail -5); the client: $(tail -5 "$WORK/a.err"); the daemon: $(tail -5 "$DLOG")"
}
ok "weston at 640x480 shows weston-terminal, in which a line typed through kmscast ran"
host_screendump demo-1 >/dev/null
r=$(host_kmscast snap --snapshot OUTDIR/demo-snapshot.png --cursor --frames 1 HOSTPORT)
echo "$r"
echo "$r" | grep -qx "rc=0" || fail "the snapshot on the host failed"
# Something that moves, for the recording: top, five times a second.
type_text kbd $'top -d 0.2\n'
sleep 2
host_screendump demo-2 >/dev/null
r=$(host_kmscast rec --record OUTDIR/demo-recording.mkv --frames 30 HOSTPORT)
echo "$r"
echo "$r" | grep -qx "rc=0" || fail "the recording on the host failed"
ok "streamed to the host: demo-snapshot.png and demo-recording.mkv (30 frames of the desktop)"
kill "$CONTROLLER"
wait "$CONTROLLER" 2>/dev/null
stop_daemon
