# SPDX-License-Identifier: MIT
# kmscast on the host streams from kmscastd in the guest through the port
# forward: the lossless snapshot it writes equals the reference frame.
# timeout: 300
. tests/vm/lib.sh
[ -s "$OUT/host-client.fp" ] || fail "the rig made no host client identity"
rm -f "$OUT/host-client/known_hosts" # each scenario's daemon has its own key
mkdir -p "$WORK/d"
cp "$OUT/host-client.fp" "$WORK/d/authorized-clients"
start_paint --device /dev/dri/card0 --mode 640x480 --static --start 2024
"$B/kmscastd" --state-dir "$WORK/d" --device /dev/dri/card0 --listen :7300 --codec lossless \
	--fps 30 2>"$WORK/d.log" &
DPID=$!
DLOG=$WORK/d.log
wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start"
r=$(host_kmscast snap --snapshot OUTDIR/host-snap.png --frames 1 HOSTPORT) # a static screen is one frame
echo "$r"
echo "$r" | grep -qx "rc=0" || fail "kmscast on the host failed"
"$B/tests/scene-tool" compare "$OUT/host-snap.png" XRGB8888 2024 || fail "the host's snapshot is not frame 2024"
ok "the host's client got frame 2024 exactly through the port forward"
stop_daemon
stop_paint
