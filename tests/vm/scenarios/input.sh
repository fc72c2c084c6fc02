# SPDX-License-Identifier: MIT
# Input end to end on the real kernel: uinput devices made in the guest
# stand in for a thin client's keyboard, mouse and tablet; kmscast reads and
# grabs them, kmscastd injects through its own uinput devices, and
# evdev-tool reads those (grabbed, so nothing reaches the console) and
# prints every frame. Each expectation is the exact event text.
# timeout: 600
. tests/vm/lib.sh
T=$B/tests/evdev-tool
# Event lines hold spaces: $(keys ...) must split at newlines only.
IFS=$'\n'
mkdir -p "$WORK/d"
for c in a b c; do "$B/kmscast" id --config-dir "$WORK/$c" | tail -1 >>"$WORK/d/authorized-clients"; done

client() { # CONFIG ARGS...: kmscast in the background, output in $WORK/CONFIG.*
	local c=$1
	shift
	"$B/kmscast" --present none --config-dir "$WORK/$c" --accept-new -v "$@" 127.0.0.1:$PORT \
		>"$WORK/$c.out" 2>"$WORK/$c.err" &
	CPID=$!
	wait_for 60 grep -q "stream 640x480" "$WORK/$c.err" || fail "client $c: $(cat "$WORK/$c.err")"
}

start_paint --mode 640x480 --static --start 7
start_daemon d --codec lossless --fps 10
grep -q "input: kmscast keyboard at /dev/input/event" "$DLOG" || fail "no injected keyboard: $(cat "$DLOG")"
fake kbd "thin keyboard" keyboard
fake mouse "thin mouse" mouse
fake tab "thin tablet" tablet
client a --input-device "$(cat "$WORK/kbd.node")" --input-device "$(cat "$WORK/mouse.node")" \
	--input-device "$(cat "$WORK/tab.node")"
A=$CPID
# The absolute pointer spans the captured output: it comes with the first
# viewer, when capture starts and the output's size is known.
wait_for 60 grep -q "input: kmscast absolute pointer at /dev/input/event.*, 640x480" "$DLOG" ||
	fail "no absolute pointer: $(cat "$DLOG")"
ok "kmscastd made kmscast keyboard, mouse and absolute pointer (640x480)"
reader kb "kmscast keyboard"
reader ms "kmscast mouse"
reader ab "kmscast absolute pointer"
want ab "absinfo ABS_X 0 1279" "absinfo ABS_Y 0 959"
grep -q "input from $(cat "$WORK/kbd.node") (thin keyboard, keyboard, grabbed)" "$WORK/a.err" ||
	fail "the keyboard was not grabbed: $(cat "$WORK/a.err")"

# A typed sequence arrives identical, shifted keys included.
feed kbd $(keys K M S C A S T) "EV_KEY KEY_LEFTSHIFT 1" SYN $(keys 1) "EV_KEY KEY_LEFTSHIFT 0" SYN $(keys ENTER)
want kb $(keys K M S C A S T) "EV_KEY KEY_LEFTSHIFT 1" SYN $(keys 1) "EV_KEY KEY_LEFTSHIFT 0" SYN $(keys ENTER)
ok "typed 'kmscast!' + Enter arrives as the same 20 frames"

# Relative motion, buttons and the wheel (with hi-res) keep their values.
feed mouse "EV_REL REL_X 5" "EV_REL REL_Y -3" SYN "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN \
	"EV_REL REL_WHEEL -1" "EV_REL REL_WHEEL_HI_RES -120" SYN "EV_KEY BTN_RIGHT 1" "EV_REL REL_X -40" SYN \
	"EV_KEY BTN_RIGHT 0" SYN
want ms "EV_REL REL_X 5" "EV_REL REL_Y -3" SYN "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN \
	"EV_REL REL_WHEEL -1" "EV_REL REL_WHEEL_HI_RES -120" SYN "EV_KEY BTN_RIGHT 1" "EV_REL REL_X -40" SYN \
	"EV_KEY BTN_RIGHT 0" SYN
ok "relative motion, buttons and wheel arrive with their values"

# The tablet's 0..32767 lands on stream pixels of the 640x480 output,
# written as their centres in the pointer's half pixels (2x + 1).
feed tab "EV_ABS ABS_X 16384" "EV_ABS ABS_Y 16384" SYN "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN \
	"EV_ABS ABS_X 32767" "EV_ABS ABS_Y 32767" SYN "EV_ABS ABS_X 52" "EV_ABS ABS_Y 0" SYN
want ab "EV_ABS ABS_X 641" "EV_ABS ABS_Y 481" SYN "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN \
	"EV_ABS ABS_X 1279" "EV_ABS ABS_Y 959" SYN "EV_ABS ABS_X 3" "EV_ABS ABS_Y 1" SYN
