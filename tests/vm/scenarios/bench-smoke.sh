# SPDX-License-Identifier: MIT
# make bench's measurements at a small size, so `make check` proves they
# work: kmscast and FFmpeg each deliver exactly the 20 frames asked for, every
# figure is there (latency p50 <= p99, bytes per frame), and tests/bench/table
# makes the table of them. (make bench runs the same code at 1920x1080.)
# Sixteen viewers of one stream share one encoder: bench_run fails unless
# each took its 50 frames (10 s) with no gap and the daemon made one stream.
# timeout: 600
. tests/vm/bench/lib.sh
bench_run 640x480 20 2 5
v() { sed -n "s/^$1 //p" "$RAW"; }
for k in k ll; do
	[ "$(v ${k}_frames)" = 20 ] || fail "$k: $(v ${k}_frames) frames received, not 20"
	for w in enc dec; do
		awk -v a="$(v ${k}_${w}_p50)" -v b="$(v ${k}_${w}_p99)" 'BEGIN { exit !(a > 0 && a <= b) }' ||
			fail "$k: capture to $w p50 $(v ${k}_${w}_p50), p99 $(v ${k}_${w}_p99)"
	done
	[ "$(v ${k}_bytes)" -gt 0 ] || fail "$k: no bytes per frame"
done
[ "$(v ff_frames)" = 20 ] || fail "ffmpeg: $(v ff_frames) frames"
[ "$(v kv_frames)" = 20 ] || fail "kmscast, video scene: $(v kv_frames) frames received, not 20"
# 16 x 50 frames sent; one encoder makes 50 and a keyframe per join
[ "$(v k16v_encoded)" -lt 100 ] || fail "16 viewers: $(v k16v_encoded) frames encoded"
tests/bench/table "$RAW" >"$WORK/table.md" || fail "no table from: $(cat "$RAW")"
grep -qE '^\| CPU per frame \(ms\) \| [0-9.]+ \| [0-9.]+ \| [0-9.-]+ \| ≤ 0.4 \((met|missed)\) \|$' \
	"$WORK/table.md" || fail "no CPU row: $(cat "$WORK/table.md")"
grep -qE '^\| CPU per frame, video scene \(ms\) \| [0-9.]+ \| [0-9.]+ \| [0-9.-]+ \| ≤ 0.9 \((met|missed)\) \|$' \
	"$WORK/table.md" || fail "no video row: $(cat "$WORK/table.md")"
grep -qE '^\| no viewer, screen animating: CPU over 2 s \(% of one core\) \| [0-9.]+ \|' "$WORK/table.md" ||
	fail "no no-viewer row: $(cat "$WORK/table.md")"
grep -qE '^\| CPU per frame \(ms\) \| [0-9.]+ \| [0-9.]+ \| [0-9.-]+ \| ≤ 1.3 \((met|missed)\) \|$' \
	"$WORK/table.md" || fail "no viewers row: $(cat "$WORK/table.md")"
ok "20 frames each at 640x480; the table: $(grep -c '^|' "$WORK/table.md") rows"
