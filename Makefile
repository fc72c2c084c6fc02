# SPDX-License-Identifier: MIT
# kmscast build. Output goes under $(BUILD); `make BUILD=build/asan SAN=1`
# builds the same tree with ASan+UBSan.

BUILD ?= build
SAN ?=
CC ?= cc
PKG_CONFIG ?= pkg-config

# Every library comes through pkg-config; `=` so a fresh machine can run
# tools/install-deps first (make check does) and the flags are read after.
PKGS_COMMON = libdrm libpng openssl libuv libzstd libavcodec libavformat libavutil libswscale libva libva-drm \
	libevdev libudev libcap libseccomp libxxhash x264 avahi-client jansson libsystemd
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS_COMMON))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS_COMMON))

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wno-missing-field-initializers
OPT = -O2 -g
ifeq ($(SAN),1)
OPT = -O1 -g -fno-omit-frame-pointer
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all
endif
CPPFLAGS += -D_DEFAULT_SOURCE -Iinclude
CFLAGS += -std=c11 $(WARN) $(OPT) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
# libwslay ships no pkg-config file.
# Nor does libresolv, glibc's (unicast DNS-SD).
LDLIBS += $(PKG_LIBS) -lwslay -lresolv -lm

# Three archives, so that a dependency across a line is a link error (as
# wayvnc's meson.build draws it), each from its own folder: src/common is
# what the clients, the daemon, the agent and the tools share; src/capture
# reads scanout buffers and runs the privileged helper; src/daemon is the
# network side, streaming, encoding and injecting (and kmscastd's main).
# src/agent is the per-user session agent, on common alone, as the client is.
COMMON_SRC = $(wildcard src/common/*.c)
CAPTURE_SRC = $(wildcard src/capture/*.c)
DAEMON_SRC = $(filter-out src/daemon/kmscastd.c,$(wildcard src/daemon/*.c))
AGENT_SRC = $(wildcard src/agent/*.c)
UNLISTED = $(filter-out $(COMMON_SRC) $(CAPTURE_SRC) $(DAEMON_SRC) $(AGENT_SRC) src/daemon/kmscastd.c,\
	$(wildcard src/*.c src/*/*.c))
$(if $(UNLISTED),$(error $(UNLISTED): in no folder of src/; put it in common, capture, daemon or agent))
COMMON_LIB = $(BUILD)/libkmscast-common.a
CAPTURE_LIB = $(BUILD)/libkmscast-capture.a
DAEMON_LIB = $(BUILD)/libkmscast-daemon.a
# Everything, in the order a static link needs (tests, tools that capture).
LIB = $(DAEMON_LIB) $(CAPTURE_LIB) $(COMMON_LIB)
BINS = $(BUILD)/kmscastd $(BUILD)/kmscast $(BUILD)/kmscast-grab $(BUILD)/kmscast-paint \
	$(BUILD)/kmscast-agent
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
VM_HELPERS = $(BUILD)/tests/kms-query $(BUILD)/tests/scene-tool $(BUILD)/tests/capture-soak \
	$(BUILD)/tests/evdev-tool $(BUILD)/tests/mkedid $(BUILD)/tests/wl-pointer
NET_HELPERS = $(BUILD)/tests/net-abuse $(BUILD)/tests/net-flood $(BUILD)/tests/bench-transport \
	$(BUILD)/tests/mktoken

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

.PHONY: all tests check demo clean deps fuzz fuzz-build fuzz-seeds bench man install edid \
	format format-check
.SECONDARY:
all: $(BINS) $(VM_HELPERS) $(NET_HELPERS)
tests: $(UNIT_TESTS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The browser viewer's files go into the daemon as they are (.incbin).
WEB_FILES = $(wildcard client/web/*.* client/web/vendor/*)
$(BUILD)/obj/src/daemon/webfiles.o: src/daemon/webfiles.S $(WEB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
$(CAPTURE_LIB): $(call obj,$(CAPTURE_SRC))
$(DAEMON_LIB): $(call obj,$(DAEMON_SRC)) $(BUILD)/obj/src/daemon/webfiles.o
$(COMMON_LIB) $(CAPTURE_LIB) $(DAEMON_LIB):
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/kmscastd: $(call obj,src/daemon/kmscastd.c) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# Only the client draws windows: SDL and SDL_ttf are its alone.
CLIENT_PKGS = sdl2 SDL2_ttf
$(BUILD)/obj/client/%.o: CFLAGS += $(shell $(PKG_CONFIG) --cflags $(CLIENT_PKGS))
$(BUILD)/kmscast: $(call obj,$(wildcard client/*.c)) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs $(CLIENT_PKGS))
# The session agent: common, the desktop's libraries, and the Wayland
# data-control protocol's code made by wayland-scanner from its XML, which
# Debian ships with the wlr-protocols (librust-wayland-protocols-dev).
AGENT_PKGS = wayland-client xcb xcb-xfixes libsystemd
WLR_DATA_CONTROL = $(firstword $(wildcard \
	/usr/share/cargo/registry/wayland-protocols-*/wlr-protocols/unstable/wlr-data-control-unstable-v1.xml))
