# SPDX-License-Identifier: MIT
# Lab pools: the daemon trusts any client certificate its --client-ca signed;
# the client verifies the daemon with --host-ca and the host name.
. tests/net/lib.sh
mkdir -p "$W/pki" "$W/d"
cd "$W/pki"
mkcert() { # NAME CA SAN
	openssl genpkey -algorithm ed25519 -out "$1.key" 2>/dev/null
	openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\n' "$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 30 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null || fail "cannot sign $1"
}
mkca() {
	openssl genpkey -algorithm ed25519 -out "$1.key" 2>/dev/null
	openssl req -x509 -new -key "$1.key" -subj "/CN=$1" -days 30 -out "$1.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
}
mkca poolca
mkca otherca
mkcert server poolca DNS:localhost,IP:127.0.0.1
mkcert wrongname poolca DNS:other.example
mkcert pc17 poolca DNS:pc17
mkcert rogue otherca DNS:rogue
cd - >/dev/null
P=$W/pki
start_daemon d --source test:2000 --fps 50 --client-ca "$P/poolca.pem" --cert "$P/server.pem" --key "$P/server.key"

client pc17 --cert "$P/pc17.pem" --key "$P/pc17.key" --host-ca "$P/poolca.pem" --frames 10 localhost:$PORT
expect_rc 0 "CA-signed client, host verified by name"
expect_out "^received 10 frames \(seq 0-9\), 0 gaps, 0 bad payloads"
expect_log "connected from 127.0.0.1:[0-9]+ \(client CA\)"
client pc17 --cert "$P/pc17.pem" --key "$P/pc17.key" --host-ca "$P/poolca.pem" --frames 3 127.0.0.1:$PORT
expect_rc 0 "host verified by IP address"
ok "a CA-signed client streams without being listed; the host is verified by name and by IP"

# Revoking a CA-signed client: its fingerprint in revoked-clients and a
# SIGHUP end its live session, and it is refused from then on.
ca_sessions() { grep -c "connected from 127.0.0.1:[0-9]* (client CA)" "$DLOG"; }
n=$(ca_sessions)
timeout 60 "$B/kmscast" --present none --config-dir "$W/pc17" --cert "$P/pc17.pem" --key "$P/pc17.key" \
	--host-ca "$P/poolca.pem" localhost:$PORT >"$W/live.out" 2>"$W/live.err" &
L=$!
wait_for 10 eval '[ "$(ca_sessions)" -gt "$n" ]' || fail "the live CA client did not connect"
fp17=sha256:$(openssl x509 -in "$P/pc17.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
printf '# pc17 was stolen\n%s\n' "$fp17" >"$W/d/revoked-clients"
kill -HUP "$DPID"
wait $L
rc=$?
[ $rc -eq 3 ] || fail "revoked CA client exited $rc, want 3: $(cat "$W/live.err")"
grep -q "revoked: this client's authorization was revoked on the host" "$W/live.err" || fail "not told: $(cat "$W/live.err")"
expect_log "1 revoked clients in $W/d/revoked-clients"
expect_log "client $fp17 \(127.0.0.1:[0-9]+\) is no longer authorized; ending its session"
client pc17 --cert "$P/pc17.pem" --key "$P/pc17.key" --host-ca "$P/poolca.pem" --frames 3 localhost:$PORT
expect_rc 3 "a revoked CA-signed client connecting again"
expect_err "client $fp17 is revoked on this host \(listed in $W/d/revoked-clients\)"
: >"$W/d/revoked-clients"
kill -HUP "$DPID"
expect_log "0 revoked clients in"
client pc17 --cert "$P/pc17.pem" --key "$P/pc17.key" --host-ca "$P/poolca.pem" --frames 3 localhost:$PORT
expect_rc 0 "the CA client once its revocation is lifted"
ok "a CA-signed client listed in revoked-clients loses its session on SIGHUP and is refused; lifting it lets it in"

client selfsigned --host-ca "$P/poolca.pem" --frames 3 localhost:$PORT
expect_rc 3 "self-signed client under --client-ca"
expect_err "or use a certificate signed by the client CA"
client rogue --cert "$P/rogue.pem" --key "$P/rogue.key" --host-ca "$P/poolca.pem" --frames 3 localhost:$PORT
expect_rc 3 "client signed by another CA"
ok "clients the CA did not sign are refused"

client pc17 --cert "$P/pc17.pem" --key "$P/pc17.key" --host-ca "$P/otherca.pem" --frames 3 localhost:$PORT
expect_rc 4 "server signed by an untrusted CA"
expect_err "is not trusted by --host-ca .*otherca.pem for host 'localhost'"
client pc17 --cert "$P/pc17.pem" --key "$P/pc17.key" --cert "$P/pc17.pem" --key "$P/server.key" --frames 1 localhost:$PORT
expect_rc 1 "certificate with someone else's key"
expect_err "does not belong to the private key"
stop_daemon
start_daemon d2 --source test:2000 --client-ca "$P/poolca.pem" --cert "$P/wrongname.pem" --key "$P/wrongname.key"
client pc17 --cert "$P/pc17.pem" --key "$P/pc17.key" --host-ca "$P/poolca.pem" --frames 3 localhost:$PORT
expect_rc 4 "server certificate for another host name"
expect_err "for host 'localhost': hostname mismatch"
ok "a server the CA did not sign, or signed for another name, is refused"
stop_daemon
