# SPDX-License-Identifier: MIT
# Sessions on the real kernel: an idle screen costs the daemon under 5 % of
# the CPU of streaming motion; clients killed mid-stream and 20 connect /
# disconnect cycles leave its fds and memory flat; view-only clients and
# the viewer limit.
# timeout: 600
. tests/vm/lib.sh
mkdir -p "$WORK/d"
for c in a b c; do "$B/kmscast" id --config-dir "$WORK/$c" | tail -1 >>"$WORK/d/authorized-clients"; done
cpu() { awk '{print $14 + $15}' "/proc/$DPID/stat"; } # utime + stime, clock ticks
view() { # CONFIG ARGS...: a client in the background, output in $WORK/CONFIG.*
	local c=$1
	shift
	"$B/kmscast" --present none --config-dir "$WORK/$c" --accept-new -v "$@" 127.0.0.1:$PORT \
		>"$WORK/$c.out" 2>"$WORK/$c.err" &
	VPID=$!
}

start_paint --mode 640x480 --fps 30
start_daemon d --codec h264 --fps 30 --max-viewers 1
view a
wait_for 30 grep -q "stream 640x480 h264" "$WORK/a.err" || fail "client a did not start: $(cat "$WORK/a.err")"
A=$VPID
sleep 2
c0=$(cpu); sleep 5; c1=$(cpu)
moving=$((c1 - c0))
stop_paint
start_paint --mode 640x480 --static --start 99
sleep 3
kill -HUP $DPID # marks the log
c0=$(cpu); sleep 5; c1=$(cpu)
idle=$((c1 - c0))
echo "daemon CPU over 5 s: moving $moving ticks, static $idle ticks"
[ "$moving" -gt 0 ] || fail "no CPU while streaming motion?"
[ $((idle * 100)) -lt $((moving * 5)) ] || { stop_daemon; tail -5 "$DLOG"; fail "idle costs $idle ticks, not under 5 % of $moving"; }
ok "idle screen: $idle ticks vs $moving streaming motion (<5 %)"

# Viewer limit 1: a is in control; b watches; c is refused with a message.
view b --view-only --send-input 1:30:1,0:0:0,1:30:0,0:0:0
B_PID=$VPID
wait_for 30 grep -q "(view only)" "$WORK/b.err" || fail "b is not view-only: $(cat "$WORK/b.err")"
fpb=$("$B/kmscast" id --config-dir "$WORK/b" | tail -1)
wait_for 30 grep -q "input from view-only client $fpb refused" "$DLOG" || fail "b's input was not refused"
timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --frames 1 127.0.0.1:$PORT >"$WORK/c.out" 2>"$WORK/c.err"
rc=$?
[ $rc -eq 3 ] || fail "a client over the viewer limit exited $rc, want 3"
grep -q "refused: the viewer limit (1) is reached" "$WORK/c.err" || fail "c: $(cat "$WORK/c.err")"
ok "a view-only client joins and its input is refused; one over the limit is refused with a message"
kill -9 $A $B_PID
wait $A $B_PID 2>/dev/null

# Killed clients and 20 connect/disconnect cycles: fds and memory stay flat.
fds() { ls "/proc/$DPID/fd" | wc -l; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$DPID/status"; }
gone() { [ "$(grep -c 'disconnected' "$DLOG")" -ge 3 ]; } # c, then the killed a and b
wait_for 30 gone || fail "the daemon did not notice the killed clients: $(tail -5 "$DLOG")"
# a and b watched at once with the same settings: one encoder served both.
wait_for 30 grep -q "a stream's last viewer left" "$DLOG" || fail "no stream summary: $(tail -5 "$DLOG")"
[ "$(grep -c "a stream's last viewer left" "$DLOG")" -eq 1 ] || fail "more than one stream: $(grep stream "$DLOG")"
! grep -q "a stream of its own" "$DLOG" || fail "b got an encoder of its own"
enc=$(sed -n "s/.*a stream's last viewer left: \([0-9]*\) frames encoded.*/\1/p" "$DLOG")
sent=$(sed -n 's/.*: \([0-9]*\) frames sent (.*/\1/p' "$DLOG" | awk '{ s += $1 } END { print s }')
echo "one stream for a and b: $enc frames encoded, $sent sent"
[ "$enc" -lt "$sent" ] || fail "$enc frames encoded for $sent sent: no sharing"
ok "two viewers of the same settings share one encoder ($enc frames encoded, $sent sent)"
once() { timeout 120 "$B/kmscast" --present none --config-dir "$WORK/a" --frames 1 127.0.0.1:$PORT >/dev/null 2>"$WORK/once.err" || fail "cycle: $(cat "$WORK/once.err")"; }
for i in 1 2 3 4 5; do once; done
sleep 1
fd0=$(fds); rss0=$(rss)
for i in $(seq 20); do
	if [ $((i % 5)) = 0 ]; then # every fifth is killed mid-stream instead
		view a
		sleep 1
		kill -9 $VPID
		wait $VPID 2>/dev/null
	else
		once
	fi
done
sleep 2
fd1=$(fds); rss1=$(rss)
echo "daemon fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB"
[ "$fd1" -eq "$fd0" ] || fail "fds grew from $fd0 to $fd1"
[ $((rss1 - rss0)) -lt 2048 ] || fail "RSS grew by $((rss1 - rss0)) kB"
once
ok "20 cycles (4 killed mid-stream): fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB; still serving"
stop_daemon
grep "idle peeks" "$DLOG"
stop_paint
