// SPDX-License-Identifier: MIT
/* The streamer's seccomp filter on this kernel, in forked children: the
 * ioctls it lists pass, TIOCSTI (typing into a terminal) and any other
 * request kill, isatty() says no. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <drm.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <linux/uinput.h>
#include <unistd.h>

#include "kmscast/sandbox.h"
#include "tst.h"

/* Runs fn under a filter in a child; returns its wait status. */
static int filtered_as(enum sandbox_role role, int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		char err[256];
		if (sandbox_filter_load(role, err, sizeof(err)) != 0) {
			fprintf(stderr, "  %s\n", err);
			_exit(90);
		}
		_exit(fn());
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

static int filtered(int (*fn)(void)) { return filtered_as(SANDBOX_STREAMER, fn); }

static int type_into_tty(void)
{
	char c = 'x';
	ioctl(STDIN_FILENO, TIOCSTI, &c);
	return 0;
}

static int unknown_ioctl(void)
{
	int n;
	ioctl(STDIN_FILENO, FIONREAD, &n);
	return 0;
}

static int what_libuv_does(void)
{
	int sv[2], one = 1;
	if (pipe(sv) != 0)
		return 1;
	if (ioctl(sv[0], FIONBIO, &one) != 0 || ioctl(sv[0], FIOCLEX) != 0 ||
	    ioctl(sv[0], FIONCLEX) != 0)
		return 2;
	/* isatty: ENOTTY from the filter, not death. */
	if (isatty(sv[1]) || errno != ENOTTY)
		return 3;
	return 0;
}

static int tiocsti_kills(void)
{
	int st = filtered(type_into_tty);
	CHECK(WIFSIGNALED(st));
	CHECK_EQ_INT(WTERMSIG(st), SIGSYS);
	st = filtered(unknown_ioctl);
	CHECK(WIFSIGNALED(st));
	CHECK_EQ_INT(WTERMSIG(st), SIGSYS);
	return 0;
}

static int listed_ioctls_pass(void)
{
	int st = filtered(what_libuv_does);
	CHECK(WIFEXITED(st));
	CHECK_EQ_INT(WEXITSTATUS(st), 0);
	return 0;
}

/* DRM's GET_VERSION on stdin (no DRM device): the request passes the
 * filter, the kernel refuses it. */
static int drm_request(void)
{
	struct drm_version v = {0};
	return ioctl(STDIN_FILENO, DRM_IOCTL_VERSION, &v) < 0 ? 0 : 2;
}

/* The helper asks the active console its mode and number (on stdin: ENOTTY or
 * the answer, never SIGSYS); setting it stays forbidden. */
static int console_question(void)
{
	int m;
	struct vt_stat vs;
	ioctl(STDIN_FILENO, KDGETMODE, &m);
	ioctl(STDIN_FILENO, KDGKBMODE, &m);
	ioctl(STDIN_FILENO, VT_GETSTATE, &vs);
	return 0;
}

static int console_setting(void)
{
	ioctl(STDIN_FILENO, KDSETMODE, KD_GRAPHICS);
	return 0;
}

static int make_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 3;
}

static int uinput_request(void)
{
	ioctl(STDIN_FILENO, UI_DEV_CREATE);
	return 0;
}

/* The capture helper's filter: DRM requests pass; no socket, no other
 * ioctl (not even the streamer's uinput ones), no TIOCSTI. */
static int helper_filter_holds(void)
{
	int st = filtered_as(SANDBOX_HELPER, drm_request);
	CHECK(WIFEXITED(st));
	CHECK_EQ_INT(WEXITSTATUS(st), 0);
	st = filtered_as(SANDBOX_HELPER, console_question);
	CHECK(WIFEXITED(st));
	CHECK_EQ_INT(WEXITSTATUS(st), 0);
	int (*const deadly[])(void) = {make_socket, uinput_request, type_into_tty, console_setting};
	for (size_t i = 0; i < sizeof(deadly) / sizeof(deadly[0]); i++) {
		st = filtered_as(SANDBOX_HELPER, deadly[i]);
		CHECK(WIFSIGNALED(st));
		CHECK_EQ_INT(WTERMSIG(st), SIGSYS);
	}
	return 0;
}

static int unix_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return fd >= 0 ? 0 : 4;
}

static int signal_parent(void)
{
	kill(getppid(), 0);
	return 0;
}

static int spawn(void)
{
	fork();
	return 0;
}

static int read_a_file(void)
{
	char b[8];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, b, sizeof(b)) > 0 ? 0 : 5;
}

/* The announcer's filter: a Unix socket (D-Bus) and files pass; an IP
 * socket, any ioctl, a signal to another process, a fork kill. */
static int announcer_filter_holds(void)
{
	int (*const fine[])(void) = {unix_socket, read_a_file};
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		int st = filtered_as(SANDBOX_ANNOUNCER, fine[i]);
		CHECK(WIFEXITED(st));
		CHECK_EQ_INT(WEXITSTATUS(st), 0);
	}
	int (*const deadly[])(void) = {make_socket, uinput_request, type_into_tty, signal_parent,
				       spawn};
	for (size_t i = 0; i < sizeof(deadly) / sizeof(deadly[0]); i++) {
		int st = filtered_as(SANDBOX_ANNOUNCER, deadly[i]);
		CHECK(WIFSIGNALED(st));
		CHECK_EQ_INT(WTERMSIG(st), SIGSYS);
	}
	return 0;
}

TST_MAIN("sandbox", TST_CASE(tiocsti_kills), TST_CASE(listed_ioctls_pass),
	 TST_CASE(helper_filter_holds), TST_CASE(announcer_filter_holds))
