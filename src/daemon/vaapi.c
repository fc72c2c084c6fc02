// SPDX-License-Identifier: MIT
#include "kmscast/vaapi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libavcodec/avcodec.h>
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <va/va.h>
#include <va/va_drm.h>
#include <va/va_drmcommon.h>
#include <va/va_vpp.h>
#include <drm_fourcc.h>
#include <xf86drm.h>

#include "kmscast/format.h"

#define IMPORT_CACHE 8

static const char *const lavc_names[VAAPI_N_CODECS] = {"h264_vaapi", "hevc_vaapi", "av1_vaapi"};
static const char *const sw_names[VAAPI_N_CODECS] = {"libx264", "libx265", NULL};

const char *vaapi_codec_name(enum vaapi_codec c)
{
	static const char *const names[VAAPI_N_CODECS] = {"h264", "hevc", "av1"};
	return (unsigned)c < VAAPI_N_CODECS ? names[c] : "?";
}

int vaapi_render_node(const char *card, char *out, size_t len)
{
	struct stat st;
	char dir[96];
	int ret = -ENOENT;

	if (stat(card, &st) != 0 || !S_ISCHR(st.st_mode))
		return -ENOENT;
	/* The render node is the card's sibling under the same device. */
	snprintf(dir, sizeof(dir), "/sys/dev/char/%u:%u/device/drm", major(st.st_rdev),
		 minor(st.st_rdev));
	DIR *d = opendir(dir);
	if (!d)
		return -ENOENT;
	for (struct dirent *e; ret && (e = readdir(d));) {
		if (strncmp(e->d_name, "renderD", 7) == 0 && strlen(e->d_name) < 32) {
			snprintf(out, len, "/dev/dri/%s", e->d_name);
			ret = 0;
		}
	}
	closedir(d);
	return ret;
}

/* libva's messages are kept out of stderr; the driver it tried to load is
 * remembered for the reason a probe gives. */
static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static void note_driver(void *ctx, const char *msg)
{
	static const char tag[] = "Trying to open ";
	const char *p = strstr(msg, tag);
	if (p)
		snprintf(ctx, 128, "%.*s", (int)strcspn(p + strlen(tag), "\n"), p + strlen(tag));
}

static int codec_of_profile(VAProfile p)
{
	switch (p) {
	case VAProfileH264ConstrainedBaseline:
	case VAProfileH264Main:
	case VAProfileH264High: return VAAPI_H264;
	case VAProfileHEVCMain:
	case VAProfileHEVCMain10: return VAAPI_HEVC;
	case VAProfileAV1Profile0:
	case VAProfileAV1Profile1: return VAAPI_AV1;
	default: return -1;
	}
}

static void probe_display(VADisplay dpy, struct vaapi_probe *p)
{
	int np = vaMaxNumProfiles(dpy), ne = vaMaxNumEntrypoints(dpy);
	VAProfile *profiles = np > 0 ? calloc((size_t)np, sizeof(*profiles)) : NULL;
	VAEntrypoint *eps = ne > 0 ? calloc((size_t)ne, sizeof(*eps)) : NULL;
	int n = 0, m = 0;

	if (profiles && eps && vaQueryConfigProfiles(dpy, profiles, &n) == VA_STATUS_SUCCESS) {
		for (int i = 0; i < n && i < np; i++) {
			int c = codec_of_profile(profiles[i]);
			if (c < 0 || vaQueryConfigEntrypoints(dpy, profiles[i], eps, &m) !=
					     VA_STATUS_SUCCESS)
				continue;
			for (int j = 0; j < m && j < ne; j++) {
				if (eps[j] == VAEntrypointEncSlice)
					p->enc[c] = true;
				if (eps[j] == VAEntrypointEncSliceLP)
					p->enc[c] = p->lowpower[c] = true;
			}
		}
	}
	/* Video processing hangs off VAProfileNone, which not every driver lists. */
	if (eps && vaQueryConfigEntrypoints(dpy, VAProfileNone, eps, &m) == VA_STATUS_SUCCESS)
		for (int j = 0; j < m && j < ne; j++)
			p->vpp |= eps[j] == VAEntrypointVideoProc;
	free(profiles);
	free(eps);
}

