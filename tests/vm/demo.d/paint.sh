# SPDX-License-Identifier: MIT
# make demo, part one: kmscast-paint animates a 640x480 scene with a cursor
# on the VM's display, and QEMU (not our code) takes two screenshots of it.
# timeout: 120
. tests/vm/lib.sh
start_paint --mode 640x480 --fps 30 --cursor
host_screendump demo-1 >/dev/null
sleep 1
host_screendump demo-2 >/dev/null
ok "kmscast-paint animates the display; QEMU took demo-1 and demo-2"
stop_paint
