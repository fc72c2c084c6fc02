// SPDX-License-Identifier: MIT
/* The daemon's clipboard: texts between the viewers (PROTO_CLIPBOARD)
 * and the host's desktop (the session agent). Who may send which way is
 * the host's --clipboard, narrowed by each viewer (HELLO flags); view-only
 * viewers get the host's text only if the host allows it, and never give.
 * Every text is bounded (--clipboard-max) and each side is rate-limited;
 * a text goes to no side that already has it, so no text loops between
 * the host and the viewer it came from. What is refused is logged here
 * and told to the viewer concerned (CLIPBOARD_NOTICE). */
#ifndef KMSCAST_CLIPBOARD_H
#define KMSCAST_CLIPBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "kmscast/proto.h"

#define CLIPBOARD_DEFAULT_MAX (1024u * 1024)
/* A side may send this many texts at once, then one per REFILL_MS. */
#define CLIPBOARD_BURST 5
#define CLIPBOARD_REFILL_MS 500

/* The rate limit, pure: a token per text, CLIPBOARD_BURST at most, one
 * back per CLIPBOARD_REFILL_MS; zeroed to start full. */
struct clipboard_bucket {
	unsigned tokens;
	uint64_t last_us;
};
bool clipboard_bucket_take(struct clipboard_bucket *b, uint64_t now_us);
/* Whether one more line about a peer may go to the log (and a notice to
 * it): a peer that sends what is refused, over and over, has each refusal
 * said within the same budget as texts; past it they are counted in
 * *unsaid, and more says how many with the next line that is said. */
bool clipboard_bucket_say(struct clipboard_bucket *b, unsigned long *unsaid, char *more,
			  size_t len);

enum clipboard_mode { CLIPBOARD_BOTH, CLIPBOARD_TO_CLIENT, CLIPBOARD_TO_HOST, CLIPBOARD_OFF };

struct clipboard_options {
	enum clipboard_mode mode;
	uint32_t max_bytes;
	bool view_only; /* view-only viewers get the host's text too */
};

struct clipboard;
struct clip_peer;
struct session;
struct agentsock;

/* "both", "to-client", "to-host", "off": the mode, or -1. */
int clipboard_mode_by_name(const char *name);
const char *clipboard_mode_name(enum clipboard_mode m);

int clipboard_create(const struct clipboard_options *o, struct clipboard **out);
void clipboard_destroy(struct clipboard *c);
/* Where the host's side is; NULL: none (every text to the host is refused). */
void clipboard_set_agent(struct clipboard *c, struct agentsock *a);

/* A viewer joined (it is told its directions and, if it takes the
 * host's text, given the host's current one), changed role, or left. */
struct clip_peer *clipboard_join(struct clipboard *c, struct session *s, bool control);
void clipboard_control(struct clipboard *c, struct clip_peer *p, bool control);
void clipboard_leave(struct clipboard *c, struct clip_peer *p);
/* CLIPBOARD and CLIPBOARD_NOTICE from a viewer. */
void clipboard_from_client(struct clipboard *c, struct clip_peer *p, const struct proto_msg *m);

/* The agent socket's callbacks (data: the clipboard). */
void clipboard_on_agent(void *data, const char *backend);
void clipboard_on_host_text(void *data, const uint8_t *text, uint32_t len);
void clipboard_on_host_too_big(void *data, uint32_t size);

#endif