void vaapi_probe(const char *card, struct vaapi_probe *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->card, sizeof(p->card), "%s", card);
	for (int c = 0; c < VAAPI_N_CODECS; c++)
		p->lavc[c] = avcodec_find_encoder_by_name(lavc_names[c]) != NULL;
	int cfd = open(card, O_RDWR | O_CLOEXEC);
	if (cfd >= 0) {
		drmVersionPtr v = drmGetVersion(cfd);
		if (v)
			snprintf(p->driver, sizeof(p->driver), "%s", v->name);
		drmFreeVersion(v);
		close(cfd);
	}
	if (vaapi_render_node(card, p->render, sizeof(p->render)) != 0) {
		p->render[0] = '\0';
		snprintf(p->why, sizeof(p->why), "%s has no render node", card);
		return;
	}
	int fd = open(p->render, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(p->why, sizeof(p->why), "cannot open %s: %s", p->render, strerror(errno));
		return;
	}
	VADisplay dpy = vaGetDisplayDRM(fd);
	if (!dpy) {
		snprintf(p->why, sizeof(p->why), "libva cannot use %s", p->render);
		close(fd);
		return;
	}
	/* libva prints its own chatter to stderr; our log says what matters. */
	char tried[128] = "";
	vaSetErrorCallback(dpy, quiet, NULL);
	vaSetInfoCallback(dpy, note_driver, tried);
	int major, minor;
	VAStatus s = vaInitialize(dpy, &major, &minor);
	if (s != VA_STATUS_SUCCESS) {
		snprintf(p->why, sizeof(p->why),
			 "vaInitialize on %s failed: %s (no usable VA-API "
			 "driver for %s%s%s)",
			 p->render, vaErrorStr(s), p->driver[0] ? p->driver : "it",
			 tried[0] ? "; libva tried " : "", tried);
	} else {
		p->initialized = true;
		const char *vendor = vaQueryVendorString(dpy);
		snprintf(p->vendor, sizeof(p->vendor), "%s", vendor ? vendor : "unknown");
		probe_display(dpy, p);
	}
	vaTerminate(dpy);
	close(fd);
}

bool vaapi_can_encode(const struct vaapi_probe *p, enum vaapi_codec c, char *why, size_t len)
{
	const char *node = p->render[0] ? p->render : p->card;
	if (!p->initialized)
		snprintf(why, len, "VA-API: %s", p->why);
	else if (!p->enc[c])
		snprintf(why, len,
			 "VA-API on %s (%s) has no %s encode entrypoint (EncSlice or "
			 "EncSliceLP)",
			 node, p->vendor, vaapi_codec_name(c));
	else if (!p->vpp)
		snprintf(why, len,
			 "VA-API on %s (%s) has no video processing entrypoint for the "
			 "RGB to NV12 conversion",
			 node, p->vendor);
	else if (!p->lavc[c])
		snprintf(why, len, "VA-API: this libavcodec has no %s encoder", lavc_names[c]);
	else if (c == VAAPI_AV1)
		snprintf(why, len,
			 "VA-API can encode av1 here, but the stream carries h264 or "
			 "hevc only");
	else
		return true;
	return false;
}

int vaapi_choose(enum encoder_kind asked, enum proto_codec codec, const struct vaapi_probe *p,
		 enum encoder_kind *chosen, char *note, size_t len)
{
	char why[400];
	enum vaapi_codec vc = codec == PROTO_CODEC_HEVC ? VAAPI_HEVC : VAAPI_H264;

	note[0] = '\0';
	*chosen = ENCODER_SOFTWARE;
	if (codec != PROTO_CODEC_H264 && codec != PROTO_CODEC_HEVC) {
		if (asked != ENCODER_VAAPI)
			return 0;
		snprintf(note, len,
			 "--encoder vaapi: VA-API has no %s mode; use --codec h264 or "
			 "hevc",
			 proto_codec_name(codec));
		return -ENOTSUP;
	}
	if (asked == ENCODER_SOFTWARE)
		return 0;
	bool ok = p && vaapi_can_encode(p, vc, why, sizeof(why));
	if (!p)
		snprintf(why, sizeof(why), "VA-API: no card to encode on");
	if (ok) {
		*chosen = ENCODER_VAAPI;
		snprintf(note, len, "encoder %s: VA-API %s on %s (%s), zero-copy",
			 asked == ENCODER_AUTO ? "auto" : "vaapi", proto_codec_name(codec),
			 p->render, p->vendor);
		return 0;
	}
	if (asked == ENCODER_VAAPI) {
		snprintf(note, len, "--encoder vaapi: %s", why);
		return -ENOTSUP;
	}
	snprintf(note, len, "encoder auto: software %s (%s)", proto_codec_name(codec), why);
	return 0;
}

