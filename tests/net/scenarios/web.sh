# SPDX-License-Identifier: MIT
# Browsers on the daemon's TLS port, by hand (tests/web/wsclient speaks what
# a browser sends; the real browser's run is the VM's browser.sh): the page
# and its headers, bounded requests, the Origin check, pairing by proof with
# an HttpOnly cookie, replay, the WebSocket session carrying the protocol,
# and revocation by SIGHUP. Runs plain and under ASan.
. tests/net/lib.sh
WC=tests/web/wsclient
mkdir -p "$W/d"
start_daemon d --source test:1000 --fps 20
HP=127.0.0.1:$PORT
WFP=$("$B/kmscastd" id --state-dir "$W/d" | tail -1)
have() { grep -qF -- "$1" "$W/r" || fail "$2: $(tr '\n' '|' <"$W/r")"; }
wc_() { timeout 60 "$WC" "$@" >"$W/r" 2>&1; }

wc_ get "$HP" /
have "alpn: http/1.1" "ALPN"
have "status: HTTP/1.1 200 OK" "the page"
have "header: content-security-policy: default-src 'none'; script-src 'self';" "the CSP"
have "frame-ancestors 'none'" "frame-ancestors"
have "header: x-frame-options: DENY" "X-Frame-Options"
have "header: content-type: text/html; charset=utf-8" "the page's type"
grep -q "body-length: $(wc -c <client/web/index.html)" "$W/r" || fail "the page is not client/web/index.html"
wc_ get "$HP" /viewer.js
grep -q "body-length: $(wc -c <client/web/viewer.js)" "$W/r" || fail "viewer.js differs"
wc_ get "$HP" /nothing-here
have "status: HTTP/1.1 404 Not Found" "a missing file"
wc_ get "$HP" /info
have '"fingerprint":"'"$WFP"'"' "/info's fingerprint"
have '"paired":false' "/info for a stranger"
have "header: cache-control: no-store" "/info not cached"
ok "the viewer's files with CSP and frame-ancestors 'none'; /info names $WFP"

# Bounds: a header block too big (431), a body too big (413), no smuggling.
wc_ get "$HP" / "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)"
have "431 Request Header Fields Too Large" "an oversized head"
wc_ get "$HP" / "Content-Length: 5000"
have "413 Content Too Large" "an oversized body"
wc_ get "$HP" / "Transfer-Encoding: chunked"
have "400 Bad Request" "a chunked body"
ok "oversized heads and bodies and chunked bodies are refused (431, 413, 400)"

