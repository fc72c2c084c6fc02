// SPDX-License-Identifier: MIT
/* The browser viewer's files (client/web/), built into kmscastd so the
 * page always matches the daemon that serves it and nothing is read from
 * disk at run time. */
#ifndef KMSCAST_WEBASSETS_H
#define KMSCAST_WEBASSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct web_asset {
	const char *path; /* as requested: "/", "/viewer.js" */
	const char *type; /* Content-Type */
	const uint8_t *data;
	size_t len;
};

/* The asset served at path (query string ignored): true with *out set. */
bool web_asset_find(const char *path, struct web_asset *out);

#endif
