// SPDX-License-Identifier: MIT
#include "kmscast/streamer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kmscast/capture.h"
#include "kmscast/clipboard.h"
#include "kmscast/clock.h"
#include "kmscast/damage.h"
#include "kmscast/format.h"
#include "kmscast/hist.h"
#include "kmscast/hotplug.h"
#include "kmscast/kms.h"
#include "kmscast/pace.h"
#include "kmscast/selfstat.h"
#include "kmscast/testframe.h"
#include "kmscast/yuvconv.h"

#define CURSOR_MAX (PROTO_MAX_CURSOR_SIDE * PROTO_MAX_CURSOR_SIDE * 4)
#define TEST_W 1280
#define TEST_H 720
#define IDLE_EVERY 8

#define KEY_REQUEST_US 1000000ull /* keyframes on request: one a second at most */

struct stream;

struct viewer {
	struct streamer *st;
	struct session *s;
	struct viewer *next;
	struct stream *stream; /* its encoder, shared with viewers of the same settings */
	bool configured, control, wants_view_only, chroma420;
	/* Whether it has every frame of its stream since its last keyframe; a
	 * viewer that is not waits for one. A join gets one at once; one that
	 * fell behind or asked gets the stream's next (one a second at most). */
	bool synced, join_key;
	uint32_t seq;
	uint64_t cursor_gen; /* the cursor image last sent */
	int32_t cx, cy;
	bool cursor_sent, cursor_visible;
	unsigned long frames, skipped, missed, ignored_input;
	/* Input judged by the filter: invalid and over-limit events are logged
	 * once per session, blocked keys up to ten times. */
	unsigned long injected, blocked, limited, invalid;
	unsigned long cpu_frames; /* frames whose pixels the CPU converted (0 with VA-API) */
	/* Keyframes on request, at most one per KEY_REQUEST_US: a client that
	 * asks in a loop would have the host encode an IDR every tick. */
	uint64_t key_req_us;
	bool key_deferred, key_warned, key_waits_said;
	unsigned long key_requests, keys_on_request;
	struct hist encoded;    /* capture to encoded, per new frame */
	struct clip_peer *clip; /* its share of the clipboard, or NULL */
};

/* One encoder and what it reads, shared by every viewer that wants the
 * same stream: codec and rate are the daemon's, 4:2:0 is a viewer's (one
 * that decodes no 4:4:4). Sixteen viewers of one screen cost one encode. */
struct stream {
	struct streamer *st;
	struct stream *next;
	bool chroma420;
	unsigned viewers;
	struct encoder *enc;
	bool yuv_in;          /* the encoder reads planes (else RGB, or buffers) */
	struct yuvconv *conv; /* scanout to its planes */
	const struct format_info *conv_fmt;
	struct yuv_image yuv;
	uint8_t *rgb;       /* lossless: the frame, packed */
	uint8_t *acc;       /* tiles changed since its last encode */
	uint64_t frame_gen; /* the capture generation last encoded */
	uint64_t key_us;    /* the last keyframe not made for a join */
	bool failed;        /* no encoder: its viewers were told */
	unsigned long encodes, keys;
};

struct streamer {
	uv_loop_t *loop;
	struct streamer_options o;
	struct capture *cap;
	uv_timer_t timer;
	uv_poll_t *vblank_poll; /* open while pacing on vblank events */
	bool vblank_armed, closing;
	struct hotplug *hotplug;
	uv_timer_t rescan_timer; /* hotplug events come in bursts: one rescan after */
	uv_timer_t input_timer;  /* paced input waits for it (inputpace.h) */
	uint64_t last_rescan_ms;
	bool gone;                        /* the output is not there */
	bool blanked;                     /* its CRTC is off (DPMS): viewers see black */
	bool dark;                        /* not lit at all (no CRTC or no plane): black too */
	uint8_t *black;                   /* raw_len zero bytes: black in every format taken */
	uint32_t last_fourcc, last_pitch; /* of the last frame, for black at its size */
	int handles;
	struct pace pace;

	uint32_t w, h;
	size_t raw_len;
	struct damage *damage; /* this frame's, found once for every stream */
	bool have_frame;
	uint64_t frame_gen, frame_us;
	int last_err;
	unsigned long torn, peeks, grabs, changes, encodes;
	uint64_t idle_ticks, idle_checks, tiles_changed, tiles_seen;
	struct capture_peek peek; /* the planes at the last full grab */

	bool cursor_visible;
	int32_t cursor_x, cursor_y;
	uint16_t cursor_w, cursor_h;
	uint8_t cursor_img[CURSOR_MAX], cursor_tmp[CURSOR_MAX];
	uint64_t cursor_gen;
	/* Where the cursor was drawn into the video last (cursor_in_video). */
	bool drawn_visible;
	int32_t drawn_x, drawn_y;
	uint32_t drawn_w, drawn_h;

	uint8_t *test_payload;
	struct metrics *m; /* o.metrics, or own */
	struct metrics own;
	struct viewer *viewers;
	struct stream *streams;
	/* VA-API: frames stay on the GPU; change is judged by fb_id alone. */
	bool gpu;
	struct capture_buffer gpu_buf;
	/* The active console as last asked, and what was said of it. */
	enum capture_console console;
	bool console_asked;
	char console_why[256];
	/* The screen's side of it: the VT in front and its mode as last said,
	 * and when it was last asked (a flip makes it stale). */
	unsigned screen_vt;
	enum capture_console screen_mode;
	bool screen_stale;
	uint64_t screen_ms;
};

static void send_config(struct viewer *v)
{
	struct streamer *st = v->st;
	struct proto_msg m = {.type = PROTO_STREAM_CONFIG};
	bool test = st->o.source == SOURCE_TEST;
	m.u.config.width = (uint16_t)(test ? TEST_W : st->w);
	m.u.config.height = (uint16_t)(test ? TEST_H : st->h);
	m.u.config.codec = (uint8_t)(test ? PROTO_CODEC_TEST : st->o.codec);
	m.u.config.flags = v->control && st->o.input ? 0 : PROTO_CONFIG_VIEW_ONLY;
	m.u.config.fps_milli = st->o.fps * 1000u;
	conn_send(session_conn(v->s), &m);
	v->configured = true;
	v->synced = false;
	v->join_key = true; /* a new config: its decoder starts again */
}

/* What a stream holds for one frame size: freed on a new size. */
static void stream_reset(struct stream *s)
{
	encoder_destroy(s->enc);
	yuvconv_destroy(s->conv);
	yuv_image_free(&s->yuv);
	free(s->rgb);
	free(s->acc);
	s->enc = NULL;
	s->conv = NULL;
	s->conv_fmt = NULL;
	s->rgb = s->acc = NULL;
	s->failed = false;
}

static void stream_free(struct stream *s)
{
	stream_reset(s);
	free(s);
}

/* Every viewer of s is closed with why. */
static void stream_fail(struct stream *s, const char *why)
{
	log_printf(LOG_ERR, "%s", why);
	s->failed = true;
	for (struct viewer *v = s->st->viewers; v; v = v->next)
		if (v->stream == s)
			conn_close(session_conn(v->s), PROTO_ERR_INTERNAL, why);
}

