// SPDX-License-Identifier: MIT
#include "kmscast/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *fileio_open_temp(const char *path, mode_t mode, char *tmp, size_t tmp_len, char *err,
		       size_t len)
{
	int fd;
	FILE *f;

	if ((size_t)snprintf(tmp, tmp_len, "%s.tmp.XXXXXX", path) >= tmp_len) {
		snprintf(err, len, "cannot write %s: path too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	fchmod(fd, mode);
	f = fdopen(fd, "wb");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
	}
	return f;
}

int fileio_finish_temp(FILE *f, const char *tmp, const char *path, int ok, char *err, size_t len)
{
	int e = 0;

	if (fflush(f) != 0 || ferror(f)) {
		e = errno ? errno : EIO;
	}
	if (fclose(f) != 0 && !e) {
		e = errno;
	}
	if (ok && !e && rename(tmp, path) != 0) {
		e = errno;
	}
	if (!ok || e) {
		unlink(tmp);
		if (e) {
			snprintf(err, len, "cannot write %s: %s", path, strerror(e));
		}
		return -(e ? e : EIO);
	}
	return 0;
}

int fileio_write_atomic(const char *path, const void *data, size_t n, mode_t mode, char *err,
			size_t len)
{
	char tmp[PATH_MAX];
	FILE *f = fileio_open_temp(path, mode, tmp, sizeof(tmp), err, len);

	if (!f) {
		return -errno;
	}
	return fileio_finish_temp(f, tmp, path, fwrite(data, 1, n, f) == n, err, len);
}

int fileio_read_all(const char *path, size_t max, char **data, size_t *n, char *err, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	char *buf = NULL;
	size_t got = 0;
	int e = 0;

	*data = NULL;
	*n = 0;
	if (fd < 0) {
		e = errno;
		snprintf(err, len, "cannot read %s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		snprintf(err, len, "cannot read %s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		e = EFBIG;
		snprintf(err, len, "cannot read %s: larger than %zu bytes", path, max);
		goto out;
	}
	buf = malloc(max + 1);
	if (!buf) {
		e = ENOMEM;
		snprintf(err, len, "cannot read %s: out of memory", path);
		goto out;
	}
	/* The size may change under us: read up to max+1 to notice growth. */
	for (;;) {
		ssize_t r = read(fd, buf + got, max + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			snprintf(err, len, "cannot read %s: %s", path, strerror(e));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			e = EFBIG;
			snprintf(err, len, "cannot read %s: larger than %zu bytes", path, max);
			goto out;
		}
	}
	buf[got] = '\0';
	*data = buf;
	*n = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return -e;
}

int fileio_mkdirs(const char *path, mode_t mode, char *err, size_t len)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
		snprintf(err, len, "cannot create %s: path too long", path);
		return -ENAMETOOLONG;
	}
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			int e = errno;
			snprintf(err, len, "cannot create %s: %s", p, strerror(e));
			return -e;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int fileio_append_line(const char *path, const char *line, size_t max, mode_t mode, char *err,
		       size_t len)
{
	/* In place, not through a temp file and rename: the daemon's streamer
	 * may write this file but not the directory it is in. No link is
	 * followed, since that directory may be another user's. */
	int fd = open(path,
		      O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		      mode);
	struct stat st;
	size_t ln = strlen(line);
	char last = '\n';
	int e = 0;

	if (fd < 0) {
		e = errno;
		snprintf(err, len, "cannot write %s: %s", path,
			 e == ELOOP ? "it is a symbolic link" : strerror(e));
		return -e;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, len, "cannot write %s: not a regular file", path);
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size + ln + 2 > max) {
		close(fd);
		snprintf(err, len, "cannot write %s: it would be larger than %zu bytes", path, max);
		return -EFBIG;
	}
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	char *all = malloc(ln + 2);
	if (!all) {
		close(fd);
		snprintf(err, len, "cannot write %s: out of memory", path);
		return -ENOMEM;
	}
	size_t n = 0;
	if (last != '\n')
		all[n++] = '\n'; /* never glue onto a last line without one */
	memcpy(all + n, line, ln);
	n += ln;
	all[n++] = '\n';
	/* One write, so a reader sees the line whole or not at all. */
	ssize_t w = write(fd, all, n);
	if (w < 0 || (w == (ssize_t)n && fsync(fd) != 0))
		e = errno;
	else if (w != (ssize_t)n)
		e = EIO; /* short: the file system is full */
	free(all);
	if (close(fd) != 0 && !e)
		e = errno;
	if (e) {
		snprintf(err, len, "cannot write %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}
