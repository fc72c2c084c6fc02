// SPDX-License-Identifier: MIT
/* Small file helpers: atomic writes (temp file + rename, so no partial file
 * is ever left at the destination) and bounded reads of untrusted files. */
#ifndef KMSCAST_FILEIO_H
#define KMSCAST_FILEIO_H

#include <stdio.h>
#include <sys/types.h>

/* An open temp file beside path with the given mode; *tmp gets its name.
 * NULL with errno and a message on failure. */
FILE *fileio_open_temp(const char *path, mode_t mode, char *tmp, size_t tmp_len, char *err,
		       size_t err_len);

/* Flushes and closes f, then renames tmp over path if ok; removes tmp on
 * any failure. Returns 0 or -errno with a message. */
int fileio_finish_temp(FILE *f, const char *tmp, const char *path, int ok, char *err,
		       size_t err_len);

/* Writes len bytes to path atomically with the given mode. */
int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
			size_t err_len);

/* Reads a whole regular file of at most max bytes into a malloc'd,
 * NUL-terminated buffer. -ENOENT, -EFBIG or another -errno with a message. */
int fileio_read_all(const char *path, size_t max, char **data, size_t *len, char *err,
		    size_t err_len);

/* Appends line (and a newline) to a text file of at most max bytes in one
 * write, never following a link; a missing file is created with mode. */
int fileio_append_line(const char *path, const char *line, size_t max, mode_t mode, char *err,
		       size_t err_len);

/* mkdir -p with mode for the directories it creates. */
int fileio_mkdirs(const char *path, mode_t mode, char *err, size_t err_len);

#endif
