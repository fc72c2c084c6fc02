#include <errno.h>

#include "kmscast/config.h"
#include "tst.h"

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

	CHECK_EQ_INT(config_parse(text, strlen(text), &w, err, sizeof(err)), 0);
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

	CHECK_EQ_INT(config_parse("fps =\n", 6, &w, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "line 1: 'fps' has no value") == 0);
	CHECK_EQ_INT(config_parse("ok = 1\n--fps = 2\n", 17, &w, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "line 2: want 'key = value' with a long option's name") == 0);
	CHECK_EQ_INT(w.count, 0);
	CHECK_EQ_INT(config_parse("Codec = x\n", 10, &w, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(config_parse("= x\n", 4, &w, err, sizeof(err)), -EINVAL);
	return 0;
}

TST_MAIN("config", TST_CASE(parses_keys_and_flags), TST_CASE(rejects_bad_lines))
