// SPDX-License-Identifier: MIT
/* The session agent's channel: its message codec, the clipboard chunks,
 * the admission rule, and the daemon's real socket refusing a caller of
 * the wrong uid (a child that became nobody) while admitting the right one. */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmscast/agentmsg.h"
#include "kmscast/agentsock.h"
#include "kmscast/clipboard.h"
#include "kmscast/cliptext.h"
#include "kmscast/clock.h"
#include "tst.h"

static uint8_t buf[4096];

static int codec_round_trips(void)
{
	struct agentmsg m = {.type = AGENTMSG_HELLO}, d;
	size_t used;
	strcpy(m.u.hello.name, "wlr-data-control");
	m.u.hello.name_len = 16;
	long n = agentmsg_encode(&m, buf, sizeof(buf));
	CHECK_EQ_INT(n, AGENTMSG_HEADER_SIZE + 17);
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)n, 100, &d, &used), 0);
	CHECK_EQ_INT(used, n);
	CHECK(strcmp(d.u.hello.name, "wlr-data-control") == 0);
	/* Every proper prefix asks for more. */
	for (long k = 0; k < n; k++) {
		CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)k, 100, &d, &used), 0);
		CHECK_EQ_INT(used, 0);
	}
	m = (struct agentmsg){.type = AGENTMSG_CLIP,
			      .u.clip = {.len = 8, .text = (const uint8_t *)"a\tb\n\xc3\xa9 c"}};
	n = agentmsg_encode(&m, buf, sizeof(buf));
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_AGENT, buf, (size_t)n, 100, &d, &used), 0);
	CHECK_EQ_INT(d.u.clip.len, 8);
	CHECK_MEM(d.u.clip.text, "a\tb\n\xc3\xa9 c", 8);
	m = (struct agentmsg){.type = AGENTMSG_WELCOME, .u.welcome = {AGENTMSG_DIRS_ALL, 1048576}};
	n = agentmsg_encode(&m, buf, sizeof(buf));
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_AGENT, buf, (size_t)n, 100, &d, &used), 0);
	CHECK_EQ_INT(d.u.welcome.max_bytes, 1048576);
	return 0;
}

static int codec_refuses(void)
{
	struct agentmsg m = {.type = AGENTMSG_CLIP, .u.clip = {.len = 200, .text = buf + 1000}}, d;
	size_t used;
	memset(buf + 1000, 'x', 200);
	long n = agentmsg_encode(&m, buf, 1000);
	CHECK(n > 0);
	/* Judged by the header alone, with the size told for skipping. */
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, AGENTMSG_HEADER_SIZE, 199, &d,
				     &used),
		     AGENTMSG_E_TOO_BIG);
	CHECK_EQ_INT(d.body_len, 200);
	CHECK_EQ_INT(d.type, AGENTMSG_CLIP);
	/* A NUL in clipboard text, a bad magic, another version, a reserved
	 * byte, a type from the wrong side. */
	buf[AGENTMSG_HEADER_SIZE + 3] = 0;
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)n, 1000, &d, &used),
		     AGENTMSG_E_TEXT);
	buf[0] ^= 1;
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)n, 1000, &d, &used),
		     AGENTMSG_E_MAGIC);
	buf[0] ^= 1;
	buf[4] = 2;
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)n, 1000, &d, &used),
		     AGENTMSG_E_VERSION);
	buf[4] = AGENTMSG_VERSION;
	buf[6] = 1;
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)n, 1000, &d, &used),
		     AGENTMSG_E_RESERVED);
	buf[6] = 0;
	buf[5] = AGENTMSG_WELCOME;
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)n, 1000, &d, &used),
		     AGENTMSG_E_TYPE);
	buf[5] = AGENTMSG_BYE;
	CHECK_EQ_INT(agentmsg_decode(AGENTMSG_SIDE_DAEMON, buf, (size_t)n, 1000, &d, &used),
		     AGENTMSG_E_TYPE);
	/* A name with a control character is never encoded. */
	m = (struct agentmsg){.type = AGENTMSG_HELLO};
	strcpy(m.u.hello.name, "a\nb");
	m.u.hello.name_len = 3;
	CHECK_EQ_INT(agentmsg_encode(&m, buf, sizeof(buf)), -EINVAL);
	return 0;
}

