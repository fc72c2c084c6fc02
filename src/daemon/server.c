// SPDX-License-Identifier: MIT
#define _GNU_SOURCE /* accept4 */
#include "kmscast/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kmscast/clock.h"
#include "kmscast/fileio.h"
#include "kmscast/listen.h"
#include "kmscast/statedir.h"
#include "kmscast/tls.h"
#include "kmscast/trust.h"
#include "server_priv.h"

/* Refusals come in floods during attacks: log the first few per window,
 * then one line with how many were left out. */
bool server_refusal_log_ok(struct server *srv)
{
	uint64_t now = mono_us();
	if (now - srv->log_window_start > LOG_WINDOW_US) {
		if (srv->log_suppressed)
			log_printf(LOG_WARN, "%u more refused connections not logged",
				   srv->log_suppressed);
		srv->log_window_start = now;
		srv->log_in_window = srv->log_suppressed = 0;
	}
	if (srv->log_in_window < LOG_BURST) {
		srv->log_in_window++;
		return true;
	}
	srv->log_suppressed++;
	return false;
}

static void maybe_free(struct server *srv);
static void on_timer(uv_timer_t *t);

static void release_slot(struct session *s)
{
	if (s->counted) {
		s->counted = false;
		s->srv->unauthenticated--;
	}
}