void vaapi_report(const struct vaapi_probe *p, char *out, size_t len)
{
	size_t n = 0;
#define ADD(...)                                                                                   \
	(n += (size_t)snprintf(out + (n < len ? n : len), n < len ? len - n : 0, __VA_ARGS__))
	ADD("card: %s (driver %s)\n", p->card, p->driver[0] ? p->driver : "unknown");
	ADD("render node: %s\n", p->render[0] ? p->render : "none");
	if (p->initialized)
		ADD("VA-API: %s\n", p->vendor);
	else
		ADD("VA-API: not available: %s\n", p->why);
	if (p->initialized)
		ADD("VA-API video processing (RGB to NV12): %s\n", p->vpp ? "yes" : "no");
	for (int c = 0; c < VAAPI_N_CODECS; c++) {
		char why[400];
		bool hw = vaapi_can_encode(p, (enum vaapi_codec)c, why, sizeof(why));
		ADD("%s: vaapi ", vaapi_codec_name((enum vaapi_codec)c));
		if (hw)
			ADD("yes (%s%s)", lavc_names[c], p->lowpower[c] ? ", low power" : "");
		else
			ADD("no (%s)", why);
		if (!sw_names[c])
			ADD("; software no (the stream carries h264 or hevc only)\n");
		else if (avcodec_find_encoder_by_name(sw_names[c]))
			ADD("; software yes (%s)\n", sw_names[c]);
		else
			ADD("; software no (this libavcodec has no %s)\n", sw_names[c]);
	}
#undef ADD
}

/* ---- the zero-copy encoder ---- */

struct import {
	uint32_t fb_id;
	uint64_t dev_ino[CAPTURE_MAX_PLANES];
	VASurfaceID surface;
	uint64_t used; /* for eviction: least recently used goes */
};

struct vaapi_enc {
	struct vaapi_enc_options o;
	AVBufferRef *device, *frames;
	VADisplay dpy;
	VAConfigID vpp_config;
	VAContextID vpp_context;
	bool have_config, have_context;
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
	struct import cache[IMPORT_CACHE];
	uint64_t clock;
	int64_t pts;
	char name[96];
};

/* The VA fourcc and render-target format of a DRM format, 0 if none. */
static uint32_t va_fourcc(uint32_t drm, unsigned *rt)
{
	*rt = VA_RT_FORMAT_RGB32;
	switch (drm) {
	case DRM_FORMAT_XRGB8888: return VA_FOURCC_BGRX;
	case DRM_FORMAT_ARGB8888: return VA_FOURCC_BGRA;
	case DRM_FORMAT_XBGR8888: return VA_FOURCC_RGBX;
	case DRM_FORMAT_ABGR8888: return VA_FOURCC_RGBA;
	case DRM_FORMAT_XRGB2101010: *rt = VA_RT_FORMAT_RGB32_10; return VA_FOURCC_X2R10G10B10;
	case DRM_FORMAT_RGB565: *rt = VA_RT_FORMAT_RGB16; return VA_FOURCC_RGB565;
	default: return 0;
	}
}