static int chunks_reassemble(void)
{
	static uint8_t text[70000];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)('a' + i % 26);
	struct clip_rx rx = {.max = sizeof(text)};
	uint32_t off = 0;
	int r = 0;
	while (off < sizeof(text)) {
		uint32_t n = sizeof(text) - off < PROTO_CLIP_CHUNK ? sizeof(text) - off : PROTO_CLIP_CHUNK;
		struct proto_clipboard c = {sizeof(text), off, n, text + off};
		r = clip_rx_feed(&rx, &c);
		off += n;
		CHECK_EQ_INT(r, off < sizeof(text) ? CLIP_RX_MORE : CLIP_RX_DONE);
	}
	CHECK_MEM(rx.buf, text, sizeof(text));
	CHECK_EQ_INT(rx.buf[sizeof(text)], 0);
	/* Over the limit: refused once, its other chunks dropped, and the
	 * next text taken. */
	rx.max = 40000;
	struct proto_clipboard c = {sizeof(text), 0, PROTO_CLIP_CHUNK, text};
	CHECK_EQ_INT(clip_rx_feed(&rx, &c), -EFBIG);
	c.offset = PROTO_CLIP_CHUNK;
	CHECK_EQ_INT(clip_rx_feed(&rx, &c), CLIP_RX_MORE);
	c = (struct proto_clipboard){3, 0, 3, (const uint8_t *)"abc"};
	CHECK_EQ_INT(clip_rx_feed(&rx, &c), CLIP_RX_DONE);
	CHECK(strcmp((char *)rx.buf, "abc") == 0);
	/* Out of order, and not UTF-8. */
	c = (struct proto_clipboard){6, 3, 3, (const uint8_t *)"abc"};
	CHECK_EQ_INT(clip_rx_feed(&rx, &c), -EPROTO);
	c = (struct proto_clipboard){2, 0, 2, (const uint8_t *)"\xc3("};
	CHECK_EQ_INT(clip_rx_feed(&rx, &c), -EILSEQ);
	clip_rx_reset(&rx);
	CHECK(clip_hash((const uint8_t *)"a", 1) != clip_hash((const uint8_t *)"b", 1));
	return 0;
}

static int rate_limit(void)
{
	struct clipboard_bucket b = {0};
	uint64_t t = 1000000;
	for (int i = 0; i < CLIPBOARD_BURST; i++)
		CHECK(clipboard_bucket_take(&b, t));
	CHECK(!clipboard_bucket_take(&b, t));
	CHECK(!clipboard_bucket_take(&b, t + CLIPBOARD_REFILL_MS * 1000 - 1));
	CHECK(clipboard_bucket_take(&b, t + CLIPBOARD_REFILL_MS * 1000));
	CHECK(!clipboard_bucket_take(&b, t + CLIPBOARD_REFILL_MS * 1000));
	/* A long pause gives back a burst, not more. */
	t += 3600ull * 1000000;
	for (int i = 0; i < CLIPBOARD_BURST; i++)
		CHECK(clipboard_bucket_take(&b, t));
	CHECK(!clipboard_bucket_take(&b, t));
	CHECK_EQ_INT(clipboard_mode_by_name("to-host"), CLIPBOARD_TO_HOST);
	CHECK_EQ_INT(clipboard_mode_by_name("sideways"), -1);
	return 0;
}

static int admission_rule(void)
{
	char why[256];
	/* With logind: the active session's user, no one else. */
	CHECK_EQ_INT(agentsock_admit(1000, 0, 1000, AGENTSOCK_NO_UID, true, why, sizeof(why)), 0);
	CHECK_EQ_INT(agentsock_admit(1001, 0, 1000, 1001, true, why, sizeof(why)), -EPERM);
	CHECK(strstr(why, "uid 1001 is not the user of the seat's active session"));
	CHECK_EQ_INT(agentsock_admit(1000, -ENXIO, 0, 1000, true, why, sizeof(why)), -ENOENT);
	CHECK(strstr(why, "the seat has no active session"));
	/* Without: --agent-user, or nobody. */
	CHECK_EQ_INT(agentsock_admit(1001, -ENOENT, 0, 1001, false, why, sizeof(why)), 0);
	CHECK_EQ_INT(agentsock_admit(0, -ENOENT, 0, 1001, false, why, sizeof(why)), -EPERM);
	CHECK(strstr(why, "uid 0 is not --agent-user's (uid 1001)"));
	CHECK_EQ_INT(agentsock_admit(1001, -ENOENT, 0, AGENTSOCK_NO_UID, false, why, sizeof(why)),
		     -ENOENT);
	CHECK(strstr(why, "no --agent-user"));
	return 0;
}

struct seen {
	char backend[80];
	int agents;
	uint8_t text[64];
	uint32_t len;
};

