/*
 * A stand-in for the engine in tests: an HTTP server (or anything) on a
 * unix socket, one process per connection.
 */
#ifndef RIKLET_UNIXSRV_H
#define RIKLET_UNIXSRV_H

#include <sys/types.h>

#include <stddef.h>

pid_t	unixsrv_start(const char *, void (*)(int));
void	unixsrv_stop(pid_t, const char *);
void	unixsrv_write(int, const void *, size_t);

#endif
