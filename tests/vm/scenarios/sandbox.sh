# SPDX-License-Identifier: MIT
# The privilege split on the real kernel: the streamer runs as kmscast with no
# capabilities, NoNewPrivs and a seccomp filter, and holds no card; the
# capture helper runs as kmscast-capture keeping CAP_SYS_ADMIN alone, under
# its own filter; a forbidden syscall kills the
# streamer (and the helper follows); a mode change mid-stream (1024x768 ->
# 800x600) reaches one client session as a new config with exact pixels;
# 10,000 captures through the helper leave fds, GEM handles and anonymous
# memory flat (file pages of the libraries come and go with reclaim).
# timeout: 900
. tests/vm/lib.sh
T=$B/tests/scene-tool
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >"$WORK/d/authorized-clients"
field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '; }
want_field() { # PID FIELD VALUE WHO
	local v
	v=$(field "$1" "$2")
	[ "$v" = "$3" ] || fail "$4: $2 is '$v', want '$3'"
}

start_paint --mode 1024x768 --static --start 1111
start_daemon d --codec lossless --fps 30
HPID=$(sed -n 's/.*capture helper pid \([0-9]*\) keeps.*/\1/p' "$DLOG")
[ -n "$HPID" ] || fail "no capture helper in the log: $(cat "$DLOG")"
ku=$(id -u kmscast) || fail "the guest has no kmscast user"
want_field $DPID Uid "$ku $ku $ku $ku" streamer
for f in CapInh CapPrm CapEff CapBnd CapAmb; do want_field $DPID $f 0000000000000000 streamer; done
want_field $DPID NoNewPrivs 1 streamer
want_field $DPID Seccomp 2 streamer
for f in CapPrm CapEff CapBnd; do want_field $HPID $f 0000000000200000 "capture helper"; done
want_field $HPID CapAmb 0000000000000000 "capture helper"
want_field $HPID NoNewPrivs 1 "capture helper"
cu=$(id -u kmscast-capture) || fail "the guest has no kmscast-capture user"
want_field $HPID Uid "$cu $cu $cu $cu" "capture helper"
want_field $HPID Seccomp 2 "capture helper"
grep -q "capture helper pid $HPID keeps CAP_SYS_ADMIN as kmscast-capture, under its own seccomp allowlist" "$DLOG" ||
	fail "the log does not say who the helper is: $(grep 'capture helper' "$DLOG")"
cards() { ls -l "/proc/$1/fd" | grep -c '/dev/dri/card'; }
[ "$(cards $DPID)" -eq 0 ] || fail "the streamer holds a card: $(ls -l /proc/$DPID/fd)"
[ "$(cards $HPID)" -eq 1 ] || fail "the helper does not hold the card"

# One session across a mode change: frame 1111 at 1024x768, then an
# animated 800x600; its 30th frame must be an exact 800x600 reference frame.
# (With no viewer there is no capture: the session comes first.)
"$B/kmscast" --present none --config-dir "$WORK/c" --accept-new -v --frames 30 --snapshot "$WORK/after.png" \
	127.0.0.1:$PORT >"$WORK/m.out" 2>"$WORK/m.err" &
