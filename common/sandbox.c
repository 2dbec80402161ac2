/*
 * Confinement of the children, the last step before untrusted input:
 * resource limits, Landlock for the process that reads /proc and /sys and
 * for the one that connects to the scheduler, and a seccomp filter per
 * process.  The lists of system calls were
 * measured (strace -f and a -DRIKLET_SECCOMP_LOG build, whose misses
 * show as "audit: type=1326" in dmesg) on each child's real work,
 * including SIGSTOP/SIGCONT (restart_syscall) and reconnects; a call
 * not in a list kills the whole process, and the parent restarts it.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <linux/landlock.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "privsep.h"
#include "sandbox.h"

#ifdef RIKLET_SECCOMP_LOG
#define SANDBOX_DEFAULT		SCMP_ACT_LOG
#else
#define SANDBOX_DEFAULT		SCMP_ACT_KILL_PROCESS
#endif

/* Rights newer than the uapi header this was built with. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif
/* Network rules (ABI 4) and scopes (ABI 6), with their own structures. */
#define LL_ABI_NET			4
#define LL_ABI_SCOPE			6
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP	(1ULL << 1)
#define LANDLOCK_RULE_NET_PORT		2
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#endif

/* The kernel takes a longer structure than it knows if the rest is 0. */
struct ll_ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
	uint64_t	 scoped;
};

struct ll_net_port_attr {
	uint64_t	 allowed_access;
	uint64_t	 port;
} __attribute__((__packed__));

/* Both data always set: clang wants every initializer. */
#define ARG_EQ(n, v)		SCMP_CMP((n), SCMP_CMP_EQ, (scmp_datum_t)(v), 0)
#define ARG_MASKED(n, m, v)	SCMP_CMP((n), SCMP_CMP_MASKED_EQ, \
				    (scmp_datum_t)(m), (scmp_datum_t)(v))

/* Sanitizer builds (make check-asan) are never installed. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct sandbox_policy {
	const char *const	*calls;
	size_t			 ncalls;
	void			(*rules)(scmp_filter_ctx);
	int			 nproc0;	/* no fork, no thread */
	const char *const	*readonly;	/* Landlock: all it may read */
	size_t			 nreadonly;
	int			 connect_one;	/* one TCP port, given */
};

static void	sandbox_rlimits(const struct sandbox_policy *);
static void	sandbox_landlock(const struct sandbox_policy *, uint16_t);
static void	landlock_done(const struct sandbox_policy *, long,
		    const struct ll_ruleset_attr *, uint16_t);
static void	sandbox_seccomp(enum riklet_proc,
		    const struct sandbox_policy *);
static void	allow_names(scmp_filter_ctx, const char *const *, size_t);
static void	rule(scmp_filter_ctx, uint32_t, const char *, unsigned int,
		    const struct scmp_arg_cmp *);
static void	rules_agent(scmp_filter_ctx);
static void	rules_metrics(scmp_filter_ctx);
static void	rules_runtime(scmp_filter_ctx);
static void	rules_control(scmp_filter_ctx);
static void	refuse_opens(scmp_filter_ctx);
static void	refuse_syslog_socket(scmp_filter_ctx);
#ifdef RIKLET_TEST_HOOKS
static void	sandbox_test_hooks(enum riklet_proc, uint16_t);
#endif

/*
 * Every child: libc's allocator (mremap: realloc of large blocks) and
 * stdio, libevent's epoll loop and its signal pipe (and the get*id calls
 * with which it decides whether to read its environment), imsg on the
 * parent socket, log lines to stderr or syslog (sendto), and the signal
 * and exit paths.  restart_syscall is what a SIGSTOP/SIGCONT of a process
 * blocked in a sleep needs; a list taken from strace alone misses it.
 */
static const char *const base_calls[] = {
	"read", "write", "close", "fcntl", "fstat", "newfstatat", "brk",
	"mmap", "munmap", "mremap", "mprotect", "madvise", "epoll_create1",
	"epoll_ctl", "epoll_wait", "pipe2", "sendmsg", "recvmsg", "sendto",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "restart_syscall",
	"clock_gettime", "clock_nanosleep", "nanosleep", "getpid", "gettid",
	"getuid", "geteuid", "getgid", "getegid", "futex", "getrandom",
	"sysinfo", "exit", "exit_group",
};

