/*
 * riklet's message framing.  A reader may see a message split over many
 * reads or several messages in one; imsg_get() hands out whole messages
 * only and rejects any header that could not come from a sane peer.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#define IMSG_CMSG_SPACE	CMSG_SPACE(sizeof(int) * IMSG_MAX_FDS)

static void	imsgbuf_drop_fds(struct imsgbuf *);

/*
 * Every member but the read buffer: rbuf is written before it is read,
 * and zeroing its 128 KiB would make every page of it resident in every
 * process (one buffer a child, one a child in the parent) for nothing.
 */
void
imsgbuf_init(struct imsgbuf *ibuf, int fd)
{
	ibuf->fd = fd;
	ibuf->pid = getpid();
	TAILQ_INIT(&ibuf->outq);
	ibuf->queued = 0;
	ibuf->maxqueued = IMSG_DEFAULT_QUEUE;
	ibuf->rlen = 0;
	memset(ibuf->fds, 0, sizeof(ibuf->fds));
	ibuf->nfds = 0;
}

static void
imsgbuf_drop_fds(struct imsgbuf *ibuf)
{
	size_t	 i;

	for (i = 0; i < ibuf->nfds; i++)
		close(ibuf->fds[i]);
	ibuf->nfds = 0;
}

void
imsgbuf_clear(struct imsgbuf *ibuf)
{
	struct imsg_out	*m;

	while ((m = TAILQ_FIRST(&ibuf->outq)) != NULL) {
		TAILQ_REMOVE(&ibuf->outq, m, entry);
		if (m->fd != -1)
			close(m->fd);
		free(m);
	}
	ibuf->queued = 0;
	ibuf->rlen = 0;
	imsgbuf_drop_fds(ibuf);
}

size_t
imsgbuf_queued(const struct imsgbuf *ibuf)
{
	return ibuf->queued;
}

/*
 * Returns the number of bytes read, 0 when the peer has closed, -1 on
 * error with errno set (EAGAIN when nothing is there yet, EMSGSIZE when
 * descriptors were truncated, ENOBUFS when the buffer is full).
 */
ssize_t
imsgbuf_read(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[IMSG_CMSG_SPACE];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	size_t		 i, nfd;
	int		*fdp;

	if (ibuf->rlen >= sizeof(ibuf->rbuf)) {
		errno = ENOBUFS;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = ibuf->rbuf + ibuf->rlen;
	iov.iov_len = sizeof(ibuf->rbuf) - ibuf->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(ibuf->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;

	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fdp = (int *)CMSG_DATA(cmsg);
		for (i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, fdp + i, sizeof(fd));
			/* Belt and braces: MSG_CMSG_CLOEXEC already did it. */
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			if (ibuf->nfds < IMSG_MAX_FDS)
				ibuf->fds[ibuf->nfds++] = fd;
			else
				close(fd);
		}
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		/* A descriptor was lost: the stream can no longer be trusted. */
		imsgbuf_drop_fds(ibuf);
		errno = EMSGSIZE;
		return -1;
	}
	ibuf->rlen += (size_t)n;
	return n;
}

/*
 * Takes one whole message off the read buffer.  Returns its size, 0 when
 * no whole message is buffered yet, or -1 with errno EBADMSG for a header
 * that is out of bounds or announces a descriptor that never came.
 */
ssize_t
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 len;

	memset(imsg, 0, sizeof(*imsg));
	imsg->fd = -1;
	if (ibuf->rlen < IMSG_HEADER_SIZE)
		return 0;
	memcpy(&hdr, ibuf->rbuf, sizeof(hdr));
	len = hdr.len & IMSG_LEN_MASK;
	if (len < IMSG_HEADER_SIZE || len > IMSG_MAX_SIZE) {
		errno = EBADMSG;
		return -1;
	}
	if (ibuf->rlen < len)
		return 0;
	if (hdr.len & IMSG_LEN_HASFD) {
		if (ibuf->nfds == 0) {
			errno = EBADMSG;
			return -1;
		}
		imsg->fd = ibuf->fds[0];
		memmove(ibuf->fds, ibuf->fds + 1,
		    (ibuf->nfds - 1) * sizeof(int));
		ibuf->nfds--;
	}
	imsg->hdr = hdr;
	imsg->hdr.len = (uint32_t)len;
	imsg->datalen = len - IMSG_HEADER_SIZE;
	/* One spare NUL byte so that a string check can never run off. */
	if ((imsg->data = malloc(imsg->datalen + 1)) == NULL) {
		if (imsg->fd != -1)
			close(imsg->fd);
		imsg->fd = -1;
		return -1;
	}
	memcpy(imsg->data, ibuf->rbuf + IMSG_HEADER_SIZE, imsg->datalen);
	((char *)imsg->data)[imsg->datalen] = '\0';
	memmove(ibuf->rbuf, ibuf->rbuf + len, ibuf->rlen - len);
	ibuf->rlen -= len;
	return (ssize_t)len;
}

