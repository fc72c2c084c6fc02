// SPDX-License-Identifier: MIT
/* What the clipboard backends share (src/agent/clip.h). */
#include "clip.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const clip_text_types[] =
	{"text/plain;charset=utf-8", "UTF8_STRING", "text/plain", "TEXT", "STRING", NULL};

int clip_text_rank(const char *mime)
{
	for (int i = 0; clip_text_types[i]; i++)
		if (strcmp(mime, clip_text_types[i]) == 0)
			return i;
	return -1;
}

void clip_deliver(const struct clip_setup *s, const uint8_t *text, size_t len, int err)
{
	if (err < 0)
		fprintf(stderr,
			"kmscast-agent: clipboard: reading the desktop's selection failed: %s\n",
			strerror(-err));
	else if (!text)
		s->ev.too_big(s->data, len);
	else
		s->ev.text(s->data, text, len);
}
