/*
 * The runtime's HTTP client bounds: an answer past its cap, a stream
 * line past HTTP_LINE_MAX, a request that never gets an answer, a full
 * queue and cancellation.  The peer is a small HTTP server on a unix
 * socket in a child process, standing for a misbehaving engine; what a
 * real engine does is tested in test_runtime.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "runtime.h"
#include "unixsrv.h"

static char			 path[108];
static pid_t			 server;
static struct event_base	*base;
static const struct http_result	*last;
static int			 ndone, nlines, opened;
static char			 errbuf[256];
static long			 status;

static void
serve(int fd)
{
	char	 req[4096], hdr[256], *chunk;
	size_t	 len = 0, big = HTTP_BODY_MAX + 1, i;
	ssize_t	 n;

	while (len < sizeof(req) - 1 && strstr(req, "\r\n\r\n") == NULL) {
		if ((n = read(fd, req + len, sizeof(req) - 1 - len)) <= 0)
			_exit(0);
		len += (size_t)n;
		req[len] = '\0';
	}
	if ((chunk = malloc(big)) == NULL)
		_exit(1);
	memset(chunk, 'x', big);
	if (strncmp(req, "GET /big ", 9) == 0) {
		(void)snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
		    "Content-Length: %zu\r\n\r\n", big);
		unixsrv_write(fd, hdr, strlen(hdr));
		unixsrv_write(fd, chunk, big);
	} else if (strncmp(req, "GET /lines ", 11) == 0) {
		(void)snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
		    "Connection: close\r\n\r\n");
		unixsrv_write(fd, hdr, strlen(hdr));
		for (i = 0; i < 3; i++)
			unixsrv_write(fd, "{\"a\":1}\n", 8);
		unixsrv_write(fd, chunk, HTTP_LINE_MAX + 1);
		unixsrv_write(fd, "\n", 1);
	} else if (strncmp(req, "GET /hang ", 10) == 0)
		sleep(30);
	else {
		const char *nf = "HTTP/1.1 404 Not Found\r\n"
		    "Content-Length: 19\r\n\r\n{\"message\":\"nope\"}\n";

		unixsrv_write(fd, nf, strlen(nf));
	}
	_exit(0);
}

static void
setup(void)
{
	(void)snprintf(path, sizeof(path), "/tmp/rkhttp%d.sock",
	    (int)getpid());
	ck_assert((server = unixsrv_start(path, serve)) > 0);
	ck_assert((base = event_base_new()) != NULL);
	http_init(base, path);
	ndone = nlines = opened = 0;
	last = NULL;
}

static void
teardown(void)
{
	http_shutdown();
	event_base_free(base);
	unixsrv_stop(server, path);
}

static void
done(struct http_req *r, void *arg)
{
	(void)arg;
	last = http_result(r);
	status = last->status;
	(void)strlcpy(errbuf, last->error ? last->error : "",
	    sizeof(errbuf));
	ndone++;
	event_base_loopbreak(base);
}

static void
line(struct http_req *r, const char *p, size_t n, void *arg)
{
	(void)r;
	(void)arg;
	ck_assert_uint_eq(n, 7);
	ck_assert(memcmp(p, "{\"a\":1}", 7) == 0);
	nlines++;
}

static void
open_cb(struct http_req *r, long st, void *arg)
{
	(void)r;
	(void)arg;
	ck_assert_int_eq(st, 200);
	opened++;
}

START_TEST(test_too_large)
{
	ck_assert_ptr_nonnull(http_request("GET", "/big", NULL, 10000,
	    HTTP_BODY_MAX, done, NULL));
	event_base_dispatch(base);
	ck_assert_int_eq(ndone, 1);
	ck_assert_str_eq(errbuf, "response too large");
}
END_TEST

START_TEST(test_error_body)
{
	char	 m[64];

	ck_assert_ptr_nonnull(http_request("GET", "/missing", NULL, 10000,
	    HTTP_BODY_MAX, done, NULL));
	event_base_dispatch(base);
	ck_assert_int_eq(status, 404);
	docker_error(last, m, sizeof(m));
	ck_assert_str_eq(m, "nope");
}
END_TEST

START_TEST(test_long_line)
{
	ck_assert_ptr_nonnull(http_stream("GET", "/lines", 10000, open_cb,
	    line, done, NULL));
	event_base_dispatch(base);
	ck_assert_int_eq(opened, 1);
	ck_assert_int_eq(nlines, 3);
	ck_assert_str_eq(errbuf, "response too large");
}
END_TEST

START_TEST(test_timeout)
{
	ck_assert_ptr_nonnull(http_request("GET", "/hang", NULL, 300,
	    HTTP_BODY_MAX, done, NULL));
	event_base_dispatch(base);
	ck_assert_int_eq(ndone, 1);
	ck_assert_int_eq(status, 0);
	ck_assert(errbuf[0] != '\0');
}
END_TEST

START_TEST(test_queue_bound)
{
	struct http_req	*r[HTTP_MAX_PENDING];
	struct timeval	 tv = { 0, 300000 };
	size_t		 i;

	for (i = 0; i < HTTP_MAX_PENDING; i++)
		ck_assert_ptr_nonnull(r[i] = http_request("GET", "/hang", NULL,
		    5000, HTTP_BODY_MAX, done, NULL));
	ck_assert_ptr_null(http_request("GET", "/hang", NULL, 5000,
	    HTTP_BODY_MAX, done, NULL));
	for (i = 0; i < HTTP_MAX_PENDING; i++)
		http_cancel(r[i]);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	ck_assert_int_eq(ndone, 0);
	/* Cancelled requests free their slots. */
	ck_assert_ptr_nonnull(http_request("GET", "/missing", NULL, 5000,
	    HTTP_BODY_MAX, done, NULL));
	event_base_dispatch(base);
	ck_assert_int_eq(status, 404);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("runtime_http");
	TCase	*tc = tcase_create("bounds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_error_body);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_queue_bound);
	suite_add_tcase(s, tc);
	return check_run(s);
}
