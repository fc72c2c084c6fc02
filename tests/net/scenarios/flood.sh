# SPDX-License-Identifier: MIT
# Memory under floods of every phase of every listener at once, for 60 s:
# peers that write as fast as they can and never read a byte. 32 native TLS
# connections writing PINGs (16 authorized sessions, view-only; 16 that
# never send HELLO and are dropped and made again), and 4 each of: a
# browser pipelining GETs (the HTTP phase), a WebSocket with no credential
# and one with a paired browser's cookie (before and after trust) writing
# PING frames whose PONGs they never read, and the metrics exporter's plain
# HTTP. The daemon's RSS stays within 64 MB of where it started, an
# authorized client from 127.0.0.1 streams the whole time, and the peers
# that read nothing are closed.
# Then the connection limits: one source holding its share of unauthenticated
# slots does not keep another out, and a silent connection is dropped early.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize good d
authorize flood d
"$B/kmscast" id --config-dir "$W/flood" >/dev/null
# A paired browser: its cookie's token, and the token's hash on file.
head -c 32 /dev/urandom >"$W/token"
cookie="__Host-kmscast=$(basenc --base64url -w0 "$W/token" | tr -d =)"
echo "sha256:$(sha256sum "$W/token" | cut -d' ' -f1)  # last used 2026-01-01T00:00:00Z, \"flood\"" \
	>"$W/d/browser-credentials"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status"; }
# ASan keeps freed memory in a quarantine (256 MB by default): bound it so
# RSS says what the daemon holds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8
start_daemon d --source test:4000 --fps 30 --max-viewers 32 --metrics-listen 127.0.0.1:0 -v
MP=$(sed -n 's|.*metrics at http://127.0.0.1:\([0-9]*\)/metrics$|\1|p' "$DLOG")
[ -n "$MP" ] || fail "no metrics port in the log"
timeout 300 "$B/kmscast" --present none --config-dir "$W/good" --accept-new 127.0.0.1:$PORT >"$W/good.out" 2>"$W/good.err" &
C=$!
expect_log "connected from 127.0.0.1"
sleep 1
before=$(rss)
flood() { # NAME ARGS...: one flooder in the background, its report in $W/flood-NAME
	local name=$1
	shift
	"$B/tests/net-flood" "$@" >"$W/flood-$name" &
	FLOODERS+=($!)
}
FLOODERS=()
flood native --hello 16 --bind 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 "$W/flood/cert.pem" "$W/flood/key.pem" \
	127.0.0.1 "$PORT" 32 60
flood http --mode http --bind 127.0.0.6 "$W/flood/cert.pem" "$W/flood/key.pem" 127.0.0.1 "$PORT" 4 60
flood ws --mode ws --bind 127.0.0.7 "$W/flood/cert.pem" "$W/flood/key.pem" 127.0.0.1 "$PORT" 4 60
flood ws-paired --mode ws --hello 4 --cookie "$cookie" --bind 127.0.0.8 "$W/flood/cert.pem" \
	"$W/flood/key.pem" 127.0.0.1 "$PORT" 4 60
flood metrics --mode metrics --bind 127.0.0.9 none none 127.0.0.1 "$MP" 4 60
peak=$before
while kill -0 "${FLOODERS[0]}" 2>/dev/null; do
	r=$(rss)
	[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
	sleep 1
done
for f in "${FLOODERS[@]}"; do wait "$f" || fail "net-flood failed"; done
cat "$W"/flood-*
grep -qE "at most (1[6-9]|2[0-9]|3[0-2]) up at once" "$W/flood-native" || fail "the flood did not hold its connections: $(cat "$W/flood-native")"
for m in http ws ws-paired metrics; do
	grep -qE "at most [1-4] up at once, [1-9][0-9]* " "$W/flood-$m" || fail "the $m flood wrote nothing: $(cat "$W/flood-$m")"
done
kill -0 "$DPID" || fail "daemon died under the flood"
kill -0 $C || fail "the streaming client lost its session: $(cat "$W/good.err")"
echo "daemon RSS: $before kB before, $peak kB at most during the flood"
[ $((peak - before)) -le 65536 ] || fail "RSS grew by $(((peak - before) / 1024)) MB under the flood"
grep -q 'client .* "flood" connected from 127.0.0.2' "$DLOG" || fail "no flooding session was authorized"
grep -q 'client sha256:[0-9a-f]* "flood" connected from 127.0.0.8' "$DLOG" || fail "no flooding browser was authorized"
grep -qE 'client sha256:[0-9a-f]* \("flood"\)? ?\(127.0.0.8:[0-9]+\) disconnected: peer read nothing for [0-9]+ ms' "$DLOG" ||
	grep -qE '\(127.0.0.8:[0-9]+\) disconnected: peer read nothing for [0-9]+ ms' "$DLOG" ||
	fail "a paired browser that reads nothing was not closed for it"
kill -INT $C
wait $C || fail "streaming client exited $?: $(cat "$W/good.err")"
read -r frames gaps < <(sed -n 's/^received \([0-9]*\) frames .*, \([0-9]*\) gaps.*/\1 \2/p' "$W/good.out")
[ -n "$frames" ] && [ "$frames" -gt 600 ] && [ "$gaps" = 0 ] || fail "stream during the flood: $(cat "$W/good.out")"
ok "every phase flooded for 60 s by peers that never read: RSS +$(((peak - before) / 1024)) MB, a client streamed $frames frames with 0 gaps"
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
