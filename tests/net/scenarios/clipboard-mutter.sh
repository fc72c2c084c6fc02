# SPDX-License-Identifier: MIT
# The clipboard on GNOME: Debian's mutter, headless, as the Wayland
# display server on a private session bus (with Xwayland, whose xclip is
# the desktop's application). The agent passes over wlr-data-control
# (mutter has none), takes mutter's remote-desktop API, and text goes both
# ways between a viewer and the desktop.
. tests/net/lib.sh
. tests/net/clip.sh
command -v mutter >/dev/null && command -v Xwayland >/dev/null || fail "mutter and Xwayland are not installed"
mkdir -p "$W/d"
authorize a d
export XDG_RUNTIME_DIR=$W/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
dbus-daemon --session --address="unix:path=$W/bus" --fork --print-pid >"$W/bus.pid" 2>"$W/bus.log" ||
	fail "no session bus: $(cat "$W/bus.log")"
export DBUS_SESSION_BUS_ADDRESS=unix:path=$W/bus
trap 'kill $(jobs -p) $(cat "$W/bus.pid") 2>/dev/null; cleanup' EXIT
mutter --headless --wayland --virtual-monitor 640x480 >"$W/mutter.log" 2>&1 &
wait_for 60 grep -q "Using public X11 display" "$W/mutter.log" || fail "mutter did not start: $(tail -5 "$W/mutter.log")"
export WAYLAND_DISPLAY=wayland-0 DISPLAY=$(sed -n 's/.*Using public X11 display \(:[0-9]*\).*/\1/p' "$W/mutter.log")
export XAUTHORITY=$(ls "$XDG_RUNTIME_DIR"/.mutter-Xwaylandauth.* | head -1)
ok "mutter $(mutter --version | head -1 | awk '{print $2}') runs headless on a private session bus, Xwayland on $DISPLAY"

clip_daemon
start_agent agent mutter-remote-desktop
grep -q "clipboard backend wlr-data-control not taken: the compositor offers no zwlr_data_control_manager_v1" "$W/agent.log" ||
	fail "the agent did not say why not wlr-data-control: $(cat "$W/agent.log")"
ok "the agent takes mutter's remote-desktop API and says why not wlr-data-control"

t1="from the viewer to GNOME: grüße $RANDOM"
printf '%s' "$t1" >"$W/a.send"
viewer a --send-clipboard "$W/a.send"
wait_for 10 host_is "$t1" || fail "the viewer's text is not mutter's clipboard: '$(host_get)'; $(tail -3 "$W/agent.log")"
ok "a viewer's text is mutter's clipboard (xclip -o through Xwayland)"
t2="from GNOME: naïve $RANDOM"
printf '%s' "$t2" | host_set
wait_for 10 file_is "$W/a.clip" "$t2" || fail "mutter's clipboard did not reach the viewer: $(cat "$W/a.clip" 2>&1); $(tail -3 "$W/agent.log")"
ok "text copied in mutter's session (xclip through Xwayland) reaches the viewer"
kill "$VIEWER"
wait "$VIEWER" 2>/dev/null
stop_agent
stop_daemon
