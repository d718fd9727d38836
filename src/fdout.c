// SPDX-License-Identifier: MIT
/*
 * fdout.c - one stream to a pipe or file descriptor (dgen-uring --stdout)
 *
 * No O_DIRECT here, but no copy the kernel does not need either. To a
 * pipe, filled buffers are handed over with vmsplice(2): the pipe takes
 * references to our pages instead of copying them, and the reader's
 * read(2) is the only copy. Elsewhere (a file, a terminal) write(2).
 *
 * The catch with vmsplice without SPLICE_F_GIFT is that the pipe holds our
 * pages, not a copy, until the reader has consumed them: refilling a
 * buffer too early would change data the reader has not read yet. We use
 * a ring of buffers larger than the pipe: a buffer is refilled only after
 * at least the pipe's capacity has been pushed after it, and the pipe
 * cannot hold more than its capacity, so by then every page of the old
 * buffer has left the pipe. The capacity is read again (F_GETPIPE_SZ)
 * before each reuse: should the reader grow the pipe beyond the ring, the
 * rest goes out with write(2), from fresh pages. The buffers are mmap(2)ed,
 * not malloc'ed: munmap leaves pages the pipe still holds to the pipe,
 * where free() would hand their addresses to the next malloc. (A reader that splices our pages onward,
 * e.g. into a socket, could still hold them; DGEN_FD_NO_SPLICE, or
 * dgen-uring's --no-splice, is for such readers.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <dgen/fdout.h>

#include "clock.h"
#include "fdout_impl.h"

#define CHUNK		(256u << 10)	/* bytes per vmsplice or write */
#define PIPE_WANT	(1u << 20)	/* pipe size asked for: fewer wakeups */

static uint8_t *ring_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Push @len bytes at @p, by vmsplice or write. Returns 0, 1 when the
 * reader closed the pipe, or a negative errno; *@pushed counts what went.
 */
static int push(int fd, const uint8_t *p, size_t len, int splice,
		const struct fd_tick *t, uint64_t *pushed, uint64_t *done)
{
	while (len) {
		struct iovec iov = { (void *)p, len };
		ssize_t n = splice ? vmsplice(fd, &iov, 1, 0) : write(fd, p, len);

		if (n < 0 && errno == EINTR) {
			if (t->fn(t->arg, *pushed))
				return 0;
			continue;
		}
		if (n < 0 && errno == EPIPE)
			return 1;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		*pushed += (uint64_t)n;
		if (done)
			__atomic_store_n(done, *pushed, __ATOMIC_RELAXED);
	}
	return 0;
}

/* The public call's tick: only the caller's stop flag. */
static int stop_tick(void *arg, uint64_t bytes)
{
	const volatile int *stop = arg;

	(void)bytes;
	return stop && *stop;
}

int dgen_stream_write_fd(const struct dgen_stream *s, int fd,
			 unsigned int flags, const volatile int *stop,
			 uint64_t *bytes_done, struct dgen_fd_result *res)
{
	const struct fd_tick t = { stop_tick, (void *)stop };

	return fd_write(s, fd, flags, &t, bytes_done, res);
}

int fd_write(const struct dgen_stream *s, int fd, unsigned int flags,
	     const struct fd_tick *tick, uint64_t *bytes_done,
	     struct dgen_fd_result *res)
{
	const uint64_t size = dgen_stream_params_get(s)->size;
	uint64_t t0 = dgen_clock_ns(), pos = 0, *pushed_at = NULL;
	unsigned int nbuf = 1, b = 0;
	uint8_t *mem = NULL;
	struct stat st;
	int r = 0, splice = 0;

	memset(res, 0, sizeof(*res));
	if (fstat(fd, &st))
		return -errno;
	if (S_ISFIFO(st.st_mode)) {
		int psz;

		/* A larger pipe means fewer reader wakeups; not fatal when
		 * the limit (fs.pipe-max-size) refuses it. */
		fcntl(fd, F_SETPIPE_SZ, PIPE_WANT);
		psz = fcntl(fd, F_GETPIPE_SZ);
		if (psz > 0) {
			res->pipe_size = (uint32_t)psz;
			splice = !(flags & DGEN_FD_NO_SPLICE);
		}
	}
	if (splice)
		nbuf = (res->pipe_size + CHUNK - 1) / CHUNK + 2;
	mem = ring_map((size_t)nbuf * CHUNK);
	if (!mem)
		return -ENOMEM;
	pushed_at = calloc(nbuf, sizeof(*pushed_at));
	if (!pushed_at) {
		r = -ENOMEM;
		goto out;
	}
	res->spliced = splice;
	while (pos < size && !tick->fn(tick->arg, res->bytes)) {
		size_t n = size - pos < CHUNK ? (size_t)(size - pos) : CHUNK;
		uint8_t *p = mem + (size_t)b * CHUNK;

		if (splice && pushed_at[b]) {
			/* The rule above: pipe capacity pushed since. */
			int psz = fcntl(fd, F_GETPIPE_SZ);

			if (psz < 0 || res->bytes - pushed_at[b] < (uint64_t)psz) {
				munmap(mem, (size_t)nbuf * CHUNK);
				nbuf = 1;
				b = 0;
				splice = 0;
				mem = ring_map(CHUNK);
				if (!mem) {
					r = -ENOMEM;
					break;
				}
				p = mem;
			}
		}
		r = dgen_stream_fill(s, p, pos, n);
		if (r)
			break;
		r = push(fd, p, n, splice, tick, &res->bytes, bytes_done);
		if (r == 1) {
			res->reader_closed = 1;
			r = 0;
			break;
		}
		if (r)
			break;
		pushed_at[b] = res->bytes;
		pos += n;
		if (++b == nbuf)
			b = 0;
	}
out:
	res->seconds = (double)(dgen_clock_ns() - t0) / 1e9;
	free(pushed_at);
	if (mem)
		munmap(mem, (size_t)nbuf * CHUNK);
	return r;
}
