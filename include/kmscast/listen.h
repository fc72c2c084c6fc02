// SPDX-License-Identifier: MIT
/* A listening TCP socket from an option's "ADDR:PORT", ":PORT" or
 * "[IPV6]:PORT", shared by the protocol port and the metrics port. */
#ifndef KMSCAST_LISTEN_H
#define KMSCAST_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

/* spec NULL or "" means every address on default_port. An empty host
 * (":PORT") is every address, or 127.0.0.1 when loopback is set. option
 * names the option in messages. Returns a non-blocking listening fd and
 * the address bound (port 0 resolved) as "ADDR:PORT" / "[V6]:PORT", or
 * -errno with a message. */
int listen_tcp(const char *spec, unsigned default_port, bool loopback, const char *option,
	       char *address, size_t address_len, char *err, size_t err_len);

#endif
