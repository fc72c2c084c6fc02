// SPDX-License-Identifier: MIT
#include "kmscast/dnssd.h"

#include <arpa/inet.h>

#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kmscast/proto.h"

void dnssd_host_init(struct dnssd_host *h)
{
	memset(h, 0, sizeof(*h));
	h->txtvers = h->proto = h->viewers = -1;
}

int dnssd_txt_build(const char *fp, const char *webfp, const struct dnssd_status *st,
		    char out[DNSSD_MAX_TXT][DNSSD_TXT_LEN])
{
	int n = 0;
	snprintf(out[n++], DNSSD_TXT_LEN, "txtvers=%d", DNSSD_TXT_VERSION);
	snprintf(out[n++], DNSSD_TXT_LEN, "proto=%d", PROTO_VERSION);
	snprintf(out[n++], DNSSD_TXT_LEN, "fp=%s", fp);
	if (webfp)
		snprintf(out[n++], DNSSD_TXT_LEN, "webfp=%s", webfp);
	snprintf(out[n++], DNSSD_TXT_LEN, "state=%s", st->in_use ? "in-use" : "free");
	snprintf(out[n++], DNSSD_TXT_LEN, "viewers=%u", st->viewers);
	if (st->output[0])
		snprintf(out[n++], DNSSD_TXT_LEN, "output=%.63s", st->output);
	if (st->w && st->h)
		snprintf(out[n++], DNSSD_TXT_LEN, "size=%ux%u", st->w, st->h);
	return n;
}

void dnssd_status_encode(const struct dnssd_status *st, struct dnssd_status_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->magic = DNSSD_STATUS_MAGIC;
	m->viewers = st->viewers;
	m->in_use = st->in_use;
	m->w = st->w;
	m->h = st->h;
	snprintf(m->output, sizeof(m->output), "%s", st->output);
}

static bool printable(const uint8_t *s, size_t len);

int dnssd_status_parse(const void *buf, size_t len, struct dnssd_status *st)
{
	struct dnssd_status_msg m;
	if (len != sizeof(m))
		return -EINVAL;
	memcpy(&m, buf, sizeof(m));
	size_t ol = strnlen(m.output, sizeof(m.output));
	if (m.magic != DNSSD_STATUS_MAGIC || m.in_use > 1 || m.viewers > 100000 ||
	    m.w > PROTO_MAX_DIMENSION || m.h > PROTO_MAX_DIMENSION || ol == sizeof(m.output) ||
	    !printable((const uint8_t *)m.output, ol))
		return -EINVAL;
	st->viewers = m.viewers;
	st->in_use = m.in_use;
	st->w = m.w;
	st->h = m.h;
	memcpy(st->output, m.output, ol + 1);
	return 0;
}

void dnssd_config_encode(const struct dnssd_config *c, struct dnssd_config_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->magic = DNSSD_CONFIG_MAGIC;
	m->port = c->port;
	snprintf(m->name, sizeof(m->name), "%s", c->name);
	snprintf(m->fp, sizeof(m->fp), "%s", c->fp);
	snprintf(m->webfp, sizeof(m->webfp), "%s", c->webfp);
}

/* A terminated field of its buffer; with fp, a fingerprint or "". */
static bool field_ok(const char *f, size_t cap, bool fp, bool empty_ok)
{
	size_t n = strnlen(f, cap);
	uint8_t raw[FP_SIZE];
	if (n == cap || (!n && !empty_ok))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)f[i] < 0x20 || f[i] == 0x7f)
			return false;
	return !fp || !n || fp_parse(f, n, raw) == 0;
}

int dnssd_config_parse(const void *buf, size_t len, struct dnssd_config *c)
{
	struct dnssd_config_msg m;
	if (len != sizeof(m))
		return -EINVAL;
	memcpy(&m, buf, sizeof(m));
	if (m.magic != DNSSD_CONFIG_MAGIC || m.port == 0 || m.port > 65535 ||
	    !field_ok(m.name, sizeof(m.name), false, true) ||
	    !field_ok(m.fp, sizeof(m.fp), true, false) ||
	    !field_ok(m.webfp, sizeof(m.webfp), true, true))
		return -EINVAL;
	c->port = m.port;
	memcpy(c->name, m.name, sizeof(c->name));
	memcpy(c->fp, m.fp, sizeof(c->fp));
	memcpy(c->webfp, m.webfp, sizeof(c->webfp));
	return 0;
}