/* The encoder and its input buffers, for the frame size now. */
static int stream_setup(struct stream *s, const struct format_info *fmt)
{
	struct streamer *st = s->st;
	char err[256];

	if (s->failed)
		return -1;
	if (!s->enc) {
		struct encoder_options eo = {
			.codec = st->o.codec,
			.kind = st->o.encoder,
			.width = st->w,
			.height = st->h,
			.fps = st->o.fps,
			.crf = st->o.crf,
			.bitrate_kbps = st->o.bitrate_kbps,
			.render_node = st->o.render_node,
			.vaapi_low_power = st->o.vaapi_low_power,
			.chroma420 = s->chroma420,
		};
		if (encoder_create(&eo, &s->enc, err, sizeof(err)) != 0) {
			s->enc = NULL;
			stream_fail(s, err);
			return -1;
		}
		bool c420;
		s->yuv_in = encoder_takes_yuv(s->enc, &c420);
		s->acc = calloc((size_t)st->damage->tw * st->damage->th, 1);
		if (!s->acc) {
			stream_fail(s, "out of memory for a stream");
			return -1;
		}
		if (s->yuv_in && yuv_image_alloc(&s->yuv, st->w, st->h, s->chroma420) < 0) {
			stream_fail(s, "out of memory for a stream's planes");
			return -1;
		}
		if (!s->yuv_in && !encoder_takes_buffers(s->enc) &&
		    !(s->rgb = malloc((size_t)st->w * st->h * 3 + ENCODER_RGB_SLACK))) {
			stream_fail(s, "out of memory for a stream's frame");
			return -1;
		}
	}
	if (s->yuv_in && fmt && s->conv_fmt != fmt) {
		yuvconv_destroy(s->conv);
		s->conv = NULL;
		if (yuvconv_create(fmt, st->w, st->h, s->chroma420, &s->conv) < 0) {
			stream_fail(s, "out of memory for a converter");
			return -1;
		}
		s->conv_fmt = fmt;
	}
	return 0;
}

/* The cursor as drawn into the video, or NULL. */
static const struct yuv_overlay *overlay(struct streamer *st, struct yuv_overlay *ov)
{
	if (!st->o.cursor_in_video || !st->cursor_visible)
		return NULL;
	*ov = (struct yuv_overlay){.x = st->cursor_x,
				   .y = st->cursor_y,
				   .w = st->cursor_w,
				   .h = st->cursor_h,
				   .pitch = (uint32_t)st->cursor_w * 4,
				   .argb = st->cursor_img};
	return ov;
}

/* The marked tiles of the frame at px into the stream's input. */
static int stream_convert(struct stream *s, const struct format_info *fmt, const uint8_t *px,
			  size_t pitch)
{
	struct streamer *st = s->st;
	const struct damage *d = st->damage;
	struct yuv_overlay ov;
	const struct yuv_overlay *o = overlay(st, &ov);

	if (stream_setup(s, fmt) < 0)
		return -1;
	if (s->yuv_in)
		return yuvconv_damaged(s->conv, d, px, pitch, o, &s->yuv);
	if (!s->rgb)
		return 0;
	/* Lossless: its packed frame, row by row of each run of tiles. */
	for (uint32_t ty = 0; ty < d->th; ty++) {
		uint32_t x0, n, from = 0;
		while (damage_run(d, ty, from, &x0, &n)) {
			uint32_t x = x0 * DAMAGE_TILE, w = n * DAMAGE_TILE;
			if (x + w > st->w)
				w = st->w - x;
			for (uint32_t y = ty * DAMAGE_TILE; y < (ty + 1) * DAMAGE_TILE && y < st->h;
			     y++)
				format_to_rgb8(fmt, px + (size_t)y * pitch + (size_t)x * fmt->cpp,
					       pitch, w, 1, s->rgb + ((size_t)y * st->w + x) * 3);
			from = x0 + n;
		}
	}
	/* Drawn where its tiles were converted just now (capture_tick marks
	 * all of them or none): never twice over the same pixels. */
	if (o && damage_rect_marked(d, o->x, o->y, o->w, o->h))
		format_blend_cursor(s->rgb, st->w, st->h, o->x, o->y, o->argb, o->w, o->h,
				    o->pitch);
	return 0;
}

/* A keyframe a client asked for, now. */
static void grant_key(struct viewer *v, uint64_t now)
{
	v->key_req_us = now;
	v->synced = false;
	v->join_key = false;
	v->keys_on_request++;
}

/* Sends what the stream just encoded to each of its viewers that can take
 * it: a keyframe to all of them, a delta to those in step. One that cannot
 * take it now misses it, and waits for a keyframe. t: when it was encoded. */
static void stream_send(struct stream *s, const uint8_t *data, size_t len, bool key, bool fresh,
			uint64_t t)
{
	struct streamer *st = s->st;

	for (struct viewer *v = st->viewers; v; v = v->next) {
		struct conn *c = session_conn(v->s);
		if (v->stream != s || !v->configured || !conn_is_open(c))
			continue;
		if (!conn_can_send_frame(c)) {
			v->skipped++;
			st->m->frames_dropped++;
			if (v->synced) {
				v->missed++;
				v->synced = false;
				v->join_key = false;
			}
			continue;
		}
		if (!key && !v->synced)
			continue;
		struct proto_msg m = {.type = PROTO_VIDEO_FRAME};
		m.u.frame.capture_us = st->frame_us;
		m.u.frame.seq = v->seq;
		m.u.frame.flags = key ? PROTO_FRAME_KEYFRAME : 0;
		m.u.frame.payload = data;
		m.u.frame.payload_len = (uint32_t)len;
		if (conn_send(c, &m) != 0) {
			v->synced = false; /* the encoder moved on without this client */
			v->join_key = false;
			continue;
		}
		if (fresh)
			hist_add(&v->encoded, t > st->frame_us ? t - st->frame_us : 0);
		v->seq++;
		v->frames++;
		v->cpu_frames += !st->gpu;
		st->m->frames_sent++;
		st->m->frames_cpu_copied += !st->gpu;
		v->synced = true;
	}
}

/* One encode for all of the stream's viewers, when something changed and
 * one of them can take it, or one waits for a keyframe it may have. */
static void stream_tick(struct stream *s, uint64_t now)
{
	struct streamer *st = s->st;
	bool fresh = s->frame_gen != st->frame_gen, ready = false, key = false;
	bool rekey = false; /* a viewer waits for a keyframe other than a join's */

	if (!st->have_frame || s->failed)
		return;
	for (struct viewer *v = st->viewers; v; v = v->next) {
		struct conn *c = session_conn(v->s);
		if (v->stream != s)
			continue;
		rekey |= !v->synced && !v->join_key;
		if (!v->configured || !conn_is_open(c) || !conn_can_send_frame(c))
			continue;
		if (v->synced) {
			ready |= fresh;
			continue;
		}
		/* Keyframes for whatever but a join: one a second per stream. */
		if (v->join_key || now - s->key_us >= KEY_REQUEST_US) {
			key = ready = true;
		} else if (!v->key_waits_said) {
			v->key_waits_said = true;
			log_printf(LOG_INFO,
				   "%s waits for a keyframe: its stream makes one a second at most",
				   session_fingerprint(v->s));
		}
	}
	if (!ready || stream_setup(s, NULL) < 0)
		return;
	const uint8_t *data;
	size_t len;
	bool is_key = key;
	char err[256] = "";
	struct damage view = *st->damage;
	view.tiles = s->acc;
	struct encoder_frame f = {.yuv = &s->yuv, .rgb = s->rgb, .damage = &view};
	int r = st->gpu ? encoder_encode_buffer(s->enc, &st->gpu_buf, key, &data, &len, &is_key,
						err, sizeof(err))
			: encoder_encode_frame(s->enc, &f, key, &data, &len, &is_key);
	if (r == -EAGAIN)
		return;
	if (r < 0) {
		char why[400];
		snprintf(why, sizeof(why), "encoding failed (%d)%s%s", r, err[0] ? ": " : "", err);
		stream_fail(s, why);
		return;
	}
	memset(s->acc, 0, (size_t)st->damage->tw * st->damage->th);
	s->frame_gen = st->frame_gen;
	s->encodes++;
	st->encodes++;
	st->m->frames_encoded++;
	uint64_t t = wall_us(); /* the frame is encoded: its latency ends here */
	if (fresh)
		metrics_latency(st->m, t > st->frame_us ? t - st->frame_us : 0);
	s->keys += is_key;
	if (is_key && rekey) /* a join's keyframe leaves the rate limit alone */
		s->key_us = now;
	stream_send(s, data, len, is_key, fresh, t);
	for (struct viewer *v = st->viewers; v; v = v->next)
		if (v->stream == s && v->synced)
			v->key_waits_said = false;
}

