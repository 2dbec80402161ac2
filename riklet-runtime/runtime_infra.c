/*
 * The pods' infra image.  riklet's own, riklet/pause:<version>, is made
 * here from the riklet-pause program the parent hands over as an open
 * file (this process opens nothing once confined): a tar of one file,
 * /pause, imported into the engine (POST /images/create?fromSrc=-) at
 * each engine start when the engine lacks that tag, so no registry is
 * ever needed.  The image is labelled with a checksum of the program
 * (riklet.pause.sum); an image of that tag made from another program (a
 * rebuilt riklet of the same version, whose pause may know other probe
 * modes) is imported again over it.  The file stays open and is read (pread) for each import
 * only: the tar is the size of the program, not worth keeping resident
 * for the rare import.  An operator's own infra image (infra image in
 * riklet.conf) is pulled like any other image when a pod needs it.
 *
 * Creates wait until the engine has been checked once (a create whose
 * infra image has gone since imports or pulls it itself); a pod whose
 * infra image cannot be had fails with InfraUnavailable and says why.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "runtime.h"

#ifndef RIKLET_VERSION
#error "RIKLET_VERSION: the Makefile gives it, from the file VERSION"
#endif

#define PAUSE_FILE_MAX		(8 * 1024 * 1024)
#define TAR_BLOCK		512
#define INFRA_IMPORT_MS		60000
#define PAUSE_SUM_LABEL		"riklet.pause.sum"
#define PAUSE_READ_CHUNK	(64 * 1024)

enum infra_state {
	INFRA_IDLE,		/* the engine has not been checked */
	INFRA_CHECKING,		/* GET, maybe an import, under way */
	INFRA_DONE		/* creates may go */
};

static void	infra_check(void);
static void	infra_checked(struct http_req *, void *);
static void	infra_imported(struct http_req *, void *);
static void	infra_verified(struct http_req *, void *);
static void	infra_settle(void);
static unsigned char *pause_tar(size_t *);
static void	tar_octal(char *, size_t, uint64_t);
static int	pause_checksum(int, size_t, char *, size_t);

static enum infra_state	 infra_state;
static int		 pause_known;	/* the parent has said */
static int		 pause_fd = -1;
static size_t		 pause_len;
static char		 pause_why[RIK_MESSAGE_MAX];
static char		 pause_sum[17];	/* FNV-1a 64 of the program, hex */

/* The image every pod's infra container runs. */
const char *
infra_image(void)
{
	if (runtime_conf.infra_image[0] != '\0')
		return runtime_conf.infra_image;
	return INFRA_IMAGE_REPO ":" RIKLET_VERSION;
}

/* Whether it is riklet's own, which is imported, never pulled. */
int
infra_is_ours(void)
{
	return runtime_conf.infra_image[0] == '\0';
}

/* Creates may start: the engine has been checked for the infra image. */
int
infra_ready(void)
{
	return infra_state == INFRA_DONE;
}

/* Why riklet's own image cannot be imported, for a FAILED pod. */
const char *
infra_unavailable(void)
{
	return pause_why[0] != '\0' ? pause_why :
	    "riklet-pause was not handed over";
}

/*
 * IMSG_RT_PAUSE: the riklet-pause program as an open file, or none and
 * why.  The file is kept (an import reads it); fd is ours.
 */
void
infra_pause(int fd, const char *why)
{
	struct stat	 st;

	if (pause_fd != -1)
		close(pause_fd);
	pause_fd = -1;
	pause_len = 0;
	pause_known = 1;
	(void)strlcpy(pause_why, why, sizeof(pause_why));
	if (fd == -1) {
		if (infra_is_ours())
			log_warnx("no riklet-pause: %s", pause_why);
		goto done;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > PAUSE_FILE_MAX) {
		(void)snprintf(pause_why, sizeof(pause_why), "riklet-pause: "
		    "not a regular file of at most %d bytes", PAUSE_FILE_MAX);
		close(fd);
		goto done;
	}
	if (pause_checksum(fd, (size_t)st.st_size, pause_sum,
	    sizeof(pause_sum)) == -1) {
		(void)snprintf(pause_why, sizeof(pause_why), "riklet-pause: "
		    "cannot be read: %s", strerror(errno));
		close(fd);
		goto done;
	}
	pause_fd = fd;
	pause_len = (size_t)st.st_size;
	pause_why[0] = '\0';
	log_debug("riklet-pause: %zu bytes, sum %s", pause_len, pause_sum);
 done:
	/* A new program (a reload): check the engine again. */
	if (runtime_engine_up() && infra_state != INFRA_CHECKING)
		infra_check();
}

