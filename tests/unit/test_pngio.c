// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmscast/fileio.h"
#include "kmscast/pngio.h"
#include "../dirent-count.h"
#include "tst.h"

static int round_trip(void)
{
	char dir[] = "/tmp/kmscast-pngio-XXXXXX", path[64], err[256];
	uint8_t img[7 * 5 * 3], *back = NULL;
	uint32_t w, h;

	CHECK(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(img); i++) {
		img[i] = (uint8_t)(i * 37);
	}
	snprintf(path, sizeof(path), "%s/a.png", dir);
	CHECK_EQ_INT(pngio_write_rgb8(path, img, 7, 5, err, sizeof(err)), 0);
	CHECK_EQ_INT(pngio_read_rgb8(path, &back, &w, &h, err, sizeof(err)), 0);
	CHECK_EQ_INT(w, 7);
	CHECK_EQ_INT(h, 5);
	CHECK_MEM(back, img, sizeof(img));
	CHECK_EQ_INT(dirent_count(dir), 1); /* no temp file left beside it */
	free(back);
	unlink(path);
	rmdir(dir);
	return 0;
}

static int unwritable_leaves_nothing(void)
{
	char err[256];
	uint8_t img[3] = {1, 2, 3};

	CHECK_EQ_INT(pngio_write_rgb8("/nonexistent-dir/x.png", img, 1, 1, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "cannot write /nonexistent-dir/x.png: No such file or directory"));
	CHECK(access("/nonexistent-dir/x.png", F_OK) != 0);
	CHECK_EQ_INT(fileio_write_atomic("/proc/x.raw", img, 3, 0644, err, sizeof(err)) < 0, 1);
	CHECK(strstr(err, "cannot write /proc/x.raw"));
	return 0;
}

static int rejects_non_png(void)
{
	char dir[] = "/tmp/kmscast-pngio-XXXXXX", path[64], err[256];
	uint8_t *img = NULL;
	uint32_t w, h;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/not.png", dir);
	CHECK_EQ_INT(fileio_write_atomic(path, "hello", 5, 0644, err, sizeof(err)), 0);
	CHECK_EQ_INT(pngio_read_rgb8(path, &img, &w, &h, err, sizeof(err)), -EINVAL);
	CHECK(img == NULL);
	CHECK(strstr(err, "cannot read"));
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Appends keep what is there, add a missing final newline, are 0600 and
 * never go through a link. */
static int append_line(void)
{
	char dir[] = "/tmp/kmscast-append.XXXXXX", path[64], err[256], *data;
	size_t n;
	struct stat st;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/trust", dir);
	CHECK_EQ_INT(fileio_append_line(path, "one", 1024, 0600, err, sizeof(err)), 0);
	CHECK_EQ_INT(fileio_write_atomic(path, "one\ntwo", 7, 0600, err, sizeof(err)), 0);
	CHECK_EQ_INT(fileio_append_line(path, "three", 1024, 0600, err, sizeof(err)), 0);
	CHECK_EQ_INT(fileio_read_all(path, 1024, &data, &n, err, sizeof(err)), 0);
	CHECK(strcmp(data, "one\ntwo\nthree\n") == 0);
	free(data);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK_EQ_INT(fileio_read_all(path, 4, &data, &n, err, sizeof(err)), -EFBIG);
	CHECK_EQ_INT(fileio_append_line(path, "x", 4, 0600, err, sizeof(err)), -EFBIG);
	/* A link is not followed: its target keeps its bytes. */
	char link[80];
	snprintf(link, sizeof(link), "%s/link", dir);
	CHECK_EQ_INT(symlink(path, link), 0);
	CHECK_EQ_INT(fileio_append_line(link, "four", 1024, 0600, err, sizeof(err)), -ELOOP);
	CHECK(strstr(err, "symbolic link"));
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_size, 14);
	unlink(link);
	unlink(path);
	CHECK_EQ_INT(dirent_count(dir), 0);
	rmdir(dir);
	return 0;
}

TST_MAIN("pngio", TST_CASE(round_trip), TST_CASE(unwritable_leaves_nothing),
	 TST_CASE(rejects_non_png), TST_CASE(append_line))
