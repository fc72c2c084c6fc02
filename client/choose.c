// SPDX-License-Identifier: MIT
#include "choose.h"

#include <stdio.h>

const char *present_kind_name(enum present_kind k)
{
	return k == PRESENT_SDL ? "sdl" : k == PRESENT_KMS ? "kms" : "none";
}

enum present_kind present_choose(const struct present_env *e, char *why, size_t len)
{
	snprintf(why, len, "%s", "");
	/* A snapshot or a recording is what was asked for: no window too. */
	if (e->keeps_output)
		return PRESENT_NONE;
	if (e->wayland || e->x11) {
		snprintf(why, len,
			 "showing the stream in a window (%s is set; --present none "
			 "shows nothing)",
			 e->wayland ? "WAYLAND_DISPLAY" : "DISPLAY");
		return PRESENT_SDL;
	}
	if (e->bare_vt && e->free_card) {
		snprintf(why, len,
			 "showing the stream on this console's display (a text console "
			 "with a free card; --present none shows nothing)");
		return PRESENT_KMS;
	}
	snprintf(why, len,
		 "nothing to show the stream on here (no WAYLAND_DISPLAY or DISPLAY, "
		 "and %s): add --snapshot FILE.png or --record FILE.mkv to keep it, or "
		 "--present none to only receive it",
		 e->bare_vt ? "no free card for this console"
			    : "standard input is not a text console");
	return PRESENT_NONE;
}