/* A decimal number of at most max, all digits, no sign or spaces. */
static int parse_uint(const uint8_t *s, size_t len, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Printable ASCII only: a name shown on a terminal must not steer it. */
static bool printable(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static bool key_is(const uint8_t *s, size_t klen, const char *key)
{
	return klen == strlen(key) && strncasecmp((const char *)s, key, klen) == 0;
}

int dnssd_txt_apply(struct dnssd_host *h, const uint8_t *s, size_t len)
{
	const uint8_t *eq = memchr(s, '=', len);
	if (!eq)
		return 0; /* a boolean attribute: none is ours */
	size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
	const uint8_t *v = eq + 1;
	unsigned u, w, hh;

	if (key_is(s, klen, "txtvers") || key_is(s, klen, "proto") || key_is(s, klen, "viewers")) {
		if (parse_uint(v, vlen, 100000, &u) != 0)
			return -EINVAL;
		if (key_is(s, klen, "txtvers"))
			h->txtvers = (int)u;
		else if (key_is(s, klen, "proto"))
			h->proto = (int)u;
		else
			h->viewers = (int)u;
		return 0;
	}
	if (key_is(s, klen, "fp") || key_is(s, klen, "webfp")) {
		uint8_t fp[FP_SIZE];
		if (fp_parse((const char *)v, vlen, fp) != 0)
			return -EINVAL;
		fp_format(fp, key_is(s, klen, "fp") ? h->fp : h->webfp);
		return 0;
	}
	if (key_is(s, klen, "state")) {
		if ((vlen == 4 && memcmp(v, "free", 4) == 0) ||
		    (vlen == 6 && memcmp(v, "in-use", 6) == 0)) {
			memcpy(h->state, v, vlen);
			h->state[vlen] = '\0';
			return 0;
		}
		return -EINVAL;
	}
	if (key_is(s, klen, "output")) {
		if (vlen == 0 || vlen >= sizeof(h->output) || !printable(v, vlen))
			return -EINVAL;
		memcpy(h->output, v, vlen);
		h->output[vlen] = '\0';
		return 0;
	}
	if (key_is(s, klen, "size")) {
		const uint8_t *x = memchr(v, 'x', vlen);
		if (!x || parse_uint(v, (size_t)(x - v), PROTO_MAX_DIMENSION, &w) != 0 ||
		    parse_uint(x + 1, vlen - (size_t)(x - v) - 1, PROTO_MAX_DIMENSION, &hh) != 0 ||
		    !w || !hh)
			return -EINVAL;
		h->w = w;
		h->h = hh;
		return 0;
	}
	return 0;
}

void dnssd_add_addr(struct dnssd_host *h, const char *addr)
{
	for (int i = 0; i < h->n_addrs; i++)
		if (strcmp(h->addrs[i], addr) == 0)
			return;
	if (h->n_addrs < DNSSD_MAX_ADDRS)
		snprintf(h->addrs[h->n_addrs++], sizeof(h->addrs[0]), "%s", addr);
}

int dnssd_instance(const char *full, const char *domain, char out[DNSSD_MAX_NAME])
{
	size_t o = 0;
	const char *p = full;
	/* The first label, with the escapes of presentation form undone. */
	while (*p && *p != '.') {
		unsigned c = (unsigned char)*p++;
		if (c == '\\') {
			if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
			    isdigit((unsigned char)p[2])) {
				c = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
				    (unsigned)(p[2] - '0');
				p += 3;
				if (c > 255)
					return -EINVAL;
			} else if (*p) {
				c = (unsigned char)*p++;
			} else {
				return -EINVAL;
			}
		}
		if (c < 0x20 || c == 0x7f || o + 1 >= DNSSD_MAX_NAME)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (o == 0 || *p != '.')
		return -EINVAL;
	p++;
	size_t sl = strlen(DNSSD_SERVICE), dl = strlen(domain);
	if (dl && domain[dl - 1] == '.')
		dl--;
	if (strncasecmp(p, DNSSD_SERVICE, sl) != 0 || p[sl] != '.')
		return -EINVAL;
	p += sl + 1;
	size_t rest = strlen(p);
	if (rest && p[rest - 1] == '.')
		rest--;
	return rest == dl && strncasecmp(p, domain, dl) == 0 ? 0 : -EINVAL;
}

/* Calls fn for each answer record of type in msg; fn returns 0 to go on,
 * 1 to stop, or -errno. -ENOENT when none was of that type. */
static int each_answer(const uint8_t *msg, size_t len, int type,
		       int (*fn)(ns_msg *m, ns_rr *rr, void *arg), void *arg)
{
	ns_msg m;
	ns_rr rr;
	int found = 0;
	if (len > 65535 || ns_initparse(msg, (int)len, &m) < 0)
		return -EINVAL;
	for (int i = 0; i < ns_msg_count(m, ns_s_an); i++) {
		if (ns_parserr(&m, ns_s_an, i, &rr) < 0)
			return -EINVAL;
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue;
		found = 1;
		int r = fn(&m, &rr, arg);
		if (r < 0)
			return r;
		if (r > 0)
			break;
	}
	return found ? 0 : -ENOENT;
}

/* A domain name at p inside the message, bounded by the record's data. */
static int name_at(ns_msg *m, const ns_rr *rr, const uint8_t *p, char out[DNSSD_MAX_HOST])
{
	char tmp[NS_MAXDNAME];
	const uint8_t *end = ns_rr_rdata(*rr) + ns_rr_rdlen(*rr);
	if (p >= end ||
	    ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), p, tmp, sizeof(tmp)) < 0)
		return -EINVAL;
	size_t n = strlen(tmp);
	if (n >= DNSSD_MAX_HOST)
		return -EINVAL;
	memcpy(out, tmp, n + 1);
	return 0;
}

