/* kmscastd: the streaming daemon. This part owns the command line, the
 * loop, signals and the frame source; src/server.c owns the network. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <uv.h>

#include "kmscast/cli.h"
#include "kmscast/fileio.h"
#include "kmscast/ident.h"
#include "kmscast/server.h"
#include "kmscast/testframe.h"
#include "kmscast/trust.h"

#define PROG "kmscastd"
#define DEFAULT_STATE_DIR "/var/lib/kmscast"
#define TEST_DEFAULT_BYTES (64u * 1024)
#define TEST_MAX_BYTES (16u * 1024 * 1024)
#define PAIR_DEFAULT_S 300
#define PAIR_MAX_S 3600

struct options {
	const char *cmd; /* NULL: run; "id"; "pair" */
	const char *listen, *state_dir, *authorized, *client_ca, *cert, *key, *source;
	unsigned fps, window, max_handshakes, handshake_ms, idle_ms, pair_s;
	size_t test_bytes;
	int verbose;
};

struct stream {
	uint32_t seq;
	unsigned skipped;
};

struct daemon {
	uv_loop_t *loop;
	struct options *o;
	struct server *srv;
	uv_timer_t tick;
	uv_signal_t sig_term, sig_int, sig_hup;
	uint64_t start_us, ticks, period_us;
	uint8_t *payload;
	bool stopping;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmscastd [OPTION]...            run the daemon\n"
		"       kmscastd id [--state-dir DIR]   print this host's fingerprint\n"
		"       kmscastd pair [--state-dir DIR] [--expires SECONDS]\n"
		"                                       make a one-time pairing code\n"
		"Stream a DRM/KMS output to kmscast clients over TLS 1.3.\n"
		"\n"
		"  --listen ADDR:PORT       where to listen (default: all addresses, port 7300;\n"
		"                           also :PORT, [IPV6]:PORT)\n"
		"  --state-dir DIR          key, certificate, authorized-clients and pairing\n"
		"                           (default " DEFAULT_STATE_DIR ")\n"
		"  --authorized-clients F   trusted client fingerprints, one per line, # comments\n"
		"                           (default STATE_DIR/authorized-clients; SIGHUP re-reads)\n"
		"  --client-ca FILE         also trust clients whose certificate FILE's CA signed\n"
		"  --cert FILE --key FILE   use this certificate instead of the generated one\n"
		"  --source test[:BYTES]    stream synthetic frames of BYTES (default 65536) to\n"
		"                           test the transport\n"
		"  --fps N                  frames per second (default 60)\n"
		"  --window N               frames in flight per client before skipping (default 4)\n"
		"  --max-handshakes N       unauthenticated connections at once (default 32)\n"
		"  --handshake-timeout MS   TLS and HELLO must finish within (default 10000)\n"
		"  --idle-timeout MS        end sessions silent this long (default 20000)\n"
		"  --expires SECONDS        pair: code lifetime (default 300, at most 3600)\n"
		"  -v, --verbose            debug logging\n"
		"  -h, --help               show this help\n"
		"\n"
		"Logs go to stderr, one line per event. SIGTERM/SIGINT stop; SIGHUP reloads trust.\n"
		"Exit status: 0 ok, 1 failed, 2 usage.\n");
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { O_LISTEN = 256, O_STATE, O_AUTH, O_CA, O_CERT, O_KEY, O_SOURCE, O_FPS, O_WINDOW,
	       O_MAXHS, O_HSTIMEOUT, O_IDLE, O_EXPIRES };
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"state-dir", required_argument, NULL, O_STATE},
		{"authorized-clients", required_argument, NULL, O_AUTH},
		{"client-ca", required_argument, NULL, O_CA},
		{"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY},
		{"source", required_argument, NULL, O_SOURCE},
		{"fps", required_argument, NULL, O_FPS},
		{"window", required_argument, NULL, O_WINDOW},
		{"max-handshakes", required_argument, NULL, O_MAXHS},
		{"handshake-timeout", required_argument, NULL, O_HSTIMEOUT},
		{"idle-timeout", required_argument, NULL, O_IDLE},
		{"expires", required_argument, NULL, O_EXPIRES},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.state_dir = DEFAULT_STATE_DIR, .fps = 60, .window = 4,
			      .max_handshakes = 32, .handshake_ms = 10000, .idle_ms = 20000,
			      .pair_s = PAIR_DEFAULT_S};
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: o->listen = optarg; break;
		case O_STATE: o->state_dir = optarg; break;
		case O_AUTH: o->authorized = optarg; break;
		case O_CA: o->client_ca = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_SOURCE: o->source = optarg; break;
		case O_FPS: o->fps = (unsigned)cli_uint(PROG, "--fps", optarg, 1, 240); break;
		case O_WINDOW: o->window = (unsigned)cli_uint(PROG, "--window", optarg, 1, 64); break;
		case O_MAXHS:
			o->max_handshakes = (unsigned)cli_uint(PROG, "--max-handshakes", optarg, 1, 4096);
			break;
		case O_HSTIMEOUT:
			o->handshake_ms = (unsigned)cli_uint(PROG, "--handshake-timeout", optarg, 100, 600000);
			break;
		case O_IDLE:
			o->idle_ms = (unsigned)cli_uint(PROG, "--idle-timeout", optarg, 1000, 3600000);
			break;
		case O_EXPIRES:
			o->pair_s = (unsigned)cli_uint(PROG, "--expires", optarg, 10, PAIR_MAX_S);
			break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: cli_die_usage(PROG, "unknown option");
		}
	}
	/* The subcommand is the first word that is not an option. */
	if (optind < argc && (strcmp(argv[optind], "id") == 0 || strcmp(argv[optind], "pair") == 0))
		o->cmd = argv[optind++];
	if (optind < argc)
		cli_die_usage(PROG, "unexpected argument '%s'", argv[optind]);
	if (!!o->cert != !!o->key)
		cli_die_usage(PROG, "--cert and --key go together");
	if (o->cmd)
		return;
	if (!o->source)
		cli_die_usage(PROG, "streaming a display is not in this build yet; "
			      "--source test streams synthetic frames");
	if (strncmp(o->source, "test", 4) != 0 || (o->source[4] && o->source[4] != ':'))
		cli_die_usage(PROG, "--source wants test[:BYTES], not '%s'", o->source);
	o->test_bytes = o->source[4] ? cli_uint(PROG, "--source test:BYTES", o->source + 5,
						 TESTFRAME_MIN, TEST_MAX_BYTES) : TEST_DEFAULT_BYTES;
}

