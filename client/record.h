// SPDX-License-Identifier: MIT
/* --record FILE.mkv: H.264/HEVC packets remuxed into Matroska as they came
 * (no re-encoding); lossless streams encoded as FFV1 (bgr0), also exact. */
#ifndef KMSCAST_CLIENT_RECORD_H
#define KMSCAST_CLIENT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "kmscast/proto.h"

struct recorder;

int recorder_create(const char *path, const struct proto_stream_config *cfg, struct recorder **out,
		    char *err, size_t err_len);
/* H.264/HEVC: one received payload; the file starts at the first keyframe. */
int recorder_packet(struct recorder *r, const struct proto_video_frame *f, char *err,
		    size_t err_len);
/* Lossless: one decoded picture (width*height*3 RGB). */
int recorder_picture(struct recorder *r, const uint8_t *rgb, uint64_t capture_us, char *err,
		     size_t err_len);
/* Writes the trailer and frees; returns frames written or -errno. */
long recorder_close(struct recorder *r, char *err, size_t err_len);

#endif
