// SPDX-License-Identifier: MIT
#include <errno.h>

#include "kmscast/config.h"
#include "tst.h"

static const struct option known[] = {
	{"codec", required_argument, NULL, 1},
	{"fps", required_argument, NULL, 2},
	{"cursor-in-video", no_argument, NULL, 3},
	{"listen", required_argument, NULL, 4},
	{"config", required_argument, NULL, 5},
	{"help", no_argument, NULL, 6},
	{NULL, 0, NULL, 0},
};

static int parse(const char *text, struct config_words *w, char *err)
{
	return config_parse(text, strlen(text), known, w, err, 128);
}

static int parses_keys_and_flags(void)
{
	const char text[] = "# kmscastd.conf\n"
			    "codec = lossless\n"
			    "  fps=30   # thirty\n"
			    "\n"
			    "cursor-in-video\n"
			    "listen = [::]:7300\n";
	struct config_words w;
	char err[128];

	CHECK_EQ_INT(parse(text, &w, err), 0);
	CHECK_EQ_INT(w.count, 4);
	CHECK(strcmp(w.words[0], "--codec=lossless") == 0);
	CHECK(strcmp(w.words[1], "--fps=30") == 0);
	CHECK(strcmp(w.words[2], "--cursor-in-video") == 0);
	CHECK(strcmp(w.words[3], "--listen=[::]:7300") == 0);
	config_words_free(&w);
	return 0;
}

static int rejects_bad_lines(void)
{
	struct config_words w;
	char err[128];

	CHECK_EQ_INT(parse("fps =\n", &w, err), -EINVAL);
	CHECK(strcmp(err, "line 1: 'fps' has no value") == 0);
	CHECK_EQ_INT(parse("fps = 1\n--fps = 2\n", &w, err), -EINVAL);
	CHECK(strcmp(err, "line 2: want 'key = value' with a long option's name") == 0);
	CHECK_EQ_INT(w.count, 0);
	CHECK_EQ_INT(parse("Codec = x\n", &w, err), -EINVAL);
	CHECK_EQ_INT(parse("= x\n", &w, err), -EINVAL);
	CHECK_EQ_INT(parse("# a\nfps = 5\nframes = 3\n", &w, err), -EINVAL);
	CHECK(strcmp(err, "line 3: unknown setting 'frames'") == 0);
	CHECK_EQ_INT(parse("cursor-in-video = yes\n", &w, err), -EINVAL);
	CHECK(strcmp(err, "line 1: 'cursor-in-video' is a flag: write it alone") == 0);
	CHECK_EQ_INT(parse("\ncodec\n", &w, err), -EINVAL);
	CHECK(strcmp(err, "line 2: 'codec' needs a value: 'codec = VALUE'") == 0);
	/* A file naming another file, or asking for help, is a mistake. */
	CHECK_EQ_INT(parse("config = /etc/other\n", &w, err), -EINVAL);
	CHECK(strcmp(err, "line 1: unknown setting 'config'") == 0);
	CHECK_EQ_INT(parse("help\n", &w, err), -EINVAL);
	CHECK_EQ_INT(w.count, 0);
	return 0;
}

TST_MAIN("config", TST_CASE(parses_keys_and_flags), TST_CASE(rejects_bad_lines))
