# gostray build.  `make` builds ./gostray with a compiler and the build
# libraries only (tools/install-deps.sh --check build names what is
# missing); `make unit-test` runs the pure modules' unit tests; `sudo make
# test` installs what the tests need and runs all of them; `make V=1`
# shows commands.
OUTPUT ?= build
PREFIX ?= /usr/local
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH ?= x86
# Every Go toolchain Debian offers here (1.17, 1.18, 1.20: real binaries only).
GO_VERSIONS ?= 1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS := libbpf libelf libdw capstone json-c zlib ncursesw libprotobuf-c libmicrohttpd
# Lazy (=): evaluated after the dependencies are there on a fresh machine.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

SANITIZE ?=
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation \
	-Iinclude -I$(OUTPUT) $(PKG_CFLAGS) $(SAN_FLAGS) -MMD -MP
override LDFLAGS += $(SAN_FLAGS)
LDLIBS = $(PKG_LIBS) -lm -lpthread

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) \
	-Ivmlinux/$(ARCH) -Iinclude -I$(OUTPUT) -Wall -MMD -MP

# src/ by pipeline stage: binary (what a Go executable holds), process
# (the live target's memory and goroutines), trace (BPF probes and
# per-process tracing), analysis (counts and verdicts), output (reports),
# serve (node mode's HTTP endpoint), common, cli (what the commands
# share) and cmd (one file per command; src/main.c dispatches); include/
# mirrors it.
STAGES := binary process trace analysis output serve common cli cmd
LIB_SRCS := $(wildcard $(STAGES:%=src/%/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(OUTPUT)/%.o)
MAIN_OBJ := $(OUTPUT)/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUTPUT)/tests/%)
# Unit tests that read Go binaries (the fixtures of every toolchain, real
# programs) or run `go tool pprof`; the others need a compiler only.
UNIT_GO_BINS := $(patsubst %,$(OUTPUT)/tests/test_%,gobin gobin_damaged gostack gowrap offsets pprof_gotool probeplan \
	realbin realbin_dwarf realbin_noshdr selfcheck)
UNIT_PURE_BINS := $(filter-out $(UNIT_GO_BINS),$(UNIT_BINS))
SKEL := $(OUTPUT)/gostray.skel.h
# pprof's profile.proto (golang-github-google-pprof-dev), compiled by protoc-c
# into the build folder; src/output/pprofenc.c includes "pprof/profile.pb-c.h".
PPROF_PROTO ?= /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
PB_C := $(OUTPUT)/pprof/profile.pb-c.c
PB_H := $(PB_C:.c=.h)
PB_OBJ := $(PB_C:.c=.o)
LIB_OBJS += $(PB_OBJ)

.PHONY: all clean install test unit-test unit-test-binaries integration-test fixtures real-programs demo bench \
	fuzz fuzz-build fuzz-lib sanitize-build sanitize-test
.DELETE_ON_ERROR:
.SECONDARY:

# The sanitized build (sanitize-test) puts its binary in its own folder.
GOSTRAY_BIN ?= gostray

all: $(GOSTRAY_BIN)

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/pprof:
	$(Q)mkdir -p $@

# Debian packages (tools/install-deps.sh).  A plain build only checks that
# the build group is there and names what is not, in one line: it never
# runs apt.  The goals that set a machine up (the README's two commands
# and what they run) install their group first, once per build folder.
DEPS_BUILD := $(OUTPUT)/.deps-build
DEPS_DEMO := $(OUTPUT)/.deps-demo
DEPS_TEST := $(OUTPUT)/.deps-test
$(DEPS_BUILD): tools/install-deps.sh | $(OUTPUT)
	$(Q)tools/install-deps.sh --check build
	$(Q)touch $@
$(DEPS_DEMO): tools/install-deps.sh | $(OUTPUT)
	$(Q)tools/install-deps.sh demo
	$(Q)touch $@ $(DEPS_BUILD)
$(DEPS_TEST): tools/install-deps.sh | $(OUTPUT)
	$(Q)tools/install-deps.sh test
	$(Q)touch $@ $(DEPS_DEMO) $(DEPS_BUILD)

TEST_GOALS := test unit-test-binaries integration-test fixtures real-programs fuzz fuzz-build \
	fuzz-lib sanitize-build sanitize-test bench
ifneq ($(filter $(TEST_GOALS),$(MAKECMDGOALS)),)
DEPS_STAMP := $(DEPS_TEST)
else ifneq ($(filter demo,$(MAKECMDGOALS)),)
DEPS_STAMP := $(DEPS_DEMO)
else
DEPS_STAMP := $(DEPS_BUILD)
endif

$(OUTPUT)/gostray.bpf.o: bpf/gostray.bpf.c | $(OUTPUT) $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(OUTPUT)/gostray.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name gostray_bpf > $@

# The schema comes with the Debian packages: install them before looking.
$(PPROF_PROTO): | $(DEPS_STAMP)

# A pattern rule with two targets runs once for both (a plain rule would
# run protoc-c twice under -j).
$(OUTPUT)/pprof/%.pb-c.c $(OUTPUT)/pprof/%.pb-c.h: $(dir $(PPROF_PROTO))%.proto | $(OUTPUT)/pprof
	$(call msg,PROTOC,$@)
	$(Q)protoc-c --proto_path=$(dir $<) --c_out=$(OUTPUT)/pprof $<

