// SPDX-License-Identifier: MIT
/* The daemon's counters for Prometheus: plain numbers the server and the
 * streamer bump as things happen (one loop, no locks), and a pure function
 * that writes them in the text exposition format (version 0.0.4), named
 * by Prometheus' rules: kmscast_ prefix, _total on counters, base units. */
#ifndef KMSCAST_METRICS_H
#define KMSCAST_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum metrics_kind { METRICS_NATIVE, METRICS_BROWSER, METRICS_KINDS };

/* Why a connection was refused before it was trusted. */
enum metrics_refusal {
	METRICS_REFUSED_LIMIT,        /* handshake limits (total, per source, at random) */
	METRICS_REFUSED_HANDSHAKE,    /* TLS failed, or the peer left before it was trusted */
	METRICS_REFUSED_PROTOCOL,     /* malformed or unexpected messages */
	METRICS_REFUSED_VERSION,      /* protocol version mismatch */
	METRICS_REFUSED_UNAUTHORIZED, /* not trusted */
	METRICS_REFUSED_REVOKED,      /* revoked: list, CRL or browser credential */
	METRICS_REFUSED_PAIRING,      /* a wrong or stale pairing code */
	METRICS_REFUSED_TIMEOUT,      /* no HELLO in time */
	METRICS_REFUSED_TOKEN,        /* a portal token that does not hold */
	METRICS_REFUSED_FULL,         /* the viewer limit */
	METRICS_REFUSED_OTHER,        /* codec, internal */
	METRICS_REFUSALS
};

/* Upper bounds of the capture-to-encoded histogram, in microseconds. */
#define METRICS_LATENCY_BUCKETS 12

struct metrics {
	uint64_t sessions_total[METRICS_KINDS]; /* sessions that started */
	unsigned viewers[METRICS_KINDS];        /* watching now */
	uint64_t frames_captured, frames_encoded, frames_sent, frames_dropped;
	uint64_t frames_cpu_copied; /* frames sent whose pixels the CPU converted */
	uint64_t bytes_sent;        /* every byte written to clients, TLS included */
	uint64_t capture_errors;
	uint64_t refused[METRICS_REFUSALS];
	uint64_t latency_le[METRICS_LATENCY_BUCKETS]; /* not cumulative: one per bucket */
	uint64_t latency_inf, latency_count, latency_sum_us;
	bool capture_running;
	const char *encoder; /* "vaapi" or "software" (a static string) */
	const char *codec;   /* "h264", "hevc", "lossless", "test" */
};

/* One frame's capture-to-encoded time. */
void metrics_latency(struct metrics *m, uint64_t us);

/* The refusal a protocol ERROR code stands for. */
enum metrics_refusal metrics_refusal_for(unsigned proto_err);

/* Writes the exposition into buf like snprintf: returns the length it
 * needs (without the NUL), whether or not it fit. */
size_t metrics_format(const struct metrics *m, char *buf, size_t len);

#endif
