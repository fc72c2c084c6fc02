# SPDX-License-Identifier: MIT
# The kmscast-vs-FFmpeg benchmark, run in the guest (sourced by
# tests/vm/bench/compare.sh for `make bench`, by a scenario at a small size
# for `make check`). bench_run MODE FRAMES IDLE_SECONDS FPS writes
# "key value" lines to $OUT/bench.raw; tests/bench/table turns them
# into the table. The still desktop and typing are measured on real display
# servers (desktop_bench in tests/vm/lib.sh), not here.
#
# Both sides capture the moving scenes at FPS while kmscast-paint draws at
# three times that, so every frame either side captures is a new picture
# (three: with two buffers, an even number of flips between two captures
# would show the same buffer again, and kmscastd would take the cheaper
# path of a buffer that did not flip, which FFmpeg has not): FFmpeg
# encodes whatever kmsgrab finds, kmscast only what changed, and under TCG
# neither keeps up with 30 fps at 1080p (kmscast would send a frame per
# picture painted while FFmpeg also encoded cheap repeats). Paint counts
# the pictures it showed during each run, so the table can say so.
#
# CPU per frame is (CPU at the end - CPU when the first K frames were out)
# / (FRAMES - K) for both sides, K = 1 from the client's --stats line for
# its first frame, K from FFmpeg's -progress (every 50 ms), so neither is
# charged its start-up (ffmpeg loading its libraries, seconds under TCG
# and never the same twice; kmscast's TLS handshake and encoder set-up).
# kmscast's CPU is its two processes' (the capture helper and the
# streamer), read from /proc; ffmpeg's is GNU time's. Peak RSS: the
# sum of both processes' VmHWM, and ffmpeg's maximum resident set.
. tests/vm/lib.sh
RAW=$OUT/bench.raw
FPS=30
ffmpeg_capture 30
# shown: pictures kmscast-paint (started with -v) has shown so far.
shown() { grep -c '^frame ' "$WORK/paint.out" || true; }