static void send_hello(struct session *s)
{
	struct proto_msg m = {.type = PROTO_HELLO};
	m.u.hello.version = PROTO_VERSION;
	m.u.hello.codecs = s->srv->o.codecs;
	m.u.hello.input_kinds = PROTO_INPUT_ALL;
	m.u.hello.max_width = PROTO_MAX_DIMENSION;
	m.u.hello.max_height = PROTO_MAX_DIMENSION;
	gethostname(m.u.hello.name, PROTO_MAX_NAME);
	m.u.hello.name[PROTO_MAX_NAME] = '\0';
	/* Keep only what the peer's parser accepts as a name. */
	for (char *p = m.u.hello.name; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	m.u.hello.name_len = (uint8_t)strlen(m.u.hello.name);
	conn_send(s->conn, &m);
}

void server_refuse(struct session *s, unsigned code, const char *to_peer, const char *log_why)
{
	server_refuse_as(s, code, (int)metrics_refusal_for(code), to_peer, log_why);
}

void server_refuse_as(struct session *s, unsigned code, int refusal, const char *to_peer,
		      const char *log_why)
{
	s->logged = true;
	s->srv->m->refused[refusal]++;
	if (server_refusal_log_ok(s->srv))
		log_printf(LOG_WARN, "refused %s (%s): %s", conn_peer(s->conn),
			   s->fp_str[0] ? s->fp_str : "no certificate", log_why);
	conn_close(s->conn, code, to_peer);
}

/* Revocation wins over both ways in: the trust list and the client CA. */
bool server_trusted(const struct server *srv, const struct session *s)
{
	if (s->web && s->by_token)
		return !fp_list_contains(&srv->revoked, s->fp);
	if (s->web)
		return s->web_cred && !fp_list_contains(&srv->revoked, s->fp) &&
		       fp_list_contains(&srv->browsers, s->fp);
	return !s->crl_revoked && !fp_list_contains(&srv->revoked, s->fp) &&
	       (s->by_ca || fp_list_contains(&srv->authorized, s->fp));
}

static void on_open(struct conn *c, void *data)
{
	struct session *s = data;
	(void)c;
	if (conn_is_web(s->conn)) {
		/* A browser: HTTP first; it proves itself inside (web.c). */
		s->web = true;
		s->state = SS_WEB;
		snprintf(s->fp_str, sizeof(s->fp_str), "browser");
		return;
	}
	if (tls_peer_fingerprint(conn_ssl(s->conn), s->fp) != 0) {
		server_refuse(s, PROTO_ERR_UNAUTHORIZED, "a client certificate is required",
			      "no client certificate");
		return;
	}
	fp_format(s->fp, s->fp_str);
	if (s->srv->o.client_ca) {
		s->by_ca = tls_peer_chain_ok(conn_ssl(s->conn), s->ca_why, sizeof(s->ca_why));
		s->ca_verdict = SSL_get_verify_result(conn_ssl(s->conn));
		switch (s->ca_verdict) {
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
			/* OpenSSL's words for this are about chains, not pools. */
			snprintf(s->ca_why, sizeof(s->ca_why),
				 "signed by another CA, or self-signed");
			break;
		}
	}
	/* A certificate the CRL lists is refused whatever else admits it (its
	 * fingerprint in authorized-clients too). */
	char serial[80];
	s->crl_revoked = s->srv->crl &&
			 tls_peer_revoked(conn_ssl(s->conn), s->srv->crl, serial, sizeof(serial));
	s->authorized = server_trusted(s->srv, s);
	s->state = SS_HELLO;
	log_printf(LOG_DEBUG, "TLS up with %s, client %s%s", conn_peer(s->conn), s->fp_str,
		   s->by_ca ? " (signed by the client CA)" : "");
}

static void become_ready(struct session *s)
{
	struct server *srv = s->srv;
	release_slot(s);
	s->state = SS_READY;
	srv->m->sessions_total[s->web ? METRICS_BROWSER : METRICS_NATIVE]++;
	send_hello(s);
	log_printf(LOG_INFO, "client %s \"%s\" connected from %s%s%s%s", s->fp_str, s->hello.name,
		   conn_peer(s->conn), s->by_ca ? " (client CA)" : "",
		   s->by_token
			   ? (s->token_view ? " (portal token, view)" : " (portal token, control)")
			   : "",
		   conn_ktls_send(s->conn) ? " (kTLS)" : "");
	if (srv->cb.on_ready)
		srv->cb.on_ready(s, srv->data);
}

static void handle_hello(struct session *s, const struct proto_hello *h)
{
	char buf[PATH_MAX + 512];
	if (h->version != PROTO_VERSION) {
		snprintf(buf, sizeof(buf),
			 "protocol version mismatch: the daemon speaks %u, the client %u",
			 PROTO_VERSION, h->version);
		server_refuse(s, PROTO_ERR_VERSION, buf, buf);
		return;
	}
	s->hello = *h;
	/* A portal token's scope, not the page, says whether it may type. */
	if (s->by_token && s->token_view)
		s->hello.flags |= PROTO_HELLO_VIEW_ONLY;
	if (!(h->codecs & s->srv->o.codecs)) {
		unsigned c = 0;
		while (c < PROTO_CODEC_COUNT && !(s->srv->o.codecs >> c & 1))
			c++;
		snprintf(buf, sizeof(buf), "the host streams %s, which this client does not take%s",
			 proto_codec_name(c),
			 c == PROTO_CODEC_TEST
				 ? " (synthetic test frames: "
				   "only a client that shows and keeps nothing takes them)"
				 : "");
		server_refuse(s, PROTO_ERR_REFUSED, buf, buf);
		return;
	}
	if (s->authorized) {
		become_ready(s);
		return;
	}
	if (s->web) {
		web_refuse_hello(s);
		return;
	}
	if (h->flags & PROTO_HELLO_PAIRING) {
		s->state = SS_PAIRING;
		return;
	}
	if (s->crl_revoked) {
		char serial[80];
		tls_peer_revoked(conn_ssl(s->conn), NULL, serial, sizeof(serial));
		snprintf(buf, sizeof(buf),
			 "client %s: its certificate (serial %s) is revoked by the client CA's "
			 "CRL %s",
			 s->fp_str, serial, s->srv->o.crl);
		server_refuse(s, PROTO_ERR_REVOKED, buf, "a certificate the CRL revokes");
		return;
	}
	if (fp_list_contains(&s->srv->revoked, s->fp)) {
		snprintf(buf, sizeof(buf), "client %s is revoked on this host (listed in %s)",
			 s->fp_str, s->srv->revoked_path);
		server_refuse(s, PROTO_ERR_REVOKED, buf, "a revoked client");
		return;
	}
	char ca[160] = "";
	if (s->srv->o.client_ca)
		snprintf(ca, sizeof(ca),
			 " or use a certificate signed by the client CA (this one: %s)", s->ca_why);
	snprintf(buf, sizeof(buf),
		 "client %s is not authorized on this host; add it to %s%s, "
		 "or pair with 'kmscastd pair'",
		 s->fp_str, s->srv->authorized_path, ca);
	server_refuse(s, PROTO_ERR_UNAUTHORIZED, buf, "not an authorized client");
}

/* Appends fp to the authorized-clients file, keeping what is there. */
static int authorize(struct server *srv, const struct session *s, char *err, size_t len)
{
	char line[256], when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tm));
	snprintf(line, sizeof(line), "%s  # paired from %s at %s", s->fp_str, conn_peer(s->conn),
		 when);
	return fileio_append_line(srv->authorized_path, line, TRUST_MAX_FILE, 0600, err, len);
}

