# SPDX-License-Identifier: MIT
# The README's first commands, as a person runs them on a host with a GPU:
# make install, systemd-sysusers, the installed unit's ExecStart (the guest
# has no systemd to run it), kmscastd pair; then kmscast pair HOST CODE and
# kmscast HOST, which receives the host's screen. (make itself ran already:
# it is what built the binaries this guest runs.)
# timeout: 600
. tests/vm/lib.sh
cd "$KMSCAST_REPO"
make -s install PREFIX=/usr >"$WORK/install.log" 2>&1 || fail "make install: $(tail -5 "$WORK/install.log")"
systemd-sysusers >"$WORK/sysusers.log" 2>&1 || fail "systemd-sysusers: $(cat "$WORK/sysusers.log")"
getent passwd kmscast >/dev/null && getent passwd kmscast-capture >/dev/null || fail "sysusers made no kmscast users"
unit=/usr/lib/systemd/system/kmscastd.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "/usr/bin/kmscastd --state-dir /var/lib/kmscast" ] || fail "ExecStart is '$exec_start'"
ok "make install PREFIX=/usr and systemd-sysusers: the unit runs '$exec_start'"

start_paint --mode 640x480 --static --start 1234
DLOG=$WORK/kmscastd.log
$exec_start 2>"$DLOG" &
DPID=$!
wait_for 60 grep -q "listening on \[::\]:7300" "$DLOG" || fail "the unit's kmscastd did not listen on 7300: $(cat "$DLOG")"
kmscastd pair >"$WORK/pair.out" 2>&1 || fail "kmscastd pair: $(cat "$WORK/pair.out")"
code=$(sed -n 's/^ *\([0-9A-Z-]\{31\}\)$/\1/p' "$WORK/pair.out")
[ -n "$code" ] || fail "no code from kmscastd pair: $(cat "$WORK/pair.out")"
export XDG_CONFIG_HOME=$WORK/me
kmscast pair 127.0.0.1 "$code" >"$WORK/p.out" 2>"$WORK/p.err" || fail "kmscast pair: $(cat "$WORK/p.err")"
grep -q "^paired with 127.0.0.1:7300; pinned sha256:" "$WORK/p.out" || fail "pairing said: $(cat "$WORK/p.out")"
ok "kmscastd pair, then kmscast pair 127.0.0.1 CODE: paired"
# kmscast HOST until a person would close it (SIGTERM here).
kmscast 127.0.0.1 </dev/null >"$WORK/v.out" 2>"$WORK/v.err" &
V=$!
wait_for 60 grep -q 'connected from 127.0.0.1' "$DLOG" || fail "kmscast HOST did not connect: $(cat "$WORK/v.err")"
sleep 3
term_exits_0 $V "kmscast HOST" "$WORK/v.err"
n=$(sed -n 's/^received \([0-9]*\) frames .* \([0-9]*\) decoded$/\2/p' "$WORK/v.out")
[ -n "$n" ] && [ "$n" -ge 1 ] || fail "kmscast HOST decoded nothing: $(cat "$WORK/v.out" "$WORK/v.err")"
grep -q "nothing to show the stream on here" "$WORK/v.err" || fail "no word on the missing display: $(cat "$WORK/v.err")"
ok "kmscast 127.0.0.1 received and decoded $n frames (no display in the guest: it said so)"
stop_daemon
stop_paint
