// SPDX-License-Identifier: MIT
/* Pipes of clipboard text (src/agent/textpipe.h). */
#include "textpipe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct textpipe {
	uv_poll_t poll;
	int fd;
	bool writing;
	size_t max, len, off;
	uint8_t *buf;
	textpipe_done done;
	void *data;
};

static void closed(uv_handle_t *h)
{
	struct textpipe *t = h->data;
	close(t->fd);
	free(t->buf);
	free(t);
}

static void finish(struct textpipe *t)
{
	uv_poll_stop(&t->poll);
	uv_close((uv_handle_t *)&t->poll, closed);
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	(void)events;
	struct textpipe *t = p->data;
	uint8_t scratch[16384];
	for (;;) {
		/* buf holds max + 1: one byte past max tells "over" from
		 * "exactly max"; past that bytes are only counted. */
		bool keep = t->len <= t->max;
		uint8_t *dst = keep ? t->buf + t->len : scratch;
		size_t room = keep ? t->max + 1 - t->len : sizeof(scratch);
		ssize_t n = status < 0 ? -1 : read(t->fd, dst, room);
		if (n < 0 && (errno == EAGAIN || errno == EINTR) && status >= 0)
			return;
		if (n <= 0) {
			int err = n < 0 ? -errno : 0;
			if (status < 0)
				err = status;
			bool fits = t->len <= t->max;
			t->done(t->data, fits && !err ? t->buf : NULL, t->len, err);
			finish(t);
			return;
		}
		t->len += (size_t)n;
		if (t->len > TEXTPIPE_COUNT_MAX) {
			t->done(t->data, NULL, t->len, 0);
			finish(t);
			return;
		}
	}
}

static void on_writable(uv_poll_t *p, int status, int events)
{
	(void)events;
	struct textpipe *t = p->data;
	while (status >= 0 && t->off < t->len) {
		ssize_t n = write(t->fd, t->buf + t->off, t->len - t->off);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break; /* the reader went: nothing to do about it */
		t->off += (size_t)n;
	}
	finish(t);
}

static int start(uv_loop_t *loop, struct textpipe *t)
{
	int fl = fcntl(t->fd, F_GETFL);
	if (fl < 0 || fcntl(t->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	int r = uv_poll_init(loop, &t->poll, t->fd);
	if (r < 0)
		return r;
	t->poll.data = t;
	uv_poll_start(&t->poll, t->writing ? UV_WRITABLE : UV_READABLE,
		      t->writing ? on_writable : on_readable);
	return 0;
}

/* A textpipe on fd with a buffer of size bytes; fd is closed on failure. */
static struct textpipe *make(int fd, size_t size)
{
	struct textpipe *t = calloc(1, sizeof(*t));
	if (!t || !(t->buf = malloc(size ? size : 1))) {
		free(t);
		close(fd);
		return NULL;
	}
	t->fd = fd;
	return t;
}

/* Polls t's fd; on failure t and its fd are gone. */
static int start_or_free(uv_loop_t *loop, struct textpipe *t)
{
	int r = start(loop, t);
	if (r < 0) {
		close(t->fd);
		free(t->buf);
		free(t);
	}
	return r;
}

int textpipe_read(uv_loop_t *loop, int fd, size_t max, textpipe_done done, void *data,
		  struct textpipe **out)
{
	struct textpipe *t = make(fd, max + 1);
	if (!t)
		return -ENOMEM;
	t->max = max;
	t->done = done;
	t->data = data;
	int r = start_or_free(loop, t);
	if (r == 0)
		*out = t;
	return r;
}

int textpipe_write(uv_loop_t *loop, int fd, const uint8_t *text, size_t len)
{
	struct textpipe *t = make(fd, len);
	if (!t)
		return -ENOMEM;
	memcpy(t->buf, text, len);
	t->len = len;
	t->writing = true;
	return start_or_free(loop, t);
}

void textpipe_cancel(struct textpipe *t)
{
	if (t)
		finish(t);
}
