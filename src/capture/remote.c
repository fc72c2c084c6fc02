// SPDX-License-Identifier: MIT
/* The remote implementation: every question goes to the capture helper as
 * one request of the privsep wire; the dmabufs it sends are kept in the
 * cache like the local ones. */
#include "remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf.h"
#include "impl.h"
#include "kmscast/errmsg.h"
#include "kmscast/privsep.h"

struct remote {
	struct capture base;
	struct privsep_peer peer;
};

static const struct capture_impl remote_impl;

static struct remote *remote_of(struct capture *cap) { return (struct remote *)cap; }

/* The helper's own failure: its -errno, and its message in err. */
static int resp_error(const struct privsep_resp *resp, char *err, size_t len)
{
	snprintf(err, len, "%s", resp->err[0] ? resp->err : strerror(-resp->result));
	return resp->result;
}

/* One request to the helper whose answer carries no fds. */
static int call(struct capture *cap, uint16_t op, uint32_t arg, struct privsep_resp *resp,
		char *err, size_t len)
{
	int fds[PRIVSEP_MAX_FDS];
	unsigned n = 0;
	int ret = privsep_call(&remote_of(cap)->peer, op, arg, resp, fds, &n, err, len);

	if (ret == 0 && resp->result < 0) {
		ret = resp_error(resp, err, len);
	}
	return ret;
}

int capture_remote_create(const struct privsep_peer *peer, struct capture **out, char *err,
			  size_t len)
{
	struct remote *r = calloc(1, sizeof(*r));
	struct privsep_resp resp;
	int ret;

	if (!r) {
		return errmsg(err, len, -ENOMEM, "out of memory");
	}
	r->base.impl = &remote_impl;
	r->peer = *peer;
	ret = call(&r->base, PRIVSEP_INFO, 0, &resp, err, len);
	if (ret < 0) {
		free(r); /* the peer's sockets stay the caller's */
		return ret;
	}
	r->base.info = resp.u.info;
	*out = &r->base;
	return 0;
}

static int remote_rescan(struct capture *cap, char *err, size_t len)
{
	struct capture_info old = cap->info;
	struct privsep_resp resp;
	int ret = call(cap, PRIVSEP_RESCAN, 0, &resp, err, len);

	if (ret == -EPIPE || ret == -ETIMEDOUT || ret == -EPROTO || ret == -EPERM) {
		return ret; /* the helper, not the output: nothing is known */
	}
	if (ret == 0) {
		cap->info = resp.u.info;
	}
	return capture_rescanned(cap, &old, ret, false);
}

static int remote_vblank_arm(struct capture *cap)
{
	struct privsep_resp resp;
	char err[256];

	return call(cap, PRIVSEP_VBLANK_ARM, 0, &resp, err, sizeof(err));
}

static int remote_watch(struct capture *cap, bool on)
{
	struct privsep_resp resp;
	char err[256];

	return call(cap, PRIVSEP_WATCH, on, &resp, err, sizeof(err));
}

static int remote_console(struct capture *cap, unsigned *vt, char *err, size_t len)
{
	struct privsep_resp resp;
	int ret = call(cap, PRIVSEP_CONSOLE, 0, &resp, err, len);

	if (ret < 0)
		return ret;
	*vt = resp.u.console.number;
	return (int)resp.u.console.mode;
}

static int remote_vblank_fd(const struct capture *cap)
{
	return ((const struct remote *)cap)->peer.ev_fd;
}

static int remote_vblank_read(struct capture *cap, uint64_t *t_us)
{
	int ret = privsep_read_vblank(&remote_of(cap)->peer, t_us);

	return ret == -EAGAIN ? 0 : ret == 0 ? 1 : ret;
}

/* Fds that came from the helper into a buffer (the cache identifies them). */
static void adopt_fds(struct capture_buffer *b, const int *fds, unsigned *k)
{
	for (uint32_t i = 0; i < CAPTURE_MAX_PLANES; i++) {
		b->fd[i] = i < b->n_planes ? fds[(*k)++] : -1;
	}
}

static int remote_grab(struct capture *cap, struct capture_frame *frame, char *err, size_t len)
{
	struct privsep_resp resp;
	int fds[PRIVSEP_MAX_FDS];
	unsigned n = 0, k = 0;
	int ret = privsep_call(&remote_of(cap)->peer, PRIVSEP_GRAB, 0, &resp, fds, &n, err, len);

	memset(frame, 0, sizeof(*frame));
	if (ret < 0) {
		return ret;
	}
	if (resp.result < 0) {
		return resp_error(&resp, err, len);
	}
	*frame = resp.u.frame;
	adopt_fds(&frame->fb, fds, &k);
	dmabuf_cache_keep(&cap->cache, &frame->fb);
	if (frame->has_cursor) {
		adopt_fds(&frame->cursor, fds, &k);
		dmabuf_cache_keep(&cap->cache, &frame->cursor);
	}
	return 0;
}

static bool remote_is_current(struct capture *cap, uint32_t fb_id)
{
	struct privsep_resp resp;
	char err[256];

	return call(cap, PRIVSEP_IS_CURRENT, fb_id, &resp, err, sizeof(err)) == 0 && resp.u.current;
}

/* The helper's board first: a look that costs no round trip. */
static int remote_peek(struct capture *cap, struct capture_peek *p)
{
	struct privsep_resp resp;
	char err[256];
	int ret;

	memset(p, 0, sizeof(*p));
	if (privsep_read_board(&remote_of(cap)->peer, p) == 0) {
		return 0;
	}
	ret = call(cap, PRIVSEP_PEEK, 0, &resp, err, sizeof(err));
	if (ret == 0) {
		*p = resp.u.peek;
	}
	return ret;
}

static void remote_destroy(struct capture *cap)
{
	if (!cap) {
		return;
	}
	dmabuf_cache_clear(&cap->cache);
	privsep_peer_close(&remote_of(cap)->peer);
	free(remote_of(cap));
}

static const struct capture_impl remote_impl = {
	.grab = remote_grab,
	.peek = remote_peek,
	.is_current = remote_is_current,
	.rescan = remote_rescan,
	.vblank_arm = remote_vblank_arm,
	.vblank_fd = remote_vblank_fd,
	.vblank_read = remote_vblank_read,
	.watch = remote_watch,
	.console = remote_console,
	.destroy = remote_destroy,
};
