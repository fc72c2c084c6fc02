// SPDX-License-Identifier: MIT
/* Scanout to YUV by damaged tiles; see include/kmscast/yuvconv.h. */
#include "kmscast/yuvconv.h"

#include <drm_fourcc.h>
#include <errno.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

#define T DAMAGE_TILE
/* Contexts per width: runs are cut into powers of two tiles, so a few
 * serve every run (16 .. 2048 pixels, times the two input formats). */
#define MAX_CTX 24

struct yuvconv {
	const struct format_info *fmt;
	uint32_t w, h;
	bool chroma420;
	enum AVPixelFormat direct; /* what swscale reads the scanout as; NONE: via RGB24 */
	struct {
		int width;
		enum AVPixelFormat in;
		struct SwsContext *sws;
	} ctx[MAX_CTX];
	int n_ctx;
	uint8_t tile[T * T * 4];     /* an edge tile, its edge repeated */
	uint8_t rgb[T * T * 3 + 64]; /* a tile as RGB24 (+ swscale's over-read) */
};

int yuv_image_alloc(struct yuv_image *img, uint32_t w, uint32_t h, bool chroma420)
{
	uint32_t tw = (w + T - 1) / T, th = (h + T - 1) / T;
	size_t luma = (size_t)tw * T * th * T;
	size_t chroma = chroma420 ? luma / 4 : luma;

	memset(img, 0, sizeof(*img));
	img->mem = calloc(1, luma + 2 * chroma + 64);
	if (!img->mem)
		return -ENOMEM;
	img->w = (w + 1) & ~1u;
	img->h = (h + 1) & ~1u;
	img->chroma420 = chroma420;
	img->stride[0] = (int)(tw * T);
	img->stride[1] = img->stride[2] = chroma420 ? (int)(tw * T / 2) : (int)(tw * T);
	img->plane[0] = img->mem;
	img->plane[1] = img->mem + luma;
	img->plane[2] = img->mem + luma + chroma;
	return 0;
}

void yuv_image_free(struct yuv_image *img)
{
	free(img->mem);
	memset(img, 0, sizeof(*img));
}

int yuvconv_create(const struct format_info *fmt, uint32_t w, uint32_t h, bool chroma420,
		   struct yuvconv **out)
{
	struct yuvconv *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fmt = fmt;
	c->w = w;
	c->h = h;
	c->chroma420 = chroma420;
	switch (fmt->fourcc) {
	/* The alpha of a scanout buffer is not shown: read as padding. */
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888: c->direct = AV_PIX_FMT_BGR0; break;
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888: c->direct = AV_PIX_FMT_RGB0; break;
	default: c->direct = AV_PIX_FMT_NONE; break;
	}
	*out = c;
	return 0;
}

void yuvconv_destroy(struct yuvconv *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n_ctx; i++)
		sws_freeContext(c->ctx[i].sws);
	free(c);
}

static struct SwsContext *context(struct yuvconv *c, int width, enum AVPixelFormat in)
{
	for (int i = 0; i < c->n_ctx; i++)
		if (c->ctx[i].width == width && c->ctx[i].in == in)
			return c->ctx[i].sws;
	if (c->n_ctx == MAX_CTX)
		return NULL;
	/* 4:4:4 takes every pixel as it is; 4:2:0 averages each 2x2 block's
	 * chroma (nearest-neighbour picks one pixel of four: 37.2 dB against
	 * the paint scene in Chromium instead of 38.5). */
	struct SwsContext *s =
		sws_getContext(width, T, in, width, T,
			       c->chroma420 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P,
			       (c->chroma420 ? SWS_AREA : SWS_POINT) | SWS_ACCURATE_RND, NULL, NULL,
			       NULL);
	if (!s)
		return NULL;
	c->ctx[c->n_ctx].width = width;
	c->ctx[c->n_ctx].in = in;
	c->ctx[c->n_ctx++].sws = s;
	return s;
}

