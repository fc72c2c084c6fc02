// SPDX-License-Identifier: MIT
/* The daemon's network side: a listening socket, TLS handshakes (with a
 * cap on how many unauthenticated ones run at once), client trust
 * (authorized-clients file, client CA, one-time pairing) and the HELLO
 * exchange. Sessions that pass are handed to the owner, which streams. */
#ifndef KMSCAST_SERVER_H
#define KMSCAST_SERVER_H

#include <stdbool.h>
#include <uv.h>

#include "kmscast/conn.h"
#include "kmscast/ident.h"
#include "kmscast/log.h"
#include "kmscast/metrics.h"

#define SERVER_DEFAULT_PER_SOURCE 8

struct server;
struct session;

struct server_callbacks {
	/* A trusted client finished HELLO; the owner sends STREAM_CONFIG. */
	void (*on_ready)(struct session *s, void *data);
	/* Messages after HELLO (PING/PONG/ACK handled by conn). */
	void (*on_message)(struct session *s, const struct proto_msg *m, void *data);
	/* The session may take another frame. */
	void (*on_drain)(struct session *s, void *data);
	/* A ready session ended; s is invalid after this returns. */
	void (*on_gone)(struct session *s, void *data);
};

struct server_options {
	const char *listen;          /* "ADDR:PORT", ":PORT"; NULL: all addresses, 7300 */
	const char *state_dir;       /* pairing file lives here */
	const char *user;            /* the streamer's user for messages ("user kmscast") */
	const char *authorized_path; /* NULL: STATE_DIR/authorized-clients */
	const char *revoked_path;    /* NULL: STATE_DIR/revoked-clients */
	const char *client_ca;       /* PEM CA bundle or NULL */
	const char *crl;             /* the client CA's CRL (PEM) or NULL; SIGHUP re-reads */
	const char *portal_key;      /* PEM public keys whose portal tokens admit browsers */
	const struct ident *id;      /* not owned */
	const struct ident *web_id;  /* browsers' identity (ECDSA); NULL: no browsers */
	const char *web_origins;     /* more Origins allowed besides the page's own,
				       * comma-separated (a portal in front) */
	uint32_t codecs;             /* offered in our HELLO */
	unsigned max_handshakes;     /* unauthenticated at once (0: 32); past half,
				       * new ones are refused at random */
	unsigned max_per_source;     /* unauthenticated at once from one address (0: 8) */
	unsigned handshake_ms;       /* TLS and HELLO within this (0: 10 s) */
	unsigned idle_ms;            /* silent peer timeout (0: 20 s) */
	unsigned window;             /* frames in flight per session (0: 4) */
	struct metrics *metrics;     /* counted into (sessions, refusals, bytes); NULL: none */
};

int server_create(uv_loop_t *loop, const struct server_options *opts,
		  const struct server_callbacks *cb, void *data, struct server **out, char *err,
		  size_t err_len);
/* Ends every session (ERROR shutdown) and closes the listener; the loop
 * must run until it has no more handles for the memory to be freed. */
void server_destroy(struct server *srv);

/* Re-reads the authorized-clients and revoked-clients files, and the
 * client CA with its CRL; live sessions whose client is no longer trusted
 * end with "revoked". On a bad file its old contents stay. A revoked
 * fingerprint is refused even if the client CA signed it. */
int server_reload_trust(struct server *srv);

/* "ADDR:PORT" actually bound (after port 0 is resolved). */
const char *server_address(const struct server *srv);

struct session *server_first(struct server *srv);
struct session *server_next(struct session *s);
unsigned server_session_count(const struct server *srv);

struct conn *session_conn(struct session *s);
const char *session_fingerprint(const struct session *s);
const char *session_name(const struct session *s); /* from HELLO */
bool session_is_web(const struct session *s);      /* a browser */
const struct proto_hello *session_hello(const struct session *s);
void *session_data(struct session *s);
void session_set_data(struct session *s, void *data);

#endif
