// SPDX-License-Identifier: MIT
#include "kmscast/statedir.h"

#include "kmscast/ident.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmscast/errmsg.h"
#include "kmscast/fileio.h"

#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* Opens dir/name without following a link and checks it is a plain file
 * of its own (no other hard link). Returns the fd or -errno with err set;
 * -ENOENT quietly when missing and create is false. */
static int open_checked(int dfd, const char *dir, const char *name, bool create, struct stat *st,
			char *err, size_t len)
{
	int fd = openat(dfd, name, OPEN_FLAGS | (create ? O_CREAT : 0), 0600);
	if (fd < 0 && errno == ENOENT && !create)
		return -ENOENT;
	if (fd < 0 && errno == ELOOP)
		return errmsg(
			err, len, -ELOOP,
			"%s/%s is a symbolic link: kmscastd does not follow "
			"links in its state dir (remove it; another user may have planted it)",
			dir, name);
	if (fd < 0)
		return errmsg(err, len, -errno, "cannot open %s/%s: %s", dir, name,
			      strerror(errno));
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_nlink != 1) {
		close(fd);
		return errmsg(err, len, -EINVAL,
			      "%s/%s is not a file of its own (a directory, device, "
			      "pipe or a file with other hard links): refusing to use it",
			      dir, name);
	}
	return fd;
}

/* Gives dir/name to u to write (mode 0600), or with read_only keeps it
 * root's for u's group to read (0640). */
static int give(int dfd, const char *dir, const char *name, bool create, bool read_only,
		const struct sandbox_user *u, char *err, size_t len)
{
	struct stat st;
	int fd = open_checked(dfd, dir, name, create, &st, err, len);
	if (fd < 0)
		return fd;
	int r = 0;
	if (fchown(fd, read_only ? 0 : u->uid, u->gid) != 0 ||
	    fchmod(fd, read_only ? 0640 : 0600) != 0)
		r = errmsg(err, len, -errno, "cannot give %s/%s to %s: %s", dir, name, u->name,
			   strerror(errno));
	close(fd);
	return r;
}

static int open_dir(const char *dir, char *err, size_t len)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ELOOP)
		return errmsg(err, len, -ELOOP,
			      "state dir %s is a symbolic link: name the real "
			      "directory",
			      dir);
	if (dfd < 0)
		return errmsg(err, len, -errno, "cannot open state dir %s: %s", dir,
			      strerror(errno));
	return dfd;
}

int statedir_prepare(const char *dir, const struct sandbox_user *u, char *err, size_t len)
{
	static const char *const roots[] = {"key.pem", "cert.pem", IDENT_WEB_KEY, IDENT_WEB_CERT};
	int r = fileio_mkdirs(dir, 0750, err, len);
	if (r)
		return r;
	int dfd = open_dir(dir, err, len);
	if (dfd < 0)
		return dfd;
	/* First the directory: from here on no other user can add or swap an
	 * entry, so what is checked below stays what it was. */
	if (fchown(dfd, 0, u->gid) != 0 || fchmod(dfd, 0750) != 0) {
		r = errmsg(err, len, -errno, "cannot take back %s: %s", dir, strerror(errno));
		goto out;
	}
	/* A key another user wrote is a key that user knows. */
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct stat st;
		int fd = open_checked(dfd, dir, roots[i], false, &st, err, len);
		if (fd == -ENOENT)
			continue;
		if (fd < 0) {
			r = fd;
			goto out;
		}
		close(fd);
		if (st.st_uid != 0) {
			r = errmsg(
				err, len, -EPERM,
				"%s/%s belongs to uid %u, not root: refusing a key "
				"another user could have written (remove key.pem and cert.pem to make "
				"new ones)",
				dir, roots[i], (unsigned)st.st_uid);
			goto out;
		}
	}
	/* The trust list exists from the start: the streamer can append to
	 * it but not create it in a directory it cannot write. */
	r = give(dfd, dir, STATEDIR_AUTHORIZED, true, false, u, err, len);
	if (!r)
		r = give(dfd, dir, STATEDIR_BROWSERS, true, false, u, err, len);
	if (!r) {
		r = give(dfd, dir, STATEDIR_PAIRING, false, false, u, err, len);
		if (r == -ENOENT)
			r = 0;
	}
	/* The revocation list is the admin's: the streamer only reads it. */
	if (!r) {
		r = give(dfd, dir, STATEDIR_REVOKED, false, true, u, err, len);
		if (r == -ENOENT)
			r = 0;
	}
out:
	close(dfd);
	return r;
}

int statedir_give(const char *dir, const char *name, const struct sandbox_user *u, char *err,
		  size_t len)
{
	int dfd = open_dir(dir, err, len);
	if (dfd < 0)
		return dfd;
	int r = give(dfd, dir, name, false, false, u, err, len);
	if (r == -ENOENT)
		errmsg(err, len, r, "%s/%s is missing", dir, name);
	close(dfd);
	return r;
}

int statedir_reachable(const char *dir, const char *name, const struct sandbox_user *u, char *err,
		       size_t len)
{
	char path[PATH_MAX], why[256];
	int st = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return errmsg(err, len, -ENAMETOOLONG, "%s/%s: the path is too long", dir, name);
	/* Tried, not worked out from modes: ACLs, groups and mounts all count. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return errmsg(err, len, -errno, "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		if (sandbox_become(u, why, sizeof(why)) != 0)
			_exit(EPERM);
		int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		_exit(fd < 0 ? errno : 0); /* every errno fits a status */
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int e = WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
	if (!e)
		return 0;
	return errmsg(err, len, -e, "user %s cannot read %s: %s%s", u->name, path, strerror(e),
		      e == EACCES ? " (every folder above it must let that user through)" : "");
}
