# SPDX-License-Identifier: MIT
# A simulated pool: three hosts and a client in network namespaces on one
# bridge, each with its own dbus-daemon and avahi-daemon. The hosts
# announce themselves; `kmscast browse` sees each with its fingerprints and
# state; a session turns one host "in use" in the next browse; --any-free
# never picks it; a host is reached by its announced name and by unicast
# DNS-SD from dnsmasq serving the README's zone lines. Without
# avahi-daemon (or any bus) the daemon says so and streams, and announces
# once avahi-daemon starts.
. tests/net/lib.sh
. tests/net/lan.sh
T=tools/kmscast-pool
POOL=$W/pool
$T init "$POOL" >/dev/null || fail "pool init"
$T client "$POOL" cl >/dev/null || fail "pool client"
lan_join client 100
lan_join dns 53
HPID=()
for i in 1 2 3; do
	$T host "$POOL" "pc$i.pool.example" --dns "pc$i.local" >/dev/null || fail "pool host pc$i"
	lan_join "pc$i" "1$i"
	h=$POOL/hosts/pc$i.pool.example
	lan_bg "pc$i" "$B/kmscastd" --state-dir "$W/pc$i" --listen :7300 "${DUSER[@]}" \
		--source test:1000 --fps 10 --cert "$h/cert.pem" --key "$h/key.pem" \
		--web-cert "$h/web-cert.pem" --web-key "$h/web-key.pem" \
		--client-ca "$POOL/ca.pem" --crl "$POOL/crl.pem" 2>"$W/pc$i.log"
	HPID+=("$LAN_PID")
done
fp_cert() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
for i in 1 2 3; do
	wait_for 30 grep -q "announce: pc$i is _kmscast._tcp on port 7300" "$W/pc$i.log" ||
		fail "pc$i was not announced: $(tail -5 "$W/pc$i.log")"
	FP[i]=sha256:$(fp_cert "$POOL/hosts/pc$i.pool.example/cert.pem")
	WEBFP[i]=sha256:$(fp_cert "$POOL/hosts/pc$i.pool.example/web-cert.pem")
done
ok "three hosts announce themselves through their own avahi-daemon"

C=$POOL/clients/cl
on_client() { lan_run client "$B/kmscast" "$@"; }
browse() { on_client browse "$@" >"$W/b" 2>"$W/b.err" || fail "browse: $(cat "$W/b.err")"; }
# browse_until PATTERN: browse (a few seconds each) until a line matches, ten times at most.
browse_until() {
	local k
	for k in 1 2 3 4 5 6 7 8 9 10; do
		browse
		grep -qE "$1" "$W/b" && return 0
		sleep 0.5
	done
	return 1
}
browse
for i in 1 2 3; do
	grep -qx "pc$i (pc$i.local) 10.73.0.1$i:7300  free, 0 viewers, test 1280x720" "$W/b" ||
		fail "pc$i in the browse: $(cat "$W/b")"
	grep -A2 "^pc$i " "$W/b" | grep -qx "    native  ${FP[i]}" || fail "pc$i's native fingerprint"
	grep -A2 "^pc$i " "$W/b" | grep -qx "    browser ${WEBFP[i]}" || fail "pc$i's browser fingerprint"
done
[ "$(grep -c '^pc' "$W/b")" = 3 ] || fail "not three hosts: $(cat "$W/b")"
ok "kmscast browse lists pc1, pc2, pc3 with address, port, state, output and both fingerprints"

# A session on pc2 (by its announced name, verified by the pool CA).
lan_bg client "$B/kmscast" --present none --config-dir "$W/cl" --cert "$C/cert.pem" \
	--key "$C/key.pem" --host-ca "$POOL/ca.pem" pc2 >"$W/live.out" 2>"$W/live.err"
L=$LAN_PID
wait_for 30 grep -q "connected from 10.73.0.100" "$W/pc2.log" || fail "the session on pc2: $(cat "$W/live.err")"
grep -q "found: pc2 (pc2.local) at 10.73.0.12 port 7300" "$W/live.err" || fail "not found by name: $(cat "$W/live.err")"
browse_until "^pc2 \(pc2.local\) 10.73.0.12:7300  in use, 1 viewers, test 1280x720$" ||
	fail "pc2 not in use: $(cat "$W/b")"