static void on_agent(void *data, const char *backend)
{
	struct seen *s = data;
	if (backend) {
		snprintf(s->backend, sizeof(s->backend), "%s", backend);
		s->agents++;
	}
}

static void on_clip(void *data, const uint8_t *text, uint32_t len)
{
	struct seen *s = data;
	memcpy(s->text, text, len < 64 ? len : 64);
	s->len = len;
}

/* A child connects as uid, says HELLO and a text, and writes what came
 * back (the daemon's first message's type, or BYE's words) to the pipe. */
static pid_t peer(const char *path, uid_t uid, int out)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if (uid && (setgid(65534) != 0 || setuid(uid) != 0))
		_exit(3);
	/* A refused caller's write may come after the daemon closed: the
	 * answer is still there to read (as the real agent, which ignores
	 * SIGPIPE, reads it). */
	signal(SIGPIPE, SIG_IGN);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		_exit(4);
	struct agentmsg m = {.type = AGENTMSG_HELLO, .u.hello = {.name_len = 4, .name = "test"}};
	uint8_t b[600];
	long n = agentmsg_encode(&m, b, sizeof(b));
	m = (struct agentmsg){.type = AGENTMSG_CLIP,
			      .u.clip = {.len = 5, .text = (const uint8_t *)"hello"}};
	n += agentmsg_encode(&m, b + n, sizeof(b) - (size_t)n);
	(void)!write(fd, b, (size_t)n);
	ssize_t k = read(fd, b, sizeof(b));
	struct agentmsg d;
	size_t used;
	char said[600] = "nothing";
	if (k > 0 && agentmsg_decode(AGENTMSG_SIDE_AGENT, b, (size_t)k, 1000, &d, &used) == 0 &&
	    used) {
		if (d.type == AGENTMSG_BYE)
			snprintf(said, sizeof(said), "BYE %.*s", (int)d.u.bye.len, d.u.bye.text);
		else
			snprintf(said, sizeof(said), "%s", agentmsg_type_name(d.type));
	}
	(void)!write(out, said, strlen(said));
	_exit(0);
}

/* An agent that says HELLO and then never reads (it sleeps until killed). */
static pid_t mute_peer(const char *path)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%.100s", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		_exit(4);
	struct agentmsg m = {.type = AGENTMSG_HELLO, .u.hello = {.name_len = 4, .name = "mute"}};
	uint8_t b[64];
	long n = agentmsg_encode(&m, b, sizeof(b));
	(void)!write(fd, b, (size_t)n);
	for (;;)
		pause();
}

/* Lines of fd 2 that contain what, while fn runs. */
static int log_lines(const char *what, void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/kmscast-agentlog-XXXXXX", line[512];
	int fd = mkstemp(path), saved = dup(2), n = 0;
	fflush(stderr);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	if (f)
		fclose(f);
	close(fd);
	unlink(path);
	return n;
}