/*
 * The agent, measured with gRPC core 1.51 over register, status
 * streaming, TLS, a scheduler restart and a scheduler down at start:
 * threads, epoll and eventfd wakeups, TCP sockets (which ones:
 * rules_agent(); to which port: Landlock; bind: gRPC binds the client
 * socket; shutdown: the reconnect path), uname and
 * sched_getaffinity when it sizes its pools.  sched_yield and the
 * sched_get* calls are on the allowlist issue 8 measured for gRPC.
 * writev: seen once, rarely, on the path of a TLS handshake refused for a
 * wrong CA (test_agent's tls_wrong_ca, killed with syscall 20).
 */
static const char *const agent_calls[] = {
	"connect", "bind", "getsockname", "getsockopt", "setsockopt",
	"shutdown", "eventfd2", "set_robust_list", "rseq", "uname",
	"sched_getaffinity", "sched_getparam", "sched_getscheduler",
	"sched_yield", "writev",
};

/*
 * The metrics child, measured over its process tests (node figures, a
 * pod in a cgroup, resolution changes, a cgroup made again): small files
 * under /proc and /sys, read from their start with pread64 (the cgroup
 * counter files stay open between samples), access(R_OK) on cgroup
 * files, statvfs, its tick's timerfd.  poll: a zero-timeout poll of the
 * mountinfo kept open, which the kernel marks when the mount table
 * changes (the child died without it at its second node sample).
 */
static const char *const metrics_calls[] = {
	"statfs", "access", "faccessat", "timerfd_create", "timerfd_settime",
	"pread64", "poll",
};

/*
 * The runtime, measured over creates, adoption, exits, OOM, a failed
 * pull, a kill during a create and an engine restart: libcurl's multi
 * interface over the engine's unix socket (its wake-up socketpair, a
 * zero-timeout poll to check a connection is alive).  pread64: each
 * import of the infra image reads riklet-pause from the file the parent
 * handed over (runtime_infra.c), measured with the image removed.
 */
static const char *const runtime_calls[] = {
	"connect", "getsockname", "getpeername", "getsockopt", "poll",
	"recvfrom", "pread64",
};

#ifdef SANDBOX_SANITIZER
/*
 * AddressSanitizer's run time: alternate signal stacks, its own sleeps.
 * Its reports are not symbolized in a confined child (that would fork
 * llvm-symbolizer): the child dies with SIGSYS after the report's first
 * lines, and the parent logs it.
 */
static const char *const sanitizer_calls[] = {
	"sigaltstack", "sched_yield",
};

static int	 sandboxed;

/*
 * LeakSanitizer's exit-time check stops the world with ptrace from a
 * cloned task, which no filter here allows: a confined child skips it.
 * The parent and the tests keep it.
 */
int	__lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return sandboxed;
}
#endif

/*
 * The control child: libevent's listener accepts rikletctl's clients on
 * the socket the parent passed, its bufferevents read and write them,
 * and the peer's credentials say who is asking.  The Prometheus endpoint
 * (a TCP listener, passed the same way) needs nothing more: measured
 * with strace -f and a -DRIKLET_SECCOMP_LOG build over t_prom.sh and
 * scrapes, 404s, 400s, an oversized request, 16 slow clients and a
 * 17th, a reset and a half-closed client, SIGSTOP/SIGCONT.
 */
static const char *const control_calls[] = {
	"accept4", "accept", "getsockopt", "readv", "writev", "shutdown",
};

/* jansson seeds its hash function from /dev/urandom. */
static const char *const metrics_readonly[] = {
	"/proc", "/sys", "/dev/urandom"
};

static const struct sandbox_policy policies[PROC_MAX] = {
	[PROC_AGENT] = {
		agent_calls, NELEM(agent_calls), rules_agent, 0, NULL, 0, 1
	},
	[PROC_METRICS] = {
		metrics_calls, NELEM(metrics_calls), rules_metrics, 1,
		metrics_readonly, NELEM(metrics_readonly), 0
	},
	[PROC_RUNTIME] = {
		runtime_calls, NELEM(runtime_calls), rules_runtime, 1,
		NULL, 0, 0
	},
	[PROC_CONTROL] = {
		control_calls, NELEM(control_calls), rules_control, 1,
		NULL, 0, 0
	},
};

