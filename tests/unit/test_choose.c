// SPDX-License-Identifier: MIT
/* kmscast HOST without --present: each branch of the choice. */
#include "../../client/choose.h"
#include "tst.h"

static int a_display_means_a_window(void)
{
	char why[256];
	struct present_env e = {.x11 = true};
	CHECK_EQ_INT(present_choose(&e, why, sizeof(why)), PRESENT_SDL);
	CHECK(strstr(why, "in a window (DISPLAY is set"));
	e = (struct present_env){.wayland = true, .x11 = true, .bare_vt = true, .free_card = true};
	CHECK_EQ_INT(present_choose(&e, why, sizeof(why)), PRESENT_SDL);
	CHECK(strstr(why, "WAYLAND_DISPLAY is set"));
	return 0;
}

static int a_bare_console_with_a_free_card_means_kms(void)
{
	char why[256];
	struct present_env e = {.bare_vt = true, .free_card = true};
	CHECK_EQ_INT(present_choose(&e, why, sizeof(why)), PRESENT_KMS);
	CHECK(strstr(why, "a text console with a free card"));
	return 0;
}

static int otherwise_none_with_one_line_of_advice(void)
{
	char why[256];
	struct present_env e = {0};
	CHECK_EQ_INT(present_choose(&e, why, sizeof(why)), PRESENT_NONE);
	CHECK(strstr(why, "standard input is not a text console"));
	CHECK(strstr(why, "--snapshot FILE.png or --record FILE.mkv"));
	CHECK(!strchr(why, '\n'));
	e.bare_vt = true; /* a console, but its card is taken (a compositor runs) */
	CHECK_EQ_INT(present_choose(&e, why, sizeof(why)), PRESENT_NONE);
	CHECK(strstr(why, "no free card for this console"));
	return 0;
}

static int a_file_output_needs_no_presenter(void)
{
	char why[256];
	struct present_env e = {.x11 = true, .bare_vt = true, .free_card = true, .keeps_output = true};
	CHECK_EQ_INT(present_choose(&e, why, sizeof(why)), PRESENT_NONE);
	CHECK_EQ_INT(why[0], '\0');
	CHECK(!strcmp(present_kind_name(PRESENT_KMS), "kms"));
	return 0;
}

TST_MAIN("choose", TST_CASE(a_display_means_a_window),
	 TST_CASE(a_bare_console_with_a_free_card_means_kms),
	 TST_CASE(otherwise_none_with_one_line_of_advice), TST_CASE(a_file_output_needs_no_presenter))