M=$!
wait_for 60 grep -q "stream 1024x768" "$WORK/m.err" || fail "no 1024x768 stream: $(cat "$WORK/m.err")"
# The scanout buffers reach the streamer read-only: no drawing on the screen.
dmabufs() { for f in /proc/$DPID/fd/*; do readlink "$f" | grep -q dmabuf && echo "${f##*/}"; done; }
wait_for 60 eval 'test -n "$(dmabufs)"' || fail "the streamer holds no dmabuf: $(ls -l /proc/$DPID/fd)"
for fd in $(dmabufs); do
	fl=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$DPID/fdinfo/$fd")
	[ $((8#$fl & 3)) -eq 0 ] || fail "dmabuf fd $fd is open with flags $fl, not read-only"
done
ok "the streamer's $(dmabufs | wc -l) dmabuf fds are read-only"
echo "streamer: $(field $DPID Uid | cut -d' ' -f1) CapEff $(field $DPID CapEff) NoNewPrivs $(field $DPID NoNewPrivs) Seccomp $(field $DPID Seccomp); helper CapEff $(field $HPID CapEff)"
ok "streamer: uid kmscast, no capabilities, NoNewPrivs 1, Seccomp 2, no card; helper: uid kmscast-capture, CAP_SYS_ADMIN alone, Seccomp 2, the card"

# The announcer: a user of its own (the streamer cannot signal it), no
# supplementary groups, no capabilities, its own filter, and neither private
# key in its memory (it is forked before they are loaded), while the
# streamer's memory holds them (so the search is one that finds them).
APID=
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = kmscastd-announ ] && [ "$(field "${p#/proc/}" PPid)" = "$DPID" ] && APID=${p#/proc/}
done
[ -n "$APID" ] || fail "no announcer"
au=$(id -u kmscast-announce) || fail "the guest has no kmscast-announce user"
want_field $APID Uid "$au $au $au $au" announcer
want_field $APID Groups "" announcer
for f in CapPrm CapEff CapBnd CapAmb; do want_field $APID $f 0000000000000000 announcer; done
want_field $APID NoNewPrivs 1 announcer
want_field $APID Seccomp 2 announcer
setpriv --reuid kmscast --regid kmscast --clear-groups kill -0 "$APID" 2>/dev/null &&
	fail "the streamer's user can signal the announcer"
setpriv --reuid kmscast --regid kmscast --clear-groups kill -0 "$DPID" || fail "the check itself: kmscast cannot signal its own streamer"
keys() { # the private keys' secret bytes, hex, both byte orders
	openssl pkey -in "$WORK/d/key.pem" -outform DER | tail -c 32 | xxd -p -c 64
	openssl pkey -in "$WORK/d/web-key.pem" -text -noout |
		awk '/^priv:/ { on = 1; next } /^pub:/ { on = 0 } on' | tr -d ' :\n' | sed 's/^00//' | tail -c 64
	echo
}
keys >"$WORK/keys"
[ "$(grep -c '^[0-9a-f]\{64\}$' "$WORK/keys")" = 2 ] || fail "cannot read the keys: $(cat "$WORK/keys")"
holds() { # PID: how many of the keys its memory holds
	python3 - "$1" "$WORK/keys" <<'PY'
import re, sys
pid, keys = sys.argv[1], [bytes.fromhex(l.strip()) for l in open(sys.argv[2]) if l.strip()]
needles = [k for k in keys] + [k[::-1] for k in keys]
found = set()
with open(f"/proc/{pid}/maps") as m, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in m:
        a, perms = line.split()[:2]
        if perms[0] != "r" or "[vvar]" in line or "[vsyscall]" in line:
            continue
        lo, hi = (int(x, 16) for x in a.split("-"))
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        for i, n in enumerate(needles):
            if n in data:
                found.add(i % len(keys))
print(len(found))
PY
}
[ "$(holds "$DPID")" = 2 ] || fail "the search does not find the keys in the streamer's memory"
[ "$(holds "$APID")" = 0 ] || fail "the announcer's memory holds $(holds "$APID") private keys"
ok "announcer: uid kmscast-announce, no groups, no capabilities, Seccomp 2, unsignalable by the streamer, neither private key in memory (the streamer's holds both)"

stop_paint
start_paint --mode 800x600 --fps 10
wait_for 120 grep -q "stream 800x600" "$WORK/m.err" || fail "no 800x600 config: $(cat "$WORK/m.err"; tail -5 "$DLOG")"
wait $M || fail "the client failed across the mode change: $(cat "$WORK/m.err")"
r=$($T compare "$WORK/after.png" XRGB8888) || fail "after the mode change: $r"
grep -q "capturing 800x600 from Virtual-1" "$DLOG" || fail "the daemon did not log the new size"
ok "mode change 1024x768 -> 800x600 in one session: a new config, then exact pixels ($r)"
stop_daemon
[ ! -d /proc/$HPID ] || fail "the capture helper outlived the streamer"
stop_paint

# 10,000 captures through the helper (a 640x480 flipping ten times a second
# under a moving cursor, ticks at 240 Hz): what both processes hold after
# 1,000 and after 10,000 must match. Capture runs only for a viewer; the
# flips are few so that the ticks are grabs rather than encodes.
start_paint --mode 640x480 --fps 10 --cursor
start_daemon d --codec lossless --fps 240 -v
HPID=$(sed -n 's/.*capture helper pid \([0-9]*\) keeps.*/\1/p' "$DLOG")
"$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --frames 100000000 127.0.0.1:$PORT \
	>"$WORK/w.out" 2>"$WORK/w.err" &
W=$!
wait_for 600 grep -q "capture helper: 10000 grabs" "$DLOG" ||
	fail "no 10,000 grabs: $(grep grabs "$DLOG" | tail -2; tail -3 "$WORK/w.err")"
wait_for 30 grep -q "streamer: 10000 grabs" "$DLOG" || fail "no streamer stats"
kill $W
wait $W 2>/dev/null
h() { sed -n "s/.*capture helper: $1 grabs; \(.*\)/\1/p" "$DLOG"; }
s() { sed -n "s/.*streamer: $1 grabs; \(.*\)/\1/p" "$DLOG"; }
echo "helper after 1000: $(h 1000); after 10000: $(h 10000)"
echo "streamer after 1000: $(s 1000); after 10000: $(s 10000)"
num() { echo "$1" | sed -n "s/.*$2 \([0-9]*\).*/\1/p;s/.*\([0-9][0-9]*\) $2.*/\1/p" | head -1; }
[ "$(h 1000 | sed 's/, RSS.*//')" = "$(h 10000 | sed 's/, RSS.*//')" ] || fail "the helper's fds or GEM handles changed"
[ "$(s 1000 | sed 's/, RSS.*//')" = "$(s 10000 | sed 's/, RSS.*//')" ] || fail "the streamer's fds changed"
rss() { echo "$1" | sed -n 's/.*anonymous \([0-9]*\) kB/\1/p'; }
hg=$(( $(rss "$(h 10000)") - $(rss "$(h 1000)") )) sg=$(( $(rss "$(s 10000)") - $(rss "$(s 1000)") ))
[ $hg -lt 256 ] || fail "the helper's anonymous memory grew $hg kB"
[ $sg -lt 1024 ] || fail "the streamer's anonymous memory grew $sg kB"
ok "10,000 captures through the helper: fds and GEM handles unchanged, anonymous memory +$hg kB (helper) +$sg kB (streamer)"
stop_daemon
stop_paint

# The filter: a syscall off the list kills the streamer with SIGSYS, and
# the helper goes when its socket closes.
start_paint --mode 640x480 --static --start 5
"$B/kmscastd" --state-dir "$WORK/d" --listen 127.0.0.1:0 --codec lossless \
	--test-forbidden-syscall 2>"$WORK/k.log" &
K=$!
wait $K
rc=$?
cat "$WORK/k.log"
[ $rc -eq $((128 + 31)) ] || fail "kmscastd exited $rc, want 159 (SIGSYS)"
grep -q "making a syscall the seccomp filter forbids" "$WORK/k.log" || fail "the trigger did not run"
! grep -q "forbidden syscall returned" "$WORK/k.log" || fail "the forbidden syscall returned"
KH=$(sed -n 's/.*capture helper pid \([0-9]*\) keeps.*/\1/p' "$WORK/k.log")
wait_for 10 test ! -d "/proc/$KH" || fail "the capture helper outlived the killed streamer"
ok "a forbidden syscall killed the streamer with SIGSYS (exit $rc); its helper exited too"
stop_paint