static void send_cursor(struct viewer *v)
{
	struct streamer *st = v->st;
	bool image = st->cursor_visible && v->cursor_gen != st->cursor_gen && st->cursor_w &&
		     st->cursor_w <= PROTO_MAX_CURSOR_SIDE && st->cursor_h <= PROTO_MAX_CURSOR_SIDE;
	if (v->cursor_sent && !image && v->cursor_visible == st->cursor_visible &&
	    (!st->cursor_visible || (v->cx == st->cursor_x && v->cy == st->cursor_y)))
		return;
	struct proto_msg m = {.type = PROTO_CURSOR};
	m.u.cursor.x = st->cursor_x;
	m.u.cursor.y = st->cursor_y;
	m.u.cursor.flags = st->cursor_visible ? PROTO_CURSOR_VISIBLE : 0;
	if (image) {
		m.u.cursor.flags |= PROTO_CURSOR_IMAGE;
		m.u.cursor.width = st->cursor_w;
		m.u.cursor.height = st->cursor_h;
		m.u.cursor.argb = st->cursor_img;
	}
	if (conn_send(session_conn(v->s), &m) == 0) {
		v->cursor_sent = true;
		v->cursor_visible = st->cursor_visible;
		v->cx = st->cursor_x;
		v->cy = st->cursor_y;
		if (image)
			v->cursor_gen = st->cursor_gen;
	}
}

/* A viewer's own part of a tick: its config, the cursor, a deferred
 * keyframe; with the test source, its synthetic frames. */
static void viewer_tick(struct viewer *v, uint64_t now)
{
	struct streamer *st = v->st;
	struct conn *c = session_conn(v->s);
	bool test = st->o.source == SOURCE_TEST;

	if (!conn_is_open(c) || (!test && !st->have_frame))
		return;
	if (v->key_deferred && now - v->key_req_us >= KEY_REQUEST_US) {
		v->key_deferred = false;
		grant_key(v, now);
	}
	if (!v->configured)
		send_config(v);
	if (!test) {
		if (!st->o.cursor_in_video)
			send_cursor(v);
		return;
	}
	if (!conn_can_send_frame(c)) {
		v->skipped++; /* skip the tick: never queue a stale frame */
		st->m->frames_dropped++;
		return;
	}
	struct proto_msg m = {.type = PROTO_VIDEO_FRAME};
	testframe_fill(v->seq, st->test_payload, st->o.test_bytes);
	m.u.frame.capture_us = wall_us();
	m.u.frame.seq = v->seq;
	m.u.frame.flags = v->synced ? 0 : PROTO_FRAME_KEYFRAME;
	m.u.frame.payload = st->test_payload;
	m.u.frame.payload_len = (uint32_t)st->o.test_bytes;
	if (conn_send(c, &m) != 0) {
		v->synced = false;
		return;
	}
	v->seq++;
	v->frames++;
	st->encodes++;
	st->m->frames_encoded++;
	st->m->frames_sent++;
	v->synced = true;
}

/* The absolute pointer spans the stream: a client's pixel is the host's. */
static void pointer_size(struct streamer *st, uint32_t w, uint32_t h)
{
	char err[256];
	if (!st->o.input)
		return;
	if (inject_set_output(st->o.input, w, h, err, sizeof(err)) != 0)
		log_printf(LOG_WARN, "input: %s", err);
	else
		log_printf(LOG_INFO, "input: kmscast absolute pointer at %s, %ux%u",
			   inject_devnode(st->o.input, INPUT_DEV_POINTER), w, h);
}

/* Viewers, the output or its size changed: the daemon's announcement follows. */
static void status_changed(struct streamer *st)
{
	if (st->o.on_status && !st->closing)
		st->o.on_status(st->o.status_data);
}

/* A new frame size: a new damage map, every stream's encoder and buffers
 * made again at it, and for each viewer a config and a keyframe. */
static int resize(struct streamer *st, uint32_t w, uint32_t h, size_t raw_len)
{
	damage_destroy(st->damage);
	st->damage = NULL;
	for (struct stream *s = st->streams; s; s = s->next)
		stream_reset(s);
	if (damage_create(w, h, &st->damage) < 0)
		return -ENOMEM;
	st->w = w;
	st->h = h;
	st->raw_len = raw_len;
	free(st->black);
	st->black = NULL;
	st->have_frame = false;
	for (struct viewer *v = st->viewers; v; v = v->next)
		v->configured = false;
	log_printf(LOG_INFO, "capturing %ux%u from %s", w, h, capture_output_name(st->cap));
	pointer_size(st, w, h);
	status_changed(st);
	return 0;
}

/* A failed capture step. -EAGAIN is no error: the plane flipped during a
 * read (capture_grab, a conversion), and the next tick tries again. */
static void want_rescan(struct streamer *st);

/* The capture holds a picture unlike the last, taken at t0. */
static void new_frame(struct streamer *st, uint64_t t0)
{
	st->changes++;
	st->frame_gen++;
	st->frame_us = t0;
	st->m->frames_captured++;
}

static void grab_error(struct streamer *st, int r, const char *err)
{
	if (r == -EAGAIN) {
		st->torn++;
		return;
	}
	st->m->capture_errors++;
	if (r != st->last_err && !st->gone) /* a rescan said why already */
		log_printf(LOG_WARN, "capture: %s", err);
	st->last_err = r;
	/* The output went dark or moved with no hotplug event (a modeset, a
	 * card that went): look for it again, twice a second at most. */
	if (r == -ENODATA || r == -ENOENT || r == -ENODEV)
		want_rescan(st);
}

/* Cursor: position in stream pixels, image only when its bytes change.
 * Returns whether anything about it changed (which ends idleness). */
static bool update_cursor(struct streamer *st, struct capture_frame *f)
{
	char err[256];
	bool moved = false;
	bool vis = f->has_cursor && f->cursor_w <= PROTO_MAX_CURSOR_SIDE &&
		   f->cursor_h <= PROTO_MAX_CURSOR_SIDE;
	if (vis) {
		size_t n = (size_t)f->cursor_w * f->cursor_h * 4;
		int32_t x = f->cursor_x - f->crtc_x, y = f->cursor_y - f->crtc_y;
		if (capture_read_bytes(st->cap, &f->cursor, st->cursor_tmp, n, err, sizeof(err)) ==
			    0 &&
		    (f->cursor_w != st->cursor_w || f->cursor_h != st->cursor_h ||
		     memcmp(st->cursor_tmp, st->cursor_img, n) != 0)) {
			memcpy(st->cursor_img, st->cursor_tmp, n);
			st->cursor_w = (uint16_t)f->cursor_w;
			st->cursor_h = (uint16_t)f->cursor_h;
			st->cursor_gen++;
			moved = true;
		}
		moved |= x != st->cursor_x || y != st->cursor_y;
		st->cursor_x = x;
		st->cursor_y = y;
	}
	moved |= vis != st->cursor_visible;
	st->cursor_visible = vis;
	if (moved)
		st->idle_ticks = 0;
	return moved;
}

