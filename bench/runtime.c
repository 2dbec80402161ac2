/*
 * bench/runtime: create+start, then stop+remove, of N containers (20 by
 * default), directly through the Engine API (libcurl, one kept-alive
 * connection, the fewest calls that do the job) and through
 * riklet-runtime (one single-container pod at a time, each waited for).
 * A third run makes, directly, the same calls riklet makes (the image
 * check before a create, the label listing before a destroy), so what
 * riklet's design costs and what its code costs can be told apart.
 * The engine's own timings wander on a busy machine, so the runs take
 * turns for R rounds (3 by default) and the medians are compared.
 *
 *   make bench   or   REGRESS_DIR=regress RIKLET=build/riklet \
 *                     build/bench/runtime [count [rounds]]
 */
#include <sys/time.h>

#include <curl/curl.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "podspec.h"
#include "runtime.h"
#include "util.h"

#define IMAGE	"riklet/busybox:latest"
#define COUNT	20

#define ROUNDS_MAX	15

static char	 sock[1024];
static char	 node[64];
static CURL	*easy;

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static long
call(const char *method, const char *path, const char *body)
{
	struct curl_slist	*hdr = NULL;
	char			 url[1024];
	long			 status = 0;

	(void)snprintf(url, sizeof(url), "http://docker%s", path);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body ? body : "");
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdr);
	if (curl_easy_perform(easy) == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	return status;
}

static double
now_ms(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

static void
engine_start(void)
{
	char	 cmd[1024], line[1200];
	FILE	*f;
	const char *r = getenv("REGRESS_DIR");

	(void)snprintf(cmd, sizeof(cmd), "sh %s/engine.sh start && "
	    "sh %s/engine.sh image", r ? r : "regress", r ? r : "regress");
	if ((f = popen(cmd, "r")) == NULL)
		exit(1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "DOCKER_SOCK=", 12) == 0) {
			line[strcspn(line, "\n")] = '\0';
			(void)strlcpy(sock, line + 12, sizeof(sock));
		}
	if (pclose(f) != 0 || sock[0] == '\0') {
		fprintf(stderr, "engine.sh failed\n");
		exit(1);
	}
}

static int	 round_no;

static void
direct(int n, int same, double *up, double *down)
{
	char	 path[4096], body[512], inst[64];
	double	 t;
	int	 i;

	t = now_ms();
	for (i = 0; i < n; i++) {
		if (same && call("GET", "/v1.41/images/riklet%2Fbusybox%3A"
		    "latest/json", NULL) != 200)
			errx(1, "direct image check failed");
		(void)snprintf(body, sizeof(body), "{\"Image\":\"" IMAGE "\","
		    "\"Cmd\":[\"sleep\",\"300\"],\"Labels\":{"
		    "\"riklet.managed\":\"true\",\"riklet.node\":\"%s\"},"
		    "\"HostConfig\":{\"Init\":true}}", node);
		(void)snprintf(path, sizeof(path), "/v1.41/containers/create?"
		    "name=bench-%s-%d-%d", node, round_no, i);
		if (call("POST", path, body) != 201)
			errx(1, "direct create %d failed", i);
		(void)snprintf(path, sizeof(path), "/v1.41/containers/bench-%s-"
		    "%d-%d/start", node, round_no, i);
		if (call("POST", path, NULL) != 204)
			errx(1, "direct start %d failed", i);
	}
	*up = now_ms() - t;
	t = now_ms();
	for (i = 0; i < n; i++) {
		(void)snprintf(inst, sizeof(inst), "d%d-%d", round_no, i);
		if (same && (docker_filters_path(path, sizeof(path),
		    "/v1.41/containers/json", node, inst) == -1 ||
		    call("GET", path, NULL) != 200))
			errx(1, "direct listing failed");
		(void)snprintf(path, sizeof(path), "/v1.41/containers/bench-%s-"
		    "%d-%d/stop?t=10", node, round_no, i);
		if (call("POST", path, NULL) != 204)
			errx(1, "direct stop %d failed", i);
		(void)snprintf(path, sizeof(path), "/v1.41/containers/bench-%s-"
		    "%d-%d?force=1", node, round_no, i);
		if (call("DELETE", path, NULL) != 204)
			errx(1, "direct remove %d failed", i);
	}
	*down = now_ms() - t;
}

static void
result(struct harness *h, const char *instance, uint32_t op)
{
	struct imsg		 imsg;
	struct rt_pod_result	 r;

	for (;;) {
		if (harness_wait(h, IMSG_RT_POD_RESULT, &imsg, 60000) != 1)
			errx(1, "no result for %s", instance);
		if (imsg.datalen != sizeof(r))
			errx(1, "bad result size");
		memcpy(&r, imsg.data, sizeof(r));
		imsg_free(&imsg);
		if (strcmp(r.instance, instance) == 0 && r.op == op)
			break;
	}
	if (!r.ok)
		errx(1, "%s: %s %s", instance, r.reason, r.message);
}

