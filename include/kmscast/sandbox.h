// SPDX-License-Identifier: MIT
/* Dropping privileges: the capture helper keeps CAP_SYS_ADMIN alone, the
 * streamer keeps nothing (another user, no capabilities, NO_NEW_PRIVS, a
 * seccomp allowlist, rlimits). */
#ifndef KMSCAST_SANDBOX_H
#define KMSCAST_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SANDBOX_DEFAULT_USER "kmscast"
#define SANDBOX_CAPTURE_USER "kmscast-capture"
#define SANDBOX_ANNOUNCE_USER "kmscast-announce"

struct sandbox_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	bool no_groups; /* become it without its supplementary groups */
};

/* Whether this process holds privileges worth giving up: euid 0, or
 * CAP_SYS_ADMIN (from a systemd unit). */
bool sandbox_privileged(void);

/* The user to run as: name, or with name NULL "kmscast". 0 or -ENOENT
 * with err set. */
int sandbox_find_user(const char *name, struct sandbox_user *u, char *err, size_t len);
/* The capture helper's user: name, or with name NULL "kmscast-capture". */
int sandbox_find_capture_user(const char *name, struct sandbox_user *u, char *err, size_t len);

/* The announcer's user: name, or with name NULL "kmscast-announce". */
int sandbox_find_announce_user(const char *name, struct sandbox_user *u, char *err, size_t len);

/* Becomes u for good (its groups unless no_groups; -EPERM if root could
 * come back). 0 or -errno with err set. */
int sandbox_become(const struct sandbox_user *u, char *err, size_t len);

/* The capture helper: user (when given), every capability but
 * CAP_SYS_ADMIN goes, from the bounding set too; NO_NEW_PRIVS. 0 or -errno
 * with err set. */
int sandbox_keep_sys_admin(const struct sandbox_user *user, char *err, size_t len);
/* Then the helper's own seccomp allowlist (-ENOTSUP in sanitizer builds). */
int sandbox_helper_filter(char *err, size_t len);
/* The announcer's (src/daemon/announce.c): its socket, D-Bus over AF_UNIX. */
int sandbox_announcer_filter(char *err, size_t len);

/* The streamer, step one: user (when given), no capabilities (bounding
 * set included), NO_NEW_PRIVS, rlimits. 0 or -errno with err set. */
int sandbox_drop(const struct sandbox_user *user, char *err, size_t len);

/* Step two, once everything is open: the seccomp allowlist. Any other
 * syscall then kills the process. -ENOTSUP in sanitizer builds (whose
 * LeakSanitizer needs ptrace), else 0 or -errno, err set either way. */
int sandbox_filter(char *err, size_t len);

enum sandbox_role { SANDBOX_STREAMER, SANDBOX_HELPER, SANDBOX_ANNOUNCER };
/* A role's filter in any build, for the test that it holds. */
int sandbox_filter_load(enum sandbox_role role, char *err, size_t len);

/* A daemon started from a shell: stdin from /dev/null and no controlling
 * terminal (a new session, or TIOCNOTTY for a group leader), so that no
 * ioctl can type into the shell. 0 or -errno with err set. */
int sandbox_detach_tty(char *err, size_t len);

/* Makes a syscall the filter forbids (for the test that it kills). */
void sandbox_test_forbidden_syscall(void);

#endif