/* A used or expired code is emptied, not removed: the streamer may write
 * the file but not the directory, which is root's. */
static void spend_code(struct server *srv)
{
	int fd = open(srv->pairing_path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		log_printf(LOG_ERR, "cannot void the pairing code in %s: %s", srv->pairing_path,
			   strerror(errno));
	else
		close(fd);
}

static unsigned *pair_failures(struct server *srv, const char *source)
{
	for (unsigned i = 0; i < srv->pair_fail_n; i++)
		if (strcmp(srv->pair_fail[i].source, source) == 0)
			return &srv->pair_fail[i].count;
	if (srv->pair_fail_n == PAIR_MAX_SOURCES)
		return NULL;
	unsigned i = srv->pair_fail_n++;
	snprintf(srv->pair_fail[i].source, sizeof(srv->pair_fail[i].source), "%s", source);
	srv->pair_fail[i].count = 0;
	return &srv->pair_fail[i].count;
}

/* Checks a pairing proof against the pending code: the native client's
 * over (client fp, server fp), a browser's over (its random id, the web
 * identity's fp). 0 with key set, or -EACCES with to_peer saying why (the
 * per-source and per-code limits are counted here). */
int server_check_code(struct server *srv, const char *source, const uint8_t a[FP_SIZE],
		      const uint8_t b[FP_SIZE], const uint8_t proof[PROTO_PAIR_PROOF_SIZE],
		      uint8_t key[PAIR_KEY_SIZE], char *to_peer, size_t len)
{
	char *text = NULL, err[256];
	size_t n;
	uint8_t want[PAIR_PROOF_SIZE];
	long long expires;

	int r = fileio_read_all(srv->pairing_path, 256, &text, &n, err, sizeof(err));
	if (r != 0 && r != -ENOENT) {
		/* Pending or not, the daemon cannot tell: said once in the log
		 * (a peer can ask as often as it likes), with whose eyes. */
		if (strcmp(err, srv->pairing_err) != 0) {
			snprintf(srv->pairing_err, sizeof(srv->pairing_err), "%s", err);
			log_printf(LOG_ERR,
				   "pairing: %s as %s, the streamer: no pairing code can reach "
				   "this daemon until its --state-dir does",
				   err, srv->o.user ? srv->o.user : "this user");
		}
		snprintf(to_peer, len,
			 "this host's daemon cannot read its pairing codes (its log says why)");
		return -EACCES;
	}
	srv->pairing_err[0] = '\0';
	if (r != 0 || pair_pending_parse(text, n, key, &expires) != 0) {
		free(text);
		snprintf(to_peer, len,
			 "no pairing code is pending on this host "
			 "(run 'kmscastd pair' there first)");
		return -EACCES;
	}
	free(text);
	if (memcmp(key, srv->pair_key_seen, PAIR_KEY_SIZE) != 0) {
		memcpy(srv->pair_key_seen, key, PAIR_KEY_SIZE);
		srv->pair_fail_n = 0;
	}
	if (time(NULL) > expires) {
		spend_code(srv);
		snprintf(to_peer, len, "the pairing code has expired; run 'kmscastd pair' again");
		return -EACCES;
	}
	unsigned *failures = pair_failures(srv, source);
	if (failures && *failures >= PAIR_MAX_FAILURES) {
		snprintf(to_peer, len,
			 "too many wrong pairing codes from %s; run 'kmscastd pair' "
			 "for a new code",
			 source);
		return -EACCES;
	}
	pair_proof(key, false, a, b, want);
	if (CRYPTO_memcmp(want, proof, sizeof(want)) != 0) {
		/* A few typos are forgiven per address; past that the address
		 * may not try this code again. When too many addresses failed,
		 * someone is guessing: the code is spent. */
		if (!failures) {
			spend_code(srv);
			snprintf(to_peer, len,
				 "wrong pairing code; %u addresses tried wrong codes, the "
				 "code is now void",
				 PAIR_MAX_SOURCES);
		} else if (++*failures >= PAIR_MAX_FAILURES) {
			snprintf(to_peer, len,
				 "wrong pairing code; too many attempts from %s, which "
				 "may not try this code again",
				 source);
		} else {
			snprintf(to_peer, len, "wrong pairing code");
		}
		return -EACCES;
	}
	spend_code(srv); /* works once */
	return 0;
}

static void handle_pair(struct session *s, const uint8_t proof[PROTO_PAIR_PROOF_SIZE])
{
	struct server *srv = s->srv;
	char err[256], buf[256];
	uint8_t key[PAIR_KEY_SIZE];
	const uint8_t *server_fp = srv->o.id->fp;

	if (server_check_code(srv, s->source, s->fp, server_fp, proof, key, buf, sizeof(buf)) !=
	    0) {
		server_refuse(s, PROTO_ERR_PAIRING, buf, buf);
		return;
	}
	if (authorize(srv, s, err, sizeof(err)) != 0) {
		log_printf(LOG_ERR, "pairing %s: %s", s->fp_str, err);
		conn_close(s->conn, PROTO_ERR_INTERNAL, "the daemon could not save the pairing");
		return;
	}
	server_reload_lists(srv);
	struct proto_msg m = {.type = PROTO_PAIR_RESULT};
	m.u.pair.ok = 1;
	pair_proof(key, true, server_fp, s->fp, m.u.pair.proof);
	OPENSSL_cleanse(key, sizeof(key));
	conn_send(s->conn, &m);
	log_printf(LOG_INFO, "paired client %s from %s; added to %s", s->fp_str, conn_peer(s->conn),
		   srv->authorized_path);
	s->logged = true;
	conn_close(s->conn, 0, NULL);
}

static void on_message(struct conn *c, const struct proto_msg *m, void *data)
{
	struct session *s = data;
	char buf[160];
	(void)c;
	if (m->type == PROTO_ERROR || m->type == PROTO_BYE) {
		/* The peer is leaving; on_closed logs why. */
		if (m->type == PROTO_ERROR) {
			s->logged = true;
			log_printf(s->state == SS_READY ? LOG_INFO : LOG_WARN,
				   "%s (%s) closed with error: %.*s", conn_peer(s->conn), s->fp_str,
				   (int)m->u.error.reason_len, m->u.error.reason);
		}
		conn_close(s->conn, 0, NULL);
		return;
	}
	switch (s->state) {
	case SS_HELLO:
		if (m->type == PROTO_HELLO) {
			handle_hello(s, &m->u.hello);
			return;
		}
		break;
	case SS_PAIRING:
		if (m->type == PROTO_PAIR_REQUEST) {
			handle_pair(s, m->u.pair_proof);
			return;
		}
		break;
	case SS_READY:
		if (m->type != PROTO_HELLO && m->type != PROTO_PAIR_REQUEST) {
			if (s->srv->cb.on_message)
				s->srv->cb.on_message(s, m, s->srv->data);
			return;
		}
		break;
	case SS_TLS:
	case SS_WEB: break;
	}
	snprintf(buf, sizeof(buf), "unexpected %s message at this point", proto_type_name(m->type));
	server_refuse(s, PROTO_ERR_PROTOCOL, buf, buf);
}

static void on_drain(struct conn *c, void *data)
{
	struct session *s = data;
	(void)c;
	if (s->state == SS_READY && s->srv->cb.on_drain)
		s->srv->cb.on_drain(s, s->srv->data);
}

static void on_closed(struct conn *c, const char *why, void *data)
{
	struct session *s = data;
	struct server *srv = s->srv;
	(void)c;
	release_slot(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	srv->count--;
	if (s->state == SS_READY) {
		log_printf(LOG_INFO, "client %s (%s) disconnected: %s", s->fp_str,
			   conn_peer(s->conn), why);
		if (srv->cb.on_gone)
			srv->cb.on_gone(s, srv->data);
	} else if (s->state == SS_WEB) {
		/* A browser closing a connection it fetched files on: routine. */
		log_printf(LOG_DEBUG, "browser connection from %s closed: %s", conn_peer(s->conn),
			   why);
	} else if (!srv->destroying) {
		srv->untrusted_closed++;
		/* Not refused by us: its TLS failed, or it left. */
		if (!s->logged) {
			srv->m->refused[METRICS_REFUSED_HANDSHAKE]++;
			if (server_refusal_log_ok(srv))
				log_printf(LOG_INFO,
					   "connection from %s closed before it was trusted: %s",
					   conn_peer(s->conn), why);
		}
	}
	free(s);
	maybe_free(srv);
}

static const struct conn_callbacks session_cb = {
	.on_open = on_open,
	.on_message = on_message,
	.on_drain = on_drain,
	.on_closed = on_closed,
	.on_http = web_on_http,
};

static unsigned unauthenticated_from(const struct server *srv, const char *source)
{
	unsigned n = 0;
	for (const struct session *s = srv->sessions; s; s = s->next)
		n += s->counted && strcmp(s->source, source) == 0;
	return n;
}

/* Whether a new connection may start authenticating, the way sshd's
 * MaxStartups does it: past half the limit each one is refused with a
 * chance that rises from 30 % to 100 % at the limit, so a flood cannot
 * hold every slot; and one source holds at most its share, so an
 * authorized client from elsewhere still gets in. */
static bool admit(struct server *srv, const char *source, char *why, size_t len)
{
	unsigned n = srv->unauthenticated, max = srv->o.max_handshakes, soft = max / 2;
	unsigned mine = unauthenticated_from(srv, source);
	if (mine >= srv->o.max_per_source) {
		snprintf(why, len,
			 "%u connections from %s still authenticating (the most one source "
			 "may have); refusing another at once",
			 mine, source);
		return false;
	}
	if (n >= max) {
		snprintf(why, len, "%u connections still authenticating; refusing another at once",
			 n);
		return false;
	}
	if (n >= soft && max > soft) {
		uint32_t r = 0;
		RAND_bytes((unsigned char *)&r, sizeof(r));
		uint64_t chance = 30 + 70ull * (n - soft) / (max - soft); /* percent */
		if (r % 100 < chance) {
			snprintf(why, len,
				 "%u connections still authenticating; refused this one at "
				 "random (%u%% past %u)",
				 n, (unsigned)chance, soft);
			return false;
		}
	}
	return true;
}

static void accept_one(struct server *srv, int fd)
{
	char source[INET6_ADDRSTRLEN], why[200];
	unsigned port;
	conn_peer_addr(fd, source, sizeof(source), &port);
	if (!admit(srv, source, why, sizeof(why))) {
		srv->over_limit++;
		srv->m->refused[METRICS_REFUSED_LIMIT]++;
		if (server_refusal_log_ok(srv))
			log_printf(LOG_WARN, "%s", why);
		close(fd);
		return;
	}
	struct session *s = calloc(1, sizeof(*s));
	SSL *ssl = SSL_new(srv->ctx);
	if (!s || !ssl) {
		free(s);
		SSL_free(ssl);
		close(fd);
		log_printf(LOG_ERR, "out of memory accepting a connection");
		return;
	}
	SSL_set_accept_state(ssl);
	s->srv = srv;
	s->accepted_us = mono_us();
	snprintf(s->source, sizeof(s->source), "%s", source);
	/* A peer that sends nothing at all is the cheapest way to hold a
	 * slot: it gets a quarter of the time. */
	struct conn_options co = {
		.side = PROTO_SIDE_SERVER,
		.fd = fd,
		.ssl = ssl,
		.handshake_ms = srv->o.handshake_ms,
		.silent_ms = srv->o.handshake_ms / 4,
		.idle_ms = srv->o.idle_ms,
		.window = srv->o.window,
		.written_total = &srv->m->bytes_sent,
	};
	int r = conn_create(srv->loop, &co, &session_cb, s, &s->conn);
	if (r) {
		SSL_free(ssl);
		close(fd);
		free(s);
		log_printf(LOG_ERR, "cannot watch a new connection: %s", uv_strerror(r));
		return;
	}
	s->counted = true;
	/* The HELLO deadline timer runs only while someone is authenticating:
	 * an idle daemon should not wake up ten times a second. */
	if (srv->unauthenticated++ == 0)
		uv_timer_start(&srv->timer, on_timer, 100, 100);
	srv->count++;
	s->next = srv->sessions;
	if (s->next)
		s->next->prev = s;
	srv->sessions = s;
}

static void on_listen(uv_poll_t *h, int status, int events)
{
	struct server *srv = h->data;
	(void)events;
	if (status < 0) {
		log_printf(LOG_ERR, "listening socket: %s", uv_strerror(status));
		return;
	}
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				log_printf(LOG_ERR, "cannot accept: %s", strerror(errno));
			return;
		}
		accept_one(srv, fd);
	}
}

