// SPDX-License-Identifier: MIT
/* Trust material as text: certificate fingerprints, the daemon's
 * authorized-clients file, the client's known_hosts file and one-time
 * pairing codes. Parsers are pure functions over buffers. */
#ifndef KMSCAST_TRUST_H
#define KMSCAST_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_SIZE 32
/* "sha256:" and 64 lowercase hex digits. */
#define FP_STR_LEN 71
#define FP_STR_SIZE (FP_STR_LEN + 1)

#define TRUST_MAX_FILE (4u * 1024 * 1024)
#define TRUST_MAX_ENTRIES 100000
#define TRUST_MAX_LINE 1024
#define TRUST_MAX_HOST 255

/* A hex digit's value (either case), or -1. */
int hexval(char c);

void fp_format(const uint8_t fp[FP_SIZE], char out[FP_STR_SIZE]);
/* Accepts exactly the printed form (hex case-insensitive). 0 or -EINVAL. */
int fp_parse(const char *s, size_t len, uint8_t fp[FP_SIZE]);

struct fp_list {
	size_t count;
	uint8_t (*fps)[FP_SIZE];
};

/* authorized-clients: one fingerprint per line, '#' starts a comment,
 * blank lines ignored. 0, or -EINVAL with "line N: why" in err. */
int trust_parse_authorized(const char *text, size_t len, struct fp_list *out, char *err,
			   size_t err_len);
bool fp_list_contains(const struct fp_list *list, const uint8_t fp[FP_SIZE]);
void fp_list_free(struct fp_list *list);

/* known_hosts: "HOST:PORT FINGERPRINT" per line, '#' comments. Looks up
 * host (as "HOST:PORT"): 1 found (fp set, *line its number), 0 not
 * found, -EINVAL on a malformed line (err names it). */
int trust_known_hosts_find(const char *text, size_t len, const char *host, uint8_t fp[FP_SIZE],
			   unsigned *line, char *err, size_t err_len);

/* Pairing codes carry 128 random bits, printed as 26 base32 digits in
 * groups (e.g. "7KQ4M-..."); dashes, spaces and case are ignored on input. */
#define PAIR_KEY_SIZE 16
#define PAIR_CODE_SIZE 40
void pair_code_format(const uint8_t key[PAIR_KEY_SIZE], char out[PAIR_CODE_SIZE]);
int pair_code_parse(const char *s, uint8_t key[PAIR_KEY_SIZE]);

/* Pairing proofs bind the code to both certificates seen in the TLS
 * handshake: HMAC-SHA256(key, label || first fp || second fp), with the
 * client proving (client fp, server fp) and the server (server fp, client
 * fp) under different labels. A man in the middle sees other fingerprints
 * and cannot forge either proof without the 128-bit code. */
#define PAIR_PROOF_SIZE 32
void pair_proof(const uint8_t key[PAIR_KEY_SIZE], bool from_server, const uint8_t a[FP_SIZE],
		const uint8_t b[FP_SIZE], uint8_t out[PAIR_PROOF_SIZE]);

/* The pending-pairing file the daemon reads: "EXPIRY_UNIX HEXKEY\n". */
int pair_pending_format(const uint8_t key[PAIR_KEY_SIZE], long long expires, char *out,
			size_t out_len);
int pair_pending_parse(const char *text, size_t len, uint8_t key[PAIR_KEY_SIZE],
		       long long *expires);

/* Host part for known_hosts and hostname checks: "HOST[:PORT]" or
 * "[V6]:PORT" split into host and port (default_port if absent).
 * 0 or -EINVAL with a message. */
int trust_split_hostport(const char *arg, unsigned default_port, char *host, size_t host_len,
			 unsigned *port, char *err, size_t err_len);

#endif
