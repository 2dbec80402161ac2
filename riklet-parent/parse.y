/*
 * riklet.conf(5): the grammar, its lexer and the checks of every value.
 *
 * The file is parsed into a scratch copy of the configuration; the
 * caller's copy is written only when the whole file, includes and all,
 * parsed without a single error.
 */

%{
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostport.h"
#include "imageref.h"
#include "log.h"
#include "parse.h"
#include "path.h"
#include "prom.h"
#include "registry.h"
#include "riklet_conf.h"
#include "util.h"

#define MAXINCLUDE	8	/* include files nested in one another */
#define MAXTOKEN	8192	/* longest word or quoted string */
#define MAXPARALLEL	256
#define MAXLOGFILES	100
#define MINLOGSIZE	UINT64_C(1024)
#define MAXLOGSIZE	(UINT64_C(1) << 40)

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct file {
	TAILQ_ENTRY(file)	 entry;
	FILE			*stream;
	char			*name;
	int			 lineno;
	int			 nlpending;	/* '\n' returned, not yet counted */
	int			 midline;	/* a token since the last '\n' */
	int			 depth;
	int			 ungot[2];
	int			 nungot;
};
TAILQ_HEAD(files, file);

struct macro {
	TAILQ_ENTRY(macro)	 entry;
	char			*name;
	char			*value;
};
TAILQ_HEAD(macros, macro);

/* Every string handed to the grammar; all are freed after the parse. */
struct lexstr {
	SLIST_ENTRY(lexstr)	 entry;
	char			 s[];
};
SLIST_HEAD(lexstrs, lexstr);

struct tlsopts {
	int		 on;
	char		*ca;
	char		*cert;
	char		*key;
};

struct keyword {
	const char	*name;
	int		 token;
};

int		 yyparse(void);
static int	 yylex(void);
static void	 yyerror(const char *);
static void	 conf_error(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));

static int	 lgetc(void);
static void	 lungetc(int);
static int	 lex_error(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
static int	 lex_quoted(int);
static int	 lex_word(int);
static int	 lex_macro(void);
static int	 keyword_cmp(const void *, const void *);
static char	*lexstr_new(const char *, size_t);

static struct file *pushfile(const char *, int, const char **);
static int	 popfile(void);
static void	 include_file(const char *);

static int	 macro_name_ok(const char *);
static void	 macro_set(const char *, const char *);
static const char *macro_get(const char *);

static void	 copy_field(char *, size_t, const char *);
static int	 check_length(const char *, const char *, size_t);
static const char *check_hostport(const char *);
static const char *check_hostname(const char *);
static const char *check_user(const char *);
static void	 set_scheduler(const char *, const struct tlsopts *);
static void	 set_tlsopt(const char *, char **, char *);
static void	 set_hostname(const char *);
static void	 set_host_address(const char *);
static void	 set_user(const char *);
static void	 set_path(const char *, char *, size_t, const char *);
static void	 set_socket(const char *, char *, size_t, const char *);
static void	 set_duration(const char *, uint64_t *, const char *);
static void	 set_parallel(const char *);
static void	 set_infra_image(const char *);
static void	 add_volume_allow(const char *);
static void	 set_log_size(const char *);
static void	 set_log_files(const char *);
static void	 set_listen(const char *);
static int	 default_hostname(const char *, struct riklet_conf *);
static void	 registry_begin(const char *);
static void	 registry_opt(const char *, char *, size_t, const char *);
static void	 registry_file(const char *, char *, size_t, const char *);
static void	 registry_end(void);
static void	 set_pull_fallback(const char *);
static void	 set_percent(const char *, uint32_t *, const char *);

static struct files	 files = TAILQ_HEAD_INITIALIZER(files);
static struct file	*file;
static struct macros	 macros = TAILQ_HEAD_INITIALIZER(macros);
static struct lexstrs	 lexstrs = SLIST_HEAD_INITIALIZER(lexstrs);
static struct riklet_conf *pconf;
static int		 errors;
static int		 lexerr;	/* the lexer reported this error */
static int		 hostname_set;
static int		 gc_lineno;	/* the last image-gc, for its check */
static char		*gc_file;
/* The registry block being read, and its secret. */
static struct conf_registry cur_reg;
static char		 cur_secret[REGISTRY_SECRET_MAX];
static int		 cur_errors;
%}

%union {
	char		*string;
	struct tlsopts	 tls;
}