/* Unauthenticated sessions get handshake_ms for TLS and HELLO together. */
static void on_timer(uv_timer_t *t)
{
	struct server *srv = t->data;
	uint64_t now = mono_us();
	if (!srv->unauthenticated) {
		uv_timer_stop(t);
		return;
	}
	for (struct session *s = srv->sessions; s; s = s->next) {
		if (s->state == SS_READY || s->state == SS_TLS || !conn_is_open(s->conn))
			continue;
		if (now - s->accepted_us <= srv->o.handshake_ms * 1000ull)
			continue;
		if (s->state == SS_WEB) /* a browser's keep-alive: not a refusal */
			conn_close(s->conn, 0,
				   "browser connection kept past the handshake timeout");
		else
			server_refuse(s, PROTO_ERR_TIMEOUT, "no HELLO in time", "no HELLO in time");
	}
}

static int listen_socket(struct server *srv, char *err, size_t len)
{
	int fd = listen_tcp(srv->o.listen, PROTO_DEFAULT_PORT, false, "--listen", srv->address,
			    sizeof(srv->address), err, len);
	if (fd < 0)
		return fd;
	srv->fd = fd;
	return 0;
}

/* Reads one fingerprint list into *out: a missing file is an empty list;
 * a file that cannot be read or parsed leaves *out as it was. */