# Requests written faster than their answers are read wait in the socket:
# the daemon's memory does not grow with them.
rss() { local t=0 p; for p in $DPID $(pgrep -P "$DPID"); do
	t=$((t + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status"))); done; echo $t; }
r0=$(rss)
timeout 60 "$WC" pipeline "$HP" 20000 >"$W/r" 2>&1 &
PP=$!
wait_for 30 grep -q reading "$W/r" || fail "pipelining: $(cat "$W/r")"
r1=$(rss)
wait "$PP"
have "pipelined: 20000" "20000 pipelined requests"
grep -q "answers: [1-9]" "$W/r" || fail "no answers to pipelined requests: $(cat "$W/r")"
[ $((r1 - r0)) -lt 16384 ] || fail "20000 pipelined requests grew the daemon by $((r1 - r0)) kB"
ok "20000 pipelined requests, unread: the daemon grew by $((r1 - r0)) kB ($(sed -n 's/answers: //p' "$W/r") answered)"

# Plain HTTP is told to use https.
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat >&3; cat <&3" >"$W/r" 2>&1
have "open it with https://, not http://" "plain HTTP"
ok "plain HTTP on the TLS port gets a 400 that says to use https://"

# Pairing: the Origin must be the page's; a wrong code counts; the right
# one sets an HttpOnly, Secure, SameSite=Strict cookie; a replay is refused.
code=$("$B/kmscastd" pair --state-dir "$W/d" "${DUSER[@]}" | sed -n 3p | tr -d ' ')
wc_ --origin https://evil.example pair "$HP" "$code" "$WFP"
have "status: HTTP/1.1 403 Forbidden" "a foreign Origin's pairing"
have "Origin 'https://evil.example' is not this host's page" "the Origin's message"
if [ "${code:0:1}" = A ]; then wrong=B${code:1}; else wrong=A${code:1}; fi
wc_ --origin "https://$HP" pair "$HP" "$wrong" "$WFP"
have '{"error":"wrong pairing code"}' "a wrong code"
wc_ --origin "https://$HP" --jar "$W/jar" pair "$HP" "$code" "$WFP"
have "status: HTTP/1.1 200 OK" "pairing"
have "set-cookie: __Host-kmscast=...; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=34560000" "the cookie"
have "server-proof: ok" "the daemon's proof"
grep -q '^sha256:[0-9a-f]\{64\}  # last used .*, "wsclient test" paired from 127.0.0.1 at ' \
	"$W/d/browser-credentials" || fail "credential line: $(cat "$W/d/browser-credentials")"
grep -qF "$(sed 's/__Host-kmscast=//' "$W/jar")" "$W/d/browser-credentials" && fail "the token itself is stored"
wc_ --origin "https://$HP" pair "$HP" "$code" "$WFP"
have "no pairing code is pending" "a replayed code"
ok "pairing: foreign Origin 403, wrong code, cookie Secure+HttpOnly+SameSite=Strict, stored hashed, replay refused"

# Refused pairings are refusals like any other: one answer and the
# connection closes, the log keeps to its burst with a count of the rest,
# and the peer's bytes reach the log escaped.
lines0=$(grep -c "browser pairing from" "$DLOG")
for i in 1 2 3; do
	wc_ pairflood "$HP" 1000
	have "answers: 1" "a refused pairing closes its connection"
done
sleep 0.5
lines=$(($(grep -c "browser pairing from" "$DLOG") - lines0))
[ "$lines" -le 10 ] || fail "$lines log lines for 3 refused pairings after a burst"
grep -qF "Origin 'https://evil\x9b31m\xff.example' is not this host's page" "$DLOG" ||
	fail "the Origin's bytes are not escaped in the log: $(grep -a evil "$DLOG" | head -2)"
LC_ALL=C grep -qaP '[\x80-\xff\x00-\x08\x0b-\x1f]' "$DLOG" && fail "raw control or 8-bit bytes in the log"
ok "a refused pairing gets one answer and a close; the log escapes the peer's bytes"

# The WebSocket carries the protocol: one message per binary message.
wc_ --origin "https://$HP" --jar "$W/jar" session "$HP" 16 5
have "status: HTTP/1.1 101 Switching Protocols" "the upgrade"
have "config: " "STREAM_CONFIG"
have "frames: 5" "five frames acked"
grep -q 'client sha256:[0-9a-f]* "wsclient" connected' "$DLOG" || fail "no session line"
wc_ --origin https://evil.example --jar "$W/jar" session "$HP" 16 5
have "status: HTTP/1.1 403 Forbidden" "a foreign page's WebSocket"
wc_ --origin "https://$HP" session "$HP" 16 5
have "error: 3: this browser is not paired with this host" "no cookie"
echo "__Host-kmscast=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" >"$W/badjar"
wc_ --origin "https://$HP" --jar "$W/badjar" session "$HP" 16 5
have "error: 3: this browser's credential is not known on this host" "an unknown credential"
# The cookie without its __Host- prefix (as a sibling site could set it) is
# not ours; a planted one beside the real one does not shadow it.
sed 's/^__Host-//' "$W/jar" >"$W/oldjar"
wc_ --origin "https://$HP" --jar "$W/oldjar" session "$HP" 16 5
have "error: 3: this browser is not paired with this host" "a cookie without __Host-"
echo "__Host-kmscast=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; $(cat "$W/jar")" >"$W/twojar"
wc_ --origin "https://$HP" --jar "$W/twojar" session "$HP" 16 5
have "frames: 5" "the real cookie behind a planted one"
ok "the WebSocket session streams with the __Host- cookie, also behind a planted one; no cookie, a forged one, an unprefixed one and a foreign page are refused"

# Revoked while watching: ERROR(revoked) with the reason; a reload too.
timeout 60 "$WC" --origin "https://$HP" --jar "$W/jar" --hold 1 session "$HP" 16 3 >"$W/held" 2>&1 &
HELD=$!
wait_for 30 grep -q "frames: 3" "$W/held" || fail "the held session: $(cat "$W/held")"
sed -n 's/^\(sha256:[0-9a-f]*\) .*/\1/p' "$W/d/browser-credentials" >"$W/d/revoked-clients"
kill -HUP "$DPID"
wait "$HELD"
grep -q "error: 8: this browser's credential was revoked on the host" "$W/held" ||
	fail "revocation: $(cat "$W/held")"
wc_ --origin "https://$HP" --jar "$W/jar" session "$HP" 16 5
have "error: 8: this browser's credential is revoked on this host" "a revoked reload"
ok "SIGHUP with the credential in revoked-clients ends the session and refuses a reload"
stop_daemon
