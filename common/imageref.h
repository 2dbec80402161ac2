/*
 * Docker's image reference grammar, the one place riklet knows it: an
 * image name reaches the Engine API in a URL path and a query string,
 * so it must be a reference and nothing else.
 */
#ifndef RIKLET_IMAGEREF_H
#define RIKLET_IMAGEREF_H

#define IMAGEREF_NAME_MAX	255	/* host and path, without tag or digest */
#define IMAGEREF_TAG_MAX	128

#define IMAGEREF_DOCKER_HUB	"docker.io"

int	imageref_valid(const char *, const char **);
int	imageref_host(const char *, char *, size_t);
const char *imageref_registry(const char *);
int	imageref_floating(const char *);

#endif
