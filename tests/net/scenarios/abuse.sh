# SPDX-License-Identifier: MIT
# 1000 garbage, truncated, slowloris and silent connections while a client
# streams (40 at a time, under the handshake limit, so each one reaches the
# TLS code), then a burst of 200 (128 at a time) past the limit: the session
# keeps running, no frame is lost to them, and a new client gets in after.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize good d
authorize late d
start_daemon d --source test:4000 --fps 30 --handshake-timeout 1000 --max-handshakes 48 --max-handshakes-per-source 48 -v
timeout 300 "$B/kmscast" --present none --config-dir "$W/good" --accept-new 127.0.0.1:$PORT >"$W/good.out" 2>"$W/good.err" &
C=$!
expect_log "connected from"
"$B/tests/net-abuse" 127.0.0.1 "$PORT" 1000 40 >"$W/abuse.out" || fail "net-abuse failed"
"$B/tests/net-abuse" 127.0.0.1 "$PORT" 200 128 >>"$W/abuse.out" || fail "net-abuse burst failed"
cat "$W/abuse.out"
grep -q "1000 connections: 200 garbage 200 truncated 200 slowloris 200 hello+garbage 200 silent" "$W/abuse.out" || fail "abuse mix"
kill -0 "$DPID" || fail "daemon died under abuse"
kill -0 $C || fail "the streaming client lost its session"
client late --accept-new --frames 10 127.0.0.1:$PORT
expect_rc 0 "a new client after the storm"
kill -INT $C
wait $C
rc=$?
[ $rc -eq 0 ] || fail "streaming client exited $rc: $(cat "$W/good.err")"
read -r frames first last gaps bad < <(sed -n 's/^received \([0-9]*\) frames (seq \([0-9]*\)-\([0-9]*\)), \([0-9]*\) gaps, \([0-9]*\) bad payloads.*/\1 \2 \3 \4 \5/p' "$W/good.out")
[ -n "$frames" ] || fail "no summary: $(cat "$W/good.out")"
[ "$gaps" = 0 ] && [ "$bad" = 0 ] && [ "$first" = 0 ] && [ $((last + 1)) = "$frames" ] || fail "stream damaged: $(cat "$W/good.out")"
expect_log "$(fp_of good): [0-9]+ frames sent"
sent=$(sed -n "s/.*$(fp_of good): \([0-9]*\) frames sent.*/\1/p" "$DLOG")
[ "$sent" = "$frames" ] || fail "daemon sent $sent frames, client received $frames"
grep -qE "more refused connections not logged|connections still authenticating|closed before it was trusted" "$DLOG" || fail "no refusal lines"
stop_daemon
read -r limit untrusted < <(sed -n 's/.*: \([0-9]*\) connections refused at the handshake limit, \([0-9]*\) closed before they were trusted/\1 \2/p' "$DLOG")
[ $((limit + untrusted)) -eq 1200 ] || fail "the daemon accounted for $limit + $untrusted of 1200 connections"
[ "$limit" -gt 0 ] || fail "the handshake limit never applied"
ok "$frames frames sent, $frames received, 0 gaps, during 1200 hostile connections ($untrusted handled, $limit refused at the handshake limit)"