int vaapi_enc_create(const struct vaapi_enc_options *o, struct vaapi_enc **out, char *err,
		     size_t len)
{
	struct vaapi_enc *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	e->o = *o;
	r = av_hwdevice_ctx_create(&e->device, AV_HWDEVICE_TYPE_VAAPI, o->render_node, NULL, 0);
	if (r < 0) {
		snprintf(err, len, "VA-API: cannot open %s through libavutil", o->render_node);
		goto fail;
	}
	e->dpy = ((AVVAAPIDeviceContext *)((AVHWDeviceContext *)(void *)e->device->data)->hwctx)
			 ->display;
	VAStatus s = vaCreateConfig(e->dpy, VAProfileNone, VAEntrypointVideoProc, NULL, 0,
				    &e->vpp_config);
	e->have_config = s == VA_STATUS_SUCCESS;
	if (s == VA_STATUS_SUCCESS) {
		s = vaCreateContext(e->dpy, e->vpp_config, (int)o->width, (int)o->height,
				    VA_PROGRESSIVE, NULL, 0, &e->vpp_context);
		e->have_context = s == VA_STATUS_SUCCESS;
	}
	if (s != VA_STATUS_SUCCESS) {
		snprintf(err, len, "VA-API video processing on %s: %s", o->render_node,
			 vaErrorStr(s));
		r = -ENOTSUP;
		goto fail;
	}
	e->frame = av_frame_alloc();
	e->pkt = av_packet_alloc();
	if (!e->frame || !e->pkt) {
		r = -ENOMEM;
		goto fail;
	}
	snprintf(e->name, sizeof(e->name), "%s (%s)",
		 o->codec == PROTO_CODEC_HEVC ? "hevc_vaapi" : "h264_vaapi", o->render_node);
	*out = e;
	return 0;
fail:
	vaapi_enc_destroy(e);
	return r < 0 ? r : -EIO;
}

void vaapi_enc_destroy(struct vaapi_enc *e)
{
	if (!e)
		return;
	avcodec_free_context(&e->ctx);
	av_frame_free(&e->frame);
	av_packet_free(&e->pkt);
	for (int i = 0; i < IMPORT_CACHE; i++)
		if (e->cache[i].fb_id)
			vaDestroySurfaces(e->dpy, &e->cache[i].surface, 1);
	if (e->have_context)
		vaDestroyContext(e->dpy, e->vpp_context);
	if (e->have_config)
		vaDestroyConfig(e->dpy, e->vpp_config);
	av_buffer_unref(&e->frames);
	av_buffer_unref(&e->device);
	free(e);
}

const char *vaapi_enc_name(const struct vaapi_enc *e) { return e->name; }

/* The encoder, its surface pool in NV12 (P010 for 10-bit HEVC), BT.709
 * limited range in the VUI, made when the first frame shows the format. */
static int open_encoder(struct vaapi_enc *e, bool ten_bit, char *err, size_t len)
{
	const char *name = e->o.codec == PROTO_CODEC_HEVC ? "hevc_vaapi" : "h264_vaapi";
	const AVCodec *codec = avcodec_find_encoder_by_name(name);
	int r;

	if (!codec) {
		snprintf(err, len, "VA-API: this libavcodec has no %s encoder", name);
		return -ENOTSUP;
	}
	e->frames = av_hwframe_ctx_alloc(e->device);
	if (!e->frames)
		return -ENOMEM;
	AVHWFramesContext *fc = (AVHWFramesContext *)(void *)e->frames->data;
	fc->format = AV_PIX_FMT_VAAPI;
	fc->sw_format = ten_bit ? AV_PIX_FMT_P010 : AV_PIX_FMT_NV12;
	fc->width = (int)e->o.width;
	fc->height = (int)e->o.height;
	fc->initial_pool_size = 4;
	r = av_hwframe_ctx_init(e->frames);
	if (r < 0) {
		snprintf(err, len, "VA-API: cannot make %ux%u %s surfaces", e->o.width, e->o.height,
			 ten_bit ? "P010" : "NV12");
		return r;
	}
	e->ctx = avcodec_alloc_context3(codec);
	if (!e->ctx)
		return -ENOMEM;
	e->ctx->width = (int)e->o.width;
	e->ctx->height = (int)e->o.height;
	e->ctx->pix_fmt = AV_PIX_FMT_VAAPI;
	e->ctx->hw_frames_ctx = av_buffer_ref(e->frames);
	e->ctx->time_base = (AVRational){1, (int)e->o.fps};
	e->ctx->framerate = (AVRational){(int)e->o.fps, 1};
	/* Low latency: no B-frames, one frame in flight, an IDR only at the
	 * start and when asked (a GOP longer than any session). */
	e->ctx->max_b_frames = 0;
	e->ctx->gop_size = 1 << 30;
	av_opt_set_int(e->ctx->priv_data, "async_depth", 1, 0);
	e->ctx->color_range = AVCOL_RANGE_MPEG;
	e->ctx->colorspace = AVCOL_SPC_BT709; /* all three: see encoder.c */
	e->ctx->color_primaries = AVCOL_PRI_BT709;
	e->ctx->color_trc = AVCOL_TRC_BT709;
	e->ctx->color_primaries = AVCOL_PRI_BT709;
	e->ctx->color_trc = AVCOL_TRC_BT709;
	if (e->o.bitrate_kbps) {
		e->ctx->bit_rate = (int64_t)e->o.bitrate_kbps * 1000;
		e->ctx->rc_max_rate = e->ctx->bit_rate;
	} else {
		e->ctx->global_quality = e->o.crf ? e->o.crf : 25;
	}
	if (e->o.low_power)
		av_opt_set_int(e->ctx->priv_data, "low_power", 1, 0);
	if (ten_bit)
		e->ctx->profile = FF_PROFILE_HEVC_MAIN_10;
	r = avcodec_open2(e->ctx, codec, NULL);
	if (r < 0) {
		char buf[AV_ERROR_MAX_STRING_SIZE];
		av_strerror(r, buf, sizeof(buf));
		snprintf(err, len, "VA-API: %s: %s", name, buf);
	}
	return r;
}

