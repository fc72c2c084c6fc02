// SPDX-License-Identifier: MIT
/* Config files with the same keys as the long options: "key = value" or a
 * bare "key" for a flag, '#' comments. Parsed into "--key=value" words to
 * go in front of the command line, so the command line wins. */
#ifndef KMSCAST_CONFIG_H
#define KMSCAST_CONFIG_H

#include <getopt.h>
#include <stddef.h>

#define CONFIG_MAX_WORDS 64

struct config_words {
	int count;
	char *words[CONFIG_MAX_WORDS];
};

/* Pure. Keys must be among known (getopt_long's table, ending in a zero
 * entry), take a value exactly when the option does, and may not be
 * "config" or "help". 0, or -EINVAL with "line N: why" in err. */
int config_parse(const char *text, size_t len, const struct option *known, struct config_words *out,
		 char *err, size_t err_len);
void config_words_free(struct config_words *w);

#endif
