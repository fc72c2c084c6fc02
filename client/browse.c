// SPDX-License-Identifier: MIT
#include "browse.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/address.h>
#include <avahi-common/error.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/strlst.h>
#include <avahi-common/timeval.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "kmscast/errmsg.h"
#include "kmscast/json.h"

/* Names come from the network: anything but printable ASCII is shown as
 * '?', so a name cannot steer the terminal it is printed on. */
static void copy_shown(char *out, size_t len, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 1 < len; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ? '?' : s[i];
	out[i] = '\0';
}

static struct dnssd_host *host_named(struct browse_result *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcasecmp(r->hosts[i].name, name) == 0)
			return &r->hosts[i];
	if (r->n >= DNSSD_MAX_HOSTS)
		return NULL;
	struct dnssd_host *h = &r->hosts[r->n++];
	dnssd_host_init(h);
	snprintf(h->name, sizeof(h->name), "%s", name);
	return h;
}

/* mDNS: a browser, a resolver per service found, until avahi-daemon says
 * it has told all it knows and every resolver answered, or the time is up. */
struct mdns {
	AvahiSimplePoll *sp;
	AvahiClient *client;
	AvahiServiceBrowser *browser;
	struct browse_result *r;
	const char *want; /* the instance sought, or NULL: every one */
	bool want_found;
	int pending;
	bool all_for_now;
	int error;
};

/* "All for now" is what the caches held: a host sought may answer the
 * query after it (a cold cache, a record just expired), so it is awaited
 * until it comes or the time is up. */
static void mdns_maybe_done(struct mdns *m)
{
	if (m->want ? m->want_found : m->all_for_now && m->pending == 0)
		avahi_simple_poll_quit(m->sp);
}

static void on_resolved(AvahiServiceResolver *res, AvahiIfIndex iface, AvahiProtocol proto,
			AvahiResolverEvent ev, const char *name, const char *type,
			const char *domain, const char *host_name, const AvahiAddress *a,
			uint16_t port, AvahiStringList *txt, AvahiLookupResultFlags flags,
			void *data)
{
	struct mdns *m = data;
	char shown[DNSSD_MAX_NAME], addr[AVAHI_ADDRESS_STR_MAX];
	(void)iface;
	(void)proto;
	(void)type;
	(void)domain;
	(void)flags;
	copy_shown(shown, sizeof(shown), name);
	struct dnssd_host *h = ev == AVAHI_RESOLVER_FOUND && port ? host_named(m->r, shown) : NULL;
	if (h) {
		copy_shown(h->target, sizeof(h->target), host_name);
		h->port = port;
		avahi_address_snprint(addr, sizeof(addr), a);
		/* A link-local IPv6 address needs its interface to be reached. */
		if (!(a->proto == AVAHI_PROTO_INET6 && strncasecmp(addr, "fe80:", 5) == 0))
			dnssd_add_addr(h, addr);
		for (AvahiStringList *l = txt; l; l = avahi_string_list_get_next(l))
			dnssd_txt_apply(h, avahi_string_list_get_text(l),
					avahi_string_list_get_size(l));
		if (m->want && h->n_addrs && strcasecmp(h->name, m->want) == 0)
			m->want_found = true;
	}
	avahi_service_resolver_free(res);
	m->pending--;
	mdns_maybe_done(m);
}

static void on_browse(AvahiServiceBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
		      AvahiBrowserEvent ev, const char *name, const char *type, const char *domain,
		      AvahiLookupResultFlags flags, void *data)
{
	struct mdns *m = data;
	(void)b;
	(void)flags;
	switch (ev) {
	case AVAHI_BROWSER_NEW:
		if (avahi_service_resolver_new(m->client, iface, proto, name, type, domain,
					       AVAHI_PROTO_UNSPEC, 0, on_resolved, m))
			m->pending++;
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
		m->all_for_now = true;
		mdns_maybe_done(m);
		break;
	case AVAHI_BROWSER_FAILURE:
		m->error = avahi_client_errno(m->client);
		avahi_simple_poll_quit(m->sp);
		break;
	default: break;
	}
}

/* Browses once avahi-daemon runs: one still registering its host name
 * would say "all for now" before it asked the network. */
static void on_client(AvahiClient *c, AvahiClientState state, void *data)
{
	struct mdns *m = data;
	if (state == AVAHI_CLIENT_FAILURE) {
		m->error = avahi_client_errno(c);
		avahi_simple_poll_quit(m->sp);
	} else if (state == AVAHI_CLIENT_S_RUNNING && !m->browser) {
		m->browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
						       DNSSD_SERVICE, NULL, 0, on_browse, m);
		if (!m->browser) {
			m->error = avahi_client_errno(c);
			avahi_simple_poll_quit(m->sp);
		}
	}
}

static void on_timeout(AvahiTimeout *t, void *data)
{
	struct mdns *m = data;
	(void)t;
	avahi_simple_poll_quit(m->sp);
}

