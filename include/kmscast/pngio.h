// SPDX-License-Identifier: MIT
/* PNG files of packed rgb8 images, written atomically (temp file + rename, so
 * no partial file is ever left at the destination). */
#ifndef KMSCAST_PNGIO_H
#define KMSCAST_PNGIO_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 or -errno with a one-line message in err. */
int pngio_write_rgb8(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h, char *err,
		     size_t err_len);

/* Reads an 8-bit RGB or RGBA PNG (alpha dropped) up to 16384x16384 into a
 * malloc'd rgb8 buffer. Returns 0 or -errno with a message. */
int pngio_read_rgb8(const char *path, uint8_t **rgb, uint32_t *w, uint32_t *h, char *err,
		    size_t err_len);

#endif
