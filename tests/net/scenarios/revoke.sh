# SPDX-License-Identifier: MIT
# SIGHUP re-reads authorized-clients: removing a client ends its live
# session; a broken file keeps the old list and the session.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize a d
authorize b d
start_daemon d --source test:1000 --fps 50
timeout 60 "$B/kmscast" --present none --config-dir "$W/a" --accept-new 127.0.0.1:$PORT >"$W/a.out" 2>"$W/a.err" &
A=$!
timeout 60 "$B/kmscast" --present none --config-dir "$W/b" --accept-new 127.0.0.1:$PORT >"$W/b.out" 2>"$W/b.err" &
Bp=$!
both_in() { [ "$(grep -c 'connected from' "$DLOG")" -ge 2 ]; }
wait_for 10 both_in || fail "clients did not connect"
printf 'garbage line\n' >>"$W/d/authorized-clients"
kill -HUP "$DPID"
expect_log "line 3: not a fingerprint .*; keeping the 2 clients authorized before"
sleep 0.5
kill -0 $A && kill -0 $Bp || fail "a session ended on a broken file"
ok "a broken file keeps the old list"
fp_of b >"$W/d/authorized-clients"
kill -HUP "$DPID"
wait $A
rc=$?
[ $rc -eq 3 ] || fail "revoked client exited $rc, want 3"
grep -q "revoked: this client's authorization was revoked" "$W/a.err" || fail "client a not told"
expect_log "client $(fp_of a) .* is no longer authorized; ending its session"
kill -0 $Bp || fail "client b lost its session"
kill -INT $Bp
wait $Bp
rc=$?
[ $rc -eq 0 ] || fail "client b exited $rc after SIGINT"
grep -qE '^received [1-9][0-9]* frames .*, 0 gaps, 0 bad payloads' "$W/b.out" || fail "b: $(cat "$W/b.out")"
ok "removing a client ended its session; the other kept streaming"
stop_daemon
