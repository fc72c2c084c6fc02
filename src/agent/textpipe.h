// SPDX-License-Identifier: MIT
/* Reading a text from a pipe the clipboard's owner writes (bounded; past
 * the limit only counted), and writing one to a pipe a reader drains:
 * both non-blocking on the loop, so a stuck peer holds up nothing. */
#ifndef KMSCAST_AGENT_TEXTPIPE_H
#define KMSCAST_AGENT_TEXTPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* Past this the reader stops counting: the text is just "too big". */
#define TEXTPIPE_COUNT_MAX (256u * 1024 * 1024)

struct textpipe;
/* done: text (len bytes) when it fit in max, else NULL and len the size
 * counted; err < 0 when the pipe failed. Then the textpipe is freed. */
typedef void (*textpipe_done)(void *data, const uint8_t *text, size_t len, int err);

int textpipe_read(uv_loop_t *loop, int fd, size_t max, textpipe_done done, void *data,
		  struct textpipe **out);
/* Writes text (copied) to fd and closes it; no callback. */
int textpipe_write(uv_loop_t *loop, int fd, const uint8_t *text, size_t len);
/* Stops a read without calling done (a newer selection replaced it). */
void textpipe_cancel(struct textpipe *t);

#endif
