// SPDX-License-Identifier: MIT
/* The daemon's clipboard hub (include/kmscast/clipboard.h). It keeps the
 * host's last text (at most max_bytes), so that a viewer that joins has
 * it at once, and a hash of what each side last had, which is what stops
 * echoes: the agent reports back every text it was asked to set. */
#include "kmscast/clipboard.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/agentsock.h"
#include "kmscast/cliptext.h"
#include "kmscast/clock.h"
#include "kmscast/conn.h"
#include "kmscast/log.h"
#include "kmscast/server.h"

struct clip_peer {
	struct clip_peer *next;
	struct session *s;
	bool control;
	uint8_t dirs; /* PROTO_CLIP_* as told */
	struct clip_rx rx;
	uint64_t has; /* hash of the text this viewer last had */
	bool has_any;
	struct clipboard_bucket rate;
	struct clipboard_bucket said; /* refusals logged and told */
	unsigned long unsaid;         /* ... and those over that budget */
};

struct clipboard {
	struct clipboard_options o;
	struct agentsock *agent;
	struct clip_peer *peers;
	uint8_t *host_text; /* the host's last text, or NULL */
	uint32_t host_len;
	uint64_t host_hash;
	bool host_known;
	struct clipboard_bucket host_rate, host_said;
	unsigned long host_dropped; /* over the rate, since the last said */
	unsigned long host_unsaid;  /* too-big reports not logged */
};

static const char *const mode_names[] = {"both", "to-client", "to-host", "off"};

int clipboard_mode_by_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, mode_names[i]) == 0)
			return i;
	return -1;
}

const char *clipboard_mode_name(enum clipboard_mode m) { return mode_names[m]; }

bool clipboard_bucket_take(struct clipboard_bucket *b, uint64_t now_us)
{
	if (!b->last_us) {
		b->tokens = CLIPBOARD_BURST;
		b->last_us = now_us;
	}
	uint64_t back = (now_us - b->last_us) / (CLIPBOARD_REFILL_MS * 1000u);
	if (back) {
		b->tokens = b->tokens + back > CLIPBOARD_BURST ? CLIPBOARD_BURST
							       : b->tokens + (unsigned)back;
		b->last_us += back * CLIPBOARD_REFILL_MS * 1000u;
	}
	if (!b->tokens)
		return false;
	b->tokens--;
	return true;
}

int clipboard_create(const struct clipboard_options *o, struct clipboard **out)
{
	struct clipboard *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->o = *o;
	*out = c;
	return 0;
}

void clipboard_destroy(struct clipboard *c)
{
	if (!c)
		return;
	while (c->peers)
		clipboard_leave(c, c->peers);
	free(c->host_text);
	free(c);
}

void clipboard_set_agent(struct clipboard *c, struct agentsock *a) { c->agent = a; }

static void notice(struct clip_peer *p, unsigned code, uint32_t size, const char *why)
{
	struct proto_msg m;
	proto_make_clip_notice(&m, code, size, why);
	conn_send(session_conn(p->s), &m);
}

bool clipboard_bucket_say(struct clipboard_bucket *b, unsigned long *unsaid, char *more, size_t len)
{
	more[0] = '\0';
	if (!clipboard_bucket_take(b, mono_us())) {
		(*unsaid)++;
		return false;
	}
	if (*unsaid)
		snprintf(more, len, " (and %lu more not logged)", *unsaid);
	*unsaid = 0;
	return true;
}

