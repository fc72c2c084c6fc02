// SPDX-License-Identifier: MIT
/* One log for the daemon's processes: a line per event with its level, to
 * one handler chosen at start (stderr by default, "level: message"). The
 * one global in the tree, as in libliftoff and neatvnc: every module logs,
 * and carrying a logger through each (the streamer held the server only
 * for this) bought nothing. The capture helper, a fork, inherits it. */
#ifndef KMSCAST_LOG_H
#define KMSCAST_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

typedef void (*log_handler)(enum log_level level, const char *msg, void *data);

/* Lines up to max are written; handler NULL: stderr. */
void log_init(enum log_level max, log_handler handler, void *data);
bool log_enabled(enum log_level level);
void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
