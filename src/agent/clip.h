// SPDX-License-Identifier: MIT
/* The agent's clipboard backends: each watches the desktop's clipboard
 * and reports its text, and takes a text to own as the clipboard. They
 * run on the agent's libuv loop. */
#ifndef KMSCAST_AGENT_CLIP_H
#define KMSCAST_AGENT_CLIP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct clip_events {
	/* The desktop's clipboard now holds this UTF-8 text (not NUL-ended). */
	void (*text)(void *data, const uint8_t *text, size_t len);
	/* ... a text of size bytes, over *max (size is at least *max + 1
	 * where the owner stopped counting). */
	void (*too_big)(void *data, size_t size);
	/* The display server went away: the backend is dead. */
	void (*lost)(void *data, const char *why);
};

struct clipsrc {
	const char *name; /* for the log and the daemon */
	/* Own the clipboard with this text; -errno. */
	int (*set)(struct clipsrc *c, const uint8_t *text, size_t len);
	void (*destroy)(struct clipsrc *c);
};

struct clip_setup {
	uv_loop_t *loop;
	const uint32_t *max; /* the daemon's limit, as it stands */
	struct clip_events ev;
	void *data;
	int verbose;
};

/* Each returns 0 with *out, or -errno with why saying why it cannot be
 * used here (for the log: why the backend was not taken). */
int wlclip_create(const struct clip_setup *s, struct clipsrc **out, char *why, size_t why_len);
int mutterclip_create(const struct clip_setup *s, struct clipsrc **out, char *why, size_t why_len);
int x11clip_create(const struct clip_setup *s, struct clipsrc **out, char *why, size_t why_len);

/* The MIME types and X targets taken as UTF-8 text, best first; a type's
 * place in that list, or -1. */
extern const char *const clip_text_types[];
int clip_text_rank(const char *mime);
/* A read of the desktop's selection ended (textpipe's done): the text,
 * too big (text NULL, len its size) or failed (err < 0), to the agent. */
void clip_deliver(const struct clip_setup *s, const uint8_t *text, size_t len, int err);

#endif