static int browse_mdns(const char *want, unsigned timeout_ms, struct browse_result *r, char *err,
		       size_t len)
{
	struct mdns m = {.r = r, .want = want};
	int e = 0, ret = 0;
	struct timeval tv;

	m.sp = avahi_simple_poll_new();
	if (!m.sp)
		return -ENOMEM;
	const AvahiPoll *poll = avahi_simple_poll_get(m.sp);
	m.client = avahi_client_new(poll, 0, on_client, &m, &e);
	if (!m.client) {
		avahi_simple_poll_free(m.sp);
		return errmsg(err, len, -ENOTCONN,
			      "cannot reach avahi-daemon for mDNS (%s): start it, or browse a "
			      "pool's DNS zone with --domain DOMAIN",
			      avahi_strerror(e));
	}
	AvahiTimeout *t =
		poll->timeout_new(poll, avahi_elapse_time(&tv, timeout_ms, 0), on_timeout, &m);
	if (!m.error)
		avahi_simple_poll_loop(m.sp);
	poll->timeout_free(t);
	if (m.error)
		ret = errmsg(err, len, -EIO, "mDNS browsing failed: %s", avahi_strerror(m.error));
	else if (!m.browser)
		ret = errmsg(err, len, -ETIMEDOUT,
			     "avahi-daemon did not get ready to browse within %u ms", timeout_ms);
	/* Frees the resolvers still pending. */
	avahi_client_free(m.client);
	avahi_simple_poll_free(m.sp);
	return ret;
}

/* Unicast DNS-SD: PTR for the instances, then SRV and TXT for each and
 * the target's addresses (A, else AAAA), all through one resolver state
 * and within one deadline: an unanswered query must not hold a browse of
 * a thousand hosts for ten seconds each. */
