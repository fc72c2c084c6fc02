# SPDX-License-Identifier: MIT
# Portal tokens in a real browser: headless chromium on the host opens
# https://HOST:PORT/#token=JWT of kmscastd in the guest (tokens minted here
# as a portal would, ES256 and EdDSA). A control token types into the
# guest's uinput keyboard; a view token shows the exact picture and types
# nothing; expired, replayed, wrong-host, wrong-key and malformed tokens are
# refused with their reasons on the page and in the log.
# timeout: 600
. tests/vm/lib.sh
IFS=$'\n'
mkdir -p "$WORK/d" "$WORK/keys"
URL=https://HOSTPORT/
K=$WORK/keys
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/es.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$K/ed.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/other.key" 2>/dev/null
{ openssl pkey -in "$K/es.key" -pubout; openssl pkey -in "$K/ed.key" -pubout; } >"$K/portal.pem" 2>/dev/null
chmod 755 "$K"
chmod 644 "$K/portal.pem"
expect() { # REPLY TEXT WHAT
	echo "$1" | grep -qF -- "$2" || fail "$3: got $(echo "$1" | tr '\n' '|')"
}

start_paint --device /dev/dri/card0 --mode 640x480 --static --start 77
: >"$WORK/d.log"
"$B/kmscastd" --state-dir "$WORK/d" --device /dev/dri/card0 --listen :7300 --codec lossless --fps 20 \
	--portal-key "$K/portal.pem" 2>>"$WORK/d.log" &
DPID=$!
DLOG=$WORK/d.log
wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start: $(cat "$DLOG")"
WFP=$("$B/kmscastd" id --state-dir "$WORK/d" | tail -1)
now=$(date +%s)
token() { # KEY SUB SCOPE EXP JTI [AUD]
	"$B/tests/mktoken" "$1" "{\"aud\":\"${6:-$WFP}\",\"sub\":\"$2\",\"scope\":\"$3\",\"exp\":$4,\"jti\":\"$5\",\"iat\":$now}"
}

# Control: the keys typed in the page reach the guest's keyboard.
reader kb "kmscast keyboard"
alice=$(token "$K/es.key" alice control $((now + 300)) portal-a1)
r=$(host_browser alice pa keys "$URL#token=$alice" KeyK KeyM)
expect "$r" "rc=0" "alice's session"
expect "$r" "status: connected, 640x480 lossless" "alice's status"
keyrel() { printf 'EV_KEY KEY_%s 1\nSYN\nEV_KEY KEY_%s 0\nSYN\n' "$@"; }
want kb $(keyrel K K) $(keyrel M M) "EV_KEY KEY_LEFTSHIFT 1" SYN "EV_KEY KEY_LEFTSHIFT 0" SYN
grep -q "portal token for alice from .* admitted (ES256, scope control, jti portal-a1" "$DLOG" ||
	fail "alice's admission: $(tail -5 "$DLOG")"
grep -q 'client portal:alice "browser: .*" connected from .* (portal token, control)' "$DLOG" ||
	fail "alice's session line: $(tail -5 "$DLOG")"
ok "an ES256 control token admits the browser; its keys arrive on the guest's keyboard; the log names alice"

# View: the exact picture, and no key reaches the guest.
bob=$(token "$K/ed.key" bob view $((now + 300)) portal-b1)
r=$(host_browser bob pb snapshot "$URL#token=$bob" OUTDIR/portal-view.png)
expect "$r" "rc=0" "bob's snapshot"
"$B/tests/scene-tool" compare "$OUT/portal-view.png" XRGB8888 77 || fail "bob's canvas is not frame 77"
grep -q "portal:bob joins view-only" "$DLOG" || fail "bob not view-only: $(tail -5 "$DLOG")"
n=$(wc -l <"$WORK/kb.out")
bob2=$(token "$K/ed.key" bob view $((now + 300)) portal-b2)
r=$(host_browser bob2 pb keys "$URL#token=$bob2" KeyQ)
expect "$r" "rc=0" "bob's typing"
sleep 1
[ "$(wc -l <"$WORK/kb.out")" = "$n" ] || fail "a view token's keys reached the guest: $(tail -4 "$WORK/kb.out")"
ok "an EdDSA view token shows exact frame 77 and types nothing into the guest"

refused() { # NAME TOKEN TEXT WHAT
	local r
	r=$(host_browser "$1" pr status "$URL#token=$2")
	expect "$r" "$3" "$4"
	expect "$r" "Open this host again from the portal" "$4: the page's advice"
}
refused replay "$alice" "portal token for alice was used already (jti portal-a1)" "a replayed token"
refused expired "$(token "$K/es.key" carol control $((now - 300)) portal-c1)" "portal token: expired" "an expired token"
refused host "$(token "$K/es.key" carol control $((now + 300)) portal-c2 pc99.example)" \
	"portal token for carol is for another host (aud pc99.example)" "a token for another host"
refused key "$(token "$K/other.key" carol control $((now + 300)) portal-c3)" \
	"the signature does not verify with the portal key" "a token another key signed"
refused junk "definitely-not-a-jwt" "portal token: malformed" "a malformed token"
for w in "was used already" "expired" "is for another host" "does not verify" "malformed"; do
	grep -q "refused .* (browser): portal token.*$w" "$DLOG" || fail "no log line for '$w': $(tail -8 "$DLOG")"
done
ok "replayed, expired, wrong-host, wrong-key and malformed tokens: the page says why, the log too"
stop_daemon
stop_paint
