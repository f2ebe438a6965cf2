# refagent - build, test, demo, bench.
#
#   make            build build/refagent
#   make deps       install the Debian packages that are missing (as root),
#                   or print the one apt-get line to run
#   make check      deps + build + every test (unit, intake cases, end-to-end
#                   against Dovecot and Postfix on loopback, corpus under
#                   sanitizers)
#   make demo       deps + build + the agent at work on a loopback mail world
#   make lint       clang-format check and banned functions
#   make bench      ingest benchmark beside the peers in ../shared/bench
#   make check SANITIZE=1   the same tests on an ASan+UBSan build

SANITIZE ?=
CC       ?= cc
PKGS     := libetpan gnutls gmime-3.0 sqlite3 libpcre2-8 libcurl inih jansson libxml-2.0
TEST_PKGS := cmocka

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
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
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

.PHONY: all deps check unit cli e2e corpus demo lint bench clean install pkgcheck
.DEFAULT_GOAL := all

all: $(BIN)

pkgcheck:
	@pkg-config --exists $(PKGS) || { \
	  echo "refagent: missing libraries: $$(for p in $(PKGS); do pkg-config --exists $$p || printf '%s ' $$p; done)" >&2; \
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

deps:
	@sh tests/deps.sh

# Everything, from a clean machine: packages, build, lint, unit tests,
# intake cases, end-to-end tests on real servers, and the corpus under
# sanitizers.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory cli
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory corpus

unit: $(BIN) $(UNIT_BINS)
	@sh tests/run-unit.sh $(BUILD) $(UNIT_BINS)

cli: $(BIN)
	@bash tests/cli.sh $(abspath $(BIN))

# The mail world listens on fixed loopback ports: two checkouts testing at
# once take turns (flock) instead of fighting over them.
E2E_LOCK := flock /tmp/refagent-e2e.lock

e2e: $(BIN) $(BUILD)/tests/imap_probe
	@$(E2E_LOCK) bash tests/e2e/run.sh $(abspath $(BIN)) $(abspath $(BUILD)/tests/imap_probe)
	@$(E2E_LOCK) bash tests/e2e/followup.sh $(abspath $(BIN))
	@$(E2E_LOCK) bash tests/e2e/lifecycle.sh $(abspath $(BIN))
	@$(E2E_LOCK) bash tests/e2e/oauth.sh $(abspath $(BIN))

# a small driver of the IMAP module for tests/e2e/imap_live.sh
$(BUILD)/tests/imap_probe: tests/unit/imap_probe.c $(LIBOBJS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBOBJS) $(PKG_LIBS)

# The corpus always runs on a sanitizer build.
corpus:
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@bash tests/corpus.sh $(abspath build-san/refagent)

demo: deps
	@$(MAKE) --no-print-directory all
	@$(E2E_LOCK) bash tests/e2e/demo.sh $(abspath $(BIN))

lint:
	@sh tests/lint.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench.sh $(abspath $(BIN))

PREFIX ?= /usr/local
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/refagent

clean:
	rm -rf build build-san
