// SPDX-License-Identifier: MIT
/* kmscastd: the streaming daemon. This part owns the command line, the
 * config file, the loop and signals; src/daemon/server.c owns the network and
 * src/daemon/streamer.c capture, encoding and pacing. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <libavutil/log.h>
#include <uv.h>

#include "kmscast/agentmsg.h"
#include "kmscast/agentsock.h"
#include "kmscast/cli.h"
#include "kmscast/clipboard.h"
#include "kmscast/announce.h"
#include "kmscast/config.h"
#include "kmscast/exporter.h"
#include "kmscast/vaapi.h"
#include "kmscast/fileio.h"
#include "kmscast/ident.h"
#include "kmscast/kms.h"
#include "kmscast/helper.h"
#include "kmscast/privsep.h"
#include "kmscast/sandbox.h"
#include "kmscast/statedir.h"
#include "kmscast/server.h"
#include "kmscast/streamer.h"
#include "kmscast/testframe.h"
#include "kmscast/trust.h"

#define PROG "kmscastd"
#define DEFAULT_STATE_DIR "/var/lib/kmscast"
#define DEFAULT_CONFIG "/etc/kmscast/kmscastd.conf"
#define TEST_DEFAULT_BYTES (64u * 1024)
#define TEST_MAX_BYTES (16u * 1024 * 1024)
#define PAIR_DEFAULT_S 300
#define PAIR_MAX_S 3600

struct options {
	const char *cmd; /* NULL: run; "id"; "pair" */
	const char *listen, *state_dir, *authorized, *revoked, *client_ca, *crl, *cert, *key,
		*source;
	const char *web_cert, *web_key, *web_origin, *metrics_listen, *announce_name, *portal_key;
	bool no_web, no_announce;
	const char *device, *output, *config, *user, *capture_user, *announce_user;
	unsigned fps, window, max_handshakes, max_per_source, handshake_ms, idle_ms, pair_s,
		max_viewers;
	unsigned bitrate_kbps;
	int crf;
	enum proto_codec codec;
	enum encoder_kind encoder;
	bool cursor_in_video, probe, no_input, allow_vt_switch, allow_power_keys, no_sandbox;
	bool test_forbidden;
	unsigned input_rate;
	const char *agent_socket, *agent_user;
	enum clipboard_mode clipboard;
	uint32_t clipboard_max;
	bool clipboard_view_only;
	size_t test_bytes;
	int verbose;
};

