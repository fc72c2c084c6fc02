# SPDX-License-Identifier: MIT
# Identities are made on first use, 0600, and `id` prints the native
# fingerprint on its first line and the browsers' (ECDSA P-256) on its
# last, in the form the trust files take.
. tests/net/lib.sh
out=$("$B/kmscastd" id --state-dir "$W/d") || fail "kmscastd id failed"
fp=$(echo "$out" | head -1)
wfp=$(echo "$out" | tail -1)
[ "$(echo "$out" | wc -l)" = 2 ] || fail "kmscastd id printed '$out', not two lines"
[[ $fp =~ ^sha256:[0-9a-f]{64}$ ]] || fail "kmscastd id printed '$fp'"
[[ $wfp =~ ^sha256:[0-9a-f]{64}$ ]] && [ "$wfp" != "$fp" ] || fail "kmscastd id's browser line is '$wfp'"
[ "$("$B/kmscastd" id --state-dir "$W/d")" = "$out" ] || fail "fingerprints changed on reload"
want=sha256:$(openssl x509 -in "$W/d/web-cert.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
[ "$wfp" = "$want" ] || fail "browser fingerprint $wfp is not the SPKI hash $want"
openssl x509 -in "$W/d/web-cert.pem" -noout -text | grep -q "ASN1 OID: prime256v1" || fail "browser key is not P-256"
openssl x509 -in "$W/d/web-cert.pem" -noout -text | grep -q "TLS Web Server Authentication" ||
	fail "browser certificate is not for server authentication"
[ "$("$B/kmscastd" id --no-web --state-dir "$W/d")" = "$fp" ] || fail "id --no-web printed more than the native line"
for f in key.pem cert.pem web-key.pem web-cert.pem; do
	[ "$(stat -c %a "$W/d/$f")" = 600 ] || fail "$f is not 0600"
done
[ "$(stat -c %a "$W/d")" = 700 ] || fail "state dir is not 0700"
# The fingerprint is SHA-256 over the public key (SPKI), checked with openssl.
want=sha256:$(openssl x509 -in "$W/d/cert.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
[ "$fp" = "$want" ] || fail "fingerprint $fp is not the SPKI hash $want"
openssl x509 -in "$W/d/cert.pem" -noout -text | grep -q ED25519 || fail "key is not Ed25519"
cfp=$(XDG_CONFIG_HOME=$W/xdg "$B/kmscast" id | tail -1)
[[ $cfp =~ ^sha256:[0-9a-f]{64}$ ]] || fail "kmscast id printed '$cfp'"
[ -f "$W/xdg/kmscast/key.pem" ] || fail "client key not under XDG_CONFIG_HOME/kmscast"
ok "fingerprints $fp / $cfp"
# Bad options are refused with a message and status 2.
"$B/kmscastd" --state-dir "$W/d" "${DUSER[@]}" --listen nonsense --source test 2>"$W/e"; [ $? -eq 1 ] && grep -q "bad --listen" "$W/e" || fail "bad --listen"
"$B/kmscast" --server-fingerprint abc host 2>"$W/e"; [ $? -eq 2 ] && grep -q "sha256: and 64 hex" "$W/e" || fail "bad fingerprint option"
"$B/kmscast" pair host NOT-A-CODE --config-dir "$W/c" 2>"$W/e"; [ $? -eq 2 ] && grep -q "not a pairing code" "$W/e" || fail "bad pairing code"
ok "usage errors"

# kmscast HOST with no display and no console: none, said in one line.
mkdir -p "$W/d2"
authorize good d2
start_daemon d2 --source test:1000 --fps 20
env -u DISPLAY -u WAYLAND_DISPLAY timeout 30 "$B/kmscast" --config-dir "$W/good" --accept-new --frames 2 \
	127.0.0.1:$PORT </dev/null >"$W/out" 2>"$W/err"
[ $? -eq 0 ] || fail "kmscast HOST without a display: $(cat "$W/err")"
grep -q "^kmscast: nothing to show the stream on here (no WAYLAND_DISPLAY or DISPLAY, and standard input is not a text console): add --snapshot FILE.png or --record FILE.mkv" "$W/err" ||
	fail "no line saying why nothing is shown: $(cat "$W/err")"
[ "$(grep -c 'nothing to show' "$W/err")" = 1 ] || fail "said more than once"
stop_daemon
ok "kmscast HOST with no display: receives, and says in one line why nothing is shown"
