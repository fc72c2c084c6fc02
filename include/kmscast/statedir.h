// SPDX-License-Identifier: MIT
/* The daemon's state dir when it starts as root and hands the streamer to
 * another user. The directory stays root's (group: the streamer's, 0750),
 * so that user cannot plant links in it; the streamer gets only the two
 * files it writes, authorized-clients (pairing appends) and pairing (a used
 * code is emptied), each checked and handed over through an fd opened
 * without following links; revoked-clients stays root's, readable by the
 * streamer's group. */
#ifndef KMSCAST_STATEDIR_H
#define KMSCAST_STATEDIR_H

#include <stddef.h>

#include "kmscast/sandbox.h"

#define STATEDIR_AUTHORIZED "authorized-clients"
#define STATEDIR_PAIRING "pairing"
#define STATEDIR_REVOKED "revoked-clients"
#define STATEDIR_BROWSERS "browser-credentials"

/* Creates dir if missing and takes it back from any earlier owner; refuses
 * (-ELOOP, -EINVAL, -EPERM with err set) a link, a non-regular file, a file
 * with other hard links, or a key or certificate root does not own. */
int statedir_prepare(const char *dir, const struct sandbox_user *u, char *err, size_t len);

/* Gives one file in the (prepared) dir to u, the same way: for the pairing
 * file that `kmscastd pair` writes as root. -ENOENT if it is missing. */
int statedir_give(const char *dir, const char *name, const struct sandbox_user *u, char *err,
		  size_t len);

/* Whether u can open dir/name for reading, tried as u in a child (every
 * parent folder must let u through): 0, or -errno with err naming the
 * path, the user and the reason. */
int statedir_reachable(const char *dir, const char *name, const struct sandbox_user *u, char *err,
		       size_t len);

#endif