static int reload_list(struct server *srv, const char *path, const char *what, struct fp_list *out)
{
	char *text = NULL, err[256];
	size_t n = 0;
	struct fp_list list = {0};
	int r = fileio_read_all(path, TRUST_MAX_FILE, &text, &n, err, sizeof(err));
	if (r == -ENOENT) {
		/* Usual for the revocation list: said only with -v. */
		log_printf(out == &srv->revoked ? LOG_DEBUG : LOG_INFO,
			   "%s does not exist: no client is %s by fingerprint", path, what);
	} else if (r) {
		log_printf(LOG_ERR, "%s; keeping the %zu clients %s before", err, out->count, what);
		return r;
	} else {
		r = trust_parse_authorized(text, n, &list, err, sizeof(err));
		free(text);
		if (r) {
			log_printf(LOG_ERR, "%s: %s; keeping the %zu clients %s before", path, err,
				   out->count, what);
			return r;
		}
	}
	fp_list_free(out);
	*out = list;
	if (r != -ENOENT)
		log_printf(LOG_INFO, "%zu %s clients in %s", list.count, what, path);
	return 0;
}

static void log_crl(const struct server *srv)
{
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(srv->crl);
	log_printf(LOG_INFO, "%d certificates revoked by the CRL %s",
		   rev ? sk_X509_REVOKED_num(rev) : 0, srv->o.crl);
}