ok "absolute positions and clicks land on the output's pixels (16384 -> 320,240; 32767 -> 639,479)"

# Ctrl+Alt+F2 and Alt+SysRq are not injected; the modifiers are.
feed kbd "EV_KEY KEY_LEFTCTRL 1" SYN "EV_KEY KEY_LEFTALT 1" SYN $(keys F2) "EV_KEY KEY_LEFTCTRL 0" SYN \
	$(keys SYSRQ) "EV_KEY KEY_LEFTALT 0" SYN $(keys Z)
want kb "EV_KEY KEY_LEFTCTRL 1" SYN "EV_KEY KEY_LEFTALT 1" SYN "EV_KEY KEY_LEFTCTRL 0" SYN \
	"EV_KEY KEY_LEFTALT 0" SYN $(keys Z)
grep -q "blocked Ctrl+Alt+F2 (--allow-vt-switch permits it)" "$DLOG" || fail "no log of the blocked F2"
grep -q "blocked Alt+SYSRQ" "$DLOG" || fail "no log of the blocked SysRq"
ok "Ctrl+Alt+F2 and Alt+SysRq are blocked and logged; Ctrl, Alt and Z arrive"

# Console switching without Ctrl (Alt+F3, Alt+Left), Ctrl+Alt+Del and the
# power keys are blocked too; the keyboard does not even have power keys
# (logind acts on a keyboard that does).
kbnode=$(sed -n 's/.*input: kmscast keyboard at \(\/dev\/input\/event[0-9]*\).*/\1/p' "$DLOG")
for k in POWER POWER2 SLEEP SUSPEND WAKEUP RESTART; do
	[ "$("$T" state "$kbnode" KEY_$k)" = absent ] || fail "the kmscast keyboard offers KEY_$k"
done
[ "$("$T" state "$kbnode" KEY_A)" = up ] || fail "the kmscast keyboard lacks KEY_A"
# (Two feeds: the log names at most four blocked keys per batch.)
feed kbd "EV_KEY KEY_LEFTALT 1" SYN $(keys F3 LEFT) "EV_KEY KEY_LEFTCTRL 1" SYN $(keys DELETE) \
	"EV_KEY KEY_LEFTCTRL 0" SYN "EV_KEY KEY_LEFTALT 0" SYN $(keys Z)
want kb "EV_KEY KEY_LEFTALT 1" SYN "EV_KEY KEY_LEFTCTRL 1" SYN "EV_KEY KEY_LEFTCTRL 0" SYN \
	"EV_KEY KEY_LEFTALT 0" SYN $(keys Z)
feed kbd $(keys POWER SLEEP Y)
want kb $(keys Y)
for l in "blocked Alt+F3 on a text console (--allow-vt-switch" \
	"blocked Alt+LEFT on a text console (--allow-vt-switch" "input: the active console is a text console" \
	"blocked Ctrl+Alt+DELETE (--allow-vt-switch" "blocked POWER (--allow-power-keys permits it)" \
	"blocked SLEEP (--allow-power-keys permits it)"; do
	grep -qF "$l" "$DLOG" || fail "no log line '$l'"
done
ok "Alt+F3, Alt+Left, Ctrl+Alt+Del, Power and Sleep are blocked and logged; the keyboard has no power keys"

# In a desktop (the console as a display server leaves it: KD_GRAPHICS, its
# keyboard off) Alt+F4 and Alt+Left are the desktop's keys and arrive;
# Ctrl+Alt+F2 (which a display server acts on) stays blocked. With the
# kernel's keymap on again (a program that draws but leaves the keyboard to
# the console), Alt+F4 is blocked again. The helper asks the kernel each
# time. (Back to text at the end: a text console redraws, over paint.)
trap 'cleanup; "$T" console text unicode' EXIT
"$T" console graphics off || fail "cannot make the console graphical"
feed kbd "EV_KEY KEY_LEFTALT 1" SYN $(keys F4 LEFT) "EV_KEY KEY_LEFTCTRL 1" SYN $(keys F2) \
	"EV_KEY KEY_LEFTCTRL 0" SYN "EV_KEY KEY_LEFTALT 0" SYN
want kb "EV_KEY KEY_LEFTALT 1" SYN $(keys F4 LEFT) "EV_KEY KEY_LEFTCTRL 1" SYN \
	"EV_KEY KEY_LEFTCTRL 0" SYN "EV_KEY KEY_LEFTALT 0" SYN
grep -q "input: the active console is graphical: Alt+Fn and Alt+Left/Right pass" "$DLOG" ||
	fail "no log of the graphical console: $(cat "$DLOG")"
