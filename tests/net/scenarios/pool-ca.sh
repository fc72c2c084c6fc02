# SPDX-License-Identifier: MIT
# A pool CA made by tools/kmscast-pool: three hosts and two clients, every
# client reaches every host with no pairing and no known_hosts entry; the
# browser certificate verifies against the same CA; a revoked client loses
# its live session on SIGHUP and is refused with the CRL named; a client of
# another pool is refused; a bad CRL stops a start and is ignored on reload.
. tests/net/lib.sh
T=tools/kmscast-pool
POOL=$W/pool
out=$($T init "$POOL" --name "Test pool" 2>&1) || fail "init: $out"
echo "$out" | grep -q 'pool CA "Test pool" in' || fail "init said: $out"
for i in 1 2 3; do
	$T host "$POOL" "pc$i.pool.test" --ip "127.0.0.$((i + 1))" >/dev/null || fail "host pc$i"
done
$T client "$POOL" alice >/dev/null && $T client "$POOL" bob >/dev/null || fail "clients"
$T init "$W/other" >/dev/null && $T client "$W/other" mallory >/dev/null || fail "the other pool"
[ "$(stat -c %a "$POOL/private/ca-key.pem")" = 600 ] || fail "the CA key is not 0600"
[ "$(stat -c %a "$POOL/clients/alice/key.pem")" = 600 ] || fail "a client key is not 0600"
openssl x509 -in "$POOL/hosts/pc1.pool.test/web-cert.pem" -noout -text | grep -q 'ASN1 OID: prime256v1' ||
	fail "the browser certificate is not P-256"
openssl x509 -in "$POOL/hosts/pc1.pool.test/cert.pem" -noout -text | grep -q 'ED25519' ||
	fail "the native certificate is not Ed25519"
ok "kmscast-pool: a P-256 CA, three hosts (Ed25519 and P-256 each) and two clients; keys 0600"

# Usage errors say what is wrong and exit 2.
$T host "$POOL" "../escape" >"$W/r" 2>&1
[ $? -eq 2 ] && grep -q "is not a name" "$W/r" || fail "a name with a slash: $(cat "$W/r")"
$T init "$POOL" >"$W/r" 2>&1
[ $? -eq 1 ] && grep -q "already holds a pool CA" "$W/r" || fail "init over a pool: $(cat "$W/r")"
$T revoke "$POOL" nobody-here >"$W/r" 2>&1
[ $? -eq 1 ] && grep -q "no valid certificate was issued to 'nobody-here'" "$W/r" || fail "revoke: $(cat "$W/r")"
ok "kmscast-pool refuses a path as a name, a second init and revoking an unknown name"

PIDS=()
PORTS=()
LOGS=()
trap 'kill -KILL "${PIDS[@]}" 2>/dev/null; cleanup' EXIT
# pc1 also lists bob's fingerprint in authorized-clients: the CRL must win
# over that too.
mkdir -p "$W/h1"
openssl x509 -in "$POOL/clients/bob/cert.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g; s/^/sha256:/' | tr A-F a-f >"$W/h1/authorized-clients"
for i in 1 2 3; do
	h=$POOL/hosts/pc$i.pool.test
	start_daemon "h$i" --source test:2000 --fps 50 --listen "127.0.0.$((i + 1)):0" \
		--cert "$h/cert.pem" --key "$h/key.pem" --web-cert "$h/web-cert.pem" --web-key "$h/web-key.pem" \
		--client-ca "$POOL/ca.pem" --crl "$POOL/crl.pem"
	PIDS+=("$DPID")
	PORTS+=("$PORT")
	LOGS+=("$DLOG")
	grep -q "0 certificates revoked by the CRL $POOL/crl.pem" "$DLOG" || fail "h$i did not load the CRL"
done
pool_client() { # NAME POOLDIR HOSTINDEX ARGS...
	local c=$2/clients/$1 i=$3
	shift 3
	client "$1-cfg" --cert "$c/cert.pem" --key "$c/key.pem" --host-ca "$POOL/ca.pem" "$@" \
		"127.0.0.$((i + 1)):${PORTS[i - 1]}"
}
for c in alice bob; do
	for i in 1 2 3; do
		pool_client $c "$POOL" $i --frames 3
		expect_rc 0 "$c to pc$i"
		expect_out "^received 3 frames"
		grep -q "connected from 127.0.0.1:[0-9]* (client CA)" "${LOGS[i - 1]}" || fail "pc$i: no CA session"
	done
	[ -e "$W/$c-cfg/known_hosts" ] && fail "$c wrote a known_hosts entry"
done
ok "alice and bob each reach pc1, pc2 and pc3: no pairing, no authorized-clients, no known_hosts"

