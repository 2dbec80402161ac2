/* The FAILED status's JSON (failure.h), built in one place. */
#include <jansson.h>

#include "failure.h"

/* The document, for free(); NULL when out of memory. */
char *
failure_json(const char *reason, const char *message, int32_t exit_code)
{
	json_t	*o;
	char	*s;

	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "reason", json_string(reason ? reason : ""));
	json_object_set_new(o, "message", json_string(message ? message : ""));
	if (exit_code != FAILURE_NO_EXIT)
		json_object_set_new(o, "exitCode", json_integer(exit_code));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}
