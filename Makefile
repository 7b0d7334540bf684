# PortPulse: one Makefile builds every command, the BPF objects and the tests.
#   make                 build bin/pp-* (installs nothing)
#   make deps            install the Debian packages that are missing (scripts/deps.sh)
#   make test            deps, sanitizer build (ASan+UBSan) + unit and end-to-end tests
#   make demo            deps, build and run a real pipeline
#   make bench           deps, benchmarks (not tests), side by side with peer tools
#   make fuzz            deps, libFuzzer targets for FUZZ_SECONDS each
#   make fuzz-long       the same on the kept corpus tests/fuzz/corpus/, totals added up
#   make install PREFIX=/usr/local DESTDIR=    (make uninstall: the same files away)
#   make deb             build/deb/portpulse_VERSION_ARCH.deb (dpkg-deb)
# Quiet unless V=1.  SAN=1 builds everything with ASan+UBSan into build/san;
# FUZZBUILD=1 builds the libraries with clang for libFuzzer into build/fuzz-obj.
#
# Link graph: each command is a library of its sources plus its main.o
# (build/.../libpp-X.a); the binary links main.o and its library, the unit
# tests and fuzz targets link the libraries they need from all of them, so
# no file restates which sources a test uses.

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

ifeq ($(FUZZBUILD),1)
CC          := $(CLANG)
BUILD       := build/fuzz-obj
BINDIR      := build/fuzz-obj/bin
SANFLAGS    := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
OPT         := -O1 -g
else ifeq ($(SAN),1)
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
WARN        := -Wall -Wextra $(if $(FUZZBUILD),,-Werror) -Wshadow -Wno-unused-parameter -Wstrict-prototypes -Wformat=2
ALL_CFLAGS  := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE -DPP_VERSION='"$(VERSION)"' \
               -DJSMN_STRICT -DJSMN_PARENT_LINKS -Icommon -I$(BUILD) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)

