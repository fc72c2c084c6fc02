// SPDX-License-Identifier: MIT
/* Browsers on the daemon's TLS port: the viewer's files, pairing by an
 * HTTP POST that proves the code (no client certificate to bind it to, so
 * a random id the page chose stands in for one), a long-lived credential
 * in an HttpOnly cookie (stored as its SHA-256 in browser-credentials, one
 * line each like authorized-clients, revoked the same ways), and the
 * upgrade to the WebSocket that carries the protocol. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmscast/fileio.h"
#include "kmscast/json.h"
#include "kmscast/clock.h"
#include "kmscast/webassets.h"
#include "kmscast/webparse.h"
#include "server_priv.h"

#define JSON_HEADERS "Content-Type: application/json\r\nCache-Control: no-store\r\n"
/* The page runs only its own scripts, styles and connections; the cursor
 * arrives as a data: image. Nobody may frame it. */
#define CSP                                                                                         \
	"Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "        \
	"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; " \
	"form-action 'none'\r\n"
#define LAST_USED_AT 14 /* "  # last used " after the fingerprint */

static void reply_json_error(struct session *s, const struct http_request *req, const char *status,
			     const char *msg, bool close)
{
	char esc[600], body[700];
	json_escape(esc, sizeof(esc), msg);
	int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", esc);
	conn_http_reply(s->conn, req, status, JSON_HEADERS, body, (size_t)n, close);
}

/* A pairing request refused: counted and logged like every other refusal
 * (rate-limited: one keep-alive connection once wrote 60,000 lines a
 * second), answered, and the connection closed, so each try costs the
 * peer a new TLS handshake. */
static void pair_refuse(struct session *s, const struct http_request *req, const char *status,
			int refusal, const char *msg)
{
	s->srv->m->refused[refusal]++;
	if (server_refusal_log_ok(s->srv))
		log_printf(LOG_WARN, "browser pairing from %s refused: %s", conn_peer(s->conn),
			   msg);
	reply_json_error(s, req, status, msg, true);
}

static void reply_text(struct session *s, const struct http_request *req, const char *status,
		       const char *headers, const char *msg, bool close)
{
	char h[256];
	snprintf(h, sizeof(h), "Content-Type: text/plain; charset=utf-8\r\n%s",
		 headers ? headers : "");
	conn_http_reply(s->conn, req, status, h, msg, strlen(msg), close);
}

static void token_hash(const uint8_t token[WEB_TOKEN_SIZE], uint8_t hash[FP_SIZE])
{
	SHA256(token, WEB_TOKEN_SIZE, hash);
}

static void iso_now(char out[21])
{
	time_t now = time(NULL);
	struct tm tm;
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
}

