// SPDX-License-Identifier: MIT
#include "kmscast/webassets.h"

#include <string.h>

#define EXTERN_ASSET(sym) extern const uint8_t sym##_start[], sym##_end[]
EXTERN_ASSET(web_index);
EXTERN_ASSET(web_css);
EXTERN_ASSET(web_js);
EXTERN_ASSET(web_proto);
EXTERN_ASSET(web_keymap);
EXTERN_ASSET(web_lossless);
EXTERN_ASSET(web_fzstd);
EXTERN_ASSET(web_fzstd_license);

#define JS "text/javascript; charset=utf-8"
bool web_asset_find(const char *path, struct web_asset *out)
{
	/* Sizes come from the linker's symbols: not constants, so computed here. */
	static struct {
		const char *path, *type;
		const uint8_t *start, *end;
	} const table[] = {
		{"/", "text/html; charset=utf-8", web_index_start, web_index_end},
		{"/viewer.css", "text/css; charset=utf-8", web_css_start, web_css_end},
		{"/viewer.js", JS, web_js_start, web_js_end},
		{"/proto.js", JS, web_proto_start, web_proto_end},
		{"/keymap.js", JS, web_keymap_start, web_keymap_end},
		{"/lossless.js", JS, web_lossless_start, web_lossless_end},
		{"/vendor/fzstd.mjs", JS, web_fzstd_start, web_fzstd_end},
		{"/vendor/fzstd.LICENSE", "text/plain; charset=utf-8", web_fzstd_license_start,
		 web_fzstd_license_end},
	};
	size_t n = strcspn(path, "?#");
	if (n == 11 && strncmp(path, "/index.html", 11) == 0)
		n = 1;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strlen(table[i].path) != n || strncmp(table[i].path, path, n) != 0)
			continue;
		*out = (struct web_asset){table[i].path, table[i].type, table[i].start,
					  (size_t)(table[i].end - table[i].start)};
		return true;
	}
	return false;
}