# A command is a cmd/pp-X/ directory with a main.c.
COMMANDS    := $(patsubst cmd/%/main.c,%,$(wildcard cmd/pp-*/main.c))
COMMON_SRC  := $(wildcard common/*.c)
COMMON_OBJ  := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIBCOMMON   := $(BUILD)/libppcommon.a
COMMON_LIBS := -lcsv -lcrypto -lm

# System libraries per command, and for tests, which may use any command.
LIBS_pp-trace := -lbpf -lelf -lz -lseccomp
LIBS_pp-sniff := -lpcap -lseccomp
LIBS_pp-join  := -lpcap -pthread
TEST_LIBS   := -lpcap -lbpf -lelf -lz -lseccomp -pthread $(COMMON_LIBS)

BINS        := $(COMMANDS:%=$(BINDIR)/%)

all: $(BINS)

# --- dependencies: install what is missing on a fresh Debian machine -------
# Only on request (make deps) and by demo, test, bench and fuzz; plain make
# never installs anything.
deps:
	$(Q)bash scripts/deps.sh --check-or-install

# --- common library ----------------------------------------------------------
$(BUILD)/%.o: %.c
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

# -g makes the BTF that CO-RE and the skeleton need; the DWARF that comes
# with it is only for debuggers and is stripped (BTF stays: not a debug
# section to llvm-strip), as bcc's libbpf-tools do.
LLVM_STRIP  ?= llvm-strip
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# socktrace_probe.bpf.c is socktrace.bpf.c built for older kernels
$(BUILD)/socktrace_probe.bpf.o: bpf/socktrace.bpf.c

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# vmlinux.h is committed; regenerate from the running kernel's BTF on demand.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h

# --- commands: cmd/pp-X/*.c but main.c -> libpp-X.a; main.o + it -> bin/pp-X ---
define command_rules
$(1)_SRC := $$(filter-out cmd/$(1)/main.c,$$(wildcard cmd/$(1)/*.c))
$(1)_OBJ := $$($(1)_SRC:%.c=$(BUILD)/%.o)
$(1)_LIB := $(BUILD)/lib$(1).a
$$($(1)_LIB): $$($(1)_OBJ)
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
# The whole library goes into the binary, as its objects did before.
$(BINDIR)/$(1): $(BUILD)/cmd/$(1)/main.o $$($(1)_LIB) $(LIBCOMMON)
	$$(call msg,LD,$$@)
	$$(Q)mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $(BUILD)/cmd/$(1)/main.o -Wl,--whole-archive $$($(1)_LIB) \
		-Wl,--no-whole-archive $(LIBCOMMON) $$(LIBS_$(1)) $(COMMON_LIBS)
endef
$(foreach c,$(COMMANDS),$(eval $(call command_rules,$(c))))
CMD_LIBS    := $(foreach c,$(COMMANDS),$($(c)_LIB))

# Only pp-trace's user space includes the generated skeleton: nothing
# else waits for the BPF programs to compile.
$(pp-trace_OBJ) $(BUILD)/cmd/pp-trace/main.o: | $(BPF_SKELS)

# --- tests -------------------------------------------------------------------
# Every unit test and fuzz target links its own object, the helpers the
# tests share (tests/unit/*.c that are not test_*.c, as objects: their test
# doubles are weak and must be there before any library is searched), every
# command's library and libppcommon: the linker takes what it uses. So no
# file restates which sources a test uses.
TESTLIB_SRC := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/%.o)
TEST_LINK   := $(TESTLIB_OBJ) $(CMD_LIBS) $(LIBCOMMON)

UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(TEST_LINK)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_LINK) $(TEST_LIBS)

# Fuzz targets replayed: tests/fuzz/fuzz_X.c linked with replay_main.c instead
# of libFuzzer, so that make test runs every seed and every kept crash input
# under ASan+UBSan (tests/e2e/fuzz-replay.sh). scripts/fuzz.sh links the
# same objects and libraries (make FUZZBUILD=1) with libFuzzer.
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
FUZZ_OBJ    := $(FUZZ_SRC:%.c=$(BUILD)/%.o)
$(BUILD)/tests/replay_%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay_main.o $(TEST_LINK)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/tests/fuzz/replay_main.o $(TEST_LINK) $(TEST_LIBS)

# For scripts/fuzz.sh (make FUZZBUILD=1 fuzz-objs, then fuzz-link prints
# what each target links besides its own object).
fuzz-objs: $(TEST_LINK) $(FUZZ_OBJ)
fuzz-link:
	@echo $(TEST_LINK) $(TEST_LIBS)

build-tests: all $(UNIT_BINS) $(FUZZ_REPLAY)

test: deps
	$(Q)$(MAKE) --no-print-directory SAN=1 build-tests
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PP_BIN=$(CURDIR)/build/san/bin PP_UNIT=$(CURDIR)/build/san/tests bash tests/run.sh $(TESTS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash scripts/bench.sh $(BENCH)

# make fuzz FUZZ_SECONDS=N [FUZZ=word]: each libFuzzer target for N seconds;
# fails on a crash (its input is kept in tests/fuzz/regress/, see the script).
FUZZ_SECONDS ?= 10
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(BPF_SKELS)
	$(Q)bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ)

# make fuzz-long [FUZZ_SECONDS=600] [FUZZ=word]: the same on the committed,
# minimised corpus in tests/fuzz/corpus/, each run added to its totals.tsv
# (targets past FUZZ_GOAL=10000000 executions are skipped unless named).
fuzz-long: deps
	$(Q)$(MAKE) --no-print-directory $(BPF_SKELS)
	$(Q)bash scripts/fuzz.sh --long $(if $(filter command line,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),600) $(FUZZ)

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

.PHONY: all deps fuzz-objs fuzz-link vmlinux build-tests test demo bench fuzz fuzz-long install uninstall deb clean

-include $(shell find build -name '*.d' -type f 2>/dev/null)