/* The client CA and its CRL again; live sessions the new CRL lists lose
 * every trust, the CA's and the list's. The old store stays on any failure. */
static int reload_ca(struct server *srv)
{
	char err[PATH_MAX + 160], serial[80];
	X509_CRL *crl;
	int r = tls_ctx_set_client_ca(srv->ctx, srv->o.client_ca, srv->o.crl, &crl, err,
				      sizeof(err));
	if (r) {
		log_printf(LOG_ERR, "%s; keeping the client CA and CRL loaded before", err);
		return r;
	}
	X509_CRL_free(srv->crl);
	srv->crl = crl;
	if (!crl)
		return 0;
	log_crl(srv);
	for (struct session *s = srv->sessions; s; s = s->next) {
		if (!s->web && !s->crl_revoked &&
		    tls_peer_revoked(conn_ssl(s->conn), crl, serial, sizeof(serial))) {
			s->by_ca = false;
			s->crl_revoked = true;
			log_printf(LOG_INFO, "client %s (%s): certificate serial %s is in the CRL",
				   s->fp_str, conn_peer(s->conn), serial);
		}
	}
	return 0;
}

/* The fingerprint lists; sessions no longer trusted end. */
int server_reload_lists(struct server *srv)
{
	int r = reload_list(srv, srv->authorized_path, "authorized", &srv->authorized);
	int r2 = reload_list(srv, srv->revoked_path, "revoked", &srv->revoked);
	if (srv->o.web_id) {
		int r3 = reload_list(srv, srv->browsers_path, "browser", &srv->browsers);
		r2 = r2 ? r2 : r3;
	}
	for (struct session *s = srv->sessions; s; s = s->next) {
		bool ok = server_trusted(srv, s);
		if (s->authorized && !ok && conn_is_open(s->conn)) {
			s->authorized = false;
			log_printf(LOG_INFO,
				   "%s %s (%s) is no longer authorized; ending its "
				   "session",
				   s->web ? "browser" : "client", s->fp_str, conn_peer(s->conn));
			conn_close(
				s->conn, PROTO_ERR_REVOKED,
				s->web ? "this browser's credential was revoked on the host; pair again "
					 "with a new code"
				       : "this client's authorization was revoked on the host");
		} else if (ok && s->state == SS_HELLO) {
			s->authorized = true;
		}
	}
	return r ? r : r2;
}