%token	ADDRESS ALLOW CA CERT CHROOT CONTROL CREATEPARALLEL DOCKER ENGINE HIGH
%token	HOST HOSTNAME IDENTITYTOKENFILE IMAGE IMAGEGC INCLUDE INFRA KEY LISTEN
%token	LOG LOW MAXFILES MAXSIZE METRICRESOLUTION METRICS MINAGE OFF
%token	PASSWORDFILE PULLFALLBACK REGISTRY SCHEDULER SOCKET STOPAFTERDISCONNECT
%token	STOPGRACE TLS USER USERNAME VOLUME ERROR
%token	<string>	STRING
%type	<string>	include
%type	<tls>		tls tlsopts

%%

/*
 * The include action runs once the '\n' that ends the statement has been
 * shifted; the reduction needs no lookahead, so the next token read is
 * already the first one of the included file.
 */
grammar	: /* empty */
	| grammar '\n'
	| grammar include '\n'		{ include_file($2); }
	| grammar macro '\n'
	| grammar setting '\n'
	| grammar error '\n'		{ yyerrok; }
	;

include	: INCLUDE STRING		{ $$ = $2; }
	;

macro	: STRING '=' STRING		{
			if (!macro_name_ok($1))
				conf_error("invalid macro name \"%s\"", $1);
			else
				macro_set($1, $3);
		}
	;

/* "docker socket" is the old name of "engine socket", kept. */
engine	: ENGINE
	| DOCKER
	;

setting	: SCHEDULER STRING tls		{ set_scheduler($2, &$3); }
	| HOSTNAME STRING		{ set_hostname($2); }
	| HOST ADDRESS STRING		{ set_host_address($3); }
	| METRICRESOLUTION STRING	{
			set_duration("metric-resolution",
			    &pconf->metric_resolution_ms, $2);
		}
	| engine SOCKET STRING		{
			set_socket("engine socket", pconf->docker_socket,
			    sizeof(pconf->docker_socket), $3);
		}
	| USER STRING			{ set_user($2); }
	| CHROOT STRING			{
			set_path("chroot", pconf->chroot,
			    sizeof(pconf->chroot), $2);
		}
	| CONTROL SOCKET STRING		{
			set_socket("control socket", pconf->control_socket,
			    sizeof(pconf->control_socket), $3);
		}
	| STOPAFTERDISCONNECT OFF	{ pconf->stop_after_disconnect_ms = 0; }
	| STOPAFTERDISCONNECT STRING	{
			set_duration("stop-after-disconnect",
			    &pconf->stop_after_disconnect_ms, $2);
		}
	| STOPGRACE STRING		{
			set_duration("stop-grace", &pconf->stop_grace_ms, $2);
		}
	| CREATEPARALLEL STRING		{ set_parallel($2); }
	| INFRA IMAGE STRING		{ set_infra_image($3); }
	| VOLUME ALLOW STRING		{ add_volume_allow($3); }
	| LOG MAXSIZE STRING		{ set_log_size($3); }
	| LOG MAXFILES STRING		{ set_log_files($3); }
	| METRICS LISTEN STRING		{ set_listen($3); }
	| REGISTRY STRING '{'		{ registry_begin($2); }
	    optnl regopts '}'		{ registry_end(); }
	| PULLFALLBACK STRING		{ set_pull_fallback($2); }
	| IMAGEGC gcopts		{
			gc_lineno = file->lineno;
			free(gc_file);
			if ((gc_file = strdup(file->name)) == NULL)
				fatal("strdup");
		}
	;

optnl	: /* empty */
	| optnl '\n'
	;

regopts	: /* empty */
	| regopts regopt optnl
	;

regopt	: USERNAME STRING		{
			registry_opt("username", cur_reg.username,
			    sizeof(cur_reg.username), $2);
		}
	| PASSWORDFILE STRING		{
			registry_file("password-file", cur_reg.password_file,
			    sizeof(cur_reg.password_file), $2);
		}
	| IDENTITYTOKENFILE STRING	{
			registry_file("identity-token-file",
			    cur_reg.token_file, sizeof(cur_reg.token_file), $2);
		}
	;

gcopts	: gcopt
	| gcopts gcopt
	;

gcopt	: HIGH STRING optpct		{
			set_percent("image-gc high", &pconf->gc_high, $2);
		}
	| LOW STRING optpct		{
			set_percent("image-gc low", &pconf->gc_low, $2);
		}
	| MINAGE STRING			{
			set_duration("image-gc min-age", &pconf->gc_min_age_ms,
			    $2);
		}
	;

optpct	: /* empty */
	| '%'
	;