$(BUILD)/gen/wlr-data-control-unstable-v1-client-protocol.h: $(WLR_DATA_CONTROL)
	@mkdir -p $(dir $@)
	wayland-scanner client-header $< $@
$(BUILD)/gen/wlr-data-control-unstable-v1-protocol.c: $(WLR_DATA_CONTROL)
	@mkdir -p $(dir $@)
	wayland-scanner private-code $< $@
$(BUILD)/obj/src/agent/%.o: CFLAGS += $(shell $(PKG_CONFIG) --cflags $(AGENT_PKGS))
$(BUILD)/obj/src/agent/%.o: CPPFLAGS += -I$(BUILD)/gen
$(BUILD)/obj/src/agent/wlclip.o: $(BUILD)/gen/wlr-data-control-unstable-v1-client-protocol.h
$(BUILD)/kmscast-agent: $(call obj,$(AGENT_SRC)) $(BUILD)/obj/gen/wlr-data-control-unstable-v1-protocol.o \
		$(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs $(AGENT_PKGS))
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/kmscast-grab: $(call obj,$(wildcard tools/grab/*.c)) $(CAPTURE_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/kmscast-paint: $(call obj,$(wildcard tools/paint/*.c)) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/vm/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# Portal tokens for the tests, signed as a portal signs them.
$(BUILD)/tests/mktoken: $(BUILD)/obj/tests/web/mktoken.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto
$(BUILD)/tests/net-%: $(BUILD)/obj/tests/net/net-%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# The SDL scancode table is the client's; its test asks SDL for the names.
$(BUILD)/tests/unit/test_sdlkeys: $(BUILD)/obj/tests/unit/test_sdlkeys.o $(BUILD)/obj/client/sdlkeys.o \
		$(BUILD)/obj/client/evmap.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs sdl2)

# The input map is the client's (and the letterbox fit scene-tool checks).
$(BUILD)/tests/unit/test_evmap: $(BUILD)/obj/tests/unit/test_evmap.o $(BUILD)/obj/client/evmap.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/scene-tool: $(BUILD)/obj/tests/vm/scene-tool.o $(BUILD)/obj/client/evmap.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The recorder is the client's; its test feeds it hostile keyframes.
$(BUILD)/tests/unit/test_record: $(BUILD)/obj/tests/unit/test_record.o $(BUILD)/obj/client/record.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The presenter choice is the client's; its test covers each branch.
$(BUILD)/tests/unit/test_choose: $(BUILD)/obj/tests/unit/test_choose.o $(BUILD)/obj/client/choose.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The desktop scenarios' Wayland application; xdg-shell's code is made
# from the protocol's XML by wayland-scanner, as every Wayland client does.
WL_XDG = $(shell $(PKG_CONFIG) --variable=pkgdatadir wayland-protocols)/stable/xdg-shell/xdg-shell.xml
$(BUILD)/gen/xdg-shell-client-protocol.h: $(WL_XDG)
	@mkdir -p $(dir $@)
	wayland-scanner client-header $< $@
$(BUILD)/gen/xdg-shell-protocol.c: $(WL_XDG)
	@mkdir -p $(dir $@)
	wayland-scanner private-code $< $@
$(BUILD)/obj/tests/vm/wl-pointer.o: CPPFLAGS += -I$(BUILD)/gen
$(BUILD)/obj/tests/vm/wl-pointer.o: $(BUILD)/gen/xdg-shell-client-protocol.h
$(BUILD)/tests/wl-pointer: $(BUILD)/obj/tests/vm/wl-pointer.o $(BUILD)/obj/gen/xdg-shell-protocol.o \
		$(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs wayland-client)

# The capture's KMS logic against a fake libdrm, linked ahead of the real
# one: the kernel is a table here, the capture code is the real code.
$(BUILD)/tests/unit/test_capture_kms: $(BUILD)/obj/tests/unit/test_capture_kms.o \
		$(BUILD)/obj/tests/unit/fake_drm.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	tools/install-deps

# libFuzzer targets, one per parser of another party's bytes, built with
# clang and ASan+UBSan: the protocol on each side, the recorder's parameter
# sets, the lossless decoder, the cursor path, the file parsers, a
# browser's HTTP requests and WebSocket frames, and the capture helper's
# answers, and the session agent's channel. `make
# fuzz` runs each for FUZZ_RUNS executions (and at most FUZZ_SECONDS); new
# inputs go to FUZZ_OUT/corpus-*, the seeds stay in tests/fuzz/corpus-*.
FUZZ_RUNS ?= 10000000
FUZZ_SECONDS ?= 3600
FUZZ_OUT ?= $(BUILD)/fuzz
FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -D_DEFAULT_SOURCE -Iinclude -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
FUZZ_NAMES = proto_server proto_client annexb lossless cursor files http ws dnssd jwt web privsep agent
FUZZERS = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_SRC_annexb = src/common/annexb.c
FUZZ_SRC_lossless = src/common/lossless.c
FUZZ_LIBS_lossless = -lzstd
FUZZ_SRC_cursor = src/common/proto.c src/common/format.c
FUZZ_CFLAGS_cursor = $(shell $(PKG_CONFIG) --cflags libdrm)
FUZZ_SRC_files = src/common/trust.c src/common/config.c
FUZZ_LIBS_files = -lcrypto
FUZZ_SRC_http = src/common/http.c
FUZZ_LIBS_http = -lcrypto
FUZZ_SRC_jwt = src/daemon/jwt.c src/common/fileio.c src/common/errmsg.c
FUZZ_LIBS_jwt = -lcrypto -ljansson
FUZZ_SRC_dnssd = src/common/dnssd.c src/common/trust.c
FUZZ_LIBS_dnssd = -lresolv -lcrypto
FUZZ_SRC_web = src/daemon/webparse.c src/common/http.c src/common/trust.c
FUZZ_LIBS_web = -lcrypto
FUZZ_SRC_ws = src/common/ws.c src/common/proto.c
FUZZ_SRC_privsep = src/capture/wire.c src/common/errmsg.c
FUZZ_SRC_agent = src/common/agentmsg.c src/common/cliptext.c src/common/proto.c
FUZZ_LIBS_agent = -lxxhash
FUZZ_LIBS_ws = -lwslay
$(BUILD)/fuzz/fuzz_proto_%: tests/fuzz/fuzz_proto.c src/common/proto.c include/kmscast/proto.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_SIDE=PROTO_SIDE_$(shell echo $* | tr a-z A-Z) \
		-o $@ tests/fuzz/fuzz_proto.c src/common/proto.c
.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $(wildcard include/kmscast/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CFLAGS_$*) -o $@ tests/fuzz/fuzz_$*.c $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*)
fuzz-build: $(FUZZERS)
fuzz: fuzz-build
	tests/fuzz/run --runs $(FUZZ_RUNS) --seconds $(FUZZ_SECONDS) --bin $(BUILD)/fuzz \
		--out $(FUZZ_OUT) $(FUZZ_NAMES)
fuzz-seeds: $(BUILD)/tests/mkseeds
	mkdir -p tests/fuzz/corpus-proto_server tests/fuzz/corpus-proto_client tests/fuzz/corpus-lossless \
		tests/fuzz/corpus-privsep
	$(BUILD)/tests/mkseeds tests/fuzz
$(BUILD)/tests/bench-%: $(BUILD)/obj/tests/bench/bench-%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/mkseeds: $(BUILD)/obj/tests/fuzz/mkseeds.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The layout .clang-format describes, for the C of src, include, client and
# tools (tests/ keeps its own). format-check names each line that differs.
FORMAT_FILES = $(sort $(wildcard src/*.[ch] src/*/*.[ch] include/kmscast/*.h client/*.[ch] \
	tools/*/*.[ch]))