/* T rows of width pixels at src into img at tile (tx, ty). */
static int convert(struct yuvconv *c, const uint8_t *src, int src_pitch, enum AVPixelFormat in,
		   int width, uint32_t tx, uint32_t ty, struct yuv_image *img)
{
	struct SwsContext *s = context(c, width, in);
	int cx = c->chroma420 ? T / 2 : T;

	if (!s)
		return -ENOMEM;
	uint8_t *dst[3] = {img->plane[0] + (size_t)ty * T * img->stride[0] + tx * T,
			   img->plane[1] + (size_t)ty * cx * img->stride[1] + tx * cx,
			   img->plane[2] + (size_t)ty * cx * img->stride[2] + tx * cx};
	const uint8_t *srcs[1] = {src};
	sws_scale(s, srcs, &src_pitch, 0, T, dst, img->stride);
	return 0;
}

static bool covers(const struct yuv_overlay *ov, uint32_t tx, uint32_t ty)
{
	return ov && ov->argb && ov->x < (int64_t)(tx + 1) * T &&
	       ov->x + (int64_t)ov->w > (int64_t)tx * T && ov->y < (int64_t)(ty + 1) * T &&
	       ov->y + (int64_t)ov->h > (int64_t)ty * T;
}

/* One tile the slow way: its part inside the frame, with the edge
 * repeated past it (as an even size wants), either as it is or as RGB24
 * with the overlay blended in first (clipped at the frame, as a whole-
 * frame blend would be). */
static int one_tile(struct yuvconv *c, const uint8_t *px, size_t pitch,
		    const struct yuv_overlay *ov, uint32_t tx, uint32_t ty, struct yuv_image *img)
{
	unsigned cpp = c->fmt->cpp;
	uint32_t x0 = tx * T, y0 = ty * T;
	uint32_t vw = c->w - x0 < T ? c->w - x0 : T, vh = c->h - y0 < T ? c->h - y0 : T;
	const uint8_t *src = px + (size_t)y0 * pitch + (size_t)x0 * cpp;

	if (c->direct != AV_PIX_FMT_NONE && !covers(ov, tx, ty)) {
		for (uint32_t y = 0; y < T; y++)
			for (uint32_t x = 0; x < T; x++)
				memcpy(c->tile + ((size_t)y * T + x) * 4,
				       src + (y < vh ? y : vh - 1) * pitch +
					       (x < vw ? x : vw - 1) * 4,
				       4);
		return convert(c, c->tile, T * 4, c->direct, T, tx, ty, img);
	}
	format_to_rgb8(c->fmt, src, pitch, vw, vh, c->tile);
	if (covers(ov, tx, ty))
		format_blend_cursor(c->tile, vw, vh, ov->x - (int64_t)x0, ov->y - (int64_t)y0,
				    ov->argb, ov->w, ov->h, ov->pitch);
	for (uint32_t y = 0; y < T; y++)
		for (uint32_t x = 0; x < T; x++)
			memcpy(c->rgb + ((size_t)y * T + x) * 3,
			       c->tile + ((size_t)(y < vh ? y : vh - 1) * vw +
					  (x < vw ? x : vw - 1)) *
						 3,
			       3);
	return convert(c, c->rgb, T * 3, AV_PIX_FMT_RGB24, T, tx, ty, img);
}

int yuvconv_damaged(struct yuvconv *c, const struct damage *d, const uint8_t *px, size_t pitch,
		    const struct yuv_overlay *ov, struct yuv_image *img)
{
	uint32_t full_w = c->w / T, full_h = c->h / T; /* tiles wholly inside the frame */

	for (uint32_t ty = 0; ty < d->th; ty++) {
		for (uint32_t tx = 0; tx < d->tw; tx++) {
			bool over = covers(ov, tx, ty);
			if (!damage_at(d, tx, ty))
				continue;
			if (over || c->direct == AV_PIX_FMT_NONE || tx >= full_w || ty >= full_h) {
				if (one_tile(c, px, pitch, ov, tx, ty, img) < 0)
					return -ENOMEM;
				continue;
			}
			/* A run of whole tiles in place, in powers of two. */
			uint32_t n = 1;
			while (tx + n < full_w && damage_at(d, tx + n, ty) &&
			       !covers(ov, tx + n, ty))
				n++;
			while (n) {
				uint32_t k = 1;
				while (k * 2 <= n)
					k *= 2;
				const uint8_t *src =
					px + (size_t)ty * T * pitch + (size_t)tx * T * 4;
				if (convert(c, src, (int)pitch, c->direct, (int)(k * T), tx, ty,
					    img) < 0)
					return -ENOMEM;
				tx += k;
				n -= k;
			}
			tx--; /* the loop's ++ */
		}
	}
	return 0;
}