void
sandbox_child(enum riklet_proc proc)
{
	sandbox_child_connect(proc, 0);
}

/*
 * sandbox_child() for the process that connects out (the agent): TCP
 * connect to this one port only, where Landlock has network rules.  A
 * domain cannot be widened: for another port the process is restarted.
 */
void
sandbox_child_connect(enum riklet_proc proc, uint16_t port)
{
	const struct sandbox_policy	*pol;

	if (proc <= PROC_PARENT || proc >= PROC_MAX ||
	    policies[proc].rules == NULL)
		fatalx("%s: no policy for process %d", __func__, (int)proc);
	pol = &policies[proc];
	if (pol->connect_one && port == 0)
		fatalx("%s: %s needs the port it may connect to", __func__,
		    proc_name(proc));
	if (!pol->connect_one && port != 0)
		fatalx("%s: %s connects to no port", __func__,
		    proc_name(proc));
	sandbox_rlimits(pol);
	sandbox_landlock(pol, port);
#ifdef RIKLET_TEST_HOOKS
	sandbox_test_hooks(proc, port);
#endif
	sandbox_seccomp(proc, pol);
}

static void
limit(int resource, const char *name)
{
	struct rlimit	 rl = { 0, 0 };

	if (setrlimit(resource, &rl) == -1)
		fatal("setrlimit %s", name);
}

static void
sandbox_rlimits(const struct sandbox_policy *pol)
{
	struct stat	 st;

	limit(RLIMIT_CORE, "RLIMIT_CORE");
	if (pol->nproc0)
		limit(RLIMIT_NPROC, "RLIMIT_NPROC");
	/*
	 * No child writes a file, but in the foreground its log lines go
	 * to stderr, which may be a file: a zero size limit would kill it
	 * with SIGXFSZ on its first line.
	 */
	if (fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		log_debug("stderr is a file: no RLIMIT_FSIZE");
	else
		limit(RLIMIT_FSIZE, "RLIMIT_FSIZE");
}

/*
 * Where the kernel supports it: read-only access to the policy's trees
 * and nothing else on the filesystem; TCP connect to port only, and no
 * abstract unix socket made outside the process (the syslog socket, opened
 * before the drop, could otherwise be pointed at one).
 */
static void
sandbox_landlock(const struct sandbox_policy *pol, uint16_t port)
{
	struct ll_ruleset_attr			 attr;
	struct landlock_path_beneath_attr	 pb;
	struct ll_net_port_attr			 np;
	struct stat				 st;
	uint64_t				 readonly;
	long					 abi;
	size_t					 i;
	int					 rfd, fd;

	if (pol->readonly == NULL && port == 0)
		return;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		if (errno != ENOSYS && errno != EOPNOTSUPP)
			fatal("landlock_create_ruleset");
		log_debug("Landlock not available here (%s): skipped%s",
		    strerror(errno), port ? "; TCP connects are not limited "
		    "to the scheduler's port" : "");
		return;
	}
	memset(&attr, 0, sizeof(attr));
	if (pol->readonly != NULL) {
		attr.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) -
		    1;
		if (abi >= 2)
			attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
		if (abi >= 3)
			attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
		if (abi >= 5)
			attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	}
	if (port != 0 && abi >= LL_ABI_NET)
		attr.handled_access_net = LANDLOCK_ACCESS_NET_CONNECT_TCP;
	if (port != 0 && abi >= LL_ABI_SCOPE)
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	if (attr.handled_access_fs == 0 && attr.handled_access_net == 0 &&
	    attr.scoped == 0) {
		landlock_done(pol, abi, &attr, port);
		return;
	}
	readonly = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0)) == -1)
		fatal("landlock_create_ruleset");
	for (i = 0; i < pol->nreadonly; i++) {
		if ((fd = open(pol->readonly[i], O_PATH | O_CLOEXEC)) == -1) {
			log_warn("landlock: %s", pol->readonly[i]);
			continue;
		}
		memset(&pb, 0, sizeof(pb));
		pb.allowed_access = readonly;
		/* A file takes file rights only. */
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			pb.allowed_access &= ~LANDLOCK_ACCESS_FS_READ_DIR;
		pb.parent_fd = fd;
		if (syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1)
			fatal("landlock_add_rule %s", pol->readonly[i]);
		close(fd);
	}
	if (attr.handled_access_net != 0) {
		memset(&np, 0, sizeof(np));
		np.allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP;
		np.port = port;
		if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_NET_PORT,
		    &np, 0) == -1)
			fatal("landlock_add_rule port %u", port);
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1)
		fatal("landlock_restrict_self");
	close(rfd);
	landlock_done(pol, abi, &attr, port);
}

