// SPDX-License-Identifier: MIT
#include <arpa/nameser.h>
#include <errno.h>
#include <string.h>

#include "kmscast/dnssd.h"
#include "tst.h"

#define FP1 "sha256:5fc652c9f23d6abd87e55fd3bdcc7cec3a445155764834cd4336473b79e5967d"
#define FP2 "sha256:c6b49f06277885137000f15500eba31a8b1bbfecf7f1d78712025a25951e5545"

static int apply(struct dnssd_host *h, const char *s)
{
	return dnssd_txt_apply(h, (const uint8_t *)s, strlen(s));
}

static int txt_round_trip(void)
{
	struct dnssd_status st = {.viewers = 2, .in_use = true, .output = "Virtual-1", .w = 1280,
				  .h = 800};
	char txt[DNSSD_MAX_TXT][DNSSD_TXT_LEN];
	int n = dnssd_txt_build(FP1, FP2, &st, txt);
	CHECK_EQ_INT(n, 8);
	CHECK(strcmp(txt[0], "txtvers=1") == 0);
	CHECK(strcmp(txt[1], "proto=1") == 0);
	CHECK(strcmp(txt[2], "fp=" FP1) == 0);
	CHECK(strcmp(txt[3], "webfp=" FP2) == 0);
	CHECK(strcmp(txt[4], "state=in-use") == 0);
	CHECK(strcmp(txt[5], "viewers=2") == 0);
	CHECK(strcmp(txt[6], "output=Virtual-1") == 0);
	CHECK(strcmp(txt[7], "size=1280x800") == 0);
	struct dnssd_host h;
	dnssd_host_init(&h);
	for (int i = 0; i < n; i++)
		CHECK_EQ_INT(apply(&h, txt[i]), 0);
	CHECK_EQ_INT(h.txtvers, 1);
	CHECK_EQ_INT(h.proto, 1);
	CHECK_EQ_INT(h.viewers, 2);
	CHECK(strcmp(h.state, "in-use") == 0);
	CHECK(strcmp(h.fp, FP1) == 0);
	CHECK(strcmp(h.webfp, FP2) == 0);
	CHECK(strcmp(h.output, "Virtual-1") == 0);
	CHECK_EQ_INT(h.w, 1280);
	CHECK_EQ_INT(h.h, 800);
	/* No browser identity, size not known yet: those keys are left out. */
	struct dnssd_status idle = {.output = "HDMI-A-1"};
	n = dnssd_txt_build(FP1, NULL, &idle, txt);
	CHECK_EQ_INT(n, 6);
	CHECK(strcmp(txt[3], "state=free") == 0);
	CHECK(strcmp(txt[4], "viewers=0") == 0);
	CHECK(strcmp(txt[5], "output=HDMI-A-1") == 0);
	return 0;
}

/* What another party announces is checked key by key: a bad value is
 * refused and leaves what was there. */
static int txt_refuses_bad_values(void)
{
	struct dnssd_host h;
	dnssd_host_init(&h);
	CHECK_EQ_INT(apply(&h, "viewers=3"), 0);
	CHECK_EQ_INT(apply(&h, "viewers=-1"), -EINVAL);
	CHECK_EQ_INT(apply(&h, "viewers= 4"), -EINVAL);
	CHECK_EQ_INT(apply(&h, "viewers=99999999999"), -EINVAL);
	CHECK_EQ_INT(h.viewers, 3);
	CHECK_EQ_INT(apply(&h, "state=busy"), -EINVAL);
	CHECK_EQ_INT(apply(&h, "state=fre"), -EINVAL);
	CHECK(h.state[0] == '\0');
	CHECK_EQ_INT(apply(&h, "fp=sha256:1234"), -EINVAL);
	CHECK(h.fp[0] == '\0');
	CHECK_EQ_INT(apply(&h, "output=\x1b[31mred"), -EINVAL);
	CHECK(h.output[0] == '\0');
	CHECK_EQ_INT(apply(&h, "size=0x800"), -EINVAL);
	CHECK_EQ_INT(apply(&h, "size=1280x"), -EINVAL);
	CHECK_EQ_INT(apply(&h, "size=99999x10"), -EINVAL);
	CHECK_EQ_INT(h.w, 0);
	/* Unknown keys and bare attributes are skipped. */
	CHECK_EQ_INT(apply(&h, "colour=blue"), 0);
	CHECK_EQ_INT(apply(&h, "fast"), 0);
	/* Keys are case-insensitive (RFC 6763 6.4); fingerprints print in lowercase. */
	CHECK_EQ_INT(apply(&h, "FP=SHA256:5FC652C9F23D6ABD87E55FD3BDCC7CEC3A445155764834CD4336473B79E5967D"),
		     0);
	CHECK(strcmp(h.fp, FP1) == 0);
	/* An embedded NUL ends nothing early: the length is the record's. */
	CHECK_EQ_INT(dnssd_txt_apply(&h, (const uint8_t *)"state=free\0x", 12), -EINVAL);
	return 0;
}

