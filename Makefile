# riklet — build, test and install.  GNU make.
#
#   make                 build/riklet (and build/rikletctl, build/riklet-pause)
#   make check           every test: unit, configuration, integration
#   make check-asan      the same under AddressSanitizer and UBSan
#   make check-valgrind  the unit tests under valgrind's leak check
#   make fuzz            each libFuzzer target for FUZZ_SECONDS (clang)
#   make fuzz-replay     every fuzzing corpus once (part of check)
#   make demo            riklet against a local engine and scheduler peer
#   make lint            mandoc -Tlint on every man page
#   make install         PREFIX=/usr/local DESTDIR= (no root needed with
#                        DESTDIR); then, as root, once per machine:
#   make install-user    the _riklet user and /var/empty, if missing
#   make deb             the Debian package, in $(BUILD)/deb (debian/)
#   make check-deb       builds the package from a clean clone, installs,
#                        checks and purges it in a fresh chroot (slow)

VERSION		:= $(shell cat VERSION)
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
LIBEXECDIR	?= $(PREFIX)/libexec/riklet
pkgcflags	 = $(shell pkg-config --cflags $(1))
pkglibs		 = $(shell pkg-config --libs $(1))
PKG_CFLAGS	:= $(call pkgcflags,libevent libbsd-overlay jansson libcurl \
		   libprotobuf-c libseccomp)
ALL_CPPFLAGS	 = -Icommon -I$(BUILD)/proto -D_GNU_SOURCE $(PKG_CFLAGS) \
		   $(CPPFLAGS)
ALL_CFLAGS	 = -std=gnu11 $(WARNINGS) $(CFLAGS) $(SAN)
# --as-needed: an executable records only the libraries it calls.
ALL_LDFLAGS	 = -Wl,--as-needed $(SAN) $(LDFLAGS)

# What each executable links: the common library's, then its own.
COMMON_LIBS	:= $(call pkglibs,libevent libbsd-overlay libseccomp)
PARENT_LIBS	:= $(call pkglibs,jansson) $(COMMON_LIBS)
AGENT_LIBS	:= $(call pkglibs,jansson libprotobuf-c) -lgrpc -lgpr \
		   -lpthread $(COMMON_LIBS)
METRICS_LIBS	:= $(call pkglibs,jansson) $(COMMON_LIBS) -lm
RUNTIME_LIBS	:= $(call pkglibs,jansson libcurl) $(COMMON_LIBS)
CONTROL_LIBS	:= $(call pkglibs,jansson) $(COMMON_LIBS)
CTL_LIBS	:= $(call pkglibs,jansson) $(COMMON_LIBS)
# Tests and fuzzers reach into every role.
LIBS		 = $(sort $(PARENT_LIBS) $(AGENT_LIBS) $(METRICS_LIBS) \
		   $(RUNTIME_LIBS)) -lpthread -lm

# Generated protobuf-c code (see proto/Makefile.inc).
PROTO_SRCS	 =
include proto/Makefile.inc