CLANG_FORMAT ?= clang-format
format-check:
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES)
format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

# Installs what is missing, builds plain and sanitized, runs the unit tests,
# then the scenarios in the VM rig; ends with "N passed, N failed".
check:
	@start=$$(date +%s); $(MAKE) --no-print-directory deps && \
		KMSCAST_DEPS_SECONDS=$$(($$(date +%s) - start)) tests/check

demo: deps
	$(MAKE) all
	tests/vm/demo

# Benchmarks: kmscast against FFmpeg's kmsgrab + libx264 in one boot of the
# rig, and the transport (TLS 1.3 vs plain TCP) on the host. Writes
# build/bench.md. Not part of check, which runs the same code small.
bench: deps
	$(MAKE) all
	tests/bench/run

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Installing: PREFIX and DESTDIR as usual. Man pages carry each program's
# --help as their options list, so they cannot drift from it.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
SYSTEMDUSERDIR ?= $(PREFIX)/lib/systemd/user
XDGAUTOSTARTDIR ?= /etc/xdg/autostart
MANPAGES = $(BUILD)/man/kmscastd.8 $(BUILD)/man/kmscast.1 $(BUILD)/man/kmscast-grab.1 \
	$(BUILD)/man/kmscast-agent.1 \
	$(BUILD)/man/kmscast-pool.1

