# PortPulse: one Makefile builds every command, the BPF objects and the tests.
#   make                 build bin/pp-*
#   make test            sanitizer build (ASan+UBSan) + unit and end-to-end tests
#   make demo            build and run a real pipeline
#   make bench           benchmarks (not tests), side by side with peer tools
#   make fuzz            libFuzzer targets for FUZZ_SECONDS each
#   make install PREFIX=/usr/local DESTDIR=    (make uninstall: the same files away)
#   make deb             build/deb/portpulse_VERSION_ARCH.deb (dpkg-deb)
# Quiet unless V=1.  SAN=1 builds everything with ASan+UBSan into build/san.

.DELETE_ON_ERROR:
.SUFFIXES:
SHELL       := /bin/bash

VERSION     := 0.1.0
PREFIX      ?= /usr/local
DESTDIR     ?=
CC          ?= cc
CLANG       ?= clang
BPFTOOL     ?= bpftool

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

ifeq ($(SAN),1)
BUILD       := build/san
BINDIR      := build/san/bin
SANFLAGS    := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT         := -O1 -g
else
BUILD       := build/rel
BINDIR      := bin
SANFLAGS    :=
OPT         := -O2 -g
endif

CFLAGS      ?= $(OPT)
WARN        := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes -Wformat=2
ALL_CFLAGS  := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE -DPP_VERSION='"$(VERSION)"' \
               -DJSMN_STRICT -DJSMN_PARENT_LINKS -Icommon -I$(BUILD) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)

# A command is a cmd/pp-X/ directory with a main.c.
COMMANDS    := $(patsubst cmd/%/main.c,%,$(wildcard cmd/pp-*/main.c))
COMMON_SRC  := $(wildcard common/*.c)
COMMON_OBJ  := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIBCOMMON   := $(BUILD)/libppcommon.a
COMMON_LIBS := -lcsv -lcrypto -lm

# Per-command libraries.
LIBS_pp-trace := -lbpf -lelf -lz
LIBS_pp-sniff := -lpcap
LIBS_pp-join  := -lpcap

BINS        := $(COMMANDS:%=$(BINDIR)/%)

all: deps-check $(BINS)

# --- dependencies: install what is missing on a fresh Debian machine -------
# A stamp keyed on the deps script so that editing it re-runs the check.
DEPS_STAMP := build/.deps-$(shell cksum < scripts/deps.sh | cut -d' ' -f1)
deps-check: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	$(Q)mkdir -p build
	$(Q)bash scripts/deps.sh --check-or-install
	$(Q)touch $@

# --- common library ----------------------------------------------------------
$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBCOMMON): $(COMMON_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# --- BPF: .bpf.c -> .bpf.o -> .skel.h ----------------------------------------
BPF_SRC     := $(wildcard bpf/*.bpf.c)
BPF_SKELS   := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/%.skel.h)
# Keep the objects (not intermediates to delete): bpftool prog load, -v debugging.
.SECONDARY: $(BPF_SKELS:.skel.h=.bpf.o)
ARCH        := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS  := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ibpf -Wall -Werror

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) | $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# vmlinux.h is committed; regenerate from the running kernel's BTF on demand.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h

# --- commands: every .c under cmd/pp-X/ links into bin/pp-X ------------------
define command_rules
$(1)_SRC := $$(wildcard cmd/$(1)/*.c)
$(1)_OBJ := $$($(1)_SRC:%.c=$(BUILD)/%.o)
$$($(1)_OBJ): | $$(BPF_SKELS)
$(BINDIR)/$(1): $$($(1)_OBJ) $(LIBCOMMON)
	$$(call msg,LD,$$@)
	$$(Q)mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$($(1)_OBJ) $(LIBCOMMON) $$(LIBS_$(1)) $(COMMON_LIBS)
endef
$(foreach c,$(COMMANDS),$(eval $(call command_rules,$(c))))

# --- tests -------------------------------------------------------------------
# Unit tests: tests/unit/test_X.c links with libppcommon and with the command
# sources named in its first line comment "// uses: cmd/pp-sniff/dns.c ...".
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

define unit_rules
$(1)_USES := $$(shell sed -n '1s|^// uses:||p' tests/unit/$(1).c)
$(1)_UOBJ := $$($(1)_USES:%.c=$(BUILD)/%.o)
$(BUILD)/tests/$(1): $(BUILD)/tests/unit/$(1).o $$($(1)_UOBJ) $(LIBCOMMON)
	$$(call msg,LD,$$@)
	$$(Q)mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ -lpcap -lbpf -lelf -lz $(COMMON_LIBS)
endef
$(foreach t,$(UNIT_SRC:tests/unit/%.c=%),$(eval $(call unit_rules,$(t))))

# Fuzz targets replayed: tests/fuzz/fuzz_X.c linked with replay_main.c instead
# of libFuzzer (first line "// uses: cmd/..." as for unit tests), so that make
# test runs every seed and every kept crash input under ASan+UBSan
# (tests/e2e/fuzz-replay.sh). scripts/fuzz.sh builds the libFuzzer versions.
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)

define fuzz_rules
$(1)_FUSES := $$(shell sed -n '1s|^// uses:||p' tests/fuzz/$(1).c)
$(1)_FOBJ := $$($(1)_FUSES:%.c=$(BUILD)/%.o)
$(BUILD)/tests/fuzz/$(1).o $$($(1)_FOBJ): | $$(BPF_SKELS)
$(BUILD)/tests/replay_$(1): $(BUILD)/tests/fuzz/$(1).o $(BUILD)/tests/fuzz/replay_main.o $$($(1)_FOBJ) $(LIBCOMMON)
	$$(call msg,LD,$$@)
	$$(Q)mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ -lpcap -lbpf -lelf -lz $(COMMON_LIBS)
endef
$(foreach t,$(FUZZ_SRC:tests/fuzz/%.c=%),$(eval $(call fuzz_rules,$(t))))

build-tests: all $(UNIT_BINS) $(FUZZ_REPLAY)

test:
	$(Q)$(MAKE) --no-print-directory SAN=1 build-tests
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PP_BIN=$(CURDIR)/build/san/bin PP_UNIT=$(CURDIR)/build/san/tests bash tests/run.sh $(TESTS)

demo: all
	$(Q)bash scripts/demo.sh

bench: all
	$(Q)bash scripts/bench.sh $(BENCH)

# make fuzz FUZZ_SECONDS=N [FUZZ=word]: each libFuzzer target for N seconds;
# fails on a crash (its input is kept in tests/fuzz/regress/, see the script).
FUZZ_SECONDS ?= 10
fuzz: deps-check $(BPF_SKELS)
	$(Q)bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ)

# --- install / clean -----------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/

# Exactly the files install puts there, no directory of anyone else's.
uninstall:
	rm -f $(COMMANDS:%=$(DESTDIR)$(PREFIX)/bin/%)
	rm -f $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/man5/%,$(wildcard man/*.5))

deb: all
	$(Q)bash scripts/mkdeb.sh $(VERSION)

clean:
	rm -rf build bin

.PHONY: all deps-check vmlinux build-tests test demo bench fuzz install uninstall deb clean

-include $(shell find build -name '*.d' -type f 2>/dev/null)
