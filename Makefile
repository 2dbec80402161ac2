# riklet — build, test and install.  GNU make.
#
#   make                 build/riklet (and build/rikletctl)
#   make check           every test: unit, configuration, integration
#   make check-asan      the same under AddressSanitizer and UBSan
#   make demo            riklet against a local engine and scheduler peer
#   make lint            mandoc -Tlint on every man page
#   make install         PREFIX=/usr/local DESTDIR= (no root needed with
#                        DESTDIR); then, as root, once per machine:
#   make install-user    the _riklet user and /var/empty, if missing

CC		?= cc
YACC		 = bison -y
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
SYSTEMDDIR	?= $(PREFIX)/lib/systemd/system
INITDIR		?= $(SYSCONFDIR)/init.d
BUILD		?= build
CFLAGS		?= -O2 -g
SAN		?=

WARNINGS	 = -Wall -Wextra -Werror -Wstrict-prototypes \
		   -Wmissing-prototypes -Wshadow -Wpointer-arith -Wcast-qual
PKGS		 = libevent libbsd-overlay jansson libcurl libprotobuf-c \
		   libseccomp
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS))
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS))
ALL_CPPFLAGS	 = -Icommon -I$(BUILD)/proto -D_GNU_SOURCE $(PKG_CFLAGS) \
		   $(CPPFLAGS)
ALL_CFLAGS	 = -std=gnu11 $(WARNINGS) $(CFLAGS) $(SAN)
LIBS		 = $(PKG_LIBS) -lgrpc -lgpr -lpthread -lm
ALL_LDFLAGS	 = $(SAN) $(LDFLAGS)

# Generated protobuf-c code (see proto/Makefile.inc).
PROTO_SRCS	 =
include proto/Makefile.inc