void
imsg_free(struct imsg *imsg)
{
	free(imsg->data);
	imsg->data = NULL;
	imsg->datalen = 0;
}

/*
 * Returns the payload starting at offset as a string if it is
 * NUL-terminated exactly at the end of the message, NULL otherwise.
 */
const char *
imsg_string(const struct imsg *imsg, size_t off)
{
	const char	*s;

	if (off >= imsg->datalen)
		return NULL;
	s = (const char *)imsg->data + off;
	if (memchr(s, '\0', imsg->datalen - off) != s + imsg->datalen - off - 1)
		return NULL;
	return s;
}

int
imsg_composev(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_out	*m;
	struct imsg_hdr	 hdr;
	size_t		 len = IMSG_HEADER_SIZE, off;
	int		 i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > IMSG_MAX_SIZE) {
			errno = EMSGSIZE;
			return -1;
		}
		len += iov[i].iov_len;
	}
	if (len > IMSG_MAX_SIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	if (ibuf->queued + len > ibuf->maxqueued) {
		errno = ENOBUFS;
		return -1;
	}
	if ((m = malloc(sizeof(*m) + len)) == NULL)
		return -1;
	hdr.type = type;
	hdr.len = (uint32_t)len | (fd != -1 ? IMSG_LEN_HASFD : 0);
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)(pid == 0 ? ibuf->pid : pid);
	memcpy(m->buf, &hdr, sizeof(hdr));
	off = IMSG_HEADER_SIZE;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0)
			memcpy(m->buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	m->len = len;
	m->off = 0;
	m->fd = fd;
	TAILQ_INSERT_TAIL(&ibuf->outq, m, entry);
	ibuf->queued += len;
	return 0;
}

int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const void *data, size_t datalen)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return imsg_composev(ibuf, type, peerid, pid, fd, &iov,
	    datalen > 0 ? 1 : 0);
}

/*
 * Writes as much of the queue as the socket takes.  A message carrying a
 * descriptor goes alone in its own sendmsg() so that the descriptor
 * arrives with the first byte of its message.  Returns 0 (the queue may
 * not be empty yet) or -1 with errno set; EAGAIN is not an error.
 */
int
imsgbuf_write(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct iovec	 iov[64];
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct imsg_out	*m;
	ssize_t		 n;
	size_t		 done;
	int		 iovcnt;

	while ((m = TAILQ_FIRST(&ibuf->outq)) != NULL) {
		memset(&msg, 0, sizeof(msg));
		iovcnt = 0;
		if (m->fd != -1) {
			iov[0].iov_base = m->buf + m->off;
			iov[0].iov_len = m->len - m->off;
			iovcnt = 1;
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &m->fd, sizeof(int));
		} else {
			struct imsg_out	*q;

			for (q = m; q != NULL && iovcnt < 64 && q->fd == -1;
			    q = TAILQ_NEXT(q, entry)) {
				iov[iovcnt].iov_base = q->buf + q->off;
				iov[iovcnt].iov_len = q->len - q->off;
				iovcnt++;
			}
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = iovcnt;
		do {
			n = sendmsg(ibuf->fd, &msg, MSG_NOSIGNAL);
		} while (n == -1 && errno == EINTR);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return 0;
			return -1;
		}
		if (m->fd != -1 && n > 0) {
			/* The peer has its copy now. */
			close(m->fd);
			m->fd = -1;
		}
		done = (size_t)n;
		ibuf->queued -= done;
		while (done > 0 && (m = TAILQ_FIRST(&ibuf->outq)) != NULL) {
			size_t left = m->len - m->off;

			if (done < left) {
				m->off += done;
				break;
			}
			done -= left;
			TAILQ_REMOVE(&ibuf->outq, m, entry);
			free(m);
		}
	}
	return 0;
}

/* Blocks until the whole queue is written; for the shutdown path and tests. */
int
imsgbuf_flush(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;

	while (!TAILQ_EMPTY(&ibuf->outq)) {
		if (imsgbuf_write(ibuf) == -1)
			return -1;
		if (TAILQ_EMPTY(&ibuf->outq))
			break;
		pfd.fd = ibuf->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}
