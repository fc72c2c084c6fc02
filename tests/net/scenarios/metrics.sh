# SPDX-License-Identifier: MIT
# Metrics: the exposition passes promtool; a real Prometheus (Debian's)
# scrapes the daemon during a session and its HTTP API returns the session,
# viewer and frame counters; refusals are counted by reason; the exporter
# is bounded (404, 405, 431, a connection limit) and a bad address stops
# the daemon with a message.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize viewer d
start_daemon d --source test:1000 --fps 20 --metrics-listen 127.0.0.1:0
MP=$(sed -n 's|.*metrics at http://\(.*\)/metrics$|\1|p' "$DLOG")
[ -n "$MP" ] || fail "no metrics address in the log"
case $MP in 127.0.0.1:*) ;; *) fail "metrics not on loopback: $MP" ;; esac
scrape() { curl -sf --max-time 10 "http://$MP/metrics" >"$W/m" || fail "scrape failed"; }
metric() { awk -v n="$1" '$1 == n { print $2 }' "$W/m"; }
scrape
promtool check metrics <"$W/m" >"$W/r" 2>&1 || fail "promtool: $(cat "$W/r")"
[ ! -s "$W/r" ] || fail "promtool complains: $(cat "$W/r")"
grep -q '^kmscast_encoder_info{encoder="software",codec="test"} 1$' "$W/m" || fail "encoder_info"
[ "$(metric kmscast_capture_running)" = 0 ] || fail "capture running with no viewer"
ok "promtool check metrics passes the exposition; no viewer, no capture"

# A refused client is counted by its reason.
client stranger --accept-new --frames 1 127.0.0.1:$PORT
expect_rc 3 "an unknown client"
scrape
[ "$(metric 'kmscast_refused_connections_total{reason="unauthorized"}')" = 1 ] ||
	fail "refusal not counted: $(grep refused "$W/m")"

# A real Prometheus scrapes every second.
PP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$W/prom.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kmscast
    static_configs:
      - targets: ['$MP']
EOF
promtool check config "$W/prom.yml" >/dev/null 2>&1 || fail "our Prometheus config"
prometheus --config.file="$W/prom.yml" --storage.tsdb.path="$W/tsdb" \
	--web.listen-address="127.0.0.1:$PP" --log.level=warn >"$W/prom.log" 2>&1 &
PROM=$!
trap 'kill "$PROM" 2>/dev/null; cleanup' EXIT
query() { # PROMQL: the first sample's value, or nothing
	curl -sf --max-time 5 "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
wait_for 60 eval '[ "$(query "up{job=\"kmscast\"}")" = 1 ]' ||
	fail "Prometheus never scraped the daemon: $(tail -5 "$W/prom.log")"

timeout 60 "$B/kmscast" --present none --config-dir "$W/viewer" --accept-new 127.0.0.1:$PORT >"$W/live.out" 2>"$W/live.err" &
L=$!
wait_for 30 eval '[ "$(query "kmscast_viewers{kind=\"native\"}")" = 1 ]' ||
	fail "Prometheus never saw the viewer: $(query 'kmscast_viewers')"
wait_for 30 eval '[ "$(query "kmscast_frames_sent_total")" -gt 20 ]' || fail "frames_sent in Prometheus"
[ "$(query 'kmscast_sessions_total{kind="native"}')" = 1 ] || fail "sessions_total in Prometheus"
[ "$(query 'kmscast_capture_running')" = 1 ] || fail "capture_running in Prometheus"
sent=$(query 'kmscast_frames_sent_total')
bytes=$(query 'kmscast_sent_bytes_total')
[ "$bytes" -gt $((sent * 1000)) ] || fail "$bytes bytes for $sent frames of 1000 bytes"
kill -TERM $L
wait $L
wait_for 30 eval '[ "$(query "kmscast_viewers{kind=\"native\"}")" = 0 ]' || fail "the viewer never left"
ok "Prometheus scraped a session: 1 native session and viewer, $sent frames, $bytes bytes; back to 0 viewers"
kill "$PROM"
wait "$PROM" 2>/dev/null

# The exporter's bounds.
st() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
[ "$(st "http://$MP/")" = 404 ] || fail "/ is not 404"
[ "$(st -X POST "http://$MP/metrics")" = 405 ] || fail "POST is not 405"
[ "$(st -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "http://$MP/metrics")" = 431 ] ||
	fail "an oversized head is not 431"
[ "$(st "http://$MP/metrics?x=1")" = 200 ] || fail "a query string"
# Peers holding connections open do not lock a scraper out: a source may
# hold two (a third evicts its oldest idle one), and past eight in all the
# oldest idle one goes; an idle connection is dropped after 2 s.
hold() { # SECONDS SOURCES...: one idle connection from each, held open
	python3 -c '
import socket, sys, time
secs, port, srcs = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
socks = []
for a in srcs:
    s = socket.socket()
    s.bind((a, 0))
    s.connect(("127.0.0.1", port))
    socks.append(s)
    time.sleep(0.02)
time.sleep(secs)
still = 0
for s in socks:
    s.setblocking(False)
    try:
        still += s.recv(1) != b""
    except BlockingIOError:
        still += 1
print("open", still)
' "$1" "${MP#*:}" "${@:2}" >"$W/hold" &
	HOLD=$!
}
hold 1 127.0.0.2 127.0.0.2 127.0.0.2 127.0.0.2
wait $HOLD
[ "$(cat "$W/hold")" = "open 2" ] || fail "four idle connections from one source: $(cat "$W/hold"), want 2 open"
hold 1.5 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.8 127.0.0.9 127.0.0.10 127.0.0.11
sleep 0.5
[ "$(st "http://$MP/metrics")" = 200 ] || fail "a scrape while ten sources hold idle connections"
wait $HOLD
t0=$(date +%s%N)
python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
assert s.recv(1) == b""
' "${MP#*:}" || fail "an idle connection was not closed"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 1900 ] && [ "$ms" -lt 4500 ] || fail "an idle connection closed after $ms ms, want 2000"
ok "the exporter answers 404, 405, 431; idle connections of ten sources do not keep a scrape out; one is dropped after $ms ms"
stop_daemon

"$B/kmscastd" --state-dir "$W/e" --listen 127.0.0.1:0 "${DUSER[@]}" --source test \
	--metrics-listen nonsense >"$W/r" 2>&1
[ $? -eq 1 ] && grep -q "bad --metrics-listen 'nonsense': want ADDR:PORT" "$W/r" ||
	fail "a bad --metrics-listen: $(cat "$W/r")"
ok "a bad --metrics-listen stops the daemon, naming it"
