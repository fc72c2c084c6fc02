// SPDX-License-Identifier: MIT
/* kmscast: the client. Connects over TLS 1.3, checks the server's key
 * (known_hosts, --server-fingerprint or --host-ca), receives the stream
 * and acknowledges frames; `kmscast pair` pins both sides with a code. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <libavutil/log.h>
#include <uv.h>
#include <xf86drm.h>

#include "kmscast/cli.h"
#include "kmscast/cliptext.h"
#include "kmscast/clock.h"
#include "kmscast/conn.h"
#include "kmscast/decoder.h"
#include "kmscast/hist.h"
#include "kmscast/fileio.h"
#include "kmscast/format.h"
#include "kmscast/ident.h"
#include "kmscast/kms.h"
#include "kmscast/pngio.h"
#include "kmscast/testframe.h"
#include "kmscast/tls.h"
#include "kmscast/trust.h"
#include "browse.h"
#include "input.h"
#include "choose.h"
#include "present.h"
#include "record.h"

#define PROG "kmscast"
#define STATS_HOTKEY "ctrl+alt+shift+s"
#define DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

enum exit_code {
	EXIT_OK = 0,
	EXIT_LOST = 1, /* connection failed or lost, I/O errors */
	EXIT_USAGE = 2,
	EXIT_REFUSED = 3,  /* the server refused us (not authorized, limit, revoked, pairing) */
	EXIT_HOST_KEY = 4, /* unknown server key or a mismatch */
	EXIT_VERSION = 5,  /* protocol version mismatch */
	EXIT_PROTOCOL = 6, /* the server sent something malformed */
};

struct options {
	const char *cmd;    /* NULL: view; "id"; "pair"; "browse" */
	const char *domain; /* DNS-SD: unicast in this zone; NULL: mDNS */
	bool json, any_free;
	unsigned browse_ms;
	const char *config_dir, *cert, *key, *host_ca, *server_fp, *target, *code, *present;
	const char *snapshot, *record, *cursor_raw;
	struct proto_input_event input[PROTO_MAX_INPUT_EVENTS];
	unsigned input_count;
	struct input_options devices; /* --input-device, --no-grab, --release-hotkey */
	struct present_options show;  /* --present kms: --device, --output, --mode */
	bool accept_new, stats, view_only, cursor, no_decode;
	bool clip_in, clip_out;            /* --clipboard: take the host's text, give ours */
	const char *clip_file, *clip_send; /* --clipboard-out, --send-clipboard */
	enum decoder_hw hwdec;
	unsigned long frames;
	unsigned connect_ms;
	uint32_t max_w, max_h; /* --max-size: the largest stream config taken */
	char free_card[64];    /* the card the default kms presenter found free */
	int verbose;
};

struct client {
	struct options *o;
	uv_loop_t *loop;
	struct conn *conn;
	struct ident *id;
	uv_signal_t sig_int, sig_term;
	uv_timer_t stats_timer;
	char host[300], hostport[320], known_hosts[PATH_MAX];
	char addr[INET6_ADDRSTRLEN]; /* DNS-SD found it: connect here, check host's name */
	unsigned port;
	/* Found by browsing: the instance asked for, its known_hosts key
	 * ("pc7._kmscast._tcp.local"), and whether the announcement's target
	 * is the instance's own name (else the certificate must name it). */
	bool browsed, bound;
	char instance[DNSSD_MAX_NAME], instance_key[4 * DNSSD_MAX_NAME + DNSSD_MAX_HOST + 32];
	uint8_t server_fp[FP_SIZE];
	uint8_t pair_key[PAIR_KEY_SIZE];
	struct proto_stream_config config;
	bool have_config, got_hello;
	struct decoder *dec;
	struct recorder *rec;
	struct input *input;
	struct present *present;
	bool key_requested;
	unsigned long decoded, decode_errors;
	/* Cursor as the server last described it. */
	bool cursor_visible;
	int32_t cursor_x, cursor_y;
	uint16_t cursor_w, cursor_h, hot_x, hot_y;
	uint8_t cursor_img[PROTO_MAX_CURSOR_SIDE * PROTO_MAX_CURSOR_SIDE * 4];
	int exit_code;
	bool exit_set;
	/* Stream accounting. */
	unsigned long frames, gaps, bad_payloads, bytes;
	uint32_t first_seq, last_seq;
	unsigned long stat_frames, stat_bytes;
	uint64_t latency_sum_us;
	unsigned long latency_n;
	struct hist latency; /* capture to decoded, the whole session */
	uint64_t start_us;   /* mono: when the connection began */
	/* The clipboard: what the host allows (CLIPBOARD_POLICY), the text
	 * being received, and a hash of the last text either way, so that
	 * what we set is not sent back when the window reports it. */
	struct proto_clip_policy clip_policy;
	bool have_clip_policy;
	struct clip_rx clip_rx;
	uint64_t clip_last;
	bool clip_any, clip_said_off;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmscast [OPTION]... HOST[:PORT]        receive a kmscastd stream\n"
		"       kmscast [OPTION]... --any-free [--domain DOMAIN]\n"
		"                                               the same from a free host\n"
		"       kmscast browse [--domain DOMAIN] [--json] [--timeout SECONDS]\n"
		"                                               list the hosts that announce\n"
		"                                               themselves\n"
		"       kmscast id [--config-dir DIR]           print this client's fingerprint\n"
		"       kmscast pair [--config-dir DIR] HOST[:PORT] CODE\n"
		"                                               pair with a host using the code\n"
		"                                               'kmscastd pair' showed there\n"
		"\n"
		"  --domain DOMAIN          find hosts in DOMAIN's DNS zone (unicast DNS-SD: PTR,\n"
		"                           SRV and TXT records) instead of by mDNS on this link\n"
		"  --json                   browse: one JSON document\n"
		"  --timeout SECONDS        browse and --any-free: how long mDNS listens (default\n"
		"                           3); HOST by name: how long mDNS waits for it (default\n"
		"                           5); or the whole --domain browse's deadline (default 10)\n"
		"  --any-free               connect to a host that announces itself free, chosen\n"
		"                           at random (else one that announces no state)\n"
		"  --config-dir DIR         key, certificate and known_hosts\n"
		"                           (default $XDG_CONFIG_HOME/kmscast or ~/.config/kmscast)\n"
		"  --cert FILE --key FILE   use this certificate (e.g. signed by a lab-pool CA)\n"
		"  --accept-new             pin an unknown host's key on first use\n"
		"  --server-fingerprint FP  trust exactly this server key (sha256:...)\n"
		"  --host-ca FILE           trust server certificates FILE's CA signed for HOST\n"
		"                           (a host found by DNS-SD: for its SRV target name)\n"
		"  --frames N               stop after N decoded frames (with --snapshot: 1;\n"
		"                           with --no-decode, N received)\n"
		"  --snapshot FILE.png      write the frame after --frames N as PNG, then exit 0\n"
		"  --cursor                 with --snapshot: draw the cursor into the picture\n"
		"  --cursor-raw FILE        with --snapshot: also write the cursor's image as\n"
		"                           received (premultiplied ARGB8888, W*H*4 bytes) and\n"
		"                           print its size, place and hotspot\n"
		"  --record FILE.mkv        record the stream: H.264/HEVC as sent, lossless as FFV1;\n"
		"                           the file's creation time is the first frame's capture\n"
		"                           time on the host, each frame's time counts from it\n"
		"  --present kms|sdl|none   kms: take DRM master and show the stream full screen on\n"
		"                           a connector (a kiosk; input from every keyboard and\n"
		"                           pointer unless --input-device says otherwise; the\n"
		"                           release hotkey quits); sdl: a window whose keyboard\n"
		"                           and mouse go to the host (the release hotkey quits);\n"
		"                           none: show nothing. Default: sdl where WAYLAND_DISPLAY\n"
		"                           or DISPLAY is set, kms on a text console with a free\n"
		"                           card, else none (and a line saying so); none with\n"
		"                           --snapshot or --record\n"
		"  --device PATH            kms: the card (default: the first with a connected\n"
		"                           connector)\n"
		"  --output NAME            kms: the connector (default: the first connected)\n"
		"  --mode WxH               kms: the mode (default: the stream's size if the\n"
		"                           connector offers it, else its preferred mode)\n"
		"  --vt PATH|none           kms: release the display when this VT is switched\n"
		"                           away from, take it back on return (default:\n"
		"                           standard input when it is a VT)\n"
		"  --fullscreen             sdl: the whole screen, the stream letterboxed\n"
		"  --stats-hotkey KEYS      sdl: show or hide the stats overlay (fps, bitrate,\n"
		"                           latency, RTT, dropped frames; default " STATS_HOTKEY
		")\n"
		"  --font FILE              sdl: the overlay's TrueType font (default\n"
		"                           " DEFAULT_FONT ")\n"
		"  --view-only              ask for a session without input\n"
		"  --clipboard MODE         sdl: both (default), to-client (take the host's text\n"
		"                           only), to-host (give this machine's only) or off; the\n"
		"                           host decides too (kmscastd --clipboard). kms and none\n"
		"                           have no local clipboard: nothing is taken or given\n"
		"  --clipboard-out FILE     write each text the host's clipboard gives to FILE\n"
		"                           (replaced whole; scripts, and viewers without a window)\n"
		"  --send-clipboard FILE    once the host says it takes text, give it FILE's\n"
		"                           contents as this viewer's clipboard (scripts, tests)\n"
		"  --max-size WxH           refuse a stream larger than this (default 7680x4320,\n"
		"                           8K, the largest mode a display here could show)\n"
		"  --hwdec auto|vaapi|none  decode h264/hevc through VA-API where it can (auto,\n"
		"                           the default), only through it, or in software\n"
		"  --input-device PATH      forward this evdev device's keys and pointer (repeatable;\n"
		"                           'auto': every keyboard and pointer, found through\n"
		"                           libudev, hotplugged ones too); grabbed exclusively\n"
		"  --no-grab                forward without grabbing: this machine sees them too\n"
		"  --release-hotkey KEYS    ungrab, and with --no-grab quit (default\n"
		"                           " HOTKEY_DEFAULT "); pressed again, grab again\n"
		"  --send-input EVENTS      after the first frame, send evdev events given as\n"
		"                           TYPE:CODE:VALUE,... (scripts and tests); a final\n"
		"                           SYN_REPORT (0:0:0) is added when missing\n"
		"  --no-decode              take and acknowledge frames without decoding them:\n"
		"                           many viewers on one machine, for load tests (implies\n"
		"                           --present none; --stats then times capture to received)\n"
		"  --stats                  a line per second: fps, bitrate, latency, RTT; one\n"
		"                           when the first frame arrives; at the end\n"
		"                           capture-to-decoded latency p50 and p99\n"
		"  --connect-timeout MS     give up connecting after MS (default 10000)\n"
		"  -v, --verbose            more detail\n"
		"  -h, --help               show this help\n"
		"\n"
		"Exit status: 0 ok, 1 connection failed or lost, 2 usage, 3 refused by the\n"
		"server, 4 server key unknown or changed, 5 protocol version mismatch,\n"
		"6 protocol error.\n");
}

