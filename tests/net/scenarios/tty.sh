# SPDX-License-Identifier: MIT
# Started from a shell on a terminal (script(1) gives it a pty as its
# controlling terminal), kmscastd leaves it: stdin is /dev/null and it has
# no controlling terminal, so no ioctl of a compromised streamer types into
# that shell (the seccomp filter kills on TIOCSTI too: test_sandbox).
. tests/net/lib.sh
mkdir -p "$W/d"
authorize good d
pid_of() { # PREFIX: the process whose command line starts with it
	local p
	for p in /proc/[0-9]*; do
		case $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) in
		"$1"*) echo "${p#/proc/}"; return ;;
		esac
	done
}
tty_of() { awk '{print $7}' "/proc/$1/stat"; }

# The rig itself: a plain process under script(1) has the pty.
script -qfec "sleep 31.2345" /dev/null >/dev/null 2>&1 &
wait_for 10 eval 'test -n "$(pid_of "sleep 31.2345")"' || fail "script(1) did not start"
ctl=$(pid_of "sleep 31.2345")
[ "$(tty_of "$ctl")" != 0 ] || fail "script(1) gave no controlling terminal: the test proves nothing"
kill "$ctl"

DLOG=$W/d.log
# on_terminal WHAT PREFIX: kmscastd started inside script(1) behind PREFIX
# (nothing, or setsid -c) must come up without a controlling terminal,
# serve a client and stop cleanly on SIGTERM.
on_terminal() {
	local what=$1 prefix=$2
	: >"$DLOG"
	script -qfec "$prefix $B/kmscastd --state-dir $W/d --listen 127.0.0.1:0 ${DUSER[*]} --source test:1000 2>>$DLOG" \
		/dev/null >/dev/null 2>&1 &
	wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd $what did not start: $(cat "$DLOG")"
	DPID=$(pid_of "$B/kmscastd --state-dir $W/d")
	[ -n "$DPID" ] || fail "no kmscastd process"
	PORT=$(sed -n 's/.*listening on .*:\([0-9]*\) as .*/\1/p' "$DLOG")
	[ "$(tty_of "$DPID")" = 0 ] || fail "kmscastd keeps controlling terminal $(tty_of "$DPID")"
	[ "$(readlink "/proc/$DPID/fd/0")" = /dev/null ] || fail "stdin is $(readlink "/proc/$DPID/fd/0")"
	client good --accept-new --frames 3 127.0.0.1:$PORT
	expect_rc 0 "a client of the daemon $what"
	kill -TERM "$DPID"
	wait_for 10 eval '! kill -0 $DPID 2>/dev/null' || fail "kmscastd $what ignored SIGTERM"
	DPID=
	grep -q 'info: stopped' "$DLOG" || fail "kmscastd $what did not stop cleanly"
}

on_terminal "on a terminal" ""
ok "started on a terminal, kmscastd has no controlling terminal and stdin /dev/null"

# Started as its terminal's session leader (setsid -c; some supervisors do
# the same): giving up the terminal sends that session SIGHUP, which must not
# kill it (it once died at once, exit 129, printing nothing).
on_terminal "as its terminal's session leader" "setsid -c"
ok "started as its terminal's session leader, kmscastd detaches and runs"
