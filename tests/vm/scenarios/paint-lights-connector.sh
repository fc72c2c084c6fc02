# SPDX-License-Identifier: MIT
# kmscast-paint lights Virtual-1 at 1024x768; a second process (kms-query,
# not DRM master) sees the CRTC run 1024x768 with a 1024x768 framebuffer, and
# QEMU's own screenshot shows frame k of the reference scene pixel for pixel.
# timeout: 150
. tests/vm/lib.sh

start_paint --output Virtual-1 --mode 1024x768 --static --start 4242
"$B/tests/kms-query" /dev/dri/card0 Virtual-1
[ "$(kms_field Virtual-1 mode)" = 1024x768 ] || fail "CRTC mode is not 1024x768"
[ "$(kms_field Virtual-1 fb_size)" = 1024x768 ] || fail "framebuffer is not 1024x768"
ok "CRTC runs 1024x768 with a 1024x768 framebuffer"
ppm=$(host_screendump static) || exit 1
"$B/tests/scene-tool" compare "$ppm" XRGB8888 4242 || fail "screen is not frame 4242"
ok "host screenshot equals reference frame 4242"
stop_paint
[ "$(kms_field Virtual-1 mode)" != 1024x768 ] || fail "the CRTC was not handed back on exit"
ok "the previous mode is back after exit: $(kms_field Virtual-1 mode)"
