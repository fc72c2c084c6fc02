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
