// SPDX-License-Identifier: MIT
/* scene-tool: the test side of kmscast-paint's scene.
 *   scene-tool compare FILE FORMAT [K] [cursor]  read k from a PNG or binary PPM
 *       (P6) and compare every pixel with frame k quantized to FORMAT (with
 *       "cursor", the cursor image composited where frame k puts it); prints
 *       "k=K mismatches=N"; exit 0 only for an exact match (and k == K if given)
 *   scene-tool cursor K W H                 where frame K puts the cursor: "X Y"
 *   scene-tool render K WxH OUT.png          frame K of the scene as a PNG (for
 *       looking at what a test compares against, and for peers' encoders)
 *   scene-tool cursor-image FILE.png        the PNG is kmscast-paint's cursor image
 *       (opaque pixels equal, transparent ones black as a canvas stores them);
 *       prints "mismatches=N", exit 0 when N is 0
 *   scene-tool psnr FILE.png K MIN_DB [WxH]  PSNR of the picture against frame K
 *       over all three channels; prints "psnr=D"; exit 0 when D >= MIN_DB. With
 *       WxH the picture is a screen showing frame K made at WxH, scaled to fit
 *       (letterboxed, bilinear): the bars must be black ("bars=N" counts other
 *       pixels) and the fitted part is compared with frame K scaled the same way.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libswscale/swscale.h>

#include "../../client/evmap.h"
#include "kmscast/paint.h"
#include "kmscast/pngio.h"

static int read_ppm(const char *path, uint8_t **img, uint32_t *w, uint32_t *h)
{
	FILE *f = fopen(path, "rb");
	unsigned maxval;
	size_t n;

	if (!f) {
		fprintf(stderr, "scene-tool: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fscanf(f, "P6 %u %u %u", w, h, &maxval) != 3 || maxval != 255 || *w == 0 ||
	    *h == 0 || *w > 16384 || *h > 16384 || fgetc(f) == EOF) {
		fprintf(stderr, "scene-tool: %s is not an 8-bit binary PPM\n", path);
		fclose(f);
		return -1;
	}
	n = (size_t)*w * *h * 3;
	*img = malloc(n);
	if (!*img || fread(*img, 1, n, f) != n) {
		fprintf(stderr, "scene-tool: %s is truncated\n", path);
		free(*img);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int compare(int argc, char **argv)
{
	const struct format_info *fmt;
	uint8_t *img;
	uint32_t w, h, k;
	unsigned long mismatches = 0;

	if (argc < 4 || !(fmt = format_by_name(argv[3]))) {
		fprintf(stderr, "usage: scene-tool compare FILE.ppm FORMAT [K]\n");
		return 2;
	}
	bool cursor = argc > 4 && strcmp(argv[argc - 1], "cursor") == 0;
	size_t len = strlen(argv[2]);
	char err[256];

	if (len > 4 && strcmp(argv[2] + len - 4, ".png") == 0) {
		if (pngio_read_rgb8(argv[2], &img, &w, &h, err, sizeof(err)) < 0) {
			fprintf(stderr, "scene-tool: %s\n", err);
			return 1;
		}
	} else if (read_ppm(argv[2], &img, &w, &h) < 0) {
		return 1;
	}
	if (paint_read_k(img, w, h, (size_t)w * 3, &k) < 0) {
		printf("k=none mismatches=all\n");
		free(img);
		return 1;
	}
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			struct rgb8 want = format_quantize(fmt, paint_pixel(k, w, h, x, y));
			if (cursor) {
				int32_t cx, cy;
				paint_cursor_pos(k, w, h, &cx, &cy);
				if ((int64_t)x >= cx && (int64_t)x < cx + PAINT_CURSOR_SIZE &&
				    (int64_t)y >= cy && (int64_t)y < cy + PAINT_CURSOR_SIZE) {
					uint32_t c = paint_cursor_pixel(x - (uint32_t)cx, y - (uint32_t)cy);
					if (c >> 24) {
						want.r = (uint8_t)(c >> 16);
						want.g = (uint8_t)(c >> 8);
						want.b = (uint8_t)c;
					}
				}
			}
			const uint8_t *p = img + ((size_t)y * w + x) * 3;
			if (p[0] != want.r || p[1] != want.g || p[2] != want.b) {
				if (mismatches++ < 5) {
					fprintf(stderr, "(%u,%u): got %02x%02x%02x want %02x%02x%02x\n", x,
						y, p[0], p[1], p[2], want.r, want.g, want.b);
				}
			}
		}
	}
	printf("k=%u mismatches=%lu\n", k, mismatches);
	free(img);
	if (argc > 4 && strcmp(argv[4], "cursor") != 0 && strtoul(argv[4], NULL, 10) != k) {
		return 1;
	}
	return mismatches ? 1 : 0;
}

/* Frame k at sw x sh, scaled to r's size as the kms presenter scales. */
static uint8_t *fitted_reference(uint32_t k, uint32_t sw, uint32_t sh, const struct evmap_rect *r)
{
	uint8_t *src = malloc((size_t)sw * sh * 3), *dst = malloc((size_t)r->w * r->h * 3);
	if (src)
		paint_frame_rgb8(k, sw, sh, src);
	struct SwsContext *sws = sws_getContext((int)sw, (int)sh, AV_PIX_FMT_RGB24, (int)r->w,
						(int)r->h, AV_PIX_FMT_BGR0, SWS_BILINEAR, NULL, NULL, NULL);
	uint8_t *bgr0 = malloc((size_t)r->w * r->h * 4);
	if (!src || !dst || !sws || !bgr0) {
		free(src);
		free(dst);
		free(bgr0);
		sws_freeContext(sws);
		return NULL;
	}
	const uint8_t *si[1] = {src};
	int ss[1] = {(int)sw * 3}, ds[1] = {(int)r->w * 4};
	uint8_t *di[1] = {bgr0};
	sws_scale(sws, si, ss, 0, (int)sh, di, ds);
	for (size_t i = 0; i < (size_t)r->w * r->h; i++) {
		dst[i * 3] = bgr0[i * 4 + 2];
		dst[i * 3 + 1] = bgr0[i * 4 + 1];
		dst[i * 3 + 2] = bgr0[i * 4];
	}
	free(src);
	free(bgr0);
	sws_freeContext(sws);
	return dst;
}