static int run_peer(uv_loop_t *loop, const char *path, uid_t uid, char *said, size_t len)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = peer(path, uid, p[1]);
	close(p[1]);
	int st;
	while (waitpid(pid, &st, WNOHANG) == 0)
		uv_run(loop, UV_RUN_NOWAIT);
	for (int i = 0; i < 20; i++)
		uv_run(loop, UV_RUN_NOWAIT); /* what it sent before it went */
	ssize_t n = read(p[0], said, len - 1);
	said[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int socket_admits_only_the_user(void)
{
	if (geteuid() != 0) {
		printf("SKIP agent.socket_admits_only_the_user: needs root to be another uid\n");
		return 0;
	}
	char dir[] = "/tmp/kmscast-agent-XXXXXX", path[128], err[256], said[600];
	CHECK(mkdtemp(dir));
	CHECK_EQ_INT(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/run/agent.sock", dir);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen seen = {0};
	struct agentsock *a;
	struct agentsock_options o = {.path = path, .seat = NULL, .fallback_uid = 0,
				      .max_bytes = 1000, .dirs = AGENTMSG_DIRS_ALL};
	struct agentsock_callbacks cb = {.on_agent = on_agent, .on_clip = on_clip};
	CHECK_EQ_INT(agentsock_create(&loop, &o, &cb, &seen, &a, err, sizeof(err)), 0);
	struct stat st;
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 0006, 0006); /* any user may connect */
	/* nobody (65534) is refused, told why, and nothing it said is taken. */
	CHECK_EQ_INT(run_peer(&loop, path, 65534, said, sizeof(said)), 0);
	CHECK(strcmp(said, "BYE refused: uid 65534 is not --agent-user's (uid 0)") == 0);
	CHECK_EQ_INT(seen.agents, 0);
	CHECK_EQ_INT(seen.len, 0);
	/* root, the --agent-user here, is welcomed and its text taken. */
	CHECK_EQ_INT(run_peer(&loop, path, 0, said, sizeof(said)), 0);
	CHECK(strcmp(said, "WELCOME") == 0);
	CHECK_EQ_INT(seen.agents, 1);
	CHECK(strcmp(seen.backend, "test") == 0);
	CHECK_EQ_INT(seen.len, 5);
	CHECK_MEM(seen.text, "hello", 5);
	/* An agent that never reads: what waits for it stays bounded, and
	 * the daemon is told (-ENOBUFS) instead of queueing more. */
	pid_t mute = mute_peer(path);
	while (seen.agents < 2)
		uv_run(&loop, UV_RUN_NOWAIT);
	static uint8_t text[1000];
	memset(text, 'q', sizeof(text));
	int r = 0, sent = 0;
	while (sent < 100000 && (r = agentsock_send_clip(a, text, sizeof(text))) == 0) {
		sent++;
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	kill(mute, SIGKILL);
	waitpid(mute, NULL, 0);
	CHECK_EQ_INT(r, -ENOBUFS);
	/* The kernel's socket buffer (~200 KiB) and 4 texts in the daemon. */
	CHECK(sent < 1000);
	printf("  a mute agent: %d texts of 1000 bytes taken, then -ENOBUFS\n", sent);
	agentsock_destroy(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
	/* A folder others may write is refused. */
	snprintf(path, sizeof(path), "%s/open", dir);
	CHECK_EQ_INT(mkdir(path, 0777), 0);
	CHECK_EQ_INT(chmod(path, 0777), 0);
	snprintf(path, sizeof(path), "%s/open/agent.sock", dir);
	uv_loop_init(&loop);
	CHECK_EQ_INT(agentsock_create(&loop, &o, &cb, &seen, &a, err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "the agent socket goes only in a folder that only this user"));
	uv_loop_close(&loop);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ_INT(system(cmd), 0);
	return 0;
}

struct flood {
	uv_loop_t *loop;
	const char *path;
	int refused;
	char last[700]; /* what a caller that was not refused saw */
};

static void refuse_many(void *arg)
{
	struct flood *f = arg;
	char said[600];
	for (int i = 0; i < 40; i++) {
		int rc = run_peer(f->loop, f->path, 65534, said, sizeof(said));
		if (rc == 0 && !strncmp(said, "BYE refused", 11))
			f->refused++;
		else
			snprintf(f->last, sizeof(f->last), "exit %d, said '%s'", rc, said);
	}
}

/* Any local user may connect as often as it likes: each is refused and
 * told, and the log says so within its budget, with the count of the
 * rest in the next line. */
static int refusals_bounded_in_the_log(void)
{
	if (geteuid() != 0) {
		printf("SKIP agent.refusals_bounded_in_the_log: needs root to be another uid\n");
		return 0;
	}
	char dir[] = "/tmp/kmscast-agent-XXXXXX", path[128], err[256];
	CHECK(mkdtemp(dir));
	CHECK_EQ_INT(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/run/agent.sock", dir);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct agentsock *a;
	struct agentsock_options o = {.path = path, .fallback_uid = 0, .max_bytes = 1000};
	CHECK_EQ_INT(agentsock_create(&loop, &o, NULL, NULL, &a, err, sizeof(err)), 0);
	struct flood f = {&loop, path, 0, ""};
	uint64_t t0 = mono_us();
	int lines = log_lines("agent: refused pid", refuse_many, &f);
	uint64_t ms = (mono_us() - t0) / 1000;
	if (f.refused != 40)
		fprintf(stderr, "  a caller: %s\n", f.last);
	CHECK_EQ_INT(f.refused, 40);
	CHECK(lines >= 1);
	CHECK((uint64_t)lines <= CLIPBOARD_BURST + ms / CLIPBOARD_REFILL_MS + 1);
	printf("  40 refused callers in %llu ms: %d log lines\n", (unsigned long long)ms, lines);
	agentsock_destroy(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ_INT(system(cmd), 0);
	return 0;
}

TST_MAIN("agent", TST_CASE(codec_round_trips), TST_CASE(codec_refuses),
	 TST_CASE(chunks_reassemble), TST_CASE(rate_limit), TST_CASE(admission_rule), TST_CASE(socket_admits_only_the_user),
	 TST_CASE(refusals_bounded_in_the_log))