[ "$(grep -c "blocked Ctrl+Alt+F2 (--allow-vt-switch permits it)" "$DLOG")" = 2 ] ||
	fail "Ctrl+Alt+F2 was not blocked in the desktop: $(cat "$DLOG")"
"$T" console graphics unicode || fail "cannot turn the console's keymap on"
feed kbd "EV_KEY KEY_RIGHTALT 1" SYN $(keys F4) "EV_KEY KEY_RIGHTALT 0" SYN $(keys Z)
want kb "EV_KEY KEY_RIGHTALT 1" SYN "EV_KEY KEY_RIGHTALT 0" SYN $(keys Z)
[ "$(grep -c "blocked Alt+F4 on a text console" "$DLOG")" = 1 ] || fail "Alt+F4 passed the keymap"
[ "$(grep -c "input: the active console is a text console" "$DLOG")" = 2 ] ||
	fail "the change back was not logged: $(cat "$DLOG")"
! grep -q "console's mode is unknown" "$DLOG" || fail "the helper could not ask: $(cat "$DLOG")"
ok "graphical console: Alt+F4 and Alt+Left arrive, Ctrl+Alt+F2 does not; with the keymap on, Alt+F4 is blocked"

# The release hotkey: input goes back to this machine, then returns.
feed kbd "EV_KEY KEY_LEFTCTRL 1" SYN "EV_KEY KEY_LEFTALT 1" SYN "EV_KEY KEY_LEFTSHIFT 1" SYN \
	"EV_KEY KEY_Q 1" SYN
wait_for 30 grep -q "input released to this machine; ctrl+alt+shift+q takes it back" "$WORK/a.err" ||
	fail "the hotkey did nothing: $(cat "$WORK/a.err")"
want kb "EV_KEY KEY_LEFTCTRL 1" SYN "EV_KEY KEY_LEFTALT 1" SYN "EV_KEY KEY_LEFTSHIFT 1" SYN \
	"EV_KEY KEY_LEFTCTRL 0" "EV_KEY KEY_LEFTSHIFT 0" "EV_KEY KEY_LEFTALT 0" SYN
feed kbd "EV_KEY KEY_Q 0" SYN $(keys X) "EV_KEY KEY_Q 1" SYN "EV_KEY KEY_Q 0" SYN
wait_for 30 grep -q "input goes to the remote host again" "$WORK/a.err" || fail "the hotkey did not grab again"
feed kbd "EV_KEY KEY_LEFTCTRL 0" "EV_KEY KEY_LEFTALT 0" "EV_KEY KEY_LEFTSHIFT 0" SYN $(keys Y)
want kb $(keys Y)
ok "Ctrl+Alt+Shift+Q releases held keys on the host and ungrabs; X typed meanwhile stays local; again grabs"

# A second client is view-only: its device's keys, and a --view-only
# client's sent events, never arrive; the controller's next key does.
fake kbd2 "second keyboard" keyboard
client b --input-device "$(cat "$WORK/kbd2.node")"
B_PID=$CPID
grep -q "(view only)" "$WORK/b.err" || fail "b is not view-only: $(cat "$WORK/b.err")"
feed kbd2 $(keys V)
client c --view-only --send-input 1:47:1,0:0:0,1:47:0,0:0:0
C_PID=$CPID
fpc=$("$B/kmscast" id --config-dir "$WORK/c" | tail -1)
wait_for 30 grep -q "input from view-only client $fpc refused" "$DLOG" || fail "c's input was not refused"
feed kbd $(keys W)
want kb $(keys W)
ok "a view-only client's input never arrives (its device, and its sent events)"
kill $B_PID $C_PID
wait $B_PID $C_PID 2>/dev/null

# A key held when the client dies is released on the host.
feed kbd "EV_KEY KEY_RIGHTSHIFT 1" SYN
want kb "EV_KEY KEY_RIGHTSHIFT 1" SYN
# (A button goes to the pointer its frame moves, else the last one moved.)
feed mouse "EV_REL REL_X 1" "EV_KEY BTN_MIDDLE 1" SYN
want ms "EV_REL REL_X 1" "EV_KEY BTN_MIDDLE 1" SYN
[ "$("$T" state "$kbnode" KEY_RIGHTSHIFT)" = down ] || fail "right shift is not down on the host"
kill -9 $A
wait $A 2>/dev/null
want kb "EV_KEY KEY_RIGHTSHIFT 0" SYN
want ms "EV_KEY BTN_MIDDLE 0" SYN
[ "$("$T" state "$kbnode" KEY_RIGHTSHIFT)" = up ] || fail "right shift is still down"
wait_for 30 grep -q "released 2 held keys and buttons" "$DLOG" || fail "no release logged: $(tail -3 "$DLOG")"
ok "killing the client while Shift and a button are held releases both on the host"

