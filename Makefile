# riklet — build, test and install.  GNU make.
#
#   make                 build/riklet (and build/rikletctl)
#   make check           every test: unit, configuration, integration
#   make check-asan      the same under AddressSanitizer and UBSan
#   make demo            riklet against a local engine and scheduler peer
#   make lint            mandoc -Tlint on every man page
#   make install         PREFIX=/usr/local DESTDIR=

CC		?= cc
YACC		 = bison -y
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
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
CTL_SRCS	 = $(wildcard rikletctl/*.c)

LIB_OBJS	 = $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRCS) \
		   $(PARENT_SRCS) $(AGENT_SRCS) $(METRICS_SRCS) \
		   $(RUNTIME_SRCS)) \
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

.PHONY: all check check-unit check-config check-integration check-slow \
	check-asan demo lint install clean fuzz bench

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
	    -Iriklet-metrics -Iriklet-runtime -Iregress/lib -Iregress/peer \
	    -I$(BUILD) \
	    $(ALL_CFLAGS) $(shell pkg-config --cflags check) \
	    -o $@ $< $(HARNESS_OBJS) $(LIBRIKLET) $(LIBS) \
	    $(shell pkg-config --libs check) $(ALL_LDFLAGS)

# Benchmarks need the engine; not part of check.
$(BUILD)/bench/%: bench/%.c $(HARNESS_OBJS) $(LIBRIKLET)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iriklet-runtime -Iriklet-agent -Iregress/lib \
	    -Iregress/peer $(ALL_CFLAGS) \
	    -o $@ $< $(HARNESS_OBJS) $(LIBRIKLET) $(LIBS) $(ALL_LDFLAGS)

bench: all $(BENCH_BINS)
	@set -e; for b in $(BENCH_BINS); do \
		echo "== $$b"; \
		REGRESS_DIR=$(CURDIR)/regress RIKLET=$(CURDIR)/$(BUILD)/riklet $$b; \
	done

check: all check-unit check-config lint check-integration

check-unit: $(UNIT_BINS) $(BUILD)/riklet
	@set -e; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		CK_FORK=yes REGRESS_DIR=$(CURDIR)/regress \
		    RIKLET=$(CURDIR)/$(BUILD)/riklet $$t; \
	done

check-config: $(BUILD)/riklet
	sh regress/config/run.sh $(BUILD)/riklet

check-integration: all
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

demo: all
	sh regress/demo.sh $(CURDIR)/$(BUILD)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
