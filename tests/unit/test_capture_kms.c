// SPDX-License-Identifier: MIT
/* The capture's KMS logic against a fake libdrm (fake_drm.c): locating an
 * output, grabbing its planes, rescanning after hotplug, following a card
 * that goes and comes, and the helper's answers and request checks. The
 * same code runs on a real kernel in the VM scenarios. */
#define _GNU_SOURCE
#include <drm_fourcc.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drmMode.h>

#include "fake_drm.h"
#include "kmscast/capture.h"
#include "kmscast/helper.h"
#include "kmscast/privsep.h"
#include "tst.h"

#define PIXEL 0x00112233u

/* One lit Virtual-1 on CRTC 50 (primary plane 60 showing fb 70, cursor
 * plane 61 showing fb 71 at 5,7); Virtual-2 dark; CRTC 51 off, with its
 * own primary plane 62 and fb 72 to flip to. */
static int card_one(struct fake_card *c, const char *driver)
{
	memset(c, 0, sizeof(*c));
	c->driver = driver;
	c->conn[0] = (struct fake_connector){30, DRM_MODE_CONNECTOR_VIRTUAL, 1, true, 40};
	c->conn[1] = (struct fake_connector){31, DRM_MODE_CONNECTOR_VIRTUAL, 2, false, 0};
	c->enc[0] = (struct fake_encoder){40, 50};
	c->enc[1] = (struct fake_encoder){41, 0};
	c->crtc[0] = (struct fake_crtc){50, true};
	c->crtc[1] = (struct fake_crtc){51, false};
	c->plane[0] = (struct fake_plane){60, DRM_PLANE_TYPE_PRIMARY, 50, 70, 1, 0, 0};
	c->plane[1] = (struct fake_plane){61, DRM_PLANE_TYPE_CURSOR, 50, 71, 3, 5, 7};
	c->plane[2] = (struct fake_plane){62, DRM_PLANE_TYPE_PRIMARY, 0, 0, 2, 0, 0};
	c->fb[0] = (struct fake_fb){70, 8, 4, DRM_FORMAT_XRGB8888, 32, 0};
	c->fb[1] = (struct fake_fb){71, 2, 2, DRM_FORMAT_ARGB8888, 8, 0};
	c->fb[2] = (struct fake_fb){72, 8, 4, DRM_FORMAT_XRGB8888, 32, 0};
	c->n_conn = c->n_enc = c->n_crtc = 2;
	c->n_plane = c->n_fb = 3;
	for (int i = 0; i < c->n_fb; i++)
		if (fake_drm_fb(&c->fb[i], PIXEL + (uint32_t)i) < 0)
			return -1;
	return 0;
}

static void card_free(struct fake_card *c)
{
	for (int i = 0; i < c->n_fb; i++)
		if (c->fb[i].memfd > 0)
			close(c->fb[i].memfd);
	fake_drm_reset();
}