/* "TYPE:CODE:VALUE,..." into events; the protocol's bounds apply. */
static void parse_input(const char *spec, struct options *o)
{
	const char *p = spec;
	o->input_count = 0;
	while (*p) {
		unsigned t, c;
		int v, n = 0;
		if (o->input_count == PROTO_MAX_INPUT_EVENTS ||
		    sscanf(p, "%u:%u:%d%n", &t, &c, &v, &n) != 3 || t > 0x1f || c > 0x2ff)
			cli_die_usage(PROG,
				      "--send-input wants TYPE:CODE:VALUE,... (at most %d "
				      "events, type <= 31, code <= 767), not '%s'",
				      PROTO_MAX_INPUT_EVENTS, spec);
		o->input[o->input_count++] =
			(struct proto_input_event){(uint16_t)t, (uint16_t)c, v};
		p += n;
		if (*p == ',')
			p++;
		else if (*p)
			cli_die_usage(PROG, "--send-input: unexpected '%s'", p);
	}
	/* The wire takes whole evdev frames. */
	if (!o->input_count)
		cli_die_usage(PROG, "--send-input wants at least one event");
	const struct proto_input_event *last = &o->input[o->input_count - 1];
	if (last->type || last->code || last->value) {
		if (o->input_count == PROTO_MAX_INPUT_EVENTS)
			cli_die_usage(PROG, "--send-input: no room for the final SYN_REPORT");
		o->input[o->input_count++] = (struct proto_input_event){0, 0, 0};
	}
}

/* Standard input is a text console: a VT, tty1..tty63 (major 4). */
static bool stdin_is_vt(void)
{
	struct stat st;
	return isatty(STDIN_FILENO) && fstat(STDIN_FILENO, &st) == 0 && S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 4 && minor(st.st_rdev) >= 1 && minor(st.st_rdev) <= 63;
}

/* No --present: an SDL window where there is a display, the kiosk
 * presenter on a bare console with a free card, else none, said once. */