struct daemon {
	uv_loop_t *loop;
	struct options *o;
	struct server *srv;
	struct streamer *streamer;
	struct exporter *exporter;
	struct clipboard *clipboard;
	struct agentsock *agent;
	struct metrics metrics;
	struct announce_peer announce;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t test_timer;
	bool stopping;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmscastd [OPTION]...            run the daemon\n"
		"       kmscastd id [--state-dir DIR]   print this host's fingerprints (native,\n"
		"                                       then browsers')\n"
		"       kmscastd pair [--state-dir DIR] [--expires SECONDS]\n"
		"                                       make a one-time pairing code\n"
		"       kmscastd --probe [--device PATH] what VA-API and software can encode\n"
		"Stream a DRM/KMS output to kmscast clients over TLS 1.3.\n"
		"\n"
		"  --listen ADDR:PORT       where to listen (default: all addresses, port 7300;\n"
		"                           also :PORT, [IPV6]:PORT)\n"
		"  --state-dir DIR          key, certificate, authorized-clients and pairing\n"
		"                           (default " DEFAULT_STATE_DIR ")\n"
		"  --authorized-clients F   trusted client fingerprints, one per line, # comments\n"
		"                           (default STATE_DIR/authorized-clients; SIGHUP re-reads)\n"
		"  --revoked-clients FILE   fingerprints refused even if listed or signed by the\n"
		"                           --client-ca (default STATE_DIR/revoked-clients;\n"
		"                           SIGHUP re-reads)\n"
		"  --client-ca FILE         also trust clients whose certificate FILE's CA signed\n"
		"                           (a pool CA: tools/kmscast-pool; SIGHUP re-reads)\n"
		"  --crl FILE               the client CA's revocation list (PEM, signed by it;\n"
		"                           SIGHUP re-reads; readable by the streamer's user)\n"
		"  --cert FILE --key FILE   use this certificate instead of the generated one\n"
		"  --web-cert FILE --web-key FILE\n"
		"                           the certificate browsers get (ECDSA or RSA; default:\n"
		"                           STATE_DIR/web-cert.pem, a P-256 one made on first use)\n"
		"  --web-origin ORIGINS     also accept browsers whose page comes from these\n"
		"                           origins (comma-separated, e.g. https://portal.example)\n"
		"  --no-web                 serve no browsers: native clients only\n"
		"  --portal-key FILE        admit browsers with a portal's short-lived token\n"
		"                           (https://HOST:PORT/#token=JWT) signed by one of\n"
		"                           FILE's PEM public keys: ES256 (P-256) or EdDSA\n"
		"                           (Ed25519); SIGHUP re-reads\n"
		"  --no-announce            do not announce this host as _kmscast._tcp through\n"
		"                           avahi-daemon (mDNS/DNS-SD; on by default)\n"
		"  --announce-name NAME     the announced service's name (default: the host name)\n"
		"  --metrics-listen ADDR:PORT\n"
		"                           serve Prometheus metrics over plain HTTP at\n"
		"                           /metrics (:PORT is 127.0.0.1; default: none)\n"
		"  --device PATH            card (default: the first with a connected connector;\n"
		"                           a card that goes away is looked for at this path,\n"
		"                           or without one in every card, until it is back)\n"
		"  --output NAME            connector to stream, e.g. Virtual-1 (default: first lit)\n"
		"  --codec C                lossless (pixel-exact), h264 (default) or hevc\n"
		"  --encoder E              auto (default: VA-API where the card's render node\n"
		"                           can encode, else software), software or vaapi\n"
		"  --crf N                  h264/hevc constant quality, 0-51, lower is better\n"
		"                           (default 23): the quantizer for software h264 and\n"
		"                           VA-API, x265's rate factor for software hevc\n"
		"  --bitrate KBPS           h264/hevc target bitrate instead of --crf\n"
		"  --cursor-in-video        draw the cursor into the video instead of sending it\n"
		"  --max-viewers N          view-only clients besides the one in control (default 4)\n"
		"  --no-input               make no input devices: every client only watches\n"
		"  --allow-vt-switch        inject console switching (Ctrl+Alt+Fn; Alt+Fn and\n"
		"                           Alt+Left/Right on a text console), Ctrl+Alt+Del and\n"
		"                           Alt+SysRq (blocked by default)\n"
		"  --allow-power-keys       offer and inject the power, sleep, suspend, wake and\n"
		"                           restart keys (by default the keyboard has none)\n"
		"  --input-rate N           input events per second per client (default 8000)\n"
		"  --clipboard MODE         both (default), to-client (the host's text to viewers\n"
		"                           only), to-host (viewers' text to the host only) or\n"
		"                           off; through the session agent, kmscast-agent(1)\n"
		"  --clipboard-max BYTES    longest clipboard text either way (default 1048576,\n"
		"                           at most 16777216); longer ones are refused and said\n"
		"  --clipboard-view-only    view-only viewers get the host's text too (by default\n"
		"                           only the viewer in control; none ever gives)\n"
		"  --agent-socket PATH      where session agents connect (default\n"
		"                           " AGENTSOCK_DEFAULT_PATH
		"; its folder must be only this\n"
		"                           user's to write)\n"
		"  --agent-user NAME        where logind does not run: the user whose agent is\n"
		"                           admitted (with logind: the user of seat0's active\n"
		"                           session, and no one else)\n"
		"  --user NAME              started as root: the network-facing streamer runs as\n"
		"                           NAME (default " SANDBOX_DEFAULT_USER
		", which must exist); a capture\n"
		"                           helper alone keeps CAP_SYS_ADMIN\n"
		"  --capture-user NAME      started as root: the capture helper runs as NAME\n"
		"                           (default " SANDBOX_CAPTURE_USER
		", which must exist, in group video)\n"
		"  --announce-user NAME     started as root: the announcer runs as NAME, without\n"
		"                           supplementary groups (default " SANDBOX_ANNOUNCE_USER
		";\n"
		"                           where it does not exist, the streamer's user)\n"
		"  --no-sandbox             keep one privileged process (for debugging only)\n"
		"  --config FILE            settings as 'key = value' with the long options' names\n"
		"                           (default " DEFAULT_CONFIG " if it exists)\n"
		"  --source test[:BYTES]    stream synthetic frames of BYTES (default 65536) instead\n"
		"                           of the display, to test the transport\n"
		"  --fps N                  frames per second at most (default 60)\n"
		"  --window N               frames in flight per client before skipping (default 4)\n"
		"  --max-handshakes N       unauthenticated connections at once (default 32); past\n"
		"                           half of them new ones are refused at random\n"
		"  --max-handshakes-per-source N\n"
		"                           of those, from one address (default 8)\n"
		"  --handshake-timeout MS   TLS and HELLO must finish within (default 10000)\n"
		"  --idle-timeout MS        end sessions silent this long (default 20000)\n"
		"  --expires SECONDS        pair: code lifetime (default 300, at most 3600)\n"
		"  -v, --verbose            debug logging\n"
		"  -h, --help               show this help\n"
		"\n"
		"Logs go to stderr, one line per event. SIGTERM/SIGINT stop; SIGHUP reloads trust.\n"
		"Exit status: 0 ok, 1 failed, 2 usage.\n");
}