static int locates_outputs_and_planes(void)
{
	struct fake_card c;
	struct capture *cap = NULL;
	struct capture_options o = {0};
	char err[256];

	CHECK_EQ_INT(card_one(&c, "fakegpu"), 0);
	int fd = fake_drm_add(&c, NULL);
	CHECK(fd >= 0);
	/* The first connected output with a CRTC. */
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), 0);
	CHECK(strcmp(capture_output_name(cap), "Virtual-1") == 0);
	CHECK(strcmp(capture_driver(cap), "fakegpu") == 0);
	CHECK_EQ_INT(capture_crtc_id(cap), 50);
	CHECK_EQ_INT(capture_crtc_index(cap), 0);
	capture_destroy(cap);

	o.output = "Virtual-2";
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), -ENOENT);
	CHECK(strcmp(err, "output Virtual-2 is not lit (no active CRTC)") == 0);
	o.output = "HDMI-A-9";
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), -ENOENT);
	CHECK(strcmp(err, "no output named HDMI-A-9") == 0);
	o.output = NULL;
	/* A plane by id, wherever it is; and one that is not there. */
	o.plane_id = 62;
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), 0);
	CHECK(strcmp(capture_output_name(cap), "plane-62") == 0);
	capture_destroy(cap);
	o.plane_id = 99;
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), -ENOENT);
	CHECK(strcmp(err, "no plane 99") == 0);
	o.plane_id = 0;
	/* A lit output whose CRTC has no primary plane on it. */
	c.plane[0].crtc_id = 0;
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), -ENOENT);
	CHECK(strcmp(err, "output Virtual-1 shows nothing (no primary plane is on its CRTC)") == 0);
	c.plane[0].crtc_id = 50;
	c.conn[0].connected = false;
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), -ENOENT);
	CHECK(strcmp(err, "no connected output with an active CRTC") == 0);
	/* Not a card at all. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK_EQ_INT(capture_create(null, &o, &cap, err, sizeof(err)), -ENODEV);
	CHECK(strcmp(err, "the device is not a KMS card") == 0);
	close(null);
	close(fd);
	card_free(&c);
	return 0;
}

static int grabs_planes_cursor_and_flips(void)
{
	struct fake_card c;
	struct capture *cap = NULL;
	struct capture_options o = {.cursor = true};
	struct capture_frame f;
	struct capture_peek pk;
	uint8_t bytes[32 * 4], rgb[8 * 4 * 3];
	char err[256];

	CHECK_EQ_INT(card_one(&c, "virtio_gpu"), 0);
	int fd = fake_drm_add(&c, NULL);
	CHECK(fd >= 0);
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), 0);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fb_id, 70);
	CHECK_EQ_INT(f.fb.width, 8);
	CHECK_EQ_INT(f.fb.height, 4);
	CHECK_EQ_INT(f.fb.fourcc, DRM_FORMAT_XRGB8888);
	CHECK_EQ_INT(f.fb.n_planes, 1);
	CHECK_EQ_INT(f.fb.pitch[0], 32);
	CHECK_EQ_INT(f.crtc_w, 8);
	CHECK(f.has_cursor);
	CHECK_EQ_INT(f.cursor.fb_id, 71);
	CHECK_EQ_INT(f.cursor_x, 5);
	CHECK_EQ_INT(f.cursor_y, 7);
	CHECK_EQ_INT(f.cursor_w, 2);
	/* Every GEM handle the export took is closed again. */
	CHECK_EQ_INT(fake_drm_open_handles(), 0);
	/* What the CPU reads is the buffer's memory. */
	CHECK_EQ_INT(capture_read_bytes(cap, &f.fb, bytes, sizeof(bytes), err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bytes); i += 4) {
		uint32_t px;
		memcpy(&px, bytes + i, 4);
		CHECK_EQ_INT(px, PIXEL);
	}
	CHECK_EQ_INT(capture_read_rgb8(cap, &f.fb, rgb, err, sizeof(err)), 0);
	CHECK(rgb[0] == 0x11 && rgb[1] == 0x22 && rgb[2] == 0x33);
	CHECK_EQ_INT(capture_differs(cap, &f.fb, bytes, sizeof(bytes), 0, 1, err, sizeof(err)), 0);
	/* The same memory again comes from the cache: the same fd. */
	int fd70 = f.fb.fd[0];
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fd[0], fd70);
	CHECK_EQ_INT(capture_peek(cap, &pk), 0);
	CHECK_EQ_INT(pk.fb_id, 70);
	CHECK_EQ_INT(pk.cursor_fb_id, 71);
	CHECK_EQ_INT(pk.cursor_x, 5);
	CHECK_EQ_INT(pk.cursor_y, 7);
	/* A flip. */
	c.plane[0].fb_id = 72;
	CHECK(!capture_is_current(cap, 70));
	CHECK(capture_is_current(cap, 72));
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fb_id, 72);
	CHECK_EQ_INT(capture_copy_stable(cap, &f.fb, bytes, sizeof(bytes), err, sizeof(err)), 0);
	CHECK_EQ_INT(bytes[0], (PIXEL + 2) & 0xff);
	/* Nothing shown; and no privilege. */
	c.plane[0].fb_id = 0;
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), -ENODATA);
	CHECK(strcmp(err, "Virtual-1 shows no framebuffer") == 0);
	c.plane[0].fb_id = 70;
	c.no_handles = true;
	c.plane[1].fb_id = 0;
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), -EACCES);
	CHECK(strstr(err, "reading framebuffer 70 needs CAP_SYS_ADMIN or DRM master"));
	capture_destroy(cap);
	close(fd);
	card_free(&c);
	return 0;
}

