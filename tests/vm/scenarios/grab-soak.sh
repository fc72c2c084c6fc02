# SPDX-License-Identifier: MIT
# 10,000 captures in one process while kmscast-paint flips: open fds, GEM
# handles and memory stay flat (capture-soak asserts it).
# timeout: 300
. tests/vm/lib.sh

start_paint --mode 640x480 --fps 30 --cursor
"$B/tests/capture-soak" /dev/dri/card0 10000 || fail "fds, GEM handles or memory grew"
ok "10,000 captures with flat fds, handles and RSS"
stop_paint