# Discovery: --input-device auto finds keyboards and pointers (not kmscast's
# own devices), and one plugged in later; unplugged, it is let go.
client a --input-device auto
A=$CPID
grep -q "input from $(cat "$WORK/kbd.node") (thin keyboard, keyboard, grabbed)" "$WORK/a.err" ||
	fail "auto did not find the thin keyboard: $(cat "$WORK/a.err")"
grep -q "input from $(cat "$WORK/tab.node") (thin tablet, absolute pointer, grabbed)" "$WORK/a.err" ||
	fail "auto did not find the tablet: $(cat "$WORK/a.err")"
! grep -q "input from .*(kmscast " "$WORK/a.err" || fail "auto took a kmscast device: $(cat "$WORK/a.err")"
fake hot "hotplugged keyboard" keyboard
wait_for 30 grep -q "input from $(cat "$WORK/hot.node") (hotplugged keyboard, keyboard, grabbed)" "$WORK/a.err" ||
	fail "the hotplugged keyboard was not taken: $(cat "$WORK/a.err")"
feed hot $(keys H)
want kb $(keys H)
feed hot "EV_KEY KEY_J 1" SYN
want kb "EV_KEY KEY_J 1" SYN
kill $FAKE_hot
wait_for 30 grep -q "input device $(cat "$WORK/hot.node") (hotplugged keyboard) .*" "$WORK/a.err" ||
	fail "the unplug went unnoticed: $(cat "$WORK/a.err")"
want kb "EV_KEY KEY_J 0" SYN
ok "auto: found the stand-ins, skipped kmscast's devices, took a hotplugged keyboard, released its held J on unplug"
kill $A
wait $A 2>/dev/null
stop_daemon
kill $READER_kb $READER_ms $READER_ab 2>/dev/null

# --allow-vt-switch lets Ctrl+Alt+F2 through; --allow-power-keys makes a
# keyboard with a power key and lets it through (the guest has no logind).
start_daemon d --codec lossless --fps 10 --allow-vt-switch --allow-power-keys
grep -q "console switching, Ctrl+Alt+Del and SysRq allowed; power keys allowed" "$DLOG" ||
	fail "no allow note: $(cat "$DLOG")"
kbnode=$(sed -n 's/.*input: kmscast keyboard at \(\/dev\/input\/event[0-9]*\).*/\1/p' "$DLOG")
[ "$("$T" state "$kbnode" KEY_POWER)" = up ] || fail "with --allow-power-keys the keyboard has no KEY_POWER"
reader kb "kmscast keyboard"
client a --input-device "$(cat "$WORK/kbd.node")"
A=$CPID
feed kbd "EV_KEY KEY_LEFTCTRL 1" SYN "EV_KEY KEY_LEFTALT 1" SYN $(keys F2) "EV_KEY KEY_LEFTALT 0" SYN \
	"EV_KEY KEY_LEFTCTRL 0" SYN $(keys POWER)
want kb "EV_KEY KEY_LEFTCTRL 1" SYN "EV_KEY KEY_LEFTALT 1" SYN $(keys F2) "EV_KEY KEY_LEFTALT 0" SYN \
	"EV_KEY KEY_LEFTCTRL 0" SYN $(keys POWER)
ok "with --allow-vt-switch and --allow-power-keys, Ctrl+Alt+F2 and Power are injected"

# A client that reads its keyboard too late (stopped here) loses what the
# kernel's buffer could not hold: it says so, and nothing stays held.
kill -STOP $A
feed kbd $(for i in $(seq 100); do keys A; done)
kill -CONT $A
wait_for 30 grep -q "^kmscast: input device $(cat "$WORK/kbd.node") (thin keyboard): events came faster than they were read and the kernel dropped some (keys typed meanwhile are lost)$" "$WORK/a.err" ||
	fail "the client did not say it lost keys: $(tail -3 "$WORK/a.err")"
wait_for 30 eval '[ "$("$T" state "$kbnode" KEY_A)" = up ]' ||
	fail "KEY_A stayed down on the host; the host's keyboard last saw: $(tail -4 "$WORK/kb.out" | tr '\n' '|'); the client: $(tail -3 "$WORK/a.err" | tr '\n' '|')"
ok "a client that read its keyboard too late says the kernel dropped keys; none stays held"
kill $A
wait $A 2>/dev/null
stop_daemon
kill $READER_kb $FAKE_kbd $FAKE_mouse $FAKE_tab $FAKE_kbd2 2>/dev/null
stop_paint
