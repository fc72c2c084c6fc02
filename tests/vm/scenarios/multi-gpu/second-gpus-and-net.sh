# SPDX-License-Identifier: MIT
# Booted with --gpu virtio2 --gpu bochs --net 17300:7300: three cards, the
# second virtio-gpu with a disconnected Virtual-2, kmscast-paint driving two
# cards at once, and the host reaching a guest server through the forward.
# timeout: 150
. tests/vm/lib.sh

for c in 0 1 2; do
	[ -e /dev/dri/card$c ] || fail "no /dev/dri/card$c"
	echo "card$c: $(basename "$(readlink /sys/class/drm/card$c/device/driver)")"
done
[ "$(basename "$(readlink /sys/class/drm/card2/device/driver)")" = bochs-drm ] || fail "card2 is not bochs"
# Connector names count per type across all cards (card1 gets Virtual-2 and
# Virtual-3, bochs Virtual-4): read them from sysfs rather than assuming.
conns() { ls /sys/class/drm | sed -n "s/^card$1-//p" | sort -t- -k2 -n; }
c1=($(conns 1)) c2=($(conns 2))
echo "card1: ${c1[*]}; card2: ${c2[*]}"
[ ${#c1[@]} -eq 2 ] || fail "card1 does not have two connectors"
"$B/tests/kms-query" /dev/dri/card1 "${c1[0]}" | grep -q ' connected ' || fail "card1 ${c1[0]} is not connected"
"$B/tests/kms-query" /dev/dri/card1 "${c1[1]}" | grep -q ' disconnected ' || fail "card1 ${c1[1]} is not disconnected"
ok "card1 has ${c1[0]} connected and ${c1[1]} disconnected (a headless connector to light up)"

start_paint --device /dev/dri/card0 --mode 800x600 --fps 10
pid0=$PAINT_PID
"$B/kmscast-paint" --device /dev/dri/card2 --mode 1024x768 --fps 10 >"$WORK/p2.out" 2>"$WORK/p2.err" &
pid2=$!
wait_for 60 grep -qx ready "$WORK/p2.out" || { cat "$WORK/p2.err"; fail "no ready from kmscast-paint on bochs"; }
[ "$(KMS_CARD=/dev/dri/card2 kms_field "${c2[0]}" mode)" = 1024x768 ] || fail "bochs is not at 1024x768"
[ "$(kms_field Virtual-1 mode)" = 800x600 ] || fail "card0 is not at 800x600"
ok "card0 at 800x600 and bochs card2 at 1024x768, painted at once"
kill -TERM $pid2
wait $pid2 || fail "kmscast-paint on card2 did not exit 0"
stop_paint

ip -4 addr show eth0 | grep -q 10.0.2.15 || fail "eth0 has no address"
( echo "kmscast-rig-net-ok" | timeout 40 busybox nc -l -p 7300 ) &
sleep 0.5
reply=$(host_connect net)
[ "$reply" = kmscast-rig-net-ok ] || fail "host read '$reply' through the forward"
ok "the host reached a guest server through 127.0.0.1:17300 -> 7300"
