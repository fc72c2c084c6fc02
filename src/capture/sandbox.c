// SPDX-License-Identifier: MIT
/* Privilege dropping; see include/kmscast/sandbox.h. */
#define _GNU_SOURCE /* setresuid, initgroups */
#include "kmscast/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <drm.h>
#include <linux/dma-buf.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <linux/uinput.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kmscast/errmsg.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif

bool sandbox_privileged(void)
{
	cap_t c;
	cap_flag_value_t v = CAP_CLEAR;

	if (geteuid() == 0)
		return true;
	c = cap_get_proc();
	if (c) {
		cap_get_flag(c, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v);
		cap_free(c);
	}
	return v == CAP_SET;
}

static int lookup(const char *name, struct sandbox_user *u)
{
	struct passwd *pw = getpwnam(name);

	if (!pw)
		return -ENOENT;
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

static int find_user(const char *name, const char *def, const char *option, struct sandbox_user *u,
		     char *err, size_t len)
{
	if (name) {
		if (lookup(name, u) < 0)
			return errmsg(err, len, -ENOENT, "%s %s: no such user", option, name);
	} else if (lookup(def, u) < 0) {
		/* No silent fallback to nobody: files handed to the streamer
		 * would then belong to every other daemon running as nobody. */
		return errmsg(err, len, -ENOENT,
			      "user %s does not exist: create it "
			      "(systemd-sysusers kmscast.conf, as 'make install' puts it) or name "
			      "another with %s",
			      def, option);
	}
	if (u->uid == 0)
		return errmsg(err, len, -EINVAL, "%s %s is root: the point is not to run as root",
			      option, u->name);
	return 0;
}

int sandbox_find_user(const char *name, struct sandbox_user *u, char *err, size_t len)
{
	return find_user(name, SANDBOX_DEFAULT_USER, "--user", u, err, len);
}

int sandbox_find_capture_user(const char *name, struct sandbox_user *u, char *err, size_t len)
{
	return find_user(name, SANDBOX_CAPTURE_USER, "--capture-user", u, err, len);
}

int sandbox_find_announce_user(const char *name, struct sandbox_user *u, char *err, size_t len)
{
	return find_user(name, SANDBOX_ANNOUNCE_USER, "--announce-user", u, err, len);
}

/* Empties the bounding set but for keep (-1: nothing), while CAP_SETPCAP is
 * still there. */
static void drop_bounding(int keep)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (c != keep && CAP_IS_SUPPORTED(c))
			cap_drop_bound((cap_value_t)c);
}

static int set_caps(int keep, char *err, size_t len)
{
	cap_t c = cap_init();
	int r;

	if (!c)
		return errmsg(err, len, -ENOMEM, "out of memory");
	if (keep >= 0) {
		cap_value_t v = (cap_value_t)keep;
		cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET);
		cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
	}
	r = cap_set_proc(c);
	cap_free(c);
	cap_reset_ambient();
	if (r < 0)
		return errmsg(err, len, -errno, "cannot set capabilities: %s", strerror(errno));
	return 0;
}

int sandbox_keep_sys_admin(const struct sandbox_user *user, char *err, size_t len)
{
	/* The bounding set goes first, while CAP_SETPCAP is still effective;
	 * the permitted set survives the change of user (KEEPCAPS) for
	 * set_caps to keep CAP_SYS_ADMIN alone of it. */
	drop_bounding(CAP_SYS_ADMIN);
	int r = 0;
	if (user) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			return errmsg(err, len, -errno, "cannot keep capabilities: %s",
				      strerror(errno));
		r = sandbox_become(user, err, len);
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	if (!r)
		r = set_caps(CAP_SYS_ADMIN, err, len);
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = errmsg(err, len, -errno, "cannot set no_new_privs: %s", strerror(errno));
	return r;
}

int sandbox_become(const struct sandbox_user *u, char *err, size_t len)
{
	/* The user's groups come along (render, for VA-API on a render node
	 * the encoder opens once a client is there), unless it needs none. */
	if ((u->no_groups ? setgroups(0, NULL) : initgroups(u->name, u->gid)) < 0 ||
	    setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0)
		return errmsg(err, len, -errno, "cannot become user %s (uid %u gid %u): %s",
			      u->name, u->uid, u->gid, strerror(errno));
	if (setuid(0) == 0)
		return errmsg(err, len, -EPERM, "could become root again after dropping to %s",
			      u->name);
	return 0;
}

static int limit(int resource, rlim_t v)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
		v = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = v;
	return setrlimit(resource, &rl) == 0 ? 0 : -errno;
}

/* What the streamer does once it serves: the loop, sockets it already
 * has, files in the state dir, mapping dmabufs, ioctl (by request, below),
 * threads for the encoders, and reaping the helper. */