static int status_messages(void)
{
	struct dnssd_status st = {.viewers = 1, .in_use = true, .output = "Virtual-1", .w = 640,
				  .h = 480},
			    got;
	struct dnssd_status_msg m;
	dnssd_status_encode(&st, &m);
	CHECK_EQ_INT(dnssd_status_parse(&m, sizeof(m), &got), 0);
	CHECK_EQ_INT(got.viewers, 1);
	CHECK(got.in_use);
	CHECK(strcmp(got.output, "Virtual-1") == 0);
	CHECK_EQ_INT(got.w, 640);
	CHECK_EQ_INT(dnssd_status_parse(&m, sizeof(m) - 1, &got), -EINVAL);
	struct dnssd_status_msg bad = m;
	bad.magic ^= 1;
	CHECK_EQ_INT(dnssd_status_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	memset(bad.output, 'a', sizeof(bad.output)); /* not terminated */
	CHECK_EQ_INT(dnssd_status_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	bad.output[0] = '\n';
	CHECK_EQ_INT(dnssd_status_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	bad.in_use = 2;
	CHECK_EQ_INT(dnssd_status_parse(&bad, sizeof(bad), &got), -EINVAL);
	return 0;
}

static int config_messages(void)
{
	struct dnssd_config c = {.port = 7300, .name = "Lab PC 4", .fp = FP1}, got;
	struct dnssd_config_msg m, bad;
	dnssd_config_encode(&c, &m);
	CHECK_EQ_INT(dnssd_config_parse(&m, sizeof(m), &got), 0);
	CHECK_EQ_INT(got.port, 7300);
	CHECK(strcmp(got.name, "Lab PC 4") == 0 && strcmp(got.fp, FP1) == 0 && !got.webfp[0]);
	CHECK_EQ_INT(dnssd_config_parse(&m, sizeof(m) + 1, &got), -EINVAL);
	/* A status message is not a configuration. */
	struct dnssd_status_msg sm = {.magic = DNSSD_STATUS_MAGIC};
	CHECK_EQ_INT(dnssd_config_parse(&sm, sizeof(sm), &got), -EINVAL);
	bad = m;
	bad.port = 0;
	CHECK_EQ_INT(dnssd_config_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	bad.port = 65536;
	CHECK_EQ_INT(dnssd_config_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	bad.fp[10] = 'x'; /* not hex */
	CHECK_EQ_INT(dnssd_config_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	bad.fp[0] = '\0'; /* a fingerprint is required */
	CHECK_EQ_INT(dnssd_config_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	memset(bad.name, 'a', sizeof(bad.name)); /* not terminated */
	CHECK_EQ_INT(dnssd_config_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	bad.name[1] = '\x1b';
	CHECK_EQ_INT(dnssd_config_parse(&bad, sizeof(bad), &got), -EINVAL);
	bad = m;
	snprintf(bad.webfp, sizeof(bad.webfp), "sha256:12");
	CHECK_EQ_INT(dnssd_config_parse(&bad, sizeof(bad), &got), -EINVAL);
	return 0;
}

static int instance_names(void)
{
	char out[DNSSD_MAX_NAME];
	CHECK_EQ_INT(dnssd_instance("pc1._kmscast._tcp.pool.example", "pool.example", out), 0);
	CHECK(strcmp(out, "pc1") == 0);
	CHECK_EQ_INT(dnssd_instance("Lab\\032PC\\0324._kmscast._tcp.pool.example.", "pool.example",
				    out),
		     0);
	CHECK(strcmp(out, "Lab PC 4") == 0);
	CHECK_EQ_INT(dnssd_instance("a\\.b._KMSCAST._TCP.Pool.Example", "pool.example", out), 0);
	CHECK(strcmp(out, "a.b") == 0);
	CHECK_EQ_INT(dnssd_instance("pc1._ssh._tcp.pool.example", "pool.example", out), -EINVAL);
	CHECK_EQ_INT(dnssd_instance("pc1._kmscast._tcp.other.example", "pool.example", out), -EINVAL);
	CHECK_EQ_INT(dnssd_instance("pc1._kmscast._tcp.pool.example.evil", "pool.example", out),
		     -EINVAL);
	CHECK_EQ_INT(dnssd_instance("bell\\007._kmscast._tcp.pool.example", "pool.example", out),
		     -EINVAL);
	CHECK_EQ_INT(dnssd_instance("._kmscast._tcp.pool.example", "pool.example", out), -EINVAL);
	CHECK_EQ_INT(dnssd_instance("x\\", "pool.example", out), -EINVAL);
	return 0;
}

/* A DNS response written by hand: header, one question, answers. */
struct msg {
	uint8_t b[1024];
	size_t n;
	unsigned answers;
};

static void put8(struct msg *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}
static void put_name(struct msg *m, const char *dotted)
{
	while (*dotted) {
		const char *e = strchr(dotted, '.');
		size_t l = e ? (size_t)(e - dotted) : strlen(dotted);
		put8(m, (unsigned)l);
		memcpy(m->b + m->n, dotted, l);
		m->n += l;
		dotted += l + (e != NULL);
	}
	put8(m, 0);
}

static void start(struct msg *m, const char *qname, unsigned qtype)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m, 0x8400); /* a response, authoritative */
	put16(m, 1);
	put16(m, 0); /* answers: set by finish */
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, ns_c_in);
}

/* An answer whose owner is the question's name (a pointer to offset 12). */
static size_t answer(struct msg *m, unsigned type, unsigned rdlen)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, ns_c_in);
	put16(m, 0);
	put16(m, 120);
	put16(m, rdlen);
	m->answers++;
	return m->n;
}

static void finish(struct msg *m)
{
	m->b[6] = (uint8_t)(m->answers >> 8);
	m->b[7] = (uint8_t)m->answers;
}

static int unicast_answers(void)
{
	struct msg m;
	char names[4][DNSSD_MAX_HOST];
	int n = 0;

	/* PTR: two instances, the second compressed against the first. */
	start(&m, "_kmscast._tcp.pool.example", ns_t_ptr);
	answer(&m, ns_t_ptr, 6);
	put8(&m, 3);
	memcpy(m.b + m.n, "pc1", 3);
	m.n += 3;
	put16(&m, 0xc00c);
	answer(&m, ns_t_ptr, 6);
	put8(&m, 3);
	memcpy(m.b + m.n, "pc2", 3);
	m.n += 3;
	put16(&m, 0xc00c);
	finish(&m);
	CHECK_EQ_INT(dnssd_parse_ptr(m.b, m.n, names, 4, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK(strcmp(names[0], "pc1._kmscast._tcp.pool.example") == 0);
	CHECK(strcmp(names[1], "pc2._kmscast._tcp.pool.example") == 0);
	CHECK_EQ_INT(dnssd_parse_ptr(m.b, m.n, names, 1, &n), 0);
	CHECK_EQ_INT(n, 1);
	/* Cut short anywhere: malformed, never read past the end. */
	for (size_t cut = 0; cut < m.n; cut++)
		CHECK(dnssd_parse_ptr(m.b, cut, names, 4, &n) == -EINVAL);

	/* SRV: priority, weight, port, target. */
	char target[DNSSD_MAX_HOST];
	unsigned port = 0;
	start(&m, "pc1._kmscast._tcp.pool.example", ns_t_srv);
	answer(&m, ns_t_srv, 6 + 18);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, 7300);
	put_name(&m, "pc1.pool.example");
	finish(&m);
	CHECK_EQ_INT(dnssd_parse_srv(m.b, m.n, target, &port), 0);
	CHECK(strcmp(target, "pc1.pool.example") == 0);
	CHECK_EQ_INT(port, 7300);
	CHECK_EQ_INT(dnssd_parse_ptr(m.b, m.n, names, 4, &n), -ENOENT);
	/* A record too short for its fields. */
	start(&m, "pc1._kmscast._tcp.pool.example", ns_t_srv);
	answer(&m, ns_t_srv, 5);
	put16(&m, 0);
	put16(&m, 0);
	put8(&m, 1);
	finish(&m);
	CHECK_EQ_INT(dnssd_parse_srv(m.b, m.n, target, &port), -EINVAL);

	/* TXT: length-prefixed strings; a bad one does not spoil the rest. */
	struct dnssd_host h;
	dnssd_host_init(&h);
	start(&m, "pc1._kmscast._tcp.pool.example", ns_t_txt);
	const char *strs[] = {"txtvers=1", "state=bogus", "fp=" FP1};
	unsigned rd = 0;
	for (int i = 0; i < 3; i++)
		rd += 1 + (unsigned)strlen(strs[i]);
	answer(&m, ns_t_txt, rd);
	for (int i = 0; i < 3; i++) {
		put8(&m, (unsigned)strlen(strs[i]));
		memcpy(m.b + m.n, strs[i], strlen(strs[i]));
		m.n += strlen(strs[i]);
	}
	finish(&m);
	CHECK_EQ_INT(dnssd_parse_txt(m.b, m.n, &h), 0);
	CHECK_EQ_INT(h.txtvers, 1);
	CHECK(h.state[0] == '\0');
	CHECK(strcmp(h.fp, FP1) == 0);
	/* A string that claims more than its record holds. */
	m.b[m.n - rd] = 200;
	CHECK_EQ_INT(dnssd_parse_txt(m.b, m.n, &h), -EINVAL);
	return 0;
}

static int unicast_addresses(void)
{
	struct msg m;
	struct dnssd_host h;
	dnssd_host_init(&h);
	start(&m, "pc1.pool.example", ns_t_a);
	answer(&m, ns_t_a, 4);
	put8(&m, 10);
	put8(&m, 73);
	put8(&m, 0);
	put8(&m, 11);
	finish(&m);
	CHECK_EQ_INT(dnssd_parse_addrs(m.b, m.n, &h), 0);
	CHECK_EQ_INT(h.n_addrs, 1);
	CHECK(strcmp(h.addrs[0], "10.73.0.11") == 0);
	/* An A record of the wrong size is malformed. */
	start(&m, "pc1.pool.example", ns_t_a);
	answer(&m, ns_t_a, 3);
	put8(&m, 10);
	put8(&m, 73);
	put8(&m, 0);
	finish(&m);
	CHECK_EQ_INT(dnssd_parse_addrs(m.b, m.n, &h), -EINVAL);
	/* AAAA when there is no A. */
	start(&m, "pc1.pool.example", ns_t_aaaa);
	answer(&m, ns_t_aaaa, 16);
	for (int i = 0; i < 15; i++)
		put8(&m, i == 0 ? 0x20 : i == 1 ? 0x01 : 0);
	put8(&m, 7);
	finish(&m);
	CHECK_EQ_INT(dnssd_parse_addrs(m.b, m.n, &h), 0);
	CHECK(strcmp(h.addrs[1], "2001::7") == 0);
	return 0;
}

static int targets_bound_to_instances(void)
{
	CHECK(dnssd_target_is_instance("pc7.local", "pc7", NULL));
	CHECK(dnssd_target_is_instance("PC7.Local.", "pc7", "pool.example"));
	CHECK(dnssd_target_is_instance("pc7.pool.example", "pc7", "pool.example"));
	CHECK(dnssd_target_is_instance("pc7.pool.example.", "PC7", "pool.example."));
	/* Another host's name, a longer label, a name under the instance's. */
	CHECK(!dnssd_target_is_instance("pc1.local", "pc7", NULL));
	CHECK(!dnssd_target_is_instance("pc77.local", "pc7", NULL));
	CHECK(!dnssd_target_is_instance("pc7.evil.example", "pc7", "pool.example"));
	CHECK(!dnssd_target_is_instance("pc7.x.local", "pc7", NULL));
	CHECK(!dnssd_target_is_instance("pc7.pool.example", "pc7", NULL));
	/* An instance that is no host name ("Lab PC 4", "a.b") binds to nothing. */
	CHECK(!dnssd_target_is_instance("Lab PC 4.local", "Lab PC 4", NULL));
	CHECK(!dnssd_target_is_instance("a.b.local", "a.b", NULL));
	CHECK(!dnssd_target_is_instance(".local", "", NULL));
	return 0;
}

static int addresses(void)
{
	struct dnssd_host h;
	dnssd_host_init(&h);
	dnssd_add_addr(&h, "10.0.0.1");
	dnssd_add_addr(&h, "10.0.0.1");
	CHECK_EQ_INT(h.n_addrs, 1);
	for (int i = 0; i < 10; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.0.1.%d", i);
		dnssd_add_addr(&h, a);
	}
	CHECK_EQ_INT(h.n_addrs, DNSSD_MAX_ADDRS);
	return 0;
}

TST_MAIN("dnssd", TST_CASE(txt_round_trip), TST_CASE(txt_refuses_bad_values),
	 TST_CASE(status_messages), TST_CASE(config_messages), TST_CASE(instance_names), TST_CASE(unicast_answers),
	 TST_CASE(unicast_addresses), TST_CASE(targets_bound_to_instances), TST_CASE(addresses))
