// SPDX-License-Identifier: MIT
/* libFuzzer target for every file parser: the daemon's authorized-clients
 * and pairing files, the client's known_hosts, config files (against a
 * table shaped like the programs' own), pairing codes typed by a person,
 * and HOST:PORT arguments. The first byte picks the parser. A refusal must
 * come with a message; an accepted config yields only known words. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/config.h"
#include "kmscast/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct option known[] = {
	{"listen", required_argument, NULL, 1}, {"fps", required_argument, NULL, 2},
	{"verbose", no_argument, NULL, 'v'}, {"allow-vt-switch", no_argument, NULL, 3},
	{"config", required_argument, NULL, 4}, {"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	/* The parsers get what fileio_read_all gives: NUL-terminated text. */
	char *text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	size_t n = size - 1;
	char err[256] = "";
	uint8_t fp[FP_SIZE], key[PAIR_KEY_SIZE];
	int r;

	switch (data[0] % 6) {
	case 0: {
		struct fp_list list = {0};
		r = trust_parse_authorized(text, n, &list, err, sizeof(err));
		if (r ? !err[0] : (list.count && !list.fps))
			abort();
		fp_list_free(&list);
		break;
	}
	case 1: {
		unsigned line = 0;
		r = trust_known_hosts_find(text, n, "host.example:7300", fp, &line, err, sizeof(err));
		if ((r < 0 && !err[0]) || (r == 1 && !line))
			abort();
		break;
	}
	case 2: {
		struct config_words w = {0};
		r = config_parse(text, n, known, &w, err, sizeof(err));
		if (r && !err[0])
			abort();
		for (int i = 0; !r && i < w.count; i++)
			if (strncmp(w.words[i], "--", 2) != 0 || !strncmp(w.words[i], "--config", 8) ||
			    !strncmp(w.words[i], "--help", 6))
				abort();
		config_words_free(&w);
		break;
	}
	case 3: {
		long long expires;
		pair_pending_parse(text, n, key, &expires);
		break;
	}
	case 4:
		if (pair_code_parse(text, key) == 0) {
			char code[PAIR_CODE_SIZE];
			uint8_t again[PAIR_KEY_SIZE];
			pair_code_format(key, code);
			if (pair_code_parse(code, again) != 0 || memcmp(key, again, sizeof(key)))
				abort();
		}
		if (fp_parse(text, n, fp) == 0) {
			char s[FP_STR_SIZE];
			fp_format(fp, s);
			if (strlen(s) != n || strncasecmp(s, text, n) != 0)
				abort();
		}
		break;
	case 5: {
		char host[256];
		unsigned port;
		r = trust_split_hostport(text, 7300, host, sizeof(host), &port, err, sizeof(err));
		if (r ? !err[0] : (port > 65535 || strlen(host) >= sizeof(host)))
			abort();
		break;
	}
	}
	free(text);
	return 0;
}
