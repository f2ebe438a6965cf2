# refagent - build, test, demo, bench.
#
#   make            build build/refagent
#   make deps       install the Debian packages that are missing (as root),
#                   or print the one apt-get line to run
#   make check      deps + build + every test (unit, intake cases, the report
#                   page in headless chromium, end-to-end against Dovecot and
#                   Postfix on loopback, corpus under sanitizers); the store's
#                   unit tests and the end-to-end tests twice, on SQLite and on
#                   a PostgreSQL server of their own (tests/pg.sh)
#   make demo       deps + build + the agent at work on a loopback mail world
#   make lint       clang-format check and banned functions
#   make bench      ingest benchmark beside the peers in ../shared/bench
#   make check SANITIZE=1   the same tests on an ASan+UBSan build
#   make install    the binary, man pages, rules, templates, sample config and
#                   systemd units (PREFIX=/usr/local DESTDIR=; README.md
#                   "Installing"); make uninstall removes them again
#   make installcheck   install into a scratch folder and check the result
#   make version    print the version the binary reports

SANITIZE ?=
CC       ?= cc
PKGS     := libetpan gnutls gmime-3.0 sqlite3 libpq libpcre2-8 libcurl inih jansson libxml-2.0
TEST_PKGS := cmocka
# libcsv (Debian's libcsv-dev) ships no pkg-config file: its header is
# checked by pkgcheck and it is linked by name.
NOPC_LIBS := -lcsv

