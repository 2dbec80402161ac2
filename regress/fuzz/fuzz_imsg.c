/*
 * libFuzzer target: the imsg reader against whatever a compromised child
 * could write on its socket.  The bytes go through a real socketpair in
 * pieces whose size the input picks, so split and coalesced messages are
 * both read.  An odd first byte puts first a message carrying a
 * descriptor, written by imsg's own writer, so that the descriptor
 * bookkeeping meets whatever headers follow.
 */
#include <sys/socket.h>

#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 128 KB of read buffer each: not on the stack. */
static struct imsgbuf	 ibuf, wbuf;

static void
send_piece(int fd, const uint8_t *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		abort();
}

/* Takes every whole message off the buffer; -1 once the stream is bad. */
static int
drain(void)
{
	struct imsg	 imsg;
	const char	*s;
	ssize_t		 n;

	while ((n = imsg_get(&ibuf, &imsg)) > 0) {
		assert((size_t)n == imsg.hdr.len);
		assert(imsg.datalen == imsg.hdr.len - IMSG_HEADER_SIZE);
		assert(((const char *)imsg.data)[imsg.datalen] == '\0');
		if ((s = imsg_string(&imsg, 0)) != NULL)
			assert(strlen(s) == imsg.datalen - 1);
		if (imsg.datalen > 0)
			(void)imsg_string(&imsg, imsg.datalen / 2);
		if (imsg.fd != -1)
			close(imsg.fd);
		imsg_free(&imsg);
	}
	return n == -1 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 step, off, n;
	int	 sp[2], passfd;

	if (size < 1)
		return 0;
	step = 1 + (size_t)data[0] * 64;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		abort();
	/* Room for the largest piece, so a send never blocks. */
	n = 256 * 1024;
	(void)setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &n, sizeof(int));
	(void)setsockopt(sp[0], SOL_SOCKET, SO_RCVBUF, &n, sizeof(int));
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1)
		abort();
	imsgbuf_init(&ibuf, sp[0]);
	if (data[0] & 1) {
		imsgbuf_init(&wbuf, sp[1]);
		if ((passfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
		    imsg_compose(&wbuf, 0, 0, 0, passfd, NULL, 0) == -1 ||
		    imsgbuf_flush(&wbuf) == -1)
			abort();
		imsgbuf_clear(&wbuf);
	}
	for (off = 1; off < size; off += n) {
		n = size - off < step ? size - off : step;
		send_piece(sp[1], data + off, n);
		while (imsgbuf_read(&ibuf) > 0)
			if (drain() == -1)
				goto done;
		if (drain() == -1)
			break;
	}
 done:
	imsgbuf_clear(&ibuf);
	close(sp[0]);
	close(sp[1]);
	return 0;
}
