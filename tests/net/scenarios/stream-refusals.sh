# SPDX-License-Identifier: MIT
# An authorized client streams; an unknown client, a TLS 1.2 client, a
# client without a certificate and clients that do not trust the server's
# key are all refused, with clear messages on both sides.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize good d
authorize fresh d
start_daemon d --source test:3000 --fps 50

client good --frames 30 127.0.0.1:$PORT
expect_rc 4 "unknown host without --accept-new"
expect_err "the key of 127.0.0.1:$PORT is unknown"
ok "an unknown server key is refused"

client good --frames 30 --accept-new --stats 127.0.0.1:$PORT
expect_rc 0 "authorized client"
expect_out "^received 30 frames \(seq 0-29\), 0 gaps, 0 bad payloads, 90000 bytes, 30 decoded$"
expect_log "client $(fp_of good) \"kmscast [0-9]+\" connected"
grep -q "127.0.0.1:$PORT $("$B/kmscastd" id --state-dir "$W/d" | head -1)" "$W/good/known_hosts" || fail "not pinned"
client good --frames 5 127.0.0.1:$PORT
expect_rc 0 "pinned client"
ok "authorized client streams 30 exact frames, then again from known_hosts"

# A load-test viewer: frames counted and acknowledged, none decoded.
client good --no-decode --frames 10 --stats 127.0.0.1:$PORT
expect_rc 0 "--no-decode"
expect_out "^received 10 frames \(seq 0-9\), 0 gaps, 0 bad payloads, 30000 bytes, 0 decoded$"
expect_err "^stats: capture to received p50 [0-9.]+ ms, p99 [0-9.]+ ms over 10 frames$"
expect_err "^stats: first frame received [0-9.]+ ms after connecting$"
client good --no-decode --snapshot "$W/n.png" 127.0.0.1:$PORT
expect_rc 2 "--no-decode --snapshot"
expect_err "--no-decode has no picture: it goes with --present none"
ok "--no-decode takes 10 frames without decoding them"

client stranger --frames 5 --accept-new 127.0.0.1:$PORT
expect_rc 3 "unknown client"
expect_err "unauthorized: client sha256:[0-9a-f]{64} is not authorized on this host"
expect_log "refused 127.0.0.1:[0-9]+ \($(fp_of stranger)\): not an authorized client"
ok "unknown client refused"

echo | timeout 10 openssl s_client -tls1_2 -connect 127.0.0.1:$PORT >"$W/s" 2>&1
grep -q "alert protocol version" "$W/s" || fail "s_client -tls1_2 was not refused with protocol_version"
expect_log "TLS handshake failed: unsupported protocol \(only TLS 1.3 is accepted\)"
ok "TLS 1.2 refused"

sleep 2 | timeout 10 openssl s_client -tls1_3 -connect 127.0.0.1:$PORT >"$W/s" 2>&1
grep -q "certificate required" "$W/s" || fail "client without certificate was not told one is required"
expect_log "peer did not return a certificate \(a client certificate is required\)"
ok "client without a certificate refused"

# Pinned to another key: a known_hosts line with a different fingerprint.
sed -i "s/sha256:[0-9a-f]*/sha256:$(printf '%064d' 7)/" "$W/good/known_hosts"
client good --frames 5 127.0.0.1:$PORT
expect_rc 4 "pinned to another key"
expect_err "WARNING: THE KEY OF 127.0.0.1:$PORT HAS CHANGED"
expect_err "remove line 1 of .*known_hosts"
expect_log "closed with error: the client does not trust this server's key"
client good --frames 5 --server-fingerprint sha256:$(printf '%064d' 8) 127.0.0.1:$PORT
expect_rc 4 "wrong --server-fingerprint"
expect_err "not the --server-fingerprint"
client good --frames 5 --server-fingerprint "$("$B/kmscastd" id --state-dir "$W/d" | head -1)" 127.0.0.1:$PORT
expect_rc 0 "right --server-fingerprint"
ok "a client pinned to another key refuses, and says so"

# What a trusted server can make the client do: synthetic test frames are
# refused for --snapshot and --record (they have no picture), and a stream
# larger than --max-size (1280x720 here) is refused before anything is
# allocated for it.
client fresh --accept-new --snapshot "$W/t.png" 127.0.0.1:$PORT
expect_rc 3 "a snapshot of the test source"
expect_err "the host streams test, which this client does not take \(synthetic test frames"
client fresh --record "$W/t.mkv" --frames 3 127.0.0.1:$PORT
expect_rc 3 "a recording of the test source"
[ ! -e "$W/t.png" ] && [ ! -e "$W/t.mkv" ] || fail "a file was written for the test source"
client fresh --frames 3 --max-size 1279x720 127.0.0.1:$PORT
expect_rc 6 "a stream over --max-size"
expect_err "streams 1280x720, larger than --max-size 1279x720"
client fresh --frames 3 --max-size 1280x720 127.0.0.1:$PORT
expect_rc 0 "a stream at --max-size"
client fresh --max-size 0x5 127.0.0.1:$PORT
expect_rc 2 "--max-size 0x5"
expect_err "--max-size wants WxH up to 16384x16384"
ok "snapshot and record of test frames refused with a reason; --max-size bounds the stream"

grep -q "info: client .* disconnected" "$DLOG" || fail "no disconnect line"
kill -0 "$DPID" || fail "daemon died"
stop_daemon
ok "daemon stopped cleanly"

# kmscast pair against a server that has not proved the code and sends a
# 16384x16384 stream config: refused as a protocol error, nothing allocated.
HELLO='\x00\x00\x00\x15\x00\x01\x00\x00KMSC\x00\x01\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x40\x00\x40\x00\x00'
CONFIG='\x00\x00\x00\x0c\x00\x02\x00\x00\x40\x00\x40\x00\x00\x00\x00\x00\x00\x00\xea\x60'
FPORT=$((20000 + RANDOM % 20000))
(sleep 2; printf "$HELLO$CONFIG"; sleep 5) | timeout 10 openssl s_server -quiet -naccept 1 \
	-cert "$W/d/cert.pem" -key "$W/d/key.pem" -accept "127.0.0.1:$FPORT" >/dev/null 2>&1 &
S=$!
wait_for 10 eval "ss -ltn | grep -q '127.0.0.1:$FPORT '" || fail "the fake server did not listen"
client other pair 127.0.0.1:$FPORT AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A
wait $S 2>/dev/null
expect_rc 6 "pairing with a server that streams first"
expect_err "sent STREAM_CONFIG while pairing, before proving the code"
ok "while pairing, a server's STREAM_CONFIG is refused, not acted on"

# A host that resets the connection mid-handshake (one refusing a load it
# cannot take): the client names the reset, not libuv's "bad file
# descriptor" for a socket's POLLERR.
FPORT=$((20000 + RANDOM % 20000))
python3 -c '
import socket, struct, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
c, _ = s.accept()
time.sleep(0.5)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()' "$FPORT" &
S=$!
wait_for 10 eval "ss -ltn | grep -q '127.0.0.1:$FPORT '" || fail "the resetting server did not listen"
client good --accept-new 127.0.0.1:$FPORT
wait $S
expect_rc 1 "a reset mid-handshake"
expect_err "lost: socket error: connection reset by peer \(during the TLS handshake\)$"
ok "a reset during the handshake is named as one"
