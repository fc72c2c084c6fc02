// SPDX-License-Identifier: MIT
#include "kmscast/pngio.h"
#include "kmscast/fileio.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pngio_write_rgb8(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h, char *err,
		     size_t len)
{
	char tmp[4096];
	FILE *f = fileio_open_temp(path, 0644, tmp, sizeof(tmp), err, len);
	png_structp png;
	png_infop info;
	volatile int ok = 0; /* set after setjmp, read after a longjmp */

	if (!f) {
		return -errno;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (png && info && setjmp(png_jmpbuf(png)) == 0) {
		png_init_io(png, f);
		/* Screenshots compress well enough fast; level 9 costs seconds. */
		png_set_compression_level(png, 3);
		png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
			     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
		png_write_info(png, info);
		for (uint32_t y = 0; y < h; y++) {
			png_write_row(png, (png_const_bytep)(rgb + (size_t)y * w * 3));
		}
		png_write_end(png, info);
		ok = 1;
	}
	png_destroy_write_struct(&png, &info);
	if (!ok) {
		snprintf(err, len, "cannot encode %s as PNG", path);
	}
	return fileio_finish_temp(f, tmp, path, ok, err, len);
}

int pngio_read_rgb8(const char *path, uint8_t **out, uint32_t *w, uint32_t *h, char *err,
		    size_t len)
{
	png_image img;
	uint8_t *buf;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		snprintf(err, len, "cannot read %s: %s", path, img.message);
		return -EINVAL;
	}
	if (img.width == 0 || img.height == 0 || img.width > 16384 || img.height > 16384) {
		png_image_free(&img);
		snprintf(err, len, "%s: size %ux%u out of range", path, img.width, img.height);
		return -EINVAL;
	}
	img.format = PNG_FORMAT_RGB;
	buf = malloc((size_t)img.width * img.height * 3);
	if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		snprintf(err, len, "cannot read %s: %s", path, buf ? img.message : "out of memory");
		free(buf);
		png_image_free(&img);
		return -EINVAL;
	}
	*out = buf;
	*w = img.width;
	*h = img.height;
	return 0;
}
