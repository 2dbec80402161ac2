/*
 * Framed messages over a unix socketpair, in the spirit of OpenBSD's
 * imsg(3) but written for riklet: a 16-byte header, a hard maximum
 * message size, a queued non-blocking writer and descriptor passing.
 */
#ifndef RIKLET_IMSG_H
#define RIKLET_IMSG_H

#include <sys/types.h>
#include <sys/uio.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/queue.h>

#define IMSG_HEADER_SIZE	16
#define IMSG_MAX_SIZE		(64 * 1024)	/* header included */
#define IMSG_MAX_FDS		16		/* received, not yet claimed */
#define IMSG_DEFAULT_QUEUE	(16 * 1024 * 1024)

/* The top bit of the length word says "a descriptor travels with this". */
#define IMSG_LEN_HASFD		0x80000000U
#define IMSG_LEN_MASK		0x7fffffffU

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;		/* header + data, plus IMSG_LEN_HASFD */
	uint32_t	 peerid;
	uint32_t	 pid;
};

struct imsg {
	struct imsg_hdr	 hdr;
	int		 fd;		/* -1 when none was passed */
	size_t		 datalen;
	void		*data;		/* NUL-padded by one byte, see imsg_get */
};

struct imsg_out {
	TAILQ_ENTRY(imsg_out)	 entry;
	size_t			 len;
	size_t			 off;
	int			 fd;
	unsigned char		 buf[];
};

struct imsgbuf {
	int			 fd;
	pid_t			 pid;
	TAILQ_HEAD(, imsg_out)	 outq;
	size_t			 queued;	/* bytes waiting to be written */
	size_t			 maxqueued;
	unsigned char		 rbuf[2 * IMSG_MAX_SIZE];
	size_t			 rlen;
	int			 fds[IMSG_MAX_FDS];
	size_t			 nfds;
};

void	 imsgbuf_init(struct imsgbuf *, int);
void	 imsgbuf_clear(struct imsgbuf *);
ssize_t	 imsgbuf_read(struct imsgbuf *);
int	 imsgbuf_write(struct imsgbuf *);
int	 imsgbuf_flush(struct imsgbuf *);
size_t	 imsgbuf_queued(const struct imsgbuf *);
ssize_t	 imsg_get(struct imsgbuf *, struct imsg *);
int	 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsg_composev(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const struct iovec *, int);
void	 imsg_free(struct imsg *);
const char *imsg_string(const struct imsg *, size_t);

#endif
