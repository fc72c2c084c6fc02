# SPDX-License-Identifier: MIT
# The clipboard through the session agent on an X11 desktop (Xvfb, xclip
# as its application, the agent's XFixes backend): the daemon refuses an
# agent of the wrong uid and says why on both sides; text goes both ways
# and never back to where it came from; a view-only viewer gets nothing;
# 2 MiB texts are refused each way with their message on both sides; the
# agent comes back after the daemon restarts, and a new one replaces it.
. tests/net/lib.sh
. tests/net/clip.sh
mkdir -p "$W/d"
authorize a d
authorize v d
authorize b d
Xvfb -displayfd 3 -nolisten tcp -screen 0 320x200x24 3>"$W/xdisplay" >"$W/xvfb.log" 2>&1 &
wait_for 30 test -s "$W/xdisplay" || fail "Xvfb did not start: $(cat "$W/xvfb.log")"
export DISPLAY=:$(cat "$W/xdisplay")
clip_daemon

# Anyone but the agent's user is refused, told why, and logged.
setpriv --reuid nobody --regid nogroup --clear-groups "$B/kmscast-agent" --socket "$ASOCK" \
	--backend none >"$W/nobody.log" 2>&1 &
NOBODY=$!
wait_for 20 grep -q "kmscastd ended the connection: refused: uid 65534 is not --agent-user's (uid 0)" \
	"$W/nobody.log" || fail "the wrong uid was not told: $(cat "$W/nobody.log")"
expect_log "agent: refused pid $NOBODY \(uid 65534\): uid 65534 is not --agent-user's \(uid 0\)"
kill "$NOBODY"
grep -q "connected, clipboard backend" "$DLOG" && fail "an agent of uid 65534 was admitted"
ok "an agent of uid 65534 is refused: the daemon logs why and tells it"

start_agent agent x11-xfixes
grep -q "clipboard backend wlr-data-control not taken: WAYLAND_DISPLAY is not set" "$W/agent.log" ||
	fail "the agent did not say why wlr-data-control was not taken: $(cat "$W/agent.log")"
ok "the agent takes XFixes and says why not wlr-data-control; the daemon logs which"

# The viewer in control gives its text as it joins: the host has it, and
# the host's report of it does not come back to the viewer.
t1="from viewer a: grüße ✓ $RANDOM"
printf '%s' "$t1" >"$W/a.send"
viewer a --send-clipboard "$W/a.send"
grep -q "^kmscast: clipboard: host to here and here to host, at most 1048576 bytes" "$W/a.err" ||
	fail "the controller's policy: $(grep clipboard "$W/a.err")"
A=$VIEWER
wait_for 10 host_is "$t1" || fail "the viewer's text is not the host's: '$(host_get)'"
sleep 1
[ -e "$W/a.clip" ] && fail "the viewer's own text came back to it: '$(cat "$W/a.clip")'"
ok "a viewer's text is the host's clipboard (xclip -o), and not sent back to it"

viewer v --view-only
V=$VIEWER
grep -q "^kmscast: clipboard: off, at most" "$W/v.err" || fail "the view-only policy: $(grep clipboard "$W/v.err")"
t2="from the host: naïve $RANDOM"
printf '%s' "$t2" | host_set
wait_for 10 file_is "$W/a.clip" "$t2" || fail "the host's text did not reach the viewer: $(cat "$W/a.clip" 2>&1)"
sleep 1
[ -e "$W/v.clip" ] && fail "the view-only viewer got '$(cat "$W/v.clip")'"
expect_log "clipboard: [0-9]+ bytes from the host to 1 viewer$"
ok "text copied on the host (xclip) reaches the viewer in control, and not the view-only one"

big_text | host_set
wait_for 10 grep -q "^kmscast: clipboard: the host's clipboard (2097152 bytes) is over the limit of 1048576 bytes (--clipboard-max): not sent" "$W/a.err" ||
	fail "the viewer was not told of the 2 MiB text: $(grep clipboard "$W/a.err")"