tls	: /* empty */			{ memset(&$$, 0, sizeof($$)); }
	| TLS tlsopts			{ $$ = $2; $$.on = 1; }
	;

tlsopts	: /* empty */			{ memset(&$$, 0, sizeof($$)); }
	| tlsopts CA STRING		{ $$ = $1; set_tlsopt("ca", &$$.ca, $3); }
	| tlsopts CERT STRING		{
			$$ = $1;
			set_tlsopt("cert", &$$.cert, $3);
		}
	| tlsopts KEY STRING		{ $$ = $1; set_tlsopt("key", &$$.key, $3); }
	;

%%

/* Sorted: looked up with bsearch(3). */
static const struct keyword keywords[] = {
	{ "address",			ADDRESS },
	{ "allow",			ALLOW },
	{ "ca",				CA },
	{ "cert",			CERT },
	{ "chroot",			CHROOT },
	{ "control",			CONTROL },
	{ "create-parallel",		CREATEPARALLEL },
	{ "docker",			DOCKER },
	{ "engine",			ENGINE },
	{ "high",			HIGH },
	{ "host",			HOST },
	{ "hostname",			HOSTNAME },
	{ "identity-token-file",	IDENTITYTOKENFILE },
	{ "image",			IMAGE },
	{ "image-gc",			IMAGEGC },
	{ "include",			INCLUDE },
	{ "infra",			INFRA },
	{ "key",			KEY },
	{ "listen",			LISTEN },
	{ "log",			LOG },
	{ "low",			LOW },
	{ "max-files",			MAXFILES },
	{ "max-size",			MAXSIZE },
	{ "metric-resolution",		METRICRESOLUTION },
	{ "metrics",			METRICS },
	{ "min-age",			MINAGE },
	{ "off",			OFF },
	{ "password-file",		PASSWORDFILE },
	{ "pull-fallback",		PULLFALLBACK },
	{ "registry",			REGISTRY },
	{ "scheduler",			SCHEDULER },
	{ "socket",			SOCKET },
	{ "stop-after-disconnect",	STOPAFTERDISCONNECT },
	{ "stop-grace",			STOPGRACE },
	{ "tls",			TLS },
	{ "user",			USER },
	{ "username",			USERNAME },
	{ "volume",			VOLUME },
};

int
parse_config(const char *filename, struct riklet_conf *conf)
{
	struct riklet_conf	 nconf;
	struct macro		*m;
	struct lexstr		*ls;
	const char		*errstr;

	conf_defaults(&nconf);
	pconf = &nconf;
	errors = lexerr = hostname_set = gc_lineno = 0;
	registry_discard();

	if ((file = pushfile(filename, 0, &errstr)) == NULL) {
		log_warnx("%s: %s", filename, errstr);
		return -1;
	}
	if (yyparse() != 0 && errors == 0)
		errors++;

	while (popfile() != EOF)
		;
	while ((m = TAILQ_FIRST(&macros)) != NULL) {
		TAILQ_REMOVE(&macros, m, entry);
		free(m->name);
		free(m->value);
		free(m);
	}
	while ((ls = SLIST_FIRST(&lexstrs)) != NULL) {
		SLIST_REMOVE_HEAD(&lexstrs, entry);
		free(ls);
	}
	pconf = NULL;
	explicit_bzero(cur_secret, sizeof(cur_secret));

	if (nconf.gc_low >= nconf.gc_high) {
		log_warnx("%s:%d: image-gc: low (%u%%) must be below high "
		    "(%u%%)", gc_file != NULL ? gc_file : filename, gc_lineno,
		    nconf.gc_low, nconf.gc_high);
		errors++;
	}
	free(gc_file);
	gc_file = NULL;
	if (errors == 0 && !hostname_set &&
	    default_hostname(filename, &nconf) == -1)
		errors++;
	if (errors != 0) {
		registry_discard();
		return -1;
	}
	registry_commit();
	*conf = nconf;
	return 0;
}

/* The file being read, with the line of the statement being reduced. */
static void
conf_error(const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errors++;
	if (file != NULL)
		log_warnx("%s:%d: %s", file->name, file->lineno, msg);
	else
		log_warnx("%s", msg);
}

/* The lexer already said what was wrong with this line. */
static void
yyerror(const char *msg)
{
	if (lexerr) {
		lexerr = 0;
		return;
	}
	conf_error("%s", msg);
}

static int
keyword_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct keyword *)e)->name);
}

static int
lgetc(void)
{
	if (file->nungot > 0)
		return file->ungot[--file->nungot];
	return getc(file->stream);
}

