# cloudwatchlogsbeat: CloudWatch Logs to Elasticsearch as small Unix tools.
.DELETE_ON_ERROR:

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/cloudwatchlogsbeat
COMPDIR ?= $(PREFIX)/share/bash-completion/completions

PKGS = libcurl openssl json-c yaml-0.1 zlib
DEBS = build-essential pkg-config libcurl4-openssl-dev libssl-dev \
	libjson-c-dev libyaml-dev zlib1g-dev
# What the tests need beside: bats (and GNU parallel, which runs the bats
# files side by side), the local servers (Python with
# botocore), awscli as an independent client, openssl for test CAs, and
# what builds and checks the Debian package.
TEST_DEBS = bats parallel python3 python3-botocore python3-yaml awscli curl openssl procps clang libclang-rt-14-dev valgrind \
	debhelper dpkg-dev fakeroot lintian

# O: where objects go; OUT: where binaries go. `make san` reuses this
# Makefile with other directories and the sanitizers on.
O ?= build/rel
OUT ?= bin
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

CFLAGS ?= -O2 -g
# -iquote: lib/sched.h must not stand in for the system's <sched.h>,
# which <pthread.h> includes
override CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-Wall -Wextra -Wno-unused-parameter -Wformat=2 -Wshadow -Wvla \
	-Werror=implicit-function-declaration \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
	-DCWL_VERSION='"$(VERSION)"' -iquote lib $(PKG_CFLAGS) $(CFLAGS)
override LDFLAGS := -pie -Wl,-z,relro,-z,now $(LDFLAGS)
LDLIBS = $(PKG_LIBS) -lm

PROGS = cwl-list cwl-tail cwl-ship cwl-registry cwl-kinesis
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(O)/%.o)
LIB_A = $(O)/libcwl.a
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
# Programs the bats tests drive, built like the unit tests.
TEST_TOOLS = $(O)/tests/httpget $(O)/tests/awscall $(O)/tests/cfgkeys

all: $(PROGS:%=$(OUT)/%)

$(O)/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/cmd/%.o: cmd/%.c $(wildcard lib/*.h cmd/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icmd/$(*D) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# One line per program: what it links.
objs = $(patsubst %.c,$(O)/%.o,$(wildcard cmd/$(1)/*.c))

$(OUT)/cwl-list: $(call objs,cwl-list) $(LIB_A)
$(OUT)/cwl-tail: $(call objs,cwl-tail) $(LIB_A)
$(OUT)/cwl-ship: $(call objs,cwl-ship) $(LIB_A)
$(OUT)/cwl-registry: $(call objs,cwl-registry) $(LIB_A)
$(OUT)/cwl-kinesis: $(call objs,cwl-kinesis) $(LIB_A)

$(PROGS:%=$(OUT)/%):
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_A) $(LDLIBS)

unit-bin: $(UNIT_BIN) $(TEST_TOOLS)

# The sanitizer build: the same sources in build/san, binaries in build/san/bin.
san:
	$(MAKE) O=build/san OUT=build/san/bin CFLAGS="-O1 -g $(SAN_FLAGS)" \
	    LDFLAGS="$(SAN_FLAGS)" all unit-bin

check: all unit-bin san fuzz-bin
	CWL_UNIT="$(UNIT_BIN) tests/fuzz/run" CWL_UNIT_SAN="$(UNIT_BIN:$(O)/%=build/san/%)" \
	    FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS) FUZZ_SEED=1 sh tests/run

# Every bats file against the sanitizer build too.
check-san: san
	CWL_BIN=$(CURDIR)/build/san/bin CWL_UNIT="$(UNIT_BIN:$(O)/%=build/san/%)" \
	    sh tests/run

# The beat end to end against the local servers, with sample Lambda logs.
demo: all
	bash tests/demo.sh

# docs/configuration.md, made from the schema (lib/config_keys.c);
# tests/config-reference.bats fails when the two disagree.
config-reference: $(O)/tests/cfgkeys
	sh tests/gen-config-reference.sh $(O)/tests/cfgkeys >docs/configuration.md.tmp
	mv docs/configuration.md.tmp docs/configuration.md

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)
	for p in $(PROGS); do cp $(OUT)/$$p $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/$$p; done
	sed 's|^CWL_LIBEXEC=.*|CWL_LIBEXEC=$(BINDIR)|' cloudwatchlogsbeat >$(DESTDIR)$(BINDIR)/cloudwatchlogsbeat
	chmod 755 $(DESTDIR)$(BINDIR)/cloudwatchlogsbeat
	for m in man/*.1; do [ -f "$$m" ] && cp $$m $(DESTDIR)$(MANDIR)/man1/; done; true
	for m in man/*.5; do [ -f "$$m" ] && cp $$m $(DESTDIR)$(MANDIR)/man5/; done; true
	[ ! -f cloudwatchlogsbeat.yml ] || cp cloudwatchlogsbeat.yml $(DESTDIR)$(DATADIR)/
	if [ -d completions ]; then mkdir -p $(DESTDIR)$(COMPDIR) && cp completions/* $(DESTDIR)$(COMPDIR)/; fi

# Installs the Debian packages the build and the tests need, when they
# are missing, and the npm packages of the tests.
deps:
	@missing=; for d in $(DEBS) $(TEST_DEBS); do \
	    dpkg -s $$d 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$d"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi
	if [ -f tests/package-lock.json ]; then npm ci --prefix tests --no-audit --no-fund; fi

-include tests/fuzz/fuzz.mk

clean:
	rm -rf build bin

.PHONY: all san check check-san install deps clean unit-bin demo config-reference