int server_reload_trust(struct server *srv)
{
	char err[PATH_MAX + 160];
	/* The CA first: a session the new CRL revokes ends in server_reload_lists. */
	int r = srv->o.client_ca ? reload_ca(srv) : 0;
	if (srv->o.portal_key && web_portal_load(srv, err, sizeof(err)) != 0) {
		log_printf(LOG_ERR, "%s; keeping the portal keys loaded before", err);
		r = r ? r : -EINVAL;
	}
	int r2 = server_reload_lists(srv);
	return r ? r : r2;
}

int server_create(uv_loop_t *loop, const struct server_options *opts,
		  const struct server_callbacks *cb, void *data, struct server **out, char *err,
		  size_t len)
{
	struct server *srv = calloc(1, sizeof(*srv));
	int r;
	if (!srv)
		return -ENOMEM;
	srv->loop = loop;
	srv->o = *opts;
	if (!srv->o.max_handshakes)
		srv->o.max_handshakes = 32;
	if (!srv->o.max_per_source)
		srv->o.max_per_source = SERVER_DEFAULT_PER_SOURCE;
	if (!srv->o.handshake_ms)
		srv->o.handshake_ms = 10000;
	srv->cb = *cb;
	srv->data = data;
	srv->m = opts->metrics ? opts->metrics : &srv->own;
	srv->fd = -1;
	if (opts->authorized_path)
		snprintf(srv->authorized_path, sizeof(srv->authorized_path), "%s",
			 opts->authorized_path);
	else
		snprintf(srv->authorized_path, sizeof(srv->authorized_path),
			 "%s/" STATEDIR_AUTHORIZED, opts->state_dir);
	if (opts->revoked_path)
		snprintf(srv->revoked_path, sizeof(srv->revoked_path), "%s", opts->revoked_path);
	else
		snprintf(srv->revoked_path, sizeof(srv->revoked_path), "%s/" STATEDIR_REVOKED,
			 opts->state_dir);
	snprintf(srv->pairing_path, sizeof(srv->pairing_path), "%s/" STATEDIR_PAIRING,
		 opts->state_dir);
	snprintf(srv->browsers_path, sizeof(srv->browsers_path), "%s/" STATEDIR_BROWSERS,
		 opts->state_dir);
	srv->ctx = tls_ctx_create(true, opts->id, NULL, err, len);
	if (!srv->ctx) {
		free(srv);
		return -EINVAL;
	}
	if (opts->client_ca &&
	    tls_ctx_set_client_ca(srv->ctx, opts->client_ca, opts->crl, &srv->crl, err, len) != 0) {
		SSL_CTX_free(srv->ctx);
		free(srv);
		return -EINVAL;
	}
	if (srv->crl)
		log_crl(srv);
	if (opts->web_id)
		tls_ctx_serve_web(srv->ctx, opts->web_id);
	if (opts->portal_key && web_portal_load(srv, err, len) != 0) {
		X509_CRL_free(srv->crl);
		SSL_CTX_free(srv->ctx);
		free(srv);
		return -EINVAL;
	}
	r = listen_socket(srv, err, len);
	if (r) {
		web_portal_free(srv);
		X509_CRL_free(srv->crl);
		SSL_CTX_free(srv->ctx);
		free(srv);
		return r;
	}
	server_reload_lists(srv);
	uv_poll_init_socket(loop, &srv->listen_poll, srv->fd);
	srv->listen_poll.data = srv;
	uv_poll_start(&srv->listen_poll, UV_READABLE, on_listen);
	uv_timer_init(loop, &srv->timer);
	srv->timer.data = srv;
	srv->handles = 2;
	*out = srv;
	return 0;
}