static int rescans_after_hotplug(void)
{
	struct fake_card c;
	struct capture *cap = NULL;
	struct capture_options o = {0};
	struct capture_frame f;
	char err[256];

	CHECK_EQ_INT(card_one(&c, "fakegpu"), 0);
	int fd = fake_drm_add(&c, NULL);
	CHECK(fd >= 0);
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), 0);
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), 0);
	/* The output moves to the other CRTC and its plane. */
	c.enc[0].crtc_id = 51;
	c.crtc[1].mode_valid = true;
	c.crtc[0].mode_valid = false;
	c.plane[2].crtc_id = 51;
	c.plane[2].fb_id = 72;
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), 1);
	CHECK_EQ_INT(capture_crtc_id(cap), 51);
	CHECK_EQ_INT(capture_crtc_index(cap), 1);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fb_id, 72);
	/* Unplugged: grabs say so until it is back. */
	c.conn[0].connected = false;
	c.conn[0].encoder_id = 0;
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), -ENOENT);
	CHECK(strcmp(err, "no connected output with an active CRTC") == 0);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), -ENODEV);
	CHECK(strcmp(err, "output Virtual-1 is gone (unplugged, or its CRTC is off): waiting for "
		      "it to come back") == 0);
	c.conn[0].connected = true;
	c.conn[0].encoder_id = 40;
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), 1);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fb_id, 72);
	CHECK_EQ_INT(capture_card(cap), 0);
	/* Nobody watches: no buffer is held. */
	int held = f.fb.fd[0];
	CHECK(fcntl(held, F_GETFD) >= 0);
	CHECK_EQ_INT(capture_watch(cap, false), 0);
	CHECK(fcntl(held, F_GETFD) < 0);
	capture_destroy(cap);
	close(fd);
	card_free(&c);
	return 0;
}

static int follows_a_card_that_goes_and_comes(void)
{
	struct fake_card a, b;
	struct capture *cap = NULL;
	char path[] = "/tmp/fake-card-XXXXXX";
	struct capture_frame f;
	char err[256];

	CHECK_EQ_INT(card_one(&a, "firstgpu"), 0);
	CHECK_EQ_INT(card_one(&b, "secondgpu"), 0);
	b.plane[0].fb_id = 72;
	int tmp = mkstemp(path);
	CHECK(tmp >= 0);
	close(tmp);
	struct capture_options o = {.follow_cards = true, .device = path};
	int fd = fake_drm_add(&a, NULL);
	int fd_b = fake_drm_add(&b, path);
	CHECK(fd >= 0 && fd_b >= 0);
	close(fd_b);
	CHECK_EQ_INT(capture_create(fd, &o, &cap, err, sizeof(err)), 0); /* takes fd over */
	CHECK(strcmp(capture_driver(cap), "firstgpu") == 0);
	/* The first card dies: the output is found on the device. */
	a.unplugged = true;
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), 1);
	CHECK_EQ_INT(capture_card(cap), 1);
	CHECK(strcmp(capture_driver(cap), "secondgpu") == 0);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fb_id, 72);
	/* It dies too: gone, with the reason; and it comes back. */
	b.unplugged = true;
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), -ENODEV);
	CHECK(strcmp(err, "output Virtual-1 is gone: its card went away (unplugged, or its driver "
		      "unbound)") == 0);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), -ENODEV);
	b.unplugged = false;
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), 1);
	CHECK_EQ_INT(capture_card(cap), 2);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fb_id, 72);
	capture_destroy(cap);
	unlink(path);
	card_free(&a);
	card_free(&b);
	return 0;
}