# A small common library, then one object list per executable: a role's
# archive holds its code, its main() stays out (riklet-ROLE/riklet-ROLE.c).
ROLES		 = agent metrics runtime control
objs		 = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJS	 = $(call objs,$(wildcard common/*.c))
PARENT_OBJS	 = $(call objs,$(filter-out riklet-parent/riklet.c, \
		   $(wildcard riklet-parent/*.c))) $(BUILD)/obj/parse.o
role_objs	 = $(call objs,$(filter-out riklet-$(1)/riklet-$(1).c, \
		   $(wildcard riklet-$(1)/*.c)))
CTL_SRCS	 = $(wildcard rikletctl/*.c)
CTL_OBJS	 = $(call objs,$(CTL_SRCS))

LIBCOMMON	 = $(BUILD)/lib/libcommon.a
LIBPARENT	 = $(BUILD)/lib/libparent.a
ROLE_LIBS	 = $(patsubst %,$(BUILD)/lib/lib%.a,$(ROLES))
# Everything, for the tests: roles before what they use.
LIBRIKLET	 = $(LIBPARENT) $(ROLE_LIBS) $(LIBCOMMON)

UNIT_SRCS	 = $(wildcard regress/unit/test_*.c)
UNIT_BINS	 = $(patsubst regress/unit/%.c,$(BUILD)/regress/%,$(UNIT_SRCS))
HARNESS_OBJS	 = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard regress/lib/*.c \
		   regress/peer/*.c))

BENCH_BINS	 = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

MANPAGES	 = $(wildcard man/*.[0-9])

ROLE_PROGS	 = $(patsubst %,$(BUILD)/riklet-%,$(ROLES))
# The infra container's process, installed with the children (libexec.c).
PAUSE		 = $(BUILD)/riklet-pause
PROGS		 = $(BUILD)/riklet $(ROLE_PROGS) $(BUILD)/rikletctl \
		   $(BUILD)/install/riklet

# Keep the test harness objects: they are not worth rebuilding each run.
.SECONDARY:

.PHONY: all check check-unit check-config check-integration check-slow \
	check-asan check-valgrind demo lint install install-user clean fuzz \
	fuzz-build fuzz-bins fuzz-replay test-hooks bench deb check-deb

all: $(PROGS) $(PAUSE)

# The parent finds its children where it was built to (libexec.c): the
# build tree for the riklet the tests run, $(LIBEXECDIR) for the one
# make install installs (rebuilt by it, so PREFIX may change).
$(BUILD)/obj/riklet-parent/libexec.o: \
    ALL_CPPFLAGS += -DRIKLET_LIBEXECDIR='"$(CURDIR)/$(BUILD)"'
# The file VERSION is the one version: riklet_build_info
# (control_promtext.c) names it, the infra image is tagged with it
# (runtime_infra.c, riklet-pause).
VERSIONED_OBJS	 = $(BUILD)/obj/riklet-control/control_promtext.o \
		   $(BUILD)/obj/riklet-runtime/runtime_infra.o
$(VERSIONED_OBJS): VERSION
$(VERSIONED_OBJS): ALL_CPPFLAGS += -DRIKLET_VERSION='"$(VERSION)"'
# The stamp holds LIBEXECDIR and changes only with it, so that a make
# install without root (DESTDIR) finds the installed riklet made by all.
LIBEXEC_STAMP	:= $(shell f=$(BUILD)/install/libexecdir; \
		   [ "$$(cat $$f 2>/dev/null)" = "$(LIBEXECDIR)" ] || \
		   { mkdir -p $(BUILD)/install && echo "$(LIBEXECDIR)" >$$f; } \
		   2>/dev/null; echo $$f)
$(BUILD)/install/libexec.o: riklet-parent/libexec.c $(LIBEXEC_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -DRIKLET_LIBEXECDIR='"$(LIBEXECDIR)"' \
	    -Iriklet-parent $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/riklet: $(BUILD)/obj/riklet-parent/riklet.o $(LIBPARENT) \
    $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBPARENT) $(LIBCOMMON) $(PARENT_LIBS)

# The infra container's process: static, stripped, no sanitizer (it runs
# alone in an image that holds nothing else).
$(PAUSE): riklet-pause/pause.c VERSION
	@mkdir -p $(@D)
	$(CC) -D_GNU_SOURCE -DRIKLET_VERSION='"$(VERSION)"' -std=gnu11 \
	    $(WARNINGS) -Os -static -s -o $@ riklet-pause/pause.c

$(BUILD)/install/riklet: $(BUILD)/obj/riklet-parent/riklet.o \
    $(BUILD)/install/libexec.o $(LIBPARENT) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/install/libexec.o \
	    $(LIBPARENT) $(LIBCOMMON) $(PARENT_LIBS)

$(BUILD)/riklet-agent: $(BUILD)/obj/riklet-agent/riklet-agent.o \
    $(BUILD)/lib/libagent.a $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(AGENT_LIBS)

$(BUILD)/riklet-metrics: $(BUILD)/obj/riklet-metrics/riklet-metrics.o \
    $(BUILD)/lib/libmetrics.a $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(METRICS_LIBS)

$(BUILD)/riklet-runtime: $(BUILD)/obj/riklet-runtime/riklet-runtime.o \
    $(BUILD)/lib/libruntime.a $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(RUNTIME_LIBS)

$(BUILD)/riklet-control: $(BUILD)/obj/riklet-control/riklet-control.o \
    $(BUILD)/lib/libcontrol.a $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CONTROL_LIBS)

$(BUILD)/rikletctl: $(CTL_OBJS) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CTL_LIBS)

$(LIBCOMMON): $(COMMON_OBJS)
$(LIBPARENT): $(PARENT_OBJS)
$(BUILD)/lib/libagent.a: $(call role_objs,agent) $(PROTO_OBJS)
$(BUILD)/lib/libmetrics.a: $(call role_objs,metrics)
$(BUILD)/lib/libruntime.a: $(call role_objs,runtime)
$(BUILD)/lib/libcontrol.a: $(call role_objs,control)
$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

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
	    -Wno-unused-function -Wno-missing-prototypes -MMD -MP -c -o $@ $<

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
# Every step runs (-k) and adds its count to $(TALLY); the last line is
# the total, and a failure or a skip fails the run.  The private engine
# the tests start is stopped and its state removed at the end.
TALLY		 = $(CURDIR)/$(BUILD)/tally
TEST_TMP	 = /tmp/riklet-check.XXXXXX

check:
	@[ "$$(id -u)" -eq 0 ] || { echo "make check: needs root: it" \
	    "installs packages, starts a private Docker engine and runs" \
	    "riklet's privilege separation (make check-unit runs the unit" \
	    "tests alone, some of which also need root)"; exit 1; }
	sh regress/deps.sh
	$(MAKE) all
	@sh regress/tally.sh reset $(TALLY)
	-$(MAKE) -k check-unit check-config lint check-integration fuzz-replay
	@sh regress/engine.sh purge >/dev/null 2>&1; \
	    RIKLET_ENGINE_BRIDGE=1 sh regress/engine.sh purge >/dev/null 2>&1; \
	    RIKLET_ENGINE=podman sh regress/engine.sh purge >/dev/null 2>&1; \
	    sh regress/tally.sh sum $(TALLY) unit config lint integration fuzz

# Each program runs with its own TMPDIR, removed after it, pass or fail.
check-unit: $(UNIT_BINS) $(BUILD)/riklet $(PAUSE)
	@mkdir -p $(BUILD)/logs; failed=""; for t in $(UNIT_BINS); do \
		n=$${t##*/}; log=$(BUILD)/logs/$$n.log; \
		echo "== $$t"; tmp=$$(mktemp -d $(TEST_TMP)); \
		{ CK_FORK=yes TMPDIR=$$tmp REGRESS_DIR=$(CURDIR)/regress \
		    RIKLET=$(CURDIR)/$(BUILD)/riklet $$t; \
		    echo $$? >$$log.rc; } 2>&1 | tee $$log; \
		rm -rf $$tmp; rc=$$(cat $$log.rc); \
		sh regress/tally.sh unit $(TALLY) unit/$$n $$log $$rc; \
		[ "$$rc" -eq 0 ] && ! grep -q '^SKIP ' $$log || \
		    failed="$$failed $$n"; \
	done; [ -z "$$failed" ] || { echo "unit tests failed or skipped:$$failed"; exit 1; }

check-config: $(BUILD)/riklet
	@sh regress/config/run.sh $(BUILD)/riklet | tee $(BUILD)/config.log; \
	    rc=$$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$$/\1 \2/p' \
	    $(BUILD)/config.log); set -- $${rc:-0 1}; \
	    sh regress/tally.sh add $(TALLY) config $$1 $$2 0; [ "$$2" -eq 0 ]

# Children are not dumpable, so LeakSanitizer cannot inspect them: leaks
# are checked in the unit tests and by check-valgrind instead.
# The scale tests make hundreds of containers: what they check is how
# riklet behaves at that size, and the engine's time dominates them.
# make check runs them; check-asan runs the rest (INTEGRATION_EXCLUDE),
# whose smaller pods and the unit tests (test_list, test_runtime_bounds,
# test_podtable) take the same code paths under the sanitizers.
SCALE_TESTS	 = t_many t_burst t_adopt_large
# t_destroy_unknown's bound on the parent's RSS does not hold under
# AddressSanitizer, whose quarantine keeps freed memory on purpose.
ASAN_EXCLUDE	 = $(SCALE_TESTS) t_destroy_unknown
INTEGRATION_EXCLUDE ?=
INTEGRATION_TESTS = $(filter-out \
		   $(patsubst %,regress/integration/%.sh,$(INTEGRATION_EXCLUDE)), \
		   $(wildcard regress/integration/t_*.sh))
# The second pass, against Podman's API service: the tests where the
# engine's behaviour shows (README, "Engines", says why these).
PODMAN_TESTS	 = t_lifecycle t_exit t_restart t_adopt t_podmetrics \
		   t_ctl_logs t_ctl_pods t_oom t_pod t_pod_adopt \
		   t_infra_stale
PODMAN_INTEGRATION = $(patsubst %,regress/integration/%.sh, \
		   $(filter-out $(INTEGRATION_EXCLUDE),$(PODMAN_TESTS)))

check-integration: all test-hooks $(BUILD)/regress/test_msgtable
	@rc=0; ASAN_OPTIONS=detect_leaks=0:$${ASAN_OPTIONS:-} \
	    RIKLET=$(CURDIR)/$(BUILD)/riklet BUILD=$(CURDIR)/$(BUILD) \
	    RIKLET_HOOKS=$(CURDIR)/$(BUILD)/hooks/riklet TALLY=$(TALLY) \
	    sh regress/integration/run.sh $(INTEGRATION_TESTS) || rc=1; \
	if [ -n "$(strip $(PODMAN_INTEGRATION))" ]; then \
	echo "== the same against Podman: $(PODMAN_TESTS)"; \
	ASAN_OPTIONS=detect_leaks=0:$${ASAN_OPTIONS:-} RIKLET_ENGINE=podman \
	    RIKLET=$(CURDIR)/$(BUILD)/riklet BUILD=$(CURDIR)/$(BUILD) \
	    RIKLET_HOOKS=$(CURDIR)/$(BUILD)/hooks/riklet TALLY=$(TALLY) \
	    sh regress/integration/run.sh $(PODMAN_INTEGRATION) || rc=1; \
	fi; exit $$rc

check-slow: all
	RIKLET=$(CURDIR)/$(BUILD)/riklet BUILD=$(CURDIR)/$(BUILD) \
	    RIKLET_SLOW=1 sh regress/integration/run.sh

# check-asan runs the Docker pass only: the Podman pass takes the same
# code paths in the runtime but for a few (the known-container table, the
# init fallback), which the Docker pass and t_podman_noinit take too, and
# the CI's time is short.
# color=never: a sandboxed child's report must not ask whether stderr is
# a terminal (seccomp refuses that ioctl, and the child dies silently).
check-asan:
	ASAN_OPTIONS=color=never:$${ASAN_OPTIONS:-} \
	    UBSAN_OPTIONS=color=never:print_stacktrace=1:$${UBSAN_OPTIONS:-} \
	    $(MAKE) BUILD=build-asan CC=clang CFLAGS="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    INTEGRATION_EXCLUDE="$(ASAN_EXCLUDE)" PODMAN_TESTS= check

# The same riklet with the sandbox's test hooks (common/sandbox.c), for
# t_sandbox.sh only: never installed.
test-hooks:
	$(MAKE) BUILD=$(BUILD)/hooks CPPFLAGS="$(CPPFLAGS) -DRIKLET_TEST_HOOKS" \
	    $(BUILD)/hooks/riklet $(patsubst %,$(BUILD)/hooks/riklet-%,$(ROLES)) \
	    $(BUILD)/hooks/riklet-pause

check-valgrind: $(UNIT_BINS) $(BUILD)/riklet
	@failed=""; for t in $(UNIT_BINS); do \
		echo "== valgrind $$t"; \
		CK_FORK=no REGRESS_DIR=$(CURDIR)/regress \
		    RIKLET=$(CURDIR)/$(BUILD)/riklet valgrind -q \
		    --leak-check=full --errors-for-leak-kinds=definite \
		    --error-exitcode=1 $$t || failed="$$failed $${t##*/}"; \
	done; \
	[ -z "$$failed" ] || { echo "valgrind failed:$$failed"; exit 1; }

# libFuzzer targets regress/fuzz/fuzz_NAME.c, seed corpora regress/fuzz/NAME/.
FUZZ_BUILD	?= build-fuzz
FUZZ_SECONDS	?= 60
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
FUZZ_NAMES	 = $(patsubst regress/fuzz/fuzz_%.c,%, \
		   $(wildcard regress/fuzz/fuzz_*.c))
FUZZ_BINS	 = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

fuzz-bins: $(FUZZ_BINS)

$(BUILD)/fuzz/fuzz_%: regress/fuzz/fuzz_%.c $(LIBRIKLET)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iriklet-parent -Iriklet-agent \
	    -Iriklet-metrics -Iriklet-runtime -I$(BUILD) $(ALL_CFLAGS) \
	    -fsanitize=fuzzer -o $@ $< $(LIBRIKLET) $(LIBS) $(ALL_LDFLAGS)

fuzz-build:
	sh regress/deps.sh
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g" \
	    SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins

# New inputs go to $(FUZZ_BUILD)/corpus, crashes to $(FUZZ_BUILD)/crashes.
fuzz: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/crashes; \
		echo "== fuzz_$$n for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
		    -print_final_stats=1 -close_fd_mask=3 \
		    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$n- \
		    $(FUZZ_BUILD)/corpus/$$n regress/fuzz/$$n; \
	done

fuzz-replay: fuzz-build
	@failed=""; for n in $(FUZZ_NAMES); do \
		log=$(FUZZ_BUILD)/replay-$$n.log; \
		if $(FUZZ_BUILD)/fuzz/fuzz_$$n -runs=0 -close_fd_mask=3 \
		    regress/fuzz/$$n >$$log 2>&1; then \
			echo "ok fuzz_$$n: $$(ls regress/fuzz/$$n | wc -l)" \
			    "inputs, $$(grep -o 'cov: [0-9]*' $$log | tail -n 1)"; \
		else \
			echo "FAIL fuzz_$$n"; tail -n 40 $$log; \
			failed="$$failed fuzz_$$n"; \
		fi; \
	done; \
	sh regress/tally.sh add $(TALLY) fuzz \
	    $$(( $(words $(FUZZ_NAMES)) - $$(echo $$failed | wc -w) )) \
	    $$(echo $$failed | wc -w) 0; \
	[ -z "$$failed" ] || { echo "fuzz-replay failed:$$failed"; exit 1; }

lint:
	@if mandoc -Tlint -W warning $(MANPAGES); then \
		sh regress/tally.sh add $(TALLY) lint 1 0 0; \
	else sh regress/tally.sh add $(TALLY) lint 0 1 0; exit 1; fi

demo:
	sh regress/deps.sh
	$(MAKE) all
	sh regress/demo.sh $(CURDIR)/$(BUILD)

# The example configuration always; riklet.conf itself only if absent.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/riklet $(DESTDIR)$(SYSTEMDDIR) \
	    $(DESTDIR)$(INITDIR)
	install -m 0755 $(BUILD)/install/riklet $(BUILD)/rikletctl \
	    $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(ROLE_PROGS) $(PAUSE) $(DESTDIR)$(LIBEXECDIR)/
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

# dpkg-buildpackage writes into the parent directory: the package's files
# are moved from there into $(BUILD)/deb.  debian/rules builds in
# debian/build and leaves $(BUILD) alone.
DEB_ARCH	 = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_FILES	 = riklet_$(VERSION)_$(DEB_ARCH).deb \
		   riklet-dbgsym_$(VERSION)_$(DEB_ARCH).deb \
		   riklet_$(VERSION)_$(DEB_ARCH).buildinfo \
		   riklet_$(VERSION)_$(DEB_ARCH).changes

deb:
	sh regress/deps.sh deb
	dpkg-buildpackage -us -uc -b -J2
	@mkdir -p $(BUILD)/deb
	cd .. && mv -f $(DEB_FILES) $(CURDIR)/$(BUILD)/deb/
	@echo "$(BUILD)/deb/riklet_$(VERSION)_$(DEB_ARCH).deb"

# The committed tree, cloned: see regress/deb/run.sh.
check-deb:
	sh regress/deps.sh deb
	sh regress/deb/run.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
