// SPDX-License-Identifier: MIT
/* libFuzzer target for DNS-SD: a DNS server's answers (PTR, SRV, TXT) as
 * kmscast browse --domain reads them, TXT strings as Avahi hands them over
 * from any host on the link, instance names, and the status the streamer
 * sends the announcer and its configuration, A/AAAA answers, and the instance-to-target binding.
 * The first byte picks the parser. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/dnssd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_host(const struct dnssd_host *h)
{
	if (strlen(h->state) >= sizeof(h->state) || strlen(h->output) >= sizeof(h->output) ||
	    (h->fp[0] && strlen(h->fp) != FP_STR_LEN) || (h->webfp[0] && strlen(h->webfp) != FP_STR_LEN))
		abort();
	for (const char *p = h->output; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[8][DNSSD_MAX_HOST];
	struct dnssd_host h;
	char target[DNSSD_MAX_HOST], label[DNSSD_MAX_NAME], *text;
	unsigned port;
	int n;

	if (size < 1)
		return 0;
	dnssd_host_init(&h);
	const uint8_t *d = data + 1;
	size_t len = size - 1;
	switch (data[0] % 9) {
	case 0:
		if (dnssd_parse_ptr(d, len, names, 8, &n) == 0)
			for (int i = 0; i < n; i++)
				if (strlen(names[i]) >= DNSSD_MAX_HOST ||
				    (dnssd_instance(names[i], "pool.example", label) == 0 &&
				     strlen(label) >= DNSSD_MAX_NAME))
					abort();
		break;
	case 1:
		if (dnssd_parse_srv(d, len, target, &port) == 0 && (port == 0 || port > 65535))
			abort();
		break;
	case 2:
		dnssd_parse_txt(d, len, &h);
		check_host(&h);
		break;
	case 3:
		/* Avahi's strings, split at each NUL as records would be. */
		for (size_t i = 0; i < len;) {
			const uint8_t *e = memchr(d + i, 0, len - i);
			size_t l = e ? (size_t)(e - d - i) : len - i;
			dnssd_txt_apply(&h, d + i, l);
			i += l + 1;
		}
		check_host(&h);
		break;
	case 4: {
		struct dnssd_status st;
		if (dnssd_status_parse(d, len, &st) == 0 && strlen(st.output) >= sizeof(st.output))
			abort();
		break;
	}
	case 5:
		text = malloc(len + 1);
		if (!text)
			return 0;
		memcpy(text, d, len);
		text[len] = '\0';
		dnssd_instance(text, "pool.example", label);
		free(text);
		break;
	case 6:
		dnssd_parse_addrs(d, len, &h);
		if (h.n_addrs > DNSSD_MAX_ADDRS)
			abort();
		for (int i = 0; i < h.n_addrs; i++)
			if (strlen(h.addrs[i]) >= INET6_ADDRSTRLEN)
				abort();
		break;
	case 8: {
		struct dnssd_config c;
		if (dnssd_config_parse(d, len, &c) == 0 &&
		    (c.port == 0 || c.port > 65535 || strlen(c.fp) != FP_STR_LEN ||
		     strlen(c.name) >= sizeof(c.name)))
			abort();
		break;
	}
	case 7:
		/* A target and an instance as an announcement gives them. */
		text = malloc(len + 1);
		if (!text)
			return 0;
		memcpy(text, d, len);
		text[len] = '\0';
		dnssd_target_is_instance(text, text + strnlen(text, len) / 2, "pool.example");
		free(text);
		break;
	}
	return 0;
}