static int pair(int sv[2])
{
	int on = 1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	return 0;
}

/* The helper's loop in a child, on a fake card, serving peer_pid; exits
 * 0 when the streamer hangs up, 3 on -EPROTO, 4 on -EPERM. */
static pid_t helper_board(int card_fd, pid_t peer_pid, struct privsep_board *board,
			  struct privsep_peer *peer)
{
	int req[2], ev[2];

	if (pair(req) < 0 || pair(ev) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		struct privsep_helper_options ho = {.card_fd = card_fd, .fd = req[1], .ev_fd = ev[1],
						    .peer_pid = peer_pid, .peer_uid = getuid(),
						    .board = board, .peek_ms = 5};
		close(req[0]);
		close(ev[0]);
		int r = privsep_helper_run(&ho);
		_exit(r == -EPROTO ? 3 : r == -EPERM ? 4 : r < 0 ? 5 : 0);
	}
	close(req[1]);
	close(ev[1]);
	*peer = (struct privsep_peer){.fd = req[0], .ev_fd = ev[0], .pid = pid, .uid = getuid(),
				      .board = board};
	return pid;
}

static pid_t helper(int card_fd, pid_t peer_pid, struct privsep_peer *peer)
{
	return helper_board(card_fd, peer_pid, NULL, peer);
}

/* The child's exit code; -1 (and the child killed) if it is still
 * serving after 10 s, which is a failure of the check, not a hang. */
static int exit_code(pid_t pid)
{
	int st = 0;

	for (int i = 0; i < 1000 && waitpid(pid, &st, WNOHANG) == 0; i++)
		usleep(10000);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int helper_answers_and_checks_requests(void)
{
	struct fake_card c;
	struct privsep_peer peer;
	struct capture *cap = NULL;
	struct capture_frame f;
	uint8_t bytes[32];
	char err[256];

	CHECK_EQ_INT(card_one(&c, "fakegpu"), 0);
	int fd = fake_drm_add(&c, NULL);
	CHECK(fd >= 0);
	/* A session: what the helper follows, and a frame with its fds. */
	pid_t pid = helper(fd, getpid(), &peer);
	CHECK(pid > 0);
	CHECK_EQ_INT(capture_create_remote(&peer, &cap, err, sizeof(err)), 0);
	CHECK(strcmp(capture_output_name(cap), "Virtual-1") == 0);
	CHECK(strcmp(capture_driver(cap), "fakegpu") == 0);
	CHECK_EQ_INT(capture_crtc_id(cap), 50);
	CHECK_EQ_INT(capture_grab(cap, &f, err, sizeof(err)), 0);
	CHECK_EQ_INT(f.fb.fb_id, 70);
	CHECK_EQ_INT(capture_read_bytes(cap, &f.fb, bytes, sizeof(bytes), err, sizeof(err)), 0);
	CHECK_EQ_INT(bytes[0], PIXEL & 0xff);
	CHECK(capture_is_current(cap, 70));
	CHECK(!capture_is_current(cap, 72));
	c.plane[0].fb_id = 0; /* the child's copy is its own: still showing 70 */
	CHECK_EQ_INT(capture_rescan(cap, err, sizeof(err)), 0);
	capture_destroy(cap); /* hangs up */
	CHECK_EQ_INT(exit_code(pid), 0);
	c.plane[0].fb_id = 70;

	/* A malformed request stops it; so does one carrying fds. */
	pid = helper(fd, getpid(), &peer);
	CHECK(pid > 0);
	struct privsep_req q = {.magic = 0x41414141, .version = PRIVSEP_VERSION, .op = PRIVSEP_INFO};
	CHECK_EQ_INT(privsep_send(peer.fd, &q, sizeof(q), NULL, 0), 0);
	CHECK_EQ_INT(exit_code(pid), 3);
	privsep_peer_close(&peer);
	pid = helper(fd, getpid(), &peer);
	CHECK(pid > 0);
	q.magic = PRIVSEP_MAGIC;
	CHECK_EQ_INT(privsep_send(peer.fd, &q, sizeof(q), &fd, 1), 0);
	CHECK_EQ_INT(exit_code(pid), 3);
	privsep_peer_close(&peer);
	/* A request from a process that is not its streamer. */
	pid = helper(fd, getpid() + 100000, &peer);
	CHECK(pid > 0);
	CHECK_EQ_INT(capture_create_remote(&peer, &cap, err, sizeof(err)), -EPIPE);
	CHECK(strstr(err, "the capture helper is gone"));
	CHECK_EQ_INT(exit_code(pid), 4);
	privsep_peer_close(&peer);
	close(fd);
	card_free(&c);
	return 0;
}

/* The board's seq after waiting up to 2 s for it to differ from not. */
static uint32_t board_seq_not(const struct privsep_board *b, uint32_t not)
{
	uint32_t s = not;

	for (int i = 0; i < 200 && (s = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE)) == not; i++)
		usleep(10000);
	return s;
}

