# SPDX-License-Identifier: MIT
# A card that goes and a card that comes, on the real kernel: the GPU is
# removed from the PCI bus while a client watches (the daemon says the
# output is gone, and it and the session stay up), then a PCI rescan brings
# a new card (the daemon finds it, sends a new config and a keyframe; the
# same session carries on at the new sizes, and a new session sees exact
# pixels); once with the capture helper, once without. Times run from the
# sysfs write to the daemon's log line, polled every 0.1 s.
# timeout: 500
. tests/vm/lib.sh
T=$B/tests/scene-tool
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >"$WORK/d/authorized-clients"
PCI=$(basename "$(readlink -f /sys/class/drm/card0/device)")
ms() { date +%s%3N; }
# A failure half way must not leave the scenarios after this one without a card.
trap 'cleanup; [ -e "/sys/bus/pci/devices/$PCI" ] || { echo 1 >/sys/bus/pci/rescan; vm_udev_cards; }' EXIT

# hotplug_once HOW DAEMON-ARGS...: the whole sequence once.
hotplug_once() {
	local how=$1 t0 gone_ms back_ms r
	shift
	start_paint --mode 640x480 --static --start 21
	start_daemon d --codec lossless --fps 30 "$@"
	"$B/kmscast" --present none --config-dir "$WORK/c" --accept-new -v --frames 1000000 127.0.0.1:$PORT \
		>"$WORK/m.out" 2>"$WORK/m.err" &
	M=$!
	wait_for 60 grep -q "stream 640x480" "$WORK/m.err" || fail "no 640x480 stream: $(cat "$WORK/m.err")"
	# kmscast-paint holds the card too; without it the console has it back.
	stop_paint

	t0=$(ms)
	echo 1 >"/sys/bus/pci/devices/$PCI/remove"
	wait_for 20 grep -q "is gone" "$DLOG" || fail "the daemon did not notice the card going: $(tail -5 "$DLOG")"
	gone_ms=$(( $(ms) - t0 ))
	[ ! -e /dev/dri/card0 ] || fail "card0 is still there after its removal"
	grep -q "output Virtual-1 is gone: its card went away (unplugged, or its driver unbound); still running, and streaming again when it is back" "$DLOG" ||
		fail "the daemon did not say why: $(tail -3 "$DLOG")"
	sleep 2 # stays gone a while: every grab fails, every rescan finds nothing
	kill -0 "$DPID" 2>/dev/null || fail "the daemon died with its card: $(tail -5 "$DLOG")"
	kill -0 "$M" 2>/dev/null || fail "the session ended with the card: $(tail -3 "$WORK/m.err")"
	[ "$(grep -c "is gone" "$DLOG")" -eq 1 ] || fail "the daemon said 'gone' more than once: $(grep "is gone" "$DLOG")"
	echo "card $PCI removed; the daemon said so after $gone_ms ms"
	ok "$how: card removed: the daemon says the output is gone, once, and it and the session stay up"

	t0=$(ms)
	echo 1 >/sys/bus/pci/rescan
	vm_udev_cards
	# (Not just "is back": the line that said it was gone ends "when it is back".)
	wait_for 20 grep -q "Virtual-1 is back on CRTC" "$DLOG" ||
		fail "the daemon did not find the new card: $(tail -5 "$DLOG")"
	back_ms=$(( $(ms) - t0 ))
	# Nothing held the old card (the helper closed it, both sides dropped its
	# buffers), so the kernel freed it and the new one is card0 again.
	[ -e /dev/dri/card0 ] || fail "the new card is not card0: $(ls /dev/dri)"
	grep -q "Virtual-1 is back on CRTC" "$DLOG" || fail "$(grep "is back" "$DLOG")"
	wait_for 60 grep -q "stream 1280x800" "$WORK/m.err" || fail "the session got no config for the console: $(tail -3 "$WORK/m.err")"
	echo "PCI rescan: the daemon streamed the new card after $back_ms ms"
	ok "$how: card added: the daemon follows it, and the same session gets a new config"

	start_paint --mode 800x600 --static --start 42
	wait_for 60 grep -q "stream 800x600" "$WORK/m.err" || fail "the session got no 800x600 config: $(tail -3 "$WORK/m.err")"
	timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --snapshot "$WORK/new.png" 127.0.0.1:$PORT \
		>"$WORK/n.out" 2>"$WORK/n.err" || fail "snapshot: $(cat "$WORK/n.err")"
	r=$($T compare "$WORK/new.png" XRGB8888 42) || fail "the new card's picture: $r"
	term_exits_0 "$M" "the watching client" "$WORK/m.err"
	ok "$how: on the new card: the session that watched it all goes on at 800x600, and a new one sees frame 42 exactly ($r)"
	stop_daemon
	stop_paint
}

hotplug_once "sandboxed (the capture helper follows the card)"
hotplug_once "--no-sandbox (the streamer follows the card)" --no-sandbox
