// SPDX-License-Identifier: MIT
/* The daemon's frame side: paces captures (vblank events where the driver
 * delivers them, else an absolute-clock timer), detects change, encodes
 * per client under backpressure, and sends frames and cursor updates.
 * Sessions come from src/daemon/server.c once they are trusted. */
#ifndef KMSCAST_STREAMER_H
#define KMSCAST_STREAMER_H

#include <stdbool.h>
#include <uv.h>

#include "kmscast/dnssd.h"
#include "kmscast/encoder.h"
#include "kmscast/inject.h"
#include "kmscast/server.h"

enum streamer_source { SOURCE_CAPTURE, SOURCE_TEST };

struct streamer_options {
	enum streamer_source source;
	int card_fd;                       /* SOURCE_CAPTURE: an open card, owned once created */
	const char *device;                /* where to look for the card again; NULL: any */
	const struct privsep_peer *helper; /* or else the capture helper (taken over) */
	const char *output;                /* NULL: the first lit output */
	size_t test_bytes;                 /* SOURCE_TEST: payload size */
	unsigned fps;
	enum proto_codec codec;
	enum encoder_kind encoder; /* resolved: SOFTWARE or VAAPI (vaapi_choose) */
	const char *render_node;   /* VAAPI: where to encode */
	bool vaapi_low_power;
	int crf;
	unsigned bitrate_kbps;
	bool cursor_in_video;
	unsigned max_viewers;        /* view-only sessions besides the controller */
	struct inject *input;        /* the controller's input goes here; NULL: view-only for all */
	struct metrics *metrics;     /* counted into (frames, viewers, capture); NULL: none */
	struct clipboard *clipboard; /* viewers join and leave it; NULL: no clipboard */
	/* Viewers came or went, or the output or its size changed (the
	 * daemon's announcement follows streamer_status). */
	void (*on_status)(void *data);
	void *status_data;
};

struct streamer;
struct privsep_peer;

int streamer_create(uv_loop_t *loop, const struct streamer_options *opts, struct streamer **out,
		    char *err, size_t err_len);
/* Stops pacing and frees every viewer; the loop runs on to close handles. */
void streamer_destroy(struct streamer *st);

void streamer_add(struct streamer *st, struct session *s);
void streamer_remove(struct streamer *st, struct session *s);
void streamer_message(struct streamer *st, struct session *s, const struct proto_msg *m);
/* Viewers, whether one is in control, the output and its size (the
 * mode's until a frame was read). */
void streamer_status(struct streamer *st, struct dnssd_status *out);

#endif