COMMON_SRCS	 = $(wildcard common/*.c)
PARENT_SRCS	 = $(filter-out riklet-parent/riklet.c, \
		   $(wildcard riklet-parent/*.c))
AGENT_SRCS	 = $(wildcard riklet-agent/*.c)
METRICS_SRCS	 = $(wildcard riklet-metrics/*.c)
RUNTIME_SRCS	 = $(wildcard riklet-runtime/*.c)
CONTROL_SRCS	 = $(wildcard riklet-control/*.c)
CTL_SRCS	 = $(wildcard rikletctl/*.c)

LIB_OBJS	 = $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRCS) \
		   $(PARENT_SRCS) $(AGENT_SRCS) $(METRICS_SRCS) \
		   $(RUNTIME_SRCS) $(CONTROL_SRCS)) \
		   $(BUILD)/obj/parse.o $(PROTO_OBJS)
MAIN_OBJ	 = $(BUILD)/obj/riklet-parent/riklet.o
CTL_OBJS	 = $(patsubst %.c,$(BUILD)/obj/%.o,$(CTL_SRCS))
LIBRIKLET	 = $(BUILD)/libriklet.a

UNIT_SRCS	 = $(wildcard regress/unit/test_*.c)
UNIT_BINS	 = $(patsubst regress/unit/%.c,$(BUILD)/regress/%,$(UNIT_SRCS))
HARNESS_OBJS	 = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard regress/lib/*.c \
		   regress/peer/*.c))

BENCH_BINS	 = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

MANPAGES	 = $(wildcard man/*.[0-9])

PROGS		 = $(BUILD)/riklet
ifneq ($(CTL_SRCS),)
PROGS		+= $(BUILD)/rikletctl
endif

# Keep the test harness objects: they are not worth rebuilding each run.
.SECONDARY:

.PHONY: all check check-unit check-config check-integration check-slow \
	check-asan demo lint install install-user clean fuzz bench

all: $(PROGS)

$(BUILD)/riklet: $(MAIN_OBJ) $(LIBRIKLET)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBRIKLET) $(LIBS)

$(BUILD)/rikletctl: $(CTL_OBJS) $(LIBRIKLET)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CTL_OBJS) $(LIBRIKLET) $(LIBS)

$(LIBRIKLET): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

$(BUILD)/obj/%.o: %.c $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# bison's output is not ours to hold to every warning.
$(BUILD)/parse.c: riklet-parent/parse.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

$(BUILD)/obj/parse.o: $(BUILD)/parse.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iriklet-parent $(ALL_CFLAGS) \
	    -Wno-unused-function -Wno-missing-prototypes -c -o $@ $<

$(BUILD)/regress/%: regress/unit/%.c $(HARNESS_OBJS) $(LIBRIKLET)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iriklet-parent -Iriklet-agent \
	    -Iriklet-metrics -Iriklet-runtime -Iriklet-control -Iregress/lib -Iregress/peer \
	    -I$(BUILD) \
	    $(ALL_CFLAGS) $(shell pkg-config --cflags check) \
	    -o $@ $< $(HARNESS_OBJS) $(LIBRIKLET) $(LIBS) \
	    $(shell pkg-config --libs check) $(ALL_LDFLAGS)

# Benchmarks need the engine; not part of check.
$(BUILD)/bench/%: bench/%.c $(HARNESS_OBJS) $(LIBRIKLET)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iriklet-runtime -Iriklet-agent -Iregress/lib \
	    -Iregress/peer $(ALL_CFLAGS) \
	    -o $@ $< $(HARNESS_OBJS) $(LIBRIKLET) $(LIBS) \
	    $(shell pkg-config --libs check) $(ALL_LDFLAGS)

bench: all $(BENCH_BINS)
	@set -e; for b in $(BENCH_BINS); do \
		echo "== $$b"; \
		REGRESS_DIR=$(CURDIR)/regress RIKLET=$(CURDIR)/$(BUILD)/riklet $$b; \
	done

# The test command: installs what is missing, then builds and runs all.
# The private engine the tests start is stopped at the end, pass or fail.
check:
	sh regress/deps.sh
	$(MAKE) all
	$(MAKE) check-unit check-config lint check-integration; rc=$$?; \
	    sh regress/engine.sh stop >/dev/null 2>&1; exit $$rc

check-unit: $(UNIT_BINS) $(BUILD)/riklet
	@failed=""; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		CK_FORK=yes REGRESS_DIR=$(CURDIR)/regress \
		    RIKLET=$(CURDIR)/$(BUILD)/riklet $$t || failed="$$failed $$t"; \
	done; [ -z "$$failed" ] || { echo "unit tests failed:$$failed"; exit 1; }

check-config: $(BUILD)/riklet
	sh regress/config/run.sh $(BUILD)/riklet

# Children are not dumpable, so LeakSanitizer cannot inspect them: leaks
# are checked in the unit tests and by check-valgrind instead.
check-integration: all
	ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=0} \
	    RIKLET=$(CURDIR)/$(BUILD)/riklet BUILD=$(CURDIR)/$(BUILD) \
	    sh regress/integration/run.sh

check-slow: all
	RIKLET=$(CURDIR)/$(BUILD)/riklet BUILD=$(CURDIR)/$(BUILD) \
	    RIKLET_SLOW=1 sh regress/integration/run.sh

check-asan:
	$(MAKE) BUILD=build-asan CC=clang CFLAGS="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    check

lint:
	mandoc -Tlint -W warning $(MANPAGES)

demo:
	sh regress/deps.sh
	$(MAKE) all
	sh regress/demo.sh $(CURDIR)/$(BUILD)

# The example configuration always; riklet.conf itself only if absent.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/riklet \
	    $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(INITDIR)
	install -m 0755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 etc/riklet.conf \
	    $(DESTDIR)$(SYSCONFDIR)/riklet/riklet.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/riklet/riklet.conf || \
	    install -m 0644 etc/riklet.conf \
	    $(DESTDIR)$(SYSCONFDIR)/riklet/riklet.conf
	sed -e 's|/usr/sbin/|$(SBINDIR)/|g' etc/riklet.service \
	    >$(DESTDIR)$(SYSTEMDDIR)/riklet.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/riklet.service
	sed -e 's|/usr/sbin/|$(SBINDIR)/|g' \
	    -e 's|/etc/riklet/|$(SYSCONFDIR)/riklet/|g' etc/riklet.init \
	    >$(DESTDIR)$(INITDIR)/riklet
	chmod 0755 $(DESTDIR)$(INITDIR)/riklet

# Idempotent; the user's name and the directory are riklet.conf's
# defaults (user, chroot).
install-user:
	id _riklet >/dev/null 2>&1 || \
	    useradd -r -s /usr/sbin/nologin -d /nonexistent -M _riklet
	install -d -m 0755 -o root -g root $(DESTDIR)/var/empty

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
