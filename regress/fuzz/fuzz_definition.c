/*
 * libFuzzer target: the agent's parser of RIK's workload definitions
 * (riklet-agent/definition.c), the first code to see the scheduler's
 * JSON.  What it accepts must say what the input says, field by field
 * (read here again with jansson), and survive the trip to the parent:
 * encoded and decoded, every field is the same.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agent.h"
#include "podspec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *member_string(json_t *, const char *);
static int	 absent(json_t *);
static void	 check_words(json_t *, char *const *, size_t);
static void	 check_env(json_t *, const struct pod_container *);
static void	 check_port(json_t *, const struct pod_port *);
static void	 check_limit(json_t *, const char *,
		    int (*)(const char *, int64_t *), int64_t, int64_t);
static void	 check_container(json_t *, const struct pod_container *);
static void	 check_input(const uint8_t *, size_t, const struct pod_spec *);
static void	 check_same(const struct pod_spec *, const struct pod_spec *);

static int
absent(json_t *v)
{
	return v == NULL || json_is_null(v);
}

/* A string member, "" when absent. */
static const char *
member_string(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (absent(v))
		return "";
	assert(json_is_string(v));
	return json_string_value(v);
}

static void
check_words(json_t *a, char *const *w, size_t n)
{
	size_t	 i;

	if (absent(a)) {
		assert(n == 0);
		return;
	}
	assert(json_array_size(a) == n);
	for (i = 0; i < n; i++)
		assert(strcmp(json_string_value(json_array_get(a, i)), w[i]) ==
		    0);
}

static void
check_env(json_t *a, const struct pod_container *c)
{
	json_t	*e;
	char	*want;
	size_t	 i;

	if (absent(a)) {
		assert(c->nenv == 0);
		return;
	}
	assert(json_array_size(a) == c->nenv);
	json_array_foreach(a, i, e) {
		if (asprintf(&want, "%s=%s", member_string(e, "name"),
		    member_string(e, "value")) == -1)
			abort();
		assert(strcmp(c->env[i], want) == 0);
		free(want);
	}
}

static void
check_port(json_t *o, const struct pod_port *p)
{
	json_t		*port = json_object_get(o, "port");
	json_t		*target = json_object_get(o, "target_port");
	const char	*proto = member_string(o, "protocol");
	json_int_t	 pv = absent(port) ? 0 : json_integer_value(port);

	assert(p->port == pv);
	assert(p->target_port == (absent(target) ? pv :
	    json_integer_value(target)));
	assert(p->proto == (*proto == '\0' || strcasecmp(proto, "TCP") == 0 ?
	    PORT_TCP : PORT_UDP));
}

/* An integer limit is in whole units; a string is parsed as the agent's. */
static void
check_limit(json_t *lim, const char *key, int (*parse)(const char *,
    int64_t *), int64_t unit, int64_t got)
{
	json_t	*v = json_object_get(lim, key);
	int64_t	 want;

	if (absent(v))
		want = 0;
	else if (json_is_integer(v))
		want = json_integer_value(v) * unit;
	else
		assert(parse(json_string_value(v), &want) == 0);
	assert(got == want);
}

static void
check_container(json_t *cj, const struct pod_container *c)
{
	json_t	*ports = json_object_get(cj, "ports"), *lim;
	size_t	 i;

	assert(strcmp(c->name, member_string(cj, "name")) == 0);
	assert(strcmp(c->image, member_string(cj, "image")) == 0);
	check_env(json_object_get(cj, "env"), c);
	check_words(json_object_get(cj, "command"), c->command, c->ncommand);
	check_words(json_object_get(cj, "args"), c->args, c->nargs);
	if (absent(ports))
		assert(c->nports == 0);
	else if (json_is_array(ports)) {
		assert(json_array_size(ports) == c->nports);
		for (i = 0; i < c->nports; i++)
			check_port(json_array_get(ports, i), &c->ports[i]);
	} else {
		assert(c->nports == 1);
		check_port(ports, &c->ports[0]);
	}
	lim = json_object_get(json_object_get(cj, "resources"), "limits");
	check_limit(lim, "cpu", parse_cpu, 1000000000, c->nano_cpus);
	check_limit(lim, "memory", parse_memory, 1, c->memory_limit);
}