# Browsers verify the host's P-256 certificate against the same CA, by name.
for i in 1 2 3; do
	timeout 20 openssl s_client -connect "127.0.0.$((i + 1)):${PORTS[i - 1]}" -alpn http/1.1 \
		-CAfile "$POOL/ca.pem" -verify_hostname "pc$i.pool.test" -verify_return_error \
		</dev/null >"$W/r" 2>&1
	grep -q "Verify return code: 0 (ok)" "$W/r" || fail "pc$i's browser certificate: $(grep -i verif "$W/r")"
	grep -q "Peer signature type: ECDSA" "$W/r" || fail "pc$i's browser key is not ECDSA"
done
ok "each host's browser certificate verifies against the pool CA for its name (ECDSA)"

# Revoking bob: a new CRL and SIGHUP end his live session; he is refused
# everywhere; alice is not touched.
c=$POOL/clients/bob
timeout 60 "$B/kmscast" --present none --config-dir "$W/bob-live" --cert "$c/cert.pem" --key "$c/key.pem" \
	--host-ca "$POOL/ca.pem" "127.0.0.2:${PORTS[0]}" >"$W/live.out" 2>"$W/live.err" &
L=$!
n=$(grep -c "connected from" "${LOGS[0]}")
wait_for 10 eval '[ "$(grep -c "connected from" "${LOGS[0]}")" -gt "$n" ]' || fail "bob's live session"
serial=$(openssl x509 -in "$c/cert.pem" -noout -serial | cut -d= -f2)
out=$($T revoke "$POOL" bob 2>&1) || fail "revoke bob: $out"
echo "$out" | grep -q "revoked bob: serial $serial" || fail "revoke said: $out"
kill -HUP "${PIDS[@]}"
wait $L
rc=$?
[ $rc -eq 3 ] || fail "bob's live session exited $rc, want 3: $(cat "$W/live.err")"
grep -q "revoked: this client's authorization was revoked on the host" "$W/live.err" ||
	fail "bob was not told: $(cat "$W/live.err")"
DLOG=${LOGS[0]}
expect_log "1 certificates revoked by the CRL $POOL/crl.pem"
expect_log "\(127.0.0.1:[0-9]+\): certificate serial $serial is in the CRL"
for i in 1 2 3; do
	pool_client bob "$POOL" $i --frames 3
	expect_rc 3 "bob (revoked) to pc$i"
	expect_err "its certificate \(serial $serial\) is revoked by the client CA's CRL $POOL/crl.pem"
	pool_client alice "$POOL" $i --frames 3
	expect_rc 0 "alice to pc$i after bob's revocation"
done
grep -q "$(cat "$W/h1/authorized-clients")" "$W/h1/authorized-clients" || fail "bob left pc1's list"
ok "revoking bob: his live session ends on SIGHUP (on pc1, where authorized-clients lists him too), every host refuses him naming the CRL, alice goes on"

for i in 1 2 3; do
	pool_client mallory "$W/other" $i --frames 3
	expect_rc 3 "mallory (another pool) to pc$i"
	expect_err "is not authorized on this host; .* or use a certificate signed by the client CA \(this one: signed by another CA, or self-signed\)"
done
ok "a client of another pool is refused by every host, with the reason"

# A CRL the pool CA did not sign, or not a CRL at all: refused at start
# (exit 1, named); on reload the old one stays.
"$B/kmscastd" --state-dir "$W/h9" --listen 127.0.0.1:0 "${DUSER[@]}" --source test \
	--client-ca "$POOL/ca.pem" --crl "$W/other/crl.pem" >"$W/r" 2>&1
[ $? -eq 1 ] && grep -q "$W/other/crl.pem is not signed by the client CA" "$W/r" ||
	fail "a foreign CRL at start: $(cat "$W/r")"
"$B/kmscastd" --crl "$POOL/crl.pem" --source test >"$W/r" 2>&1
[ $? -eq 2 ] && grep -q "give both" "$W/r" || fail "--crl alone: $(cat "$W/r")"
cp "$POOL/crl.pem" "$W/crl.good"
echo "garbage" >"$POOL/crl.pem"
kill -HUP "${PIDS[0]}"
expect_log "$POOL/crl.pem: not a PEM CRL: .*; keeping the client CA and CRL loaded before"
pool_client bob "$POOL" 1 --frames 3
expect_rc 3 "bob while the CRL file is broken"
cp "$W/crl.good" "$POOL/crl.pem"
ok "a CRL the CA did not sign stops the start; a broken one on SIGHUP keeps the last good one"

for i in 0 1 2; do
	DPID=${PIDS[i]} DLOG=${LOGS[i]}
	stop_daemon
done
PIDS=()