grep -q "^pc1 .*  free, 0 viewers" "$W/b" && grep -q "^pc3 .*  free, 0 viewers" "$W/b" || fail "pc1, pc3: $(cat "$W/b")"
browse --json
[ "$(jq length "$W/b")" = 3 ] || fail "JSON: $(cat "$W/b")"
[ "$(jq -r '.[] | select(.name == "pc2") | .state + " " + (.viewers | tostring) + " " + .fingerprint' "$W/b")" = "in-use 1 ${FP[2]}" ] ||
	fail "JSON for pc2: $(cat "$W/b")"
[ "$(jq -r '.[] | select(.name == "pc3") | .addresses[0] + " " + (.port | tostring) + " " + .browser_fingerprint' "$W/b")" = "10.73.0.13 7300 ${WEBFP[3]}" ] ||
	fail "JSON for pc3: $(cat "$W/b")"
ok "a session on pc2 (reached by its announced name) shows it in use with 1 viewer; --json agrees"

# --any-free: never the host in use. Each short session turns its host in
# use and free again; Avahi sends the TXT update within a second or so.
both_free() { grep -q "^pc1 .*  free, 0 viewers" "$W/b" && grep -q "^pc3 .*  free, 0 viewers" "$W/b"; }
for k in 1 2 3 4; do
	for t in 1 2 3 4 5 6 7 8 9 10; do
		browse
		both_free && break
		sleep 0.5
	done
	both_free || fail "pc1 and pc3 not both free again: $(cat "$W/b")"
	on_client --present none --config-dir "$W/cl" --cert "$C/cert.pem" --key "$C/key.pem" \
		--host-ca "$POOL/ca.pem" --any-free --frames 2 >"$W/af.out" 2>"$W/af.err" ||
		fail "--any-free: $(cat "$W/af.err")"
	grep -qE "free: pc[13] \(pc[13].local\) at 10.73.0.1[13] port 7300" "$W/af.err" ||
		fail "--any-free picked: $(cat "$W/af.err")"
	grep -q "^received 2 frames" "$W/af.out" || fail "--any-free's session: $(cat "$W/af.out")"
done
ok "--any-free connects to a free host (pc1 or pc3) four times out of four, never pc2"

kill -TERM $L
wait $L
grep -q "disconnected" "$W/pc2.log" || sleep 1
browse_until "^pc2 .*  free, 0 viewers" || fail "pc2 not free again: $(cat "$W/b"; tail -5 "$W/pc2.log")"
on_client --present none --config-dir "$W/cl" --frames 1 nosuch >"$W/r" 2>&1
[ $? -eq 1 ] && grep -q "cannot resolve nosuch: DNS does not know it, and no host of that name is announced by mDNS" "$W/r" ||
	fail "an unknown name: $(cat "$W/r")"
ok "pc2 is free again once the session ends; an unknown name is refused with the reason"

# A name found by browsing is the instance's, not whatever its announcement
# points at: an impostor on the link announces pc9 with pc1's address as the
# target. Without --host-ca it is not followed; with --host-ca pc1's
# certificate (which does not name pc9) is refused.
lan_bg client avahi-publish -s -H pc1.local pc9 _kmscast._tcp 7300 "fp=${FP[1]}" 2>"$W/rogue.err"
ROGUE=$LAN_PID
browse_until "^pc9 \(pc1.local\)" || fail "the impostor's pc9 is not announced: $(cat "$W/b" "$W/rogue.err")"
on_client --present none --config-dir "$W/cl3" --accept-new --frames 1 pc9 >"$W/r" 2>&1
[ $? -eq 4 ] && grep -q "the announcement of pc9 points at pc1.local, which is not pc9.local: anyone who can answer mDNS on the link can announce a name, so kmscast does not follow it" "$W/r" ||
	fail "pc9 pointing at pc1 without --host-ca: $(cat "$W/r")"
on_client --present none --config-dir "$W/cl3" --cert "$C/cert.pem" --key "$C/key.pem" \
	--host-ca "$POOL/ca.pem" --frames 1 pc9 >"$W/r" 2>&1
[ $? -eq 4 ] && grep -q "certificate is not trusted by --host-ca $POOL/ca.pem for host 'pc9'" "$W/r" ||
	fail "pc9 pointing at pc1 with --host-ca: $(cat "$W/r")"