/* What Landlock does here, and what it cannot (tests read this). */
static void
landlock_done(const struct sandbox_policy *pol, long abi,
    const struct ll_ruleset_attr *attr, uint16_t port)
{
	if (attr->handled_access_fs != 0)
		log_debug("Landlock ABI %ld: read-only access to %zu paths",
		    abi, pol->nreadonly);
	if (port == 0)
		return;
	if (attr->handled_access_net != 0)
		log_debug("Landlock ABI %ld: TCP connect to port %u only", abi,
		    port);
	else
		log_debug("Landlock ABI %ld has no network rules (ABI %d): "
		    "TCP connects are not limited to port %u", abi,
		    LL_ABI_NET, port);
	if (attr->scoped != 0)
		log_debug("Landlock ABI %ld: abstract unix sockets of other "
		    "processes out of reach", abi);
}

static void
sandbox_seccomp(enum riklet_proc proc, const struct sandbox_policy *pol)
{
	scmp_filter_ctx	 ctx;
	int		 r;

	if ((ctx = seccomp_init(SANDBOX_DEFAULT)) == NULL)
		fatalx("seccomp_init");
	/* Threads that already exist get the filter too. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
		fatalx("seccomp TSYNC: %s", strerror(-r));
	allow_names(ctx, base_calls, NELEM(base_calls));
	allow_names(ctx, pol->calls, pol->ncalls);
#ifdef SANDBOX_SANITIZER
	allow_names(ctx, sanitizer_calls, NELEM(sanitizer_calls));
	sandboxed = 1;
#endif
	pol->rules(ctx);
	/* abort() signals the process itself, nobody else. */
	rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1, (struct scmp_arg_cmp[]){
	    ARG_EQ(0, getpid()) });
	if ((r = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
	log_debug("seccomp filter for %s installed%s", proc_name(proc),
	    SANDBOX_DEFAULT == SCMP_ACT_LOG ? " (log only)" : "");
}

/* A name this architecture lacks (or libseccomp does not know) is skipped. */
static void
allow_names(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		rule(ctx, SCMP_ACT_ALLOW, names[i], 0, NULL);
}

static void
rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
    unsigned int nargs, const struct scmp_arg_cmp *args)
{
	int	 nr, r;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR) {
		log_debug("seccomp: no system call %s here", name);
		return;
	}
	if ((r = seccomp_rule_add_array(ctx, action, nr, nargs, args)) < 0)
		fatalx("seccomp rule for %s: %s", name, strerror(-r));
}

/*
 * The agent talks TCP to the scheduler and to nothing else: no UDP, and
 * no unix socket, through which the chroot would not stop it from
 * reaching abstract names (D-Bus, containerd's shims).  Its syslog socket
 * is opened before the drop.
 */
static void
rules_agent(scmp_filter_ctx ctx)
{
	static const int	 domains[] = { AF_INET, AF_INET6 };
	size_t			 i;

	for (i = 0; i < NELEM(domains); i++)
		rule(ctx, SCMP_ACT_ALLOW, "socket", 2, (struct scmp_arg_cmp[]){
		    ARG_EQ(0, domains[i]), ARG_MASKED(1, 0xf, SOCK_STREAM) });
	refuse_syslog_socket(ctx);
	/*
	 * Threads, never a process: clone only with CLONE_THREAD, and
	 * clone3, whose flags a filter cannot see, says it does not exist
	 * so that libc falls back to clone.
	 */
	rule(ctx, SCMP_ACT_ALLOW, "clone", 1, (struct scmp_arg_cmp[]){
	    ARG_MASKED(0, CLONE_THREAD, CLONE_THREAD) });
	rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	/* gRPC names its threads. */
	rule(ctx, SCMP_ACT_ALLOW, "prctl", 1, (struct scmp_arg_cmp[]){
	    ARG_EQ(0, PR_SET_NAME) });
	/*
	 * gRPC and OpenSSL look for files they can do without
	 * (/proc/stat, /sys/devices/system/cpu/online, openssl.cnf,
	 * /etc/localtime), and the chroot is empty: "not found" is the
	 * truth, and they carry on.
	 */
	refuse_opens(ctx);
}