put() { echo "$1 $2" >>"$RAW"; }
hwm_kb() {
	local p s=0
	for p in "$@"; do s=$((s + $(awk '/^VmHWM/ { print $2 }' "/proc/$p/status"))); done
	echo $s
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
now() { date +%s.%N; }

# at_first_frame FILE SED PID WATCHED...: once FILE reports a frame (SED
# prints the count so far), K (that count), CK (CPU ms of the WATCHED
# processes) and TK (the time); K=0 if PID ended before.
at_first_frame() {
	local f=$1 e=$2 p=$3
	shift 3
	K=0
	while kill -0 "$p" 2>/dev/null; do
		K=$(sed -n "$e" "$f" 2>/dev/null | tail -1)
		if [ "${K:-0}" -ge 1 ]; then
			CK=$(cpu_ms "$@") && TK=$(now) && return
			break # it ended between the report and the look
		fi
		sleep 0.05
	done
	K=0
}
# per_frame N CPU_END T_END: FRAME_MS and FPS after the first K frames.
per_frame() {
	[ "$K" -ge 1 ] && [ "$K" -lt "$1" ] ||
		fail "no look at the CPU after the first frame and before the last (K=$K of $1 frames)"
	FRAME_MS=$(div $(($2 - CK)) $(($1 - K)))
	FPS_AFTER=$(awk -v n=$(($1 - K)) -v a="$TK" -v b="$3" 'BEGIN { printf "%.2f", n / (b - a) }')
}

# kmscast_session FRAMES TAG: one client session of FRAMES decoded frames
# against the running daemon; sets CPU_END (ms, both daemon processes),
# T_END, HWM, SHOWN, K, CK and TK (at_first_frame), and leaves the client's stdout and stderr
# in $WORK/TAG.out, .err and the daemon's lines of this session alone (its
# summary) in $DLOG.
kmscast_session() {
	local pids="$DPID $(pgrep -P "$DPID")" s0 cpid
	: >"$DLOG"
	s0=$(shown)
	timeout 900 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --stats --frames "$1" \
		127.0.0.1:$PORT >"$WORK/$2.out" 2>"$WORK/$2.err" &
	cpid=$!
	at_first_frame "$WORK/$2.err" 's/^stats: first frame received .*/1/p' $cpid $pids
	wait $cpid || fail "kmscast --frames $1: $(tail -3 "$WORK/$2.err")"
	T_END=$(now)
	SHOWN=$(( $(shown) - s0 ))
	wait_for 30 grep -q "frames sent.*capture to encoded" "$DLOG" || fail "no session summary"
	CPU_END=$(cpu_ms $pids)
	HWM=$(hwm_kb $pids)
}

# memory_profile FRAMES: a session of FRAMES frames while the streamer's
# mappings are sampled; the resident kB of each at its largest go to
# $OUT/smaps.txt, for the closing figures (sampling costs CPU, so this
# session is not one the CPU figures come from).
memory_profile() {
	local pids="$DPID $(pgrep -P "$DPID")" best=0 r p
	"$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --frames "$1" \
		127.0.0.1:$PORT >"$WORK/mem.out" 2>"$WORK/mem.err" &
	local cpid=$!
	while kill -0 $cpid 2>/dev/null; do
		r=$(awk '/^Rss:/ { s += $2 } END { print s + 0 }' "/proc/$DPID/smaps")
		[ "$r" -gt "$best" ] && best=$r && cp "/proc/$DPID/smaps" "$WORK/peak.smaps"
		sleep 0.5
	done
	wait $cpid || fail "kmscast --frames $1: $(tail -3 "$WORK/mem.err")"
	{
		echo "== the streamer at its largest: $best kB resident; mappings of 1 MiB or more"
		awk '/^[0-9a-f]+-[0-9a-f]+ / { name = NF >= 6 ? $6 : "[anon " $1 "]" }
			/^Rss:/ { rss[name] += $2 }
			END { for (n in rss) if (rss[n] >= 1024) print rss[n], n }' "$WORK/peak.smaps" |
			sort -rn
		for p in $pids; do
			echo "== $(tr -d '\0' </proc/$p/comm) (pid $p): $(grep -E '^(VmHWM|RssAnon|RssFile|RssShmem)' \
				"/proc/$p/status" | tr -s '\t\n ' ' ')"
		done
	} >>"$OUT/smaps.txt"
}

# kmscast_moving CODEC PREFIX FRAMES: per-frame figures of one codec.
kmscast_moving() {
	local codec=$1 k=$2 n=$3
	start_daemon d --codec "$codec" --encoder software --fps "$FPS" --no-input
	sleep 2 # the first captures, as a client would find them
	kmscast_session 1 warm # first-session costs (page faults, pinning) in neither figure
	kmscast_session "$n" many
	per_frame "$n" "$CPU_END" "$T_END"
	put "${k}_cpu_ms" "$FRAME_MS"
	put "${k}_from_frame" "$K"
	put "${k}_rss_kb" "$HWM"
	put "${k}_frames" "$(sed -n 's/^received \([0-9]*\) frames.*/\1/p' "$WORK/many.out")"
	put "${k}_fps" "$FPS_AFTER"
	put "${k}_shown" "$SHOWN"
	put "${k}_bytes" "$(sed -n 's/.* \([0-9]*\) bytes, .*/\1/p' "$WORK/many.out" |
		awk -v n="$n" '{ printf "%d", $1 / n }')"
	put "${k}_enc_p50" "$(sed -n 's/.*capture to encoded p50 \([0-9.]*\) ms.*/\1/p' "$DLOG")"
	put "${k}_enc_p99" "$(sed -n 's/.*capture to encoded p50 [0-9.]* ms, p99 \([0-9.]*\) ms.*/\1/p' "$DLOG")"
	put "${k}_dec_p50" "$(sed -n 's/^stats: capture to decoded p50 \([0-9.]*\) ms.*/\1/p' "$WORK/many.err")"
	put "${k}_dec_p99" "$(sed -n 's/^stats: capture to decoded p50 [0-9.]* ms, p99 \([0-9.]*\) ms.*/\1/p' "$WORK/many.err")"
	[ "$k" = k ] && memory_profile "$n"
	stop_daemon
}

