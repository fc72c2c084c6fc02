# SPDX-License-Identifier: MIT
# Clear errors and exit codes: unknown output, mode not offered, usage errors,
# and a card whose DRM master is taken.
# timeout: 120
. tests/vm/lib.sh
P=$B/kmscast-paint

expect_error 1 "no output named HDMI-A-9 on /dev/dri/card0" $P --output HDMI-A-9
expect_error 1 "mode 1234x567 is not offered by Virtual-1 (offered: .*1024x768" $P --mode 1234x567
expect_error 1 "cannot open /dev/dri/card9: No such file or directory" $P --device /dev/dri/card9
expect_error 2 "unknown format 'YUYV'" $P --format YUYV
expect_error 2 "unknown option '--bogus'" $P --bogus
expect_error 2 "option '--mode' needs a value" $P --mode
expect_error 2 "--mode takes WIDTHxHEIGHT" $P --mode 1024by768
expect_error 2 "--fps must be a number from 1 to 240" $P --fps 0
expect_error 2 "unexpected argument 'extra'" $P extra
"$P" --help | grep -q -- "--format FOURCC" || fail "--help does not list --format"
ok "--help exits 0 and lists the options"

start_paint --static
expect_error 1 "cannot become DRM master of /dev/dri/card0" $P --device /dev/dri/card0
stop_paint