/* Any open fails as if the file were not there. */
static void
refuse_opens(scmp_filter_ctx ctx)
{
	rule(ctx, SCMP_ACT_ERRNO(ENOENT), "openat", 0, NULL);
	rule(ctx, SCMP_ACT_ERRNO(ENOENT), "open", 0, NULL);
}

/*
 * For a child with no socket of its own: syslog(3) reconnects after
 * syslogd restarts, and refused, it loses a line instead of the process.
 * Any other socket kills.
 */
static void
refuse_syslog_socket(scmp_filter_ctx ctx)
{
	rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 2, (struct scmp_arg_cmp[]){
	    ARG_EQ(0, AF_UNIX), ARG_MASKED(1, 0xf, SOCK_DGRAM) });
}

static void
rules_metrics(scmp_filter_ctx ctx)
{
	const scmp_datum_t	 mask = O_ACCMODE | O_CREAT | O_TRUNC;

	rule(ctx, SCMP_ACT_ALLOW, "openat", 1, (struct scmp_arg_cmp[]){
	    ARG_MASKED(2, mask, O_RDONLY) });
	rule(ctx, SCMP_ACT_ALLOW, "open", 1, (struct scmp_arg_cmp[]){
	    ARG_MASKED(1, mask, O_RDONLY) });
	refuse_syslog_socket(ctx);
}

static void
rules_runtime(scmp_filter_ctx ctx)
{
	rule(ctx, SCMP_ACT_ALLOW, "socket", 1, (struct scmp_arg_cmp[]){
	    ARG_EQ(0, AF_UNIX) });
	rule(ctx, SCMP_ACT_ALLOW, "socketpair", 1, (struct scmp_arg_cmp[]){
	    ARG_EQ(0, AF_UNIX) });
	/* OpenSSL, started by curl_global_init, looks for openssl.cnf. */
	refuse_opens(ctx);
}

static void
rules_control(scmp_filter_ctx ctx)
{
	/* libevent sizes its reads with FIONREAD. */
	rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, (struct scmp_arg_cmp[]){
	    ARG_EQ(1, FIONREAD) });
	/* The chroot is empty: nothing to open. */
	refuse_opens(ctx);
	refuse_syslog_socket(ctx);
}

#ifdef RIKLET_TEST_HOOKS
/*
 * Test builds only (make test-hooks): SIGUSR1 makes the process exec,
 * which no child may; SIGUSR2 makes the call its own filter refuses by
 * argument.  The filter must kill it with SIGSYS before either returns.
 * The agent has two more, for where it may connect to:
 * SIGRTMIN+1 connects over TCP to 127.0.0.1 on the scheduler's port,
 * then on $RIKLET_HOOK_TCP_PORT, and says how each went; SIGRTMIN+2
 * tries a unix datagram socket (refused), then a unix stream socket to
 * the abstract name $RIKLET_HOOK_ABSTRACT (the filter must kill it).
 * Every child has SIGRTMIN+3, queued with a value (sigqueue): it sends
 * the parent a message of type value & 0xff and (value >> 8) bytes of
 * zeros, as a child gone wrong would, for the parent's message tables
 * (t_msgtable.sh).
 */
static enum riklet_proc	 hook_proc;
static uint16_t		 hook_port, hook_other_port;
static char		 hook_abstract[64] = "riklet-hook";

static void
hook_say(const char *what, int r)
{
	char	 buf[256];
	int	 n;

	n = snprintf(buf, sizeof(buf), "sandbox test hook: %s: %s\n", what,
	    r == -1 ? strerror(errno) : "ok");
	if (n > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)n);
}