struct unicast {
	struct __res_state rs;
	uint64_t deadline_ms;
	bool late; /* the deadline passed before every host was asked */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One query, given at most the time left (the resolver counts whole
 * seconds: at least one, one try per server). -1 once the time is up. */
static int query(struct unicast *u, const char *name, int type, uint8_t *buf, size_t size)
{
	uint64_t now = now_ms();
	if (now >= u->deadline_ms) {
		u->late = true;
		return -1;
	}
	uint64_t left = (u->deadline_ms - now + 999) / 1000;
	u->rs.retrans = (int)(left > 30 ? 30 : left);
	u->rs.retry = 1;
	return res_nquery(&u->rs, name, ns_c_in, type, buf, (int)size);
}

static int browse_unicast(const char *domain, unsigned timeout_ms, struct browse_result *r,
			  char *err, size_t len)
{
	static char names[DNSSD_MAX_HOSTS][DNSSD_MAX_HOST];
	static struct unicast u;
	uint8_t buf[NS_MAXMSG];
	char q[NS_MAXDNAME];
	int n = 0, got;

	memset(&u, 0, sizeof(u));
	if (res_ninit(&u.rs) != 0)
		return errmsg(err, len, -EIO, "cannot set up the DNS resolver");
	u.deadline_ms = now_ms() + timeout_ms;
	snprintf(q, sizeof(q), "%s.%s", DNSSD_SERVICE, domain);
	got = query(&u, q, ns_t_ptr, buf, sizeof(buf));
	if (got < 0) {
		int h = u.rs.res_h_errno;
		res_nclose(&u.rs);
		if (h == HOST_NOT_FOUND || h == NO_DATA)
			return 0; /* no host in that zone */
		if (u.late || now_ms() >= u.deadline_ms)
			return errmsg(err, len, -ETIMEDOUT,
				      "DNS query for %s: no answer within %u s", q,
				      (timeout_ms + 999) / 1000);
		return errmsg(err, len, -EIO, "DNS query for %s failed: %s", q, hstrerror(h));
	}
	if (dnssd_parse_ptr(buf, (size_t)got, names, DNSSD_MAX_HOSTS, &n) == -EINVAL) {
		res_nclose(&u.rs);
		return errmsg(err, len, -EINVAL, "the DNS answer for %s is malformed", q);
	}
	int asked = 0;
	for (int i = 0; i < n && !u.late; i++, asked++) {
		char label[DNSSD_MAX_NAME], shown[DNSSD_MAX_NAME], target[DNSSD_MAX_HOST];
		unsigned port;
		if (dnssd_instance(names[i], domain, label) != 0)
			continue; /* a PTR to something else */
		got = query(&u, names[i], ns_t_srv, buf, sizeof(buf));
		if (got < 0 || dnssd_parse_srv(buf, (size_t)got, target, &port) != 0)
			continue;
		/* The same filter as mDNS names: printable ASCII or '?'. */
		copy_shown(shown, sizeof(shown), label);
		struct dnssd_host *h = host_named(r, shown);
		if (!h)
			break;
		copy_shown(h->target, sizeof(h->target), target);
		h->port = port;
		got = query(&u, names[i], ns_t_txt, buf, sizeof(buf));
		if (got > 0)
			dnssd_parse_txt(buf, (size_t)got, h);
		got = query(&u, target, ns_t_a, buf, sizeof(buf));
		if (got <= 0 || dnssd_parse_addrs(buf, (size_t)got, h) != 0) {
			got = query(&u, target, ns_t_aaaa, buf, sizeof(buf));
			if (got > 0)
				dnssd_parse_addrs(buf, (size_t)got, h);
		}
	}
	res_nclose(&u.rs);
	if (u.late) {
		r->late = true;
		snprintf(r->late_why, sizeof(r->late_why),
			 "the zone %s did not answer for every host within %u s (--timeout): %d of "
			 "%d instances asked",
			 domain, (timeout_ms + 999) / 1000, asked, n);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcasecmp(((const struct dnssd_host *)a)->name,
			  ((const struct dnssd_host *)b)->name);
}

int browse_run(const char *domain, const char *want, unsigned timeout_ms, struct browse_result *out,
	       char *err, size_t len)
{
	out->n = 0;
	out->late = false;
	int r = domain ? browse_unicast(domain, timeout_ms, out, err, len)
		       : browse_mdns(want, timeout_ms, out, err, len);
	if (r)
		return r;
	/* A host with no address (its target did not resolve) cannot be reached. */
	int k = 0;
	for (int i = 0; i < out->n; i++)
		if (out->hosts[i].n_addrs > 0)
			out->hosts[k++] = out->hosts[i];
	out->n = k;
	qsort(out->hosts, (size_t)out->n, sizeof(out->hosts[0]), by_name);
	return 0;
}

static void json_field(FILE *f, const char *key, const char *v, bool comma)
{
	char esc[2 * DNSSD_MAX_HOST];
	json_escape(esc, sizeof(esc), v);
	fprintf(f, "\"%s\":\"%s\"%s", key, esc, comma ? "," : "");
}

static void json_number(FILE *f, const char *key, long v, bool comma)
{
	if (v < 0)
		fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
	else
		fprintf(f, "\"%s\":%ld%s", key, v, comma ? "," : "");
}

static void print_json(FILE *f, const struct browse_result *r)
{
	fputc('[', f);
	for (int i = 0; i < r->n; i++) {
		const struct dnssd_host *h = &r->hosts[i];
		fputs(i ? ",\n{" : "{", f);
		json_field(f, "name", h->name, true);
		json_field(f, "host", h->target, true);
		fputs("\"addresses\":[", f);
		for (int a = 0; a < h->n_addrs; a++)
			fprintf(f, "%s\"%s\"", a ? "," : "", h->addrs[a]);
		fputs("],", f);
		json_number(f, "port", h->port, true);
		json_field(f, "state", h->state[0] ? h->state : "unknown", true);
		json_number(f, "viewers", h->viewers, true);
		json_field(f, "output", h->output, true);
		json_number(f, "width", h->w ? (long)h->w : -1, true);
		json_number(f, "height", h->h ? (long)h->h : -1, true);
		json_number(f, "protocol", h->proto, true);
		json_field(f, "fingerprint", h->fp, true);
		json_field(f, "browser_fingerprint", h->webfp, false);
		fputc('}', f);
	}
	fputs("]\n", f);
}

void browse_print(FILE *f, const struct browse_result *r, bool json)
{
	if (json) {
		print_json(f, r);
		return;
	}
	for (int i = 0; i < r->n; i++) {
		const struct dnssd_host *h = &r->hosts[i];
		char state[48] = "state not announced", size[32] = "";
		if (h->state[0])
			snprintf(state, sizeof(state), "%s, %d viewers",
				 strcmp(h->state, "free") == 0 ? "free" : "in use",
				 h->viewers < 0 ? 0 : h->viewers);
		if (h->w)
			snprintf(size, sizeof(size), " %ux%u", h->w, h->h);
		fprintf(f, "%s (%s) %s%s%s:%u  %s%s%s%s\n", h->name, h->target,
			strchr(h->addrs[0], ':') ? "[" : "", h->addrs[0],
			strchr(h->addrs[0], ':') ? "]" : "", h->port, state,
			h->output[0] ? ", " : "", h->output, size);
		for (int a = 1; a < h->n_addrs; a++)
			fprintf(f, "    also at %s\n", h->addrs[a]);
		fprintf(f, "    native  %s\n", h->fp[0] ? h->fp : "(not announced)");
		if (h->webfp[0])
			fprintf(f, "    browser %s\n", h->webfp);
	}
}

const struct dnssd_host *browse_find(const struct browse_result *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcasecmp(r->hosts[i].name, name) == 0)
			return &r->hosts[i];
	return NULL;
}

static const struct dnssd_host *pick(const struct browse_result *r, const char *state)
{
	int n = 0, idx[DNSSD_MAX_HOSTS];
	uint32_t rnd = 0;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->hosts[i].state, state) == 0)
			idx[n++] = i;
	if (!n)
		return NULL;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = 0;
	return &r->hosts[idx[rnd % (uint32_t)n]];
}

const struct dnssd_host *browse_pick_free(const struct browse_result *r)
{
	const struct dnssd_host *h = pick(r, "free");
	return h ? h : pick(r, "");
}