static const char *default_present(struct options *o)
{
	const char *w = getenv("WAYLAND_DISPLAY"), *x = getenv("DISPLAY");
	struct present_env e = {.wayland = w && *w,
				.x11 = x && *x,
				.keeps_output = o->snapshot || o->record};
	char why[400];
	if (!e.keeps_output && !e.wayland && !e.x11) {
		e.bare_vt = stdin_is_vt();
		int fd = e.bare_vt ? kms_open_free_card(o->free_card, sizeof(o->free_card)) : -1;
		e.free_card = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	enum present_kind k = present_choose(&e, why, sizeof(why));
	if (k == PRESENT_KMS && !o->show.device)
		o->show.device = o->free_card; /* not the first card, which may be taken */
	if (why[0] && (k == PRESENT_NONE || o->verbose))
		fprintf(stderr, PROG ": %s\n", why);
	return present_kind_name(k);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum {
		O_CONFIG = 256,
		O_CERT,
		O_KEY,
		O_ACCEPT,
		O_SFP,
		O_HOSTCA,
		O_FRAMES,
		O_PRESENT,
		O_VIEW,
		O_STATS,
		O_CTIMEOUT,
		O_SNAPSHOT,
		O_CURSOR,
		O_CURSOR_RAW,
		O_RECORD,
		O_INPUT,
		O_HWDEC,
		O_INDEV,
		O_NOGRAB,
		O_HOTKEY,
		O_DEVICE,
		O_OUTPUT,
		O_MODE,
		O_FULLSCREEN,
		O_STATSKEY,
		O_FONT,
		O_VT,
		O_MAXSIZE,
		O_NODECODE,
		O_DOMAIN,
		O_JSON,
		O_TIMEOUT,
		O_ANYFREE,
		O_CLIPBOARD,
		O_CLIPOUT,
		O_CLIPSEND
	};
	static const struct option longopts[] = {
		{"config-dir", required_argument, NULL, O_CONFIG},
		{"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY},
		{"accept-new", no_argument, NULL, O_ACCEPT},
		{"server-fingerprint", required_argument, NULL, O_SFP},
		{"host-ca", required_argument, NULL, O_HOSTCA},
		{"frames", required_argument, NULL, O_FRAMES},
		{"present", required_argument, NULL, O_PRESENT},
		{"view-only", no_argument, NULL, O_VIEW},
		{"clipboard", required_argument, NULL, O_CLIPBOARD},
		{"clipboard-out", required_argument, NULL, O_CLIPOUT},
		{"send-clipboard", required_argument, NULL, O_CLIPSEND},
		{"hwdec", required_argument, NULL, O_HWDEC},
		{"stats", no_argument, NULL, O_STATS},
		{"connect-timeout", required_argument, NULL, O_CTIMEOUT},
		{"snapshot", required_argument, NULL, O_SNAPSHOT},
		{"cursor", no_argument, NULL, O_CURSOR},
		{"cursor-raw", required_argument, NULL, O_CURSOR_RAW},
		{"record", required_argument, NULL, O_RECORD},
		{"send-input", required_argument, NULL, O_INPUT},
		{"input-device", required_argument, NULL, O_INDEV},
		{"no-grab", no_argument, NULL, O_NOGRAB},
		{"release-hotkey", required_argument, NULL, O_HOTKEY},
		{"device", required_argument, NULL, O_DEVICE},
		{"output", required_argument, NULL, O_OUTPUT},
		{"mode", required_argument, NULL, O_MODE},
		{"fullscreen", no_argument, NULL, O_FULLSCREEN},
		{"vt", required_argument, NULL, O_VT},
		{"stats-hotkey", required_argument, NULL, O_STATSKEY},
		{"font", required_argument, NULL, O_FONT},
		{"max-size", required_argument, NULL, O_MAXSIZE},
		{"no-decode", no_argument, NULL, O_NODECODE},
		{"domain", required_argument, NULL, O_DOMAIN},
		{"json", no_argument, NULL, O_JSON},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"any-free", no_argument, NULL, O_ANYFREE},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.connect_ms = 10000,
			      .max_w = 7680,
			      .max_h = 4320,
			      .clip_in = true,
			      .clip_out = true};
	o->devices.grab = true;
	o->devices.hotkey_text = HOTKEY_DEFAULT;
	o->show.font = DEFAULT_FONT;
	struct input_options *d = &o->devices;
	const char *stats_key = STATS_HOTKEY;
	char err[256];
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONFIG: o->config_dir = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_ACCEPT: o->accept_new = true; break;
		case O_SFP: o->server_fp = optarg; break;
		case O_HOSTCA: o->host_ca = optarg; break;
		case O_DOMAIN:
			/* Goes into DNS queries: a name of letters, digits, '-', '.', '_'. */
			if (!*optarg || strlen(optarg) > 200 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789-._") != strlen(optarg))
				cli_die_usage(PROG, "--domain wants a DNS domain, not '%s'",
					      optarg);
			o->domain = optarg;
			break;
		case O_JSON: o->json = true; break;
		case O_TIMEOUT:
			o->browse_ms = (unsigned)cli_uint(PROG, "--timeout", optarg, 1, 60) * 1000;
			break;
		case O_ANYFREE: o->any_free = true; break;
		case O_FRAMES: o->frames = cli_uint(PROG, "--frames", optarg, 1, 1000000000); break;
		case O_PRESENT: o->present = optarg; break;
		case O_VIEW: o->view_only = true; break;
		case O_CLIPOUT: o->clip_file = optarg; break;
		case O_CLIPSEND: o->clip_send = optarg; break;
		case O_CLIPBOARD:
			if (!strcmp(optarg, "both"))
				o->clip_in = o->clip_out = true;
			else if (!strcmp(optarg, "to-client") || !strcmp(optarg, "to-host") ||
				 !strcmp(optarg, "off")) {
				o->clip_in = !strcmp(optarg, "to-client");
				o->clip_out = !strcmp(optarg, "to-host");
			} else
				cli_die_usage(PROG,
					      "--clipboard wants both, to-client, to-host or off, "
					      "not '%s'",
					      optarg);
			break;
		case O_HWDEC:
			if (decoder_parse_hw(optarg, &o->hwdec) != 0)
				cli_die_usage(PROG, "--hwdec wants auto, vaapi or none, not '%s'",
					      optarg);
			break;
		case O_STATS: o->stats = true; break;
		case O_CTIMEOUT:
			o->connect_ms =
				(unsigned)cli_uint(PROG, "--connect-timeout", optarg, 100, 600000);
			break;
		case O_SNAPSHOT: o->snapshot = optarg; break;
		case O_CURSOR: o->cursor = true; break;
		case O_CURSOR_RAW: o->cursor_raw = optarg; break;
		case O_RECORD: o->record = optarg; break;
		case O_INPUT: parse_input(optarg, o); break;
		case O_INDEV:
			if (strcmp(optarg, "auto") == 0)
				d->discover = true;
			else if (d->npaths == INPUT_MAX_PATHS)
				cli_die_usage(PROG, "--input-device: at most %d", INPUT_MAX_PATHS);
			else
				d->paths[d->npaths++] = optarg;
			break;
		case O_NOGRAB: d->grab = false; break;
		case O_HOTKEY: d->hotkey_text = optarg; break;
		case O_DEVICE: o->show.device = optarg; break;
		case O_OUTPUT: o->show.output = optarg; break;
		case O_MODE:
			if (kms_parse_size(optarg, &o->show.mode_w, &o->show.mode_h) != 0)
				cli_die_usage(PROG, "--mode wants WxH, not '%s'", optarg);
			break;
		case O_MAXSIZE: {
			uint32_t w, h;
			if (kms_parse_size(optarg, &w, &h) != 0 || w < 1 || h < 1 ||
			    w > PROTO_MAX_DIMENSION || h > PROTO_MAX_DIMENSION)
				cli_die_usage(PROG, "--max-size wants WxH up to %ux%u, not '%s'",
					      PROTO_MAX_DIMENSION, PROTO_MAX_DIMENSION, optarg);
			o->max_w = w;
			o->max_h = h;
			break;
		}
		case O_NODECODE: o->no_decode = true; break;
		case O_FULLSCREEN: o->show.fullscreen = true; break;
		case O_VT: o->show.vt = optarg; break;
		case O_STATSKEY: stats_key = optarg; break;
		case O_FONT: o->show.font = optarg; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: cli_die_usage(PROG, "unknown option");
		}
	}
	if (o->snapshot && !o->frames)
		o->frames = 1;
	if (o->cursor && !o->snapshot)
		cli_die_usage(PROG, "--cursor goes with --snapshot");
	if (o->cursor_raw && !o->snapshot)
		cli_die_usage(PROG, "--cursor-raw goes with --snapshot");
	if (o->no_decode &&
	    (o->snapshot || o->record || (o->present && strcmp(o->present, "none"))))
		cli_die_usage(PROG, "--no-decode has no picture: it goes with --present none, "
				    "not with --snapshot or --record");
	if (hotkey_parse(d->hotkey_text, &d->hotkey, err, sizeof(err)) != 0)
		cli_die_usage(PROG, "--release-hotkey: %s", err);
	if (o->view_only && (d->npaths || d->discover))
		cli_die_usage(PROG, "--view-only sends no input: drop --input-device");
	d->verbose = o->verbose;
	/* The subcommand is the first word that is not an option. */
	if (optind < argc &&
	    (strcmp(argv[optind], "id") == 0 || strcmp(argv[optind], "pair") == 0 ||
	     strcmp(argv[optind], "browse") == 0))
		o->cmd = argv[optind++];
	bool browse = o->cmd && strcmp(o->cmd, "browse") == 0;
	if (o->cmd && o->any_free)
		cli_die_usage(PROG, "--any-free goes with a session, not '%s'", o->cmd);
	if ((o->json && !browse) || (o->domain && o->cmd && !browse))
		cli_die_usage(PROG, "--json goes with browse; --domain with browse, --any-free or "
				    "a HOST");
	int want = o->any_free || browse ? 0 : !o->cmd ? 1 : strcmp(o->cmd, "pair") == 0 ? 2 : 0;
	if (argc - optind != want)
		cli_die_usage(PROG,
			      want == 0 && o->any_free ? "--any-free takes no HOST"
			      : want == 0              ? "'%s' takes no arguments"
			      : want == 1              ? "want one HOST[:PORT] (or --any-free)"
						       : "'pair' wants HOST[:PORT] and CODE",
			      o->cmd);
	if (want >= 1)
		o->target = argv[optind];
	if (want == 2)
		o->code = argv[optind + 1];
	if (!!o->cert != !!o->key)
		cli_die_usage(PROG, "--cert and --key go together");
	if (!o->present)
		o->present = o->cmd || o->no_decode ? "none" : default_present(o);
	bool kms = strcmp(o->present, "kms") == 0, sdl = strcmp(o->present, "sdl") == 0;
	if (!kms && !sdl && strcmp(o->present, "none") != 0)
		cli_die_usage(PROG, "--present wants kms, sdl or none, not '%s'", o->present);
	if (!kms && (o->show.device || o->show.output || o->show.mode_w || o->show.vt))
		cli_die_usage(PROG, "--device, --output, --mode and --vt go with --present kms");
	if (!sdl && (o->show.fullscreen || stats_key != (const char *)STATS_HOTKEY ||
		     o->show.font != (const char *)DEFAULT_FONT))
		cli_die_usage(PROG,
			      "--fullscreen, --stats-hotkey and --font go with --present sdl");
	if (sdl && hotkey_parse(stats_key, &d->stats_hotkey, err, sizeof(err)) != 0)
		cli_die_usage(PROG, "--stats-hotkey: %s", err);
	/* A kiosk forwards every keyboard and pointer; its hotkey and a
	 * window's end the session. */
	if (kms && !o->view_only && !d->npaths)
		d->discover = true;
	d->hotkey_quits = kms || sdl;
	o->show.verbose = o->verbose;
	uint8_t fp[FP_SIZE];
	if (o->server_fp && fp_parse(o->server_fp, strlen(o->server_fp), fp) != 0)
		cli_die_usage(PROG, "--server-fingerprint wants sha256: and 64 hex digits, "
				    "as 'kmscastd id' prints");
	if (!!o->server_fp + !!o->host_ca + o->accept_new > 1)
		cli_die_usage(PROG, "use one of --server-fingerprint, --host-ca and --accept-new");
}

static void config_dir(const struct options *o, char *out, size_t len)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (o->config_dir)
		snprintf(out, len, "%s", o->config_dir);
	else if (x && *x == '/')
		snprintf(out, len, "%s/kmscast", x);
	else
		snprintf(out, len, "%s/.config/kmscast", home && *home ? home : ".");
}

static int load_identity(const struct options *o, struct ident **id)
{
	char dir[PATH_MAX], err[512];
	config_dir(o, dir, sizeof(dir));
	int r = ident_load(o->cert, o->key, dir, "kmscast client", IDENT_NATIVE, id, err,
			   sizeof(err));
	if (r)
		fprintf(stderr, PROG ": %s\n", err);
	return r;
}

