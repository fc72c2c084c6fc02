# SPDX-License-Identifier: MIT
# kmscast-grab's failures: distinct exit codes, one clear line, no file left.
# timeout: 150
. tests/vm/lib.sh
G=$B/kmscast-grab

none_left() { [ -z "$(ls -A "$1")" ] || fail "files left behind in $1: $(ls -A "$1")"; }
mkdir -p "$WORK/o"
start_paint --static
expect_error 4 "no output named HDMI-A-9" $G --output HDMI-A-9 -o "$WORK/o/x.png"
expect_error 4 "no plane 9999" $G --plane 9999 -o "$WORK/o/x.png"
expect_error 2 "unknown option '--bogus'" $G --bogus
expect_error 2 "nothing to do" $G
expect_error 2 "--plane takes a plane id" $G --plane abc -o "$WORK/o/x.png"
expect_error 1 "cannot write /nonexistent/dir/x.png: No such file or directory" $G -o /nonexistent/dir/x.png
expect_error 1 "cannot write /proc/x.png" $G -o /proc/x.png
expect_error 1 "cannot write /nonexistent/dir/x.raw" $G --raw /nonexistent/dir/x.raw
expect_error 4 "cannot open /dev/dri/card7: No such file or directory" $G --device /dev/dri/card7 -o "$WORK/o/x.png"
none_left "$WORK/o"
$G --help | grep -q -- "--raw FILE" || fail "--help does not describe --raw"
ok "--help exits 0"

# An unprivileged user who can open the card node: the kernel hands back no
# buffer handles, and kmscast-grab says which capability is missing.
chmod 666 /dev/dri/card0
mkdir -p /tmp/unpriv && chmod 777 /tmp/unpriv
setpriv --reuid=65534 --regid=65534 --clear-groups "$G" -o /tmp/unpriv/u.png >"$WORK/u.out" 2>"$WORK/u.err"
rc=$?
cat "$WORK/u.err"
[ $rc -eq 3 ] || fail "unprivileged grab exited $rc, not 3"
grep -q "needs CAP_SYS_ADMIN or DRM master" "$WORK/u.err" && grep -q "setcap cap_sys_admin+ep" "$WORK/u.err" ||
	fail "unprivileged grab did not name CAP_SYS_ADMIN and the remedies"
[ "$(wc -l <"$WORK/u.err")" -eq 1 ] || fail "the permission message is not one line"
none_left /tmp/unpriv
setpriv --reuid=65534 --regid=65534 --clear-groups "$G" --list | grep -q "primary crtc" ||
	fail "--list does not work unprivileged"
ok "unprivileged: exit 3, one line naming CAP_SYS_ADMIN, no file; --list still works"
stop_paint
