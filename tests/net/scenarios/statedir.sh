# SPDX-License-Identifier: MIT
# The state dir when kmscastd starts as root: it is taken back from the
# streamer's user (who owned it before), a link that user planted is
# refused rather than followed, and the streamer gets only its two files.
# Without the kmscast user and --user, the daemon says so and stops.
. tests/net/lib.sh
[ "$(id -u)" = 0 ] || { echo "skipped: needs root to start kmscastd as root"; exit 0; }
U=${DUSER[1]:-kmscast}
owner() { stat -c '%U:%a' "$1"; }

# The streamer's user owned the dir and planted authorized-clients -> a
# root file: the daemon refuses, the target keeps its owner and bytes.
mkdir -p "$W/d"
echo secret >"$W/victim"
chmod 600 "$W/victim"
ln -s "$W/victim" "$W/d/authorized-clients"
chown -h "$U" "$W/d" "$W/d/authorized-clients"
timeout 20 "$B/kmscastd" --state-dir "$W/d" --listen 127.0.0.1:0 --source test "${DUSER[@]}" \
	2>"$W/err"
RC=$?
expect_rc 1 "kmscastd with a planted link"
expect_err "$W/d/authorized-clients is a symbolic link: kmscastd does not follow links in its state dir"
[ "$(owner "$W/victim")" = root:600 ] && [ "$(cat "$W/victim")" = secret ] || fail "the link's target was touched: $(owner "$W/victim")"
[ "$(stat -c %U "$W/d")" = root ] || fail "the dir was not taken back"
ok "a planted link is refused, its target untouched, the dir taken back"

# A key the streamer's user wrote is refused too.
rm "$W/d/authorized-clients"
"$B/kmscastd" id --state-dir "$W/k" >/dev/null
cp "$W/k/key.pem" "$W/k/cert.pem" "$W/d/"
chown "$U" "$W/d/key.pem"
timeout 20 "$B/kmscastd" --state-dir "$W/d" --listen 127.0.0.1:0 --source test "${DUSER[@]}" \
	2>"$W/err"
RC=$?
expect_rc 1 "kmscastd with a key another user owns"
expect_err "key.pem belongs to uid [0-9]+, not root"
chown root "$W/d/key.pem"
ok "a key another user owns is refused"

# Clean start: the dir is root's (group of the streamer, 0750), the
# streamer owns authorized-clients and browser-credentials (made empty,
# the two files pairing appends to) and nothing else.
chown "$U" "$W/d"
authorize good d
start_daemon d --source test:1000 --fps 20
[ "$(owner "$W/d")" = root:750 ] || fail "state dir is $(owner "$W/d"), want root:750"
[ "$(owner "$W/d/authorized-clients")" = "$U:600" ] || fail "authorized-clients is $(owner "$W/d/authorized-clients")"
[ "$(owner "$W/d/browser-credentials")" = "$U:600" ] ||
	fail "browser-credentials is $(owner "$W/d/browser-credentials")"
for k in key.pem web-key.pem; do
	[ "$(owner "$W/d/$k")" = root:600 ] || fail "$k is $(owner "$W/d/$k")"
done
[ "$(find "$W/d" -mindepth 1 -user "$U" | wc -l)" = 2 ] || fail "the streamer owns more: $(ls -l "$W/d")"
client good --accept-new --frames 3 127.0.0.1:$PORT
expect_rc 0 "a client of the handed-over trust list"
stop_daemon
ok "the dir stays root's; the streamer owns only authorized-clients and browser-credentials"

# A state dir the streamer's user cannot reach (a folder above it closed to
# that user, as /root is): root starts it, so the daemon says so at start;
# `kmscastd pair` says its code will not arrive; a client that tries is told
# the daemon cannot read its codes (not that none is pending), and the log
# says why, once, with the path and the user.
mkdir -m 700 "$W/closed"
mkdir "$W/closed/d"
authorize good closed/d
start_daemon closed/d --source test:1000 --fps 20
expect_log "the streamer \(user $U\) cannot reach --state-dir $W/closed/d: Permission denied: pairing codes"
rm -f "$W/good/known_hosts" # another key on a port seen before
client good --accept-new --frames 3 127.0.0.1:$PORT
expect_rc 0 "a client root authorized before the streamer started"
"$B/kmscastd" pair --state-dir "$W/closed/d" "${DUSER[@]}" >"$W/pair" 2>"$W/err" ||
	fail "kmscastd pair failed: $(cat "$W/err")"
grep -q "warning: user $U cannot read $W/closed/d/pairing: Permission denied (every folder above it must let that user through): the running daemon's streamer will not see this code" "$W/err" ||
	fail "kmscastd pair did not warn: $(cat "$W/err")"
code=$(sed -n 's/^ *\([0-9A-Z-]\{31\}\)$/\1/p' "$W/pair")
for i in 1 2; do
	client c pair 127.0.0.1:$PORT "$code"
	expect_rc 3 "pairing through an unreachable state dir"
	expect_err "this host's daemon cannot read its pairing codes \(its log says why\)"
done
expect_log "pairing: cannot read $W/closed/d/pairing: Permission denied as user $U, the streamer"
[ "$(grep -c "pairing: cannot read" "$DLOG")" = 1 ] || fail "the reason was logged more than once"
stop_daemon
ok "an unreachable state dir is named with its user at start, by kmscastd pair, and at pairing (once)"

# No kmscast user and no --user: one line that says what to do.
if ! getent passwd kmscast >/dev/null; then
	timeout 20 "$B/kmscastd" --state-dir "$W/d" --listen 127.0.0.1:0 --source test 2>"$W/err"
	RC=$?
	expect_rc 1 "kmscastd as root without the kmscast user"
	expect_err "user kmscast does not exist: create it \(systemd-sysusers kmscast.conf"
	ok "without the kmscast user the daemon stops and says how to make it"
else
	echo "the kmscast user exists here: its absence is not tested"
fi
