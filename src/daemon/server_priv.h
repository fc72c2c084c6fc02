// SPDX-License-Identifier: MIT
/* The server's state, shared by server.c (native clients, trust, limits)
 * and server_web.c (browsers: the page, pairing by HTTP, the WebSocket).
 * Private to those two files. */
#ifndef KMSCAST_SERVER_PRIV_H
#define KMSCAST_SERVER_PRIV_H

#include <limits.h>
#include <netinet/in.h>

#include "kmscast/jwt.h"
#include "kmscast/server.h"
#include "kmscast/trust.h"
#include "kmscast/webparse.h"

#define ACCEPT_BATCH 64
#define PAIR_MAX_FAILURES 3 /* wrong codes from one address */
#define PAIR_MAX_SOURCES 16 /* addresses that failed before the code is spent */
#define LOG_BURST 10        /* refusal lines per window before we summarize */
#define LOG_WINDOW_US 10000000ull

enum sess_state { SS_TLS, SS_WEB, SS_HELLO, SS_PAIRING, SS_READY };

/* __Host-: Secure, Path=/ and no Domain, or the browser refuses it; so no
 * other site can plant one, and the name says the cookie is this host's. */
#define WEB_COOKIE "__Host-kmscast"
#define WEB_TOKEN_SIZE WEBPARSE_TOKEN_SIZE
#define WEB_COOKIE_AGE (400 * 24 * 3600) /* the most browsers keep a cookie */

struct session {
	struct server *srv;
	struct session *prev, *next;
	struct conn *conn;
	enum sess_state state;
	bool counted;     /* holds an unauthenticated slot */
	bool by_ca;       /* trusted through --client-ca */
	bool crl_revoked; /* --crl lists its certificate: refused however else it is trusted */
	long ca_verdict;  /* the chain's check against --client-ca (X509_V_*) */
	char ca_why[96];  /* ... in words, when it failed */
	bool authorized;
	bool logged;         /* a refusal was logged; don't log the close too */
	bool web;            /* a browser: fp is its credential's hash */
	bool web_cred;       /* the browser sent a credential at all */
	bool by_token;       /* a browser a portal token admitted (fp_str: "portal:USER") */
	bool token_view;     /* ... with scope view */
	char token_why[320]; /* a token it sent did not hold: why */
	uint64_t accepted_us;
	uint8_t fp[FP_SIZE];
	char fp_str[FP_STR_SIZE];
	char source[INET6_ADDRSTRLEN]; /* the peer's address, for per-source limits */
	struct proto_hello hello;
	void *data;
};

struct server {
	uv_loop_t *loop;
	struct server_options o;
	struct server_callbacks cb;
	struct metrics *m; /* o.metrics, or own */
	struct metrics own;
	void *data;
	char authorized_path[PATH_MAX];
	char revoked_path[PATH_MAX];
	char browsers_path[PATH_MAX];
	char pairing_path[PATH_MAX];
	char pairing_err[256]; /* why it could not be read, as logged last ("" when read) */
	SSL_CTX *ctx;
	X509_CRL *crl;             /* the client CA's, to check live sessions on reload */
	struct jwt_keys portal;    /* --portal-key's keys */
	struct jwt_replay *replay; /* portal tokens seen, until they expire */
	/* What a token's aud may name: the host name, the names the
	 * certificates are for, the fingerprints. */
	char audience[JWT_MAX_AUD * 2][JWT_AUD_MAX];
	int n_audience;
	int fd;
	uv_poll_t listen_poll;
	uv_timer_t timer;
	char address[80];
	struct fp_list authorized;
	struct fp_list
		revoked; /* refused whoever signed them: --client-ca has no other revocation */
	struct fp_list browsers; /* hashes of the browser credentials we issued */
	struct session *sessions;
	unsigned unauthenticated, count;
	uint8_t pair_key_seen[PAIR_KEY_SIZE];
	/* Wrong codes per source for the pending code: one peer cannot void
	 * it for everyone, and only so many peers may try. */
	struct {
		char source[INET6_ADDRSTRLEN];
		unsigned count;
	} pair_fail[PAIR_MAX_SOURCES];
	unsigned pair_fail_n;
	/* Refusal log limiter. */
	uint64_t log_window_start;
	unsigned log_in_window, log_suppressed;
	bool destroying;
	int handles;
	/* Totals, logged at shutdown. */
	unsigned long over_limit, untrusted_closed;
};

bool server_refusal_log_ok(struct server *srv);
/* Logs (rate-limited) and closes with ERROR(code, to_peer). */
void server_refuse(struct session *s, unsigned code, const char *to_peer, const char *log_why);
/* Revocation wins over every way in. */
bool server_trusted(const struct server *srv, const struct session *s);
/* Re-reads the fingerprint lists alone (after pairing); ends sessions no
 * longer trusted. */
int server_reload_lists(struct server *srv);
/* As server_refuse, counted as refusal (a metrics_refusal). */
void server_refuse_as(struct session *s, unsigned code, int refusal, const char *to_peer,
		      const char *log_why);
/* server_web.c: the portal's keys and the names tokens may be for, at
 * start (fatal) and on SIGHUP (the old keys stay on failure). */
int web_portal_load(struct server *srv, char *err, size_t len);
void web_portal_free(struct server *srv);
/* Checks a pairing proof over (a, b) against the pending code: 0 with key
 * set (the code is spent), or -EACCES with to_peer saying why. */
int server_check_code(struct server *srv, const char *source, const uint8_t a[FP_SIZE],
		      const uint8_t b[FP_SIZE], const uint8_t proof[PROTO_PAIR_PROOF_SIZE],
		      uint8_t key[PAIR_KEY_SIZE], char *to_peer, size_t len);

/* server_web.c */
void web_on_http(struct conn *c, const struct http_request *req, void *data);
/* HELLO from a browser whose credential is not trusted: says why. */
void web_refuse_hello(struct session *s);

#endif