static void
hook_tcp(uint16_t port)
{
	struct sockaddr_in	 sin;
	char			 what[64];
	int			 s, r;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)snprintf(what, sizeof(what), "tcp connect to 127.0.0.1:%u",
	    port);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		hook_say(what, -1);
		return;
	}
	r = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	hook_say(what, r);
	close(s);
}

static void
hook_unix(void)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 s, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path + 1, hook_abstract,
	    sizeof(sun.sun_path) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(hook_abstract));
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	hook_say("unix datagram socket", s);
	if (s != -1) {
		r = (int)sendto(s, "x", 1, 0, (struct sockaddr *)&sun, len);
		hook_say("unix datagram to the abstract name", r);
		close(s);
	}
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	hook_say("unix stream socket", s);
	if (s != -1)
		hook_say("unix stream connect to the abstract name",
		    connect(s, (struct sockaddr *)&sun, len));
}

static void
hook_forbidden(int sig)
{
	static const char	 msg[] = "sandbox test hook: forbidden call\n";
	char			*argv[] = { NULL };

	if (sig == SIGRTMIN + 1) {
		hook_tcp(hook_port);
		if (hook_other_port != 0)
			hook_tcp(hook_other_port);
		return;
	}
	if (sig == SIGRTMIN + 2)
		hook_unix();
	else {
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		if (sig == SIGUSR1)
			(void)syscall(SYS_execve, "/bin/true", argv, argv);
		else if (hook_proc == PROC_METRICS)
			(void)syscall(SYS_openat, AT_FDCWD, "/proc/self/comm",
			    O_WRONLY);
		else if (hook_proc == PROC_AGENT)
			(void)syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0);
		else
			(void)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	}
	_exit(70);	/* the filter did not stop it */
}

/* Straight onto the parent's socket, whatever the child was doing. */
static void
hook_imsg(int sig, siginfo_t *si, void *uc)
{
	static unsigned char	 buf[IMSG_MAX_SIZE];
	struct imsg_hdr		 hdr;
	size_t			 len, off = 0;
	ssize_t			 n;

	(void)sig;
	(void)uc;
	len = (size_t)((uint32_t)si->si_value.sival_int >> 8);
	if (len > IMSG_MAX_SIZE - IMSG_HEADER_SIZE)
		len = IMSG_MAX_SIZE - IMSG_HEADER_SIZE;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = (uint32_t)si->si_value.sival_int & 0xff;
	hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
	hdr.pid = (uint32_t)getpid();
	memcpy(buf, &hdr, sizeof(hdr));
	memset(buf + sizeof(hdr), 0, len);
	len += sizeof(hdr);
	while (off < len) {
		n = write(PARENT_FD, buf + off, len - off);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return;
		if (n > 0)
			off += (size_t)n;
	}
}

static void
sandbox_test_hooks(enum riklet_proc proc, uint16_t port)
{
	struct sigaction	 sa;
	const char		*s, *errstr;

	hook_proc = proc;
	hook_port = port;
	if ((s = getenv("RIKLET_HOOK_TCP_PORT")) != NULL) {
		hook_other_port = (uint16_t)strtonum(s, 1, 65535, &errstr);
		if (errstr != NULL)
			fatalx("RIKLET_HOOK_TCP_PORT %s: %s", s, errstr);
	}
	if ((s = getenv("RIKLET_HOOK_ABSTRACT")) != NULL)
		(void)strlcpy(hook_abstract, s, sizeof(hook_abstract));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hook_forbidden;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigaction(SIGUSR2, &sa, NULL) == -1)
		fatal("sigaction");
	if (port != 0 && (sigaction(SIGRTMIN + 1, &sa, NULL) == -1 ||
	    sigaction(SIGRTMIN + 2, &sa, NULL) == -1))
		fatal("sigaction");
	sa.sa_handler = NULL;
	sa.sa_sigaction = hook_imsg;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGRTMIN + 3, &sa, NULL) == -1)
		fatal("sigaction");
	log_debug("sandbox test hooks armed: SIGUSR1, SIGUSR2%s, SIGRTMIN+3",
	    port != 0 ? ", SIGRTMIN+1, SIGRTMIN+2" : "");
}
#endif