static void
lungetc(int c)
{
	if (c != EOF && file->nungot < (int)NELEM(file->ungot))
		file->ungot[file->nungot++] = c;
}

/* Reports, then skips the rest of the line; the grammar sees an ERROR. */
static int
lex_error(const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;
	int	 c;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_error("%s", msg);
	lexerr = 1;
	while ((c = lgetc()) != '\n' && c != EOF)
		;
	lungetc(c);
	return ERROR;
}

static char *
lexstr_new(const char *s, size_t len)
{
	struct lexstr	*ls;

	if ((ls = malloc(sizeof(*ls) + len + 1)) == NULL)
		fatal("%s", __func__);
	memcpy(ls->s, s, len);
	ls->s[len] = '\0';
	SLIST_INSERT_HEAD(&lexstrs, ls, entry);
	return ls->s;
}

/*
 * Line numbers: a '\n' is counted only when the token after it is read,
 * so an error found while reducing a statement (with its '\n' as the
 * lookahead) is reported on the statement's own line.
 */
static int
yylex(void)
{
	int	 c;

top:
	if (file->nlpending) {
		file->lineno++;
		file->nlpending = 0;
	}
	while ((c = lgetc()) == ' ' || c == '\t' || c == '\r' || c == '\\') {
		if (c != '\\')
			continue;
		if ((c = lgetc()) != '\n') {
			lungetc(c);
			c = '\\';
			break;
		}
		file->lineno++;
	}
	if (c == '#')
		while ((c = lgetc()) != '\n' && c != EOF)
			;
	switch (c) {
	case EOF:
		/* A last line without its '\n' still ends a statement. */
		if (file->midline) {
			file->midline = 0;
			return '\n';
		}
		if (popfile() == EOF)
			return 0;
		goto top;
	case '\n':
		file->nlpending = 1;
		file->midline = 0;
		lexerr = 0;
		return '\n';
	}
	file->midline = 1;
	/* To the grammar, a 0 token is the end of input. */
	if (c == '\0')
		return lex_error("NUL character");
	if (c == '$')
		return lex_macro();
	if (c == '"' || c == '\'')
		return lex_quoted(c);
	if (isalnum(c) || (c != '\0' && strchr("-_.:/@+[]", c) != NULL))
		return lex_word(c);
	return c;
}

/* "..." or '...': a backslash escapes the quote, itself or a newline. */
static int
lex_quoted(int quote)
{
	char	 buf[MAXTOKEN];
	size_t	 len = 0;
	int	 c;

	for (;;) {
		if ((c = lgetc()) == EOF || c == '\n') {
			lungetc(c);
			return lex_error("unterminated quoted string");
		}
		if (c == quote)
			break;
		if (c == '\\') {
			c = lgetc();
			if (c == '\n') {
				file->lineno++;
				continue;
			}
			if (c != quote && c != '\\') {
				lungetc(c);
				return lex_error("invalid escape sequence in "
				    "quoted string");
			}
		} else if (iscntrl(c) && c != '\t')
			return lex_error("control character in quoted string");
		if (len == sizeof(buf) - 1)
			return lex_error("string too long");
		buf[len++] = (char)c;
	}
	yylval.string = lexstr_new(buf, len);
	return STRING;
}

static int
lex_word(int c)
{
	char			 buf[MAXTOKEN];
	const struct keyword	*kw;
	size_t			 len = 0;

	do {
		if (len == sizeof(buf) - 1)
			return lex_error("string too long");
		buf[len++] = (char)c;
		c = lgetc();
	} while (isalnum(c) || (c != EOF && c != '\0' &&
	    strchr("-_.:/@+[]", c) != NULL));
	lungetc(c);
	buf[len] = '\0';
	kw = bsearch(buf, keywords, NELEM(keywords), sizeof(keywords[0]),
	    keyword_cmp);
	if (kw != NULL)
		return kw->token;
	yylval.string = lexstr_new(buf, len);
	return STRING;
}

/* $name stands for the macro's value, as one string. */
static int
lex_macro(void)
{
	char		 name[MAXTOKEN];
	const char	*val;
	size_t		 len = 0;
	int		 c;

	while ((c = lgetc()) != EOF && (isalnum(c) || c == '_')) {
		if (len == sizeof(name) - 1)
			return lex_error("macro name too long");
		name[len++] = (char)c;
	}
	lungetc(c);
	name[len] = '\0';
	if (len == 0)
		return lex_error("macro name expected after $");
	if ((val = macro_get(name)) == NULL)
		return lex_error("unknown macro \"%s\"", name);
	yylval.string = lexstr_new(val, strlen(val));
	return STRING;
}

