// SPDX-License-Identifier: MIT
/* Which presenter `kmscast HOST` uses when --present is not given: what a
 * person at this machine means. Pure: main gathers the facts. */
#ifndef KMSCAST_CLIENT_CHOOSE_H
#define KMSCAST_CLIENT_CHOOSE_H

#include <stdbool.h>
#include <stddef.h>

enum present_kind { PRESENT_NONE, PRESENT_SDL, PRESENT_KMS };

struct present_env {
	bool wayland, x11; /* WAYLAND_DISPLAY, DISPLAY set and not empty */
	bool bare_vt;      /* standard input is a text console (tty1..tty63) */
	bool free_card;    /* a card with a connected connector we can be master of */
	bool keeps_output; /* --snapshot or --record: the stream goes to a file */
};

/* The presenter, and in why one line on the choice ("" when there is
 * nothing to say). */
enum present_kind present_choose(const struct present_env *e, char *why, size_t len);
const char *present_kind_name(enum present_kind k);

#endif