/* A viewer's text refused: logged and told to it, within its budget. */
static void refuse(struct clip_peer *p, unsigned code, uint32_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void refuse(struct clip_peer *p, unsigned code, uint32_t size, const char *fmt, ...)
{
	char why[256], more[64];
	if (!clipboard_bucket_say(&p->said, &p->unsaid, more, sizeof(more)))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_printf(LOG_WARN, "clipboard from %s: %s%s", session_fingerprint(p->s), why, more);
	notice(p, code, size, why);
}

static uint8_t dirs_for(const struct clipboard *c, const struct session *s, bool control)
{
	uint8_t d = 0;
	if (c->o.mode == CLIPBOARD_BOTH || c->o.mode == CLIPBOARD_TO_CLIENT)
		if (control || c->o.view_only)
			d |= PROTO_CLIP_TO_CLIENT;
	if ((c->o.mode == CLIPBOARD_BOTH || c->o.mode == CLIPBOARD_TO_HOST) && control)
		d |= PROTO_CLIP_TO_HOST;
	uint16_t f = session_hello(s)->flags;
	if (f & PROTO_HELLO_NO_CLIP_IN)
		d &= (uint8_t)~PROTO_CLIP_TO_CLIENT;
	if (f & PROTO_HELLO_NO_CLIP_OUT)
		d &= (uint8_t)~PROTO_CLIP_TO_HOST;
	return d;
}

/* The host's text to one viewer, unless it has it already. */
static void give(struct clipboard *c, struct clip_peer *p)
{
	if (!(p->dirs & PROTO_CLIP_TO_CLIENT) || !c->host_text ||
	    (p->has_any && p->has == c->host_hash))
		return;
	int r = conn_send_clip(session_conn(p->s), c->host_text, c->host_len);
	if (r < 0) {
		log_printf(LOG_WARN, "clipboard: %u bytes to %s not sent: %s", c->host_len,
			   session_fingerprint(p->s), strerror(-r));
		return;
	}
	p->has = c->host_hash;
	p->has_any = true;
}

static void tell_policy(struct clipboard *c, struct clip_peer *p)
{
	struct proto_msg m = {.type = PROTO_CLIPBOARD_POLICY,
			      .u.clip_policy = {.dirs = p->dirs, .max_bytes = c->o.max_bytes}};
	conn_send(session_conn(p->s), &m);
}

struct clip_peer *clipboard_join(struct clipboard *c, struct session *s, bool control)
{
	struct clip_peer *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->s = s;
	p->control = control;
	p->rx.max = c->o.max_bytes;
	p->dirs = dirs_for(c, s, control);
	p->next = c->peers;
	c->peers = p;
	tell_policy(c, p);
	give(c, p);
	return p;
}

void clipboard_control(struct clipboard *c, struct clip_peer *p, bool control)
{
	if (!p || p->control == control)
		return;
	p->control = control;
	p->dirs = dirs_for(c, p->s, control);
	clip_rx_reset(&p->rx);
	tell_policy(c, p);
	give(c, p);
}

void clipboard_leave(struct clipboard *c, struct clip_peer *p)
{
	if (!p)
		return;
	for (struct clip_peer **pp = &c->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	clip_rx_reset(&p->rx);
	free(p);
}

/* Why a viewer may not give its text, in its words. */
static const char *why_not_to_host(const struct clipboard *c, const struct clip_peer *p)
{
	if (session_hello(p->s)->flags & PROTO_HELLO_NO_CLIP_OUT)
		return "this viewer turned its clipboard to the host off";
	if (c->o.mode == CLIPBOARD_OFF || c->o.mode == CLIPBOARD_TO_CLIENT)
		return c->o.mode == CLIPBOARD_OFF ? "the host turned the clipboard off"
						  : "the host takes no clipboard from viewers";
	return "a view-only viewer's clipboard does not go to the host";
}

static void from_viewer_text(struct clipboard *c, struct clip_peer *p)
{
	const uint8_t *text = p->rx.buf;
	uint32_t len = p->rx.total;
	uint64_t h = clip_hash(text, len);
	p->has = h;
	p->has_any = true;
	if (c->host_known && c->host_hash == h)
		return; /* the host has it (it may be the host's own, come back) */
	if (!clipboard_bucket_take(&p->rate, mono_us())) {
		refuse(p, PROTO_CLIP_RATE, len,
		       "clipboard texts come too fast (at most %u at once, then 1 per %u ms): "
		       "this one (%u bytes) was not given to the host",
		       CLIPBOARD_BURST, CLIPBOARD_REFILL_MS, len);
		return;
	}
	int r = agentsock_send_clip(c->agent, text, len);
	if (r == -ENOTCONN || !c->agent) {
		refuse(p, PROTO_CLIP_NO_AGENT, len,
		       "no session agent runs in the host's desktop session: the text (%u bytes) "
		       "was not pasted there",
		       len);
		return;
	}
	if (r < 0) {
		refuse(p, PROTO_CLIP_HOST, len,
		       "the host's session agent did not take the text (%s)", strerror(-r));
		return;
	}
	log_printf(LOG_INFO, "clipboard: %u bytes from %s to the host", len,
		   session_fingerprint(p->s));
	/* The host has it now; the agent's report of it will be an echo. */
	free(c->host_text);
	c->host_text = malloc((size_t)len + 1);
	if (c->host_text)
		memcpy(c->host_text, text, len);
	c->host_len = len;
	c->host_hash = h;
	c->host_known = true;
	/* The other viewers get it as the host's. */
	for (struct clip_peer *q = c->peers; q; q = q->next)
		if (q != p)
			give(c, q);
}

void clipboard_from_client(struct clipboard *c, struct clip_peer *p, const struct proto_msg *m)
{
	if (!p)
		return;
	if (m->type == PROTO_CLIPBOARD_NOTICE) {
		char more[64];
		if (clipboard_bucket_say(&p->said, &p->unsaid, more, sizeof(more)))
			log_printf(LOG_INFO, "clipboard: %s says: %.*s%s",
				   session_fingerprint(p->s), (int)m->u.clip_notice.reason_len,
				   m->u.clip_notice.reason, more);
		return;
	}
	const struct proto_clipboard *k = &m->u.clip;
	if (!(p->dirs & PROTO_CLIP_TO_HOST)) {
		if (k->offset == 0)
			refuse(p, PROTO_CLIP_OFF, k->total,
			       "%s: the text (%u bytes) was not given to the host",
			       why_not_to_host(c, p), k->total);
		return;
	}
	int r = clip_rx_feed(&p->rx, k);
	switch (r) {
	case CLIP_RX_MORE: return;
	case CLIP_RX_DONE: from_viewer_text(c, p); return;
	case -EFBIG:
		refuse(p, PROTO_CLIP_TOO_BIG, k->total,
		       "the text (%u bytes) is over the host's limit of %u bytes (--clipboard-max): "
		       "not given to the host",
		       k->total, c->o.max_bytes);
		return;
	case -EILSEQ:
		refuse(p, PROTO_CLIP_INVALID, k->total,
		       "the text (%u bytes) is not UTF-8: not given to the host", k->total);
		return;
	case -EPROTO:
		conn_close(session_conn(p->s), PROTO_ERR_PROTOCOL,
			   "a clipboard chunk out of order");
		return;
	default: refuse(p, PROTO_CLIP_HOST, k->total, "the host is out of memory"); return;
	}
}

void clipboard_on_agent(void *data, const char *backend)
{
	struct clipboard *c = data;
	if (!backend)
		c->host_known = false; /* a new agent reports the host's text anew */
}

void clipboard_on_host_text(void *data, const uint8_t *text, uint32_t len)
{
	struct clipboard *c = data;
	uint64_t h = clip_hash(text, len);
	if (c->host_known && c->host_hash == h)
		return; /* the agent set it for a viewer: every viewer has it */
	if (!clipboard_bucket_take(&c->host_rate, mono_us())) {
		if (!c->host_dropped++)
			log_printf(LOG_WARN,
				   "clipboard: the host's clipboard changes too fast (at most %u "
				   "at once, then 1 per %u ms): changes dropped",
				   CLIPBOARD_BURST, CLIPBOARD_REFILL_MS);
		return;
	}
	c->host_dropped = 0;
	uint8_t *copy = malloc((size_t)len + 1);
	if (!copy)
		return;
	memcpy(copy, text, len);
	free(c->host_text);
	c->host_text = copy;
	c->host_len = len;
	c->host_hash = h;
	c->host_known = true;
	unsigned n = 0;
	for (struct clip_peer *p = c->peers; p; p = p->next) {
		bool had = p->has_any && p->has == h;
		give(c, p);
		n += (p->dirs & PROTO_CLIP_TO_CLIENT) && !had;
	}
	log_printf(LOG_INFO, "clipboard: %u bytes from the host to %u viewer%s", len, n,
		   n == 1 ? "" : "s");
}

void clipboard_on_host_too_big(void *data, uint32_t size)
{
	struct clipboard *c = data;
	char why[256], more[64];
	if (!clipboard_bucket_say(&c->host_said, &c->host_unsaid, more, sizeof(more)))
		return;
	snprintf(why, sizeof(why),
		 "the host's clipboard (%u bytes) is over the limit of %u bytes (--clipboard-max): "
		 "not sent",
		 size, c->o.max_bytes);
	log_printf(LOG_WARN, "clipboard: %s%s", why, more);
	for (struct clip_peer *p = c->peers; p; p = p->next)
		if (p->dirs & PROTO_CLIP_TO_CLIENT)
			notice(p, PROTO_CLIP_TOO_BIG, size, why);
}