kill -TERM "$ROGUE"
wait "$ROGUE" 2>/dev/null
[ ! -e "$W/cl3/known_hosts" ] || fail "something was pinned for pc9: $(cat "$W/cl3/known_hosts")"
ok "an announcement of pc9 pointing at pc1 is not followed, and pc1's certificate does not pass for pc9"

# A name asked for is awaited until --timeout, not given up once the
# caches are told: pc8 is announced 2 s after kmscast started looking (its
# target is pc3.local, which is refused; being refused, it was found).
lan_bg client "$B/kmscast" --present none --config-dir "$W/cl3" --timeout 8 --frames 1 pc8 \
	>"$W/late.out" 2>"$W/late.err"
LATE=$LAN_PID
sleep 2
lan_bg client avahi-publish -s -H pc3.local pc8 _kmscast._tcp 7300 "fp=${FP[3]}" 2>"$W/rogue.err"
ROGUE=$LAN_PID
wait "$LATE"
grep -q "the announcement of pc8 points at pc3.local, which is not pc8.local" "$W/late.err" ||
	fail "pc8, announced late, was not awaited: $(cat "$W/late.err")"
kill -TERM "$ROGUE"
wait "$ROGUE" 2>/dev/null
ok "a name announced 2 s after kmscast started looking for it is found"

# A browsed host is never pinned on first use, not even with --accept-new;
# a --server-fingerprint the user checked pins it, by instance and target,
# and its name then works alone. A changed key refuses, naming the
# instance; a new target with the pinned key is followed with a warning.
on_client --present none --config-dir "$W/cl4" --cert "$C/cert.pem" --key "$C/key.pem" --accept-new --frames 1 pc3 >"$W/r" 2>&1
[ $? -eq 4 ] && grep -q "It was found by browsing, and an announcement can point anywhere, so it is not pinned on first use (not even with --accept-new)" "$W/r" ||
	fail "--accept-new for a browsed host: $(cat "$W/r")"
[ ! -e "$W/cl4/known_hosts" ] || fail "--accept-new pinned a browsed host"
on_client --present none --config-dir "$W/cl4" --cert "$C/cert.pem" --key "$C/key.pem" --server-fingerprint "${FP[3]}" --frames 1 pc3 >"$W/r" 2>&1 ||
	fail "pc3 with --server-fingerprint: $(cat "$W/r")"
grep -q "pinned pc3 (pc3.local:7300) as ${FP[3]}" "$W/r" || fail "not pinned: $(cat "$W/r")"
grep -qx "pc3._kmscast._tcp.local ${FP[3]}  # confirmed by --server-fingerprint, announced at pc3.local:7300" \
	"$W/cl4/known_hosts" || fail "known_hosts: $(cat "$W/cl4/known_hosts")"
on_client --present none --config-dir "$W/cl4" --cert "$C/cert.pem" --key "$C/key.pem" --frames 1 pc3 >"$W/r" 2>&1 || fail "pc3 by name once pinned: $(cat "$W/r")"
cp "$W/cl4/known_hosts" "$W/kh"
sed -i "s/^pc3._kmscast._tcp.local sha256:[0-9a-f]*/pc3._kmscast._tcp.local ${FP[1]}/" "$W/cl4/known_hosts"
on_client --present none --config-dir "$W/cl4" --cert "$C/cert.pem" --key "$C/key.pem" --frames 1 pc3 >"$W/r" 2>&1
[ $? -eq 4 ] && grep -q "WARNING: THE KEY OF pc3 (announced at pc3.local:7300) HAS CHANGED!" "$W/r" ||
	fail "a changed key of a browsed host: $(cat "$W/r")"
grep -v "^pc3.local:7300 " "$W/kh" >"$W/cl4/known_hosts"
on_client --present none --config-dir "$W/cl4" --cert "$C/cert.pem" --key "$C/key.pem" --frames 1 pc3 >"$W/r" 2>&1 || fail "pc3 at a new target: $(cat "$W/r")"
grep -q "WARNING: pc3 is now announced at pc3.local:7300, a target it was not pinned at" "$W/r" ||
	fail "no warning for a new target: $(cat "$W/r")"
ok "a browsed host: not pinned by --accept-new, pinned by --server-fingerprint, a changed key refused, a new target warned of"

# Unicast DNS-SD: dnsmasq serves the README's zone lines for each host.
awk '/^    # kmscast pool zone \(dnsmasq\)$/ { on = 1; next } on && /^$/ { exit } on { sub(/^    /, ""); print }' \
	README.md >"$W/zone.tmpl"