static struct file *
pushfile(const char *name, int depth, const char **errstr)
{
	struct file	*nf;
	struct stat	 st;
	FILE		*f;

	if ((f = fopen(name, "r")) == NULL) {
		*errstr = strerror(errno);
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		*errstr = "not a regular file";
		fclose(f);
		return NULL;
	}
	if ((nf = calloc(1, sizeof(*nf))) == NULL ||
	    (nf->name = strdup(name)) == NULL)
		fatal("%s", __func__);
	nf->stream = f;
	nf->lineno = 1;
	nf->depth = depth;
	TAILQ_INSERT_TAIL(&files, nf, entry);
	return nf;
}

/* Closes the current file; EOF when it was the outermost one. */
static int
popfile(void)
{
	struct file	*prev;

	if (file == NULL)
		return EOF;
	prev = TAILQ_PREV(file, files, entry);
	TAILQ_REMOVE(&files, file, entry);
	fclose(file->stream);
	free(file->name);
	free(file);
	file = prev;
	return file == NULL ? EOF : 0;
}

/* A relative name is taken from the including file's directory. */
static void
include_file(const char *name)
{
	struct file	*nf;
	const char	*slash, *errstr;
	char		*path;

	if (file->depth >= MAXINCLUDE) {
		conf_error("include: nested too deeply (at most %d levels)",
		    MAXINCLUDE);
		return;
	}
	slash = strrchr(file->name, '/');
	if (name[0] == '/' || slash == NULL) {
		if ((path = strdup(name)) == NULL)
			fatal("%s", __func__);
	} else if (asprintf(&path, "%.*s/%s", (int)(slash - file->name),
	    file->name, name) == -1)
		fatal("%s", __func__);
	if ((nf = pushfile(path, file->depth + 1, &errstr)) == NULL)
		conf_error("include \"%s\": %s", path, errstr);
	else
		file = nf;
	free(path);
}

static int
macro_name_ok(const char *name)
{
	if (!isalpha((unsigned char)*name) && *name != '_')
		return 0;
	for (; *name != '\0'; name++)
		if (!isalnum((unsigned char)*name) && *name != '_')
			return 0;
	return 1;
}

/* A macro defined again takes its new value. */
static void
macro_set(const char *name, const char *value)
{
	struct macro	*m;
	char		*v;

	if ((v = strdup(value)) == NULL)
		fatal("%s", __func__);
	TAILQ_FOREACH(m, &macros, entry)
		if (strcmp(m->name, name) == 0) {
			free(m->value);
			m->value = v;
			return;
		}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->name = strdup(name)) == NULL)
		fatal("%s", __func__);
	m->value = v;
	TAILQ_INSERT_TAIL(&macros, m, entry);
}

static const char *
macro_get(const char *name)
{
	struct macro	*m;

	TAILQ_FOREACH(m, &macros, entry)
		if (strcmp(m->name, name) == 0)
			return m->value;
	return NULL;
}

/*
 * Zeroes the whole array first, so the struct holds nothing of an earlier
 * value and equal settings make equal structs.
 */
static void
copy_field(char *dst, size_t size, const char *s)
{
	memset(dst, 0, size);
	(void)strlcpy(dst, s, size);
}

/* 0 when s fits an array of size bytes with its NUL. */
static int
check_length(const char *what, const char *s, size_t size)
{
	if (strlen(s) < size)
		return 0;
	conf_error("%s: too long (at most %zu characters)", what, size - 1);
	return -1;
}

/* host:port, the host a name, an IPv4 address or an [IPv6] address. */
static const char *
check_hostport(const char *s)
{
	char		 host[CONF_HOST_MAX];
	const char	*p, *errstr, *allowed = "-._";
	int		 (*class)(int) = isalnum, r;
	uint16_t	 port;

	if ((r = hostport_parse(s, host, sizeof(host), &port, &errstr)) !=
	    HOSTPORT_OK && r != HOSTPORT_RANGE)
		return "\"host:port\" expected";
	if (*s == '[') {
		allowed = ":.";
		class = isxdigit;
	}
	for (p = host; *p != '\0'; p++)
		if (!class((unsigned char)*p) && strchr(allowed, *p) == NULL)
			return "\"host:port\" expected";
	return errstr;
}