/* Laid out by hand, as a table. */
/* clang-format off */
static const char *const allowed[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close", "lseek",
	"fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs", "statfs",
	"open", "openat", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents64", "rename", "renameat", "renameat2", "unlink", "unlinkat", "fsync",
	"fdatasync", "ftruncate", "fchmod", "fcntl", "dup", "dup2", "dup3", "pipe2",
	"mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "memfd_create",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"poll", "ppoll", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "eventfd2", "accept", "accept4", "recvfrom", "recvmsg", "recvmmsg",
	"sendto", "sendmsg", "sendmmsg", "shutdown", "getsockopt", "setsockopt",
	"getsockname", "getpeername",
	"clock_gettime", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getppid",
	"getrandom", "futex", "set_robust_list", "rseq", "sched_yield", "sched_getaffinity",
	"uname", "sysinfo", "getrusage", "prlimit64", "getrlimit", "prctl", "restart_syscall",
	"exit", "exit_group", "tgkill", "wait4", "membarrier",
};
/* clang-format on */

/* An ioctl request allowed when (request & mask) == value; the kernel
 * compares the low 32 bits. */
struct ioctl_rule {
	unsigned long mask, value;
};

/* The ioctl requests the streamer makes once the filter is on. */
static const struct ioctl_rule ioctls[] = {
	/* libuv sets O_NONBLOCK and FD_CLOEXEC on accepted sockets this way. */
	{0xffffffffu, FIONBIO},
	{0xffffffffu, FIOCLEX},
	{0xffffffffu, FIONCLEX},
	/* CPU reads of a scanout dmabuf are bracketed by DMA_BUF_IOCTL_SYNC;
	 * the dma-buf type ('b') holds nothing but requests on such fds. */
	{_IOC_TYPEMASK << _IOC_TYPESHIFT, (unsigned long)DMA_BUF_BASE << _IOC_TYPESHIFT},
	/* VA-API: libva and its driver on the render node opened when a
	 * client comes, with the driver's own requests (all of type 'd'). */
	{_IOC_TYPEMASK << _IOC_TYPESHIFT, (unsigned long)DRM_IOCTL_BASE << _IOC_TYPESHIFT},
	/* uinput, through libevdev: the absolute pointer is made (again)
	 * once the output's size is known, and every device goes at exit.
	 * Exact requests: usbdevfs shares the type 'U'. */
	{0xffffffffu, UI_DEV_CREATE},
	{0xffffffffu, UI_DEV_DESTROY},
	{0xffffffffu, UI_DEV_SETUP},
	{0xffffffffu, UI_ABS_SETUP},
	{0xffffffffu, UI_SET_EVBIT},
	{0xffffffffu, UI_SET_KEYBIT},
	{0xffffffffu, UI_SET_RELBIT},
	{0xffffffffu, UI_SET_ABSBIT},
	{0xffffffffu, UI_SET_PROPBIT},
	{0xffffffffu, UI_GET_VERSION},
	/* UI_GET_SYSNAME(len): any length. */
	{0xffffffffu & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT), UI_GET_SYSNAME(0)},
};

/* What the capture helper does: wait on its socket and the card, answer
 * with fds, DRM requests (libdrm), open a card that appears and read
 * sysfs to find it, and its debug lines on stderr. */
/* Laid out by hand, as a table. */
/* clang-format off */
static const char *const helper_allowed[] = {
	"read", "write", "pread64", "close", "lseek", "fstat", "newfstatat", "stat", "lstat",
	"statx", "open", "openat", "readlink", "readlinkat", "getdents64", "access",
	"faccessat", "faccessat2", "fcntl", "dup", "mmap", "munmap", "mremap", "madvise",
	"brk", "poll", "ppoll", "recvmsg", "sendmsg", "clock_gettime", "clock_nanosleep",
	"nanosleep", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getppid",
	"futex", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "uname", "exit",
	"exit_group", "restart_syscall",
};
/* clang-format on */

/* What the announcer does: wait on its socket and D-Bus's in Avahi's
 * poll loop, talk D-Bus (and connect to the bus again when it comes
 * back: socket and connect, AF_UNIX alone, below), and log on stderr. */
/* Laid out by hand, as a table. */
/* clang-format off */
static const char *const announcer_allowed[] = {
	"read", "write", "readv", "writev", "close", "fstat", "newfstatat", "statx", "lseek",
	"open", "openat", "access", "faccessat", "faccessat2", "fcntl", "dup", "pipe2",
	"mmap", "munmap", "mremap", "madvise", "brk", "poll", "ppoll", "recvfrom", "recvmsg",
	"sendto", "sendmsg", "getsockopt", "setsockopt", "getsockname", "getpeername",
	"shutdown", "clock_gettime", "gettimeofday", "getpid", "gettid", "getuid", "geteuid",
	"getgid", "getegid", "getresuid", "getresgid", "getppid", "getrandom", "futex",
	"rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sigaltstack", "uname", "exit", "exit_group", "restart_syscall",
};
/* clang-format on */

/* The helper's ioctls: DRM requests (type 'd') on the card, and the three
 * questions to the active console (capture_local_console), exactly. */