/* The VA surface of buf, imported on first sight with all its planes,
 * offsets, pitches and the modifier. */
static int import(struct vaapi_enc *e, const struct capture_buffer *buf, VASurfaceID *out,
		  char *err, size_t len)
{
	struct import *slot = &e->cache[0];
	for (int i = 0; i < IMPORT_CACHE; i++) {
		struct import *c = &e->cache[i];
		if (c->fb_id == buf->fb_id &&
		    memcmp(c->dev_ino, buf->dev_ino, sizeof(c->dev_ino)) == 0) {
			c->used = ++e->clock;
			*out = c->surface;
			return 0;
		}
		if (c->used < slot->used)
			slot = c;
	}
	unsigned rt;
	uint32_t fourcc = va_fourcc(buf->fourcc, &rt);
	if (!fourcc || buf->n_planes < 1 || buf->n_planes > CAPTURE_MAX_PLANES) {
		char cc[5];
		snprintf(err, len, "VA-API: no import for format %s",
			 format_fourcc_str(buf->fourcc, cc));
		return -ENOTSUP;
	}
	VADRMPRIMESurfaceDescriptor d = {.fourcc = fourcc,
					 .width = buf->width,
					 .height = buf->height,
					 .num_layers = 1};
	d.layers[0].drm_format = buf->fourcc;
	d.layers[0].num_planes = buf->n_planes;
	for (uint32_t i = 0; i < buf->n_planes; i++) {
		/* Planes in one dmabuf share an object. */
		uint32_t obj = d.num_objects;
		for (uint32_t j = 0; j < d.num_objects; j++)
			if (buf->dev_ino[j] == buf->dev_ino[i])
				obj = j;
		if (obj == d.num_objects) {
			off_t size = lseek(buf->fd[i], 0, SEEK_END);
			d.objects[obj].fd = buf->fd[i];
			d.objects[obj].size = size > 0 ? (uint32_t)size : 0;
			d.objects[obj].drm_format_modifier = buf->modifier;
			d.num_objects++;
		}
		d.layers[0].object_index[i] = obj;
		d.layers[0].offset[i] = buf->offset[i];
		d.layers[0].pitch[i] = buf->pitch[i];
	}
	VASurfaceAttrib attrs[2] = {
		{.type = VASurfaceAttribMemoryType,
		 .flags = VA_SURFACE_ATTRIB_SETTABLE,
		 .value = {.type = VAGenericValueTypeInteger,
			   .value.i = (int)VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2}},
		{.type = VASurfaceAttribExternalBufferDescriptor,
		 .flags = VA_SURFACE_ATTRIB_SETTABLE,
		 .value = {.type = VAGenericValueTypePointer, .value.p = &d}},
	};
	VASurfaceID s;
	VAStatus st = vaCreateSurfaces(e->dpy, rt, buf->width, buf->height, &s, 1, attrs, 2);
	if (st != VA_STATUS_SUCCESS) {
		snprintf(err, len, "VA-API cannot import framebuffer %u: %s", buf->fb_id,
			 vaErrorStr(st));
		return -EIO;
	}
	if (slot->fb_id)
		vaDestroySurfaces(e->dpy, &slot->surface, 1);
	slot->fb_id = buf->fb_id;
	memcpy(slot->dev_ino, buf->dev_ino, sizeof(slot->dev_ino));
	slot->surface = s;
	slot->used = ++e->clock;
	*out = s;
	return 0;
}

