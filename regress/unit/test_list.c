/*
 * A container listing cut into its elements as it streams in
 * (runtime_list.c): the same ids wherever the body is cut, strings that
 * hold brackets and quotes, every way the body may be wrong, the bounds,
 * and listings far past what a response may be: a node's 300 pods with
 * 32 KiB definitions, and the parent's table full.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkrun.h"
#include "pods.h"
#include "runtime.h"

_Static_assert(LIST_CONTAINERS_MAX >= PODS_MAX * RIK_CONTAINERS_MAX,
    "a listing must hold the parent's pod table full");

struct body {
	char	*p;
	size_t	 len, cap;
};

static void
body_add(struct body *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		ck_assert_ptr_nonnull(b->p = realloc(b->p, b->cap));
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
body_str(struct body *b, const char *s)
{
	body_add(b, s, strlen(s));
}

/* Container i's summary, its definition label pad bytes long. */
static void
body_elem(struct body *b, size_t i, size_t pad, const char *tricky)
{
	char	 head[512];
	size_t	 k;

	(void)snprintf(head, sizeof(head), "{\"Id\":\"%064zx\",\"Names\":"
	    "[\"/rik-i%zu-main\"],\"Labels\":{\"riklet.node\":\"n\","
	    "\"odd\":\"%s\",\"riklet.definition\":\"", i, i, tricky);
	body_str(b, head);
	for (k = 0; k < pad; k++)
		body_add(b, "x", 1);
	body_str(b, "\"},\"Ports\":[],\"Mounts\":[{\"Type\":\"volume\"}]}");
}

/* Feeds len bytes in pieces of step (0: at once); 0 for a whole listing. */
static int
list_in(struct docker_list *dl, const char *p, size_t len, size_t step,
    size_t max)
{
	size_t	 off, k;

	docker_list_init(dl, max);
	for (off = 0; off < len; off += k) {
		k = step == 0 || step > len - off ? len - off : step;
		if (docker_list_feed(dl, p + off, k) == -1) {
			ck_assert(dl->error[0] != '\0');
			return -1;
		}
	}
	if (docker_list_end(dl) == -1) {
		ck_assert(dl->error[0] != '\0');
		return -1;
	}
	return 0;
}

START_TEST(test_cuts)
{
	struct docker_list	 dl;
	struct body		 b = { NULL, 0, 0 };
	char			 want[RIK_CONTAINER_ID_MAX];
	size_t			 step, i;

	body_str(&b, " \r\n[ ");
	body_elem(&b, 1, 10, "}]\\\"[{\\\\");
	body_str(&b, " ,\n");
	body_elem(&b, 2, 0, "\\\\\\\"}");
	body_str(&b, ",");
	body_elem(&b, 3, 300, "{[[[");
	body_str(&b, "\t] \n");
	for (step = 0; step <= b.len; step++) {
		ck_assert_msg(list_in(&dl, b.p, b.len, step, 3) == 0,
		    "step %zu: %s", step, dl.error);
		ck_assert_uint_eq(dl.nids, 3);
		for (i = 0; i < 3; i++) {
			(void)snprintf(want, sizeof(want), "%064zx", i + 1);
			ck_assert_str_eq(dl.ids[i], want);
		}
		docker_list_free(&dl);
	}
	ck_assert_int_eq(list_in(&dl, "[]", 2, 0, 0), 0);
	ck_assert_uint_eq(dl.nids, 0);
	ck_assert_int_eq(list_in(&dl, " [ \n ] ", 7, 1, 4), 0);
	ck_assert_uint_eq(dl.nids, 0);
	docker_list_free(&dl);
	free(b.p);
}
END_TEST

#define ID	"\"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef\""

START_TEST(test_malformed)
{
	static const char	*bad[] = {
		"",
		"   ",
		"{}",
		"[1]",
		"[\"x\"]",
		"[{}]",
		"[{\"Id\":\"../../etc\"}]",
		"[{\"Id\":" ID "}",
		"[{\"Id\":" ID "},]",
		"[,{\"Id\":" ID "}]",
		"[{\"Id\":" ID "}{\"Id\":" ID "}]",
		"[{\"Id\":" ID "}] x",
		"[{\"Id\":" ID "}][]",
		"[{\"Id\":" ID ",\"Id\":" ID "}]",
		"[{\"Id\":" ID "]",
		"[{\"Id\":" ID ",\"a\":\"\\\"}]",
		"[{\"Id\":" ID ",\"a\":[}]]",
		"[{\"Id\":" ID ",\"a\":nul}]",
		"[{\"Id\":" ID "} ,",
		"[{\"Id\":" ID ",\"a\":\"\x01\"}]",
	};
	struct docker_list	 dl;
	size_t			 i, step;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (step = 0; step < 3; step++) {
			ck_assert_msg(list_in(&dl, bad[i], strlen(bad[i]),
			    step, 8) == -1, "accepted: %s", bad[i]);
			/* Once failed, it stays failed. */
			ck_assert_int_eq(docker_list_feed(&dl, "]", 1), -1);
			ck_assert_int_eq(docker_list_end(&dl), -1);
			docker_list_free(&dl);
		}
	ck_assert_int_eq(list_in(&dl, "[{\"Id\":" ID "}]",
	    strlen("[{\"Id\":" ID "}]"), 0, 8), 0);
	ck_assert_uint_eq(dl.nids, 1);
	docker_list_free(&dl);
}
END_TEST

