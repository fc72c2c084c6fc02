// SPDX-License-Identifier: MIT
#include "kmscast/config.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 1024

static char *trim(char *s, char *e)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	return s;
}

static const struct option *find_key(const struct option *known, const char *key)
{
	if (strcmp(key, "config") == 0 || strcmp(key, "help") == 0)
		return NULL;
	for (; known->name; known++)
		if (strcmp(known->name, key) == 0)
			return known;
	return NULL;
}

int config_parse(const char *text, size_t len, const struct option *known, struct config_words *out,
		 char *err, size_t err_len)
{
	char line[LINE_MAX_LEN + 1];
	unsigned no = 0;
	size_t i = 0;

	out->count = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		no++;
		if (n > LINE_MAX_LEN || memchr(text + i, '\0', n)) {
			snprintf(err, err_len, "line %u: too long or not text", no);
			goto fail;
		}
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + (nl ? 1 : 0);
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *eq = strchr(line, '=');
		char *key = trim(line, eq ? eq : line + strlen(line));
		char *val = eq ? trim(eq + 1, eq + 1 + strlen(eq + 1)) : NULL;
		if (!*key && !val)
			continue;
		bool ok = *key != '\0' && *key != '-';
		for (char *k = key; ok && *k; k++)
			ok = islower((unsigned char)*k) || isdigit((unsigned char)*k) || *k == '-';
		if (!ok) {
			snprintf(err, err_len,
				 "line %u: want 'key = value' with a long option's name", no);
			goto fail;
		}
		if (eq && !*val) {
			snprintf(err, err_len, "line %u: '%s' has no value", no, key);
			goto fail;
		}
		const struct option *opt = find_key(known, key);
		if (!opt) {
			snprintf(err, err_len, "line %u: unknown setting '%s'", no, key);
			goto fail;
		}
		if ((opt->has_arg == required_argument) != (val != NULL)) {
			if (val)
				snprintf(err, err_len, "line %u: '%s' is a flag: write it alone",
					 no, key);
			else
				snprintf(err, err_len, "line %u: '%s' needs a value: '%s = VALUE'",
					 no, key, key);
			goto fail;
		}
		if (out->count == CONFIG_MAX_WORDS) {
			snprintf(err, err_len, "more than %d settings", CONFIG_MAX_WORDS);
			goto fail;
		}
		size_t wl = strlen(key) + (val ? strlen(val) + 1 : 0) + 3;
		char *w = malloc(wl);
		if (!w) {
			snprintf(err, err_len, "out of memory");
			goto fail;
		}
		snprintf(w, wl, val ? "--%s=%s" : "--%s", key, val);
		out->words[out->count++] = w;
	}
	return 0;
fail:
	config_words_free(out);
	return -EINVAL;
}

void config_words_free(struct config_words *w)
{
	for (int i = 0; i < w->count; i++)
		free(w->words[i]);
	w->count = 0;
}