# ffmpeg_frames FRAMES TAG: FFmpeg capturing and encoding FRAMES frames;
# sets FCPU (ms, GNU time's user + system), FRSS (its maximum resident
# set), K, CK and TK (at_first_frame, from its -progress reports).
ffmpeg_frames() {
	local s0 tpid fpid=
	s0=$(shown)
	: >"$WORK/$2.progress"
	/usr/bin/time -f '%e %U %S %M' -o "$WORK/$2.time" \
		ffmpeg -nostdin -hide_banner -loglevel error "${FFMPEG_CAPTURE[@]}" \
		-progress "$WORK/$2.progress" -stats_period 0.05 \
		-frames:v "$1" -f null - 2>"$WORK/$2.err" &
	tpid=$!
	wait_for 60 eval 'fpid=$(pgrep -P $tpid)' || fail "ffmpeg did not start"
	at_first_frame "$WORK/$2.progress" 's/^frame=\([0-9]*\)$/\1/p' $fpid $fpid
	wait $tpid || fail "ffmpeg: $(tail -3 "$WORK/$2.err")"
	T_END=$(now)
	SHOWN=$(( $(shown) - s0 ))
	read -r _ FU FS FRSS <"$WORK/$2.time"
	FCPU=$(awk -v u="$FU" -v s="$FS" 'BEGIN { printf "%d", (u + s) * 1000 }')
}

# ffmpeg_moving FRAMES [PREFIX]: the same figures of FFmpeg's pipeline.
ffmpeg_moving() {
	local n=$1 k=${2:-ff}
	ffmpeg_frames 1 ffwarm # the page cache warm with its libraries
	ffmpeg_frames "$n" ffn
	per_frame "$n" "$FCPU" "$T_END"
	put "${k}_cpu_ms" "$FRAME_MS"
	put "${k}_from_frame" "$K"
	put "${k}_rss_kb" "$FRSS"
	put "${k}_frames" "$n"
	put "${k}_fps" "$FPS_AFTER"
	put "${k}_shown" "$SHOWN"
}

# viewers_session N FRAMES [one]: N viewers that take FRAMES frames each
# without decoding them, started together; sets CPU (ms, both daemon
# processes) and ENCODED, the frames their streams encoded (from the
# daemon's log). With "one", they must all have shared one stream: FRAMES
# must outlast the spread of their joins.
viewers_session() {
	local pids="$DPID $(pgrep -P "$DPID")" c0 i cp=()
	: >"$DLOG"
	c0=$(cpu_ms $pids)
	for ((i = 0; i < $1; i++)); do
		timeout 900 "$B/kmscast" --no-decode --config-dir "$WORK/c" --accept-new \
			--frames "$2" 127.0.0.1:$PORT >"$WORK/v$i.out" 2>"$WORK/v$i.err" &
		cp+=($!)
	done
	for ((i = 0; i < $1; i++)); do
		wait "${cp[$i]}" || fail "viewer $i of $1: $(tail -3 "$WORK/v$i.err"); the daemon: $(tail -5 "$DLOG")"
		grep -q "^received $2 frames (seq 0-$(($2 - 1))), 0 gaps" "$WORK/v$i.out" ||
			fail "viewer $i of $1: $(cat "$WORK/v$i.out")"
	done
	VIEWERS=$1
	wait_for 30 eval '[ "$(grep -c " disconnected: " "$DLOG")" -ge $VIEWERS ]' ||
		fail "the daemon saw $(grep -c " disconnected: " "$DLOG") of $1 viewers leave"
	wait_for 30 grep -q "a stream's last viewer left" "$DLOG" || fail "no stream summary"
	CPU=$(( $(cpu_ms $pids) - c0 ))
	local streams
	streams=$(grep -c "a stream's last viewer left" "$DLOG")
	[ "${3:-}" != one ] || [ "$streams" = 1 ] || fail "$1 viewers of one stream had $streams encoders"
	ENCODED=$(sed -n "s/.*a stream's last viewer left: \([0-9]*\) frames encoded.*/\1/p" "$DLOG" |
		awk '{ s += $1 } END { print s + 0 }')
}

# kmscast_viewers FRAMES: CPU per frame encoded with one viewer and with
# sixteen of the same stream, each (CPU for FRAMES - CPU for 1, the least
# of three) / (frames encoded for FRAMES - for 1): joins' keyframes cancel
# out. FRAMES is at least 10 s worth, to outlast the joins.
kmscast_viewers() {
	local n=$(( $1 > FPS * 10 ? $1 : FPS * 10 )) c1 e1 v i
	start_daemon d --codec h264 --encoder software --fps "$FPS" --no-input --max-viewers 16 \
		--max-handshakes 64 --max-handshakes-per-source 16 --handshake-timeout 60000
	# (all at once, from here, while each 1080p encode holds the loop under TCG)
	viewers_session 1 1 # first-session costs
	for v in 1 16; do
		c1= e1=
		for i in 1 2 3; do
			viewers_session $v 1
			[ -z "$c1" ] || [ "$CPU" -lt "$c1" ] && c1=$CPU e1=$ENCODED
		done
		viewers_session $v "$n" one
		[ "$ENCODED" -gt "$e1" ] || fail "$v viewers: $ENCODED frames encoded for $n, $e1 for 1"
		put "k${v}v_cpu_ms" "$(div $((CPU - c1)) $((ENCODED - e1)))"
		put "k${v}v_encoded" "$ENCODED"
	done
	put viewers_frames "$n"
	stop_daemon
}

