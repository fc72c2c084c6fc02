# SPDX-License-Identifier: MIT
# The browser viewer end to end: headless chromium on the host (driven over
# DevTools by tests/web/drive) opens https://HOST:PORT/ of kmscastd in the
# guest through the port forward. It pairs with a code, gets back in with the
# stored credential alone, shows exact pixels (lossless) and H.264 (4:4:4 and
# 4:2:0) at PSNR >= 38 dB, types and clicks into the guest's uinput devices,
# releases a held key on blur, takes the cursor image as its own, and is
# refused with a message for a wrong code, a replayed code, a revoked
# credential, a foreign Origin, plain HTTP and the viewer limit, and
# reconnects by itself when the daemon restarts.
# timeout: 900
. tests/vm/lib.sh
IFS=$'\n'
mkdir -p "$WORK/d"
URL=https://HOSTPORT/
daemon() { # ARGS...: kmscastd on the forwarded port
	: >"$WORK/d.log"
	"$B/kmscastd" --state-dir "$WORK/d" --device /dev/dri/card0 --listen :7300 "$@" 2>>"$WORK/d.log" &
	DPID=$!
	DLOG=$WORK/d.log
	wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start: $(cat "$DLOG")"
}
code() { "$B/kmscastd" pair --state-dir "$WORK/d" | sed -n 3p | tr -d ' '; }
field() { echo "$1" | sed -n "s/^$2: //p"; }
# The page's sessions so far ($cred: its credential), and one more than before.
sessions() { grep -c "client $cred .* connected" "$DLOG"; }
one_more() { [ "$(sessions)" -gt "$before" ]; }
expect() { # REPLY TEXT WHAT: the reply holds TEXT
	echo "$1" | grep -qF -- "$2" || fail "$3: got $(echo "$1" | tr '\n' '|')"
}

start_paint --device /dev/dri/card0 --mode 640x480 --static --start 2024
daemon --codec lossless --fps 20

