# SPDX-License-Identifier: MIT
# Portal tokens by hand (tests/web/wsclient offers the token as a browser
# does, as a WebSocket subprotocol; the real browser's run, with input into
# uinput, is the VM's portal.sh): ES256 and EdDSA tokens admit a browser in
# control or view-only as their scope says, with the user in the log; an expired, replayed, wrong-host, wrong-key,
# tampered, malformed, alg none/HS256, crit, too long-lived, scopeless or
# not-yet-valid token is refused with its reason, logged and counted.
. tests/net/lib.sh
MK=$B/tests/mktoken
WC=tests/web/wsclient
K=$W/keys
mkdir -p "$K" "$W/d"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/es.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$K/ed.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/other.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa.key" 2>/dev/null
for k in es ed rsa; do openssl pkey -in "$K/$k.key" -pubout -out "$K/$k.pub" 2>/dev/null; done
cat "$K/es.pub" "$K/ed.pub" >"$K/portal.pem"
chmod 644 "$K"/*.pub "$K/portal.pem"

"$B/kmscastd" --state-dir "$W/x" --listen 127.0.0.1:0 "${DUSER[@]}" --source test \
	--portal-key "$K/rsa.pub" >"$W/r" 2>&1
[ $? -eq 1 ] && grep -q "rsa.pub: a key that is neither ECDSA P-256 (ES256) nor Ed25519 (EdDSA)" "$W/r" ||
	fail "an RSA portal key: $(cat "$W/r")"
"$B/kmscastd" --state-dir "$W/x" --source test --no-web --portal-key "$K/portal.pem" >"$W/r" 2>&1
[ $? -eq 2 ] && grep -q "which --no-web turns away" "$W/r" || fail "--portal-key with --no-web: $(cat "$W/r")"
ok "a portal key of another kind stops the daemon; --portal-key with --no-web is a usage error"

start_daemon d --source test:1000 --fps 20 --portal-key "$K/portal.pem" --metrics-listen 127.0.0.1:0
HP=127.0.0.1:$PORT
WFP=$("$B/kmscastd" id --state-dir "$W/d" | tail -1)
expect_log "portal tokens: 2 keys in $K/portal.pem; aud may name $(hostname)"
now=$(date +%s)
claims() { # SUB SCOPE EXP JTI [AUD-JSON]
	printf '{"aud":%s,"sub":"%s","scope":"%s","exp":%s,"jti":"%s","iat":%s}' \
		"${5:-\"$WFP\"}" "$1" "$2" "$3" "$4" "$now"
}
session() { # TOKEN FRAMES: the browser's WebSocket with the token; reply in $W/r
	timeout 60 "$WC" --origin "https://$HP" --protocol "kmscast, kmscast.token.$1" \
		session "$HP" 16 "${2:-3}" >"$W/r" 2>&1
}
have() { grep -qF -- "$1" "$W/r" || fail "$2: $(tr '\n' '|' <"$W/r")"; }

alice=$("$MK" "$K/es.key" "$(claims alice control $((now + 120)) j-alice-1)")
session "$alice"
have "status: HTTP/1.1 101 Switching Protocols" "alice's upgrade"
have "subprotocol: kmscast" "the subprotocol answered"
have "config: 1280x720 codec 4" "alice's config"
have "frames: 3" "alice's frames"
expect_log "portal token for alice from 127.0.0.1:[0-9]+ admitted \(ES256, scope control, jti j-alice-1, 1[0-9][0-9] s left\)"
expect_log 'client portal:alice "wsclient" connected from 127.0.0.1:[0-9]+ \(portal token, control\)'
expect_log "portal:alice joins in control"
bob=$("$MK" "$K/ed.key" "$(claims bob view $((now + 300)) j-bob-1 "[\"nowhere.example\",\"$(hostname)\"]")")
session "$bob"
have "config: 1280x720 codec 4" "bob's config"
have "frames: 3" "bob's frames"
expect_log "portal token for bob from 127.0.0.1:[0-9]+ admitted \(EdDSA, scope view, jti j-bob-1"
expect_log "portal:bob joins view-only"
ok "ES256 (alice, control, aud the browser fingerprint) and EdDSA (bob, view, aud the host name) admit with their scope; the log names the user"

refused() { # TOKEN REASON WHAT: REASON an extended regex (seconds pass meanwhile)
	session "$1"
	grep -qE -- "error: 3: $2" "$W/r" || fail "$3: $(tr '\n' '|' <"$W/r")"
}
refused "$alice" "portal token for alice was used already \\(jti j-alice-1\\): ask the portal for a new one" "a replay"
refused "$("$MK" "$K/es.key" "$(claims carol control $((now - 120)) j-c1)")" "portal token: expired 1[2-3][0-9] s ago" "expired"
refused "$("$MK" "$K/es.key" "$(claims carol control $((now + 60)) j-c2 '"pc99.example"')")" \
	"portal token for carol is for another host \\(aud pc99.example\\)" "wrong host"
refused "$("$MK" "$K/other.key" "$(claims carol control $((now + 60)) j-c3)")" \
	"portal token: the signature does not verify with the portal key \\(--portal-key\\)" "wrong key"
refused "$("$MK" --tamper "$K/ed.key" "$(claims carol control $((now + 60)) j-c4)")" \
	"portal token: the signature does not verify with the portal key \\(--portal-key\\)" "tampered"
refused "not-a-token" "portal token: malformed \\(not three base64url parts\\)" "malformed"
refused "eyJhbGciOiJFUzI1NiJ9.e30.!!!" "portal token: malformed \\(the signature is not base64url\\)" "a bad signature part"
refused "$("$MK" --header '{"alg":"none"}' "$K/es.key" "$(claims carol control $((now + 60)) j-c5)")" \
	"portal token: algorithm 'none' is not accepted \\(ES256 and EdDSA are\\)" "alg none"
refused "$("$MK" --header '{"alg":"HS256"}' "$K/es.key" "$(claims carol control $((now + 60)) j-c6)")" \
	"portal token: algorithm 'HS256' is not accepted" "alg HS256"
refused "$("$MK" --header '{"alg":"ES256","crit":["exp"]}' "$K/es.key" "$(claims carol control $((now + 60)) j-c7)")" \
	"portal token: a 'crit' header this host does not understand" "crit"
refused "$("$MK" "$K/es.key" "$(claims carol control $((now + 7200)) j-c8)")" \
	"portal token: exp is 71[0-9][0-9] s ahead; a portal token lives at most 3600 s" "too long-lived"
refused "$("$MK" "$K/es.key" "$(claims carol admin $((now + 60)) j-c9)")" \
	"portal token: scope is 'admin'; it must be 'control' or 'view'" "a bad scope"
refused "$("$MK" "$K/es.key" "{\"aud\":\"$WFP\",\"sub\":\"carol\",\"exp\":$((now + 60)),\"jti\":\"j-c10\"}")" \
	"portal token: no 'scope' claim" "no scope"
refused "$("$MK" "$K/es.key" "{\"aud\":\"$WFP\",\"sub\":\"carol\",\"scope\":\"view\",\"exp\":$((now + 900)),\"nbf\":$((now + 600)),\"jti\":\"j-c11\"}")" \
	"portal token: not valid for another 5[0-9][0-9] s \\(nbf\\)|portal token: not valid for another 600 s \\(nbf\\)" "not yet valid"
expect_log "refused 127.0.0.1:[0-9]+ \(browser\): portal token for alice was used already"
expect_log "refused 127.0.0.1:[0-9]+ \(browser\): portal token: expired 1[2-3][0-9] s ago"
ok "replayed, expired, wrong-host, wrong-key, tampered, malformed, alg none/HS256, crit, long-lived, bad or missing scope and future tokens are refused with their reason and logged"

MP=$(sed -n 's|.*metrics at http://\(.*\)/metrics$|\1|p' "$DLOG")
curl -sf "http://$MP/metrics" >"$W/m" || fail "metrics"
grep -qx 'kmscast_refused_connections_total{reason="token"} 14' "$W/m" || fail "token refusals counted: $(grep token "$W/m")"
grep -qx 'kmscast_sessions_total{kind="browser"} 2' "$W/m" || fail "browser sessions: $(grep sessions "$W/m")"
ok "kmscast_refused_connections_total{reason=\"token\"} counts the 14 refusals; 2 browser sessions"

# A token does not lift the Origin check.
t=$("$MK" "$K/es.key" "$(claims dave control $((now + 60)) j-d1)")
timeout 60 "$WC" --origin https://evil.example --protocol "kmscast, kmscast.token.$t" session "$HP" 16 3 >"$W/r" 2>&1
have "status: HTTP/1.1 403 Forbidden" "a token from a foreign page"
# SIGHUP with a broken key file keeps the keys; dave's unused token still works.
cp "$K/portal.pem" "$K/good.pem"
echo garbage >"$K/portal.pem"
kill -HUP "$DPID"
expect_log "no PEM public key \(BEGIN PUBLIC KEY\) in it; keeping the portal keys loaded before"
session "$t"
have "frames: 3" "dave after a broken reload"
cp "$K/good.pem" "$K/portal.pem"
ok "a foreign Origin is refused even with a token; a broken key file on SIGHUP keeps the old keys"
stop_daemon

start_daemon d2 --source test:1000 --fps 20
HP=127.0.0.1:$PORT
session "$("$MK" "$K/es.key" "$(claims erin control $((now + 60)) j-e1)")"
have "error: 3: portal token: this host takes none (it has no --portal-key)" "no --portal-key"
ok "a host without --portal-key says so to a token"
stop_daemon
