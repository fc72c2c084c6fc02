// SPDX-License-Identifier: MIT
/* evdev-tool: the input scenarios' stand-ins, through libevdev.
 *
 *   evdev-tool create NAME keyboard|mouse|tablet
 *       makes a uinput device (a thin client's keyboard, mouse or QEMU-style
 *       tablet with 0..32767 axes), prints its node, then writes what stdin
 *       says, a line each: "EV_KEY KEY_A 1", "SYN" (SYN_REPORT), "sleep MS".
 *       At end of input the device goes away, like an unplugged one.
 *   evdev-tool read NAME [--ready FILE] [--share]
 *       waits up to 60 s for the device called NAME, grabs it (so injected
 *       keys reach neither the console nor a VT switch; --share: reads
 *       beside the display server, which gets them too), prints its absolute
 *       axes ("absinfo ABS_X 0 319"), touches FILE, then prints each frame's
 *       events as "EV_KEY KEY_A 1" and "SYN" until killed. The kernel's own
 *       autorepeat (value 2) is not printed, nor a frame left empty by that.
 *   evdev-tool state NODE KEY
 *       prints "down" or "up": the key's state in the kernel (EVIOCGKEY), or
 *       "absent" when the device does not have the key at all.
 *   evdev-tool spec
 *       reads the lines create reads and prints them as kmscast
 *       --send-input's TYPE:CODE:VALUE,... (one batch on the wire).
 *   evdev-tool console graphics|text off|unicode
 *       sets the active console's mode (KDSETMODE) and its keyboard's
 *       (KDSKBMODE), through /dev/tty0: a display server leaves it
 *       "graphics off"; a text console is "text unicode".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <libevdev/libevdev-uinput.h>
#include <libevdev/libevdev.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "evdev-tool: %s\n", what);
	return 1;
}

static void enable_range(struct libevdev *d, unsigned type, unsigned from, unsigned to)
{
	libevdev_enable_event_type(d, type);
	for (unsigned c = from; c <= to; c++)
		libevdev_enable_event_code(d, type, c, NULL);
}

/* One event line, "EV_KEY KEY_A 1" or "SYN", into ev; false otherwise. */
static bool parse_event(const char *line, struct input_event *ev)
{
	char t[64], c[64];
	int v;
	if (!strncmp(line, "SYN", 3)) {
		*ev = (struct input_event){.type = EV_SYN, .code = SYN_REPORT};
		return true;
	}
	if (sscanf(line, "%63s %63s %d", t, c, &v) != 3)
		return false;
	int type = libevdev_event_type_from_name(t);
	int code = type < 0 ? -1 : libevdev_event_code_from_name((unsigned)type, c);
	if (code < 0) {
		fprintf(stderr, "evdev-tool: no event %s %s\n", t, c);
		return false;
	}
	*ev = (struct input_event){.type = (uint16_t)type, .code = (uint16_t)code, .value = v};
	return true;
}

static int create(const char *name, const char *kind)
{
	struct libevdev *d = libevdev_new();
	struct libevdev_uinput *ui;
	libevdev_set_name(d, name);
	libevdev_set_id_bustype(d, BUS_USB);
	if (!strcmp(kind, "keyboard")) {
		enable_range(d, EV_KEY, KEY_ESC, KEY_MICMUTE);
	} else if (!strcmp(kind, "mouse")) {
		enable_range(d, EV_KEY, BTN_LEFT, BTN_MIDDLE);
		enable_range(d, EV_REL, REL_X, REL_Y);
		libevdev_enable_event_code(d, EV_REL, REL_WHEEL, NULL);
		libevdev_enable_event_code(d, EV_REL, REL_WHEEL_HI_RES, NULL);
	} else if (!strcmp(kind, "tablet")) {
		struct input_absinfo a = {.minimum = 0, .maximum = 32767};
		enable_range(d, EV_KEY, BTN_LEFT, BTN_MIDDLE);
		libevdev_enable_event_type(d, EV_ABS);
		libevdev_enable_event_code(d, EV_ABS, ABS_X, &a);
		libevdev_enable_event_code(d, EV_ABS, ABS_Y, &a);
	} else {
		return die("create wants keyboard, mouse or tablet");
	}
	int r = libevdev_uinput_create_from_device(d, LIBEVDEV_UINPUT_OPEN_MANAGED, &ui);
	libevdev_free(d);
	if (r < 0)
		return die(strerror(-r));
	printf("%s\n", libevdev_uinput_get_devnode(ui));
	fflush(stdout);
	char line[256];
	struct input_event ev;
	int ms;
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "sleep %d", &ms) == 1)
			usleep((useconds_t)ms * 1000);
		else if (parse_event(line, &ev))
			libevdev_uinput_write_event(ui, ev.type, ev.code, ev.value);
	}
	libevdev_uinput_destroy(ui);
	return 0;
}

/* The same lines as kmscast --send-input's TYPE:CODE:VALUE,... (sleeps
 * dropped: the client sends them as one batch). */
