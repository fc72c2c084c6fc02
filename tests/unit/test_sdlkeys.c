// SPDX-License-Identifier: MIT
#include <SDL2/SDL.h>
#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>

#include "kmscast/inputfilter.h"
#include "../../client/sdlkeys.h"
#include "tst.h"

/* SDL scancodes with no Linux key: HID usages the kernel's keyboard map
 * leaves out (AS/400 and mainframe keys, most keypad
 * extras, the spare INTERNATIONAL/LANG slots, phone keys). */
static const int no_key[] = {
	SDL_SCANCODE_KP_EQUALSAS400, SDL_SCANCODE_INTERNATIONAL7, SDL_SCANCODE_INTERNATIONAL8,
	SDL_SCANCODE_INTERNATIONAL9, SDL_SCANCODE_LANG6, SDL_SCANCODE_LANG7, SDL_SCANCODE_LANG8,
	SDL_SCANCODE_LANG9, SDL_SCANCODE_PRIOR, SDL_SCANCODE_RETURN2, SDL_SCANCODE_SEPARATOR,
	SDL_SCANCODE_OUT, SDL_SCANCODE_OPER, SDL_SCANCODE_CLEARAGAIN, SDL_SCANCODE_CRSEL,
	SDL_SCANCODE_EXSEL, SDL_SCANCODE_KP_00, SDL_SCANCODE_KP_000,
	SDL_SCANCODE_THOUSANDSSEPARATOR, SDL_SCANCODE_DECIMALSEPARATOR, SDL_SCANCODE_CURRENCYUNIT,
	SDL_SCANCODE_CURRENCYSUBUNIT, SDL_SCANCODE_KP_LEFTBRACE, SDL_SCANCODE_KP_RIGHTBRACE,
	SDL_SCANCODE_KP_TAB, SDL_SCANCODE_KP_BACKSPACE, SDL_SCANCODE_KP_A, SDL_SCANCODE_KP_B,
	SDL_SCANCODE_KP_C, SDL_SCANCODE_KP_D, SDL_SCANCODE_KP_E, SDL_SCANCODE_KP_F,
	SDL_SCANCODE_KP_XOR, SDL_SCANCODE_KP_POWER, SDL_SCANCODE_KP_PERCENT, SDL_SCANCODE_KP_LESS,
	SDL_SCANCODE_KP_GREATER, SDL_SCANCODE_KP_AMPERSAND, SDL_SCANCODE_KP_DBLAMPERSAND,
	SDL_SCANCODE_KP_VERTICALBAR, SDL_SCANCODE_KP_DBLVERTICALBAR, SDL_SCANCODE_KP_COLON,
	SDL_SCANCODE_KP_HASH, SDL_SCANCODE_KP_SPACE, SDL_SCANCODE_KP_AT, SDL_SCANCODE_KP_EXCLAM,
	SDL_SCANCODE_KP_MEMSTORE, SDL_SCANCODE_KP_MEMRECALL, SDL_SCANCODE_KP_MEMCLEAR,
	SDL_SCANCODE_KP_MEMADD, SDL_SCANCODE_KP_MEMSUBTRACT, SDL_SCANCODE_KP_MEMMULTIPLY,
	SDL_SCANCODE_KP_MEMDIVIDE, SDL_SCANCODE_KP_CLEAR, SDL_SCANCODE_KP_CLEARENTRY,
	SDL_SCANCODE_KP_BINARY, SDL_SCANCODE_KP_OCTAL, SDL_SCANCODE_KP_DECIMAL,
	SDL_SCANCODE_KP_HEXADECIMAL, SDL_SCANCODE_MODE, SDL_SCANCODE_SOFTLEFT,
	SDL_SCANCODE_SOFTRIGHT, SDL_SCANCODE_ENDCALL,
};
/* Two SDL scancodes for one physical key (the second of each pair). */
static const int same_key[] = {SDL_SCANCODE_NONUSHASH, SDL_SCANCODE_SYSREQ,
			       SDL_SCANCODE_AUDIOMUTE, SDL_SCANCODE_AC_STOP};

static int listed(const int *set, size_t n, int s)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == s)
			return 1;
	return 0;
}

/* The values SDL 2's SDL_Scancode defines (SDL_scancode.h): HID keyboard
 * usages 4-231 but for the locking keys and the unassigned gaps, then SDL's
 * own consumer keys from 257. */
static int defined(int s)
{
	return (s >= 4 && s <= 129) || (s >= 133 && s <= 164) || (s >= 176 && s <= 221) ||
	       (s >= 224 && s <= 231) || (s >= 257 && s <= 290);
}

static int every_scancode_maps(void)
{
	unsigned named = 0, mapped = 0;
	for (int s = 0; s < SDL_NUM_SCANCODES; s++) {
		const char *name = SDL_GetScancodeName((SDL_Scancode)s);
		uint16_t k = sdlkeys_to_evdev(s);
		int none = listed(no_key, sizeof(no_key) / sizeof(no_key[0]), s);
		if (!defined(s)) {
			CHECK_EQ_INT(k, 0); /* no such scancode */
			continue;
		}
		named++;
		if (!k && !none) {
			fprintf(stderr, "  SDL scancode %d (%s) maps to nothing\n", s, name);
			return 1;
		}
		if (k && none) {
			fprintf(stderr, "  SDL scancode %d (%s) is listed as keyless\n", s, name);
			return 1;
		}
		if (!k)
			continue;
		mapped++;
		/* A real KEY_* that the daemon's keyboard offers. */
		CHECK(libevdev_event_code_get_name(EV_KEY, k) != NULL);
		CHECK(inputfilter_keyboard_key(k));
	}
	printf("  %u SDL scancodes, %u mapped, %zu keyless\n", named, mapped,
	       sizeof(no_key) / sizeof(no_key[0]));
	CHECK_EQ_INT(named, mapped + sizeof(no_key) / sizeof(no_key[0]));
	CHECK_EQ_INT(sdlkeys_to_evdev(-1), 0);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_NUM_SCANCODES), 0);
	return 0;
}

static int one_key_per_code(void)
{
	static int seen[KEY_MAX + 1];
	memset(seen, 0, sizeof(seen));
	for (int s = 0; s < SDL_NUM_SCANCODES; s++) {
		uint16_t k = sdlkeys_to_evdev(s);
		if (!k)
			continue;
		if (seen[k] && !listed(same_key, sizeof(same_key) / sizeof(same_key[0]), s)) {
			fprintf(stderr, "  %s and %s both give %s\n",
				SDL_GetScancodeName((SDL_Scancode)seen[k]),
				SDL_GetScancodeName((SDL_Scancode)s), libevdev_event_code_get_name(EV_KEY, k));
			return 1;
		}
		if (!seen[k])
			seen[k] = s;
	}
	return 0;
}

static int positions_not_characters(void)
{
	/* Scancodes are positions: the key right of Tab is Q on QWERTY, A on AZERTY. */
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_Q), KEY_Q);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_A), KEY_A);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_0), KEY_0);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_PERIOD), KEY_DOT);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_NONUSBACKSLASH), KEY_102ND);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_PRINTSCREEN), KEY_SYSRQ);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_RGUI), KEY_RIGHTMETA);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_KP_ENTER), KEY_KPENTER);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_F24), KEY_F24);
	CHECK_EQ_INT(sdlkeys_to_evdev(SDL_SCANCODE_INTERNATIONAL3), KEY_YEN);
	return 0;
}

TST_MAIN("sdlkeys", TST_CASE(every_scancode_maps), TST_CASE(one_key_per_code),
	 TST_CASE(positions_not_characters))
