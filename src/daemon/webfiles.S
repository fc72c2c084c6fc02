// SPDX-License-Identifier: MIT
/* The browser viewer's files, included byte for byte (see webassets.c, which names them).
 * Paths are relative to the top of the tree, where make runs. */
#define ASSET(sym, file)                        \
	.section .rodata;                       \
	.global sym##_start, sym##_end;         \
	.balign 16;                             \
sym##_start:                                    \
	.incbin file;                           \
sym##_end:                                      \
	.byte 0

ASSET(web_index, "client/web/index.html")
ASSET(web_css, "client/web/viewer.css")
ASSET(web_js, "client/web/viewer.js")
ASSET(web_proto, "client/web/proto.js")
ASSET(web_keymap, "client/web/keymap.js")
ASSET(web_lossless, "client/web/lossless.js")
ASSET(web_fzstd, "client/web/vendor/fzstd.mjs")
ASSET(web_fzstd_license, "client/web/vendor/fzstd.LICENSE")

	.section .note.GNU-stack, "", @progbits