ifeq ($(SANITIZE),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1
else
BUILD    ?= build
SANFLAGS :=
OPT      := -O2
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(NOPC_LIBS) -lm
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = -std=gnu11 $(WARN) -fPIE -pthread -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -pthread $(SANFLAGS) $(LDFLAGS)

SRCS    := $(sort $(wildcard agent/*.c))
OBJS    := $(SRCS:agent/%.c=$(BUILD)/obj/%.o)
LIBOBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BIN     := $(BUILD)/refagent

# Where `make install` puts things.  The binary knows DATADIR: a config
# that names no [agent] filters/templates, and has no such folders beside
# it, uses the ones installed there.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/refagent
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system

# The release: `git describe` of a tag vX.Y.Z when there is one; else
# BASE_VERSION and the commit (0.1.0-g72784b8, -dirty with local changes);
# else, outside git, BASE_VERSION.
BASE_VERSION := 0.1.0
ifeq ($(origin VERSION),undefined)
VERSION := $(shell [ -e .git ] && d=$$(git describe --tags --match 'v[0-9]*' --always --dirty 2>/dev/null); \
             case "$$d" in (v[0-9]*) echo "$$d" | sed 's/^v//';; ("") echo $(BASE_VERSION);; \
             (*) echo "$(BASE_VERSION)-g$$d";; esac)
endif
DEFS = -DREFAGENT_VERSION='"$(VERSION)"' -DREFAGENT_DATADIR='"$(DATADIR)"'

.PHONY: fuzz fuzzdeps fuzz-replay all deps check unit unit-pg cli browser e2e e2e-pg corpus demo lint bench clean install uninstall \
        installcheck version pkgcheck FORCE
.DEFAULT_GOAL := all

all: $(BIN)

pkgcheck:
	@pkg-config --exists $(PKGS) || { \
	  echo "refagent: missing libraries: $$(for p in $(PKGS); do pkg-config --exists $$p || printf '%s ' $$p; done)" >&2; \
	  echo "refagent: run 'make deps' (as root it installs them)" >&2; exit 2; }
	@printf '#include <csv.h>\nint x = CSV_STRICT;\n' | $(CC) -x c -fsyntax-only - 2>/dev/null || { \
	  echo "refagent: missing libraries: libcsv (csv.h)" >&2; \
	  echo "refagent: run 'make deps' (as root it installs them)" >&2; exit 2; }

# V=1 shows the full compiler lines
ifeq ($(V),1)
Q :=
else
Q := @
endif

$(BIN): $(OBJS) | pkgcheck
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

$(BUILD)/obj/%.o: agent/%.c | pkgcheck
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJS) tests/unit/testutil.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests/unit -o $@ $< $(LIBOBJS) $(PKG_LIBS) $(TEST_LIBS)

-include $(OBJS:.o=.d)

# main.c and config.c are built with DEFS; the stamp changes (and they are
# rebuilt) only when the version or DATADIR does.
$(BUILD)/defs: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(VERSION)' '$(DATADIR)' | cmp -s - $@ || printf '%s\n' '$(VERSION)' '$(DATADIR)' >$@
$(BUILD)/obj/main.o $(BUILD)/obj/config.o: $(BUILD)/defs
$(BUILD)/obj/main.o $(BUILD)/obj/config.o: ALL_CFLAGS += $(DEFS)

deps:
	@sh tests/deps.sh

# Everything, from a clean machine: packages, build, lint, unit tests,
# intake cases, end-to-end tests on real servers, and the corpus under
# sanitizers.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-pg
	@$(MAKE) --no-print-directory cli
	@$(MAKE) --no-print-directory browser
	@$(MAKE) --no-print-directory installcheck
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory e2e-pg
	@$(MAKE) --no-print-directory corpus

unit: $(BIN) $(UNIT_BINS)
	@sh tests/run-unit.sh $(BUILD) $(UNIT_BINS)

# The unit tests that use the store (they include testdb.h) again, on a
# PostgreSQL server of their own (tests/pg.sh: initdb, pg_ctl on a loopback
# port, stopped at the end).
STORE_UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(shell grep -l '"testdb.h"' $(UNIT_SRCS)))
unit-pg: $(BIN) $(UNIT_BINS)
	@echo "unit-pg: the store's tests on PostgreSQL"
	@bash tests/pg.sh sh tests/run-unit.sh $(BUILD) $(STORE_UNIT_BINS)

cli: $(BIN)
	@bash tests/cli.sh $(abspath $(BIN))
	@bash tests/ingest_faults.sh $(abspath $(BIN))

# report --html in a real headless browser (Debian's chromium), against
# report --json
browser: $(BIN)
	@bash tests/browser/report.sh $(abspath $(BIN))

# The mail world listens on fixed loopback ports: two checkouts testing at
# once take turns (flock) instead of fighting over them.  -o: the test's
# children (a daemon a failed test left behind) do not inherit the lock.
E2E_LOCK := flock -o /tmp/refagent-e2e.lock

E2E_SCRIPTS := run followup lifecycle review intake oauth businesses

e2e: $(BIN) $(BUILD)/tests/imap_probe
	@for t in $(E2E_SCRIPTS); do \
	  $(E2E_LOCK) bash tests/e2e/$$t.sh $(abspath $(BIN)) $(abspath $(BUILD)/tests/imap_probe) || exit 1; \
	done

# The same end-to-end tests with the agents' databases on one PostgreSQL
# server (tests/pg.sh), and the fleet: three agents for three businesses,
# killed and restarted at random (tests/e2e/fleet.sh).
e2e-pg: $(BIN) $(BUILD)/tests/imap_probe
	@$(E2E_LOCK) bash tests/pg.sh bash -c 'for t in $(E2E_SCRIPTS) fleet; do \
	  echo "e2e-pg: $$t"; bash tests/e2e/$$t.sh "$$0" "$$1" || exit 1; done' \
	  $(abspath $(BIN)) $(abspath $(BUILD)/tests/imap_probe)

# a small driver of the IMAP module for tests/e2e/imap_live.sh
$(BUILD)/tests/imap_probe: tests/unit/imap_probe.c $(LIBOBJS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBOBJS) $(PKG_LIBS)

# The corpus always runs on a sanitizer build; so does the replay of the
# fuzz targets over their seeds and every input a fuzzer ever failed on.
corpus:
	@$(MAKE) --no-print-directory SANITIZE=1 all fuzz-replay
	@bash tests/corpus.sh $(abspath build-san/refagent)

# ---- fuzzing ----
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_RUNS=N] [FUZZ_TARGETS="rules auth"]
# builds each libFuzzer target with clang (ASan + UBSan) in build-fuzz/ and
# runs it for FUZZ_SECONDS, starting from its seeds (tests/fuzz/seeds.sh);
# an input that fails is kept in build-fuzz/TARGET/ and belongs, once
# fixed, in tests/fuzz/regressions/TARGET/ so fuzz-replay keeps it fixed.
FUZZ_TARGETS ?= message rules template config auth prefilter
FUZZ_SECONDS ?= 60
# FUZZ_RUNS=N stops a target after N executions (or FUZZ_SECONDS, first)
FUZZ_RUNS ?=
# inputs up to this size: the faults are in structure, and small inputs run
# hundreds of times faster
FUZZ_MAX_LEN ?= 4096
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
                -fno-sanitize-recover=undefined -std=gnu11 -D_GNU_SOURCE -pthread -Iinclude \
                $(filter-out -specs=%,$(PKG_CFLAGS))
FUZZ_OBJS    := $(filter-out build-fuzz/obj/main.o,$(SRCS:agent/%.c=build-fuzz/obj/%.o))
# Debian's pkg-config files carry gcc-only -specs= flags
FUZZ_LIBS     = $(filter-out -specs=%,$(PKG_LIBS))
.SECONDARY: $(FUZZ_OBJS)

build-fuzz/obj/%.o: agent/%.c | pkgcheck fuzzdeps
	@mkdir -p $(@D)
	@echo "  CC      $< (fuzz)"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
-include $(FUZZ_OBJS:.o=.d)

# clang, installed when missing (as `make check` installs what it needs)
fuzzdeps:
	@sh tests/deps.sh fuzz

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_OBJS) | fuzzdeps
	@echo "  LD      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(FUZZ_LIBS)

# ASan keeps the memory it frees (allocator_release_to_os_interval_ms=-1):
# handed back to the kernel every few seconds, it was faulted in again by
# the next inputs, about a tenth of the message target's time.  The
# quarantine and the leak checks are as they were.
fuzz: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	  sh tests/fuzz/seeds.sh $$t build-fuzz/corpus-$$t || exit 1; \
	  mkdir -p build-fuzz/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1:allocator_release_to_os_interval_ms=-1 ./build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) \
	    -print_final_stats=1 -close_fd_mask=2 -artifact_prefix=build-fuzz/$$t/ -max_len=$(FUZZ_MAX_LEN) \
	    build-fuzz/corpus-$$t 2>build-fuzz/$$t.log || { tail -40 build-fuzz/$$t.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' build-fuzz/$$t.log | \
	    sed "s/^/fuzz: $$t: /"; \
	done

# The targets without libFuzzer (tests/fuzz/replay.c), on the sanitizer
# build, over the seeds and the regressions.
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz_common.h $(LIBOBJS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -DFUZZ_REPLAY $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBOBJS) $(PKG_LIBS)

fuzz-replay: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
	@for t in $(FUZZ_TARGETS); do \
	  d=$(BUILD)/fuzz/seeds-$$t; sh tests/fuzz/seeds.sh $$t $$d || exit 1; \
	  files=$$(find $$d tests/fuzz/regressions/$$t -type f 2>/dev/null); \
	  printf 'fuzz-replay: %s: ' $$t; \
	  ./$(BUILD)/fuzz/replay_$$t $$files >/dev/null 2>$(BUILD)/fuzz/replay-$$t.log && \
	    echo "$$(echo "$$files" | wc -l) inputs clean" || \
	    { echo FAILED; tail -30 $(BUILD)/fuzz/replay-$$t.log; exit 1; }; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@$(E2E_LOCK) bash tests/e2e/demo.sh $(abspath $(BIN))

lint:
	@sh tests/lint.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench.sh $(abspath $(BIN))

# ---- install ----
#
# The pages, units and sample config in agent/ name the default places
# (/usr/local/bin, /usr/local/share/refagent, /etc/refagent); SUBST puts in
# the ones of this install.  The admin's refagent.conf is never written:
# only refagent.conf.sample beside it.
MAN1  := agent/refagent.1
MAN5  := agent/refagent.conf.5 agent/refagent-filters.5 agent/refagent-templates.5
UNITS := agent/refagent.service agent/refagent@.service
RULES := $(sort $(wildcard filters/*.rules))
TMPLS := $(sort $(wildcard templates/*.tmpl))
SUBST  = sed -e 's|/usr/local/bin/refagent|$(BINDIR)/refagent|g' \
             -e 's|/usr/local/share/refagent|$(DATADIR)|g' \
             -e 's|/etc/refagent|$(SYSCONFDIR)/refagent|g'
# install_subst SRC DEST: SRC through SUBST, mode 0644
install_subst = $(SUBST) $(1) >$(2).tmp && chmod 0644 $(2).tmp && mv -f $(2).tmp $(2)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/filters $(DESTDIR)$(DATADIR)/templates \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/refagent \
	  $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/refagent
	install -m 0644 $(RULES) $(DESTDIR)$(DATADIR)/filters/
	install -m 0644 $(TMPLS) $(DESTDIR)$(DATADIR)/templates/
	$(foreach f,$(MAN1),$(call install_subst,$(f),$(DESTDIR)$(MANDIR)/man1/$(notdir $(f))) &&) true
	$(foreach f,$(MAN5),$(call install_subst,$(f),$(DESTDIR)$(MANDIR)/man5/$(notdir $(f))) &&) true
	$(foreach f,$(UNITS),$(call install_subst,$(f),$(DESTDIR)$(UNITDIR)/$(notdir $(f))) &&) true
	$(call install_subst,agent/refagent.conf.sample,$(DESTDIR)$(SYSCONFDIR)/refagent/refagent.conf.sample)

# What install wrote, and its folders when they are left empty (an admin's
# refagent.conf keeps /etc/refagent).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/refagent \
	  $(addprefix $(DESTDIR)$(DATADIR)/filters/,$(notdir $(RULES))) \
	  $(addprefix $(DESTDIR)$(DATADIR)/templates/,$(notdir $(TMPLS))) \
	  $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
	  $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
	  $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) \
	  $(DESTDIR)$(SYSCONFDIR)/refagent/refagent.conf.sample
	for d in $(DESTDIR)$(DATADIR)/filters $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR) \
	  $(DESTDIR)$(SYSCONFDIR)/refagent; do [ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done

installcheck: $(BIN)
	@REFAGENT_BIN=$(abspath $(BIN)) bash tests/install.sh

version:
	@echo $(VERSION)

clean:
	rm -rf build build-san build-fuzz