/* The display server blanked the screen (DPMS off), turned the output off
 * altogether (dark: no CRTC lit, or no plane on it) or lit it again: said
 * once each way. A blanked or dark frame is streamed as black, which is
 * what its monitor shows, and without a cursor. The VA-API path encodes the
 * scanout buffer itself and has no black one to give: its viewers keep the
 * last picture, as the log says. Returns whether the state changed. */
static bool blank_follow(struct streamer *st, struct capture_frame *f, bool dark)
{
	const char *keep = st->gpu ? "VA-API has no black frame to send; viewers keep the "
				     "last picture until it lights"
				   : "streaming black until it lights again";
	if (f->blanked)
		f->has_cursor = false;
	if (!!f->blanked == st->blanked && dark == st->dark)
		return false;
	bool was = st->blanked;
	st->blanked = f->blanked;
	st->dark = dark;
	if (dark)
		log_printf(LOG_INFO,
			   "%s went dark (the display server turned it off or left it: no "
			   "CRTC lit, or no plane on it): %s",
			   capture_output_name(st->cap), keep);
	else if (st->blanked)
		log_printf(LOG_INFO,
			   "%s was blanked by the display server (DPMS off, its CRTC "
			   "inactive): %s",
			   capture_output_name(st->cap), keep);
	else if (was)
		log_printf(LOG_INFO, "%s is lit again: streaming it", capture_output_name(st->cap));
	return true;
}

/* A grab that found the output dark (r): a frame of black at the last
 * frame's size and format, once there was one; the error is handled as
 * any (said once, the output looked for again). */
static bool dark_frame(struct streamer *st, int r, const char *err, struct capture_frame *f)
{
	if (st->gpu || !st->damage || !st->last_fourcc || (r != -ENOENT && r != -ENODATA))
		return false;
	grab_error(st, r, err);
	memset(f, 0, sizeof(*f));
	f->blanked = 1;
	f->fb.width = st->w;
	f->fb.height = st->h;
	f->fb.pitch[0] = st->last_pitch;
	f->fb.fourcc = st->last_fourcc;
	return true;
}

static void ask_console(struct streamer *st);

/* A new buffer on the plane may be another VT's or another display
 * server's: the console is asked again, at most once a second (a flip
 * during that second is asked about when it is over). */
static void screen_follow(struct streamer *st, bool flipped)
{
	st->screen_stale |= flipped;
	if (st->screen_stale && uv_now(st->loop) - st->screen_ms >= 1000)
		ask_console(st);
}

/* What capture_peek would see of f. */
static struct capture_peek peek_of(const struct capture_frame *f)
{
	return (struct capture_peek){f->fb.fb_id, f->has_cursor ? f->cursor.fb_id : 0,
				     f->has_cursor ? f->cursor_x : 0,
				     f->has_cursor ? f->cursor_y : 0};
}

/* The cursor drawn into the video: where it was and where it is are drawn
 * again whenever it moved or anything under it changed, so that a stream
 * never blends it twice over the same pixels. */
static void mark_cursor(struct streamer *st, bool cursor_moved)
{
	struct damage *d = st->damage;
	bool under = (st->drawn_visible &&
		      damage_rect_marked(d, st->drawn_x, st->drawn_y, st->drawn_w, st->drawn_h)) ||
		     (st->cursor_visible && damage_rect_marked(d, st->cursor_x, st->cursor_y,
							       st->cursor_w, st->cursor_h));
	if (!cursor_moved && !under)
		return;
	if (st->drawn_visible)
		damage_mark_rect(d, st->drawn_x, st->drawn_y, st->drawn_w, st->drawn_h);
	if (st->cursor_visible)
		damage_mark_rect(d, st->cursor_x, st->cursor_y, st->cursor_w, st->cursor_h);
	st->drawn_visible = st->cursor_visible;
	st->drawn_x = st->cursor_x;
	st->drawn_y = st->cursor_y;
	st->drawn_w = st->cursor_w;
	st->drawn_h = st->cursor_h;
}

/* An idle screen is looked at every this many ticks: about four times a
 * second (IDLE_EVERY at most). At a low --fps that is every tick, since a
 * peek at the planes alone would miss a buffer that flipped away and back
 * (double buffering) for seconds. */
static unsigned idle_every(const struct streamer *st)
{
	unsigned every = st->o.fps / 4;
	return every < 1 ? 1 : every > IDLE_EVERY ? IDLE_EVERY : every;
}

/* One capture: finds what changed in the frame once (the damage map), and
 * converts just that into each stream's input, read straight from the
 * scanout buffer: no copy of the frame is kept. */