/* The cookie carries the token in base64url (43 characters, no padding). */
static void token_b64(const uint8_t token[WEB_TOKEN_SIZE], char out[48])
{
	EVP_EncodeBlock((unsigned char *)out, token, WEB_TOKEN_SIZE);
	for (char *p = out; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	out[strcspn(out, "=")] = '\0';
}

enum web_cred { CRED_NONE, CRED_KNOWN, CRED_REVOKED, CRED_UNKNOWN };

/* The browser's credential among its cookies. A browser sends every
 * cookie that matches, so ours may come more than once (a sibling site
 * can plant one where the __Host- prefix is not enforced): a known one
 * wins, then a revoked one (to say so), then any well-formed one. */
static enum web_cred web_credential(const struct server *srv, const struct http_request *req,
				    uint8_t hash[FP_SIZE])
{
	enum web_cred best = CRED_NONE;
	char cookie[64];
	uint8_t token[WEB_TOKEN_SIZE], h[FP_SIZE];
	for (unsigned i = 0; i < 16; i++) {
		int r = http_cookie(req->cookie, WEB_COOKIE, i, cookie, sizeof(cookie));
		if (r == -ENOENT)
			break;
		if (r || !webparse_token(cookie, token))
			continue;
		token_hash(token, h);
		OPENSSL_cleanse(token, sizeof(token));
		enum web_cred c = fp_list_contains(&srv->revoked, h)    ? CRED_REVOKED
				  : fp_list_contains(&srv->browsers, h) ? CRED_KNOWN
									: CRED_UNKNOWN;
		if (best == CRED_NONE || c == CRED_KNOWN ||
		    (c == CRED_REVOKED && best != CRED_KNOWN)) {
			best = c;
			memcpy(hash, h, FP_SIZE);
		}
	}
	OPENSSL_cleanse(cookie, sizeof(cookie));
	return best;
}

/* Updates a credential's "last used" in place: fixed width, so no rewrite
 * of the file (which the streamer may write but not replace). */
static void mark_used(struct server *srv, const struct session *s)
{
	char *text = NULL, err[256], when[21];
	size_t n;
	if (fileio_read_all(srv->browsers_path, TRUST_MAX_FILE, &text, &n, err, sizeof(err)) != 0)
		return;
	char *at = memmem(text, n, s->fp_str, strlen(s->fp_str));
	if (at && (size_t)(at - text) + FP_STR_LEN + LAST_USED_AT + 20 <= n &&
	    memcmp(at + FP_STR_LEN, "  # last used ", LAST_USED_AT) == 0) {
		int fd = open(srv->browsers_path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		iso_now(when);
		if (fd >= 0) {
			off_t off = (off_t)(at - text) + FP_STR_LEN + LAST_USED_AT;
			if (pwrite(fd, when, 20, off) != 20)
				log_printf(LOG_WARN, "cannot note the last use in %s: %s",
					   srv->browsers_path, strerror(errno));
			close(fd);
		}
	}
	free(text);
}

static void web_pair(struct session *s, const struct http_request *req)
{
	struct server *srv = s->srv;
	char id_hex[80], proof_hex[80], name[PROTO_MAX_NAME + 1], msg[300], err[256];
	uint8_t id[FP_SIZE], proof[PROTO_PAIR_PROOF_SIZE], key[PAIR_KEY_SIZE],
		token[WEB_TOKEN_SIZE];

	if (strcmp(req->method, "POST") != 0) {
		reply_text(s, req, "405 Method Not Allowed", "Allow: POST\r\n", "pair with POST\n",
			   false);
		return;
	}
	if (!webparse_origin_ok(req->origin, req->host, srv->o.web_origins)) {
		snprintf(msg, sizeof(msg),
			 "refused: Origin '%.100s' is not this host's page "
			 "(https://%.100s) nor a --web-origin",
			 req->origin, req->host);
		pair_refuse(s, req, "403 Forbidden", METRICS_REFUSED_UNAUTHORIZED, msg);
		return;
	}
	if (!webparse_form_field(req->body, req->content_length, "id", id_hex, sizeof(id_hex)) ||
	    !webparse_form_field(req->body, req->content_length, "proof", proof_hex,
				 sizeof(proof_hex)) ||
	    !webparse_hex(id_hex, strlen(id_hex), id, sizeof(id)) ||
	    !webparse_hex(proof_hex, strlen(proof_hex), proof, sizeof(proof))) {
		pair_refuse(s, req, "400 Bad Request", METRICS_REFUSED_PROTOCOL,
			    "a pairing request needs id and proof, 64 hex digits each");
		return;
	}
	if (!webparse_form_field(req->body, req->content_length, "name", name, sizeof(name)) ||
	    !name[0])
		snprintf(name, sizeof(name), "a browser");
	if (server_check_code(srv, s->source, id, srv->o.web_id->fp, proof, key, msg,
			      sizeof(msg)) != 0) {
		pair_refuse(s, req, "403 Forbidden", METRICS_REFUSED_PAIRING, msg);
		return;
	}
	char line[400], when[21], b64[48], head[400], body[200];
	uint8_t hash[FP_SIZE];
	char hash_str[FP_STR_SIZE];
	if (RAND_bytes(token, sizeof(token)) != 1) {
		reply_json_error(s, req, "500 Internal Server Error",
				 "no randomness for a credential", false);
		return;
	}
	token_hash(token, hash);
	fp_format(hash, hash_str);
	iso_now(when);
	snprintf(line, sizeof(line), "%s  # last used %s, \"%s\" paired from %s at %s", hash_str,
		 when, name, s->source, when);
	if (fileio_append_line(srv->browsers_path, line, TRUST_MAX_FILE, 0600, err, sizeof(err)) !=
	    0) {
		log_printf(LOG_ERR, "browser pairing: %s", err);
		reply_json_error(s, req, "500 Internal Server Error",
				 "the daemon could not save the credential", false);
		return;
	}
	server_reload_lists(srv);
	uint8_t server_proof[PAIR_PROOF_SIZE];
	pair_proof(key, true, srv->o.web_id->fp, id, server_proof);
	OPENSSL_cleanse(key, sizeof(key));
	token_b64(token, b64);
	OPENSSL_cleanse(token, sizeof(token));
	snprintf(head, sizeof(head),
		 JSON_HEADERS "Set-Cookie: " WEB_COOKIE "=%s; Secure; HttpOnly; "
			      "SameSite=Strict; Path=/; Max-Age=%d\r\n",
		 b64, WEB_COOKIE_AGE);
	OPENSSL_cleanse(b64, sizeof(b64));
	int n = snprintf(body, sizeof(body), "{\"proof\":\"");
	for (int i = 0; i < PAIR_PROOF_SIZE; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "%02x", server_proof[i]);
	n += snprintf(body + n, sizeof(body) - (size_t)n, "\"}");
	log_printf(LOG_INFO, "paired browser %s \"%s\" from %s; added to %s", hash_str, name,
		   conn_peer(s->conn), srv->browsers_path);
	conn_http_reply(s->conn, req, "200 OK", head, body, (size_t)n, false);
	OPENSSL_cleanse(head, sizeof(head));
}

static void web_info(struct session *s, const struct http_request *req)
{
	char host[PROTO_MAX_NAME + 1] = "", esc[160], body[600];
	uint8_t hash[FP_SIZE];
	static const char *const creds[] = {"none", "known", "revoked", "unknown"};
	gethostname(host, sizeof(host) - 1);
	json_escape(esc, sizeof(esc), host);
	/* What the page should say: paired, or why not. The time lets it
	 * learn how far its clock is from ours (NTP-style, over a few
	 * requests): frames carry our wall clock's capture time. */
	const char *cred = creds[web_credential(s->srv, req, hash)];
	int n = snprintf(body, sizeof(body),
			 "{\"host\":\"%s\",\"fingerprint\":\"%s\",\"native\":\"%s\","
			 "\"protocol\":%u,\"paired\":%s,\"credential\":\"%s\",\"time_us\":%llu}",
			 esc, s->srv->o.web_id->fp_str, s->srv->o.id->fp_str, PROTO_VERSION,
			 strcmp(cred, "known") == 0 ? "true" : "false", cred,
			 (unsigned long long)wall_us());
	conn_http_reply(s->conn, req, "200 OK", JSON_HEADERS, body, (size_t)n, false);
}

void web_portal_free(struct server *srv)
{
	jwt_keys_free(&srv->portal);
	free(srv->replay);
	srv->replay = NULL;
}

static void add_audience(struct server *srv, const char *name)
{
	if (name && *name &&
	    srv->n_audience < (int)(sizeof(srv->audience) / sizeof(srv->audience[0])))
		snprintf(srv->audience[srv->n_audience++], JWT_AUD_MAX, "%s", name);
}

/* The DNS names a certificate is for: names this host answers to that a
 * CA vouched for (the Host header would be the browser's word). */
static void add_cert_names(struct server *srv, X509 *cert)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		if (g->type != GEN_DNS)
			continue;
		char name[JWT_AUD_MAX];
		int n = ASN1_STRING_length(g->d.dNSName);
		if (n <= 0 || n >= (int)sizeof(name))
			continue;
		memcpy(name, ASN1_STRING_get0_data(g->d.dNSName), (size_t)n);
		name[n] = '\0';
		add_audience(srv, name);
	}
	GENERAL_NAMES_free(names);
}