static void finish(struct client *cl, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records the exit status (the first reason wins) and prints why. */
static void finish(struct client *cl, int code, const char *fmt, ...)
{
	if (cl->exit_set)
		return;
	cl->exit_set = true;
	cl->exit_code = code;
	if (fmt) {
		va_list ap;
		fprintf(stderr, PROG ": ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

static int connect_tcp(struct client *cl, char *err, size_t len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res;
	char ps[8];
	int fd = -1, e = 0;

	snprintf(ps, sizeof(ps), "%u", cl->port);
	if (cl->addr[0])
		hints.ai_flags |= AI_NUMERICHOST;
	int r = getaddrinfo(cl->addr[0] ? cl->addr : cl->host, ps, &hints, &res);
	if (r) {
		snprintf(err, len, "cannot resolve %s: %s", cl->host, gai_strerror(r));
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno == EINPROGRESS) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			socklen_t sl = sizeof(e);
			if (poll(&p, 1, (int)cl->o->connect_ms) != 1)
				e = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
				e = errno;
			errno = e;
		} else if (errno != 0 && errno != EINPROGRESS) {
			e = errno;
		} else {
			e = 0;
		}
		if (e) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, len, "cannot connect to %s: %s", cl->hostport, strerror(e));
	return fd;
}

static int pin_line(struct client *cl, const char *key, const char *note)
{
	char line[900], err[512], fp[FP_STR_SIZE], dir[PATH_MAX];
	fp_format(cl->server_fp, fp);
	snprintf(line, sizeof(line), "%s %s  # %s", key, fp, note);
	/* With --cert nothing made the config folder yet. */
	config_dir(cl->o, dir, sizeof(dir));
	int r = fileio_mkdirs(dir, 0700, err, sizeof(err));
	if (!r)
		r = fileio_append_line(cl->known_hosts, line, TRUST_MAX_FILE, 0600, err,
				       sizeof(err));
	if (r)
		fprintf(stderr, PROG ": %s\n", err);
	return r;
}

/* Pins the host's key under HOST:PORT and, for a host found by browsing,
 * under its instance too (whose target may change). */
static int pin_host(struct client *cl, const char *note)
{
	int r = pin_line(cl, cl->hostport, note);
	if (!r && cl->browsed) {
		char n[400];
		snprintf(n, sizeof(n), "%s, announced at %s", note, cl->hostport);
		r = pin_line(cl, cl->instance_key, n);
	}
	return r;
}

/* known_hosts' word on key: 1 and its pin, 0 when it has none, or -1
 * after finish (the file cannot be read or parsed). */
static int known_host(struct client *cl, const char *key, uint8_t pinned[FP_SIZE], unsigned *line)
{
	char *text = NULL, err[512];
	size_t n = 0;
	int r = fileio_read_all(cl->known_hosts, TRUST_MAX_FILE, &text, &n, err, sizeof(err));
	if (r && r != -ENOENT) {
		finish(cl, EXIT_HOST_KEY, "%s", err);
		return -1;
	}
	r = r ? 0 : trust_known_hosts_find(text, n, key, pinned, line, err, sizeof(err));
	free(text);
	if (r < 0) {
		finish(cl, EXIT_HOST_KEY, "%s: %s", cl->known_hosts, err);
		return -1;
	}
	return r;
}

static void key_changed(struct client *cl, const char *who, const uint8_t pinned[FP_SIZE],
			unsigned line)
{
	char want[FP_STR_SIZE], got[FP_STR_SIZE];
	fp_format(pinned, want);
	fp_format(cl->server_fp, got);
	finish(cl, EXIT_HOST_KEY,
	       "WARNING: THE KEY OF %s HAS CHANGED!\n"
	       "  pinned:    %s (%s line %u)\n"
	       "  presented: %s\n"
	       "Someone may be intercepting this connection, or the host was reinstalled.\n"
	       "Refusing to connect. If the change is expected, remove line %u of %s.",
	       who, want, cl->known_hosts, line, got, line, cl->known_hosts);
}

/* A host found by browsing, checked against known_hosts: its instance's
 * pin first (the announcement chooses the target, so the instance is what
 * the user asked for), then its target's. Never pinned on first use: an
 * announcement can point anywhere. */
static bool verify_browsed(struct client *cl)
{
	char got[FP_STR_SIZE], who[400];
	uint8_t pi[FP_SIZE], pt[FP_SIZE];
	unsigned li = 0, lt = 0;
	fp_format(cl->server_fp, got);
	snprintf(who, sizeof(who), "%s (announced at %s)", cl->instance, cl->hostport);
	int ri = known_host(cl, cl->instance_key, pi, &li);
	int rt = ri < 0 ? -1 : known_host(cl, cl->hostport, pt, &lt);
	if (rt < 0)
		return false;
	if (ri == 1 && memcmp(pi, cl->server_fp, FP_SIZE) != 0) {
		key_changed(cl, who, pi, li);
		return false;
	}
	if (rt == 1 && memcmp(pt, cl->server_fp, FP_SIZE) != 0) {
		key_changed(cl, who, pt, lt);
		return false;
	}
	if (ri == 1 && rt == 0) {
		/* The same key, somewhere new: say so loudly, then follow it. */
		fprintf(stderr,
			PROG ": WARNING: %s is now announced at %s, a target it was not pinned at "
			     "(%s line %u); its key is the one pinned for it, so connecting\n",
			cl->instance, cl->hostport, cl->known_hosts, li);
		return pin_line(cl, cl->hostport, "pinned for its instance, announced here") == 0 ||
		       (finish(cl, EXIT_LOST, NULL), false);
	}
	if (ri == 1)
		return true;
	if (rt == 1) {
		/* Pinned by its address before: the instance is that host. */
		char n[400];
		snprintf(n, sizeof(n), "pinned at %s before, announced there", cl->hostport);
		return pin_line(cl, cl->instance_key, n) == 0 ||
		       (finish(cl, EXIT_LOST, NULL), false);
	}
	finish(cl, EXIT_HOST_KEY,
	       "the key of %s is unknown: %s\n"
	       "It was found by browsing, and an announcement can point anywhere, so it is not "
	       "pinned on first use%s.\n"
	       "Check the key against 'kmscastd id' on %s, then re-run with "
	       "--server-fingerprint %s (which pins it), or pair with 'kmscast pair'.",
	       who, got, cl->o->accept_new ? " (not even with --accept-new)" : "", cl->instance,
	       got);
	return false;
}

/* Decides whether the server's key is the one we trust. */
static bool verify_server(struct client *cl)
{
	char got[FP_STR_SIZE], why[256];
	uint8_t pinned[FP_SIZE];
	unsigned line = 0;

	fp_format(cl->server_fp, got);
	if (cl->o->server_fp) {
		uint8_t want[FP_SIZE];
		fp_parse(cl->o->server_fp, strlen(cl->o->server_fp), want);
		if (memcmp(want, cl->server_fp, FP_SIZE) == 0) {
			/* A browsed host the user checked: pinned, so its name works next time. */
			if (cl->browsed && known_host(cl, cl->instance_key, pinned, &line) == 0 &&
			    pin_host(cl, "confirmed by --server-fingerprint") == 0)
				fprintf(stderr, PROG ": pinned %s (%s) as %s in %s\n", cl->instance,
					cl->hostport, got, cl->known_hosts);
			return true;
		}
		finish(cl, EXIT_HOST_KEY,
		       "%s presented key %s, not the --server-fingerprint %s; "
		       "refusing to connect",
		       cl->hostport, got, cl->o->server_fp);
		return false;
	}
	if (cl->o->host_ca) {
		if (tls_peer_chain_ok(conn_ssl(cl->conn), why, sizeof(why)))
			return true;
		finish(cl, EXIT_HOST_KEY,
		       "%s's certificate is not trusted by --host-ca %s for "
		       "host '%s': %s",
		       cl->hostport, cl->o->host_ca,
		       cl->browsed && !cl->bound ? cl->instance : cl->host, why);
		return false;
	}
	if (cl->browsed)
		return verify_browsed(cl);
	int r = known_host(cl, cl->hostport, pinned, &line);
	if (r < 0)
		return false;
	if (r == 1 && memcmp(pinned, cl->server_fp, FP_SIZE) == 0)
		return true;
	if (r == 1) {
		key_changed(cl, cl->hostport, pinned, line);
		return false;
	}
	if (cl->o->accept_new) {
		if (pin_host(cl, "pinned on first use") != 0) {
			finish(cl, EXIT_LOST, NULL);
			return false;
		}
		fprintf(stderr, PROG ": pinned %s as %s in %s\n", cl->hostport, got,
			cl->known_hosts);
		return true;
	}
	finish(cl, EXIT_HOST_KEY,
	       "the key of %s is unknown: %s\n"
	       "Check it against 'kmscastd id' on the host, then re-run with --accept-new or "
	       "--server-fingerprint %s, or pair with 'kmscast pair'.",
	       cl->hostport, got, got);
	return false;
}

static void send_hello(struct client *cl, uint16_t flags)
{
	struct proto_msg m = {.type = PROTO_HELLO};
	m.u.hello.version = PROTO_VERSION;
	m.u.hello.flags = flags;
	m.u.hello.codecs =
		1u << PROTO_CODEC_LOSSLESS | 1u << PROTO_CODEC_H264 | 1u << PROTO_CODEC_HEVC;
	/* Synthetic frames (kmscastd --source test) have no picture: taken
	 * only where nothing is shown or written, as in transport tests. */
	if (!cl->o->snapshot && !cl->o->record && !strcmp(cl->o->present, "none"))
		m.u.hello.codecs |= 1u << PROTO_CODEC_TEST;
	m.u.hello.input_kinds = cl->o->view_only ? 0 : PROTO_INPUT_ALL;
	m.u.hello.max_width = (uint16_t)cl->o->max_w;
	m.u.hello.max_height = (uint16_t)cl->o->max_h;
	snprintf(m.u.hello.name, sizeof(m.u.hello.name), "kmscast %d", (int)getpid());
	m.u.hello.name_len = (uint8_t)strlen(m.u.hello.name);
	conn_send(cl->conn, &m);
}

static void on_open(struct conn *c, void *data)
{
	struct client *cl = data;
	if (tls_peer_fingerprint(conn_ssl(c), cl->server_fp) != 0) {
		finish(cl, EXIT_HOST_KEY, "%s sent no certificate", cl->hostport);
		conn_close(c, PROTO_ERR_HOST_KEY, "the server sent no certificate");
		return;
	}
	if (cl->o->cmd) { /* pairing: the proofs decide, not a pin */
		struct proto_msg m = {.type = PROTO_PAIR_REQUEST};
		send_hello(cl, PROTO_HELLO_PAIRING);
		pair_proof(cl->pair_key, false, cl->id->fp, cl->server_fp, m.u.pair_proof);
		conn_send(c, &m);
		return;
	}
	if (!verify_server(cl)) {
		conn_close(c, PROTO_ERR_HOST_KEY, "the client does not trust this server's key");
		return;
	}
	if (cl->o->verbose)
		fprintf(stderr, PROG ": connected to %s (%s)%s\n", cl->hostport,
			SSL_get_version(conn_ssl(c)), conn_ktls_send(c) ? " with kTLS" : "");
	uint16_t flags = cl->o->view_only ? PROTO_HELLO_VIEW_ONLY : 0;
	/* Only a window has a clipboard of its own; scripts have files. */
	bool sdl = strcmp(cl->o->present, "sdl") == 0;
	if (!(sdl || cl->o->clip_file) || !cl->o->clip_in)
		flags |= PROTO_HELLO_NO_CLIP_IN;
	if (!(sdl || cl->o->clip_send) || !cl->o->clip_out || cl->o->view_only)
		flags |= PROTO_HELLO_NO_CLIP_OUT;
	send_hello(cl, flags);
}

static void on_pair_result(struct client *cl, const struct proto_pair_result *p)
{
	uint8_t want[PAIR_PROOF_SIZE];
	char fp[FP_STR_SIZE];
	pair_proof(cl->pair_key, true, cl->server_fp, cl->id->fp, want);
	if (!p->ok || CRYPTO_memcmp(want, p->proof, sizeof(want)) != 0) {
		finish(cl, EXIT_HOST_KEY,
		       "%s could not prove it knows the pairing code; "
		       "nothing was pinned",
		       cl->hostport);
		conn_close(cl->conn, PROTO_ERR_PAIRING, "bad pairing proof from the server");
		return;
	}
	if (pin_host(cl, "paired") != 0) {
		finish(cl, EXIT_LOST, NULL);
		conn_close(cl->conn, 0, NULL);
		return;
	}
	fp_format(cl->server_fp, fp);
	printf("paired with %s; pinned %s in %s\n", cl->hostport, fp, cl->known_hosts);
	finish(cl, EXIT_OK, NULL);
	conn_close(cl->conn, 0, NULL);
}

static void write_snapshot(struct client *cl)
{
	size_t n = (size_t)cl->config.width * cl->config.height * 3;
	uint8_t *img = malloc(n);
	char err[512];
	if (!img) {
		finish(cl, EXIT_LOST, "out of memory for the snapshot");
		return;
	}
	memcpy(img, decoder_rgb(cl->dec), n);
	if (cl->o->cursor && cl->cursor_visible && cl->cursor_w)
		format_blend_cursor(img, cl->config.width, cl->config.height,
				    (int64_t)cl->cursor_x - cl->hot_x,
				    (int64_t)cl->cursor_y - cl->hot_y, cl->cursor_img, cl->cursor_w,
				    cl->cursor_h, cl->cursor_w * 4u);
	int r = pngio_write_rgb8(cl->o->snapshot, img, cl->config.width, cl->config.height, err,
				 sizeof(err));
	if (r == 0 && cl->o->cursor_raw) {
		r = fileio_write_atomic(cl->o->cursor_raw, cl->cursor_img,
					(size_t)cl->cursor_w * cl->cursor_h * 4, 0644, err,
					sizeof(err));
		printf("cursor %ux%u at %d,%d hotspot %u,%u %s\n", cl->cursor_w, cl->cursor_h,
		       cl->cursor_x, cl->cursor_y, cl->hot_x, cl->hot_y,
		       cl->cursor_visible ? "visible" : "hidden");
	}
	if (r != 0)
		finish(cl, EXIT_LOST, "%s", err);
	else
		finish(cl, EXIT_OK, NULL);
	free(img);
}

static void request_keyframe(struct client *cl)
{
	if (cl->key_requested)
		return;
	struct proto_msg m = {.type = PROTO_KEYFRAME_REQUEST};
	if (conn_send(cl->conn, &m) == 0)
		cl->key_requested = true;
}

static void record(struct client *cl, const struct proto_video_frame *f, bool picture)
{
	char err[512];
	int r = 0;
	if (!cl->rec)
		return;
	if (cl->config.codec == PROTO_CODEC_H264 || cl->config.codec == PROTO_CODEC_HEVC)
		r = recorder_packet(cl->rec, f, err, sizeof(err));
	else if (cl->config.codec == PROTO_CODEC_LOSSLESS && picture)
		r = recorder_picture(cl->rec, decoder_rgb(cl->dec), f->capture_us, err,
				     sizeof(err));
	if (r < 0) {
		finish(cl, EXIT_LOST, "recording stopped: %s", err);
		conn_close(cl->conn, 0, NULL);
	}
}

/* One INPUT message: --send-input's events, or a batch from local devices. */
static int send_events(struct client *cl, const struct proto_input_event *evs, unsigned n)
{
	uint8_t raw[PROTO_MAX_INPUT_EVENTS * 8];
	struct proto_msg m = {.type = PROTO_INPUT};
	proto_input_pack(evs, n, raw);
	m.u.input = (struct proto_input){(uint16_t)n, raw};
	return conn_send(cl->conn, &m);
}

static void add_latency(struct client *cl, uint64_t capture_us)
{
	uint64_t now = wall_us();
	uint64_t lat = now - capture_us;
	if (now >= capture_us && lat < 60000000u) {
		cl->latency_sum_us += lat;
		cl->latency_n++;
		hist_add(&cl->latency, lat);
	}
}

/* Frames that count for --frames: decoded ones, or with --no-decode
 * every one that arrived whole. */
static unsigned long taken(const struct client *cl)
{
	return cl->o->no_decode ? cl->frames : cl->decoded;
}

static void ack_frame(struct client *cl, const struct proto_video_frame *f)
{
	struct proto_msg ack = {.type = PROTO_FRAME_ACK};
	ack.u.ack_seq = f->seq;
	conn_send(cl->conn, &ack);
	if (cl->o->frames && taken(cl) >= cl->o->frames && !cl->exit_set) {
		if (cl->o->snapshot)
			write_snapshot(cl);
		else
			finish(cl, EXIT_OK, NULL);
		conn_close(cl->conn, 0, NULL);
	}
}

static void on_frame(struct client *cl, const struct proto_video_frame *f)
{
	char err[256];
	if (!cl->have_config || !cl->dec) {
		finish(cl, EXIT_PROTOCOL, "%s sent a frame before the stream config", cl->hostport);
		conn_close(cl->conn, PROTO_ERR_PROTOCOL, "VIDEO_FRAME before STREAM_CONFIG");
		return;
	}
	if (cl->o->frames && taken(cl) >= cl->o->frames)
		return; /* in flight when we left after --frames */
	if (cl->frames && f->seq != cl->last_seq + 1) {
		cl->gaps++;
		if (cl->o->verbose)
			fprintf(stderr, PROG ": frame %u after %u\n", f->seq, cl->last_seq);
	}
	if (!cl->frames) {
		cl->first_seq = f->seq;
		if (cl->o->stats) /* before decoding it: when the host had sent it */
			fprintf(stderr, "stats: first frame received %.1f ms after connecting\n",
				(double)(mono_us() - cl->start_us) / 1000.0);
	}
	cl->last_seq = f->seq;
	cl->frames++;
	cl->stat_frames++;
	cl->bytes += f->payload_len;
	cl->stat_bytes += f->payload_len;
	if (f->flags & PROTO_FRAME_KEYFRAME)
		cl->key_requested = false;
	if (cl->o->no_decode) {
		add_latency(cl, f->capture_us);
		ack_frame(cl, f);
		return;
	}
	int r = decoder_decode(cl->dec, f, err, sizeof(err));
	if (r < 0) {
		cl->decode_errors++;
		if (cl->config.codec == PROTO_CODEC_TEST)
			cl->bad_payloads++;
		else if (cl->o->verbose || cl->decode_errors == 1)
			fprintf(stderr, PROG ": cannot decode %s; asking for a keyframe\n", err);
		if (cl->config.codec != PROTO_CODEC_TEST)
			request_keyframe(cl);
	}
	record(cl, f, r == 1);
	if (r == 1 && !cl->decoded && cl->o->input_count &&
	    send_events(cl, cl->o->input, cl->o->input_count) != 0)
		fprintf(stderr, PROG ": the input events could not be sent\n");
	if (r == 1) {
		cl->decoded++;
		if (cl->present && decoder_rgb(cl->dec)) /* the test codec has no picture */
			present_frame(cl->present, decoder_rgb(cl->dec), f->capture_us);
		add_latency(cl, f->capture_us);
	}
	ack_frame(cl, f);
}

static void on_config(struct client *cl, const struct proto_stream_config *c)
{
	char err[512];
	/* What a trusted server can make us allocate: the picture, its
	 * conversions and the decoder's frames all follow this size. */
	if (c->width > cl->o->max_w || c->height > cl->o->max_h) {
		finish(cl, EXIT_PROTOCOL, "%s streams %ux%u, larger than --max-size %ux%u",
		       cl->hostport, c->width, c->height, cl->o->max_w, cl->o->max_h);
		conn_close(cl->conn, PROTO_ERR_REFUSED,
			   "the stream is larger than this client takes");
		return;
	}
	if (c->codec == PROTO_CODEC_TEST && (cl->o->snapshot || cl->o->record)) {
		finish(cl, EXIT_REFUSED,
		       "%s streams synthetic test frames (kmscastd --source test), "
		       "which have no picture: --snapshot and --record need a real display",
		       cl->hostport);
		conn_close(cl->conn, PROTO_ERR_REFUSED, "the test codec has no picture to keep");
		return;
	}
	bool same = cl->have_config && cl->config.width == c->width &&
		    cl->config.height == c->height && cl->config.codec == c->codec;
	cl->config = *c;
	cl->have_config = true;
	if (cl->input)
		input_set_stream(cl->input, c->width, c->height,
				 !(c->flags & PROTO_CONFIG_VIEW_ONLY));
	if (cl->present)
		present_control(cl->present, !(c->flags & PROTO_CONFIG_VIEW_ONLY));
	if (cl->o->verbose)
		fprintf(stderr, PROG ": stream %ux%u %s at %.3f fps%s\n", c->width, c->height,
			proto_codec_name(c->codec), c->fps_milli / 1000.0,
			c->flags & PROTO_CONFIG_VIEW_ONLY ? " (view only)" : "");
	if (same)
		return;
	decoder_destroy(cl->dec);
	cl->dec = NULL;
	char note[400];
	int r = decoder_create(c, cl->o->hwdec, NULL, &cl->dec, note, sizeof(note), err,
			       sizeof(err));
	if (r != 0) {
		/* --hwdec vaapi that cannot be had is the user's error, not the stream's. */
		finish(cl,
		       cl->o->hwdec == DECODER_HW_VAAPI && r != -ENOTSUP ? EXIT_LOST
									 : EXIT_PROTOCOL,
		       "%s", err);
		conn_close(cl->conn, PROTO_ERR_PROTOCOL, "the client cannot decode this codec");
		return;
	}
	if (note[0] && cl->o->verbose)
		fprintf(stderr, PROG ": %s\n", note);
	if (cl->present &&
	    present_configure(cl->present, c->width, c->height, err, sizeof(err)) != 0) {
		finish(cl, EXIT_LOST, "%s", err);
		conn_close(cl->conn, 0, NULL);
		return;
	}
	if (cl->o->record) {
		if (cl->rec) {
			finish(cl, EXIT_LOST,
			       "the stream changed size or codec; recording stopped");
			conn_close(cl->conn, 0, NULL);
			return;
		}
		if (recorder_create(cl->o->record, c, &cl->rec, err, sizeof(err)) != 0) {
			finish(cl, EXIT_LOST, "%s", err);
			conn_close(cl->conn, 0, NULL);
		}
	}
}

static void on_cursor(struct client *cl, const struct proto_cursor *c)
{
	cl->cursor_visible = c->flags & PROTO_CURSOR_VISIBLE;
	cl->cursor_x = c->x;
	cl->cursor_y = c->y;
	if (c->flags & PROTO_CURSOR_IMAGE) {
		cl->cursor_w = c->width;
		cl->cursor_h = c->height;
		cl->hot_x = c->hot_x;
		cl->hot_y = c->hot_y;
		memcpy(cl->cursor_img, c->argb, (size_t)c->width * c->height * 4);
	}
	if (cl->present) {
		struct present_cursor pc =
			{cl->cursor_visible, c->x,           c->y,
			 cl->cursor_w,       cl->cursor_h,   cl->hot_x,
			 cl->hot_y,          cl->cursor_img, (c->flags & PROTO_CURSOR_IMAGE) != 0};
		present_cursor(cl->present, &pc);
	}
}

static int error_exit(unsigned code)
{
	switch (code) {
	case PROTO_ERR_UNAUTHORIZED:
	case PROTO_ERR_REFUSED:
	case PROTO_ERR_REVOKED:
	case PROTO_ERR_PAIRING: return EXIT_REFUSED;
	case PROTO_ERR_VERSION: return EXIT_VERSION;
	case PROTO_ERR_PROTOCOL: return EXIT_PROTOCOL;
	default: return EXIT_LOST;
	}
}

/* The host's clipboard text, chunk by chunk, into the window's. */
static void on_clipboard(struct client *cl, const struct proto_clipboard *k)
{
	if (!cl->have_clip_policy || !(cl->clip_policy.dirs & PROTO_CLIP_TO_CLIENT)) {
		finish(cl, EXIT_PROTOCOL, "%s sent clipboard text it had not said it would",
		       cl->hostport);
		conn_close(cl->conn, PROTO_ERR_PROTOCOL, "clipboard text outside the policy");
		return;
	}
	int r = clip_rx_feed(&cl->clip_rx, k);
	if (r == -EPROTO) {
		finish(cl, EXIT_PROTOCOL, "%s sent clipboard chunks out of order", cl->hostport);
		conn_close(cl->conn, PROTO_ERR_PROTOCOL, "clipboard chunks out of order");
		return;
	}
	if (r == -EFBIG || r == -EILSEQ) {
		/* Against its own word: said here, and to the host. */
		char why[200];
		snprintf(why, sizeof(why), "the host's text (%u bytes) %s: not taken", k->total,
			 r == -EFBIG ? "is over the limit the host gave" : "is not UTF-8");
		fprintf(stderr, PROG ": clipboard: %s\n", why);
		struct proto_msg m;
		proto_make_clip_notice(&m, r == -EFBIG ? PROTO_CLIP_TOO_BIG : PROTO_CLIP_INVALID,
				       k->total, why);
		conn_send(cl->conn, &m);
		return;
	}
	if (r != CLIP_RX_DONE)
		return;
	cl->clip_last = clip_hash(cl->clip_rx.buf, cl->clip_rx.total);
	cl->clip_any = true;
	if (cl->o->verbose)
		fprintf(stderr, PROG ": clipboard: %u bytes from the host\n", cl->clip_rx.total);
	if (cl->present && cl->present->ops->clipboard)
		cl->present->ops->clipboard(cl->present, (const char *)cl->clip_rx.buf);
	char err[300];
	if (cl->o->clip_file && fileio_write_atomic(cl->o->clip_file, cl->clip_rx.buf,
						    cl->clip_rx.total, 0644, err, sizeof(err)) != 0)
		fprintf(stderr, PROG ": clipboard: %s\n", err);
	clip_rx_reset(&cl->clip_rx);
}

/* This viewer's clipboard changed: to the host, if it takes it. */
static void local_clipboard(struct client *cl, const char *text, size_t len)
{
	uint64_t h = clip_hash((const uint8_t *)text, len);
	if (!cl->conn || !cl->have_clip_policy || (cl->clip_any && h == cl->clip_last))
		return; /* not yet, or what the host just gave us */
	cl->clip_last = h;
	cl->clip_any = true;
	if (!(cl->clip_policy.dirs & PROTO_CLIP_TO_HOST)) {
		/* Said once: a person copying all day needs to hear it once. */
		if (!cl->clip_said_off)
			fprintf(stderr,
				PROG ": clipboard: the host takes none from this viewer: "
				     "this text (%zu bytes) stays here\n",
				len);
		cl->clip_said_off = true;
		return;
	}
	char why[200];
	if (len > cl->clip_policy.max_bytes || !proto_utf8_ok((const uint8_t *)text, len, true)) {
		if (len > cl->clip_policy.max_bytes)
			snprintf(why, sizeof(why),
				 "this text (%zu bytes) is over the host's limit of %u bytes: "
				 "not sent",
				 len, cl->clip_policy.max_bytes);
		else
			snprintf(why, sizeof(why), "this text (%zu bytes) is not UTF-8: not sent",
				 len);
		fprintf(stderr, PROG ": clipboard: %s\n", why);
		struct proto_msg m;
		proto_make_clip_notice(&m,
				       len > cl->clip_policy.max_bytes ? PROTO_CLIP_TOO_BIG
								       : PROTO_CLIP_INVALID,
				       len > UINT32_MAX ? UINT32_MAX : (uint32_t)len, why);
		conn_send(cl->conn, &m);
		return;
	}
	int r = conn_send_clip(cl->conn, (const uint8_t *)text, (uint32_t)len);
	if (r < 0)
		fprintf(stderr, PROG ": clipboard: %zu bytes not sent: %s\n", len, strerror(-r));
	else if (cl->o->verbose)
		fprintf(stderr, PROG ": clipboard: %zu bytes to the host\n", len);
}

static void window_clipboard(void *data, const char *text)
{
	local_clipboard(data, text, strlen(text));
}

/* --send-clipboard: the file's text, once the host has said its policy. */
static void send_clip_file(struct client *cl)
{
	char *text, err[300];
	size_t len;
	if (fileio_read_all(cl->o->clip_send, PROTO_MAX_CLIPBOARD + 1, &text, &len, err,
			    sizeof(err)) != 0) {
		fprintf(stderr, PROG ": clipboard: %s\n", err);
		return;
	}
	local_clipboard(cl, text, len);
	free(text);
}

static void on_message(struct conn *c, const struct proto_msg *m, void *data)
{
	struct client *cl = data;
	/* While pairing the server has proved nothing yet: nothing but what
	 * pairing needs is acted on. */
	if (cl->o->cmd && (m->type == PROTO_STREAM_CONFIG || m->type == PROTO_CURSOR ||
			   m->type == PROTO_VIDEO_FRAME)) {
		finish(cl, EXIT_PROTOCOL, "%s sent %s while pairing, before proving the code",
		       cl->hostport, proto_type_name(m->type));
		conn_close(c, PROTO_ERR_PROTOCOL, "only pairing messages while pairing");
		return;
	}
	switch (m->type) {
	case PROTO_HELLO:
		if (m->u.hello.version != PROTO_VERSION) {
			finish(cl, EXIT_VERSION,
			       "protocol version mismatch: %s speaks %u, this client %u",
			       cl->hostport, m->u.hello.version, PROTO_VERSION);
			conn_close(c, PROTO_ERR_VERSION, "protocol version mismatch");
			return;
		}
		cl->got_hello = true;
		if (cl->o->verbose)
			fprintf(stderr, PROG ": server \"%s\"\n", m->u.hello.name);
		break;
	case PROTO_STREAM_CONFIG: on_config(cl, &m->u.config); break;
	case PROTO_CURSOR: on_cursor(cl, &m->u.cursor); break;
	case PROTO_VIDEO_FRAME: on_frame(cl, &m->u.frame); break;
	case PROTO_PAIR_RESULT: on_pair_result(cl, &m->u.pair); break;
	case PROTO_CLIPBOARD: on_clipboard(cl, &m->u.clip); break;
	case PROTO_CLIPBOARD_POLICY:
		cl->clip_policy = m->u.clip_policy;
		if (!cl->have_clip_policy && cl->o->clip_send) {
			cl->have_clip_policy = true;
			send_clip_file(cl);
		}
		cl->have_clip_policy = true;
		cl->clip_rx.max = m->u.clip_policy.max_bytes;
		if (cl->o->verbose)
			fprintf(stderr, PROG ": clipboard: %s%s%s, at most %u bytes\n",
				m->u.clip_policy.dirs & PROTO_CLIP_TO_CLIENT ? "host to here" : "",
				m->u.clip_policy.dirs == PROTO_CLIP_DIRS_ALL ? " and " : "",
				m->u.clip_policy.dirs & PROTO_CLIP_TO_HOST
					? "here to host"
					: (m->u.clip_policy.dirs ? "" : "off"),
				m->u.clip_policy.max_bytes);
		break;
	case PROTO_CLIPBOARD_NOTICE:
		fprintf(stderr, PROG ": clipboard: %.*s\n", (int)m->u.clip_notice.reason_len,
			m->u.clip_notice.reason);
		break;
	case PROTO_ERROR:
		finish(cl, error_exit(m->u.error.code), "%s: %s: %.*s", cl->hostport,
		       proto_error_code_name(m->u.error.code), (int)m->u.error.reason_len,
		       m->u.error.reason);
		conn_close(c, 0, NULL);
		break;
	case PROTO_BYE:
		finish(cl, EXIT_LOST, "%s ended the session", cl->hostport);
		conn_close(c, 0, NULL);
		break;
	default: break;
	}
}

static void print_summary(const struct client *cl)
{
	if (cl->o->cmd || !cl->have_config)
		return;
	printf("received %lu frames (seq %u-%u), %lu gaps, %lu bad payloads, %lu bytes, "
	       "%lu decoded\n",
	       cl->frames, cl->frames ? cl->first_seq : 0, cl->frames ? cl->last_seq : 0, cl->gaps,
	       cl->bad_payloads, cl->bytes, cl->decoded);
	fflush(stdout);
	if (cl->o->stats && cl->latency.n)
		fprintf(stderr, "stats: capture to %s p50 %.1f ms, p99 %.1f ms over %lu frames\n",
			cl->o->no_decode ? "received" : "decoded",
			hist_quantile(&cl->latency, 0.5) / 1000.0,
			hist_quantile(&cl->latency, 0.99) / 1000.0, (unsigned long)cl->latency.n);
}

static void on_closed(struct conn *c, const char *why, void *data)
{
	struct client *cl = data;
	(void)c;
	cl->conn = NULL;
	finish(cl, EXIT_LOST, "connection to %s lost: %s", cl->hostport, why);
	input_destroy(cl->input); /* ungrabbed: the local machine has its devices back */
	cl->input = NULL;
	present_destroy(cl->present); /* the display as it was */
	cl->present = NULL;
	uv_close((uv_handle_t *)&cl->sig_int, NULL);
	uv_close((uv_handle_t *)&cl->sig_term, NULL);
	uv_close((uv_handle_t *)&cl->stats_timer, NULL);
	/* Closing the handles restores the default actions; a second signal
	 * (timeout(1) sends one to the child and one to its group) must not
	 * kill us while we finish the summary and the recording. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct client *cl = h->data;
	(void)signum;
	finish(cl, EXIT_OK, NULL);
	if (cl->conn)
		conn_close(cl->conn, 0, NULL);
}

static void on_stats(uv_timer_t *t)
{
	struct client *cl = t->data;
	if (!cl->conn)
		return;
	/* With a presenter, latency runs from capture to the flip that shows it. */
	if (cl->present)
		present_take_latency(cl->present, &cl->latency_sum_us, &cl->latency_n);
	struct present_stats ps = {
		.fps = cl->stat_frames,
		.dropped = cl->gaps + (cl->present ? present_dropped(cl->present) : 0),
		.mbit_s = cl->stat_bytes * 8 / 1e6,
		.latency_ms = cl->latency_n ? cl->latency_sum_us / 1000.0 / cl->latency_n : 0.0,
		.rtt_ms = conn_rtt_us(cl->conn) / 1000.0,
	};
	if (cl->present)
		present_stats(cl->present, &ps);
	if (cl->o->stats)
		fprintf(stderr,
			"stats: %lu fps, %.2f Mbit/s, %s latency %.2f ms, rtt %.2f ms, "
			"%lu frames, %lu gaps, %lu dropped\n",
			ps.fps, ps.mbit_s, cl->present ? "present" : "decode", ps.latency_ms,
			ps.rtt_ms, cl->frames, cl->gaps, ps.dropped);
	cl->stat_frames = cl->stat_bytes = 0;
	cl->latency_sum_us = cl->latency_n = 0;
}

static void input_send(void *data, const struct proto_input_event *evs, unsigned n)
{
	struct client *cl = data;
	if (cl->conn && send_events(cl, evs, n) != 0 && cl->o->verbose)
		fprintf(stderr, PROG ": %u input events could not be queued\n", n);
}

static void input_quit(void *data)
{
	struct client *cl = data;
	finish(cl, EXIT_OK, NULL);
	if (cl->conn)
		conn_close(cl->conn, 0, NULL);
}

static void input_stats(void *data)
{
	struct client *cl = data;
	if (cl->present)
		present_toggle_overlay(cl->present);
}

static void window_input(void *data, const struct proto_input_event *evs, unsigned n)
{
	struct client *cl = data;
	if (cl->input)
		input_frame(cl->input, evs, n);
}

static void window_focus_lost(void *data)
{
	struct client *cl = data;
	if (cl->input)
		input_release(cl->input);
}

/* The place DNS-SD gave a host: its SRV target's name (for the host's
 * certificate and known_hosts) and its first address (to connect to). */
static void use_found(struct client *cl, const struct dnssd_host *h)
{
	snprintf(cl->host, sizeof(cl->host), "%s", h->target[0] ? h->target : h->addrs[0]);
	snprintf(cl->addr, sizeof(cl->addr), "%s", h->addrs[0]);
	cl->port = h->port;
}

static bool resolves(const char *name)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return false;
	freeaddrinfo(res);
	return true;
}

/* How long a browse may take: --timeout, else 10 s for a DNS zone; on
 * mDNS 5 s for one name (it ends once that host answers, and a query
 * avahi sends again after 1 and 2 s still fits), 3 s for the list. */
static unsigned browse_ms(const struct options *o, const char *want)
{
	return o->browse_ms ? o->browse_ms : o->domain ? 10000 : want ? 5000 : 3000;
}

static const char *where(const struct options *o, const char *want, char *buf, size_t len)
{
	if (o->domain)
		snprintf(buf, len, "in the DNS zone %s", o->domain);
	else
		snprintf(buf, len, "by mDNS in %u s", browse_ms(o, want) / 1000);
	return buf;
}

/* Browses as the options say (awaiting want, when given); says on stderr
 * when the deadline cut the browse short (what was found still counts).
 * 0, or an exit status. */
static int browse(const struct options *o, const char *want, struct browse_result *found)
{
	char err[512];
	if (browse_run(o->domain, want, browse_ms(o, want), found, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_LOST;
	}
	if (found->late)
		fprintf(stderr, PROG ": warning: %s; listing what answered\n", found->late_why);
	return 0;
}

/* --any-free, or a HOST with no port that DNS does not know (or with
 * --domain): a name DNS-SD announces. 0, or an exit status. */
static int find_target(struct client *cl)
{
	struct options *o = cl->o;
	static struct browse_result found;
	char w[96];
	bool bare = !o->any_free && !strchr(o->target, ':') && !strchr(o->target, '[');

	if (!o->any_free && (!bare || (!o->domain && resolves(cl->host))))
		return 0;
	int r = browse(o, o->any_free ? NULL : cl->host, &found);
	if (r)
		return r;
	const struct dnssd_host *h =
		o->any_free ? browse_pick_free(&found) : browse_find(&found, cl->host);
	if (!h && o->any_free) {
		fprintf(stderr, PROG ": no free host among the %d found %s\n", found.n,
			where(o, NULL, w, sizeof(w)));
		return EXIT_LOST;
	}
	if (!h) {
		fprintf(stderr,
			PROG ": cannot resolve %s: DNS does not know it, and no host of "
			     "that name is announced %s ('kmscast browse' lists them)\n",
			cl->host, where(o, cl->host, w, sizeof(w)));
		return EXIT_LOST;
	}
	use_found(cl, h);
	fprintf(stderr, PROG ": %s: %s (%s) at %s port %u%s\n", o->any_free ? "free" : "found",
		h->name, cl->host, cl->addr, cl->port,
		h->state[0] ? "" : " (it announces no state)");
	/* The announcement names its own target: it must be the instance's
	 * name, or the certificate must name the instance (--host-ca), or
	 * the user vouches for the key (--server-fingerprint). */
	cl->browsed = true;
	cl->bound = dnssd_target_is_instance(h->target, h->name, o->domain);
	snprintf(cl->instance, sizeof(cl->instance), "%s", h->name);
	/* The service instance's DNS name in presentation form ("Lab\032PC"),
	 * so it is one word in known_hosts. */
	size_t k = 0;
	for (const char *p = h->name; *p && k + 5 <= 4 * DNSSD_MAX_NAME; p++)
		k += (size_t)(isalnum((unsigned char)*p) || *p == '-' || *p == '_'
				      ? snprintf(cl->instance_key + k, 2, "%c", *p)
				      : snprintf(cl->instance_key + k, 5, "\\%03u",
						 (unsigned char)*p));
	snprintf(cl->instance_key + k, sizeof(cl->instance_key) - k, ".%s.%s", DNSSD_SERVICE,
		 o->domain ? o->domain : "local");
	if (!cl->bound && !o->host_ca && !o->server_fp) {
		fprintf(stderr,
			PROG
			": the announcement of %s points at %s, which is not %s.local%s%s: anyone "
			"who can answer %s can announce a name, so kmscast does not follow it.\n"
			"Connect to the host by its address, or use --host-ca with certificates "
			"that name %s.\n",
			h->name, h->target, h->name, o->domain ? " nor " : "",
			o->domain ? h->name : "", o->domain ? "for the zone" : "mDNS on the link",
			h->name);
		return EXIT_HOST_KEY;
	}
	return 0;
}

static int cmd_browse(const struct options *o)
{
	static struct browse_result found;
	char w[96];
	int r = browse(o, NULL, &found);
	if (r)
		return r;
	browse_print(stdout, &found, o->json);
	if (!found.n && !o->json)
		fprintf(stderr, PROG ": no kmscast host found %s\n", where(o, NULL, w, sizeof(w)));
	return 0;
}

static int session(struct options *o)
{
	struct client cl = {.o = o};
	char err[512], dir[PATH_MAX - 16];
	uv_loop_t loop;

	if (!o->any_free &&
	    (trust_split_hostport(o->target, PROTO_DEFAULT_PORT, cl.host, sizeof(cl.host), &cl.port,
				  err, sizeof(err)) != 0 ||
	     !cl.host[0]))
		cli_die_usage(PROG, "%s", cl.host[0] ? err : "want HOST[:PORT]");
	if (o->code && pair_code_parse(o->code, cl.pair_key) != 0)
		cli_die_usage(PROG,
			      "'%s' is not a pairing code (26 letters and digits from "
			      "'kmscastd pair')",
			      o->code);
	int found = find_target(&cl);
	if (found)
		return found;
	snprintf(cl.hostport, sizeof(cl.hostport), strchr(cl.host, ':') ? "[%s]:%u" : "%s:%u",
		 cl.host, cl.port);
	config_dir(o, dir, sizeof(dir));
	if (snprintf(cl.known_hosts, sizeof(cl.known_hosts), "%s/known_hosts", dir) >=
	    (int)sizeof(cl.known_hosts))
		cli_die_usage(PROG, "--config-dir: path too long");
	if (load_identity(o, &cl.id))
		return EXIT_LOST;
	SSL_CTX *ctx = tls_ctx_create(false, cl.id, o->host_ca, err, sizeof(err));
	if (!ctx) {
		fprintf(stderr, PROG ": %s\n", err);
		ident_destroy(cl.id);
		return EXIT_LOST;
	}
	cl.start_us = mono_us();
	int fd = connect_tcp(&cl, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		SSL_CTX_free(ctx);
		ident_destroy(cl.id);
		return EXIT_LOST;
	}
	SSL *ssl = SSL_new(ctx);
	SSL_set_connect_state(ssl);
	if (o->host_ca && cl.browsed && !cl.bound) {
		/* The target is the announcement's word: the certificate must
		 * name the instance itself. */
		char name[DNSSD_MAX_NAME + DNSSD_MAX_HOST + 2];
		snprintf(name, sizeof(name), "%s.local", cl.instance);
		SSL_set1_host(ssl, name);
		if (o->domain) {
			snprintf(name, sizeof(name), "%s.%s", cl.instance, o->domain);
			SSL_add1_host(ssl, name);
		}
	} else if (o->host_ca) {
		struct in6_addr a;
		if (inet_pton(AF_INET, cl.host, &a) == 1 || inet_pton(AF_INET6, cl.host, &a) == 1)
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), cl.host);
		else
			SSL_set1_host(ssl, cl.host);
	}
	if (!strchr(cl.host, ':'))
		SSL_set_tlsext_host_name(ssl, cl.host);
	uv_loop_init(&loop);
	cl.loop = &loop;
	struct conn_options co = {.side = PROTO_SIDE_CLIENT,
				  .fd = fd,
				  .ssl = ssl,
				  .peer_name = cl.hostport,
				  .read_after_bye = true};
	struct conn_callbacks cb = {.on_open = on_open,
				    .on_message = on_message,
				    .on_closed = on_closed};
	uv_signal_init(&loop, &cl.sig_int);
	uv_signal_init(&loop, &cl.sig_term);
	cl.sig_int.data = cl.sig_term.data = &cl;
	uv_signal_start(&cl.sig_int, on_signal, SIGINT);
	uv_signal_start(&cl.sig_term, on_signal, SIGTERM);
	uv_timer_init(&loop, &cl.stats_timer);
	cl.stats_timer.data = &cl;
	bool sdl = !strcmp(o->present, "sdl");
	/* The window's overlay needs the figures whether or not they are printed. */
	if (o->stats || sdl)
		uv_timer_start(&cl.stats_timer, on_stats, 1000, 1000);
	struct input_callbacks icb = {.send = input_send, .quit = input_quit, .stats = input_stats};
	struct present_callbacks pcb = {.input = window_input,
					.focus_lost = window_focus_lost,
					.clipboard = window_clipboard,
					.quit = input_quit};
	char title[sizeof(cl.hostport) + 16];
	snprintf(title, sizeof(title), "kmscast: %s", cl.hostport);
	o->show.title = title;
	const char *fail = NULL;
	if ((o->devices.npaths || o->devices.discover || sdl) &&
	    input_create(&loop, &o->devices, &icb, &cl, &cl.input, err, sizeof(err)) != 0)
		fail = err;
	else if (!strcmp(o->present, "kms") &&
		 present_kms_create(&loop, &o->show, &cl.present, err, sizeof(err)) != 0)
		fail = err;
	else if (sdl &&
		 present_sdl_create(&loop, &o->show, &pcb, &cl, &cl.present, err, sizeof(err)) != 0)
		fail = err;
	else if (conn_create(&loop, &co, &cb, &cl, &cl.conn) != 0)
		fail = "cannot watch the connection";
	if (fail) {
		fprintf(stderr, PROG ": %s\n", fail);
		input_destroy(cl.input);
		cl.input = NULL;
		present_destroy(cl.present);
		cl.present = NULL;
		SSL_free(ssl);
		close(fd);
		uv_close((uv_handle_t *)&cl.sig_int, NULL);
		uv_close((uv_handle_t *)&cl.sig_term, NULL);
		uv_close((uv_handle_t *)&cl.stats_timer, NULL);
		cl.exit_code = EXIT_LOST;
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	print_summary(&cl);
	if (cl.rec) {
		long n = recorder_close(cl.rec, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			if (!cl.exit_code)
				cl.exit_code = EXIT_LOST;
		} else {
			fprintf(stderr, PROG ": recorded %ld frames to %s\n", n, o->record);
		}
	}
	decoder_destroy(cl.dec);
	SSL_CTX_free(ctx);
	ident_destroy(cl.id);
	OPENSSL_cleanse(cl.pair_key, sizeof(cl.pair_key));
	return cl.exit_code;
}

int main(int argc, char **argv)
{
	struct options o;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	parse_options(argc, argv, &o);
	/* libavcodec and x264 talk a lot; keep their errors, and more with -vv. */
	av_log_set_level(o.verbose > 1 ? AV_LOG_VERBOSE : AV_LOG_ERROR);
	if (o.cmd && strcmp(o.cmd, "browse") == 0)
		return cmd_browse(&o);
	if (o.cmd && strcmp(o.cmd, "id") == 0) {
		struct ident *id;
		if (load_identity(&o, &id))
			return EXIT_LOST;
		printf("%s\n", id->fp_str);
		ident_destroy(id);
		return 0;
	}
	return session(&o);
}