static void capture_once(struct streamer *st)
{
	struct capture_frame f;
	char err[256];
	/* Idle for a second: between full checks, only ask the planes whether
	 * anything flipped or the cursor moved. */
	if (st->have_frame && st->idle_ticks >= st->o.fps && st->idle_ticks % idle_every(st)) {
		struct capture_peek p;
		st->peeks++;
		st->idle_ticks++;
		if (capture_peek(st->cap, &p) == 0 && memcmp(&p, &st->peek, sizeof(p)) == 0)
			return; /* a moving cursor ends idleness */
	}
	if (++st->grabs % 1000 == 0)
		log_printf(LOG_DEBUG,
			   "streamer: %lu grabs; %d open fds, RSS %ld kB, "
			   "anonymous %ld kB",
			   st->grabs, selfstat_fds(), selfstat_rss_kb(), selfstat_anon_kb());
	/* A frame's time is when its grab began: latency counts the reading. */
	uint64_t t0 = wall_us();
	int r = capture_grab(st->cap, &f, err, sizeof(err));
	bool dark = r && dark_frame(st, r, err, &f);
	if (r && !dark) {
		grab_error(st, r, err);
		return;
	}
	bool blank_changed = blank_follow(st, &f, dark);
	screen_follow(st, f.fb.fb_id != st->peek.fb_id);
	size_t raw_len = (size_t)f.fb.pitch[0] * f.fb.height;
	if (f.fb.width != st->w || f.fb.height != st->h || raw_len != st->raw_len || !st->damage) {
		if (f.fb.width > PROTO_MAX_DIMENSION || f.fb.height > PROTO_MAX_DIMENSION ||
		    resize(st, f.fb.width, f.fb.height, raw_len) != 0) {
			grab_error(st, -ENOMEM, "frame too large");
			return;
		}
	}
	if (st->gpu) {
		/* Zero-copy: the encoder imports the buffer itself. */
		bool flipped = f.fb.fb_id != st->peek.fb_id || !st->have_frame || blank_changed;
		st->peek = peek_of(&f);
		st->gpu_buf = f.fb;
		st->last_err = 0;
		st->idle_ticks = flipped ? 0 : st->idle_ticks + 1;
		if (flipped)
			new_frame(st, t0);
		st->have_frame = true;
		update_cursor(st, &f);
		return;
	}
	const struct format_info *fmt = format_lookup(f.fb.fourcc);
	st->last_fourcc = f.fb.fourcc;
	st->last_pitch = f.fb.pitch[0];
	bool cursor_moved = update_cursor(st, &f);
	/* A flip is a new picture: it is scanned whole. A buffer that did not
	 * flip changes only by front-buffer drawing, which is rare: each look
	 * hashes one row in IDLE_EVERY, the next ones the next time (a change
	 * IDLE_EVERY rows tall, a line of text, shows at the first look, any
	 * change within IDLE_EVERY looks), and a hit is scanned whole at once.
	 * After a second of no change, it is looked at only about four times a
	 * second: most of the cost of an idle screen is reading it. "Did not
	 * flip" means the same fb_id, which may also be a buffer that flipped
	 * away and back between two ticks: the sampled look finds that too. */
	bool flipped = f.fb.fb_id != st->peek.fb_id || blank_changed;
	st->peek = peek_of(&f);
	bool sampled = st->have_frame && !flipped;
	bool check = !sampled || st->idle_ticks < st->o.fps ||
		     st->idle_ticks % idle_every(st) == 0 ||
		     (st->o.cursor_in_video && cursor_moved);
	const uint8_t *px = NULL;
	struct damage *d = st->damage;
	if (check && f.blanked) {
		if (!st->black && !(st->black = calloc(1, raw_len))) {
			grab_error(st, -ENOMEM, "out of memory for a blanked screen");
			return;
		}
		px = st->black;
	} else if (check && (r = capture_cpu_begin(st->cap, &f.fb, &px, err, sizeof(err))) < 0) {
		grab_error(st, r, err);
		return;
	}
	if (check) {
		if (!st->have_frame)
			damage_all(d);
		if (sampled) {
			damage_scan(d, px, f.fb.pitch[0], fmt->cpp,
				    (unsigned)(st->idle_checks++ % IDLE_EVERY), IDLE_EVERY);
			if (d->n_damaged)
				damage_scan(d, px, f.fb.pitch[0], fmt->cpp, 0, 1); /* all of it */
		} else {
			damage_scan(d, px, f.fb.pitch[0], fmt->cpp, 0, 1);
		}
		if (st->o.cursor_in_video)
			mark_cursor(st, cursor_moved);
		st->tiles_seen += (uint64_t)d->tw * d->th;
		for (struct stream *s = st->streams; s && d->n_damaged; s = s->next)
			if (s->viewers)
				stream_convert(s, fmt, px, f.fb.pitch[0]);
		if (!f.blanked)
			capture_cpu_end(st->cap, &f.fb);
		/* A flip while the buffer was read may have mixed two frames:
		 * its tiles are read again next time. */
		if (!f.blanked && d->n_damaged && !capture_is_current(st->cap, f.fb.fb_id)) {
			damage_forget(d);
			damage_clear(d);
			grab_error(st, -EAGAIN, "");
			return;
		}
	}
	bool changed = d->n_damaged > 0;
	st->idle_ticks = changed ? 0 : st->idle_ticks + 1;
	if (!dark)
		st->last_err = 0; /* a dark output's error is said once */
	if (changed) {
		size_t n = (size_t)d->tw * d->th;
		for (struct stream *s = st->streams; s; s = s->next)
			for (size_t i = 0; s->acc && i < n; i++)
				s->acc[i] |= d->tiles[i];
		st->tiles_changed += d->n_damaged;
		new_frame(st, t0);
		damage_clear(d);
	}
	st->have_frame = true;
}

/* A read that tore is done again at once, not a period later: at a low
 * --fps, or where reading is slow (a 1080p frame under emulation), a
 * period is long and tears are many. Once: a plane that flips during
 * every read is read again at the next tick. */
static void capture_tick(struct streamer *st)
{
	unsigned long torn = st->torn;

	capture_once(st);
	if (st->torn != torn)
		capture_once(st);
}

static void tick(struct streamer *st)
{
	uint64_t now = mono_us();
	if (st->o.source == SOURCE_CAPTURE)
		capture_tick(st);
	for (struct viewer *v = st->viewers; v; v = v->next)
		viewer_tick(v, now);
	if (st->o.source == SOURCE_CAPTURE)
		for (struct stream *s = st->streams; s; s = s->next)
			stream_tick(s, now);
}

static void schedule_timer(struct streamer *st);

static void on_timer(uv_timer_t *t)
{
	struct streamer *st = t->data;
	tick(st);
	schedule_timer(st);
}

static bool idle(const struct streamer *st)
{
	return st->o.source == SOURCE_CAPTURE && st->have_frame && st->idle_ticks >= st->o.fps;
}

/* An idle screen is looked at every other period: waking up is most of
 * what it costs. */
static void schedule_timer(struct streamer *st)
{
	if (!st->viewers)
		return; /* nobody watches: no ticks */
	uint64_t now = mono_us();
	uint64_t next = pace_next_tick(&st->pace, now, idle(st) ? 2 : 1);
	uv_timer_start(&st->timer, on_timer, (next - now + 999) / 1000, 0);
}

/* Ticks on the clock: no vblank event is armed or watched. */
static void pace_on_timer(struct streamer *st)
{
	st->vblank_armed = false;
	if (st->vblank_poll)
		uv_poll_stop(st->vblank_poll);
	if (!uv_is_active((uv_handle_t *)&st->timer))
		schedule_timer(st);
}

static void on_vblank(struct streamer *st, uint64_t t)
{
	st->vblank_armed = false;
	if (!st->viewers) {
		/* The event armed before the last viewer left: the chain ends. */
		if (st->vblank_poll)
			uv_poll_stop(st->vblank_poll);
		return;
	}
	if (pace_vblank(&st->pace, t ? t : mono_us()))
		tick(st);
	if (st->closing)
		return;
	int r = capture_vblank_arm(st->cap);
	if (r == 0) {
		st->vblank_armed = true;
		return;
	}
	/* The CRTC went off (DPMS, unplug): keep streaming on the clock. */
	log_printf(LOG_INFO,
		   "vblank events on CRTC %u stopped (%s): pacing with a "
		   "timer at %u fps",
		   capture_crtc_id(st->cap), strerror(-r), st->o.fps);
	pace_on_timer(st);
}

static void on_card(uv_poll_t *h, int status, int events)
{
	struct streamer *st = h->data;
	uint64_t t;
	(void)events;
	if (status < 0)
		return;
	if (capture_vblank_read(st->cap, &t) == 1)
		on_vblank(st, t);
}

static void handle_closed(uv_handle_t *h)
{
	struct streamer *st = h->data;
	if (--st->handles > 0)
		return;
	free(st);
}

static void poll_closed(uv_handle_t *h)
{
	handle_closed(h);
	free(h);
}

/* Before the card fd it polls may be closed: libuv drops an fd from epoll
 * by number, which a new card may have taken by then. */
static void close_vblank_poll(struct streamer *st)
{
	if (!st->vblank_poll)
		return;
	uv_poll_stop(st->vblank_poll);
	uv_close((uv_handle_t *)st->vblank_poll, poll_closed);
	st->vblank_poll = NULL;
	st->vblank_armed = false;
}

