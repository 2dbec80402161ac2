/*
 * rikletctl logs without an engine: the runtime's demultiplexer of the
 * engine's log frames, the control child's request grammar for "logs"
 * and its JSON lines of output (UTF-8 kept whole across chunks).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "checkrun.h"
#include "control_proc.h"
#include "runtime.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define LONG_LEN	20000

/* What came out: the streams' bytes in order, one tag byte per piece. */
struct out {
	char	*bytes[3];
	size_t	 len[3];
	size_t	 pieces;
	uint32_t last;
};

static void
out_cb(uint32_t stream, const char *p, size_t n, void *arg)
{
	struct out	*o = arg;

	ck_assert(stream == LOGS_STDOUT || stream == LOGS_STDERR);
	ck_assert_uint_gt(n, 0);
	o->bytes[stream] = realloc(o->bytes[stream], o->len[stream] + n);
	ck_assert_ptr_nonnull(o->bytes[stream]);
	memcpy(o->bytes[stream] + o->len[stream], p, n);
	o->len[stream] += n;
	o->pieces++;
	o->last = stream;
}

static void
out_free(struct out *o)
{
	free(o->bytes[1]);
	free(o->bytes[2]);
	memset(o, 0, sizeof(*o));
}

static size_t
frame(unsigned char *buf, unsigned char stream, const char *p, size_t n)
{
	buf[0] = stream;
	buf[1] = buf[2] = buf[3] = 0;
	buf[4] = (unsigned char)(n >> 24);
	buf[5] = (unsigned char)(n >> 16);
	buf[6] = (unsigned char)(n >> 8);
	buf[7] = (unsigned char)n;
	memcpy(buf + 8, p, n);
	return 8 + n;
}

static unsigned char	 body[LONG_LEN + 256];
static size_t		 bodylen;
static char		 longline[LONG_LEN];

/* stdout, stderr, an empty frame, a frame longer than a chunk, stdout. */
static void
body_make(void)
{
	size_t	 i;

	for (i = 0; i < LONG_LEN - 1; i++)
		longline[i] = (char)('a' + i % 26);
	longline[LONG_LEN - 1] = '\n';
	bodylen = 0;
	bodylen += frame(body + bodylen, 1, "out 1\n", 6);
	bodylen += frame(body + bodylen, 2, "err 1\n", 6);
	bodylen += frame(body + bodylen, 1, "", 0);
	bodylen += frame(body + bodylen, 2, longline, LONG_LEN);
	bodylen += frame(body + bodylen, 1, "out 2\n", 6);
}

static void
check_body(const struct out *o)
{
	ck_assert_uint_eq(o->len[1], 12);
	ck_assert(memcmp(o->bytes[1], "out 1\nout 2\n", 12) == 0);
	ck_assert_uint_eq(o->len[2], 6 + LONG_LEN);
	ck_assert(memcmp(o->bytes[2], "err 1\n", 6) == 0);
	ck_assert(memcmp(o->bytes[2] + 6, longline, LONG_LEN) == 0);
	ck_assert_uint_eq(o->last, LOGS_STDOUT);
}

/* Two pieces cut at every byte boundary, in both modes. */
START_TEST(test_split_everywhere)
{
	struct logs_demux	 d;
	struct out		 o;
	size_t			 cut;
	enum logs_mode		 mode = _i ? LOGS_MODE_MUX : LOGS_MODE_DETECT;

	body_make();
	memset(&o, 0, sizeof(o));
	for (cut = 0; cut <= bodylen; cut++) {
		logs_demux_init(&d, mode);
		ck_assert_int_eq(logs_demux_feed(&d, (char *)body, cut,
		    out_cb, &o), 0);
		ck_assert_int_eq(logs_demux_feed(&d, (char *)body + cut,
		    bodylen - cut, out_cb, &o), 0);
		ck_assert_int_eq(logs_demux_end(&d, out_cb, &o), 0);
		check_body(&o);
		out_free(&o);
	}
}
END_TEST

START_TEST(test_byte_by_byte)
{
	struct logs_demux	 d;
	struct out		 o;
	size_t			 i;

	body_make();
	memset(&o, 0, sizeof(o));
	logs_demux_init(&d, LOGS_MODE_DETECT);
	for (i = 0; i < bodylen; i++)
		ck_assert_int_eq(logs_demux_feed(&d, (char *)body + i, 1,
		    out_cb, &o), 0);
	ck_assert_int_eq(logs_demux_end(&d, out_cb, &o), 0);
	check_body(&o);
	out_free(&o);
}
END_TEST