/* The long options, which are also the config file's keys. */
enum {
	O_LISTEN = 256,
	O_STATE,
	O_AUTH,
	O_CA,
	O_CERT,
	O_KEY,
	O_SOURCE,
	O_FPS,
	O_WINDOW,
	O_MAXHS,
	O_HSTIMEOUT,
	O_IDLE,
	O_EXPIRES,
	O_DEVICE,
	O_OUTPUT,
	O_CODEC,
	O_ENCODER,
	O_CRF,
	O_BITRATE,
	O_CURSOR_VIDEO,
	O_MAXVIEW,
	O_CONFIG,
	O_PROBE,
	O_NOINPUT,
	O_ALLOWVT,
	O_INRATE,
	O_USER,
	O_NOSANDBOX,
	O_TESTSYSCALL,
	O_MAXHS_SOURCE,
	O_ALLOWPOWER,
	O_REVOKED,
	O_CAPUSER,
	O_ANNUSER,
	O_WEBCERT,
	O_WEBKEY,
	O_WEBORIGIN,
	O_NOWEB,
	O_CRL,
	O_METRICS,
	O_NOANNOUNCE,
	O_ANNOUNCENAME,
	O_PORTALKEY,
	O_CLIPBOARD,
	O_CLIPMAX,
	O_CLIPVIEW,
	O_AGENTSOCK,
	O_AGENTUSER
};
static const struct option longopts[] = {
	{"listen", required_argument, NULL, O_LISTEN},
	{"state-dir", required_argument, NULL, O_STATE},
	{"authorized-clients", required_argument, NULL, O_AUTH},
	{"revoked-clients", required_argument, NULL, O_REVOKED},
	{"client-ca", required_argument, NULL, O_CA},
	{"crl", required_argument, NULL, O_CRL},
	{"cert", required_argument, NULL, O_CERT},
	{"key", required_argument, NULL, O_KEY},
	{"source", required_argument, NULL, O_SOURCE},
	{"fps", required_argument, NULL, O_FPS},
	{"window", required_argument, NULL, O_WINDOW},
	{"max-handshakes", required_argument, NULL, O_MAXHS},
	{"max-handshakes-per-source", required_argument, NULL, O_MAXHS_SOURCE},
	{"handshake-timeout", required_argument, NULL, O_HSTIMEOUT},
	{"idle-timeout", required_argument, NULL, O_IDLE},
	{"expires", required_argument, NULL, O_EXPIRES},
	{"device", required_argument, NULL, O_DEVICE},
	{"output", required_argument, NULL, O_OUTPUT},
	{"codec", required_argument, NULL, O_CODEC},
	{"encoder", required_argument, NULL, O_ENCODER},
	{"crf", required_argument, NULL, O_CRF},
	{"bitrate", required_argument, NULL, O_BITRATE},
	{"cursor-in-video", no_argument, NULL, O_CURSOR_VIDEO},
	{"max-viewers", required_argument, NULL, O_MAXVIEW},
	{"config", required_argument, NULL, O_CONFIG},
	{"probe", no_argument, NULL, O_PROBE},
	{"no-input", no_argument, NULL, O_NOINPUT},
	{"allow-vt-switch", no_argument, NULL, O_ALLOWVT},
	{"allow-power-keys", no_argument, NULL, O_ALLOWPOWER},
	{"input-rate", required_argument, NULL, O_INRATE},
	{"user", required_argument, NULL, O_USER},
	{"capture-user", required_argument, NULL, O_CAPUSER},
	{"announce-user", required_argument, NULL, O_ANNUSER},
	{"web-cert", required_argument, NULL, O_WEBCERT},
	{"web-key", required_argument, NULL, O_WEBKEY},
	{"web-origin", required_argument, NULL, O_WEBORIGIN},
	{"no-web", no_argument, NULL, O_NOWEB},
	{"metrics-listen", required_argument, NULL, O_METRICS},
	{"no-announce", no_argument, NULL, O_NOANNOUNCE},
	{"portal-key", required_argument, NULL, O_PORTALKEY},
	{"announce-name", required_argument, NULL, O_ANNOUNCENAME},
	{"no-sandbox", no_argument, NULL, O_NOSANDBOX},
	{"clipboard", required_argument, NULL, O_CLIPBOARD},
	{"clipboard-max", required_argument, NULL, O_CLIPMAX},
	{"clipboard-view-only", no_argument, NULL, O_CLIPVIEW},
	{"agent-socket", required_argument, NULL, O_AGENTSOCK},
	{"agent-user", required_argument, NULL, O_AGENTUSER},
	/* Test only: a syscall the filter forbids, half a second in. */
	{"test-forbidden-syscall", no_argument, NULL, O_TESTSYSCALL},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: o->listen = optarg; break;
		case O_STATE: o->state_dir = optarg; break;
		case O_AUTH: o->authorized = optarg; break;
		case O_REVOKED: o->revoked = optarg; break;
		case O_CA: o->client_ca = optarg; break;
		case O_CRL: o->crl = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_SOURCE: o->source = optarg; break;
		case O_FPS: o->fps = (unsigned)cli_uint(PROG, "--fps", optarg, 1, 240); break;
		case O_WINDOW:
			o->window = (unsigned)cli_uint(PROG, "--window", optarg, 1, 64);
			break;
		case O_MAXHS:
			o->max_handshakes =
				(unsigned)cli_uint(PROG, "--max-handshakes", optarg, 1, 4096);
			break;
		case O_MAXHS_SOURCE:
			o->max_per_source = (unsigned)cli_uint(PROG, "--max-handshakes-per-source",
							       optarg, 1, 4096);
			break;
		case O_HSTIMEOUT:
			o->handshake_ms = (unsigned)cli_uint(PROG, "--handshake-timeout", optarg,
							     100, 600000);
			break;
		case O_IDLE:
			o->idle_ms =
				(unsigned)cli_uint(PROG, "--idle-timeout", optarg, 1000, 3600000);
			break;
		case O_EXPIRES:
			o->pair_s = (unsigned)cli_uint(PROG, "--expires", optarg, 10, PAIR_MAX_S);
			break;
		case O_DEVICE: o->device = optarg; break;
		case O_OUTPUT: o->output = optarg; break;
		case O_CODEC: {
			int c2 = proto_codec_by_name(optarg);
			if (c2 != PROTO_CODEC_LOSSLESS && c2 != PROTO_CODEC_H264 &&
			    c2 != PROTO_CODEC_HEVC)
				cli_die_usage(PROG,
					      "--codec wants lossless, h264 or hevc, not '%s'",
					      optarg);
			o->codec = (enum proto_codec)c2;
			break;
		}
		case O_ENCODER:
			if (encoder_kind_parse(optarg, &o->encoder) != 0)
				cli_die_usage(PROG,
					      "--encoder wants auto, software or vaapi, not '%s'",
					      optarg);
			break;
		case O_CRF: o->crf = (int)cli_uint(PROG, "--crf", optarg, 0, 51); break;
		case O_BITRATE:
			o->bitrate_kbps = (unsigned)cli_uint(PROG, "--bitrate", optarg, 50, 200000);
			break;
		case O_CURSOR_VIDEO: o->cursor_in_video = true; break;
		case O_MAXVIEW:
			o->max_viewers = (unsigned)cli_uint(PROG, "--max-viewers", optarg, 0, 64);
			break;
		case O_CONFIG: o->config = optarg; break;
		case O_PROBE: o->probe = true; break;
		case O_NOINPUT: o->no_input = true; break;
		case O_ALLOWVT: o->allow_vt_switch = true; break;
		case O_ALLOWPOWER: o->allow_power_keys = true; break;
		case O_INRATE:
			o->input_rate =
				(unsigned)cli_uint(PROG, "--input-rate", optarg, 100, 1000000);
			break;
		case O_USER: o->user = optarg; break;
		case O_CAPUSER: o->capture_user = optarg; break;
		case O_ANNUSER: o->announce_user = optarg; break;
		case O_WEBCERT: o->web_cert = optarg; break;
		case O_WEBKEY: o->web_key = optarg; break;
		case O_WEBORIGIN: o->web_origin = optarg; break;
		case O_NOWEB: o->no_web = true; break;
		case O_METRICS: o->metrics_listen = optarg; break;
		case O_NOANNOUNCE: o->no_announce = true; break;
		case O_PORTALKEY: o->portal_key = optarg; break;
		case O_ANNOUNCENAME:
			/* A DNS-SD instance name: one label of at most 63 bytes. */
			if (!*optarg || strlen(optarg) > 63)
				cli_die_usage(PROG, "--announce-name wants 1 to 63 bytes");
			for (const char *p = optarg; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					cli_die_usage(PROG,
						      "--announce-name: no control characters");
			o->announce_name = optarg;
			break;
		case O_NOSANDBOX: o->no_sandbox = true; break;
		case O_CLIPBOARD: {
			int m = clipboard_mode_by_name(optarg);
			if (m < 0)
				cli_die_usage(PROG,
					      "--clipboard wants both, to-client, to-host or off, "
					      "not '%s'",
					      optarg);
			o->clipboard = (enum clipboard_mode)m;
			break;
		}
		case O_CLIPMAX:
			o->clipboard_max = (uint32_t)cli_uint(PROG, "--clipboard-max", optarg, 1,
							      PROTO_MAX_CLIPBOARD);
			break;
		case O_CLIPVIEW: o->clipboard_view_only = true; break;
		case O_AGENTSOCK:
			if (optarg[0] != '/')
				cli_die_usage(PROG, "--agent-socket wants an absolute path");
			o->agent_socket = optarg;
			break;
		case O_AGENTUSER: o->agent_user = optarg; break;
		case O_TESTSYSCALL: o->test_forbidden = true; break;
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
	if (!!o->web_cert != !!o->web_key)
		cli_die_usage(PROG, "--web-cert and --web-key go together");
	if (o->portal_key && o->no_web)
		cli_die_usage(PROG, "--portal-key admits browsers, which --no-web turns away");
	if (o->crl && !o->client_ca)
		cli_die_usage(PROG, "--crl is the --client-ca's revocation list: give both");
	if (o->cmd || !o->source)
		return;
	if (strncmp(o->source, "test", 4) != 0 || (o->source[4] && o->source[4] != ':'))
		cli_die_usage(PROG, "--source wants test[:BYTES], not '%s'", o->source);
	o->test_bytes = o->source[4] ? cli_uint(PROG, "--source test:BYTES", o->source + 5,
						TESTFRAME_MIN, TEST_MAX_BYTES)
				     : TEST_DEFAULT_BYTES;
}

static int load_identity(const struct options *o, struct ident **id)
{
	char err[512];
	int r = ident_load(o->cert, o->key, o->state_dir, "kmscastd", IDENT_NATIVE, id, err,
			   sizeof(err));
	if (r)
		fprintf(stderr, PROG ": %s\n", err);
	return r;
}

/* The browsers' identity, unless --no-web. */
static int load_web_identity(const struct options *o, struct ident **web)
{
	char err[512];
	*web = NULL;
	if (o->no_web)
		return 0;
	int r = ident_load(o->web_cert, o->web_key, o->state_dir, "kmscastd", IDENT_WEB, web, err,
			   sizeof(err));
	if (r)
		fprintf(stderr, PROG ": browser identity: %s\n", err);
	return r;
}

static int cmd_id(const struct options *o)
{
	struct ident *id, *web;
	if (load_identity(o, &id))
		return 1;
	if (load_web_identity(o, &web)) {
		ident_destroy(id);
		return 1;
	}
	/* Scripts read the native fingerprint as the first line; the
	 * browsers' one, when served, is the last. */
	printf("%s\n", id->fp_str);
	if (web)
		printf("%s\n", web->fp_str);
	ident_destroy(id);
	ident_destroy(web);
	return 0;
}

/* As root: the streamer's user, and the state dir taken back from any
 * other owner before root reads or writes in it. Says why on failure. */
static int root_state(const struct options *o, struct sandbox_user *u)
{
	char err[512];
	int r = sandbox_find_user(o->user, u, err, sizeof(err));
	if (r == 0)
		r = statedir_prepare(o->state_dir, u, err, sizeof(err));
	if (r)
		fprintf(stderr, PROG ": %s\n", err);
	return r;
}

/* The port of --listen for the browser URL (the default when not given,
 * or when it does not parse: the daemon itself would say why). */
static unsigned listen_port(const struct options *o)
{
	char host[256], err[256];
	unsigned port;
	if (!o->listen || trust_split_hostport(o->listen, PROTO_DEFAULT_PORT, host, sizeof(host),
					       &port, err, sizeof(err)) != 0)
		return PROTO_DEFAULT_PORT;
	return port;
}

static int cmd_pair(const struct options *o)
{
	struct ident *id;
	struct sandbox_user user;
	uint8_t key[PAIR_KEY_SIZE];
	char code[PAIR_CODE_SIZE], text[128], path[PATH_MAX], err[512];
	/* As root, the code goes to the user the running streamer is. */
	bool give = geteuid() == 0;

	if (give && root_state(o, &user) != 0)
		return 1;
	if (load_identity(o, &id))
		return 1;
	if (RAND_bytes(key, sizeof(key)) != 1) {
		fprintf(stderr, PROG ": no randomness for a pairing code\n");
		ident_destroy(id);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/pairing", o->state_dir);
	pair_pending_format(key, (long long)time(NULL) + o->pair_s, text, sizeof(text));
	if (fileio_write_atomic(path, text, strlen(text), 0600, err, sizeof(err)) != 0 ||
	    (give && statedir_give(o->state_dir, STATEDIR_PAIRING, &user, err, sizeof(err)) != 0)) {
		fprintf(stderr, PROG ": %s\n", err);
		ident_destroy(id);
		return 1;
	}
	/* The streamer reads the code as its own user: say now if it cannot. */
	if (give &&
	    statedir_reachable(o->state_dir, STATEDIR_PAIRING, &user, err, sizeof(err)) != 0)
		fprintf(stderr,
			PROG ": warning: %s: the running daemon's streamer will not see this code; "
			     "use a --state-dir it can reach (the default is " DEFAULT_STATE_DIR
			     ")\n",
			err);
	pair_code_format(key, code);
	printf("One-time pairing code, valid for %u seconds (the running daemon reads it):\n"
	       "\n    %s\n\n"
	       "On the client run:  kmscast pair THIS-HOST %s\n"
	       "This host's fingerprint: %s\n",
	       o->pair_s, code, code, id->fp_str);
	/* The browser's way in: the page reads the code from the fragment,
	 * which browsers do not send to the server or keep in a Referer. */
	struct ident *web = NULL;
	if (!o->no_web && load_web_identity(o, &web) == 0 && web)
		printf("In a browser open:  https://THIS-HOST:%u/#code=%s\n"
		       "This host's browser fingerprint: %s\n",
		       listen_port(o), code, web->fp_str);
	ident_destroy(web);
	OPENSSL_cleanse(key, sizeof(key));
	ident_destroy(id);
	return 0;
}

/* The streamer, as its own user, reads pairing codes from the state dir
 * and writes its trust lists there: a dir under /root, say, lets it
 * start on what root read for it, and then nothing arrives. */
static void warn_unreachable_state(const struct options *o, const char *who)
{
	int fd = open(o->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return;
	}
	int e = errno;
	log_printf(LOG_WARN,
		   "the streamer (%s) cannot reach --state-dir %s: %s: pairing codes and "
		   "new trust will not reach it; use a state dir every folder above which "
		   "lets %s through (the default is " DEFAULT_STATE_DIR ")",
		   who, o->state_dir, strerror(e), who);
}

static void on_ready(struct session *s, void *data)
{
	struct daemon *d = data;
	streamer_add(d->streamer, s);
}

static void on_message(struct session *s, const struct proto_msg *m, void *data)
{
	struct daemon *d = data;
	streamer_message(d->streamer, s, m);
}

static void on_gone(struct session *s, void *data)
{
	struct daemon *d = data;
	if (d->streamer)
		streamer_remove(d->streamer, s);
}

/* The announcement follows the streamer: viewers, control, output. */
static void on_status(void *data)
{
	struct daemon *d = data;
	struct dnssd_status st;
	if (!d->streamer)
		return;
	streamer_status(d->streamer, &st);
	announce_update(&d->announce, &st);
}

/* The announcer, unless --no-announce, forked before the keys are loaded
 * (it never holds them) as its own user, so the streamer cannot signal
 * it. A failure to start it is logged and the daemon goes on (announcing
 * is a convenience, not a service). */
static void spawn_announcer(struct daemon *d, const struct sandbox_user *streamer)
{
	char err[512];
	struct sandbox_user u, *user = NULL;
	if (d->o->no_announce)
		return;
	if (streamer) {
		if (sandbox_find_announce_user(d->o->announce_user, &u, err, sizeof(err)) != 0) {
			if (d->o->announce_user) {
				log_printf(LOG_WARN, "%s: this host is not announced", err);
				return;
			}
			/* Degraded, and said: the streamer could signal it. */
			log_printf(LOG_WARN,
				   "announce: user %s does not exist (systemd-sysusers "
				   "kmscast.conf makes it); the announcer runs as %s",
				   SANDBOX_ANNOUNCE_USER, streamer->name);
			u = *streamer;
		}
		u.no_groups = true;
		user = &u;
	}
	if (announce_spawn(user, &d->announce, err, sizeof(err)) != 0)
		log_printf(LOG_WARN, "%s: this host is not announced", err);
}

/* What to announce, once the port and the keys are known. */
static void configure_announcer(struct daemon *d, const struct ident *id, const struct ident *web)
{
	const char *addr = server_address(d->srv), *colon = strrchr(addr, ':');
	struct dnssd_config c = {.port = colon ? (unsigned)atoi(colon + 1) : PROTO_DEFAULT_PORT};
	snprintf(c.name, sizeof(c.name), "%s", d->o->announce_name ? d->o->announce_name : "");
	snprintf(c.fp, sizeof(c.fp), "%s", id->fp_str);
	snprintf(c.webfp, sizeof(c.webfp), "%s", web ? web->fp_str : "");
	if (d->announce.fd >= 0 && announce_configure(&d->announce, &c) != 0)
		log_printf(LOG_WARN, "announce: cannot reach the announcer; this host is not "
				     "announced");
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (signum == SIGHUP) {
		log_printf(LOG_INFO, "SIGHUP: reloading trust files");
		server_reload_trust(d->srv);
		return;
	}
	if (d->stopping)
		return;
	d->stopping = true;
	log_printf(LOG_INFO, "%s: shutting down", strsignal(signum));
	streamer_destroy(d->streamer);
	d->streamer = NULL;
	server_destroy(d->srv);
	d->srv = NULL;
	exporter_destroy(d->exporter);
	d->exporter = NULL;
	agentsock_destroy(d->agent);
	d->agent = NULL;
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
	/* Shutdown is under way: a repeated signal must not cut it short. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

static int open_card(const struct options *o, int *fd, char *path, size_t len)
{
	*fd = o->source ? -1 : kms_open_card(o->device, path, len);
	if (!o->source && *fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n",
			o->device ? o->device
				  : "no card with a connected "
				    "connector",
			strerror(-*fd));
		return -1;
	}
	if (*fd >= 0)
		fprintf(stderr, "info: using %s\n", path);
	return 0;
}

/* VA-API or software, decided once from the card's render node: one log
 * line (in *note) says which and why. Nonzero when --encoder vaapi cannot
 * be honoured. */
static int choose_encoder(const struct options *o, const char *card, struct vaapi_probe *p,
			  enum encoder_kind *kind, char *note, size_t len)
{
	bool video = o->codec == PROTO_CODEC_H264 || o->codec == PROTO_CODEC_HEVC;

	if (video && o->encoder != ENCODER_SOFTWARE)
		vaapi_probe(card, p);
	if (vaapi_choose(o->encoder, o->codec, video && o->encoder != ENCODER_SOFTWARE ? p : NULL,
			 kind, note, len) != 0)
		return -1;
	if (*kind == ENCODER_VAAPI && o->cursor_in_video) {
		/* Drawing the cursor into the picture needs its pixels on the CPU. */
		if (o->encoder == ENCODER_VAAPI) {
			snprintf(note, len,
				 "--encoder vaapi: VA-API encodes the buffer as scanned "
				 "out; --cursor-in-video needs the software encoder");
			return -1;
		}
		*kind = ENCODER_SOFTWARE;
		snprintf(note, len,
			 "encoder auto: software %s (--cursor-in-video draws the cursor "
			 "on the CPU, so VA-API's zero-copy path is not used)",
			 proto_codec_name(o->codec));
	}
	return 0;
}

/* kmscastd --probe: what the card can encode, for people setting it up. */
/* The clipboard, and the socket its agent comes to: bound while the
 * daemon is still root, for /run is root's. A socket that cannot be made
 * costs the clipboard, not the stream. */
static int open_agent(struct daemon *d)
{
	const struct options *o = d->o;
	char err[512];
	uid_t fallback = AGENTSOCK_NO_UID;
	if (o->agent_user) {
		/* Any user may own the desktop, root too (a kiosk's X server). */
		struct passwd pw, *found = NULL;
		char pwbuf[4096];
		getpwnam_r(o->agent_user, &pw, pwbuf, sizeof(pwbuf), &found);
		if (!found) {
			fprintf(stderr, PROG ": --agent-user: no user '%s' on this host\n",
				o->agent_user);
			return -1;
		}
		fallback = found->pw_uid;
	}
	struct clipboard_options co = {.mode = o->clipboard,
				       .max_bytes = o->clipboard_max,
				       .view_only = o->clipboard_view_only};
	if (clipboard_create(&co, &d->clipboard) != 0)
		return -1;
	uint8_t dirs = 0;
	if (o->clipboard == CLIPBOARD_BOTH || o->clipboard == CLIPBOARD_TO_CLIENT)
		dirs |= AGENTMSG_WATCH;
	if (o->clipboard == CLIPBOARD_BOTH || o->clipboard == CLIPBOARD_TO_HOST)
		dirs |= AGENTMSG_TAKE;
	struct agentsock_options ao = {.path = o->agent_socket ? o->agent_socket
							       : AGENTSOCK_DEFAULT_PATH,
				       .seat = "seat0",
				       .fallback_uid = fallback,
				       .max_bytes = o->clipboard_max,
				       .dirs = dirs};
	struct agentsock_callbacks cb = {.on_agent = clipboard_on_agent,
					 .on_clip = clipboard_on_host_text,
					 .on_too_big = clipboard_on_host_too_big};
	if (agentsock_create(d->loop, &ao, &cb, d->clipboard, &d->agent, err, sizeof(err)) != 0) {
		log_printf(LOG_WARN, "no session agent can connect, so no clipboard: %s", err);
		return 0;
	}
	clipboard_set_agent(d->clipboard, d->agent);
	log_printf(LOG_INFO, "session agents connect at %s (clipboard %s, at most %u bytes)",
		   ao.path, clipboard_mode_name(o->clipboard), o->clipboard_max);
	return 0;
}

static int cmd_probe(const struct options *o)
{
	char path[64] = "", report[4096];
	struct vaapi_probe p;
	int fd = kms_open_card(o->device, path, sizeof(path));

	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n",
			o->device ? o->device
				  : "no card with a "
				    "connected connector",
			strerror(-fd));
		return 1;
	}
	close(fd);
	vaapi_probe(path, &p);
	vaapi_report(&p, report, sizeof(report));
	fputs(report, stdout);
	return 0;
}

/* The uinput devices, or NULL (logged) when there can be none: the daemon
 * still streams, and every client only watches. */
static struct inject *make_input(const struct options *o)
{
	char err[256];
	struct inject *in;
	struct inject_options io = {.filter = {.allow_vt_switch = o->allow_vt_switch,
					       .allow_power_keys = o->allow_power_keys,
					       .rate = o->input_rate}};
	if (inject_create(&io, &in, err, sizeof(err)) != 0) {
		log_printf(LOG_WARN, "input disabled: %s", err);
		return NULL;
	}
	log_printf(LOG_INFO, "input: kmscast keyboard at %s, kmscast mouse at %s%s%s",
		   inject_devnode(in, INPUT_DEV_KEYBOARD), inject_devnode(in, INPUT_DEV_MOUSE),
		   o->allow_vt_switch ? "; console switching, Ctrl+Alt+Del and SysRq allowed" : "",
		   o->allow_power_keys ? "; power keys allowed" : "");
	return in;
}

static void on_test_timer(uv_timer_t *t)
{
	(void)t;
	fprintf(stderr, "info: test: making a syscall the seccomp filter forbids\n");
	sandbox_test_forbidden_syscall();
	fprintf(stderr, "error: test: the forbidden syscall returned\n");
}

/* A helper (capture, announcer) goes once its socket closed; reap it. */
static void reap(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(20000);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
}

static int run(struct options *o)
{
	struct daemon d = {.o = o, .announce = {.fd = -1, .pid = -1}};
	struct inject *input = NULL;
	struct ident *id, *web;
	char err[512], what[768];
	uv_loop_t loop;
	int card = -1, rc = 1;
	char card_path[64] = "", note[512] = "";
	struct vaapi_probe probe = {0};
	enum encoder_kind kind = ENCODER_SOFTWARE;
	struct sandbox_user user;
	struct privsep_peer peer = {.fd = -1, .ev_fd = -1, .pid = -1};
	struct sandbox_user helper = {.name = "this user"};
	bool sandbox = !o->no_sandbox && sandbox_privileged();
	bool change_user = sandbox && geteuid() == 0;

	/* Nothing the streamer does may reach the shell that started us. */
	if (sandbox_detach_tty(err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}
	/* The state dir is root's before root reads a key from it. */
	if (change_user && root_state(o, &user) != 0)
		return 1;
	spawn_announcer(&d, change_user ? &user : NULL);
	if (load_identity(o, &id))
		goto out_announce;
	if (load_web_identity(o, &web))
		goto out_id;
	if (open_card(o, &card, card_path, sizeof(card_path)) != 0)
		goto out_ids;
	if (card >= 0 && choose_encoder(o, card_path, &probe, &kind, note, sizeof(note)) != 0) {
		fprintf(stderr, PROG ": %s\n", note);
		goto out_card;
	}
	if (card >= 0 && sandbox) {
		/* The card goes to the helper; the streamer never holds it. As
		 * root, the helper becomes a user of its own. */
		struct capture_options co = {.output = o->output,
					     .cursor = true,
					     .follow_cards = true,
					     .device = o->device};
		int r = change_user ? sandbox_find_capture_user(o->capture_user, &helper, err,
								sizeof(err))
				    : 0;
		if (r == 0)
			r = privsep_spawn(card, &co, change_user ? user.uid : getuid(),
					  change_user ? &helper : NULL, o->verbose ? 1000 : 0,
					  1000 / o->fps, &peer, err, sizeof(err));
		close(card);
		card = -1;
		if (r < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			goto out_card;
		}
	}
	if (uv_loop_init(&loop) != 0)
		goto out_card;
	d.loop = &loop;
	uint32_t codecs = o->source ? 1u << PROTO_CODEC_TEST : 1u << o->codec;
	/* Who the streamer will be, for what it cannot reach as that user. */
	char who[96];
	if (change_user)
		snprintf(who, sizeof(who), "user %s", user.name);
	else
		snprintf(who, sizeof(who), "uid %u", (unsigned)geteuid());
	struct server_options so = {
		.listen = o->listen,
		.state_dir = o->state_dir,
		.user = who,
		.authorized_path = o->authorized,
		.revoked_path = o->revoked,
		.client_ca = o->client_ca,
		.crl = o->crl,
		.portal_key = o->portal_key,
		.id = id,
		.codecs = codecs,
		.web_id = web,
		.web_origins = o->web_origin,
		.max_handshakes = o->max_handshakes,
		.max_per_source = o->max_per_source,
		.handshake_ms = o->handshake_ms,
		.idle_ms = o->idle_ms,
		.window = o->window,
		.metrics = &d.metrics,
	};
	struct server_callbacks cb = {.on_ready = on_ready,
				      .on_message = on_message,
				      .on_gone = on_gone};
	if (server_create(&loop, &so, &cb, &d, &d.srv, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto out_loop;
	}
	d.metrics.encoder = kind == ENCODER_VAAPI ? "vaapi" : "software";
	d.metrics.codec = proto_codec_name(o->source ? PROTO_CODEC_TEST : o->codec);
	/* Bound before the sandbox, like the protocol port. */
	if (o->metrics_listen && exporter_create(&loop, o->metrics_listen, &d.metrics, &d.exporter,
						 err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto out_server;
	}
	configure_announcer(&d, id, web);
	if (open_agent(&d) != 0)
		goto out_server;
	if (!o->no_input)
		input = make_input(o);
	struct streamer_options sto = {
		.source = o->source ? SOURCE_TEST : SOURCE_CAPTURE,
		.card_fd = card,
		.device = o->device,
		.helper = peer.fd >= 0 ? &peer : NULL,
		.output = o->output,
		.test_bytes = o->test_bytes,
		.fps = o->fps,
		.codec = o->codec,
		.encoder = kind,
		.render_node = probe.render,
		.vaapi_low_power =
			kind == ENCODER_VAAPI &&
			probe.lowpower[o->codec == PROTO_CODEC_HEVC ? VAAPI_HEVC : VAAPI_H264],
		.crf = o->crf,
		.bitrate_kbps = o->bitrate_kbps,
		.cursor_in_video = o->cursor_in_video,
		.max_viewers = o->max_viewers,
		.input = input,
		.metrics = &d.metrics,
		.clipboard = d.clipboard,
		.on_status = on_status,
		.status_data = &d,
	};
	/* The user changes before the streamer talks to the helper (which
	 * checks it); the filter comes once the streamer has opened all it
	 * needs. */
	if (sandbox && sandbox_drop(change_user ? &user : NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto out_server;
	}
	warn_unreachable_state(o, who);
	if (streamer_create(&loop, &sto, &d.streamer, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto out_server;
	}
	on_status(&d); /* the first announcement */
	/* The capture has the sockets and the board now, or the card. */
	peer.fd = peer.ev_fd = -1;
	peer.board = NULL;
	card = -1;
	if (sandbox) {
		int r = sandbox_filter(err, sizeof(err));
		if (r != 0 && r != -ENOTSUP) {
			fprintf(stderr, PROG ": %s\n", err);
			goto out_streamer;
		}
		snprintf(what, sizeof(what),
			 "streaming as %s with no capabilities, no_new_privs, "
			 "rlimits and %s",
			 change_user ? user.name : "this user", r ? err : "a seccomp allowlist");
		if (peer.pid > 0)
			log_printf(LOG_INFO,
				   "sandbox: %s; capture helper pid %d keeps "
				   "CAP_SYS_ADMIN as %s, under its own seccomp allowlist",
				   what, (int)peer.pid, helper.name);
		else
			log_printf(LOG_INFO, "sandbox: %s", what);
		/* The dir is root's; what the streamer writes is its trust list. */
		char trust[PATH_MAX];
		snprintf(trust, sizeof(trust), "%s/" STATEDIR_AUTHORIZED, o->state_dir);
		if (!o->authorized && access(trust, R_OK | W_OK) != 0)
			log_printf(LOG_WARN,
				   "%s is not writable by this user (%s): pairing and "
				   "trust reloads will fail",
				   trust, strerror(errno));
		/* Read again on SIGHUP, by the streamer. */
		const char *reread[] = {o->client_ca, o->crl, o->portal_key};
		for (int i = 0; i < 3; i++)
			if (reread[i] && access(reread[i], R_OK) != 0)
				log_printf(LOG_WARN,
					   "%s is not readable by this user (%s): SIGHUP will "
					   "not reload it",
					   reread[i], strerror(errno));
	}
	if (note[0])
		log_printf(LOG_INFO, "%s", note);
	if (d.exporter)
		log_printf(LOG_INFO, "metrics at http://%s/metrics", exporter_address(d.exporter));
	log_printf(LOG_INFO, "listening on %s as %s", server_address(d.srv), id->fp_str);
	uv_signal_t *sigs[] = {&d.sig_term, &d.sig_int, &d.sig_hup};
	int nums[] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&loop, sigs[i]);
		sigs[i]->data = &d;
		uv_signal_start(sigs[i], on_signal, nums[i]);
	}
	if (o->test_forbidden) {
		uv_timer_init(&loop, &d.test_timer);
		uv_timer_start(&d.test_timer, on_test_timer, 500, 0);
		uv_unref((uv_handle_t *)&d.test_timer);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	fprintf(stderr, "info: stopped\n");
	rc = 0;
	goto out_loop; /* on_signal has ended the streamer and the server */
		       /* Undone in the reverse order of acquisition. */
out_streamer:
	streamer_destroy(d.streamer);
out_server:
	server_destroy(d.srv);
	exporter_destroy(d.exporter);
	agentsock_destroy(d.agent);
	uv_run(&loop, UV_RUN_DEFAULT); /* until the sessions' handles are closed */
out_loop:
	uv_loop_close(&loop);
	clipboard_destroy(d.clipboard);
	inject_destroy(input);
out_card:
	if (card >= 0)
		close(card);
	privsep_peer_close(&peer);
	reap(peer.pid);
out_ids:
	ident_destroy(web);
out_id:
	ident_destroy(id);
out_announce:
	announce_close(&d.announce);
	reap(d.announce.pid);
	return rc;
}

/* The config file's words go before the command line, which wins. */
static int load_config(int argc, char **argv, struct config_words *w, char ***all, int *n)
{
	const char *path = NULL;
	bool explicit = false;
	char *text = NULL, err[512];
	size_t len;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
	}
	explicit = path != NULL;
	if (!path)
		path = DEFAULT_CONFIG;
	w->count = 0;
	int r = fileio_read_all(path, 256 * 1024, &text, &len, err, sizeof(err));
	if (r == -ENOENT && !explicit) {
		r = 0;
	} else if (r == 0) {
		r = config_parse(text, len, longopts, w, err, sizeof(err));
		if (r)
			fprintf(stderr, PROG ": %s: %s\n", path, err);
	} else {
		fprintf(stderr, PROG ": %s\n", err);
	}
	free(text);
	if (r)
		return r;
	*all = calloc((size_t)(argc + w->count + 1), sizeof(char *));
	if (!*all)
		return -ENOMEM;
	(*all)[0] = argv[0];
	for (int i = 0; i < w->count; i++)
		(*all)[1 + i] = w->words[i];
	for (int i = 1; i < argc; i++)
		(*all)[w->count + i] = argv[i];
	*n = argc + w->count;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {.state_dir = DEFAULT_STATE_DIR,
			    .fps = 60,
			    .window = 4,
			    .max_handshakes = 32,
			    .handshake_ms = 10000,
			    .idle_ms = 20000,
			    .pair_s = PAIR_DEFAULT_S,
			    .max_viewers = 4,
			    .clipboard_max = CLIPBOARD_DEFAULT_MAX,
			    .codec = PROTO_CODEC_H264};
	struct config_words words;
	char **all;
	int n, rc;

	/* Encoders' frames (megabytes each) come and go with viewers. glibc
	 * would raise its mmap threshold past them after the first free and
	 * serve the next session's from a heap that does not shrink: a fixed
	 * threshold gives them back when the last viewer leaves. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);

	/* A peer that vanishes must not kill us through a write. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (load_config(argc, argv, &words, &all, &n) != 0)
		return CLI_EXIT_USAGE;
	parse_options(n, all, &o);
	/* libavcodec and x264 talk a lot; keep their errors, and more with -vv. */
	av_log_set_level(o.verbose > 1 ? AV_LOG_VERBOSE : AV_LOG_ERROR);
	log_init(o.verbose ? LOG_DEBUG : LOG_INFO, NULL, NULL);
	if (o.probe)
		rc = cmd_probe(&o);
	else if (o.cmd && strcmp(o.cmd, "id") == 0)
		rc = cmd_id(&o);
	else if (o.cmd)
		rc = cmd_pair(&o);
	else
		rc = run(&o);
	free(all);
	config_words_free(&words);
	return rc;
}