[ "$(wc -l <"$W/zone.tmpl")" = 4 ] || fail "the README's dnsmasq lines: $(cat "$W/zone.tmpl")"
{
	echo "no-resolv"
	echo "no-hosts"
	echo "listen-address=10.73.0.53"
	echo "bind-interfaces"
	echo "local=/pool.example/" # authoritative: NXDOMAIN for what it lacks
	for i in 1 2 3; do
		sed -e "s/pc7/pc$i/g" -e "s/192\.0\.2\.17/10.73.0.1$i/" -e "s/FP_PC7/${FP[i]}/" "$W/zone.tmpl"
	done
} >"$W/dnsmasq.conf"
BUS=none lan_bg dns dnsmasq --no-daemon --conf-file="$W/dnsmasq.conf" --pid-file="$W/dnsmasq.pid" \
	2>"$W/dnsmasq.log"
echo "nameserver 10.73.0.53" >"$W/resolv.conf"
export RESOLV=$W/resolv.conf
wait_for 20 eval 'on_client browse --domain pool.example >"$W/b" 2>"$W/b.err"; [ "$(grep -c "^pc" "$W/b")" = 3 ]' ||
	fail "unicast browse: $(cat "$W/b" "$W/b.err" "$W/dnsmasq.log")"
for i in 1 2 3; do
	grep -qx "pc$i (pc$i.pool.example) 10.73.0.1$i:7300  state not announced" "$W/b" ||
		fail "pc$i by unicast DNS-SD: $(cat "$W/b")"
	grep -A1 "^pc$i " "$W/b" | grep -qx "    native  ${FP[i]}" || fail "pc$i's fingerprint from the zone"
done
on_client --present none --config-dir "$W/cl2" --cert "$C/cert.pem" --key "$C/key.pem" \
	--host-ca "$POOL/ca.pem" --domain pool.example --frames 2 pc3 >"$W/u.out" 2>"$W/u.err" ||
	fail "pc3 by unicast name: $(cat "$W/u.err")"
grep -q "found: pc3 (pc3.pool.example) at 10.73.0.13 port 7300 (it announces no state)" "$W/u.err" ||
	fail "unicast name: $(cat "$W/u.err")"
on_client browse --domain empty.pool.example >"$W/b" 2>"$W/b.err"
[ $? -eq 0 ] && [ ! -s "$W/b" ] && grep -q "no kmscast host found in the DNS zone empty.pool.example" "$W/b.err" ||
	fail "an empty zone: $(cat "$W/b" "$W/b.err")"
on_client browse --domain nothing.example >"$W/b" 2>"$W/b.err"
[ $? -eq 1 ] && grep -q "DNS query for _kmscast._tcp.nothing.example failed: " "$W/b.err" ||
	fail "a zone the server refuses: $(cat "$W/b" "$W/b.err")"
unset RESOLV
ok "unicast DNS-SD: dnsmasq with the README's lines; browse --domain finds pc1-3; pc3 by name; an empty zone is empty, a refused query an error"

# A hostile zone: names with C1 and 8-bit bytes, and 40 instances whose SRV
# queries are never answered. --timeout is the whole browse's deadline; the
# text shows no raw byte and the JSON is valid UTF-8.
lan_join dns2 54
BUS=none lan_bg dns2 python3 tests/net/dns-stub 10.73.0.54 slow.example 2>"$W/stub.log"
echo "nameserver 10.73.0.54" >"$W/resolv2.conf"
export RESOLV=$W/resolv2.conf
wait_for 10 eval 'on_client browse --domain slow.example --timeout 1 >"$W/b" 2>"$W/b.err"; grep -q "^ok1 " "$W/b"' ||
	fail "the stub zone: $(cat "$W/b" "$W/b.err" "$W/stub.log")"
t0=$(date +%s%N)
on_client browse --domain slow.example --timeout 2 >"$W/b" 2>"$W/b.err" || fail "browse of a slow zone: $(cat "$W/b.err")"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 4000 ] || fail "browse --timeout 2 took $ms ms"
grep -q "warning: the zone slow.example did not answer for every host within 2 s (--timeout): [0-9]* of 42 instances asked; listing what answered" "$W/b.err" ||
	fail "no deadline warning: $(cat "$W/b.err")"
