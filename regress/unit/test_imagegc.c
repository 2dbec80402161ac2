/*
 * Image gc's choices, without an engine: how full is too full and how
 * much must go (imagegc_need, the parent's), which images may go and in
 * what order (gc_parse_images and gc_select, the runtime's).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checkrun.h"
#include "imagegc.h"
#include "riklet.h"
#include "runtime.h"

#define GIB	(UINT64_C(1) << 30)

struct parent	*parent;	/* imagegc.c's; these tests need none */

START_TEST(test_need)
{
	uint32_t	 pct;
	int64_t		 bytes;

	/* 100 GiB, 90 used, high 85: down to 70 means 20 GiB. */
	ck_assert_int_eq(imagegc_need(100 * GIB, 10 * GIB, 85, 70, &pct,
	    &bytes), 0);
	ck_assert_uint_eq(pct, 90);
	ck_assert_int_eq(bytes, (int64_t)(20 * GIB));
	/* At high exactly: not above it. */
	ck_assert_int_eq(imagegc_need(100 * GIB, 15 * GIB, 85, 70, &pct,
	    &bytes), 0);
	ck_assert_uint_eq(pct, 85);
	ck_assert_int_eq(bytes, 0);
	ck_assert_int_eq(imagegc_need(100 * GIB, 50 * GIB, 85, 70, &pct,
	    &bytes), 0);
	ck_assert_int_eq(bytes, 0);
	/* Huge filesystems do not overflow. */
	ck_assert_int_eq(imagegc_need(UINT64_MAX, 0, 99, 1, &pct, &bytes), 0);
	ck_assert_uint_eq(pct, 100);
	ck_assert_int_gt(bytes, 0);
	/* Nothing to measure. */
	ck_assert_int_eq(imagegc_need(0, 0, 85, 70, &pct, &bytes), -1);
	ck_assert_int_eq(imagegc_need(10, 20, 85, 70, &pct, &bytes), -1);
}
END_TEST

#define HEX(c)	c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c
#define ID(c)	"sha256:" HEX(c)

/*
 * Least recently used first; a pod's use counts over the image's age;
 * the infra image and images younger than min-age stay.
 */
START_TEST(test_select)
{
	char		 body[4096];
	struct gc_image	 imgs[8];
	size_t		 n, order[8], k, i;
	int64_t		 now = (int64_t)time(NULL);
	char		 got[16];

	(void)snprintf(body, sizeof(body), "["
	    "{\"Id\":\"" ID("a") "\",\"Created\":%lld,\"Size\":10,"
	    "\"RepoTags\":[\"r/a:1\"]},"
	    "{\"Id\":\"" ID("b") "\",\"Created\":%lld,\"Size\":20,"
	    "\"RepoTags\":[\"r/b:1\",\"r/b:2\"]},"
	    "{\"Id\":\"" ID("c") "\",\"Created\":%lld,\"Size\":30,"
	    "\"RepoTags\":null},"
	    "{\"Id\":\"" ID("d") "\",\"Created\":%lld,\"Size\":40,"
	    "\"RepoTags\":[\"riklet/pause:9\"]},"
	    "{\"Id\":\"" ID("e") "\",\"Created\":%lld,\"Size\":50,"
	    "\"RepoTags\":[\"r/young:1\"]},"
	    "{\"Id\":\"not an id\",\"Created\":1,\"Size\":1},"
	    "{\"Id\":\"" ID("f") "\",\"Created\":%lld,\"Size\":-5,"
	    "\"RepoTags\":[\"r/f:1\"]},"
	    "{\"Id\":\"" ID("9") "\",\"Created\":1,\"Size\":1,"
	    "\"RepoTags\":[],\"RepoDigests\":[\"r/g@sha256:" HEX("1")
	    "\"]}"
	    "]", (long long)(now - 5000), (long long)(now - 9000),
	    (long long)(now - 3000), (long long)(now - 99999),
	    (long long)(now - 10), (long long)(now - 4000));
	/* b was made first but a pod used it lately (its second tag). */
	gc_image_used("r/b:2");
	/* 9 has no tag: a pod named it by its digest. */
	gc_image_used("r/g@sha256:" HEX("1"));
	ck_assert_int_eq(gc_parse_images(body, strlen(body), "riklet/pause:9",
	    imgs, 8, &n), 0);
	ck_assert_uint_eq(n, 7);	/* the bad id is skipped */
	ck_assert_str_eq(imgs[0].name, "r/a:1");
	ck_assert_str_eq(imgs[2].name, "");
	ck_assert_int_eq(imgs[3].keep, 1);
	ck_assert_int_ge(imgs[1].last_used, now);
	ck_assert_int_eq(imgs[5].size, 0);
	ck_assert_int_ge(imgs[6].last_used, now);

	/* min-age 60 s: b (just used) and e (10 s old) stay. */
	k = gc_select(imgs, n, now + 1, 60, order);
	for (i = 0; i < k; i++)
		got[i] = imgs[order[i]].id[7];
	got[k] = '\0';
	ck_assert_str_eq(got, "afc");
	/* Without min-age, b is the most recently used, e made last. */
	k = gc_select(imgs, n, now + 1, 0, order);
	for (i = 0; i < k; i++)
		got[i] = imgs[order[i]].id[7];
	got[k] = '\0';
	ck_assert_str_eq(got, "afce9b");

	/* A capped listing, and what is not a listing. */
	ck_assert_int_eq(gc_parse_images(body, strlen(body), "x", imgs, 2,
	    &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(gc_parse_images("{}", 2, "x", imgs, 8, &n), -1);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(gc_parse_images("[", 1, "x", imgs, 8, &n), -1);
	ck_assert_uint_eq(gc_select(imgs, 0, now, 0, order), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("imagegc");
	TCase	*tc = tcase_create("choice");

	tcase_add_test(tc, test_need);
	tcase_add_test(tc, test_select);
	suite_add_tcase(s, tc);
	return check_run(s);
}