man: $(MANPAGES)
$(BUILD)/man/kmscastd.8: $(BUILD)/kmscastd
$(BUILD)/man/kmscast.1: $(BUILD)/kmscast
$(BUILD)/man/kmscast-grab.1: $(BUILD)/kmscast-grab
$(BUILD)/man/kmscast-agent.1: $(BUILD)/kmscast-agent
# The pool tool is a script: its --help comes from tools/.
$(BUILD)/man/kmscast-pool.1: man/kmscast-pool.1.in tools/manhelp tools/kmscast-pool
	@mkdir -p $(dir $@)
	tools/manhelp $< tools/kmscast-pool >$@.tmp && mv $@.tmp $@
$(BUILD)/man/%: man/%.in tools/manhelp
	@mkdir -p $(dir $@)
	tools/manhelp $< $(BUILD)/$(basename $*) >$@.tmp && mv $@.tmp $@

install: $(BUILD)/kmscastd $(BUILD)/kmscast $(BUILD)/kmscast-grab $(BUILD)/kmscast-agent $(MANPAGES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(SYSTEMDUSERDIR) $(DESTDIR)$(XDGAUTOSTARTDIR)
	install -m 755 $(BUILD)/kmscastd $(BUILD)/kmscast $(BUILD)/kmscast-grab $(BUILD)/kmscast-agent \
		tools/kmscast-pool $(DESTDIR)$(BINDIR)/
	install -m 644 $(BUILD)/man/kmscast.1 $(BUILD)/man/kmscast-grab.1 $(BUILD)/man/kmscast-pool.1 \
		$(BUILD)/man/kmscast-agent.1 \
		$(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(BUILD)/man/kmscastd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 udev/60-kmscast.rules $(DESTDIR)$(UDEVRULESDIR)/
	install -m 644 udev/kmscast.sysusers $(DESTDIR)$(SYSUSERSDIR)/kmscast.conf
	sed 's|@BINDIR@|$(BINDIR)|g' udev/kmscastd.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/kmscastd.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/kmscastd.service
	sed 's|@BINDIR@|$(BINDIR)|g' udev/kmscast-agent.service.in \
		>$(DESTDIR)$(SYSTEMDUSERDIR)/kmscast-agent.service
	sed 's|@BINDIR@|$(BINDIR)|g' udev/kmscast-agent.desktop.in \
		>$(DESTDIR)$(XDGAUTOSTARTDIR)/kmscast-agent.desktop
	chmod 644 $(DESTDIR)$(SYSTEMDUSERDIR)/kmscast-agent.service \
		$(DESTDIR)$(XDGAUTOSTARTDIR)/kmscast-agent.desktop

# The EDID files for headless connectors in kernel-notes/edid (committed;
# test_edid checks they are what src/common/edid.c makes).
$(BUILD)/tests/mkedid: $(call obj,tools/edid/mkedid.c) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
edid: $(BUILD)/tests/mkedid
	mkdir -p kernel-notes/edid
	$(BUILD)/tests/mkedid kernel-notes/edid