expect_log "^warning: clipboard: the host's clipboard \(2097152 bytes\) is over the limit of 1048576 bytes"
file_is "$W/a.clip" "$t2" || fail "the viewer's clipboard changed"
ok "a 2 MiB text copied on the host is refused: said in the daemon's log and by the viewer"
kill "$A" "$V"
wait "$A" "$V" 2>/dev/null

t3="small $RANDOM"
printf '%s' "$t3" | host_set
big_text >"$W/b.send"
viewer b --send-clipboard "$W/b.send"
wait_for 10 grep -q "^kmscast: clipboard: this text (2097152 bytes) is over the host's limit of 1048576 bytes: not sent" "$W/b.err" ||
	fail "the viewer did not refuse its 2 MiB text: $(grep clipboard "$W/b.err")"
expect_log "clipboard: sha256:[0-9a-f]+ says: this text \(2097152 bytes\) is over the host's limit"
host_is "$t3" || fail "the host's clipboard changed: $(host_get | head -c 60)"
kill "$VIEWER"
wait "$VIEWER" 2>/dev/null
ok "a 2 MiB text in a viewer is refused: said by the viewer and in the daemon's log"

# The daemon restarts: the agent finds it again.
stop_daemon
wait_for 20 grep -q "^kmscast-agent: kmscastd closed the connection" "$W/agent.log" ||
	fail "the agent did not notice: $(tail -3 "$W/agent.log")"
clip_daemon
wait_for 30 eval '[ "$(grep -c "^kmscast-agent: connected to kmscastd" "$W/agent.log")" -ge 2 ]' ||
	fail "the agent did not come back: $(tail -3 "$W/agent.log")"
ok "the agent connects again when the daemon restarts"

# A new login's agent replaces the old one, which stops (exit 0).
OLD=$AGENT
start_agent agent2 x11-xfixes
wait "$OLD"
rc=$?
[ "$rc" -eq 0 ] || fail "the replaced agent exited $rc"
grep -q "kmscastd ended the connection: replaced by a new agent (pid $AGENT)" "$W/agent.log" ||
	fail "the old agent was not told: $(tail -3 "$W/agent.log")"
ok "a new agent replaces the old one, which is told and stops"

# The host's choice: texts to viewers only, view-only viewers too.
stop_daemon
CLIPMODE=to-client clip_daemon --clipboard to-client --clipboard-view-only
wait_for 30 eval '[ "$(grep -c "^kmscast-agent: connected to kmscastd" "$W/agent2.log")" -ge 2 ]' ||
	fail "the agent did not come back: $(tail -3 "$W/agent2.log")"
grep -q "clipboard: desktop to viewers, at most" "$W/agent2.log" ||
	fail "the agent was not told to-client: $(tail -3 "$W/agent2.log")"
t4="to every viewer $RANDOM"
printf '%s' "$t4" | host_set
rm -f "$W/a.clip" "$W/v.clip"
printf 'not for the host' >"$W/a.send"
viewer a --send-clipboard "$W/a.send"
A=$VIEWER
grep -q "^kmscast: clipboard: host to here, at most" "$W/a.err" || fail "the to-client policy: $(grep clipboard "$W/a.err")"
viewer v --view-only
V=$VIEWER
wait_for 10 file_is "$W/a.clip" "$t4" || fail "the controller did not get the host's text"
wait_for 10 file_is "$W/v.clip" "$t4" || fail "with --clipboard-view-only the view-only viewer did not get it"
host_is "$t4" || fail "the host took a viewer's text under --clipboard to-client"
grep -q "^kmscast: clipboard: the host takes none from this viewer" "$W/a.err" ||
	fail "the viewer did not say it keeps its text: $(grep clipboard "$W/a.err")"
kill "$A" "$V"
wait "$A" "$V" 2>/dev/null
ok "--clipboard to-client --clipboard-view-only: every viewer gets the host's text, none gives"
stop_agent
stop_daemon
