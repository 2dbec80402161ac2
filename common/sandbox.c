/*
 * Confinement of the children, the last step before untrusted input:
 * resource limits, Landlock for the process that reads /proc and /sys,
 * and a seccomp filter per process.  The lists of system calls were
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

#include <linux/landlock.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
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
};

static void	sandbox_rlimits(const struct sandbox_policy *);
static void	sandbox_landlock(const char *const *, size_t);
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
static void	sandbox_test_hooks(enum riklet_proc);
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
 * threads, epoll and eventfd wakeups, TCP sockets (bind: gRPC binds the
 * client socket; shutdown: the reconnect path), uname and
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
 * files, statvfs, its tick's timerfd.
 */
static const char *const metrics_calls[] = {
	"statfs", "access", "faccessat", "timerfd_create", "timerfd_settime",
	"pread64",
};

/*
 * The runtime, measured over creates, adoption, exits, OOM, a failed
 * pull, a kill during a create and an engine restart: libcurl's multi
 * interface over the engine's unix socket (its wake-up socketpair, a
 * zero-timeout poll to check a connection is alive).
 */
static const char *const runtime_calls[] = {
	"connect", "getsockname", "getpeername", "getsockopt", "poll",
	"recvfrom",
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
 * and the peer's credentials say who is asking.
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
		agent_calls, NELEM(agent_calls), rules_agent, 0, NULL, 0
	},
	[PROC_METRICS] = {
		metrics_calls, NELEM(metrics_calls), rules_metrics, 1,
		metrics_readonly, NELEM(metrics_readonly)
	},
	[PROC_RUNTIME] = {
		runtime_calls, NELEM(runtime_calls), rules_runtime, 1,
		NULL, 0
	},
	[PROC_CONTROL] = {
		control_calls, NELEM(control_calls), rules_control, 1,
		NULL, 0
	},
};

void
sandbox_child(enum riklet_proc proc)
{
	const struct sandbox_policy	*pol;

	if (proc <= PROC_PARENT || proc >= PROC_MAX ||
	    policies[proc].rules == NULL)
		fatalx("%s: no policy for process %d", __func__, (int)proc);
	pol = &policies[proc];
	sandbox_rlimits(pol);
	if (pol->readonly != NULL)
		sandbox_landlock(pol->readonly, pol->nreadonly);
#ifdef RIKLET_TEST_HOOKS
	sandbox_test_hooks(proc);
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

/* Read-only access to the named trees and nothing else, where supported. */
static void
sandbox_landlock(const char *const *paths, size_t npaths)
{
	struct landlock_ruleset_attr		 attr;
	struct landlock_path_beneath_attr	 pb;
	struct stat				 st;
	uint64_t				 readonly;
	long					 abi;
	size_t					 i;
	int					 rfd, fd;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		if (errno != ENOSYS && errno != EOPNOTSUPP)
			fatal("landlock_create_ruleset");
		log_debug("Landlock not available here (%s): skipped",
		    strerror(errno));
		return;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	readonly = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0)) == -1)
		fatal("landlock_create_ruleset");
	for (i = 0; i < npaths; i++) {
		if ((fd = open(paths[i], O_PATH | O_CLOEXEC)) == -1) {
			log_warn("landlock: %s", paths[i]);
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
			fatal("landlock_add_rule %s", paths[i]);
		close(fd);
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1)
		fatal("landlock_restrict_self");
	close(rfd);
	log_debug("Landlock ABI %ld: read-only access to %zu paths", abi,
	    npaths);
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

static void
rules_agent(scmp_filter_ctx ctx)
{
	static const int	 domains[] = { AF_UNIX, AF_INET, AF_INET6 };
	size_t			 i;

	for (i = 0; i < NELEM(domains); i++)
		rule(ctx, SCMP_ACT_ALLOW, "socket", 1, (struct scmp_arg_cmp[]){
		    ARG_EQ(0, domains[i]) });
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
 */
static enum riklet_proc	 hook_proc;

static void
hook_forbidden(int sig)
{
	static const char	 msg[] = "sandbox test hook: forbidden call\n";
	char			*argv[] = { NULL };

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
	_exit(70);	/* the filter did not stop it */
}

static void
sandbox_test_hooks(enum riklet_proc proc)
{
	struct sigaction	 sa;

	hook_proc = proc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hook_forbidden;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigaction(SIGUSR2, &sa, NULL) == -1)
		fatal("sigaction");
	log_debug("sandbox test hooks armed: SIGUSR1, SIGUSR2");
}
#endif
