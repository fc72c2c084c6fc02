// SPDX-License-Identifier: MIT
/* SDL scancodes (key positions, USB HID based) to evdev KEY_* codes, so the
 * SDL presenter sends the same positions a local evdev keyboard would.
 * Built into the client with SDL's headers; tested in test_sdlkeys. */
#ifndef KMSCAST_SDLKEYS_H
#define KMSCAST_SDLKEYS_H

#include <stdint.h>

/* The KEY_* code for an SDL_Scancode, 0 where Linux has no key for it. */
uint16_t sdlkeys_to_evdev(int scancode);

#endif