int web_portal_load(struct server *srv, char *err, size_t len)
{
	struct jwt_keys keys;
	char host[256] = "";
	int r = jwt_keys_load(srv->o.portal_key, &keys, err, len);
	if (r)
		return r;
	if (!srv->replay && !(srv->replay = calloc(1, sizeof(*srv->replay)))) {
		jwt_keys_free(&keys);
		return -ENOMEM;
	}
	jwt_keys_free(&srv->portal);
	srv->portal = keys;
	srv->n_audience = 0;
	gethostname(host, sizeof(host) - 1);
	add_audience(srv, host);
	add_audience(srv, srv->o.id->fp_str);
	add_cert_names(srv, srv->o.id->cert);
	if (srv->o.web_id) {
		add_audience(srv, srv->o.web_id->fp_str);
		add_cert_names(srv, srv->o.web_id->cert);
	}
	char names[512] = "";
	for (int i = 0, o = 0; i < srv->n_audience && o < (int)sizeof(names); i++)
		if (!strchr(srv->audience[i], ':')) /* the fingerprints go without saying */
			o += snprintf(names + o, sizeof(names) - (size_t)o, "%s%s", o ? ", " : "",
				      srv->audience[i]);
	log_printf(LOG_INFO,
		   "portal tokens: %d keys in %s; aud may name %s or this host's fingerprints",
		   keys.n, srv->o.portal_key, names[0] ? names : "nothing but");
	return 0;
}