/* More containers than max, or one summary too large: no listing. */
START_TEST(test_bounds)
{
	struct docker_list	 dl;
	struct body		 b = { NULL, 0, 0 };
	size_t			 base;

	body_str(&b, "[");
	body_elem(&b, 1, 0, "");
	body_str(&b, ",");
	body_elem(&b, 2, 0, "");
	body_str(&b, "]");
	ck_assert_int_eq(list_in(&dl, b.p, b.len, 0, 2), 0);
	docker_list_free(&dl);
	ck_assert_int_eq(list_in(&dl, b.p, b.len, 0, 1), -1);
	ck_assert_str_eq(dl.error, "more than 1 containers");
	docker_list_free(&dl);

	/* An element of exactly LIST_ELEMENT_MAX bytes, then one more. */
	b.len = 0;
	body_str(&b, "[");
	body_elem(&b, 1, 0, "");
	base = b.len - 1;
	b.len = 0;
	body_str(&b, "[");
	body_elem(&b, 1, LIST_ELEMENT_MAX - base, "");
	body_str(&b, "]");
	ck_assert_uint_eq(b.len, LIST_ELEMENT_MAX + 2);
	ck_assert_int_eq(list_in(&dl, b.p, b.len, 16384, 1), 0);
	ck_assert_uint_le(dl.ecap, LIST_ELEMENT_MAX);
	docker_list_free(&dl);
	b.len = 0;
	body_str(&b, "[");
	body_elem(&b, 1, LIST_ELEMENT_MAX - base + 1, "");
	body_str(&b, "]");
	ck_assert_int_eq(list_in(&dl, b.p, b.len, 16384, 1), -1);
	ck_assert_uint_le(dl.ecap, LIST_ELEMENT_MAX);
	docker_list_free(&dl);
	free(b.p);
}
END_TEST

/*
 * 300 pods whose definitions are 32 KiB: more than any response may be
 * (HTTP_BODY_MAX) and more than the old 8 MiB listing cap, with one
 * element held at a time.
 */
START_TEST(test_large)
{
	struct docker_list	 dl;
	struct body		 b = { NULL, 0, 0 };
	size_t			 i;

	body_str(&b, "[");
	for (i = 0; i < 300; i++) {
		if (i > 0)
			body_str(&b, ",");
		body_elem(&b, i, RIK_DEFINITION_MAX, "");
	}
	body_str(&b, "]");
	ck_assert_uint_gt(b.len, 8 * 1024 * 1024);
	ck_assert_int_eq(list_in(&dl, b.p, b.len, 16384, LIST_CONTAINERS_MAX),
	    0);
	ck_assert_uint_eq(dl.nids, 300);
	ck_assert_uint_le(dl.ecap, 2 * (RIK_DEFINITION_MAX + 512));
	docker_list_free(&dl);
	free(b.p);
}
END_TEST

/* The parent's table full of pods of RIK_CONTAINERS_MAX: not one more. */
START_TEST(test_full_node)
{
	struct docker_list	 dl;
	struct body		 b = { NULL, 0, 0 };
	char			 e[128];
	size_t			 i;

	body_str(&b, "[");
	for (i = 0; i <= LIST_CONTAINERS_MAX; i++) {
		(void)snprintf(e, sizeof(e), "%s{\"Id\":\"%064zx\"}",
		    i > 0 ? "," : "", i);
		body_str(&b, e);
		if (i == LIST_CONTAINERS_MAX - 1) {
			body_str(&b, "]");
			ck_assert_int_eq(list_in(&dl, b.p, b.len, 65536,
			    LIST_CONTAINERS_MAX), 0);
			ck_assert_uint_eq(dl.nids, LIST_CONTAINERS_MAX);
			docker_list_free(&dl);
			b.len--;
		}
	}
	body_str(&b, "]");
	ck_assert_int_eq(list_in(&dl, b.p, b.len, 65536, LIST_CONTAINERS_MAX),
	    -1);
	docker_list_free(&dl);
	free(b.p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("list");
	TCase	*tc = tcase_create("stream");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cuts);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_full_node);
	suite_add_tcase(s, tc);
	return check_run(s);
}
