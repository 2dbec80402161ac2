/*
 * The imsg framing: round trips, partial and coalesced reads, bad
 * headers, descriptor passing.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "imsg.h"

static int	sp[2];
static struct imsgbuf *wr, *rd;

static void
setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	wr = malloc(sizeof(*wr));
	rd = malloc(sizeof(*rd));
	imsgbuf_init(wr, sp[0]);
	imsgbuf_init(rd, sp[1]);
}

static void
teardown(void)
{
	imsgbuf_clear(wr);
	imsgbuf_clear(rd);
	free(wr);
	free(rd);
	close(sp[0]);
	close(sp[1]);
}

/* Writes raw bytes straight to the reader's socket. */
static void
raw(const void *p, size_t n)
{
	ck_assert_int_eq(write(sp[0], p, n), (ssize_t)n);
}

START_TEST(test_roundtrip)
{
	struct imsg	 imsg;
	const char	*msg = "hello";

	ck_assert_int_eq(imsg_compose(wr, 7, 42, 0, -1, msg, 6), 0);
	ck_assert_int_eq(imsg_compose(wr, 8, 0, 0, -1, NULL, 0), 0);
	ck_assert_uint_eq(imsgbuf_queued(wr), 16 + 6 + 16);
	ck_assert_int_eq(imsgbuf_flush(wr), 0);
	ck_assert_uint_eq(imsgbuf_queued(wr), 0);
	ck_assert_int_gt(imsgbuf_read(rd), 0);
	ck_assert_int_eq(imsg_get(rd, &imsg), 16 + 6);
	ck_assert_uint_eq(imsg.hdr.type, 7);
	ck_assert_uint_eq(imsg.hdr.peerid, 42);
	ck_assert_uint_eq(imsg.hdr.pid, (uint32_t)getpid());
	ck_assert_uint_eq(imsg.datalen, 6);
	ck_assert_int_eq(imsg.fd, -1);
	ck_assert_str_eq(imsg_string(&imsg, 0), "hello");
	imsg_free(&imsg);
	ck_assert_int_eq(imsg_get(rd, &imsg), 16);
	ck_assert_uint_eq(imsg.hdr.type, 8);
	ck_assert_uint_eq(imsg.datalen, 0);
	ck_assert_ptr_null(imsg_string(&imsg, 0));
	imsg_free(&imsg);
	ck_assert_int_eq(imsg_get(rd, &imsg), 0);
}
END_TEST

START_TEST(test_byte_by_byte)
{
	struct imsg	 imsg;
	unsigned char	 buf[64];
	size_t		 len, i;
	int		 n;

	ck_assert_int_eq(imsg_compose(wr, 3, 1, 0, -1, "abcdefgh", 9), 0);
	len = wr->queued;
	memcpy(buf, TAILQ_FIRST(&wr->outq)->buf, len);
	for (i = 0; i < len; i++) {
		raw(buf + i, 1);
		ck_assert_int_eq(imsgbuf_read(rd), 1);
		n = (int)imsg_get(rd, &imsg);
		if (i + 1 < len)
			ck_assert_int_eq(n, 0);
		else {
			ck_assert_int_eq(n, (int)len);
			ck_assert_str_eq(imsg_string(&imsg, 0), "abcdefgh");
			imsg_free(&imsg);
		}
	}
}
END_TEST

START_TEST(test_coalesced)
{
	struct imsg	 imsg;
	int		 i, got = 0;
	uint32_t	 v;

	for (i = 0; i < 100; i++) {
		v = (uint32_t)i;
		ck_assert_int_eq(imsg_compose(wr, 5, 0, 0, -1, &v,
		    sizeof(v)), 0);
	}
	ck_assert_int_eq(imsgbuf_flush(wr), 0);
	/* One read takes them all. */
	ck_assert_int_eq(imsgbuf_read(rd), 100 * 20);
	while (imsg_get(rd, &imsg) > 0) {
		ck_assert_uint_eq(imsg.datalen, sizeof(v));
		memcpy(&v, imsg.data, sizeof(v));
		ck_assert_uint_eq(v, (uint32_t)got);
		got++;
		imsg_free(&imsg);
	}
	ck_assert_int_eq(got, 100);
}
END_TEST

START_TEST(test_large_stream)
{
	struct imsg	 imsg;
	char		*big;
	int		 i, got = 0;
	ssize_t		 n;

	/* Messages at the maximum size, more than the socket buffer holds. */
	big = malloc(IMSG_MAX_SIZE - IMSG_HEADER_SIZE);
	memset(big, 'x', IMSG_MAX_SIZE - IMSG_HEADER_SIZE);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(imsg_compose(wr, 9, 0, 0, -1, big,
		    IMSG_MAX_SIZE - IMSG_HEADER_SIZE), 0);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	fcntl(sp[1], F_SETFL, O_NONBLOCK);
	while (got < 20) {
		ck_assert_int_eq(imsgbuf_write(wr), 0);
		n = imsgbuf_read(rd);
		ck_assert(n > 0 || (n == -1 && errno == EAGAIN));
		while (imsg_get(rd, &imsg) > 0) {
			ck_assert_uint_eq(imsg.datalen,
			    IMSG_MAX_SIZE - IMSG_HEADER_SIZE);
			ck_assert_int_eq(memcmp(imsg.data, big,
			    imsg.datalen), 0);
			got++;
			imsg_free(&imsg);
		}
	}
	ck_assert_uint_eq(imsgbuf_queued(wr), 0);
	free(big);
}
END_TEST