/*
 * FNV-1a 64 of the len bytes of fd, in hex: tells one riklet-pause from
 * another (not a defence: the file is root's, and so is the engine).
 */
static int
pause_checksum(int fd, size_t len, char *hex, size_t size)
{
	unsigned char	*buf;
	uint64_t	 h = UINT64_C(14695981039346656037);
	size_t		 off = 0, i;
	ssize_t		 n;

	if ((buf = malloc(PAUSE_READ_CHUNK)) == NULL)
		fatal("%s", __func__);
	while (off < len) {
		n = pread(fd, buf, len - off < PAUSE_READ_CHUNK ? len - off :
		    PAUSE_READ_CHUNK, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			free(buf);
			return -1;
		}
		for (i = 0; i < (size_t)n; i++) {
			h ^= buf[i];
			h *= UINT64_C(1099511628211);
		}
		off += (size_t)n;
	}
	free(buf);
	(void)snprintf(hex, size, "%016" PRIx64, h);
	return 0;
}

/*
 * Whether an image inspect (GET /images/{name}/json) shows the image
 * made from the riklet-pause this process holds: 1, else 0.
 */
int
infra_image_current(const char *body, size_t len, const char *sum)
{
	json_t		*j, *v;
	int		 same;

	if ((j = json_loadb(body, len, 0, NULL)) == NULL)
		return 0;
	v = json_object_get(json_object_get(json_object_get(j, "Config"),
	    "Labels"), PAUSE_SUM_LABEL);
	same = json_is_string(v) && strcmp(json_string_value(v), sum) == 0;
	json_decref(j);
	return same;
}

/*
 * The tar of riklet-pause, read from its start now; NULL, and pause_why
 * says why, when the file cannot be read whole.
 */
static unsigned char *
pause_tar(size_t *tarlen)
{
	unsigned char	*data, *tar = NULL;
	size_t		 len = 0;
	ssize_t		 n;

	if (pause_fd == -1)
		return NULL;
	if ((data = malloc(pause_len)) == NULL)
		fatal("%s", __func__);
	while (len < pause_len) {
		if ((n = pread(pause_fd, data + len, pause_len - len,
		    (off_t)len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)snprintf(pause_why, sizeof(pause_why),
			    "riklet-pause: short read: %s",
			    n == 0 ? "end of file" : strerror(errno));
			log_warnx("%s", pause_why);
			goto done;
		}
		len += (size_t)n;
	}
	if (tar_one_file("pause", 0755, data, len, &tar, tarlen) == -1)
		fatal("%s: tar", __func__);
 done:
	free(data);
	return tar;
}

/* The engine is (back) up: does it have our image? */
void
infra_engine_up(void)
{
	if (infra_state != INFRA_CHECKING)
		infra_check();
}

static void
infra_check(void)
{
	char	 path[1024];

	if (!pause_known) {
		/* The parent's IMSG_RT_PAUSE will start the check. */
		infra_state = INFRA_IDLE;
		return;
	}
	if (!infra_is_ours()) {
		infra_settle();
		return;
	}
	infra_state = INFRA_CHECKING;
	if (docker_image_path(path, sizeof(path), infra_image(), "/json") ==
	    -1 || http_request("GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX, infra_checked, NULL) == NULL) {
		log_warnx("infra image: cannot ask the engine");
		infra_settle();
	}
}

static void
infra_checked(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);

	(void)arg;
	/*
	 * Whatever the answer, creates may go: a create whose infra image
	 * is missing imports it itself.
	 */
	if (res->error != NULL) {
		log_warnx("infra image %s: %s", infra_image(), res->error);
		runtime_engine_lost(res->error);
		infra_settle();
		return;
	}
	if (res->status == 200 && (pause_fd == -1 ||
	    infra_image_current(res->body, res->len, pause_sum))) {
		log_debug("infra image %s is there", infra_image());
		infra_settle();
		return;
	}
	if (res->status == 200)
		log_info("infra image %s was made from another riklet-pause: "
		    "importing this one (sum %s) over it", infra_image(),
		    pause_sum);
	else if (res->status != 404 || pause_fd == -1) {
		log_warnx("infra image %s: %s", infra_image(), res->status ==
		    404 ? infra_unavailable() : "the engine cannot say");
		infra_settle();
		return;
	}
	if (infra_import(infra_imported, NULL) == NULL)
		infra_settle();
}

/*
 * POST /images/create?fromSrc=- with riklet-pause as /pause, its entry.
 * The tag goes in repo ("riklet/pause:<version>"): Docker reads it there
 * as well as in tag, Podman 4.3 only there (its tag is ignored: the
 * image would be riklet/pause:latest).
 */
struct http_req *
infra_import(http_done_cb done, void *arg)
{
	struct http_req	*r;
	unsigned char	*tar;
	size_t		 tarlen;
	char		 path[512], repo[128];

	if ((tar = pause_tar(&tarlen)) == NULL)
		return NULL;
	(void)docker_escape(repo, sizeof(repo), INFRA_IMAGE_REPO ":"
	    RIKLET_VERSION);
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/images/create?fromSrc=-&repo=%s&changes="
	    "ENTRYPOINT%%20%%5B%%22%%2Fpause%%22%%5D&changes="
	    "LABEL%%20" PAUSE_SUM_LABEL "%%3D%s", repo, pause_sum);
	log_info("importing the infra image %s", infra_image());
	/* The request has its own copy of the body. */
	r = http_upload("POST", path, tar, tarlen, "application/x-tar",
	    INFRA_IMPORT_MS, HTTP_BODY_MAX, done, arg);
	free(tar);
	return r;
}