/* The portal's token, offered as the WebSocket subprotocol
 * "kmscast.token.JWT" beside "kmscast" (browsers can set no other header
 * on a WebSocket; the Kubernetes API carries bearer tokens the same way).
 * Admits the session or says why not in token_why. */
static void web_token(struct session *s, const char *token, size_t len)
{
	struct server *srv = s->srv;
	struct jwt_claims c;
	const char *names[JWT_MAX_AUD * 2];
	char why[240];
	int64_t now = (int64_t)time(NULL);

	if (!srv->o.portal_key) {
		snprintf(s->token_why, sizeof(s->token_why),
			 "portal token: this host takes none (it has no --portal-key)");
		return;
	}
	if (jwt_verify(token, len, &srv->portal, now, &c, why, sizeof(why)) != 0) {
		snprintf(s->token_why, sizeof(s->token_why), "%s", why);
		return;
	}
	for (int i = 0; i < srv->n_audience; i++)
		names[i] = srv->audience[i];
	if (!jwt_audience_is(&c, names, srv->n_audience)) {
		snprintf(s->token_why, sizeof(s->token_why),
			 "portal token for %.64s is for another host (aud %.100s)", c.sub,
			 c.aud[0]);
		return;
	}
	int r = jwt_replay_check(srv->replay, &c, now);
	if (r) {
		snprintf(s->token_why, sizeof(s->token_why),
			 r == -EEXIST ? "portal token for %.64s was used already (jti %.64s): "
					"ask the portal for a new one"
				      : "portal token for %.64s: too many tokens in use on this "
					"host; try again in a minute (jti %.64s)",
			 c.sub, c.jti);
		return;
	}
	s->by_token = true;
	s->token_view = c.scope == JWT_SCOPE_VIEW;
	snprintf(s->fp_str, sizeof(s->fp_str), "portal:%.63s", c.sub);
	SHA256((const unsigned char *)s->fp_str, strlen(s->fp_str), s->fp);
	log_printf(LOG_INFO,
		   "portal token for %s from %s admitted (%s, scope %s, jti %s, %lld s left)",
		   c.sub, conn_peer(s->conn), c.alg, s->token_view ? "view" : "control", c.jti,
		   (long long)(c.exp - now));
}

/* Sec-WebSocket-Protocol: our protocol's name (to answer with), and the
 * portal token checked if one is offered. */
static const char *web_subprotocols(struct session *s, const struct http_request *req)
{
	const char *token;
	size_t len;
	bool ours = webparse_subprotocols(req->ws_protocol, &token, &len);
	if (token)
		web_token(s, token, len);
	return ours ? "kmscast" : NULL;
}