static int psnr(const char *path, uint32_t k, double min_db, const char *fit)
{
	uint8_t *img, *ref = NULL;
	uint32_t w, h, sw = 0, sh = 0;
	char err[256];
	double se = 0;
	unsigned long bars = 0;

	if (pngio_read_rgb8(path, &img, &w, &h, err, sizeof(err)) < 0) {
		fprintf(stderr, "scene-tool: %s\n", err);
		return 1;
	}
	struct evmap_rect r = {0, 0, w, h};
	if (fit) {
		if (sscanf(fit, "%ux%u", &sw, &sh) != 2 || !sw || !sh) {
			free(img);
			return 2;
		}
		r = evmap_fit(sw, sh, w, h);
		ref = fitted_reference(k, sw, sh, &r);
		if (!ref) {
			free(img);
			return 1;
		}
	}
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = img + ((size_t)y * w + x) * 3;
			bool in = x >= (uint32_t)r.x && x < r.x + r.w && y >= (uint32_t)r.y && y < r.y + r.h;
			if (!in) {
				bars += p[0] || p[1] || p[2];
				continue;
			}
			struct rgb8 want;
			if (ref) {
				const uint8_t *q = ref + ((size_t)(y - r.y) * r.w + (x - r.x)) * 3;
				want = (struct rgb8){q[0], q[1], q[2]};
			} else {
				want = paint_pixel(k, w, h, x, y);
			}
			double d[3] = {p[0] - want.r, p[1] - want.g, p[2] - want.b};
			se += d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
		}
	}
	free(img);
	free(ref);
	if (fit)
		printf("picture=%ux%u+%d+%d bars=%lu ", r.w, r.h, r.x, r.y, bars);
	double mse = se / ((double)r.w * r.h * 3);
	double db = mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99.0;
	printf("psnr=%.2f\n", db);
	return db >= min_db && !bars ? 0 : 1;
}

static int cursor_image(const char *path)
{
	uint8_t *img;
	uint32_t w, h;
	char err[256];
	unsigned long bad = 0;
	if (pngio_read_rgb8(path, &img, &w, &h, err, sizeof(err)) < 0) {
		fprintf(stderr, "scene-tool: %s\n", err);
		return 1;
	}
	if (w != PAINT_CURSOR_SIZE || h != PAINT_CURSOR_SIZE) {
		printf("size=%ux%u mismatches=all\n", w, h);
		free(img);
		return 1;
	}
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint32_t c = paint_cursor_pixel(x, y);
			uint32_t want = c >> 24 ? c & 0xffffff : 0;
			const uint8_t *p = img + ((size_t)y * w + x) * 3;
			bad += ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) != want;
		}
	}
	printf("mismatches=%lu\n", bad);
	free(img);
	return bad ? 1 : 0;
}

static int render(uint32_t k, const char *size, const char *out)
{
	uint32_t w, h;
	char err[256];
	if (sscanf(size, "%ux%u", &w, &h) != 2 || !w || !h || w > 16384 || h > 16384) {
		fprintf(stderr, "scene-tool: size '%s' is not WxH\n", size);
		return 2;
	}
	uint8_t *rgb = malloc((size_t)w * h * 3);
	if (!rgb)
		return 1;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			struct rgb8 p = format_quantize(format_by_name("XRGB8888"), paint_pixel(k, w, h, x, y));
			uint8_t *q = rgb + ((size_t)y * w + x) * 3;
			q[0] = p.r;
			q[1] = p.g;
			q[2] = p.b;
		}
	}
	int r = pngio_write_rgb8(out, rgb, w, h, err, sizeof(err));
	if (r)
		fprintf(stderr, "scene-tool: %s\n", err);
	free(rgb);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "render") == 0)
		return render((uint32_t)strtoul(argv[2], NULL, 10), argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "cursor-image") == 0)
		return cursor_image(argv[2]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "psnr") == 0) {
		return psnr(argv[2], (uint32_t)strtoul(argv[3], NULL, 10), strtod(argv[4], NULL),
			    argc == 6 ? argv[5] : NULL);
	}
	if (argc >= 2 && strcmp(argv[1], "compare") == 0) {
		return compare(argc, argv);
	}
	if (argc == 5 && strcmp(argv[1], "cursor") == 0) {
		int32_t x, y;
		paint_cursor_pos((uint32_t)strtoul(argv[2], NULL, 10),
				 (uint32_t)strtoul(argv[3], NULL, 10),
				 (uint32_t)strtoul(argv[4], NULL, 10), &x, &y);
		printf("%d %d\n", x, y);
		return 0;
	}
	fprintf(stderr, "usage: scene-tool compare FILE.ppm FORMAT [K] | cursor K W H | psnr FILE K DB\n");
	return 2;
}