static void start_pacing(struct streamer *st)
{
	pace_init(&st->pace, st->o.fps, mono_us());
	if (st->o.source == SOURCE_CAPTURE && st->vblank_armed && st->vblank_poll) {
		/* One event is still coming (armed before the last viewer left):
		 * its chain goes on, a second would double it. */
		uv_poll_start(st->vblank_poll, UV_READABLE, on_card);
		return;
	}
	if (st->o.source == SOURCE_CAPTURE) {
		int r = capture_vblank_arm(st->cap);
		if (r == 0) {
			st->vblank_armed = true;
			if (!st->vblank_poll) {
				st->vblank_poll = malloc(sizeof(*st->vblank_poll));
				if (!st->vblank_poll || uv_poll_init(st->loop, st->vblank_poll,
								     capture_vblank_fd(st->cap))) {
					free(st->vblank_poll);
					st->vblank_poll = NULL;
					log_printf(LOG_WARN,
						   "cannot poll for vblank events: "
						   "pacing with a timer at %u fps",
						   st->o.fps);
					pace_on_timer(st);
					return;
				}
				st->vblank_poll->data = st;
				st->handles++;
			}
			uv_timer_stop(&st->timer);
			uv_poll_start(st->vblank_poll, UV_READABLE, on_card);
			log_printf(LOG_INFO,
				   "pacing on vblank events of CRTC %u, at most "
				   "%u fps",
				   capture_crtc_id(st->cap), st->o.fps);
			return;
		}
		log_printf(LOG_INFO,
			   "no vblank events on CRTC %u (%s): pacing with a "
			   "timer at %u fps",
			   capture_crtc_id(st->cap), strerror(-r), st->o.fps);
	}
	pace_on_timer(st);
}

/* A card's connectors changed, or grabs failed: find the output again; a
 * new CRTC, plane or card (or the output back) means a new config and a
 * keyframe for everyone. */
static void on_rescan(uv_timer_t *t)
{
	struct streamer *st = t->data;
	char err[256];
	bool was_gone = st->gone;
	/* A capture of its own may close the card the vblank poll watches. */
	bool repace = !st->o.helper && st->vblank_poll;
	if (repace)
		close_vblank_poll(st);
	st->last_rescan_ms = uv_now(st->loop);
	int r = capture_rescan(st->cap, err, sizeof(err));
	if (r < 0) {
		if (!was_gone)
			log_printf(LOG_WARN,
				   "%s; still running, and streaming again "
				   "when it is back",
				   err);
		st->gone = true;
		/* An event armed on a CRTC that went may never come. */
		pace_on_timer(st);
		return;
	}
	st->gone = false;
	bool changed = r == 1 || was_gone;
	if (changed) {
		log_printf(LOG_INFO,
			   "%s %s on CRTC %u: sending a new config and a "
			   "keyframe",
			   capture_output_name(st->cap), was_gone ? "is back" : "moved; now",
			   capture_crtc_id(st->cap));
		st->have_frame = false;
		memset(&st->peek, 0, sizeof(st->peek));
		st->idle_ticks = 0;
		for (struct viewer *v = st->viewers; v; v = v->next)
			v->configured = false;
		status_changed(st);
	}
	if ((repace || changed) && !st->vblank_armed && st->viewers) {
		uv_timer_stop(&st->timer);
		start_pacing(st);
	}
}

/* Now, unless a rescan is already coming; twice a second at most. */
static void want_rescan(struct streamer *st)
{
	uint64_t now = uv_now(st->loop), earliest = st->last_rescan_ms + 500;
	if (!uv_is_active((uv_handle_t *)&st->rescan_timer))
		uv_timer_start(&st->rescan_timer, on_rescan, now < earliest ? earliest - now : 0,
			       0);
}

static void on_hotplug(void *data, struct udev_device *d, const char *action)
{
	struct streamer *st = data;
	(void)d;
	(void)action;
	uv_timer_start(&st->rescan_timer, on_rescan, 100, 0);
}

int streamer_create(uv_loop_t *loop, const struct streamer_options *o, struct streamer **out,
		    char *err, size_t len)
{
	struct streamer *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->loop = loop;
	st->o = *o;
	st->m = o->metrics ? o->metrics : &st->own;
	st->gpu = o->source == SOURCE_CAPTURE && o->encoder == ENCODER_VAAPI;
	if (o->source == SOURCE_TEST) {
		st->test_payload = malloc(o->test_bytes);
		if (!st->test_payload) {
			free(st);
			return -ENOMEM;
		}
	} else {
		struct capture_options co = {.output = o->output,
					     .cursor = true,
					     .follow_cards = true,
					     .device = o->device};
		int r = o->helper ? capture_create_remote(o->helper, &st->cap, err, len)
				  : capture_create(o->card_fd, &co, &st->cap, err, len);
		if (r) {
			free(st);
			return r;
		}
	}
	if (o->source == SOURCE_TEST)
		pointer_size(st, TEST_W, TEST_H);
	uv_timer_init(loop, &st->timer);
	st->timer.data = st;
	uv_timer_init(loop, &st->rescan_timer);
	st->rescan_timer.data = st;
	uv_timer_init(loop, &st->input_timer);
	st->input_timer.data = st;
	st->handles = 3;
	if (o->source == SOURCE_CAPTURE) {
		static const char *const subsystems[] = {"drm", NULL};
		char why[256];
		if (hotplug_create(loop, subsystems, on_hotplug, st, &st->hotplug, why,
				   sizeof(why)) != 0)
			log_printf(LOG_WARN,
				   "%s: output changes are seen only when the "
				   "frame size changes",
				   why);
	}
	/* Pacing starts with the first viewer (streamer_add). */
	*out = st;
	return 0;
}

/* The first viewer came: capture from a clean slate (the screen changed
 * unseen meanwhile) and tick at once, so that it gets a keyframe now. */
static void start_watching(struct streamer *st)
{
	st->m->capture_running = true;
	if (st->o.source == SOURCE_CAPTURE) {
		int r = capture_watch(st->cap, true);
		if (r < 0)
			log_printf(LOG_WARN, "capture helper: %s", strerror(-r));
		st->have_frame = false;
		memset(&st->peek, 0, sizeof(st->peek));
		st->idle_ticks = 0;
		log_printf(LOG_INFO, "a viewer: capturing %s", capture_output_name(st->cap));
	}
	start_pacing(st);
}

/* The last viewer left: no grabs and no timers until the next one. A
 * vblank event already armed still comes, and ends the chain. */
static void stop_watching(struct streamer *st)
{
	st->m->capture_running = false;
	uv_timer_stop(&st->timer);
	if (st->o.source != SOURCE_CAPTURE)
		return;
	if (st->vblank_poll && !st->vblank_armed)
		uv_poll_stop(st->vblank_poll);
	capture_watch(st->cap, false);
	log_printf(LOG_INFO, "no viewer: capture stopped (%lu grabs so far)", st->grabs);
}

static void viewer_free(struct viewer *v)
{
	if (v->st->o.clipboard)
		clipboard_leave(v->st->o.clipboard, v->clip);
	free(v);
}