/* The scheduler identifies the node by it and Docker labels carry it. */
static const char *
check_hostname(const char *s)
{
	if (*s == '\0')
		return "must not be empty";
	for (; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return "must not contain spaces or control characters";
	return NULL;
}

/* The POSIX portable user name characters. */
static const char *
check_user(const char *s)
{
	if (*s == '\0')
		return "must not be empty";
	if (*s == '-' || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(s))
		return "invalid user name";
	return NULL;
}

static void
set_scheduler(const char *hostport, const struct tlsopts *tls)
{
	const char	*errstr;

	if (check_length("scheduler", hostport, sizeof(pconf->scheduler)))
		return;
	if ((errstr = check_hostport(hostport)) != NULL) {
		conf_error("scheduler: %s", errstr);
		return;
	}
	if (tls->on && tls->ca == NULL) {
		conf_error("scheduler: tls requires ca");
		return;
	}
	if ((tls->cert == NULL) != (tls->key == NULL)) {
		conf_error("scheduler: %s requires %s",
		    tls->cert != NULL ? "cert" : "key",
		    tls->cert != NULL ? "key" : "cert");
		return;
	}
	copy_field(pconf->scheduler, sizeof(pconf->scheduler), hostport);
	pconf->tls = tls->on;
	memset(pconf->tls_ca, 0, sizeof(pconf->tls_ca));
	memset(pconf->tls_cert, 0, sizeof(pconf->tls_cert));
	memset(pconf->tls_key, 0, sizeof(pconf->tls_key));
	if (tls->ca != NULL)
		set_path("scheduler: ca", pconf->tls_ca, sizeof(pconf->tls_ca),
		    tls->ca);
	if (tls->cert != NULL)
		set_path("scheduler: cert", pconf->tls_cert,
		    sizeof(pconf->tls_cert), tls->cert);
	if (tls->key != NULL)
		set_path("scheduler: key", pconf->tls_key,
		    sizeof(pconf->tls_key), tls->key);
}

static void
set_tlsopt(const char *what, char **opt, char *value)
{
	if (*opt != NULL)
		conf_error("scheduler: %s given twice", what);
	*opt = value;
}

static void
set_hostname(const char *s)
{
	const char	*errstr;

	if (check_length("hostname", s, sizeof(pconf->hostname)))
		return;
	if ((errstr = check_hostname(s)) != NULL) {
		conf_error("hostname: %s", errstr);
		return;
	}
	copy_field(pconf->hostname, sizeof(pconf->hostname), s);
	hostname_set = 1;
}

static void
set_user(const char *s)
{
	const char	*errstr;

	if (check_length("user", s, sizeof(pconf->user)))
		return;
	if ((errstr = check_user(s)) != NULL) {
		conf_error("user: %s", errstr);
		return;
	}
	copy_field(pconf->user, sizeof(pconf->user), s);
}

static void
set_path(const char *what, char *dst, size_t size, const char *s)
{
	if (*s != '/') {
		conf_error("%s: path must be absolute", what);
		return;
	}
	if (check_length(what, s, size) == 0)
		copy_field(dst, size, s);
}

/* A unix socket's path must also fit in a struct sockaddr_un. */
static void
set_socket(const char *what, char *dst, size_t size, const char *s)
{
	struct sockaddr_un	 sun;

	if (*s == '/' && strlen(s) >= sizeof(sun.sun_path)) {
		conf_error("%s: too long for a socket (at most %zu "
		    "characters)", what, sizeof(sun.sun_path) - 1);
		return;
	}
	set_path(what, dst, size, s);
}

static void
set_duration(const char *what, uint64_t *ms, const char *s)
{
	const char	*errstr;

	if (parse_duration(s, ms, &errstr) == -1)
		conf_error("%s: %s", what, errstr);
}

static void
set_parallel(const char *s)
{
	const char	*errstr, *digits = s + (*s == '-');
	long long	 n;

	if (*digits == '\0' || strspn(digits, "0123456789") !=
	    strlen(digits)) {
		conf_error("create-parallel: \"%s\" is not a number", s);
		return;
	}
	n = strtonum(s, 1, MAXPARALLEL, &errstr);
	if (errstr != NULL) {
		conf_error("create-parallel: must be between 1 and %d",
		    MAXPARALLEL);
		return;
	}
	pconf->create_parallel = (uint32_t)n;
}

/* An image reference (imageref.c), as a pod's images are. */
static void
set_infra_image(const char *s)
{
	const char	*why;

	if (check_length("infra image", s, sizeof(pconf->infra_image)))
		return;
	if (!imageref_valid(s, &why)) {
		conf_error("infra image: \"%s\" is not an image name: %s", s,
		    why);
		return;
	}
	copy_field(pconf->infra_image, sizeof(pconf->infra_image), s);
}

/* A hostPath prefix: absolute, in its plain form, not the root. */
static void
add_volume_allow(const char *s)
{
	uint32_t	 i;

	if (check_length("volume allow", s, sizeof(pconf->volume_allow[0])))
		return;
	if (*s != '/') {
		conf_error("volume allow: path must be absolute");
		return;
	}
	if (!path_is_normal(s)) {
		conf_error("volume allow: \"%s\" is not in its plain form "
		    "(no \"..\", \".\", \"//\" or trailing \"/\")", s);
		return;
	}
	if (strcmp(s, "/") == 0) {
		conf_error("volume allow: \"/\" would allow the whole "
		    "filesystem");
		return;
	}
	for (i = 0; i < pconf->nvolume_allow; i++)
		if (strcmp(pconf->volume_allow[i], s) == 0)
			return;
	if (pconf->nvolume_allow >= CONF_VOLUME_ALLOW_MAX) {
		conf_error("volume allow: at most %d prefixes",
		    CONF_VOLUME_ALLOW_MAX);
		return;
	}
	copy_field(pconf->volume_allow[pconf->nvolume_allow],
	    sizeof(pconf->volume_allow[0]), s);
	pconf->nvolume_allow++;
}

/* A number of bytes with an optional unit K, M or G (powers of 1024). */
static void
set_log_size(const char *s)
{
	uint64_t	 n = 0, unit = 1;
	const char	*p;

	/* Past MAXLOGSIZE, n stays there: too large either way. */
	for (p = s; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (uint64_t)(*p - '0')) > MAXLOGSIZE)
			n = MAXLOGSIZE + 1;
	if (p == s || (p[0] != '\0' && p[1] != '\0')) {
		conf_error("log max-size: \"%s\" is not a size (a number "
		    "and K, M or G)", s);
		return;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		unit = UINT64_C(1) << 10;
		break;
	case 'm': case 'M':
		unit = UINT64_C(1) << 20;
		break;
	case 'g': case 'G':
		unit = UINT64_C(1) << 30;
		break;
	default:
		conf_error("log max-size: unknown unit (use K, M or G)");
		return;
	}
	if (n > MAXLOGSIZE / unit || n * unit < MINLOGSIZE) {
		conf_error("log max-size: must be between 1K and 1024G");
		return;
	}
	pconf->log_max_size = n * unit;
}