# Plain HTTP on the TLS port and a foreign page's WebSocket are told why.
r=$(host_browser plain p plain http://HOSTPORT/)
expect "$r" "open it with https://, not http://" "plain HTTP"
r=$(host_browser origin p origin $URL https://evil.example)
expect "$r" "HTTP/1.1 403 Forbidden" "foreign Origin"
expect "$r" "Origin 'https://evil.example' is not this host's page" "foreign Origin's message"
grep -q "refused a browser WebSocket from .*evil.example" "$DLOG" || fail "no log line for the foreign Origin"
ok "plain HTTP and a foreign Origin are refused with their messages"

# Not paired: the page asks for a code; a wrong one is refused.
r=$(host_browser fresh a status $URL)
expect "$r" "status: not paired" "an unpaired browser"
expect "$r" "pair-box: fits" "the pairing box in a 1280-pixel window"
c=$(code)
if [ "${c:0:1}" = A ]; then wrong=B${c:1}; else wrong=A${c:1}; fi
r=$(host_browser wrong a status "$URL#code=$wrong")
expect "$r" "wrong pairing code" "a wrong code"
ok "an unpaired browser is asked for a code (the box holds the fingerprint); a wrong code: $(field "$r" error)"

# The right code pairs; the same code again (a replay) finds nothing pending.
r=$(host_browser pair a snapshot "$URL#code=$c" OUTDIR/web-ll.png)
expect "$r" "rc=0" "pairing and a lossless snapshot"
expect "$r" "css: 640px" "drawn 1:1"
"$B/tests/scene-tool" compare "$OUT/web-ll.png" XRGB8888 2024 || fail "the page's canvas is not frame 2024"
grep -q 'paired browser sha256:.* "Chromium on Linux"' "$DLOG" || fail "no pairing line: $(cat "$DLOG")"
cred=$(sed -n 's/^\(sha256:[0-9a-f]*\)  # last used .*/\1/p' "$WORK/d/browser-credentials")
[ -n "$cred" ] || fail "no credential stored: $(cat "$WORK/d/browser-credentials")"
ok "paired; the page's canvas (640x480 CSS px, 1:1) equals reference frame 2024 exactly"
r=$(host_browser replay b status "$URL#code=$c")
expect "$r" "no pairing code is pending" "a replayed code"
ok "a used code is refused: $(field "$r" error)"

# A reload gets in with the credential alone; its last use is noted.
sed -i 's/# last used [0-9TZ:-]*/# last used 2000-01-01T00:00:00Z/' "$WORK/d/browser-credentials"
r=$(host_browser reload a status $URL)
expect "$r" "status: connected, 640x480 lossless" "a reload with the stored credential"
grep -q "$cred  # last used 20[2-9]" "$WORK/d/browser-credentials" || fail "last use not updated"
ok "a reload gets in with the stored credential alone (last use noted)"

# The daemon restarts under an open page: it says so and comes back alone.
before=$(sessions)
host_browser_start reconn a reconnect $URL 120
wait_for 120 one_more || fail "the page did not connect: $(cat "$DLOG")"
"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >>"$WORK/d/authorized-clients"
stop_daemon
daemon --codec lossless --fps 20 --max-viewers 0
r=$(host_browser_wait reconn)
expect "$r" "dropped: disconnected; retrying in" "the page after the daemon stopped"
expect "$r" "back: connected, 640x480 lossless" "the page after the daemon came back"
ok "a restarted daemon: the page showed '$(field "$r" dropped)' and reconnected by itself"

# With a native client in control and no viewers allowed, the page says so.
"$B/kmscast" --present none --config-dir "$WORK/c" --accept-new 127.0.0.1:7300 >"$WORK/n.out" 2>&1 &
NPID=$!
wait_for 60 grep -q "joins in control" "$DLOG" || fail "the native client did not connect: $(cat "$WORK/n.out")"
r=$(host_browser limit a status $URL)
expect "$r" "status: refused" "the viewer limit"
expect "$r" "the viewer limit (0) is reached; try again later" "the viewer limit's message"
kill "$NPID"
wait "$NPID"
ok "past the viewer limit the page is refused: $(field "$r" error)"
stop_paint

# Keys and clicks arrive on the guest's uinput devices exactly; a key
# held when the page loses focus is released.
start_paint --device /dev/dri/card0 --mode 640x480 --static --start 9
reader kb "kmscast keyboard"
reader ms "kmscast mouse"
reader ab "kmscast absolute pointer"
r=$(host_browser keys a keys $URL KeyK KeyM KeyS Digit1 Enter Escape)
expect "$r" "rc=0" "typing"
expect "$r" "held: 0" "release on blur"
keyrel() { printf 'EV_KEY KEY_%s 1\nSYN\nEV_KEY KEY_%s 0\nSYN\n' "$@"; }
want kb $(keyrel K K) $(keyrel M M) $(keyrel S S) $(keyrel 1 1) $(keyrel ENTER ENTER) $(keyrel ESC ESC) \
	"EV_KEY KEY_LEFTSHIFT 1" SYN "EV_KEY KEY_LEFTSHIFT 0" SYN
want ab "absinfo ABS_X 0 1279" "absinfo ABS_Y 0 959" "EV_ABS ABS_X 21" "EV_ABS ABS_Y 41" SYN "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN
want ms "EV_REL REL_WHEEL -1" "EV_REL REL_WHEEL_HI_RES -120" SYN
ok "typed keys, a click at 10,20, a wheel notch and the release of a held Shift on blur arrive exactly"
stop_paint

# The cursor's image and hotspot become the page's CSS cursor.
start_paint --device /dev/dri/card0 --mode 640x480 --fps 10 --cursor
r=$(host_browser cursor a cursor $URL OUTDIR/web-cursor.png)
expect "$r" "hotspot: 0,0" "the cursor hotspot"
expect "$r" "cursor-size: 64x64" "the cursor size"
expect "$r" "css-has-image: 1" "the CSS cursor"
"$B/tests/scene-tool" cursor-image "$OUT/web-cursor.png" || fail "the page's cursor image differs"
ok "the page's CSS cursor is the host's 64x64 cursor image with hotspot 0,0"
stop_paint

# Revoked (listed in revoked-clients, SIGHUP): the open page is ended with
# the reason, and a reload is refused.
start_paint --device /dev/dri/card0 --mode 640x480 --static --start 5
before=$(sessions)
host_browser_start watch a watch $URL 120
wait_for 120 one_more || fail "the page did not connect: $(cat "$DLOG")"
echo "$cred" >"$WORK/d/revoked-clients"
kill -HUP "$DPID"
r=$(host_browser_wait watch)
expect "$r" "then: this browser's credential was revoked on the host" "revocation of an open page"
r=$(host_browser revoked a status $URL)
expect "$r" "status: not paired" "a revoked reload"
expect "$r" "This browser's credential was revoked on this host" "a revoked reload's message"
ok "revocation ends the open page and refuses a reload: $(field "$r" error)"
rm "$WORK/d/revoked-clients"
kill -HUP "$DPID"
stop_daemon

# H.264: 4:4:4 where the browser decodes it, 4:2:0 when it asks.
daemon --codec h264 --fps 20
r=$(host_browser h444 a snapshot $URL OUTDIR/web-444.png)
expect "$r" "rc=0" "an H.264 4:4:4 snapshot"
r444=$("$B/tests/scene-tool" psnr "$OUT/web-444.png" 5 38) || fail "4:4:4: $r444"
grep -q "decodes no 4:4:4" "$DLOG" && fail "encoded 4:2:0 for a browser that decodes 4:4:4"
r=$(host_browser h420 a snapshot "$URL#chroma=420" OUTDIR/web-420.png)
expect "$r" "rc=0" "an H.264 4:2:0 snapshot"
grep -q "decodes no 4:4:4: encoding 4:2:0 for it" "$DLOG" || fail "no 4:2:0 encoder: $(cat "$DLOG")"
r420=$("$B/tests/scene-tool" psnr "$OUT/web-420.png" 5 38) || fail "4:2:0: $r420"
ok "H.264 in the browser: 4:4:4 $r444 dB, 4:2:0 $r420 dB against frame 5"
stop_daemon
stop_paint
