/*
 * What the two metrics test programs share: reading the figures of a
 * metrics document.
 */
#ifndef TEST_METRICS_H
#define TEST_METRICS_H

#include <check.h>
#include <jansson.h>

static inline double
doc_num(json_t *doc, const char *obj, const char *key)
{
	json_t	*v = json_object_get(json_object_get(doc, obj), key);

	ck_assert_msg(json_is_number(v), "%s.%s is not a number", obj, key);
	return json_number_value(v);
}

static inline json_int_t
doc_int(json_t *doc, const char *obj, const char *key)
{
	json_t	*v = json_object_get(json_object_get(doc, obj), key);

	ck_assert_msg(json_is_integer(v), "%s.%s is not an integer", obj, key);
	return json_integer_value(v);
}

#endif