/* RGB to NV12/P010 on the GPU, full-range sRGB in, BT.709 limited out. */
static int convert(struct vaapi_enc *e, VASurfaceID src, VASurfaceID dst, char *err, size_t len)
{
	VAProcPipelineParameterBuffer pp = {0};
	VABufferID b;

	pp.surface = src;
	pp.surface_color_standard = VAProcColorStandardSRGB;
	pp.output_color_standard = VAProcColorStandardBT709;
	pp.filter_flags = VA_FRAME_PICTURE;
	pp.input_color_properties.color_range = VA_SOURCE_RANGE_FULL;
	pp.output_color_properties.color_range = VA_SOURCE_RANGE_REDUCED;
	VAStatus s = vaCreateBuffer(e->dpy, e->vpp_context, VAProcPipelineParameterBufferType,
				    sizeof(pp), 1, &pp, &b);
	if (s == VA_STATUS_SUCCESS) {
		s = vaBeginPicture(e->dpy, e->vpp_context, dst);
		if (s == VA_STATUS_SUCCESS)
			s = vaRenderPicture(e->dpy, e->vpp_context, &b, 1);
		if (s == VA_STATUS_SUCCESS)
			s = vaEndPicture(e->dpy, e->vpp_context);
		vaDestroyBuffer(e->dpy, b);
	}
	if (s != VA_STATUS_SUCCESS) {
		snprintf(err, len, "VA-API video processing failed: %s", vaErrorStr(s));
		return -EIO;
	}
	return 0;
}

int vaapi_enc_encode(struct vaapi_enc *e, const struct capture_buffer *buf, bool key,
		     const uint8_t **data, size_t *len, bool *is_key, char *err, size_t err_len)
{
	VASurfaceID src;
	int r;

	if (buf->width != e->o.width || buf->height != e->o.height) {
		snprintf(err, err_len, "VA-API encoder made for %ux%u got %ux%u", e->o.width,
			 e->o.height, buf->width, buf->height);
		return -EINVAL;
	}
	r = import(e, buf, &src, err, err_len);
	if (r)
		return r;
	if (!e->ctx) {
		bool ten = buf->fourcc == DRM_FORMAT_XRGB2101010 && e->o.codec == PROTO_CODEC_HEVC;
		r = open_encoder(e, ten, err, err_len);
		if (r)
			return r;
		key = true;
	}
	av_frame_unref(e->frame);
	r = av_hwframe_get_buffer(e->frames, e->frame, 0);
	if (r < 0) {
		snprintf(err, err_len, "VA-API: no free surface");
		return r;
	}
	r = convert(e, src, (VASurfaceID)(uintptr_t)e->frame->data[3], err, err_len);
	if (r)
		return r;
	e->frame->pts = e->pts++;
	e->frame->pict_type = key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
	av_packet_unref(e->pkt);
	r = avcodec_send_frame(e->ctx, e->frame);
	av_frame_unref(e->frame);
	if (r < 0) {
		snprintf(err, err_len, "VA-API encoder refused a frame");
		return r;
	}
	r = avcodec_receive_packet(e->ctx, e->pkt);
	if (r < 0)
		return r == AVERROR(EAGAIN) ? -EAGAIN : r;
	*data = e->pkt->data;
	*len = (size_t)e->pkt->size;
	*is_key = e->pkt->flags & AV_PKT_FLAG_KEY;
	return 0;
}