/* The helper looks at the planes for its board only while the streamer
 * says someone watches: an unwatched host costs nothing. */
static int helper_looks_only_while_watched(void)
{
	/* Shared with the forked helper: a flip here is one there. */
	struct fake_card *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct privsep_peer peer;
	struct capture *cap = NULL;
	struct capture_peek pk;
	char err[256];
	struct privsep_board *board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK(board != MAP_FAILED && c != MAP_FAILED);
	CHECK_EQ_INT(card_one(c, "fakegpu"), 0);
	int fd = fake_drm_add(c, NULL);
	CHECK(fd >= 0);
	pid_t pid = helper_board(fd, getpid(), board, &peer);
	CHECK(pid > 0);
	peer.board = NULL; /* unmapped here, not by the capture */
	CHECK_EQ_INT(capture_create_remote(&peer, &cap, err, sizeof(err)), 0);
	usleep(100000); /* twenty looks' time */
	CHECK_EQ_INT(board->seq, 0);
	CHECK_EQ_INT(capture_watch(cap, true), 0);
	uint32_t s = board_seq_not(board, 0);
	CHECK(s != 0);
	CHECK_EQ_INT(board->peek.fb_id, 70);
	c->plane[0].fb_id = 72; /* a flip: the next look writes it */
	CHECK(board_seq_not(board, s) != s);
	CHECK_EQ_INT(board->peek.fb_id, 72);
	CHECK_EQ_INT(board->peek.cursor_fb_id, 0); /* no cursor asked for */
	CHECK_EQ_INT(capture_watch(cap, false), 0);
	CHECK_EQ_INT(board->seq, 0);
	usleep(100000);
	CHECK_EQ_INT(board->seq, 0);
	CHECK_EQ_INT(capture_peek(cap, &pk), 0); /* by request then */
	CHECK_EQ_INT(pk.fb_id, 72);
	capture_destroy(cap);
	CHECK_EQ_INT(exit_code(pid), 0);
	munmap(board, sizeof(*board));
	close(fd);
	card_free(c);
	munmap(c, sizeof(*c));
	return 0;
}

TST_MAIN("capture-kms", TST_CASE(locates_outputs_and_planes),
	 TST_CASE(grabs_planes_cursor_and_flips), TST_CASE(rescans_after_hotplug),
	 TST_CASE(follows_a_card_that_goes_and_comes),
	 TST_CASE(helper_answers_and_checks_requests), TST_CASE(helper_looks_only_while_watched))