grep -qx "ok1 (ok1.slow.example) 10.73.0.11:7300  state not announced" "$W/b" || fail "ok1: $(cat "$W/b")"
grep -qxF 'pc?31m? (t\155\255.slow.example) 10.73.0.11:7300  state not announced' "$W/b" || fail "the 8-bit name: $(cat "$W/b")"
LC_ALL=C grep -qaP '[\x80-\xff\x00-\x08\x0b-\x1f\x7f]' "$W/b" && fail "raw bytes in the listing"
on_client browse --domain slow.example --timeout 2 --json >"$W/b" 2>"$W/b.err" || fail "browse --json: $(cat "$W/b.err")"
iconv -f UTF-8 -t UTF-8 "$W/b" >/dev/null || fail "browse --json is not valid UTF-8"
[ "$(jq -r '.[].name' "$W/b" | sort | tr '\n' ' ')" = "ok1 pc?31m? " ] || fail "JSON names: $(cat "$W/b")"
unset RESOLV
ok "a hostile zone: browse --timeout 2 ends in $ms ms with what answered, 8-bit names shown as '?' (targets in DNS escapes), JSON valid UTF-8"

# Without avahi-daemon the daemon streams and says so once; it announces
# as soon as avahi-daemon starts. Without a bus at all, the same.
lan_join pc4 14
AVAHI=none lan_run pc4 bash -c "\"$B/kmscastd\" --state-dir $W/pc4 --listen :7300 ${DUSER[*]} \
	--source test:1000 --announce-name 'Lab PC 4' 2>$W/pc4.log & d=\$!
	for i in \$(seq 100); do grep -q 'not announced until it starts' $W/pc4.log && break; sleep 0.1; done
	avahi-daemon -f $W/avahi-pc4.conf --no-chroot -D
	for i in \$(seq 300); do grep -q 'announce: Lab PC 4 is' $W/pc4.log && break; sleep 0.1; done
	kill -TERM \$d; wait \$d" || fail "pc4: $(cat "$W/pc4.log")"
grep -q "announce: avahi-daemon is not running; this host is not announced until it starts" "$W/pc4.log" ||
	fail "pc4 without avahi-daemon: $(cat "$W/pc4.log")"
grep -q "announce: Lab PC 4 is _kmscast._tcp on port 7300" "$W/pc4.log" || fail "pc4 once avahi came: $(cat "$W/pc4.log")"
grep -q "info: stopped" "$W/pc4.log" || fail "pc4 did not stop cleanly"
lan_join pc5 15
BUS=none lan_run pc5 bash -c "\"$B/kmscastd\" --state-dir $W/pc5 --listen :7300 ${DUSER[*]} \
	--source test:1000 2>$W/pc5.log & d=\$!
	for i in \$(seq 100); do grep -q 'listening on' $W/pc5.log && break; sleep 0.1; done
	sleep 0.5; kill -TERM \$d; wait \$d" || fail "pc5: $(cat "$W/pc5.log")"
grep -q "announce: no D-Bus system bus (.*); this host is not announced; asking again in 10 s, then less often" "$W/pc5.log" ||
	fail "pc5 without a bus: $(cat "$W/pc5.log")"
ok "no avahi-daemon: said once, streams, announced once it starts; no bus at all: said, streams"

# Two hosts asking for one name: the second takes Avahi's alternative.
lan_join pc6 16
lan_bg pc6 "$B/kmscastd" --state-dir "$W/pc6" --listen :7300 "${DUSER[@]}" --source test:1000 \
	--announce-name pc1 2>"$W/pc6.log"
HPID+=("$LAN_PID")
wait_for 30 grep -q "announce: the name pc1 is taken on this network; using pc1 #2" "$W/pc6.log" ||
	fail "a name collision: $(cat "$W/pc6.log")"
wait_for 30 grep -q "announce: pc1 #2 is _kmscast._tcp" "$W/pc6.log" || fail "pc1 #2 not announced"
ok "a name another host holds becomes 'pc1 #2'"

for p in "${HPID[@]}"; do kill -TERM "$p"; done
for i in 0 1 2 3; do
	wait "${HPID[i]}"
	rc=$?
	[ $rc -eq 0 ] || fail "a host's kmscastd exited $rc: $(tail -5 "$W/pc$((i + 1)).log")"
done
ok "every host's kmscastd stops cleanly"