static void log_line(void *data, enum log_level level, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	const struct options *o = data;
	if (level == LOG_DEBUG && !o->verbose)
		return;
	fprintf(stderr, "%s: %s\n", names[level], msg);
}

static int load_identity(const struct options *o, struct ident **id)
{
	char err[512];
	int r = o->cert ? ident_load_files(o->cert, o->key, id, err, sizeof(err)) :
			  ident_load_or_create(o->state_dir, "kmscastd", id, err, sizeof(err));
	if (r)
		fprintf(stderr, PROG ": %s\n", err);
	return r;
}

static int cmd_id(const struct options *o)
{
	struct ident *id;
	if (load_identity(o, &id))
		return 1;
	printf("%s\n", id->fp_str);
	ident_destroy(id);
	return 0;
}

static int cmd_pair(const struct options *o)
{
	struct ident *id;
	uint8_t key[PAIR_KEY_SIZE];
	char code[PAIR_CODE_SIZE], text[128], path[PATH_MAX], err[512];

	if (load_identity(o, &id))
		return 1;
	if (RAND_bytes(key, sizeof(key)) != 1) {
		fprintf(stderr, PROG ": no randomness for a pairing code\n");
		ident_destroy(id);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/pairing", o->state_dir);
	pair_pending_format(key, (long long)time(NULL) + o->pair_s, text, sizeof(text));
	if (fileio_write_atomic(path, text, strlen(text), 0600, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		ident_destroy(id);
		return 1;
	}
	pair_code_format(key, code);
	printf("One-time pairing code, valid for %u seconds (the running daemon reads it):\n"
	       "\n    %s\n\n"
	       "On the client run:  kmscast pair THIS-HOST %s\n"
	       "This host's fingerprint: %s\n", o->pair_s, code, code, id->fp_str);
	OPENSSL_cleanse(key, sizeof(key));
	ident_destroy(id);
	return 0;
}

/* Synthetic source: one frame per tick to every session that has room. */
static void send_test_frame(struct daemon *d, struct session *s)
{
	struct stream *st = session_data(s);
	struct conn *c = session_conn(s);
	if (!st || !conn_is_open(c))
		return;
	if (!conn_can_send_frame(c)) {
		st->skipped++; /* drop before producing, never queue stale frames */
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct proto_msg m = {.type = PROTO_VIDEO_FRAME};
	m.u.frame.seq = st->seq;
	m.u.frame.capture_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	m.u.frame.flags = st->seq == 0 ? PROTO_FRAME_KEYFRAME : 0;
	testframe_fill(st->seq, d->payload, d->o->test_bytes);
	m.u.frame.payload = d->payload;
	m.u.frame.payload_len = (uint32_t)d->o->test_bytes;
	int r = conn_send(c, &m);
	if (r == 0)
		st->seq++;
	else
		server_log(d->srv, LOG_WARN, "frame to %s not sent: %s", conn_peer(c), strerror(-r));
}

static void schedule_tick(struct daemon *d);

static void on_tick(uv_timer_t *t)
{
	struct daemon *d = t->data;
	d->ticks++;
	for (struct session *s = server_first(d->srv); s; s = server_next(s))
		send_test_frame(d, s);
	schedule_tick(d);
}

/* Deadlines come from an absolute clock, so timer lateness never adds up. */
static void schedule_tick(struct daemon *d)
{
	uint64_t now = conn_now_us(), next = d->start_us + (d->ticks + 1) * d->period_us;
	if (next < now) { /* fell behind (e.g. suspended): skip the missed ticks */
		d->ticks = (now - d->start_us) / d->period_us;
		next = d->start_us + (d->ticks + 1) * d->period_us;
	}
	uv_timer_start(&d->tick, on_tick, (next - now + 999) / 1000, 0);
}

static void on_ready(struct session *s, void *data)
{
	struct daemon *d = data;
	struct stream *st = calloc(1, sizeof(*st));
	if (!st) {
		conn_close(session_conn(s), PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	session_set_data(s, st);
	struct proto_msg m = {.type = PROTO_STREAM_CONFIG};
	m.u.config = (struct proto_stream_config){.width = 1280, .height = 720,
						  .codec = PROTO_CODEC_TEST,
						  .fps_milli = d->o->fps * 1000u};
	conn_send(session_conn(s), &m);
}

static void on_message(struct session *s, const struct proto_msg *m, void *data)
{
	struct daemon *d = data;
	switch (m->type) {
	case PROTO_KEYFRAME_REQUEST:
		server_log(d->srv, LOG_DEBUG, "%s asked for a keyframe", session_fingerprint(s));
		break;
	case PROTO_INPUT:
		server_log(d->srv, LOG_DEBUG, "%s sent %u input events (not injected: no input "
			   "backend in this build)", session_fingerprint(s), m->u.input.count);
		break;
	default:
		break;
	}
}

static void on_gone(struct session *s, void *data)
{
	struct daemon *d = data;
	struct stream *st = session_data(s);
	if (st)
		server_log(d->srv, LOG_DEBUG, "%s: %u frames sent, %u ticks skipped for backpressure",
			   session_fingerprint(s), st->seq, st->skipped);
	free(st);
	session_set_data(s, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (signum == SIGHUP) {
		server_log(d->srv, LOG_INFO, "SIGHUP: reloading trust files");
		server_reload_trust(d->srv);
		return;
	}
	if (d->stopping)
		return;
	d->stopping = true;
	server_log(d->srv, LOG_INFO, "%s: shutting down", strsignal(signum));
	server_destroy(d->srv);
	d->srv = NULL;
	uv_timer_stop(&d->tick);
	uv_close((uv_handle_t *)&d->tick, NULL);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
}

static int run(struct options *o)
{
	struct daemon d = {.o = o};
	struct ident *id;
	char err[512];
	uv_loop_t loop;

	if (load_identity(o, &id))
		return 1;
	d.payload = malloc(o->test_bytes);
	if (!d.payload || uv_loop_init(&loop) != 0) {
		fprintf(stderr, PROG ": out of memory\n");
		free(d.payload);
		ident_destroy(id);
		return 1;
	}
	d.loop = &loop;
	struct server_options so = {
		.listen = o->listen, .state_dir = o->state_dir, .authorized_path = o->authorized,
		.client_ca = o->client_ca, .id = id, .codecs = 1u << PROTO_CODEC_TEST,
		.max_handshakes = o->max_handshakes, .handshake_ms = o->handshake_ms,
		.idle_ms = o->idle_ms, .window = o->window, .log = log_line, .log_data = o,
	};
	struct server_callbacks cb = {.on_ready = on_ready, .on_message = on_message,
				      .on_gone = on_gone};
	if (server_create(&loop, &so, &cb, &d, &d.srv, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		uv_loop_close(&loop);
		free(d.payload);
		ident_destroy(id);
		return 1;
	}
	server_log(d.srv, LOG_INFO, "listening on %s as %s", server_address(d.srv), id->fp_str);
	uv_timer_init(&loop, &d.tick);
	d.tick.data = &d;
	d.period_us = 1000000u / o->fps;
	d.start_us = conn_now_us();
	schedule_tick(&d);
	uv_signal_t *sigs[] = {&d.sig_term, &d.sig_int, &d.sig_hup};
	int nums[] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&loop, sigs[i]);
		sigs[i]->data = &d;
		uv_signal_start(sigs[i], on_signal, nums[i]);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(d.payload);
	ident_destroy(id);
	fprintf(stderr, "info: stopped\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;

	/* A peer that vanishes must not kill us through a write. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	parse_options(argc, argv, &o);
	if (o.cmd && strcmp(o.cmd, "id") == 0)
		return cmd_id(&o);
	if (o.cmd)
		return cmd_pair(&o);
	return run(&o);
}
