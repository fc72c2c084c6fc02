// SPDX-License-Identifier: MIT
#include "kmscast/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kmscast/trust.h"

static void format_bound(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(out, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s:%u", a, ntohs(s4->sin_port));
	}
}

int listen_tcp(const char *spec, unsigned default_port, bool loopback, const char *option,
	       char *address, size_t address_len, char *err, size_t len)
{
	char host[256];
	unsigned port;
	int r, fd = -1;

	if (!spec)
		spec = "";
	if (*spec && !strchr(spec, ':') && !strchr(spec, '[')) {
		snprintf(err, len, "bad %s '%s': want ADDR:PORT, :PORT or [IPV6]:PORT", option,
			 spec);
		return -EINVAL;
	}
	r = trust_split_hostport(spec, default_port, host, sizeof(host), &port, err, len);
	if (r)
		return r;
	if (!*host && loopback)
		snprintf(host, sizeof(host), "127.0.0.1");
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char ps[8];
	snprintf(ps, sizeof(ps), "%u", port);
	/* All addresses: one dual-stack IPv6 socket, else IPv4 only. */
	hints.ai_family = *host ? AF_UNSPEC : AF_INET6;
	r = getaddrinfo(*host ? host : NULL, ps, &hints, &res);
	if (r && !*host) {
		hints.ai_family = AF_INET;
		r = getaddrinfo(NULL, ps, &hints, &res);
	}
	if (r) {
		snprintf(err, len, "cannot resolve %s '%s': %s", option, spec, gai_strerror(r));
		return -EINVAL;
	}
	int e = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		int one = 1, zero = 0;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6 && !*host)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, len, "cannot listen on %s:%u: %s", *host ? host : "*", port,
			 strerror(e));
		return -e;
	}
	format_bound(fd, address, address_len);
	return fd;
}
