# memberd: one Makefile for the binaries, the tests and the developer stack.
# See README.md. Variables worth overriding: CC, PREFIX, DESTDIR.

CC	?= cc
PKGS	 = libpq fcgi libcjson libesmtp-1.0 libargon2 libsystemd libcrypto libssl libcurl \
	   liboath libqrencode
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# -lm: src/api/input.c calls floor(), which gcc inlines and clang does not.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

WARN	 = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CSTD	 = -std=c17 -D_GNU_SOURCE
HARDEN	 = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS	?= -O2 -g
# The layers (README, Architecture): src/LAYER/*.c with include/LAYER/*.h.
LAYERS	 = core domain api mail hooks cli
INC	 = $(addprefix -Iinclude/,$(LAYERS))
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(HARDEN) $(INC) $(PKG_CFLAGS) -MMD -MP
LDFLAGS	?=
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDFLAGS)

SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
SAN_CFLAGS = $(CSTD) $(WARN) $(SAN_FLAGS) $(INC) $(PKG_CFLAGS) -MMD -MP

MAINS	 = src/api/memberd.c src/mail/mailer.c src/hooks/webhooks.c src/cli/memberctl.c
LIB_SRCS = $(filter-out $(MAINS),$(wildcard $(addsuffix /*.c,$(addprefix src/,$(LAYERS)))))
SQL	 = $(sort $(wildcard sql/*.sql))
GEN	 = build/gen/migrations.c build/gen/openapi.c
GEN_OBJ	 = gen/migrations.o gen/openapi.o
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
BINS	 = memberd memberd-mailer memberd-webhooks memberctl

# release objects in build/obj, sanitizer objects in build/asan/obj
OBJ	 = $(patsubst src/%.c,build/obj/%.o,$(LIB_SRCS)) $(addprefix build/obj/,$(GEN_OBJ))
SOBJ	 = $(patsubst src/%.c,build/asan/obj/%.o,$(LIB_SRCS)) $(addprefix build/asan/obj/,$(GEN_OBJ))
UNIT	 = $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRCS))
SUNIT	 = $(patsubst tests/unit/%.c,build/asan/tests/%,$(UNIT_SRCS))

.PHONY: all asan unit unit-run test test-e2e test-browser test-deploy test-systemd test-pgbouncer check-clang \
	check-openapi check-layers check-long \
	deps fuzz \
	run up down status clean distclean install bench
.DEFAULT_GOAL := all

all: $(addprefix build/,$(BINS))
asan: $(addprefix build/asan/,$(BINS))
unit: $(UNIT) $(SUNIT)

build/gen/migrations.c: tools/embed-sql.sh $(SQL)
	@mkdir -p $(@D)
	tools/embed-sql.sh $(SQL) > $@.tmp && mv $@.tmp $@
# The API's description, served by GET /api/v1/openapi.json.
build/gen/openapi.c: tools/embed-file.sh docs/openapi.json
	@mkdir -p $(@D)
	tools/embed-file.sh openapi_json docs/openapi.json > $@.tmp && mv $@.tmp $@

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
build/asan/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<
build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

build/libmemberd.a: $(OBJ)
	rm -f $@ && ar rcs $@ $^
build/asan/libmemberd.a: $(SOBJ)
	rm -f $@ && ar rcs $@ $^

build/memberd: build/obj/api/memberd.o build/libmemberd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
build/memberd-mailer: build/obj/mail/mailer.o build/libmemberd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
build/memberd-webhooks: build/obj/hooks/webhooks.o build/libmemberd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
build/memberctl: build/obj/cli/memberctl.o build/libmemberd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/memberd: build/asan/obj/api/memberd.o build/asan/libmemberd.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)
build/asan/memberd-mailer: build/asan/obj/mail/mailer.o build/asan/libmemberd.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)
build/asan/memberd-webhooks: build/asan/obj/hooks/webhooks.o build/asan/libmemberd.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)
build/asan/memberctl: build/asan/obj/cli/memberctl.o build/asan/libmemberd.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)

build/tests/%: tests/unit/%.c build/libmemberd.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< build/libmemberd.a $(PKG_LIBS) -lcmocka
build/asan/tests/%: tests/unit/%.c build/asan/libmemberd.a
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(SAN_FLAGS) -o $@ $< build/asan/libmemberd.a $(PKG_LIBS) -lcmocka

# Unit tests, plain and under ASan/UBSan.
unit-run: unit
	@set -e; for t in $(UNIT) $(SUNIT); do echo "== $$t"; $$t; done

# The domain layer knows no HTTP, FastCGI or JSON: its files must compile
# with http.h, fcgiapp.h and cJSON.h made empty (their guards predefined).
DOMAIN_SRCS = $(wildcard src/domain/*.c) tests/unit/test_policy.c
NO_EDGE	 = -DMEMBERD_HTTP_H -D_FCGIAPP_H -DcJSON__h

# The layers build on each other (README, Architecture): core on nothing,
# mail and hooks on core, domain on core and mail (the mail states), api
# on all but cli, cli on all. Each file compiles with only the include
# folders its layer may use, so an include across the layers fails.
# LAYER_TOLERATE: files that still reach up (the next to fix; they are
# being changed on other branches), compiled with every folder meanwhile.
LAYER_INC_core	 = core
LAYER_INC_mail	 = core mail
LAYER_INC_hooks	 = core hooks
LAYER_INC_domain = core domain mail
LAYER_INC_api	 = core domain mail hooks api
LAYER_INC_cli	 = $(LAYERS)
# access.c: session.h (api); apitoken.c: auth.h (api, struct principal)
LAYER_TOLERATE	 = src/domain/access.c src/domain/apitoken.c

check-layers: $(GEN)
	@set -e; $(foreach l,$(LAYERS),\
	for f in $(filter-out $(LAYER_TOLERATE),$(wildcard src/$(l)/*.c)); do \
		clang $(CSTD) $(WARN) $(addprefix -Iinclude/,$(LAYER_INC_$(l))) \
		    $(PKG_CFLAGS) -fsyntax-only $$f || { echo "$$f: layer $(l)" \
		    "may include only from include/{$(LAYER_INC_$(l))}"; \
		    exit 1; }; \
	done;) echo "layers: clean"

# No function over 60 lines but main()s (tools/long-functions.sh).
check-long:
	@tools/long-functions.sh && echo "functions: none over 60 lines"

# The code must also be clean under clang's warnings; the layers and the
# length of functions are checked with it.
check-clang: $(GEN) check-layers check-long
	@set -e; for f in $(LIB_SRCS) $(MAINS) $(UNIT_SRCS); do \
		clang $(CSTD) $(WARN) $(INC) $(PKG_CFLAGS) -fsyntax-only $$f; \
	done; for f in $(DOMAIN_SRCS); do \
		clang $(CSTD) $(WARN) $(NO_EDGE) $(INC) $(PKG_CFLAGS) \
		    -fsyntax-only $$f; \
	done; echo "clang: clean"

# docs/openapi.json: a valid OpenAPI 3.1 document, with every route of
# src/api/routes.c and nothing else (needs the npm packages: make deps).
check-openapi:
	node tools/check-openapi.mjs

# Install what is missing on Debian (needs root), then the npm packages.
deps:
	tools/deps.sh

# End-to-end tests: their own throwaway stack on free loopback ports.
test-e2e: all asan
	tools/run-tests.sh e2e

test-browser: all asan
	tools/run-tests.sh browser

test-deploy: all asan
	tools/run-tests.sh deploy

# The API suites through Debian's PgBouncer in transaction mode (also part
# of test-e2e and test).
test-pgbouncer: all asan
	tools/run-tests.sh pgbouncer

# The deployment under a real systemd: a cached minbase Debian 12 tree
# booted with systemd-nspawn (root; skipped, saying why, where it cannot
# boot). See tests/deploy/nspawn.mjs.
test-systemd: all
	node --test --test-reporter=spec tests/deploy/nspawn.mjs

# deps first, then a new make: the pkg-config flags above are read when
# make starts, which on a fresh machine is before the -dev packages exist.
test: deps
	$(MAKE) --no-print-directory all asan check-clang check-openapi unit-run
	$(MAKE) -s fuzz FUZZ_SECONDS=5
	tools/run-tests.sh all
	$(MAKE) -s test-systemd

# The developer stack under var/ (see README.md).
run: deps
	$(MAKE) --no-print-directory all
	tools/stack.sh run
up: deps
	$(MAKE) --no-print-directory all
	tools/stack.sh up
down:
	tools/stack.sh down
status:
	tools/stack.sh status

bench: all
	@echo "see bench/README.md"

# Installation, for packagers and docs/operations.md. The units, the nginx
# site and the sample configuration name /usr/local/sbin,
# /usr/local/share/memberd and /etc/memberd; install rewrites them to the
# directories below. Nothing under /etc/nginx is touched, and an existing
# memberd.conf is never overwritten (only memberd.conf.sample).
PREFIX	?= /usr/local
SYSCONFDIR ?= /etc
SBINDIR	?= $(PREFIX)/sbin
DATADIR	?= $(PREFIX)/share/memberd
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/memberd
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
UNITS	 = memberd.socket memberd.service memberd-mailer.service memberd-mailer@.service \
	   memberd-webhooks.service \
	   memberd-housekeeping.service memberd-housekeeping.timer
SNIPPETS = $(wildcard nginx/snippets/*.conf)
MAN5	 = $(wildcard man/*.5)
MAN8	 = $(wildcard man/*.8)
SUBST	 = -e 's|/usr/local/sbin|$(SBINDIR)|g' \
	   -e 's|/usr/local/share/memberd|$(DATADIR)|g' \
	   -e 's|/usr/local/share/man|$(MANDIR)|g' \
	   -e 's|/usr/local/share/doc/memberd|$(DOCDIR)|g' \
	   -e 's|/etc/memberd|$(SYSCONFDIR)/memberd|g'
# operations.md names these too, and says which PREFIX its paths are for.
DOCSUBST = $(SUBST) \
	   -e 's|/usr/local/lib/systemd/system|$(UNITDIR)|g' \
	   -e 's|/usr/local/lib/sysusers.d|$(SYSUSERSDIR)|g' \
	   -e 's|/usr/local/lib/tmpfiles.d|$(TMPFILESDIR)|g' \
	   -e 's,^| path (PREFIX=/usr/local) |,| path (PREFIX=$(PREFIX)) |,'
D	 = $(DESTDIR)

install: all
	install -d -m 755 $(D)$(SBINDIR) $(D)$(UNITDIR) $(D)$(SYSUSERSDIR) \
	    $(D)$(TMPFILESDIR) $(D)$(SYSCONFDIR)/memberd $(D)$(DATADIR)/nginx \
	    $(D)$(DATADIR)/sql $(D)$(MANDIR)/man5 $(D)$(MANDIR)/man8 $(D)$(DOCDIR)
	install -m 755 $(addprefix build/,$(BINS)) $(D)$(SBINDIR)
	set -e; for u in $(UNITS); do \
		sed $(SUBST) systemd/$$u > $(D)$(UNITDIR)/$$u; \
		chmod 644 $(D)$(UNITDIR)/$$u; \
	done
	install -m 644 systemd/memberd.sysusers $(D)$(SYSUSERSDIR)/memberd.conf
	install -m 644 systemd/memberd.tmpfiles $(D)$(TMPFILESDIR)/memberd.conf
	sed $(SUBST) docs/memberd.conf.sample > $(D)$(SYSCONFDIR)/memberd/memberd.conf.sample
	chmod 644 $(D)$(SYSCONFDIR)/memberd/memberd.conf.sample
	sed $(SUBST) nginx/memberd.conf > $(D)$(DATADIR)/nginx/memberd.conf
	chmod 644 $(D)$(DATADIR)/nginx/memberd.conf
	install -m 644 $(SNIPPETS) $(D)$(DATADIR)/nginx
	set -e; cd nginx; for d in $$(find www -type d); do \
		install -d -m 755 $(D)$(DATADIR)/$$d; \
	done; for f in $$(find www -type f); do \
		install -m 644 $$f $(D)$(DATADIR)/$$f; \
	done
	install -m 644 $(SQL) $(D)$(DATADIR)/sql
	install -m 644 $(MAN5) $(D)$(MANDIR)/man5
	install -m 644 $(MAN8) $(D)$(MANDIR)/man8
	sed $(DOCSUBST) docs/operations.md > $(D)$(DOCDIR)/operations.md
	chmod 644 $(D)$(DOCDIR)/operations.md

clean:
	rm -rf build
distclean: clean
	-tools/stack.sh purge
	rm -rf var node_modules

-include $(OBJ:.o=.d) $(SOBJ:.o=.d) $(wildcard build/obj/*/*.d build/asan/obj/*/*.d)

# Fuzz the parsers with libFuzzer (clang), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 10
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SAN  = -g -O1 -fsanitize=address,undefined
FUZZ_OBJ  = $(patsubst src/%.c,build/fuzz/obj/%.o,$(filter-out src/api/fcgi.c,$(LIB_SRCS))) \
	    $(addprefix build/fuzz/obj/,$(GEN_OBJ))
FUZZ_BINS = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
.PHONY: fuzz
build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	clang $(CSTD) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(INC) $(PKG_CFLAGS) -c -o $@ $<
build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	clang $(CSTD) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(INC) $(PKG_CFLAGS) -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	clang $(CSTD) $(FUZZ_SAN) -fsanitize=fuzzer $(INC) $(PKG_CFLAGS) -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS)
fuzz: $(FUZZ_BINS)
	@set -e; for b in $(FUZZ_BINS); do \
		mkdir -p $$b.corpus; \
		echo "== $$b ($(FUZZ_SECONDS)s)"; \
		$$b -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=0 \
			$$b.corpus 2>&1 | tail -1; \
	done