/*
 * The import's answer is a stream of JSON lines, with an "error" member
 * if it failed: 0 and nothing in msg if none says so.
 */
int
infra_import_error(const struct http_result *res, char *msg, size_t len)
{
	const char	*p, *nl;
	json_t		*j, *e;

	msg[0] = '\0';
	if (res->error != NULL || res->status != 200) {
		docker_error(res, msg, len);
		return -1;
	}
	for (p = res->body; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		j = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (json_is_string(e = json_object_get(j, "error")))
			(void)snprintf(msg, len, "import: %s",
			    json_string_value(e));
		json_decref(j);
		if (msg[0] != '\0')
			return -1;
		if (*nl == '\0')
			break;
	}
	return 0;
}

static void
infra_imported(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 msg[RIK_MESSAGE_MAX], path[1024];

	(void)arg;
	if (infra_import_error(res, msg, sizeof(msg)) == -1) {
		log_warnx("infra image %s: %s", infra_image(), msg);
		if (res->error != NULL)
			runtime_engine_lost(res->error);
		infra_settle();
		return;
	}
	/* Said and done: the engine must now know the tag. */
	if (docker_image_path(path, sizeof(path), infra_image(), "/json") ==
	    -1 || http_request("GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX, infra_verified, NULL) == NULL)
		infra_settle();
}

static void
infra_verified(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);

	(void)arg;
	if (res->error == NULL && res->status == 200)
		log_info("imported the infra image %s", infra_image());
	else
		log_warnx("infra image %s: imported, yet the engine does "
		    "not have it (HTTP %ld)", infra_image(), res->status);
	infra_settle();
}

static void
infra_settle(void)
{
	infra_state = INFRA_DONE;
	pod_schedule();
}

/* A right-aligned, NUL-terminated octal number of size - 1 digits. */
static void
tar_octal(char *field, size_t size, uint64_t v)
{
	size_t	 i = size - 1;

	field[i] = '\0';
	while (i-- > 0) {
		field[i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

/*
 * A POSIX ustar archive of one regular file owned by root, dated the
 * epoch (the image is the same from one import to the next): a header,
 * the data padded to a block, two empty blocks.
 */
int
tar_one_file(const char *name, unsigned int mode, const void *data,
    size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char	*t, *h;
	size_t		 total, i;
	unsigned int	 sum = 0;

	if (strlen(name) >= 100 || len > (size_t)UINT32_MAX)
		return -1;
	total = TAR_BLOCK + (len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK +
	    2 * TAR_BLOCK;
	if ((t = calloc(1, total)) == NULL)
		return -1;
	h = t;
	memcpy(h, name, strlen(name));
	tar_octal((char *)h + 100, 8, mode & 07777);
	tar_octal((char *)h + 108, 8, 0);		/* uid */
	tar_octal((char *)h + 116, 8, 0);		/* gid */
	tar_octal((char *)h + 124, 12, len);
	tar_octal((char *)h + 136, 12, 0);		/* mtime */
	h[156] = '0';					/* a regular file */
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	/* The checksum counts its own field as eight spaces. */
	memset(h + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	tar_octal((char *)h + 148, 7, sum);
	h[155] = ' ';
	memcpy(t + TAR_BLOCK, data, len);
	*out = t;
	*outlen = total;
	return 0;
}
