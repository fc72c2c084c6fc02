# SPDX-License-Identifier: MIT
# A client on the host connects to the sandboxed daemon in the guest 100
# times in a row (TLS, config, a lossless keyframe, goodbye): every session
# works, and the streamer's and the capture helper's fds and memory are
# the same after the 100 as after the first.
# timeout: 400
. tests/vm/lib.sh
[ -s "$OUT/host-client.fp" ] || fail "the rig made no host client identity"
rm -f "$OUT/host-client/known_hosts" # each scenario's daemon has its own key
mkdir -p "$WORK/d"
cp "$OUT/host-client.fp" "$WORK/d/authorized-clients"
start_paint --device /dev/dri/card0 --mode 640x480 --fps 10
"$B/kmscastd" --state-dir "$WORK/d" --device /dev/dri/card0 --listen :7300 --codec lossless \
	--fps 30 2>"$WORK/d.log" &
DPID=$!
DLOG=$WORK/d.log
wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start: $(tail -3 "$DLOG")"
HPID=$(sed -n 's/.*capture helper pid \([0-9]*\) keeps.*/\1/p' "$DLOG")
[ -n "$HPID" ] || fail "no capture helper"
held() { echo "$(ls /proc/$1/fd | wc -l) fds, $(sed -n 's/^VmRSS:[[:space:]]*//p' /proc/$1/status)"; }
r=$(host_kmscast warm --frames 1 HOSTPORT)
echo "$r" | grep -qx "rc=0" || fail "the first session failed: $r"
s0=$(held $DPID) h0=$(held $HPID)
r=$(host_kmscast hundred --repeat=100 --frames 1 HOSTPORT)
echo "$r" | tail -2
echo "$r" | grep -qx "runs=100" && echo "$r" | grep -qx "rc=0" || fail "not 100 good sessions: $(echo "$r" | tail -5)"
n=$(grep -c ' joins in control' "$DLOG")
[ "$n" -eq 101 ] || fail "the daemon saw $n sessions, want 101"
wait_for 10 test "$(ls /proc/$DPID/fd | wc -l)" = "${s0%% *}" || true
s1=$(held $DPID) h1=$(held $HPID)
echo "streamer: $s0 -> $s1; helper: $h0 -> $h1"
[ "${s1%% fds*}" = "${s0%% fds*}" ] || fail "the streamer's fds went from $s0 to $s1"
[ "$h1" = "$h0" ] || fail "the helper went from $h0 to $h1"
rss() { echo "$1" | sed 's/.*, \([0-9]*\) kB/\1/'; }
grow=$(( $(rss "$s1") - $(rss "$s0") ))
[ $grow -lt 2048 ] || fail "the streamer's RSS grew $grow kB over 100 sessions"
ok "100 reconnects from the host: all good; streamer $s0 -> $s1, helper $h0 -> $h1"
stop_daemon
stop_paint
