# SPDX-License-Identifier: MIT
# Silent peers and version mismatches, with a raw TLS client (openssl
# s_client) holding an authorized certificate; and --listen for all
# addresses answers on IPv4 and IPv6.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize good d
"$B/kmscast" id --config-dir "$W/good" >/dev/null
start_daemon d --source test:1000 --fps 20 --handshake-timeout 1000 --idle-timeout 2000
raw() { # SECONDS BYTES: send BYTES after the handshake, stay connected SECONDS
	(printf "$2"; sleep "$1") | timeout $(($1 + 5)) openssl s_client -quiet -ign_eof \
		-cert "$W/good/cert.pem" -key "$W/good/key.pem" -connect 127.0.0.1:$PORT >"$W/raw" 2>&1
}
HDR='\x00\x00\x00\x15\x00\x01\x00\x00'
raw 3 ''
expect_log "refused 127.0.0.1:[0-9]+ \($(fp_of good)\): no HELLO in time"
grep -q "no HELLO in time" "$W/raw" || fail "the silent client was not told"
ok "no HELLO within --handshake-timeout: closed, with a reason"

raw 3 "${HDR}KMSC\x00\x02\x00\x00\x00\x00\x00\x10\x00\x00\x00\x0f\x07\x80\x04\x38\x00"
grep -q "protocol version mismatch: the daemon speaks 1, the client 2" "$W/raw" || fail "version 2: $(cat "$W/raw")"
expect_log "protocol version mismatch: the daemon speaks 1, the client 2"
ok "a version 2 HELLO is refused naming both versions"

raw 5 "${HDR}KMSC\x00\x01\x00\x00\x00\x00\x00\x10\x00\x00\x00\x0f\x07\x80\x04\x38\x00"
expect_log "client $(fp_of good) \(127.0.0.1:[0-9]+\) disconnected: peer silent for 2000 ms"
grep -q "peer silent for 2000 ms" "$W/raw" || fail "the silent client was not told"
ok "a session that stops answering is closed after --idle-timeout"

raw 2 '\x00\x00\x00\x08\x00\x63\x00\x00junkjunk'
expect_log "malformed \? message: unknown message type"
raw 2 '\x00\x10\x00\x00\x00\x08\x00\x00'
expect_log "malformed PING message: message larger than the maximum"
ok "malformed messages are refused with the parser's reason"
kill -0 "$DPID" || fail "daemon died"
stop_daemon

start_daemon d --source test:1000 --listen :0
PORT=$(sed -n 's/.*listening on \[::\]:\([0-9]*\) .*/\1/p' "$DLOG")
[ -n "$PORT" ] || fail "--listen :0 did not listen on all addresses: $(head -3 "$DLOG")"
client good --accept-new --frames 2 127.0.0.1:$PORT
expect_rc 0 "IPv4 to a dual-stack listener"
client good --accept-new --frames 2 "[::1]:$PORT"
expect_rc 0 "IPv6"
grep -q "^\[::1\]:$PORT sha256:" "$W/good/known_hosts" || fail "IPv6 host not pinned as [::1]:PORT"
ok "all addresses: IPv4 and IPv6 on one socket"
stop_daemon