static void
set_log_files(const char *s)
{
	const char	*errstr;
	long long	 n;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s)) {
		conf_error("log max-files: \"%s\" is not a number", s);
		return;
	}
	n = strtonum(s, 1, MAXLOGFILES, &errstr);
	if (errstr != NULL) {
		conf_error("log max-files: must be between 1 and %d",
		    MAXLOGFILES);
		return;
	}
	pconf->log_max_files = (uint32_t)n;
}

/* The address the scheduler may reach this node at: a literal only. */
static void
set_host_address(const char *s)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (check_length("host address", s, sizeof(pconf->host_address)))
		return;
	if (inet_pton(AF_INET, s, &a4) != 1 &&
	    inet_pton(AF_INET6, s, &a6) != 1) {
		conf_error("host address: \"%s\" is not an IPv4 or IPv6 "
		    "address", s);
		return;
	}
	copy_field(pconf->host_address, sizeof(pconf->host_address), s);
}

/* The Prometheus endpoint's address, checked as prom_open() reads it. */
static void
set_listen(const char *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;

	if (check_length("metrics listen", s, sizeof(pconf->metrics_listen)))
		return;
	if (prom_addr_parse(s, &ss, &len, &errstr) == -1) {
		conf_error("metrics listen: %s", errstr);
		return;
	}
	copy_field(pconf->metrics_listen, sizeof(pconf->metrics_listen), s);
}

/* Called after the parse, when the file named no hostname. */
static int
default_hostname(const char *filename, struct riklet_conf *conf)
{
	char		 name[CONF_HOST_MAX];
	const char	*errstr;

	if (gethostname(name, sizeof(name)) == -1) {
		log_warn("%s: hostname: gethostname", filename);
		return -1;
	}
	name[sizeof(name) - 1] = '\0';
	if ((errstr = check_hostname(name)) != NULL) {
		log_warnx("%s: hostname: the system's host name %s; set "
		    "hostname", filename, errstr);
		return -1;
	}
	copy_field(conf->hostname, sizeof(conf->hostname), name);
	return 0;
}