START_TEST(test_oversized)
{
	struct logs_demux	 d;
	struct out		 o;
	unsigned char		 h[8] = { 1, 0, 0, 0, 0x00, 0x10, 0x00, 0x01 };

	memset(&o, 0, sizeof(o));
	logs_demux_init(&d, LOGS_MODE_DETECT);
	ck_assert_int_eq(logs_demux_feed(&d, (char *)h, sizeof(h), out_cb,
	    &o), -1);
	ck_assert_ptr_nonnull(strstr(d.error, "frame of 1048577 bytes"));
	/* Once broken, it stays broken. */
	ck_assert_int_eq(logs_demux_feed(&d, "x", 1, out_cb, &o), -1);
	ck_assert_int_eq(logs_demux_end(&d, out_cb, &o), -1);
	ck_assert_uint_eq(o.pieces, 0);
	/* The largest frame allowed is fine. */
	h[5] = 0x10;
	h[6] = 0;
	h[7] = 0;
	logs_demux_init(&d, LOGS_MODE_MUX);
	ck_assert_int_eq(logs_demux_feed(&d, (char *)h, sizeof(h), out_cb,
	    &o), 0);
	ck_assert_uint_eq(d.left, LOGS_FRAME_MAX);
}
END_TEST

static const unsigned char bad_headers[][8] = {
	{ 7, 0, 0, 0, 0, 0, 0, 1 },	/* unknown stream */
	{ 0, 0, 0, 0, 0, 0, 0, 1 },	/* stdin: never in logs */
	{ 1, 0, 1, 0, 0, 0, 0, 1 },	/* padding not zero */
	{ 255, 0, 0, 0, 0, 0, 0, 1 },
};

START_TEST(test_bad_header)
{
	struct logs_demux	 d;
	struct out		 o;
	unsigned char		 buf[32];
	size_t			 n;

	memset(&o, 0, sizeof(o));
	/* After a good frame, so the mode is known. */
	n = frame(buf, 1, "ok\n", 3);
	memcpy(buf + n, bad_headers[_i], 8);
	logs_demux_init(&d, LOGS_MODE_DETECT);
	ck_assert_int_eq(logs_demux_feed(&d, (char *)buf, n + 8, out_cb,
	    &o), -1);
	ck_assert_ptr_nonnull(strstr(d.error, "unknown stream type"));
	ck_assert_uint_eq(o.len[1], 3);
	out_free(&o);
}
END_TEST

/* The engine's own error, in a frame of stream 3. */
START_TEST(test_system_error)
{
	struct logs_demux	 d;
	struct out		 o;
	unsigned char		 buf[64];
	size_t			 n;

	memset(&o, 0, sizeof(o));
	n = frame(buf, 3, "log driver broke", 16);
	logs_demux_init(&d, LOGS_MODE_DETECT);
	ck_assert_int_eq(logs_demux_feed(&d, (char *)buf, n, out_cb, &o), -1);
	ck_assert_str_eq(d.error, "engine: log driver broke");
	ck_assert_uint_eq(o.pieces, 0);
}
END_TEST

/* A container with a TTY: no frames, everything is stdout. */
START_TEST(test_tty)
{
	static const char	*raw[] = { "hello tty\n", "hi", "", "\001\0\0x" };
	static const size_t	 rawlen[] = { 10, 2, 0, 4 };
	struct logs_demux	 d;
	struct out		 o;

	memset(&o, 0, sizeof(o));
	logs_demux_init(&d, LOGS_MODE_DETECT);
	ck_assert_int_eq(logs_demux_feed(&d, raw[_i], rawlen[_i], out_cb, &o),
	    0);
	ck_assert_int_eq(logs_demux_end(&d, out_cb, &o), 0);
	ck_assert_uint_eq(o.len[1], rawlen[_i]);
	ck_assert_uint_eq(o.len[2], 0);
	if (rawlen[_i] > 0)
		ck_assert(memcmp(o.bytes[1], raw[_i], rawlen[_i]) == 0);
	out_free(&o);
}
END_TEST

/* Cut inside a header or a frame: the output did not end well. */
START_TEST(test_truncated)
{
	struct logs_demux	 d;
	struct out		 o;
	unsigned char		 buf[32];
	size_t			 n;

	memset(&o, 0, sizeof(o));
	n = frame(buf, 2, "abcdef", 6);
	logs_demux_init(&d, LOGS_MODE_DETECT);
	ck_assert_int_eq(logs_demux_feed(&d, (char *)buf, _i ? 5 : n - 2,
	    out_cb, &o), 0);
	ck_assert_int_eq(logs_demux_end(&d, out_cb, &o), -1);
	ck_assert_ptr_nonnull(strstr(d.error, "inside a frame"));
	out_free(&o);
}
END_TEST