$(PB_OBJ): $(PB_C) $(PB_H)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Every userspace object may include the skeleton or the generated protobuf
# header; build them first.
$(OUTPUT)/%.o: src/%.c | $(OUTPUT) $(SKEL) $(PB_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libgostray.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(GOSTRAY_BIN): $(MAIN_OBJ) $(OUTPUT)/libgostray.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%.o: tests/unit/%.c | $(OUTPUT)/tests $(SKEL) $(PB_H)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The helpers the unit tests share (tests/unit/*.c that are no test_*.c:
# fixture.c for the Go fixtures, realprograms.c for the real programs,
# pprofsample.c for the profiles).
UNIT_HELPER_OBJS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%.o,\
	$(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))
$(OUTPUT)/tests/test_%: $(OUTPUT)/tests/test_%.o $(UNIT_HELPER_OBJS) $(OUTPUT)/libgostray.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# Go programs the tests run against, built with every toolchain in
# GO_VERSIONS and in every variant (static/PIE/cgo, stripped or not).
fixtures: | $(DEPS_STAMP)
	$(Q)tests/build-go.sh $(OUTPUT)/go "$(GO_VERSIONS)" tests/fixtures/hello tests/zoo demo/leakyservice

# Real Go programs nobody here wrote (npm, Debian), cached outside the tree.
# Only an unreachable registry turns their tests into printed skips
# (GOSTRAY_REAL_SKIP, set by tests/run-unit.sh from the file below).
real-programs: | $(DEPS_STAMP)
	$(Q)rm -f $(OUTPUT)/real-programs-unreachable
	$(Q)tools/fetch-real-programs.sh >/dev/null 2>$(OUTPUT)/real-programs.err || \
	  { cat $(OUTPUT)/real-programs.err >&2; \
	    grep -q "cannot reach" $(OUTPUT)/real-programs.err || exit 1; \
	    grep "cannot reach" $(OUTPUT)/real-programs.err > $(OUTPUT)/real-programs-unreachable; }

# Pure modules: no toolchain, no download, no root.
unit-test: $(UNIT_PURE_BINS)
	$(Q)tests/run-unit.sh $(OUTPUT) "$(GO_VERSIONS)" $(UNIT_PURE_BINS)

unit-test-binaries: $(UNIT_GO_BINS) fixtures real-programs
	$(Q)tests/run-unit.sh $(OUTPUT) "$(GO_VERSIONS)" $(UNIT_GO_BINS)

integration-test: gostray fixtures real-programs
	$(Q)python3 tests/integration/run.py --gostray ./gostray --go-bins $(OUTPUT)/go --versions "$(GO_VERSIONS)"
	$(Q)python3 tests/integration/real_programs.py --gostray ./gostray

# libFuzzer targets (tests/fuzz/fuzz_*.c) for every parser of hostile
# input, built with clang, ASan and UBSan in their own folder; `make fuzz`
# runs the regression inputs, then each target for FUZZ_SECONDS.
FUZZ_DIR := $(OUTPUT)/fuzz
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

# The whole library again, instrumented for coverage (fuzzer-no-link).
fuzz-lib: | $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(FUZZ_DIR) CC=$(CLANG) \
	  SAN_FLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN) -Wno-unknown-warning-option" \
	  $(FUZZ_DIR)/libgostray.a

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c fuzz-lib
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Iinclude -I$(FUZZ_DIR) \
	  $(PKG_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< $(FUZZ_DIR)/libgostray.a $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# fuzz_gostack unwinds hostile stacks against a real binary: the hello
# fixture of the newest toolchain in GO_VERSIONS.
fuzz: fuzz-build fixtures
	$(Q)FUZZ_GOBIN=$(OUTPUT)/go/go$(lastword $(GO_VERSIONS))/hello.static \
	  tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# The unit tests and the integration suite again, everything built with
# ASan and UBSan (LeakSanitizer on, no recovery): any report fails a test.
# Integration for GO_VERSIONS_SANITIZE only (the sanitized build is 2-3x
# slower; the Go version matters to the probes, not to memory safety).
SAN_DIR := $(OUTPUT)/asan
GO_VERSIONS_SANITIZE ?= $(firstword $(GO_VERSIONS)) $(lastword $(GO_VERSIONS))

sanitize-build: | $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(SAN_DIR) SANITIZE=1 GOSTRAY_BIN=$(SAN_DIR)/gostray \
	  $(SAN_DIR)/gostray $(UNIT_BINS:$(OUTPUT)/tests/%=$(SAN_DIR)/tests/%)

sanitize-test: sanitize-build fixtures real-programs
	$(Q)tests/run-unit.sh $(OUTPUT) "$(GO_VERSIONS)" $(UNIT_BINS:$(OUTPUT)/tests/%=$(SAN_DIR)/tests/%)
	$(Q)python3 tests/integration/run.py --gostray $(SAN_DIR)/gostray --go-bins $(OUTPUT)/go \
	  --versions "$(GO_VERSIONS_SANITIZE)" --sanitized

test: unit-test unit-test-binaries integration-test fuzz sanitize-test

demo: gostray
	$(Q)tools/demo.sh

# Probe cost against an untraced run, a naive entry-probe tracer and the
# empty-probe floor, in one run (tools/bench/bench --help).
bench: gostray
	$(Q)tools/bench/bench $(BENCH_ARGS)

install: gostray
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 gostray $(DESTDIR)$(PREFIX)/bin/gostray

clean:
	$(Q)rm -rf $(OUTPUT) gostray

-include $(wildcard $(OUTPUT)/*.d $(STAGES:%=$(OUTPUT)/%/*.d) $(OUTPUT)/tests/*.d \
	$(OUTPUT)/pprof/*.d)