static const struct ioctl_rule helper_ioctls[] = {
	{_IOC_TYPEMASK << _IOC_TYPESHIFT, (unsigned long)DRM_IOCTL_BASE << _IOC_TYPESHIFT},
	{0xffffffffu, KDGETMODE},
	{0xffffffffu, KDGKBMODE},
	{0xffffffffu, VT_GETSTATE},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int install_filter(enum sandbox_role role, char *err, size_t len)
{
	static const struct {
		const char *const *names;
		size_t n_names;
		const struct ioctl_rule *rules;
		size_t n_rules;
	} roles[] = {
		[SANDBOX_STREAMER] = {allowed, ARRAY_LEN(allowed), ioctls, ARRAY_LEN(ioctls)},
		[SANDBOX_HELPER] = {helper_allowed, ARRAY_LEN(helper_allowed), helper_ioctls,
				    ARRAY_LEN(helper_ioctls)},
		[SANDBOX_ANNOUNCER] = {announcer_allowed, ARRAY_LEN(announcer_allowed), NULL, 0},
	};
	const char *const *names = roles[role].names;
	size_t n_names = roles[role].n_names;
	const struct ioctl_rule *rules = roles[role].rules;
	size_t n_rules = roles[role].n_rules;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = ctx ? 0 : -ENOMEM;

	/* A binary tree over the syscall numbers instead of a list: every
	 * syscall runs the filter, and most of ours are near its end. */
	if (!r)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	for (size_t i = 0; !r && i < n_names; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr != __NR_SCMP_ERROR)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* ioctl by request number, as OpenSSH's sandbox does: a terminal's
	 * TIOCSTI would push commands into the shell that started us, and a
	 * driver's ioctls are kernel attack surface. */
	for (size_t i = 0; !r && i < n_rules; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, rules[i].mask, rules[i].value));
	/* isatty() from stdio: say "not a terminal" rather than die. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TCGETS));
	/* Threads, never processes: clone only with CLONE_THREAD; clone3's
	 * flags sit in memory a filter cannot read, so glibc is told it has
	 * none and falls back to clone. */
	if (!r && role == SANDBOX_STREAMER)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (!r && role == SANDBOX_STREAMER)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* The announcer: new sockets to the bus alone. */
	if (!r && role == SANDBOX_ANNOUNCER)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (!r && role == SANDBOX_ANNOUNCER)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(connect), 0);
	if (!r)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return errmsg(err, len, r, "cannot install the seccomp filter: %s", strerror(-r));
	return 0;
}

int sandbox_drop(const struct sandbox_user *user, char *err, size_t len)
{
	int r = 0;

	if (user) {
		drop_bounding(-1);
		r = sandbox_become(user, err, len);
	} else if (sandbox_privileged()) {
		drop_bounding(-1);
	}
	if (!r)
		r = set_caps(-1, err, len);
	if (!r && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = errmsg(err, len, -errno, "cannot set no_new_privs: %s", strerror(errno));
	if (r)
		return r;
	/* No core files (they would hold the TLS key); a bounded fd table;
	 * no POSIX message queues. */
	if (limit(RLIMIT_CORE, 0) || limit(RLIMIT_NOFILE, 4096) || limit(RLIMIT_MSGQUEUE, 0))
		return errmsg(err, len, -errno, "cannot set rlimits: %s", strerror(errno));
#ifdef SANITIZER_BUILD
	/* LeakSanitizer attaches to the process with ptrace at exit, which a
	 * process that changed user may not allow. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}

int sandbox_filter_load(enum sandbox_role role, char *err, size_t len)
{
	return install_filter(role, err, len);
}

/* No filter in sanitizer builds: LeakSanitizer's ptrace and the
 * sanitizers' own syscalls. */
static int filter_unless_sanitized(enum sandbox_role role, char *err, size_t len)
{
#ifdef SANITIZER_BUILD
	(void)role;
	return errmsg(err, len, -ENOTSUP, "no seccomp filter in a sanitizer build");
#else
	return install_filter(role, err, len);
#endif
}

int sandbox_helper_filter(char *err, size_t len)
{
	return filter_unless_sanitized(SANDBOX_HELPER, err, len);
}
int sandbox_announcer_filter(char *err, size_t len)
{
	return filter_unless_sanitized(SANDBOX_ANNOUNCER, err, len);
}
int sandbox_filter(char *err, size_t len)
{
	return filter_unless_sanitized(SANDBOX_STREAMER, err, len);
}

int sandbox_detach_tty(char *err, size_t len)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return errmsg(err, len, -e, "cannot put /dev/null on stdin: %s", strerror(e));
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (setsid() >= 0)
		return 0;
	/* A process group leader (started by an interactive shell) cannot
	 * make a session: it gives up the terminal instead. Either way the
	 * kernel then refuses TIOCSTI on the fds still open on it. A session
	 * leader (setsid -c, script -c, some supervisors) giving up its
	 * terminal makes the kernel send SIGHUP to its foreground group, which
	 * is itself: ignored for the call, or it would die of it silently. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGHUP, &ign, &old);
	int r = 0;
	for (int i = STDOUT_FILENO; i <= STDERR_FILENO && !r; i++)
		if (isatty(i) && ioctl(i, TIOCNOTTY) != 0)
			r = errmsg(err, len, -errno, "cannot give up the controlling terminal: %s",
				   strerror(errno));
	sigaction(SIGHUP, &old, NULL);
	return r;
}

void sandbox_test_forbidden_syscall(void) { syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0); }
