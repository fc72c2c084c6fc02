// SPDX-License-Identifier: MIT
#define _GNU_SOURCE /* SO_PASSCRED */
#include "kmscast/privsep.h"
#include "tst.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct privsep_resp grab_answer(uint32_t seq, uint32_t planes, bool cursor)
{
	struct privsep_resp r;

	memset(&r, 0, sizeof(r));
	r.magic = PRIVSEP_MAGIC;
	r.version = PRIVSEP_VERSION;
	r.op = PRIVSEP_GRAB;
	r.seq = seq;
	r.u.frame.fb = (struct capture_buffer){.fb_id = 40, .width = 64, .height = 32,
					       .n_planes = planes};
	r.u.frame.has_cursor = cursor;
	r.u.frame.cursor = (struct capture_buffer){.fb_id = 41, .width = 64, .height = 64,
						   .n_planes = 1};
	r.n_fds = planes + cursor;
	return r;
}

static int requests_are_checked(void)
{
	struct privsep_req q = {.magic = PRIVSEP_MAGIC, .version = PRIVSEP_VERSION,
				.op = PRIVSEP_GRAB, .seq = 1};
	char err[160];

	CHECK_EQ_INT(privsep_check_req(&q, sizeof(q), err, sizeof(err)), 0);
	CHECK_EQ_INT(privsep_check_req(&q, sizeof(q) - 1, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "request of 15 bytes, want 16"));
	q.version = 1; /* before the frame said whether the screen is blanked */
	CHECK_EQ_INT(privsep_check_req(&q, sizeof(q), err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "version 1, want 6b6d7370 version 2"));
	q.version = PRIVSEP_VERSION;
	q.op = PRIVSEP_VBLANK; /* an event, never a request */
	CHECK_EQ_INT(privsep_check_req(&q, sizeof(q), err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "unknown request 7"));
	q.op = 0;
	CHECK_EQ_INT(privsep_check_req(&q, sizeof(q), err, sizeof(err)), -EPROTO);
	q.op = PRIVSEP_CONSOLE;
	CHECK_EQ_INT(privsep_check_req(&q, sizeof(q), err, sizeof(err)), 0);
	q.op = PRIVSEP_CONSOLE + 1;
	CHECK_EQ_INT(privsep_check_req(&q, sizeof(q), err, sizeof(err)), -EPROTO);
	return 0;
}

static int answers_are_checked(void)
{
	struct privsep_resp r = grab_answer(9, 2, true);
	char err[160];

	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 9, 3, err, sizeof(err)), 0);
	/* The fds that came must be the ones the frame needs. */
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 9, 2, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "2 fds came (3 announced), want 3"));
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 10, 3, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "answer 2 #9 to request 2 #10"));
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_PEEK, 9, 3, err, sizeof(err)), -EPROTO);
	/* A blanked screen is a yes or a no. */
	r.u.frame.blanked = 1;
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 9, 3, err, sizeof(err)), 0);
	r.u.frame.blanked = 2;
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 9, 3, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "blanked is 2"));
	r.u.frame.blanked = 0;
	memset(&r.u.frame.has_cursor, 0x80, 1); /* no bool: from a helper gone wrong */
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 9, 3, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "has_cursor is 128"));
	r = grab_answer(1, 5, false);
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 1, 5, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "framebuffer with 5 planes"));
	r = grab_answer(1, 0, false);
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 1, 0, err, sizeof(err)), -EPROTO);
	r = grab_answer(1, 1, false);
	memset(r.err, 'x', sizeof(r.err));
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 1, 1, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "unterminated error text"));
	/* A failed grab carries its reason and no fds. */
	r = grab_answer(1, 1, false);
	r.result = -EACCES;
	r.n_fds = 0;
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 1, 0, err, sizeof(err)), 0);
	r.result = 7;
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_GRAB, 1, 0, err, sizeof(err)), -EPROTO);
	/* Names must end inside their fields. */
	memset(&r, 0, sizeof(r));
	r.magic = PRIVSEP_MAGIC;
	r.version = PRIVSEP_VERSION;
	r.op = PRIVSEP_INFO;
	r.seq = 3;
	memset(r.u.info.output, 'V', sizeof(r.u.info.output));
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_INFO, 3, 0, err, sizeof(err)), -EPROTO);
	CHECK(strstr(err, "unterminated names"));
	/* A console mode is one the streamer knows. */
	memset(r.u.info.output, 0, sizeof(r.u.info.output));
	r.op = PRIVSEP_CONSOLE;
	r.u.console.mode = CAPTURE_CONSOLE_GRAPHICS;
	r.u.console.number = CAPTURE_VT_MAX;
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_CONSOLE, 3, 0, err, sizeof(err)), 0);
	r.u.console.mode = CAPTURE_CONSOLE_COUNT;
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_CONSOLE, 3, 0, err, sizeof(err)),
		     -EPROTO);
	CHECK(strstr(err, "console mode 4"));
	r.u.console.mode = CAPTURE_CONSOLE_TEXT;
	r.u.console.number = CAPTURE_VT_MAX + 1;
	CHECK_EQ_INT(privsep_check_resp(&r, sizeof(r), PRIVSEP_CONSOLE, 3, 0, err, sizeof(err)),
		     -EPROTO);
	CHECK(strstr(err, "tty64"));
	return 0;
}

/* A child answers every request over a real socketpair; the kernel stamps
 * its credentials on the answers. */
static pid_t responder(int fd, int other)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(other);
	struct privsep_req q;
	while (read(fd, &q, sizeof(q)) == (ssize_t)sizeof(q)) {
		struct privsep_resp r;
		memset(&r, 0, sizeof(r));
		r.magic = PRIVSEP_MAGIC;
		r.version = PRIVSEP_VERSION;
		r.op = q.op;
		r.seq = q.seq;
		r.u.current = q.arg == 77;
		if (write(fd, &r, sizeof(r)) < 0)
			break;
	}
	_exit(0);
}

static int credentials_are_checked(void)
{
	int sv[2], on = 1;
	struct privsep_resp r;
	int fds[PRIVSEP_MAX_FDS];
	unsigned n;
	char err[160];

	CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	pid_t pid = responder(sv[1], sv[0]);
	close(sv[1]);
	struct privsep_peer p = {.fd = sv[0], .ev_fd = -1, .pid = pid};
	int want = getuid() == 0 ? 0 : -EPERM; /* answers must come from uid 0 */
	CHECK_EQ_INT(privsep_call(&p, PRIVSEP_IS_CURRENT, 77, &r, fds, &n, err, sizeof(err)), want);
	if (want == 0)
		CHECK_EQ_INT(r.u.current, 1);
	/* The same answer from a process that is not the helper is refused. */
	p.pid = pid + 1;
	CHECK_EQ_INT(privsep_call(&p, PRIVSEP_IS_CURRENT, 77, &r, fds, &n, err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "not the capture helper"));
	close(sv[0]);
	int status;
	waitpid(pid, &status, 0);
	/* And a helper that is gone. */
	p.fd = -1;
	CHECK_EQ_INT(privsep_call(&p, PRIVSEP_INFO, 0, &r, fds, &n, err, sizeof(err)), -EPIPE);
	CHECK(strstr(err, "the capture helper is gone"));
	return 0;
}

TST_MAIN("privsep", TST_CASE(requests_are_checked), TST_CASE(answers_are_checked),
	 TST_CASE(credentials_are_checked))
