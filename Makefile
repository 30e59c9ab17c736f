# raftsim build. GNU make; `make help` lists the targets.
#
# Layout of the build: every module is a static library in $(BUILD):
#   libraft.a  raft/*.c           pure C17, compiled with no pkg-config flags
#   libsim.a   sim/*.c            GLib (the engine), and
#              sim/check/*.c      the checkers it calls (one library: the
#                                 engine calls them, they use its history)
#   libscn.a   scenarios/lang/*.c GLib (the scenario language and runner)
#   libviz.a   viz/*.c            GLib, cairo
#   raftsim    sim/cli/*.c        the command
# and one Criterion binary holds every test in tests/*.c.

PKG_CONFIG ?= pkg-config
CC ?= cc
PREFIX ?= /usr/local
BUILD ?= build
VERSION := 0.1.0

# Project flags first, the user's CFLAGS last so they win.
WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wundef -Wwrite-strings \
	-Wformat=2 -Wimplicit-fallthrough -Werror
OPT ?= -O2 -g
# Link-time optimisation with GCC: the engine calls the core's and the
# checkers' small functions across files on every event; inlining them
# takes 6-12 % of the instructions off the benchmark cases with the same
# trace hashes (docs/cost-rounds.md, "Link-time optimisation"). `make LTO=`
# builds without it; other compilers build without it. Archives then go
# through gcc-ar, which hands ar the LTO plugin.
CC_IS_GCC := $(shell $(CC) --version 2>/dev/null | grep -q 'Free Software Foundation' && echo yes)
LTO ?= $(if $(CC_IS_GCC),-flto=auto)
ifneq ($(strip $(LTO)),)
ifeq ($(origin AR),default)
AR := gcc-ar
endif
endif
SANFLAGS := $(if $(SANITIZER),-fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all)
BASE_CFLAGS := -std=c17 $(WARNINGS) $(OPT) $(LTO) $(SANFLAGS) -MMD -MP \
	-DRAFTSIM_VERSION='"$(VERSION)"'
LDFLAGS_ALL = $(SANFLAGS) $(OPT) $(LTO) $(LDFLAGS)

# Quiet by default; `make V=1` shows every command.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

GLIB_CFLAGS = $(shell $(PKG_CONFIG) --cflags glib-2.0 2>/dev/null)
GLIB_LIBS = $(shell $(PKG_CONFIG) --libs glib-2.0 2>/dev/null)
GIO_CFLAGS = $(shell $(PKG_CONFIG) --cflags gio-2.0 2>/dev/null)
GIO_LIBS = $(shell $(PKG_CONFIG) --libs gio-2.0 2>/dev/null)
GLIB_COMPILE_RESOURCES ?= glib-compile-resources
CAIRO_CFLAGS = $(shell $(PKG_CONFIG) --cflags cairo 2>/dev/null)
CAIRO_LIBS = $(shell $(PKG_CONFIG) --libs cairo 2>/dev/null)
CRITERION_CFLAGS = $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
CRITERION_LIBS = $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)

