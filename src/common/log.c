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

/* Every byte outside printable ASCII as \xHH: lines carry a peer's words
 * (a Host, an Origin, a name), and raw ESC or C1 bytes would drive the
 * terminal or journal viewer that shows them. Done here, once, so no
 * caller can forget it. Cut at a whole escape when out is full. */
static void escape(char *out, size_t cap, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool plain = *p >= 0x20 && *p < 0x7f;
		if (o + (plain ? 1 : 4) >= cap)
			break;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char raw[1024], buf[1024];
	va_list ap;
	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	escape(buf, sizeof(buf), raw);
	if (logger.handler)
		logger.handler(level, buf, logger.data);
	else
		fprintf(stderr, "%s: %s\n", names[level], buf);
}