void streamer_destroy(struct streamer *st)
{
	if (!st)
		return;
	st->closing = true;
	for (struct viewer *v = st->viewers, *n; v; v = n) {
		n = v->next;
		session_set_data(v->s, NULL);
		viewer_free(v);
	}
	st->viewers = NULL;
	if (st->cap)
		log_printf(
			LOG_INFO,
			"%lu idle peeks, %lu grabs, %lu changes (%.1f %% of the tiles looked at), "
			"%lu frames encoded, %lu reads retried because the buffer flipped "
			"during the read",
			st->peeks, st->grabs, st->changes,
			st->tiles_seen ? 100.0 * (double)st->tiles_changed / (double)st->tiles_seen
				       : 0.0,
			st->encodes, st->torn);
	for (struct stream *s = st->streams, *n; s; s = n) {
		n = s->next;
		stream_free(s);
	}
	st->streams = NULL;
	close_vblank_poll(st);
	capture_destroy(st->cap);
	st->cap = NULL;
	damage_destroy(st->damage);
	free(st->test_payload);
	free(st->black);
	uv_timer_stop(&st->timer);
	uv_close((uv_handle_t *)&st->timer, handle_closed);
	uv_timer_stop(&st->rescan_timer);
	uv_close((uv_handle_t *)&st->rescan_timer, handle_closed);
	uv_timer_stop(&st->input_timer);
	uv_close((uv_handle_t *)&st->input_timer, handle_closed);
	hotplug_destroy(st->hotplug);
}

static struct viewer *controller(struct streamer *st)
{
	for (struct viewer *v = st->viewers; v; v = v->next)
		if (v->control)
			return v;
	return NULL;
}

static const char *screen_owner(enum capture_console c)
{
	return c == CAPTURE_CONSOLE_GRAPHICS ? "a display server draws the screen"
					     : "the kernel's text console draws the screen";
}

/* Who draws the screen, said in words when it changes: a VT switch, or a
 * display server that took the screen or let it go (stopped, crashed). */
static void say_screen(struct streamer *st, enum capture_console c, unsigned vt)
{
	if (!vt || (c != CAPTURE_CONSOLE_TEXT && c != CAPTURE_CONSOLE_GRAPHICS))
		return; /* no consoles, or it cannot be asked: said elsewhere */
	if (vt == st->screen_vt && c == st->screen_mode)
		return;
	if (!st->screen_vt)
		log_printf(LOG_INFO, "tty%u is in front: %s", vt, screen_owner(c));
	else if (vt != st->screen_vt)
		log_printf(LOG_INFO, "the console switched from tty%u to tty%u: %s", st->screen_vt,
			   vt, screen_owner(c));
	else if (c == CAPTURE_CONSOLE_TEXT)
		log_printf(LOG_INFO,
			   "tty%u is a text console again: the display server on it stopped "
			   "or let go of the screen",
			   vt);
	else
		log_printf(LOG_INFO,
			   "tty%u went into graphics mode: a display server took the screen", vt);
	st->screen_vt = vt;
	st->screen_mode = c;
}

/* Asks whoever holds the card what the active console is, for a batch
 * whose Alt+Fn or Alt+arrow means one thing on a text console and another
 * in a desktop; each change, and why it cannot be told, is logged once. */
static void ask_console(struct streamer *st)
{
	static const char *const names[] = {
		[CAPTURE_CONSOLE_UNKNOWN] = "unknown",
		[CAPTURE_CONSOLE_TEXT] = "a text console: Alt+Fn and Alt+Left/Right are blocked",
		[CAPTURE_CONSOLE_GRAPHICS] = "graphical: Alt+Fn and Alt+Left/Right pass",
		[CAPTURE_CONSOLE_NONE] = "absent (no /dev/tty0): Alt+Fn and Alt+Left/Right pass",
	};
	char why[256] = "there is no capture to ask (a test source)";
	unsigned vt = 0;
	int m = st->cap ? capture_console(st->cap, &vt, why, sizeof(why)) : -ENODEV;
	enum capture_console c = m < 0 ? CAPTURE_CONSOLE_UNKNOWN : (enum capture_console)m;

	st->screen_ms = uv_now(st->loop);
	st->screen_stale = false;
	say_screen(st, c, vt);
	if (!st->o.input)
		return;
	inputfilter_set_console(inject_filter(st->o.input), c);
	if (st->console_asked && c == st->console && (m >= 0 || !strcmp(why, st->console_why)))
		return;
	st->console_asked = true;
	st->console = c;
	if (m < 0) {
		snprintf(st->console_why, sizeof(st->console_why), "%s", why);
		log_printf(LOG_WARN,
			   "input: the active console's mode is unknown (%s): Alt+Fn and "
			   "Alt+Left/Right are blocked as on a text console",
			   why);
	} else {
		log_printf(LOG_INFO, "input: the active console is %s", names[c]);
	}
}

static void input_written(int r)
{
	if (r < 0)
		log_printf(LOG_WARN, "input: writing to uinput failed: %s", strerror(-r));
}

static void on_input_timer(uv_timer_t *t);

/* What the devices' pacing holds back is written when it is due. */
static void input_schedule(struct streamer *st)
{
	uint64_t due = inject_due(st->o.input), now = mono_us();
	if (!due || st->closing) {
		uv_timer_stop(&st->input_timer);
		return;
	}
	uv_timer_start(&st->input_timer, on_input_timer, due > now ? (due - now + 999) / 1000 : 0,
		       0);
}

static void on_input_timer(uv_timer_t *t)
{
	struct streamer *st = t->data;
	input_written(inject_pump(st->o.input, mono_us()));
	input_schedule(st);
}

static void input(struct streamer *st, struct viewer *v, const struct proto_input *in)
{
	const char *fp = session_fingerprint(v->s);
	struct proto_input_event evs[PROTO_MAX_INPUT_EVENTS];
	struct inputfilter_report rep;
	if (!st->o.input) {
		if (v->ignored_input++ == 0)
			log_printf(LOG_WARN,
				   "input from %s dropped: this daemon has no "
				   "input devices",
				   fp);
		return;
	}
	for (unsigned i = 0; i < in->count; i++)
		proto_input_get(in, i, &evs[i]);
	if (inputfilter_console_matters(inject_filter(st->o.input), evs, in->count))
		ask_console(st);
	input_written(inject_batch(st->o.input, evs, in->count, mono_us(), &rep));
	input_schedule(st);
	for (unsigned i = 0;
	     i < rep.blocked && i < INPUTFILTER_BLOCKED_NAMED && v->blocked + i < 10; i++) {
		const char *name = libevdev_event_code_get_name(EV_KEY, rep.blocked_code[i]);
		log_printf(LOG_WARN, "input from %s: blocked %s%s%s (%s permits it)", fp,
			   rep.blocked_with[i], name && !strncmp(name, "KEY_", 4) ? name + 4 : "?",
			   rep.blocked_where[i], rep.blocked_option[i]);
	}
	if (rep.invalid && !v->invalid)
		log_printf(LOG_WARN, "input from %s: dropped %u events: %s", fp, rep.invalid,
			   rep.why);
	if (rep.limited && !v->limited)
		log_printf(LOG_WARN, "input from %s: %s; dropping events (releases still pass)", fp,
			   rep.backlog ? "faster than the host's devices take it"
				       : "over the rate limit");
	v->injected += rep.injected;
	v->blocked += rep.blocked;
	v->limited += rep.limited;
	v->invalid += rep.invalid;
}

/* The controller is gone: nothing it held stays held. */
static void input_done(struct streamer *st, struct viewer *v)
{
	if (!st->o.input)
		return;
	unsigned n = inject_release_all(st->o.input, mono_us());
	input_schedule(st);
	log_printf(
		LOG_INFO,
		"input from %s: %lu events injected, %lu key presses "
		"blocked, %lu over the rate limit, %lu invalid; released %u held keys and buttons",
		session_fingerprint(v->s), v->injected, v->blocked, v->limited, v->invalid, n);
}

