# SPDX-License-Identifier: MIT
# make demo, part two: kmscastd streams the animated display as H.264, and
# kmscast on the host, through the port forward, writes a snapshot (with the
# cursor) and a two-second recording into the results share.
# timeout: 400
. tests/vm/lib.sh
[ -s "$OUT/host-client.fp" ] || fail "the rig made no host client identity (--net missing?)"
rm -f "$OUT/host-client/known_hosts"
mkdir -p "$WORK/d"
cp "$OUT/host-client.fp" "$WORK/d/authorized-clients"
start_paint --mode 640x480 --fps 30 --cursor
"$B/kmscastd" --state-dir "$WORK/d" --listen :7300 --codec h264 --fps 30 2>"$WORK/d.log" &
DPID=$!
DLOG=$WORK/d.log
wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start: $(cat "$DLOG")"
r=$(host_kmscast snap --snapshot OUTDIR/demo-snapshot.png --cursor --frames 5 HOSTPORT)
echo "$r"
echo "$r" | grep -qx "rc=0" || fail "the snapshot on the host failed"
r=$(host_kmscast rec --record OUTDIR/demo-recording.mkv --frames 60 HOSTPORT)
echo "$r"
echo "$r" | grep -qx "rc=0" || fail "the recording on the host failed"
ok "streamed to the host: demo-snapshot.png and demo-recording.mkv (60 frames)"
stop_daemon
stop_paint