static const struct {
	const char	*line;
	int		 ok;
	const char	*instance, *container;
	int		 tail, follow;
} requests[] = {
	{ "logs pod-1", 1, "pod-1", "", LOGS_TAIL_ALL, 0 },
	{ "logs pod-1 web", 1, "pod-1", "web", LOGS_TAIL_ALL, 0 },
	{ "logs pod-1 web -n 5 -f", 1, "pod-1", "web", 5, 1 },
	{ "logs pod-1 -f -n 0", 1, "pod-1", "", 0, 1 },
	{ "logs pod-1 -n 10000", 1, "pod-1", "", 10000, 0 },
	{ "logs", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 -n 10001", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 -n -1", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 -n", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 -n 5 -n 6", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 -f -f", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 -x", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 -f web", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 web other", 0, NULL, NULL, 0, 0 },
	{ "logs pod/1", 0, NULL, NULL, 0, 0 },
	{ "logs pod-1 web -n 5 -f extra", 0, NULL, NULL, 0, 0 },
};

START_TEST(test_request)
{
	struct ctl_request	 req;
	const char		*errstr = NULL;
	int			 r;

	r = ctl_request_parse(requests[_i].line, strlen(requests[_i].line),
	    &req, &errstr);
	if (!requests[_i].ok) {
		ck_assert_msg(r == -1, "%s accepted", requests[_i].line);
		ck_assert_ptr_nonnull(errstr);
		return;
	}
	ck_assert_msg(r == 0, "%s: %s", requests[_i].line, errstr);
	ck_assert_int_eq(req.cmd, CTL_LOGS);
	ck_assert_str_eq(req.instance, requests[_i].instance);
	ck_assert_str_eq(req.container, requests[_i].container);
	ck_assert_int_eq(req.tail, requests[_i].tail);
	ck_assert_int_eq(req.follow, requests[_i].follow);
}
END_TEST

static void
check_json(json_t *o, const char *stream, const char *data, size_t len)
{
	json_t	*d;

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "stream")),
	    stream);
	d = json_object_get(o, "data");
	ck_assert_uint_eq(json_string_length(d), len);
	ck_assert(memcmp(json_string_value(d), data, len) == 0);
	json_decref(o);
}

START_TEST(test_json)
{
	check_json(ctl_json_logs(LOGS_STDOUT, "a\0b\n", 4), "stdout",
	    "a\0b\n", 4);
	check_json(ctl_json_logs(LOGS_STDERR, "caf\xc3\xa9", 5), "stderr",
	    "caf\xc3\xa9", 5);
	/* Not UTF-8: a stray continuation, a cut character, an overlong. */
	check_json(ctl_json_logs(LOGS_STDOUT, "\x80x\xc3", 3), "stdout",
	    "?x?", 3);
	check_json(ctl_json_logs(LOGS_STDOUT, "\xc0\xaf\xed\xa0\x80", 5),
	    "stdout", "?????", 5);
	check_json(ctl_json_logs(LOGS_STDOUT, "\xf0\x9f\x98\x80", 4),
	    "stdout", "\xf0\x9f\x98\x80", 4);
}
END_TEST

START_TEST(test_utf8_cut)
{
	ck_assert_uint_eq(ctl_utf8_cut("abc", 3), 0);
	ck_assert_uint_eq(ctl_utf8_cut("", 0), 0);
	ck_assert_uint_eq(ctl_utf8_cut("a\xc3", 2), 1);
	ck_assert_uint_eq(ctl_utf8_cut("a\xc3\xa9", 3), 0);
	ck_assert_uint_eq(ctl_utf8_cut("\xf0\x9f\x98", 3), 3);
	ck_assert_uint_eq(ctl_utf8_cut("\xf0\x9f", 2), 2);
	ck_assert_uint_eq(ctl_utf8_cut("\xf0\x9f\x98\x80", 4), 0);
	ck_assert_uint_eq(ctl_utf8_cut("\xe2\x82", 2), 2);
	/* Continuation bytes with no lead: nothing to wait for. */
	ck_assert_uint_eq(ctl_utf8_cut("\x80\x80\x80\x80", 4), 0);
	ck_assert_uint_eq(ctl_utf8_cut("\xff", 1), 0);
}
END_TEST

static Suite *
logs_suite(void)
{
	Suite	*s = suite_create("logs");
	TCase	*tc;

	tc = tcase_create("demux");
	tcase_add_loop_test(tc, test_split_everywhere, 0, 2);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_oversized);
	tcase_add_loop_test(tc, test_bad_header, 0, (int)NELEM(bad_headers));
	tcase_add_test(tc, test_system_error);
	tcase_add_loop_test(tc, test_tty, 0, 4);
	tcase_add_loop_test(tc, test_truncated, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("control");
	tcase_add_loop_test(tc, test_request, 0, (int)NELEM(requests));
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_utf8_cut);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(logs_suite());
}