static enum metrics_kind kind_of(const struct session *s)
{
	return session_is_web(s) ? METRICS_BROWSER : METRICS_NATIVE;
}

void streamer_add(struct streamer *st, struct session *s)
{
	const struct proto_hello *h = session_hello(s);
	unsigned viewers = 0;
	for (struct viewer *v = st->viewers; v; v = v->next)
		viewers += !v->control;
	bool wants_view = h->flags & PROTO_HELLO_VIEW_ONLY;
	bool control = !wants_view && !controller(st);
	if (!control && viewers >= st->o.max_viewers) {
		char why[160];
		snprintf(why, sizeof(why), "the viewer limit (%u) is reached; try again later",
			 st->o.max_viewers);
		log_printf(LOG_INFO, "refused %s: %s", session_fingerprint(s), why);
		st->m->refused[METRICS_REFUSED_FULL]++;
		conn_close(session_conn(s), PROTO_ERR_REFUSED, why);
		return;
	}
	struct viewer *v = calloc(1, sizeof(*v));
	if (!v) {
		conn_close(session_conn(s), PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	v->st = st;
	v->s = s;
	v->control = control;
	v->wants_view_only = wants_view;
	v->cursor_gen = (uint64_t)-1;
	v->join_key = true;
	bool capture = st->o.source == SOURCE_CAPTURE;
	/* 4:2:0 for a viewer that decodes no 4:4:4, from a software encoder
	 * of its own kind; everyone else shares the 4:4:4 (or lossless, or
	 * VA-API) stream. */
	v->chroma420 = (h->flags & PROTO_HELLO_NO_444) && st->o.codec != PROTO_CODEC_LOSSLESS &&
		       st->o.encoder != ENCODER_VAAPI;
	bool new_stream = false;
	if (capture) {
		for (struct stream *k = st->streams; k && !v->stream; k = k->next)
			if (k->chroma420 == v->chroma420)
				v->stream = k;
		if (!v->stream) {
			v->stream = calloc(1, sizeof(*v->stream));
			if (!v->stream) {
				free(v);
				conn_close(session_conn(s), PROTO_ERR_INTERNAL, "out of memory");
				return;
			}
			v->stream->st = st;
			v->stream->chroma420 = v->chroma420;
			v->stream->next = st->streams;
			st->streams = v->stream;
			new_stream = true;
		}
		v->stream->viewers++;
	}
	bool first = !st->viewers;
	v->next = st->viewers;
	st->viewers = v;
	st->m->viewers[kind_of(s)]++;
	session_set_data(s, v);
	log_printf(LOG_INFO, "%s joins %s%s", session_fingerprint(s),
		   control ? "in control" : "view-only",
		   new_stream && !first ? " (a stream of its own: a new encoder)" : "");
	if (v->chroma420)
		log_printf(LOG_INFO, "client %s decodes no 4:4:4: encoding 4:2:0 for it",
			   session_fingerprint(s));
	if (first)
		start_watching(st);
	if (capture && (first || new_stream)) {
		st->have_frame = false; /* a new stream's planes are filled whole */
		capture_tick(st);
	}
	/* A config and a keyframe now, not at the next tick. */
	uint64_t now = mono_us();
	viewer_tick(v, now);
	if (capture)
		stream_tick(v->stream, now);
	if (st->o.clipboard)
		v->clip = clipboard_join(st->o.clipboard, s, control);
	status_changed(st);
}

/* Hands control to the longest-waiting client that did not ask to only
 * watch. */
static void pass_control(struct streamer *st)
{
	struct viewer *next = NULL;
	for (struct viewer *w = st->viewers; w; w = w->next)
		if (!w->wants_view_only)
			next = w;
	if (next) {
		next->control = true;
		send_config(next);
		if (st->o.clipboard)
			clipboard_control(st->o.clipboard, next->clip, true);
		log_printf(LOG_INFO, "%s now in control", session_fingerprint(next->s));
	}
}

void streamer_remove(struct streamer *st, struct session *s)
{
	struct viewer *v = session_data(s), **pp;
	if (!v)
		return;
	for (pp = &st->viewers; *pp && *pp != v; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = v->next;
	st->m->viewers[kind_of(s)]--;
	log_printf(LOG_INFO,
		   "%s: %lu frames sent (%lu copied by the CPU), %lu ticks "
		   "skipped for backpressure (%lu frames missed), %lu keyframes on %lu requests; "
		   "capture to encoded p50 %.1f ms, p99 %.1f ms",
		   session_fingerprint(s), v->frames, v->cpu_frames, v->skipped, v->missed,
		   v->keys_on_request, v->key_requests, hist_quantile(&v->encoded, 0.5) / 1000.0,
		   hist_quantile(&v->encoded, 0.99) / 1000.0);
	bool was_control = v->control;
	if (was_control)
		input_done(st, v);
	session_set_data(s, NULL);
	struct stream *k = v->stream;
	viewer_free(v);
	if (k && --k->viewers == 0) {
		struct stream **sp;
		for (sp = &st->streams; *sp && *sp != k; sp = &(*sp)->next)
			;
		if (*sp)
			*sp = k->next;
		log_printf(LOG_INFO,
			   "a stream's last viewer left: %lu frames encoded, %lu keyframes",
			   k->encodes, k->keys);
		stream_free(k);
	}
	if (!st->viewers && !st->closing)
		stop_watching(st);
	if (was_control)
		pass_control(st);
	status_changed(st);
}

void streamer_message(struct streamer *st, struct session *s, const struct proto_msg *m)
{
	struct viewer *v = session_data(s);
	if (!v)
		return;
	switch (m->type) {
	case PROTO_CLIPBOARD:
	case PROTO_CLIPBOARD_NOTICE:
		if (st->o.clipboard)
			clipboard_from_client(st->o.clipboard, v->clip, m);
		break;
	case PROTO_KEYFRAME_REQUEST: {
		uint64_t now = mono_us();
		log_printf(LOG_DEBUG, "%s asked for a keyframe", session_fingerprint(s));
		if (v->key_requests++ && now - v->key_req_us < KEY_REQUEST_US) {
			/* Served when the second is up, not dropped: the client may
			 * really have lost its decoder's state. */
			if (!v->key_warned)
				log_printf(LOG_WARN,
					   "%s asks for keyframes faster than one a "
					   "second; it gets at most one a second",
					   session_fingerprint(s));
			v->key_warned = true;
			v->key_deferred = true;
			break;
		}
		grant_key(v, now);
		break;
	}
	case PROTO_INPUT:
		if (!v->control) {
			if (v->ignored_input++ == 0)
				log_printf(LOG_WARN, "input from view-only client %s refused",
					   session_fingerprint(s));
			break;
		}
		input(st, v, &m->u.input);
		break;
	default: break;
	}
}

void streamer_status(struct streamer *st, struct dnssd_status *out)
{
	memset(out, 0, sizeof(*out));
	for (struct viewer *v = st->viewers; v; v = v->next)
		out->viewers++;
	out->in_use = controller(st) != NULL;
	if (st->o.source == SOURCE_TEST) {
		snprintf(out->output, sizeof(out->output), "test");
		out->w = TEST_W;
		out->h = TEST_H;
		return;
	}
	snprintf(out->output, sizeof(out->output), "%s", capture_output_name(st->cap));
	if (st->w && st->h) {
		out->w = st->w;
		out->h = st->h;
	} else {
		capture_mode_size(st->cap, &out->w, &out->h);
	}
}