/* registry "host" { ... }: the host as a reference names it. */
static void
registry_begin(const char *host)
{
	char		 ref[CONF_HOST_MAX + 8];
	const char	*errstr;
	uint32_t	 i;

	memset(&cur_reg, 0, sizeof(cur_reg));
	explicit_bzero(cur_secret, sizeof(cur_secret));
	cur_errors = errors;
	if (check_length("registry", host, sizeof(cur_reg.host)))
		return;
	/* A host with a port, or a name with a dot (imageref.c). */
	(void)snprintf(ref, sizeof(ref), "%s/x", host);
	if (strchr(host, '/') != NULL || ((errstr = check_hostport(host)) !=
	    NULL && strchr(host, '.') == NULL &&
	    strcmp(host, "localhost") != 0) || !imageref_valid(ref, NULL)) {
		conf_error("registry: \"%s\" is not a registry host "
		    "(\"name.domain\", \"host:port\" or \"localhost\")",
		    host);
		return;
	}
	for (i = 0; i < pconf->nregistries; i++)
		if (strcmp(imageref_registry(pconf->registries[i].host),
		    imageref_registry(host)) == 0) {
			conf_error("registry \"%s\": given twice", host);
			return;
		}
	copy_field(cur_reg.host, sizeof(cur_reg.host), host);
}

static void
registry_opt(const char *what, char *dst, size_t size, const char *s)
{
	if (*dst != '\0') {
		conf_error("registry: %s given twice", what);
		return;
	}
	if (check_length(what, s, size) == 0 && *s == '\0')
		conf_error("registry: %s: must not be empty", what);
	else if (strpbrk(s, "\n\r") == NULL)
		copy_field(dst, size, s);
}

/* The file is read now, so that its errors have its line. */
static void
registry_file(const char *what, char *dst, size_t size, const char *s)
{
	const char	*errstr;

	if (cur_reg.password_file[0] != '\0' ||
	    cur_reg.token_file[0] != '\0') {
		conf_error("registry: one password-file or "
		    "identity-token-file");
		return;
	}
	set_path(what, dst, size, s);
	if (*dst == '\0')
		return;
	if (registry_read_secret(dst, cur_secret, sizeof(cur_secret),
	    &errstr) == -1)
		conf_error("registry: %s \"%s\": %s", what, dst, errstr);
}

static void
registry_end(void)
{
	char	*auth;

	if (errors != cur_errors || cur_reg.host[0] == '\0')
		goto done;
	if (cur_reg.password_file[0] == '\0' &&
	    cur_reg.token_file[0] == '\0') {
		conf_error("registry \"%s\": password-file or "
		    "identity-token-file expected", cur_reg.host);
		goto done;
	}
	if ((cur_reg.username[0] == '\0') !=
	    (cur_reg.token_file[0] != '\0')) {
		conf_error("registry \"%s\": username goes with "
		    "password-file, not with identity-token-file",
		    cur_reg.host);
		goto done;
	}
	if (pconf->nregistries >= CONF_REGISTRY_MAX) {
		conf_error("registry: at most %d registries",
		    CONF_REGISTRY_MAX);
		goto done;
	}
	if ((auth = malloc(RT_REGISTRY_AUTH_MAX)) == NULL)
		fatal("%s", __func__);
	if (registry_auth(&cur_reg, cur_secret, auth,
	    RT_REGISTRY_AUTH_MAX) == -1)
		conf_error("registry \"%s\": credentials too long",
		    cur_reg.host);
	else {
		registry_pending(pconf->nregistries, cur_secret);
		pconf->registries[pconf->nregistries++] = cur_reg;
	}
	freezero(auth, RT_REGISTRY_AUTH_MAX);
done:
	explicit_bzero(cur_secret, sizeof(cur_secret));
}

static void
set_pull_fallback(const char *s)
{
	if (strcmp(s, "yes") == 0)
		pconf->pull_fallback = 1;
	else if (strcmp(s, "no") == 0)
		pconf->pull_fallback = 0;
	else
		conf_error("pull-fallback: \"%s\": yes or no expected", s);
}

/* A whole percentage, 1 to 100 (the '%' is the grammar's). */
static void
set_percent(const char *what, uint32_t *pct, const char *s)
{
	const char	*errstr;
	long long	 n;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s)) {
		conf_error("%s: \"%s\" is not a percentage", what, s);
		return;
	}
	n = strtonum(s, 1, 100, &errstr);
	if (errstr != NULL) {
		conf_error("%s: must be between 1%% and 100%%", what);
		return;
	}
	*pct = (uint32_t)n;
}