static struct harness	 h;

static void
riklet_start(void)
{
	struct riklet_conf	 conf;
	struct imsg		 imsg;

	harness_conf(&conf);
	(void)strlcpy(conf.docker_socket, sock, sizeof(conf.docker_socket));
	(void)strlcpy(conf.hostname, node, sizeof(conf.hostname));
	if (harness_start(&h, "runtime", &conf) == -1 ||
	    harness_wait(&h, IMSG_RT_LIST_END, &imsg, 30000) != 1)
		errx(1, "riklet-runtime did not start");
	imsg_free(&imsg);
}

static void
via_riklet(int n, double *up, double *down)
{
	struct pod_spec		 ps;
	unsigned char		*buf;
	size_t			 len;
	double			 t;
	int			 i;

	memset(&ps, 0, sizeof(ps));
	ps.ncontainers = 1;
	(void)strlcpy(ps.containers[0].name, "c", RIK_NAME_MAX);
	(void)strlcpy(ps.containers[0].image, IMAGE, RIK_IMAGE_MAX);
	ps.containers[0].args[0] = "sleep";
	ps.containers[0].args[1] = "300";
	ps.containers[0].nargs = 2;
	t = now_ms();
	for (i = 0; i < n; i++) {
		(void)snprintf(ps.instance, sizeof(ps.instance), "b%d-%d-%s",
		    round_no, i, node);
		if (podspec_encode(&ps, &buf, &len) == -1 ||
		    harness_send(&h, IMSG_POD_CREATE, buf, len) == -1)
			errx(1, "send create");
		free(buf);
		result(&h, ps.instance, POD_OP_CREATE);
	}
	*up = now_ms() - t;
	t = now_ms();
	for (i = 0; i < n; i++) {
		(void)snprintf(ps.instance, sizeof(ps.instance), "b%d-%d-%s",
		    round_no, i, node);
		if (harness_send(&h, IMSG_POD_DESTROY, ps.instance,
		    strlen(ps.instance) + 1) == -1)
			errx(1, "send destroy");
		result(&h, ps.instance, POD_OP_DESTROY);
	}
	*down = now_ms() - t;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	double	 du, dd, su, sd, ru, rd, d, sm, r;
	double	 dt[ROUNDS_MAX], st[ROUNDS_MAX], rt[ROUNDS_MAX];
	int	 n = argc > 1 ? atoi(argv[1]) : COUNT;
	int	 rounds = argc > 2 ? atoi(argv[2]) : 3;

	if (n <= 0 || n > 1000 || rounds <= 0 || rounds > ROUNDS_MAX)
		errx(1, "usage: runtime [count [rounds]]");
	engine_start();
	(void)snprintf(node, sizeof(node), "bench%d", (int)getpid());
	curl_global_init(CURL_GLOBAL_NOTHING);
	easy = curl_easy_init();
	curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, 60L);
	riklet_start();

	printf("%d containers a round, create+start / stop+remove / total "
	    "(ms)\n", n);
	for (round_no = 0; round_no < rounds; round_no++) {
		/* Take turns, so a slow spell of the engine hits all. */
		if (round_no % 2 == 0) {
			direct(n, 0, &du, &dd);
			direct(n, 1, &su, &sd);
			via_riklet(n, &ru, &rd);
		} else {
			via_riklet(n, &ru, &rd);
			direct(n, 1, &su, &sd);
			direct(n, 0, &du, &dd);
		}
		dt[round_no] = du + dd;
		st[round_no] = su + sd;
		rt[round_no] = ru + rd;
		printf("round %d  direct %7.1f %7.1f %7.1f | same calls %7.1f "
		    "%7.1f %7.1f | riklet %7.1f %7.1f %7.1f\n", round_no + 1,
		    du, dd, du + dd, su, sd, su + sd, ru, rd, ru + rd);
		fflush(stdout);
	}
	harness_stop(&h);
	d = median(dt, rounds);
	sm = median(st, rounds);
	r = median(rt, rounds);
	printf("median total: direct %.1f ms (%.2f ms/container), same calls "
	    "%.1f ms (%.2f), riklet %.1f ms (%.2f)\n", d, d / n, sm, sm / n,
	    r, r / n);
	printf("riklet vs direct: ratio %.3f, %+.2f ms/container (%+.1f %%); "
	    "goal <= 5 %% or <= 5 ms/container: %s\n", r / d, (r - d) / n,
	    (r - d) / d * 100, (r - d) / n <= 5 || r / d <= 1.05 ? "met" :
	    "NOT met");
	printf("riklet vs the same calls: ratio %.3f, %+.2f ms/container\n",
	    r / sm, (r - sm) / n);
	curl_easy_cleanup(easy);
	return 0;
}