START_TEST(test_oversized_compose)
{
	char	*big = calloc(1, IMSG_MAX_SIZE);

	ck_assert_int_eq(imsg_compose(wr, 1, 0, 0, -1, big,
	    IMSG_MAX_SIZE - IMSG_HEADER_SIZE + 1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(imsg_compose(wr, 1, 0, 0, -1, big,
	    IMSG_MAX_SIZE - IMSG_HEADER_SIZE), 0);
	free(big);
}
END_TEST

START_TEST(test_queue_bound)
{
	char	 buf[1000] = { 0 };

	wr->maxqueued = 4096;
	while (imsg_compose(wr, 1, 0, 0, -1, buf, sizeof(buf)) == 0)
		;
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert_uint_le(imsgbuf_queued(wr), 4096);
}
END_TEST

static void
bad_header(uint32_t len)
{
	struct imsg_hdr	 hdr = { 1, len, 0, 0 };
	struct imsg	 imsg;

	raw(&hdr, sizeof(hdr));
	ck_assert_int_gt(imsgbuf_read(rd), 0);
	ck_assert_int_eq(imsg_get(rd, &imsg), -1);
	ck_assert_int_eq(errno, EBADMSG);
}

START_TEST(test_header_too_short)
{
	bad_header(IMSG_HEADER_SIZE - 1);
}
END_TEST

START_TEST(test_header_zero)
{
	bad_header(0);
}
END_TEST

START_TEST(test_header_too_long)
{
	bad_header(IMSG_MAX_SIZE + 1);
}
END_TEST

START_TEST(test_truncated)
{
	struct imsg_hdr	 hdr = { 1, IMSG_HEADER_SIZE + 10, 0, 0 };
	struct imsg	 imsg;

	/* A header announcing 10 bytes, then only 4 and an EOF. */
	raw(&hdr, sizeof(hdr));
	raw("abcd", 4);
	close(sp[0]);
	sp[0] = -1;
	ck_assert_int_eq(imsgbuf_read(rd), 20);
	ck_assert_int_eq(imsg_get(rd, &imsg), 0);
	ck_assert_int_eq(imsgbuf_read(rd), 0);	/* EOF, still incomplete */
	ck_assert_int_eq(imsg_get(rd, &imsg), 0);
}
END_TEST

START_TEST(test_fd_passing)
{
	struct imsg	 imsg;
	struct stat	 a, b;
	int		 fd, flags;

	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(imsg_compose(wr, 11, 0, 0, fd, "x", 2), 0);
	ck_assert_int_eq(imsg_compose(wr, 12, 0, 0, -1, "y", 2), 0);
	ck_assert_int_eq(imsgbuf_flush(wr), 0);
	/* The sender's copy is closed once passed. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	while (rd->rlen < 36)
		ck_assert_int_gt(imsgbuf_read(rd), 0);
	ck_assert_int_gt(imsg_get(rd, &imsg), 0);
	ck_assert_uint_eq(imsg.hdr.type, 11);
	ck_assert_int_ge(imsg.fd, 0);
	ck_assert_int_eq(fstat(imsg.fd, &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	flags = fcntl(imsg.fd, F_GETFD);
	ck_assert(flags & FD_CLOEXEC);
	close(imsg.fd);
	imsg_free(&imsg);
	ck_assert_int_gt(imsg_get(rd, &imsg), 0);
	ck_assert_uint_eq(imsg.hdr.type, 12);
	ck_assert_int_eq(imsg.fd, -1);
	imsg_free(&imsg);
}
END_TEST

START_TEST(test_fd_missing)
{
	struct imsg_hdr	 hdr = { 1, IMSG_HEADER_SIZE | IMSG_LEN_HASFD, 0, 0 };
	struct imsg	 imsg;

	/* The header says a descriptor comes with it, but none did. */
	raw(&hdr, sizeof(hdr));
	ck_assert_int_gt(imsgbuf_read(rd), 0);
	ck_assert_int_eq(imsg_get(rd, &imsg), -1);
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

START_TEST(test_string_checks)
{
	struct imsg	 imsg;

	ck_assert_int_eq(imsg_compose(wr, 1, 0, 0, -1, "abc", 3), 0);
	ck_assert_int_eq(imsg_compose(wr, 1, 0, 0, -1, "a\0b", 4), 0);
	ck_assert_int_eq(imsg_compose(wr, 1, 0, 0, -1, "hdr:str", 8), 0);
	ck_assert_int_eq(imsgbuf_flush(wr), 0);
	while (rd->rlen < 3 * 16 + 3 + 4 + 8)
		ck_assert_int_gt(imsgbuf_read(rd), 0);
	ck_assert_int_gt(imsg_get(rd, &imsg), 0);
	ck_assert_ptr_null(imsg_string(&imsg, 0));	/* no NUL */
	imsg_free(&imsg);
	ck_assert_int_gt(imsg_get(rd, &imsg), 0);
	ck_assert_ptr_null(imsg_string(&imsg, 0));	/* NUL inside */
	imsg_free(&imsg);
	ck_assert_int_gt(imsg_get(rd, &imsg), 0);
	ck_assert_str_eq(imsg_string(&imsg, 4), "str");
	ck_assert_ptr_null(imsg_string(&imsg, 8));	/* past the end */
	imsg_free(&imsg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("imsg");
	TCase	*tc = tcase_create("framing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_coalesced);
	tcase_add_test(tc, test_large_stream);
	tcase_add_test(tc, test_oversized_compose);
	tcase_add_test(tc, test_queue_bound);
	tcase_add_test(tc, test_header_too_short);
	tcase_add_test(tc, test_header_zero);
	tcase_add_test(tc, test_header_too_long);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_fd_passing);
	tcase_add_test(tc, test_fd_missing);
	tcase_add_test(tc, test_string_checks);
	suite_add_tcase(s, tc);
	return check_run(s);
}