static void web_upgrade(struct session *s, const struct http_request *req)
{
	struct server *srv = s->srv;
	char msg[400];

	if (!webparse_origin_ok(req->origin, req->host, srv->o.web_origins)) {
		snprintf(msg, sizeof(msg),
			 "Origin '%.100s' is not this host's page (https://%.100s) "
			 "nor a --web-origin",
			 req->origin, req->host);
		if (server_refusal_log_ok(srv))
			log_printf(LOG_WARN, "refused a browser WebSocket from %s: %s",
				   conn_peer(s->conn), msg);
		s->logged = true;
		reply_text(s, req, "403 Forbidden", NULL, msg, true);
		return;
	}
	if (!req->upgrade_ws || strcmp(req->ws_version, "13") != 0 || !req->ws_key[0]) {
		reply_text(s, req, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n",
			   "this is the viewer's WebSocket endpoint (RFC 6455, version 13)\n",
			   true);
		return;
	}
	const char *proto = web_subprotocols(s, req);
	if (conn_ws_accept(s->conn, req, proto) != 0) {
		conn_abort(s->conn, "cannot start the WebSocket");
		return;
	}
	s->web_cred = !s->by_token && web_credential(srv, req, s->fp) != CRED_NONE;
	if (s->web_cred)
		fp_format(s->fp, s->fp_str);
	s->authorized = server_trusted(srv, s);
	if (s->authorized && !s->by_token)
		mark_used(srv, s);
	s->state = SS_HELLO;
}

void web_refuse_hello(struct session *s)
{
	struct server *srv = s->srv;
	char buf[PATH_MAX + 200];
	if (s->token_why[0]) {
		server_refuse_as(s, PROTO_ERR_UNAUTHORIZED, METRICS_REFUSED_TOKEN, s->token_why,
				 s->token_why);
	} else if (s->by_token) {
		server_refuse(s, PROTO_ERR_REVOKED, "this portal user is revoked on this host",
			      "a revoked portal user");
	} else if (s->web_cred && fp_list_contains(&srv->revoked, s->fp)) {
		snprintf(buf, sizeof(buf),
			 "this browser's credential is revoked on this host; pair "
			 "again with a code from 'kmscastd pair'");
		server_refuse(s, PROTO_ERR_REVOKED, buf, "a revoked browser credential");
	} else if (s->web_cred) {
		snprintf(buf, sizeof(buf),
			 "this browser's credential is not known on this host (it "
			 "was removed from %s); pair again with a code from 'kmscastd pair'",
			 srv->browsers_path);
		server_refuse(s, PROTO_ERR_UNAUTHORIZED, buf, "an unknown browser credential");
	} else {
		snprintf(buf, sizeof(buf),
			 "this browser is not paired with this host: enter a code "
			 "from 'kmscastd pair'");
		server_refuse(s, PROTO_ERR_UNAUTHORIZED, buf, "a browser that has not paired");
	}
}

void web_on_http(struct conn *c, const struct http_request *req, void *data)
{
	struct session *s = data;
	struct web_asset a;
	char head[1024];
	(void)c;
	if (s->state != SS_WEB)
		return;
	size_t pl = strcspn(req->path, "?");
	if (pl == 3 && strncmp(req->path, "/ws", 3) == 0) {
		web_upgrade(s, req);
		return;
	}
	if (pl == 5 && strncmp(req->path, "/pair", 5) == 0) {
		web_pair(s, req);
		return;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		reply_text(s, req, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
			   "only GET and HEAD here\n", false);
		return;
	}
	if (pl == 5 && strncmp(req->path, "/info", 5) == 0) {
		web_info(s, req);
		return;
	}
	if (!web_asset_find(req->path, &a)) {
		reply_text(s, req, "404 Not Found", NULL, "not found\n", false);
		return;
	}
	/* Nothing secret is in these files; no-cache so an updated daemon's
	 * page is fetched again (revalidation is a full fetch: no ETag). */
	snprintf(head, sizeof(head), "Content-Type: %s\r\nCache-Control: no-cache\r\n" CSP, a.type);
	conn_http_reply(s->conn, req, "200 OK", head, a.data, a.len, false);
}
