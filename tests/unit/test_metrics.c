// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "kmscast/metrics.h"
#include "kmscast/proto.h"
#include "tst.h"

/* line stands in text as a whole line. */
static int has(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	fprintf(stderr, "  no line '%s'\n", line);
	return 0;
}

static int counters_and_labels(void)
{
	struct metrics m = {.encoder = "software", .codec = "h264"};
	char buf[8192];
	m.sessions_total[METRICS_NATIVE] = 3;
	m.sessions_total[METRICS_BROWSER] = 1;
	m.viewers[METRICS_BROWSER] = 1;
	m.frames_sent = 18446744073709551615ull; /* counters print in full */
	m.refused[metrics_refusal_for(PROTO_ERR_REVOKED)] = 2;
	m.refused[METRICS_REFUSED_LIMIT] = 7;
	m.capture_running = true;
	size_t n = metrics_format(&m, buf, sizeof(buf));
	CHECK_EQ_INT(n, strlen(buf));
	CHECK(has(buf, "# TYPE kmscast_sessions_total counter"));
	CHECK(has(buf, "kmscast_sessions_total{kind=\"native\"} 3"));
	CHECK(has(buf, "kmscast_sessions_total{kind=\"browser\"} 1"));
	CHECK(has(buf, "# TYPE kmscast_viewers gauge"));
	CHECK(has(buf, "kmscast_viewers{kind=\"native\"} 0"));
	CHECK(has(buf, "kmscast_viewers{kind=\"browser\"} 1"));
	CHECK(has(buf, "kmscast_frames_sent_total 18446744073709551615"));
	CHECK(has(buf, "kmscast_refused_connections_total{reason=\"revoked\"} 2"));
	CHECK(has(buf, "kmscast_refused_connections_total{reason=\"handshake_limit\"} 7"));
	CHECK(has(buf, "kmscast_refused_connections_total{reason=\"token\"} 0"));
	CHECK(has(buf, "kmscast_encoder_info{encoder=\"software\",codec=\"h264\"} 1"));
	CHECK(has(buf, "kmscast_capture_running 1"));
	/* Every sample's name was declared by a TYPE line before it. */
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		CHECK(strncmp(line, "kmscast_", 8) == 0 || strncmp(line, "# HELP kmscast_", 15) == 0 ||
		      strncmp(line, "# TYPE kmscast_", 15) == 0);
	return 0;
}

static int histogram_is_cumulative(void)
{
	struct metrics m = {0};
	char buf[8192];
	metrics_latency(&m, 0);       /* le 0.001 */
	metrics_latency(&m, 1000);    /* le 0.001: bounds are inclusive */
	metrics_latency(&m, 1001);    /* le 0.002 */
	metrics_latency(&m, 70000);   /* le 0.1 */
	metrics_latency(&m, 9000000); /* past the last bound: +Inf only */
	metrics_format(&m, buf, sizeof(buf));
	CHECK(has(buf, "# TYPE kmscast_capture_to_encoded_seconds histogram"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_bucket{le=\"0.001\"} 2"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_bucket{le=\"0.002\"} 3"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_bucket{le=\"0.05\"} 3"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_bucket{le=\"0.1\"} 4"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_bucket{le=\"5\"} 4"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_bucket{le=\"+Inf\"} 5"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_count 5"));
	CHECK(has(buf, "kmscast_capture_to_encoded_seconds_sum 9.072001"));
	return 0;
}

/* Like snprintf: the length needed comes back whatever buf holds. */
static int short_buffer(void)
{
	struct metrics m = {0};
	char small[64], *big;
	size_t need = metrics_format(&m, NULL, 0);
	CHECK(need > sizeof(small));
	CHECK_EQ_INT(metrics_format(&m, small, sizeof(small)), need);
	CHECK_EQ_INT(strlen(small), sizeof(small) - 1);
	big = malloc(need + 1);
	CHECK(big);
	CHECK_EQ_INT(metrics_format(&m, big, need + 1), need);
	CHECK_EQ_INT(strlen(big), need);
	CHECK(strncmp(big, small, sizeof(small) - 1) == 0);
	free(big);
	return 0;
}

static int refusal_codes(void)
{
	CHECK_EQ_INT(metrics_refusal_for(PROTO_ERR_UNAUTHORIZED), METRICS_REFUSED_UNAUTHORIZED);
	CHECK_EQ_INT(metrics_refusal_for(PROTO_ERR_TIMEOUT), METRICS_REFUSED_TIMEOUT);
	CHECK_EQ_INT(metrics_refusal_for(PROTO_ERR_PAIRING), METRICS_REFUSED_PAIRING);
	CHECK_EQ_INT(metrics_refusal_for(PROTO_ERR_INTERNAL), METRICS_REFUSED_OTHER);
	CHECK_EQ_INT(metrics_refusal_for(999), METRICS_REFUSED_OTHER);
	return 0;
}

TST_MAIN("metrics", TST_CASE(counters_and_labels), TST_CASE(histogram_is_cumulative),
	 TST_CASE(short_buffer), TST_CASE(refusal_codes))