struct ptr_arg {
	char (*names)[DNSSD_MAX_HOST];
	int max, n;
};

static int on_ptr(ns_msg *m, ns_rr *rr, void *arg)
{
	struct ptr_arg *a = arg;
	if (a->n >= a->max)
		return 1;
	if (name_at(m, rr, ns_rr_rdata(*rr), a->names[a->n]) != 0)
		return -EINVAL;
	a->n++;
	return 0;
}

int dnssd_parse_ptr(const uint8_t *msg, size_t len, char (*names)[DNSSD_MAX_HOST], int max, int *n)
{
	struct ptr_arg a = {.names = names, .max = max};
	int r = each_answer(msg, len, ns_t_ptr, on_ptr, &a);
	*n = a.n;
	return r;
}

struct srv_arg {
	char *target;
	unsigned port;
};

static int on_srv(ns_msg *m, ns_rr *rr, void *arg)
{
	struct srv_arg *a = arg;
	const uint8_t *d = ns_rr_rdata(*rr);
	/* priority, weight, port, then the target's name */
	if (ns_rr_rdlen(*rr) < 7)
		return -EINVAL;
	a->port = (unsigned)d[4] << 8 | d[5];
	if (a->port == 0 || name_at(m, rr, d + 6, a->target) != 0)
		return -EINVAL;
	return 1;
}

int dnssd_parse_srv(const uint8_t *msg, size_t len, char target[DNSSD_MAX_HOST], unsigned *port)
{
	struct srv_arg a = {.target = target};
	int r = each_answer(msg, len, ns_t_srv, on_srv, &a);
	if (r == 0)
		*port = a.port;
	return r;
}

static int on_txt(ns_msg *m, ns_rr *rr, void *arg)
{
	const uint8_t *d = ns_rr_rdata(*rr);
	size_t n = ns_rr_rdlen(*rr), i = 0;
	(void)m;
	while (i < n) {
		size_t l = d[i];
		if (i + 1 + l > n)
			return -EINVAL;
		/* A malformed value is the sender's problem: the rest still counts. */
		dnssd_txt_apply(arg, d + i + 1, l);
		i += 1 + l;
	}
	return 0;
}

int dnssd_parse_txt(const uint8_t *msg, size_t len, struct dnssd_host *h)
{
	return each_answer(msg, len, ns_t_txt, on_txt, h);
}

static int on_addr(ns_msg *m, ns_rr *rr, void *arg)
{
	char a[INET6_ADDRSTRLEN];
	int af = ns_rr_type(*rr) == ns_t_a ? AF_INET : AF_INET6;
	(void)m;
	if (ns_rr_rdlen(*rr) != (af == AF_INET ? 4 : 16))
		return -EINVAL;
	if (inet_ntop(af, ns_rr_rdata(*rr), a, sizeof(a)))
		dnssd_add_addr(arg, a);
	return 0;
}

int dnssd_parse_addrs(const uint8_t *msg, size_t len, struct dnssd_host *h)
{
	int r = each_answer(msg, len, ns_t_a, on_addr, h);
	if (r != -ENOENT)
		return r;
	return each_answer(msg, len, ns_t_aaaa, on_addr, h);
}

/* Equal as DNS names: case-insensitive, a final dot or not. */
static bool same_name(const char *a, size_t al, const char *b)
{
	size_t bl = strlen(b);
	if (al && a[al - 1] == '.')
		al--;
	if (bl && b[bl - 1] == '.')
		bl--;
	return al == bl && strncasecmp(a, b, al) == 0;
}

bool dnssd_target_is_instance(const char *target, const char *instance, const char *domain)
{
	size_t il = strlen(instance);
	/* The instance as one plain label: letters, digits and hyphens. */
	if (!il || il > 63)
		return false;
	for (size_t i = 0; i < il; i++)
		if (!isalnum((unsigned char)instance[i]) && instance[i] != '-')
			return false;
	if (strncasecmp(target, instance, il) != 0 || target[il] != '.')
		return false;
	const char *rest = target + il + 1;
	return same_name(rest, strlen(rest), "local") ||
	       (domain && same_name(rest, strlen(rest), domain));
}