static int spec(void)
{
	char line[256];
	struct input_event ev;
	const char *sep = "";
	while (fgets(line, sizeof(line), stdin))
		if (parse_event(line, &ev)) {
			printf("%s%u:%u:%d", sep, ev.type, ev.code, ev.value);
			sep = ",";
		}
	printf("\n");
	return 0;
}

/* The first /dev/input/event* whose name is name, opened; -1 if none. */
static int find(const char *name, struct libevdev **out)
{
	DIR *dir = opendir("/dev/input");
	struct dirent *e;
	int found = -1;
	while (dir && found < 0 && (e = readdir(dir))) {
		char path[300];
		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (libevdev_new_from_fd(fd, out) == 0) {
			if (!strcmp(libevdev_get_name(*out), name)) {
				found = fd;
				break;
			}
			libevdev_free(*out);
		}
		close(fd);
	}
	if (dir)
		closedir(dir);
	return found;
}

static int reader(const char *name, const char *ready, bool grab)
{
	struct libevdev *d = NULL;
	int fd = -1;
	for (int i = 0; i < 600 && fd < 0; i++) {
		fd = find(name, &d);
		if (fd < 0)
			usleep(100000);
	}
	if (fd < 0)
		return die("no such device within 60 s");
	if (grab && libevdev_grab(d, LIBEVDEV_GRAB) != 0)
		return die("cannot grab the device");
	for (unsigned a = ABS_X; a <= ABS_Y; a++) {
		const struct input_absinfo *ai = libevdev_get_abs_info(d, a);
		if (ai)
			printf("absinfo %s %d %d\n", libevdev_event_code_get_name(EV_ABS, a),
			       ai->minimum, ai->maximum);
	}
	fflush(stdout);
	if (ready)
		fclose(fopen(ready, "w"));
	char frame[4096];
	size_t n = 0;
	for (;;) {
		struct input_event ev;
		int r = libevdev_next_event(d, LIBEVDEV_READ_FLAG_NORMAL | LIBEVDEV_READ_FLAG_BLOCKING, &ev);
		if (r == -EAGAIN)
			continue;
		if (r == LIBEVDEV_READ_STATUS_SYNC) {
			printf("SYN_DROPPED\n");
			fflush(stdout);
			continue;
		}
		if (r < 0)
			return die(strerror(-r));
		if (ev.type == EV_SYN && ev.code == SYN_REPORT) {
			if (n) {
				printf("%sSYN\n", frame);
				fflush(stdout);
			}
			n = 0;
			frame[0] = 0;
			continue;
		}
		if (ev.type == EV_KEY && ev.value == 2)
			continue; /* the host's autorepeat, not injected */
		if (ev.type == EV_MSC || ev.type == EV_SYN)
			continue;
		if (n < sizeof(frame) - 100)
			n += (size_t)snprintf(frame + n, sizeof(frame) - n, "%s %s %d\n",
					      libevdev_event_type_get_name(ev.type),
					      libevdev_event_code_get_name(ev.type, ev.code), ev.value);
	}
}

static int state(const char *node, const char *key)
{
	struct libevdev *d;
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	int code = libevdev_event_code_from_name(EV_KEY, key);
	if (fd < 0 || code < 0 || libevdev_new_from_fd(fd, &d) != 0)
		return die("state wants a device node and a KEY_ name");
	printf("%s\n", !libevdev_has_event_code(d, EV_KEY, (unsigned)code) ? "absent" :
			libevdev_get_event_value(d, EV_KEY, (unsigned)code) ? "down" : "up");
	libevdev_free(d);
	close(fd);
	return 0;
}

static int console(const char *mode, const char *kb)
{
	bool graphics = !strcmp(mode, "graphics"), off = !strcmp(kb, "off");
	int fd = open("/dev/tty0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || (!graphics && strcmp(mode, "text")) || (!off && strcmp(kb, "unicode")))
		return die("console wants graphics|text off|unicode, and /dev/tty0");
	if (ioctl(fd, KDSETMODE, graphics ? KD_GRAPHICS : KD_TEXT) < 0 ||
	    ioctl(fd, KDSKBMODE, off ? K_OFF : K_UNICODE) < 0)
		return die("cannot set the console's mode");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "create"))
		return create(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "read")) {
		const char *ready = NULL;
		bool grab = true;
		int i = 3;
		for (; i < argc; i++) {
			if (!strcmp(argv[i], "--ready") && i + 1 < argc)
				ready = argv[++i];
			else if (!strcmp(argv[i], "--share"))
				grab = false;
			else
				break;
		}
		if (i == argc)
			return reader(argv[2], ready, grab);
	}
	if (argc == 4 && !strcmp(argv[1], "state"))
		return state(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "console"))
		return console(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "spec"))
		return spec();
	fprintf(stderr, "usage: evdev-tool create NAME keyboard|mouse|tablet\n"
			"       evdev-tool read NAME [--ready FILE] [--share]\n"
			"       evdev-tool state NODE KEY_NAME\n"
			"       evdev-tool console graphics|text off|unicode\n"
			"       evdev-tool spec\n");
	return 2;
}
