# SPDX-License-Identifier: MIT
# Booted with --gpu virtio2 --append video=Virtual-3:e (kernel-notes/
# headless-connectors.md): the second virtio-gpu's second connector, which
# QEMU reports disconnected, is forced on from the kernel command line and
# offers modes; kmscast-paint lights it and kmscastd streams it exactly.
# timeout: 300
. tests/vm/lib.sh
grep -q 'video=Virtual-3:e' /proc/cmdline || fail "not booted with video=Virtual-3:e: $(cat /proc/cmdline)"
[ "$(cat /sys/class/drm/card1-Virtual-3/status)" = connected ] ||
	fail "card1-Virtual-3 is $(cat /sys/class/drm/card1-Virtual-3/status)"
modes=$(tr '\n' ' ' </sys/class/drm/card1-Virtual-3/modes)
echo "card1-Virtual-3: status $(cat /sys/class/drm/card1-Virtual-3/status), modes: $modes"
echo " $modes " | grep -q ' 1024x768 ' || fail "no 1024x768 among the forced connector's modes"
ok "video=Virtual-3:e forced the disconnected connector on, with modes"

mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >"$WORK/d/authorized-clients"
start_paint --device /dev/dri/card1 --output Virtual-3 --mode 1024x768 --static --start 3303
KMS_CARD=/dev/dri/card1
[ "$(kms_field Virtual-3 mode)" = 1024x768 ] || fail "Virtual-3 is not lit at 1024x768"
start_daemon d --device /dev/dri/card1 --output Virtual-3 --codec lossless --fps 30
timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --snapshot "$WORK/h.png" \
	127.0.0.1:$PORT >"$WORK/h.out" 2>"$WORK/h.err" || fail "snapshot: $(cat "$WORK/h.err")"
"$B/tests/scene-tool" compare "$WORK/h.png" XRGB8888 3303 || fail "the headless output's snapshot is not frame 3303"
grep -q "capturing 1024x768 from Virtual-3" "$DLOG" || fail "the daemon did not follow Virtual-3"
ok "kmscastd streamed the forced-on headless Virtual-3 at 1024x768: exact frame 3303"
stop_daemon
stop_paint
