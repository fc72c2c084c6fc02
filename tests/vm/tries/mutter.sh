# SPDX-License-Identifier: MIT
# A try, not a test (make check does not run it): GNOME's mutter as the
# display server on the rig's virtio-gpu. Needs `apt-get install mutter`
# (not in tools/install-deps). Run: tests/vm/rig tests/vm/tries/mutter.sh
# What it found (kernel-notes/desktops.md): mutter 43.8 takes the card
# only through a logind session, which the rig's guest (no systemd as
# PID 1) cannot give it.
# timeout: 400
. tests/vm/lib.sh
command -v mutter >/dev/null || fail "mutter is not installed (apt-get install mutter)"
vm_udev_start
desktop_daemon
export XDG_RUNTIME_DIR=/run/user/0
mkdir -p -m 700 "$XDG_RUNTIME_DIR" /run/dbus
dbus-daemon --system --fork --nopidfile || echo "no system bus"
echo "== mutter as root, no logind session"
timeout 120 dbus-run-session -- mutter --wayland --display-server --no-x11 >"$OUT/mutter-root.log" 2>&1
echo "mutter exit $?"
tail -30 "$OUT/mutter-root.log"
echo "== systemd-logind by hand (seats, but no sessions without systemd as init)"
mkdir -p /run/systemd/seats /run/systemd/sessions /run/systemd/users
timeout 20 /lib/systemd/systemd-logind >"$OUT/logind.log" 2>&1
echo "logind exit $?"
tail -5 "$OUT/logind.log"
stop_daemon