/* What was accepted is what the input says. */
static void
check_input(const uint8_t *data, size_t size, const struct pod_spec *ps)
{
	json_t		*root, *spec, *containers;
	const char	*policy;
	size_t		 i;

	assert(strcmp(ps->instance, "fuzz-1") == 0);
	assert(strlen(ps->definition) == size &&
	    memcmp(ps->definition, data, size) == 0);
	root = json_loadb((const char *)data, size, 0, NULL);
	assert(root != NULL);
	assert(strcmp(ps->name, member_string(root, "name")) == 0);
	spec = json_object_get(root, "spec");
	policy = member_string(spec, "restartPolicy");
	assert(ps->restart_policy == (strcmp(policy, "Always") == 0 ?
	    RESTART_ALWAYS : strcmp(policy, "OnFailure") == 0 ?
	    RESTART_ON_FAILURE : RESTART_NEVER));
	containers = json_object_get(spec, "containers");
	assert(json_array_size(containers) == ps->ncontainers);
	for (i = 0; i < ps->ncontainers; i++)
		check_container(json_array_get(containers, i),
		    &ps->containers[i]);
	json_decref(root);
}

/* Two descriptions are the same, field by field. */
static void
check_same(const struct pod_spec *a, const struct pod_spec *b)
{
	const struct pod_container	*x, *y;
	size_t				 i, j;

	assert(strcmp(a->instance, b->instance) == 0);
	assert(strcmp(a->name, b->name) == 0);
	assert(a->restart_policy == b->restart_policy);
	assert(strcmp(a->definition, b->definition) == 0);
	assert(a->ncontainers == b->ncontainers);
	for (i = 0; i < a->ncontainers; i++) {
		x = &a->containers[i];
		y = &b->containers[i];
		assert(strcmp(x->name, y->name) == 0);
		assert(strcmp(x->image, y->image) == 0);
		assert(x->memory_limit == y->memory_limit);
		assert(x->nano_cpus == y->nano_cpus);
		assert(x->nenv == y->nenv && x->ncommand == y->ncommand &&
		    x->nargs == y->nargs && x->nports == y->nports);
		for (j = 0; j < x->nenv; j++)
			assert(strcmp(x->env[j], y->env[j]) == 0);
		for (j = 0; j < x->ncommand; j++)
			assert(strcmp(x->command[j], y->command[j]) == 0);
		for (j = 0; j < x->nargs; j++)
			assert(strcmp(x->args[j], y->args[j]) == 0);
		for (j = 0; j < x->nports; j++)
			assert(x->ports[j].port == y->ports[j].port &&
			    x->ports[j].target_port ==
			    y->ports[j].target_port &&
			    x->ports[j].proto == y->ports[j].proto);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pod_spec	 ps, again;
	unsigned char		*enc;
	size_t			 enclen;
	char			 err[RIK_MESSAGE_MAX];

	err[0] = '\0';
	if (definition_parse("fuzz-1", (const char *)data, size, &ps, err,
	    sizeof(err)) == -1) {
		/* A refusal says why, in a string fit for a status. */
		assert(err[0] != '\0' && strlen(err) < sizeof(err));
		podspec_free(&ps);
		return 0;
	}
	assert(podspec_validate(&ps, err, sizeof(err)) == 0);
	check_input(data, size, &ps);
	if (podspec_encode(&ps, &enc, &enclen) == -1)
		abort();
	assert(podspec_decode(enc, enclen, &again, err, sizeof(err)) == 0);
	check_same(&ps, &again);
	free(enc);
	podspec_free(&again);
	podspec_free(&ps);
	return 0;
}