/* The server goes last: sessions still closing point back at it. */
static void maybe_free(struct server *srv)
{
	if (!srv->destroying || srv->handles > 0 || srv->count > 0)
		return;
	close(srv->fd);
	web_portal_free(srv);
	X509_CRL_free(srv->crl);
	SSL_CTX_free(srv->ctx);
	fp_list_free(&srv->authorized);
	fp_list_free(&srv->revoked);
	fp_list_free(&srv->browsers);
	free(srv);
}

static void server_handle_closed(uv_handle_t *h)
{
	struct server *srv = h->data;
	srv->handles--;
	maybe_free(srv);
}

void server_destroy(struct server *srv)
{
	if (!srv)
		return;
	srv->destroying = true;
	log_printf(LOG_INFO,
		   "%lu connections refused at the handshake limit, %lu closed "
		   "before they were trusted",
		   srv->over_limit, srv->untrusted_closed);
	for (struct session *s = srv->sessions, *n; s; s = n) {
		n = s->next;
		if (conn_is_open(s->conn))
			conn_close(s->conn, PROTO_ERR_SHUTDOWN, "the daemon is shutting down");
		else
			conn_abort(s->conn, "the daemon is shutting down");
	}
	uv_poll_stop(&srv->listen_poll);
	uv_close((uv_handle_t *)&srv->listen_poll, server_handle_closed);
	uv_close((uv_handle_t *)&srv->timer, server_handle_closed);
}

const char *server_address(const struct server *srv) { return srv->address; }
struct session *server_first(struct server *srv) { return srv->sessions; }
struct session *server_next(struct session *s) { return s->next; }
unsigned server_session_count(const struct server *srv) { return srv->count; }
struct conn *session_conn(struct session *s) { return s->conn; }
const char *session_fingerprint(const struct session *s) { return s->fp_str; }
const char *session_name(const struct session *s) { return s->hello.name; }
bool session_is_web(const struct session *s) { return s->web; }
const struct proto_hello *session_hello(const struct session *s) { return &s->hello; }
void *session_data(struct session *s) { return s->data; }
void session_set_data(struct session *s, void *data) { s->data = data; }
