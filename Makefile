# kmscast build. Output goes under $(BUILD); `make BUILD=build/asan SAN=1`
# builds the same tree with ASan+UBSan.

BUILD ?= build
SAN ?=
CC ?= cc
PKG_CONFIG ?= pkg-config

# Every library comes through pkg-config; `=` so a fresh machine can run
# tools/install-deps first (make check does) and the flags are read after.
PKGS_COMMON = libdrm libpng openssl libuv
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
LDLIBS += $(PKG_LIBS)

LIB_SRC = $(filter-out src/kmscastd.c,$(wildcard src/*.c))
LIB = $(BUILD)/libkmscast.a
BINS = $(BUILD)/kmscastd $(BUILD)/kmscast $(BUILD)/kmscast-grab $(BUILD)/kmscast-paint
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
VM_HELPERS = $(BUILD)/tests/kms-query $(BUILD)/tests/scene-tool $(BUILD)/tests/capture-soak
NET_HELPERS = $(BUILD)/tests/net-abuse

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

.PHONY: all tests check demo clean deps
.SECONDARY:
all: $(BINS) $(VM_HELPERS) $(NET_HELPERS)
tests: $(UNIT_TESTS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/kmscastd: $(call obj,src/kmscastd.c) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/kmscast: $(call obj,$(wildcard client/*.c)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/kmscast-grab: $(call obj,$(wildcard tools/grab/*.c)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/kmscast-paint: $(call obj,$(wildcard tools/paint/*.c)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/vm/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/net-%: $(BUILD)/obj/tests/net/net-%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	tools/install-deps

# Installs what is missing, builds plain and sanitized, runs the unit tests,
# then the scenarios in the VM rig; ends with "N passed, N failed".
check: deps
	tests/check

demo: deps
	$(MAKE) all
	tests/vm/demo

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
