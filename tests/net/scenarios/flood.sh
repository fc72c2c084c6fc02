# SPDX-License-Identifier: MIT
# Memory under a PING flood: 32 TLS connections that write PINGs as fast as
# they can and never read, for 60 s, from four other loopback sources. 16 are
# authorized sessions (view-only), 16 never send HELLO and are dropped and
# made again. The daemon's RSS stays within 64 MB of where it started, and
# an authorized client from 127.0.0.1 gets in and streams the whole time.
# Then the connection limits: one source holding its share of unauthenticated
# slots does not keep another out, and a silent connection is dropped early.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize good d
authorize flood d
"$B/kmscast" id --config-dir "$W/flood" >/dev/null
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status"; }
# ASan keeps freed memory in a quarantine (256 MB by default): bound it so
# RSS says what the daemon holds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8
start_daemon d --source test:4000 --fps 30 --max-viewers 32 -v
timeout 300 "$B/kmscast" --present none --config-dir "$W/good" --accept-new 127.0.0.1:$PORT >"$W/good.out" 2>"$W/good.err" &
C=$!
expect_log "connected from 127.0.0.1"
sleep 1
before=$(rss)
"$B/tests/net-flood" --hello 16 --bind 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 "$W/flood/cert.pem" "$W/flood/key.pem" \
	127.0.0.1 "$PORT" 32 60 >"$W/flood.out" &
F=$!
peak=$before
while kill -0 $F 2>/dev/null; do
	r=$(rss)
	[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
	sleep 1
done
wait $F || fail "net-flood failed"
cat "$W/flood.out"
grep -qE "at most (1[6-9]|2[0-9]|3[0-2]) up at once" "$W/flood.out" || fail "the flood did not hold its connections: $(cat "$W/flood.out")"
kill -0 "$DPID" || fail "daemon died under the flood"
kill -0 $C || fail "the streaming client lost its session: $(cat "$W/good.err")"
echo "daemon RSS: $before kB before, $peak kB at most during the flood"
[ $((peak - before)) -le 65536 ] || fail "RSS grew by $(((peak - before) / 1024)) MB under the flood"
grep -q 'client .* "flood" connected from 127.0.0.2' "$DLOG" || fail "no flooding session was authorized"
kill -INT $C
wait $C || fail "streaming client exited $?: $(cat "$W/good.err")"
read -r frames gaps < <(sed -n 's/^received \([0-9]*\) frames .*, \([0-9]*\) gaps.*/\1 \2/p' "$W/good.out")
[ -n "$frames" ] && [ "$frames" -gt 600 ] && [ "$gaps" = 0 ] || fail "stream during the flood: $(cat "$W/good.out")"
ok "32 connections flooding PINGs for 60 s: RSS +$(((peak - before) / 1024)) MB, a client streamed $frames frames with 0 gaps"
stop_daemon

# A connection that sends nothing is dropped after a quarter of
# --handshake-timeout; then one source holding its 8 unauthenticated slots
# (TLS up, no HELLO, from 127.0.0.2) does not keep a client from 127.0.0.1 out.
start_daemon d --source test:1000 --fps 20 --handshake-timeout 4000
exec 3<>/dev/tcp/127.0.0.1/$PORT
expect_log "connection from 127.0.0.1:[0-9]+ closed before it was trusted: sent nothing within 1000 ms"
exec 3<&-
ok "a connection that sends nothing is dropped after 1000 ms, not 4000"
"$B/tests/net-flood" --bind 127.0.0.2 "$W/flood/cert.pem" "$W/flood/key.pem" 127.0.0.1 "$PORT" 12 6 \
	>"$W/flood.out" &
F=$!
expect_log "8 connections from 127.0.0.2 still authenticating \(the most one source may have\)"
client good --accept-new --frames 5 127.0.0.1:$PORT
expect_rc 0 "a client from another source while one holds its share"
wait $F
ok "a ninth connection from one source is refused at once, naming it; another source gets in"
stop_daemon

# A client asking for keyframes in a loop gets at most one a second (3 s of
# requests and what the socket still holds: at most 5), and
# the log says so once.
start_daemon d --source test:1000 --fps 30
"$B/tests/net-flood" --hello 1 --keyframes "$W/flood/cert.pem" "$W/flood/key.pem" 127.0.0.1 "$PORT" 1 3 \
	>"$W/flood.out" || fail "net-flood --keyframes failed"
cat "$W/flood.out"
expect_log "$(fp_of flood) asks for keyframes faster than one a second; it gets at most one a second"
expect_log "$(fp_of flood): .* [0-9]+ keyframes on [0-9]+ requests"
read -r keys reqs < <(sed -n "s/.*$(fp_of flood): .* \([0-9]*\) keyframes on \([0-9]*\) requests.*/\1 \2/p" "$DLOG")
[ -n "$keys" ] && [ "$reqs" -gt 100 ] && [ "$keys" -le 5 ] || fail "keyframes on request: $keys of $reqs"
[ "$(grep -c "asks for keyframes faster" "$DLOG")" = 1 ] || fail "the keyframe warning was logged more than once"
ok "$reqs keyframe requests in 3 s got $keys keyframes; one warning"
stop_daemon
