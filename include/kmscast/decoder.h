// SPDX-License-Identifier: MIT
/* The client's decoders: lossless (ours) and H.264/HEVC (libavcodec), all
 * producing a packed RGB canvas of the stream's size. Payloads come from
 * the network and are treated as hostile. */
#ifndef KMSCAST_DECODER_H
#define KMSCAST_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/proto.h"

struct decoder;

enum decoder_hw { DECODER_HW_AUTO, DECODER_HW_VAAPI, DECODER_HW_NONE };

/* hw: for h264/hevc, decode through VA-API (libavcodec hwaccel) on
 * hw_device (a render node; NULL: libva's default) when it can, else in
 * software (AUTO), or fail naming VA-API (VAAPI). *note (may be NULL) gets
 * one line saying which and why. */
int decoder_create(const struct proto_stream_config *cfg, enum decoder_hw hw, const char *hw_device,
		   struct decoder **out, char *note, size_t note_len, char *err, size_t err_len);
int decoder_parse_hw(const char *s, enum decoder_hw *hw);
void decoder_destroy(struct decoder *d);

/* Decodes one VIDEO_FRAME payload. 1: the canvas holds a new picture;
 * 0: nothing to show yet (e.g. waiting for a keyframe); -errno with a
 * message for a payload that cannot be decoded. */
int decoder_decode(struct decoder *d, const struct proto_video_frame *f, char *err, size_t err_len);
const uint8_t *decoder_rgb(const struct decoder *d); /* width*height*3 */

#endif
