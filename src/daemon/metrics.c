// SPDX-License-Identifier: MIT
#include "kmscast/metrics.h"

#include <stdarg.h>
#include <stdio.h>

#include "kmscast/proto.h"

static const uint64_t bucket_us[METRICS_LATENCY_BUCKETS] = {
	1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 5000000,
};

void metrics_latency(struct metrics *m, uint64_t us)
{
	unsigned i = 0;
	while (i < METRICS_LATENCY_BUCKETS && us > bucket_us[i])
		i++;
	if (i < METRICS_LATENCY_BUCKETS)
		m->latency_le[i]++;
	else
		m->latency_inf++;
	m->latency_count++;
	m->latency_sum_us += us;
}

enum metrics_refusal metrics_refusal_for(unsigned code)
{
	switch (code) {
	case PROTO_ERR_PROTOCOL: return METRICS_REFUSED_PROTOCOL;
	case PROTO_ERR_VERSION: return METRICS_REFUSED_VERSION;
	case PROTO_ERR_UNAUTHORIZED: return METRICS_REFUSED_UNAUTHORIZED;
	case PROTO_ERR_TIMEOUT: return METRICS_REFUSED_TIMEOUT;
	case PROTO_ERR_PAIRING: return METRICS_REFUSED_PAIRING;
	case PROTO_ERR_REVOKED: return METRICS_REFUSED_REVOKED;
	default: return METRICS_REFUSED_OTHER;
	}
}

/* snprintf that keeps counting past the end of buf. */
struct out {
	char *buf;
	size_t len, used;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->used < o->len ? o->len - o->used : 0;
	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP kmscast_%s %s\n# TYPE kmscast_%s %s\n", name, help, name, type);
}

static void counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	head(o, name, "counter", help);
	put(o, "kmscast_%s %llu\n", name, (unsigned long long)v);
}

static const char *const kind_names[METRICS_KINDS] = {"native", "browser"};
static const char *const refusal_names[METRICS_REFUSALS] = {
	"handshake_limit", "handshake", "protocol", "version",      "unauthorized", "revoked",
	"pairing",         "timeout",   "token",    "viewer_limit", "other",
};

size_t metrics_format(const struct metrics *m, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len};
	if (len)
		buf[0] = '\0';
	head(&o, "sessions_total", "counter", "Sessions that started, by client kind.");
	for (int k = 0; k < METRICS_KINDS; k++)
		put(&o, "kmscast_sessions_total{kind=\"%s\"} %llu\n", kind_names[k],
		    (unsigned long long)m->sessions_total[k]);
	head(&o, "viewers", "gauge", "Clients watching now, by kind.");
	for (int k = 0; k < METRICS_KINDS; k++)
		put(&o, "kmscast_viewers{kind=\"%s\"} %u\n", kind_names[k], m->viewers[k]);
	counter(&o, "frames_captured_total", "Frames captured that differed from the last.",
		m->frames_captured);
	counter(&o, "frames_encoded_total", "Frames encoded, once per stream.", m->frames_encoded);
	counter(&o, "frames_sent_total", "Frames sent, once per viewer.", m->frames_sent);
	counter(&o, "frames_dropped_total",
		"Frames a viewer did not get because it was behind (backpressure).",
		m->frames_dropped);
	counter(&o, "frames_cpu_copied_total",
		"Frames sent whose pixels the CPU read and converted (0 on VA-API's path).",
		m->frames_cpu_copied);
	counter(&o, "sent_bytes_total", "Bytes written to clients, TLS records included.",
		m->bytes_sent);
	counter(&o, "capture_errors_total", "Captures that failed (not counting torn reads).",
		m->capture_errors);
	head(&o, "refused_connections_total", "counter",
	     "Connections refused before they were trusted, by reason.");
	for (int r = 0; r < METRICS_REFUSALS; r++)
		put(&o, "kmscast_refused_connections_total{reason=\"%s\"} %llu\n", refusal_names[r],
		    (unsigned long long)m->refused[r]);
	head(&o, "capture_to_encoded_seconds", "histogram",
	     "Time from a frame's capture to its encoded bytes.");
	uint64_t cum = 0;
	for (int i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
		cum += m->latency_le[i];
		put(&o, "kmscast_capture_to_encoded_seconds_bucket{le=\"%g\"} %llu\n",
		    (double)bucket_us[i] / 1e6, (unsigned long long)cum);
	}
	put(&o, "kmscast_capture_to_encoded_seconds_bucket{le=\"+Inf\"} %llu\n",
	    (unsigned long long)(cum + m->latency_inf));
	put(&o, "kmscast_capture_to_encoded_seconds_sum %.6f\n", (double)m->latency_sum_us / 1e6);
	put(&o, "kmscast_capture_to_encoded_seconds_count %llu\n",
	    (unsigned long long)m->latency_count);
	head(&o, "encoder_info", "gauge", "The encoder in use (1), with its codec.");
	put(&o, "kmscast_encoder_info{encoder=\"%s\",codec=\"%s\"} 1\n",
	    m->encoder ? m->encoder : "software", m->codec ? m->codec : "h264");
	head(&o, "capture_running", "gauge", "1 while the screen is being captured (a viewer).");
	put(&o, "kmscast_capture_running %d\n", m->capture_running ? 1 : 0);
	return o.used;
}