# raft/ by default; a mutant's patched copy when building one (see below).
RAFT_DIR ?= raft
RAFT_SRCS := $(sort $(wildcard $(RAFT_DIR)/*.c))
SIM_SRCS := $(sort $(wildcard sim/*.c))
CHECK_SRCS := $(sort $(wildcard sim/check/*.c))
SCN_SRCS := $(sort $(wildcard scenarios/lang/*.c))
VIZ_SRCS := $(sort $(wildcard viz/*.c))
CLI_SRCS := $(sort $(wildcard sim/cli/*.c))
BENCH_SRCS := $(sort $(wildcard sim/bench/*.c))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_SUPPORT_SRCS := $(sort $(wildcard tests/support/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
RAFT_OBJS := $(patsubst $(RAFT_DIR)/%.c,$(BUILD)/raft/%.o,$(RAFT_SRCS))
SIM_OBJS := $(call obj,$(SIM_SRCS) $(CHECK_SRCS))
SCN_OBJS := $(call obj,$(SCN_SRCS))
# The replay page's viewer (viz/web/) is compiled into libviz as a GResource.
VIZ_WEB_FILES := $(sort $(wildcard viz/web/replay*.js viz/web/replay*.css viz/web/replay*.html))
VIZ_RESOURCE_C := $(BUILD)/viz/viz_replay_resources.c
VIZ_OBJS := $(call obj,$(VIZ_SRCS)) $(BUILD)/viz/viz_replay_resources.o
CLI_OBJS := $(call obj,$(CLI_SRCS))
BENCH_OBJS := $(call obj,$(BENCH_SRCS))
TEST_OBJS := $(call obj,$(TEST_SRCS))
TEST_SUPPORT_OBJS := $(call obj,$(TEST_SUPPORT_SRCS)) \
	$(call obj,sim/cli/raftsim_pool.c sim/cli/raftsim_util.c)

LIBRAFT := $(BUILD)/libraft.a
LIBSIM := $(BUILD)/libsim.a
LIBSCN := $(BUILD)/libscn.a
LIBVIZ := $(BUILD)/libviz.a
RAFTSIM := $(BUILD)/raftsim
BENCH := $(BUILD)/raftsim-bench
TESTS := $(BUILD)/tests/raftsim-tests

APP_LIBS = $(LIBSCN) $(LIBVIZ) $(LIBSIM) $(LIBRAFT)
APP_LDLIBS = $(CAIRO_LIBS) $(GIO_LIBS) $(GLIB_LIBS) -lm

.PHONY: test-deps check-js check-browser all test check-layers check-unit check-scenarios check-fuzz check-determinism check-docs check-ndebug \
	check-mutants mutants demo deps sanitize valgrind bench bench-callgrind bench-canonical bench-replay docs clean \
	install uninstall check-install help format

all: $(LIBRAFT) $(LIBSIM) $(LIBSCN) $(LIBVIZ) $(RAFTSIM) $(BENCH)

help:
	@echo "make            build everything into $(BUILD)/"
	@echo "make deps       install missing build dependencies (apt-get)"
	@echo "make demo       deps, build, run a teaching scenario, draw it"
	@echo "make test       deps, build, run every test and the scenario library"
	@echo "make sanitize   the tests under AddressSanitizer and UBSan"
	@echo "make valgrind   the unit tests under valgrind"
	@echo "make bench      the benchmarks (docs/performance.md)"
	@echo "make bench-canonical  case (a)'s shape on canonical's C Raft fixture (needs libraft-dev)"
	@echo "make bench-replay  the replay page's scrub benchmark in headless chromium"
	@echo "make soak       100,000 fuzz seeds with every fault (docs/fuzzing.md)"
	@echo "make mutants    the mutation benchmark: fuzz every core in tests/mutants/"
	@echo "make docs       render the scenario library into docs/img/, replay pages into docs/replay/"
	@echo "make check-docs run every command README.md and docs/*.md show, compare their output"
	@echo "make install    install raftsim, libraftsim-raft.a, raftsim/raft.h and raftsim-raft.pc under PREFIX"

# ---- objects -------------------------------------------------------------

# The flags everything here is compiled, archived and linked with, kept in
# $(BUILD)/flags.stamp: when they change (OPT, LTO, CC, CFLAGS, SANITIZER,
# LDFLAGS ...), make rewrites the stamp as it reads this file, so every
# object, archive and program built with the old flags is out of date.
# Written with make's own $(file), so no shell quoting touches the flags.
FLAGS_STAMP := $(BUILD)/flags.stamp
FLAGS_NOW := $(CC) $(BASE_CFLAGS) $(CFLAGS) | $(LDFLAGS_ALL) | $(AR)
FLAGS_GOALS := $(if $(MAKECMDGOALS),$(filter-out clean help deps test-deps format,$(MAKECMDGOALS)),all)
ifneq ($(FLAGS_GOALS),)
ifneq ($(file <$(FLAGS_STAMP)),$(FLAGS_NOW))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_STAMP),$(FLAGS_NOW))
endif
endif

# The core's objects carry machine code beside the link-time IR
# (-ffat-lto-objects): `make install` ships them as libraftsim-raft.a,
# which a server links with any compiler, with or without LTO.
$(BUILD)/raft/%.o: $(RAFT_DIR)/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(BASE_CFLAGS) $(if $(strip $(LTO)),-ffat-lto-objects) -I$(RAFT_DIR) $(CFLAGS) -c $< -o $@

$(BUILD)/sim/%.o: sim/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(BASE_CFLAGS) -I. $(GLIB_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/scenarios/%.o: scenarios/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(BASE_CFLAGS) -I. $(GLIB_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/viz/%.o: viz/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(BASE_CFLAGS) -I. $(GIO_CFLAGS) $(CAIRO_CFLAGS) $(CFLAGS) -c $< -o $@

# Generated C: the viewer's files as one resource bundle.
$(VIZ_RESOURCE_C): viz/web/replay.gresource.xml $(VIZ_WEB_FILES)
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q)$(GLIB_COMPILE_RESOURCES) --sourcedir=viz/web --generate-source \
		--c-name viz_replay --target=$@ viz/web/replay.gresource.xml

$(BUILD)/viz/viz_replay_resources.o: $(VIZ_RESOURCE_C) $(FLAGS_STAMP)
	$(call say,CC,$<)
	$(Q)$(CC) -std=c17 $(OPT) $(SANFLAGS) $(GIO_CFLAGS) $(CFLAGS) -c $< -o $@

# Tests compile without link-time optimisation: it drops some of
# Criterion's test registrations (records in a section of their own) from
# the binary; the libraries they link keep it.
$(BUILD)/tests/%.o: tests/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(filter-out $(LTO),$(BASE_CFLAGS)) -I. $(GLIB_CFLAGS) $(CAIRO_CFLAGS) $(CRITERION_CFLAGS) $(CFLAGS) -c $< -o $@

# ---- libraries and programs ----------------------------------------------

$(LIBRAFT): $(RAFT_OBJS)
$(LIBSIM): $(SIM_OBJS)
$(LIBSCN): $(SCN_OBJS)
$(LIBVIZ): $(VIZ_OBJS)
$(BUILD)/%.a: $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $(filter %.o,$^)

$(RAFTSIM): $(CLI_OBJS) $(APP_LIBS) $(FLAGS_STAMP)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJS) $(APP_LIBS) $(APP_LDLIBS)

# ---- mutants --------------------------------------------------------------

# Each tests/mutants/NAME.patch is one classic Raft bug. Its core is a copy of
# raft/ under $(BUILD)/mutants/NAME/raft/ with the patch applied (exactly:
# no fuzz), compiled by the object rule above in a sub-make, and linked with
# the unchanged rest of the program into $(BUILD)/mutants/NAME/raftsim.
MUTANT_PATCHES := $(sort $(wildcard tests/mutants/*.patch))
MUTANTS := $(patsubst tests/mutants/%.patch,%,$(MUTANT_PATCHES))
MUTANT_DIR := $(BUILD)/mutants
mutant_bin = $(patsubst %,$(MUTANT_DIR)/%/raftsim,$(1))
PATCH_FLAGS := -s -p1 -F0 --no-backup-if-mismatch
.PRECIOUS: $(MUTANT_DIR)/%/raft/.patched

$(MUTANT_DIR)/%/raft/.patched: tests/mutants/%.patch $(RAFT_SRCS) $(wildcard raft/*.h)
	@rm -rf $(@D) && mkdir -p $(@D)
	$(call say,PATCH,$<)
	$(Q)cp raft/*.c raft/*.h $(@D)/ && patch $(PATCH_FLAGS) -d $(MUTANT_DIR)/$* <$< && touch $@

$(MUTANT_DIR)/%/raftsim: $(MUTANT_DIR)/%/raft/.patched $(CLI_OBJS) $(LIBSCN) $(LIBVIZ) $(LIBSIM) $(FLAGS_STAMP)
	@$(MAKE) --no-print-directory RAFT_DIR=$(MUTANT_DIR)/$*/raft BUILD=$(MUTANT_DIR)/$*/obj \
		$(MUTANT_DIR)/$*/obj/libraft.a
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJS) $(LIBSCN) $(LIBVIZ) $(LIBSIM) \
		$(MUTANT_DIR)/$*/obj/libraft.a $(APP_LDLIBS)

# The mutants that tests/test_scn_fuzz.c and tests/test_scn_library.c run to
# prove that the fuzzer and the scenario library catch a broken core, and that
# docs/tutorial.md shows failing: the Figure 8 commit bug, and the 2015
# single-server membership change bug (scenarios/single-server-bug-2015.scn).
FIGURE8_MUTANT := $(call mutant_bin,figure8-commit-old-term)
BUG2015_MUTANT := $(call mutant_bin,config-change-before-own-term-commit)

$(BENCH): $(BENCH_OBJS) $(APP_LIBS) $(FLAGS_STAMP)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(BENCH_OBJS) $(APP_LIBS) $(APP_LDLIBS)

# Tests spawn the command binaries found beside the tests/ directory.
TEST_PROGRAMS = $(RAFTSIM) $(FIGURE8_MUTANT) $(BUG2015_MUTANT)
$(TESTS): $(TEST_OBJS) $(TEST_SUPPORT_OBJS) $(APP_LIBS) $(TEST_PROGRAMS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(TEST_OBJS) $(TEST_SUPPORT_OBJS) $(APP_LIBS) \
		$(CRITERION_LIBS) $(APP_LDLIBS)

# One test file alone, for quick iteration: make build/tests/test_raft_election
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_SUPPORT_OBJS) $(APP_LIBS) $(TEST_PROGRAMS) $(FLAGS_STAMP)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(TEST_SUPPORT_OBJS) $(APP_LIBS) \
		$(CRITERION_LIBS) $(APP_LDLIBS)

# ---- dependencies --------------------------------------------------------

# pkg-config module -> Debian package that provides it.
DEP_MODULES := glib-2.0:libglib2.0-dev gio-2.0:libglib2.0-dev cairo:libcairo2-dev \
	criterion:libcriterion-dev
# Programs the build runs -> the Debian package that provides them.
DEP_PROGRAMS := glib-compile-resources:libglib2.0-dev-bin
# Programs only the tests run (make test-deps): the replay page's unit tests
# (node), its browser tests (chromium), and jq, which docs/trace-format.md
# shows reading a trace (make check-docs runs it). `make demo` needs none.
TEST_DEP_PROGRAMS := node:nodejs chromium:chromium jq:jq

deps:
	@missing=""; \
	command -v $(PKG_CONFIG) >/dev/null 2>&1 || missing="pkgconf"; \
	command -v $(firstword $(CC)) >/dev/null 2>&1 || missing="$$missing build-essential"; \
	for m in $(DEP_MODULES); do \
		$(PKG_CONFIG) --exists "$${m%%:*}" 2>/dev/null || missing="$$missing $${m#*:}"; \
	done; \
	for p in $(DEP_PROGRAMS) $(EXTRA_DEP_PROGRAMS); do \
		command -v "$${p%%:*}" >/dev/null 2>&1 || missing="$$missing $${p#*:}"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all build dependencies present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

# ---- test, demo, sanitize ------------------------------------------------

# The sub-makes read pkg-config only after `deps` has installed what it needs.
test:
	@$(MAKE) --no-print-directory test-deps
	@$(MAKE) --no-print-directory all $(TESTS)
	@$(MAKE) --no-print-directory check-layers check-ndebug check-scenarios check-fuzz check-mutants \
		check-determinism check-unit check-install check-docs \
		check-js check-browser

# The build dependencies plus what only the tests run.
test-deps:
	@$(MAKE) --no-print-directory deps EXTRA_DEP_PROGRAMS="$(TEST_DEP_PROGRAMS)"

# The replay viewer's pure logic (viz/web/replay-model.js) and the JSONL
# trace against its documented schema, under node's own test runner; no npm
# package is needed.
check-js: $(RAFTSIM)
	RAFTSIM=$(RAFTSIM) BUILD=$(BUILD) node --test tests/js/

# Replay pages of real runs loaded in headless chromium and compared with
# the JSONL trace of the same run (tests/browser/).
check-browser: $(RAFTSIM)
	RAFTSIM=$(RAFTSIM) BUILD=$(BUILD) CHROMIUM=$(CHROMIUM) node --test tests/browser/

check-unit: $(TESTS)
	@sh tests/support/check-test-count.sh $(TESTS) tests
	$(TESTS) --jobs=2

# Every #include points down the layer graph (docs/design.md, Layers): the
# allowed matrix is in the script; tests/test_check_layers.c proves it fails.
check-layers:
	@sh tests/support/check-layers.sh .

# Checks are never compiled out: every source file must refuse NDEBUG (the
# #error in raft/raft_assert.h and sim/sim_assert.h). Preprocessing suffices.
NDEBUG_SRCS := $(RAFT_SRCS) $(SIM_SRCS) $(CHECK_SRCS) $(SCN_SRCS) $(VIZ_SRCS) $(CLI_SRCS) $(BENCH_SRCS)
check-ndebug:
	@for f in $(NDEBUG_SRCS); do \
		if $(CC) -E -DNDEBUG -I. -Iraft $(GLIB_CFLAGS) $(CAIRO_CFLAGS) $$f >/dev/null 2>&1; then \
			echo "check-ndebug: $$f builds with NDEBUG"; exit 1; \
		fi; \
	done; echo "check-ndebug: all $(words $(NDEBUG_SRCS)) sources refuse NDEBUG"

# Every command the docs show is run, and the output a doc shows is compared
# with the tool's (tests/support/doc-commands.sh says what is normalised).
DOC_FILES := README.md $(sort $(wildcard docs/*.md))
check-docs: $(RAFTSIM) $(FIGURE8_MUTANT) $(BUG2015_MUTANT)
	sh tests/support/doc-commands.sh $(BUILD) $(DOC_FILES)

SCENARIO_FILES := $(sort $(wildcard scenarios/*.scn))
check-scenarios: $(RAFTSIM)
	$(RAFTSIM) check --jobs 2 $(SCENARIO_FILES)

# A swarm campaign over the correct core: every seed must pass.
FUZZ_SEEDS ?= 2000
FUZZ_TIME ?= 10s
check-fuzz: $(RAFTSIM)
	$(RAFTSIM) fuzz --seeds $(FUZZ_SEEDS) --time $(FUZZ_TIME) --jobs 2 \
		--out $(BUILD)/fuzz-failures

# The long campaign (outside make test): 100,000 seeds with every fault and
# the liveness phase; the shipped core must pass every one.
SOAK_SEEDS ?= 100000
SOAK_JOBS ?= 2
soak: $(RAFTSIM)
	nice $(RAFTSIM) fuzz --seeds $(SOAK_SEEDS) --time 10s --jobs $(SOAK_JOBS) \
		--quiet --out $(BUILD)/soak-failures

# The mutation benchmark (docs/fuzzing.md): every mutant must be caught within
# MUTANT_SEEDS seeds. `make test` runs the quick subset, after checking that
# every patch still applies to raft/ exactly.
MUTANT_SEEDS ?= 2000
MUTANT_JOBS ?= 2
# Mutants that the default swarm catches within the first few dozen seeds
# (three through the rule checks of sim/check/sim_rules.h and the last three
# through the rules of conduct of sim/check/sim_conduct.h, which this run thus
# guards end to end, and config-change-before-own-term-commit through
# config-safety, which guards the swarm's membership draws;
# figure8-commit-old-term, which the tests build anyway, needs a delicate
# schedule: its first failing seed moves with every change to the swarm).
MUTANTS_QUICK := prev-log-check-skipped snapshot-keeps-conflicting-log \
	uptodate-ignores-length vote-granted-twice \
	leader-counts-self-before-durable stepdown-clears-vote \
	commit-not-bounded-by-append \
	prevote-drops-refusal prevote-increments-term stale-append-resets-timer \
	config-change-before-own-term-commit
MUTANT_QUICK_SEEDS ?= 400
mutants: $(RAFTSIM) $(call mutant_bin,$(MUTANTS))
	tests/support/mutants.sh $(BUILD) $(MUTANT_SEEDS) $(MUTANT_JOBS) $(MUTANTS)

check-mutants: $(RAFTSIM) $(call mutant_bin,$(MUTANTS_QUICK))
	tests/support/mutants.sh --check-patches tests/mutants/*.patch
	tests/support/mutants.sh --quick $(BUILD) $(MUTANT_QUICK_SEEDS) $(MUTANT_JOBS) $(MUTANTS_QUICK)

# The same seeds must give the same trace hashes from differently compiled
# binaries: -O0 with $(CC), and clang at -O0 and -O2 where it is installed.
DET_CC_BUILDS := $(BUILD)/det/cc-O0
HAVE_CLANG := $(shell command -v clang 2>/dev/null)
DET_CLANG_BUILDS := $(if $(HAVE_CLANG),$(BUILD)/det/clang-O0 $(BUILD)/det/clang-O2)
check-determinism: $(RAFTSIM)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/det/cc-O0 OPT="-O0 -g" LTO= $(BUILD)/det/cc-O0/raftsim
	$(if $(HAVE_CLANG),@$(MAKE) --no-print-directory BUILD=$(BUILD)/det/clang-O0 CC=clang OPT="-O0 -g" \
		$(BUILD)/det/clang-O0/raftsim)
	$(if $(HAVE_CLANG),@$(MAKE) --no-print-directory BUILD=$(BUILD)/det/clang-O2 CC=clang OPT="-O2 -g" \
		$(BUILD)/det/clang-O2/raftsim)
	$(if $(HAVE_CLANG),,@echo "determinism: clang is not installed; comparing $(CC) builds only")
	tests/support/check-determinism.sh 300 $(RAFTSIM) \
		$(addsuffix /raftsim,$(DET_CC_BUILDS) $(DET_CLANG_BUILDS))

DEMO_SCENARIO ?= scenarios/leader-crash.scn
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	$(RAFTSIM) run $(DEMO_SCENARIO) --png $(BUILD)/demo.png --log-png $(BUILD)/demo-log.png

sanitize:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/sanitize SANITIZER=address,undefined OPT="-O1 -g" LTO= \
		all $(BUILD)/sanitize/tests/raftsim-tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/support/lsan.supp \
		$(MAKE) --no-print-directory BUILD=$(BUILD)/sanitize SANITIZER=address,undefined OPT="-O1 -g" LTO= \
		FUZZ_SEEDS=300 check-unit check-scenarios check-fuzz

VALGRIND = valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	--suppressions=tests/support/valgrind.supp -q
valgrind: $(TESTS) $(RAFTSIM)
	$(VALGRIND) --trace-children=yes $(TESTS) --jobs=1
	$(VALGRIND) $(RAFTSIM) run --quiet $(DEMO_SCENARIO) \
		--png $(BUILD)/valgrind.png --log-png $(BUILD)/valgrind-log.png

bench: $(BENCH)
	$(BENCH)

# The replay page scrubbed in headless chromium: a page of about 100,000
# events, time per slider move (docs/performance.md). MOVES=N moves; and
# BASELINE=OTHER.html measures another build's page of the same run too.
bench-replay: $(RAFTSIM)
	RAFTSIM=$(RAFTSIM) BUILD=$(BUILD) CHROMIUM=$(CHROMIUM) node tests/browser/scrub-bench.js

# Exact, load-independent cost: instructions in the timed part of each
# shortened case, per committed entry, per event and per fuzz seed.
CALLGRIND_CASES ?= a c f
bench-callgrind: $(BENCH)
	sim/bench/callgrind.sh $(BENCH) $(BUILD) $(CALLGRIND_CASES)
	callgrind_annotate $(BUILD)/callgrind-$(firstword $(CALLGRIND_CASES)).out | head -30

# Case (a)'s shape on canonical's C Raft fixture (Debian's libraft-dev),
# under callgrind: the yardstick docs/performance.md compares with. Built
# here only, never by `make all` and never installed.
CANONICAL_BENCH := $(BUILD)/raft-fixture-bench
CANONICAL_ARGS ?= 200 16
$(CANONICAL_BENCH): sim/bench/canonical/raft_fixture_bench.c
	@$(PKG_CONFIG) --exists raft || { echo "bench-canonical: needs libraft-dev (raft.pc)"; exit 1; }
	@mkdir -p $(@D)
	$(CC) -std=c17 $(OPT) $(WARNINGS) -o $@ $< $$($(PKG_CONFIG) --cflags --libs raft)
bench-canonical: $(CANONICAL_BENCH)
	valgrind --tool=callgrind --callgrind-out-file=$(BUILD)/callgrind-canonical.out \
		--toggle-collect=raft_fixture_timed_part $(CANONICAL_BENCH) $(CANONICAL_ARGS) \
		| tee $(BUILD)/callgrind-canonical.txt
	@entries=$$(sed -n 's/.*: \([0-9][0-9]*\) committed entries.*/\1/p' $(BUILD)/callgrind-canonical.txt); \
	total=$$(callgrind_annotate $(BUILD)/callgrind-canonical.out | \
		sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,); \
	echo "canonical fixture: instructions per committed entry: $$((total / entries)) ($$total / $$entries)"

TUTORIAL_SCENARIOS := first-election leader-crash figure7-log-repair
CHROMIUM ?= chromium
# Headless, and without the sandbox so that it runs as root in CI too.
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	--no-first-run --disable-extensions --virtual-time-budget=10000
docs: $(RAFTSIM) $(BUG2015_MUTANT)
	@mkdir -p docs/img
	@for f in $(SCENARIO_FILES); do \
		b=$$(basename $$f .scn); \
		$(RAFTSIM) run --quiet $$f --png docs/img/$$b.png --log-png docs/img/$$b-log.png || exit 1; \
	done
	@# The zoomed pictures that docs/tutorial.md walks through.
	$(RAFTSIM) run --quiet scenarios/first-election.scn --from 150ms --to 300ms \
		--messages all --png docs/img/tutorial-first-election.png
	$(RAFTSIM) run --quiet scenarios/leader-crash.scn --from 1.9s --to 2.4s \
		--png docs/img/tutorial-leader-crash.png
	$(RAFTSIM) run --quiet scenarios/leader-crash.scn --at 3.6s \
		--log-png docs/img/tutorial-leader-crash-log.png
	$(RAFTSIM) run --quiet scenarios/figure7-log-repair.scn --from 0s --to 80ms \
		--messages all --png docs/img/tutorial-figure7.png
	@for t in 0ms 27ms 40ms; do \
		$(RAFTSIM) run --quiet scenarios/figure7-log-repair.scn --at $$t \
			--log-png docs/img/tutorial-figure7-log-$$t.png || exit 1; \
	done
	@# Membership and a leadership transfer (docs/README.md shows them).
	$(RAFTSIM) run --quiet tests/scenarios/grow-and-transfer.scn \
		--png docs/img/membership-timeline.png
	$(RAFTSIM) run --quiet tests/scenarios/grow-and-transfer.scn --at 1.45s \
		--log-png docs/img/membership-log.png
	$(RAFTSIM) run --quiet tests/scenarios/grow-and-transfer.scn \
		--html docs/replay/membership.html
	@# Chapter 4 of docs/tutorial.md: membership and transfer, and the 2015
	@# single-server change bug on the core that has it (that run fails).
	$(RAFTSIM) run --quiet scenarios/grow-3-to-5.scn --from 1.95s --to 2.1s \
		--png docs/img/tutorial-grow.png
	$(RAFTSIM) run --quiet scenarios/remove-leader.scn --from 1.45s --to 1.8s \
		--png docs/img/tutorial-remove-leader.png
	$(RAFTSIM) run --quiet scenarios/transfer-under-load.scn --from 1.49s --to 1.53s \
		--messages all --png docs/img/tutorial-transfer.png
	$(RAFTSIM) run --quiet scenarios/single-server-bug-2015.scn --at 1.4s \
		--log-png docs/img/tutorial-bug-2015-log-1400ms.png
	$(BUG2015_MUTANT) run --quiet scenarios/single-server-bug-2015.scn \
		--log-png docs/img/tutorial-bug-2015-mutant-log.png; test $$? -eq 1
	@# Latency and throughput over a partition (docs/tutorial.md shows them).
	$(RAFTSIM) run --quiet scenarios/minority-partition.scn \
		--plots docs/img/plots-minority-partition
	@# The replay page of each tutorial chapter (docs/tutorial.md links them).
	@mkdir -p docs/replay
	@for b in $(TUTORIAL_SCENARIOS); do \
		$(RAFTSIM) run --quiet scenarios/$$b.scn --html docs/replay/$$b.html || exit 1; \
	done
	@# The README's picture of the replay page (needs chromium: make test-deps).
	$(CHROMIUM) $(CHROMIUM_FLAGS) --hide-scrollbars --window-size=1400,1250 \
		--screenshot=$(CURDIR)/docs/img/replay-page.png \
		"file://$(CURDIR)/docs/replay/figure7-log-repair.html#t=0.0413s" 2>/dev/null
	@# A partition on the replay page (README.md and docs/tutorial.md).
	$(RAFTSIM) run --quiet scenarios/minority-partition.scn \
		--html docs/replay/minority-partition.html
	$(CHROMIUM) $(CHROMIUM_FLAGS) --hide-scrollbars --window-size=1400,660 \
		--screenshot=$(CURDIR)/docs/img/replay-partition.png \
		"file://$(CURDIR)/docs/replay/minority-partition.html#t=2.524s" 2>/dev/null

format:
	clang-format -i raft/*.[ch] sim/*.[ch] sim/*/*.[ch] scenarios/lang/*.[ch] viz/*.[ch] tests/*.[ch] tests/support/*.[ch] 2>/dev/null || true

# Installed names are raftsim's own, so nothing collides with Debian's
# libraft-dev (include/raft.h, libraft.*, raft.pc): the core goes in as
# include/raftsim/raft.h and libraftsim-raft.a with raftsim-raft.pc.
# INSTALLED lists every file install writes; uninstall removes exactly those
# and then only the directories of its own that are left empty.
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCDIR = $(PREFIX)/include/raftsim
PCDIR = $(LIBDIR)/pkgconfig
MAN1DIR = $(PREFIX)/share/man/man1
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
DATADIR = $(PREFIX)/share/raftsim
SCENARIO_FILES := $(sort $(wildcard scenarios/*.scn))
INSTALLED = $(BINDIR)/raftsim $(LIBDIR)/libraftsim-raft.a $(INCDIR)/raft.h \
	$(PCDIR)/raftsim-raft.pc $(MAN1DIR)/raftsim.1 $(COMPLETIONDIR)/raftsim \
	$(DATADIR)/scenario-language.md $(addprefix $(DATADIR)/,$(SCENARIO_FILES))
OWN_DIRS = $(INCDIR) $(DATADIR)/scenarios $(DATADIR)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR) \
		$(DESTDIR)$(MAN1DIR) $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DATADIR)/scenarios
	install -m 755 $(RAFTSIM) $(DESTDIR)$(BINDIR)/raftsim
	install -m 644 $(LIBRAFT) $(DESTDIR)$(LIBDIR)/libraftsim-raft.a
	install -m 644 raft/raft.h $(DESTDIR)$(INCDIR)/raft.h
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$${prefix}/lib' '' \
		'Name: raftsim-raft' 'Description: the Raft consensus core of raftsim as a pure step machine' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}/raftsim' 'Libs: -L$${libdir} -lraftsim-raft' \
		> $(DESTDIR)$(PCDIR)/raftsim-raft.pc
	chmod 644 $(DESTDIR)$(PCDIR)/raftsim-raft.pc
	sed 's|/usr/local/share/raftsim|$(DATADIR)|g' docs/raftsim.1 > $(DESTDIR)$(MAN1DIR)/raftsim.1
	chmod 644 $(DESTDIR)$(MAN1DIR)/raftsim.1
	install -m 644 sim/cli/raftsim.bash $(DESTDIR)$(COMPLETIONDIR)/raftsim
	install -m 644 docs/scenario-language.md $(DESTDIR)$(DATADIR)/scenario-language.md
	install -m 644 $(SCENARIO_FILES) $(DESTDIR)$(DATADIR)/scenarios/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(addprefix $(DESTDIR),$(OWN_DIRS)) 2>/dev/null || true

# `raftsim --help` names where install puts the scenario library: the
# stamp changes, and raftsim_main.o is rebuilt, only when PREFIX does.
$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
$(BUILD)/sim/cli/raftsim_main.o: $(BUILD)/datadir.stamp
$(BUILD)/sim/cli/raftsim_main.o: BASE_CFLAGS += -DRAFTSIM_DATADIR='"$(DATADIR)"'
# Reproducers record the commit the program was built from, when it was
# built from a git checkout (a .git here): the stamp changes, and
# raftsim_build.o is rebuilt, only when the commit does. Without git the
# build names its version alone.
GIT_COMMIT := $(if $(wildcard .git),$(shell git rev-parse --short=12 HEAD 2>/dev/null))
$(BUILD)/commit.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_COMMIT)' | cmp -s - $@ || echo '$(GIT_COMMIT)' > $@
$(BUILD)/sim/cli/raftsim_build.o: $(BUILD)/commit.stamp
$(BUILD)/sim/cli/raftsim_build.o: BASE_CFLAGS += -DRAFTSIM_COMMIT='"$(GIT_COMMIT)"'
.PHONY: FORCE
FORCE:

# Installs into a scratch DESTDIR, builds a program against the core through
# pkg-config, runs it, uninstalls and checks that nothing is left.
check-install: all
	BUILD=$(BUILD) MAKE="$(MAKE)" CC="$(CC)" PKG_CONFIG=$(PKG_CONFIG) PREFIX="$(PREFIX)" \
		sh tests/install/check-install.sh
	sh tests/install/check-man.sh $(RAFTSIM) docs/raftsim.1

clean:
	rm -rf $(BUILD)

-include $(patsubst %.o,%.d,$(RAFT_OBJS) $(SIM_OBJS) $(SCN_OBJS) \
	$(VIZ_OBJS) $(CLI_OBJS) $(BENCH_OBJS) $(TEST_OBJS) $(TEST_SUPPORT_OBJS))
