// SPDX-License-Identifier: MIT
#include "kmscast/log.h"

#include <stdarg.h>
#include <stdio.h>

static struct {
	enum log_level max;
	log_handler handler;
	void *data;
} logger = {LOG_INFO, NULL, NULL};

void log_init(enum log_level max, log_handler handler, void *data)
{
	logger.max = max;
	logger.handler = handler;
	logger.data = data;
}

bool log_enabled(enum log_level level) { return level <= logger.max; }

void log_printf(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char buf[1024];
	va_list ap;
	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (logger.handler)
		logger.handler(level, buf, logger.data);
	else
		fprintf(stderr, "%s: %s\n", names[level], buf);
}
