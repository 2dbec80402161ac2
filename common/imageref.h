/*
 * Docker's image reference grammar, the one place riklet knows it: an
 * image name reaches the Engine API in a URL path and a query string,
 * so it must be a reference and nothing else.
 */
#ifndef RIKLET_IMAGEREF_H
#define RIKLET_IMAGEREF_H

#define IMAGEREF_NAME_MAX	255	/* host and path, without tag or digest */
#define IMAGEREF_TAG_MAX	128

int	imageref_valid(const char *, const char **);

#endif