# no_viewer SECONDS: CPU (ms) of both daemon processes over SECONDS with
# no client while the screen animates (after 3 s).
no_viewer() {
	start_daemon d --codec h264 --encoder software --fps 30 --no-input
	local pids="$DPID $(pgrep -P "$DPID")" c0
	sleep 3
	c0=$(cpu_ms $pids)
	sleep "$1"
	put k_noview_ms $(( $(cpu_ms $pids) - c0 ))
	stop_daemon
}

# browser_latency SECONDS: the browser viewer (headless chromium on the
# host, through the rig's port forward) paired and watching the moving
# scene in H.264; its capture-to-presented p50/p99 (ms; the page corrects
# for the clock difference between host and guest). Only with --net.
browser_latency() {
	start_daemon d --codec h264 --encoder software --fps "$FPS" --no-input --listen :7300
	local code r
	code=$("$B/kmscastd" pair --state-dir "$WORK/d" "${DUSER[@]}" | sed -n 3p | tr -d ' ')
	r=$(host_browser bpair bench status "https://HOSTPORT/#code=$code")
	echo "$r" | grep -q "status: connected" || fail "the browser did not pair: $r"
	r=$(host_browser blat bench latency https://HOSTPORT/ "$1")
	echo "$r" | grep -q "rc=0" || fail "browser latency: $r"
	put web_p50 "$(echo "$r" | sed -n 's/^p50: //p')"
	put web_p99 "$(echo "$r" | sed -n 's/^p99: //p')"
	put web_frames "$(echo "$r" | sed -n 's/^frames: //p')"
	stop_daemon
}

bench_run() {
	local mode=$1 n=$2 idle=$3
	FPS=${4:-30}
	ffmpeg_capture "$FPS"
	: >"$RAW"
	: >"$OUT/smaps.txt"
	mkdir -p "$WORK/d"
	"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >"$WORK/d/authorized-clients"
	put mode "$mode"
	put frames "$n"
	put noview_s "$idle"
	put fps "$FPS"
	put kernel "$(uname -r)"
	put ffmpeg "$(ffmpeg -version | head -1 | awk '{ print $3 }')"

	start_paint --mode "$mode" --fps $((FPS * 3)) -v
	kmscast_moving h264 k "$n"
	ok "kmscast h264: $(grep '^k_' "$RAW" | tr '\n' ' ')"
	ffmpeg_moving "$n"
	ok "ffmpeg: $(grep '^ff_' "$RAW" | tr '\n' ' ')"
	kmscast_moving lossless ll "$n"
	ok "kmscast lossless: $(grep '^ll_' "$RAW" | tr '\n' ' ')"
	kmscast_viewers "$n"
	ok "kmscast, 1 and 16 viewers: $(grep -E '^k(1|16)v_' "$RAW" | tr '\n' ' ')"
	if [ -s "$OUT/host-client.fp" ]; then # the rig forwards a port: a browser can watch
		browser_latency 20
		ok "browser: $(grep '^web_' "$RAW" | tr '\n' ' ')"
	fi
	no_viewer "$idle"
	ok "no viewer, ${idle} s: $(grep '^k_noview' "$RAW")"
	stop_paint

	# What damage tracking cannot help: every pixel changes every frame.
	start_paint --mode "$mode" --fps $((FPS * 3)) --scene video -v
	kmscast_moving h264 kv "$n"
	ok "kmscast h264, video scene: $(grep '^kv_' "$RAW" | tr '\n' ' ')"
	ffmpeg_moving "$n" ffv
	ok "ffmpeg, video scene: $(grep '^ffv_' "$RAW" | tr '\n' ' ')"
	stop_paint
}
