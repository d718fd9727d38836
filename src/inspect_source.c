// SPDX-License-Identifier: MIT
/*
 * inspect_source.c - open what dgen_inspect_read reads: a file, a block
 * device or a stream, and decide how to read it
 *
 * Files and block devices are read with O_DIRECT at aligned offsets when
 * their filesystem takes it, both at open and at the first read (some
 * accept the flag and refuse the read); everything else (pipes,
 * terminals, character devices) is a stream. The size found here also
 * sets the dedup sampling that keeps the inspection within memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect_impl.h"

/* Peak bytes of memory per byte inspected when nothing repeats, merge
 * included (measured 0.15 on one thread, 0.21 on two; rounded up). */
#define MEMORY_PER_BYTE	0.25

/*
 * Open @o->path (or stdin for "-"), find how many bytes it holds, and
 * decide how to read it: files and block devices with O_DIRECT at aligned
 * offsets, everything else (pipes, terminals, character devices) as a
 * stream.
 */
static int source_open(struct source *src, const struct dgen_inspect_read_opts *o)
{
	struct dgen_inspect_read_report *rep = src->rep;
	struct stat st;
	uint64_t total;
	int flags = O_RDONLY | O_CLOEXEC;

	src->path = o->path;
	src->fd = -1;
	rep->start = o->offset;
	rep->len = o->size;
	if (!strcmp(o->path, "-")) {
		src->fd = STDIN_FILENO;
		rep->kind = "stdin";
		return 0;
	}
	if (stat(o->path, &st))
		return inspect_fail(rep, DGEN_INSPECT_READ_EOPEN, -errno);
	if (S_ISDIR(st.st_mode))
		return inspect_fail(rep, DGEN_INSPECT_READ_EOPEN, -EISDIR);
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		src->seekable = 1;
		if (o->offset % DIRECT_ALIGN == 0)
			flags |= O_DIRECT;
	}
	src->fd = open(o->path, flags);
	/* A FIFO with no writer blocks in open: a stop there has read
	 * nothing, and says so (the caller's handler interrupted it). */
	if (src->fd < 0 && errno == EINTR && !src->seekable && o->stop &&
	    __atomic_load_n(o->stop, __ATOMIC_RELAXED)) {
		rep->stopped = 1;
		rep->kind = S_ISFIFO(st.st_mode) ? "pipe" : "stream";
		return 0;
	}
	if (src->fd < 0 && errno == EINVAL && (flags & O_DIRECT)) {
		rep->direct_open_refused = 1;
		flags &= ~O_DIRECT;
		src->fd = open(o->path, flags);
	}
	if (src->fd < 0)
		return inspect_fail(rep, DGEN_INSPECT_READ_EOPEN, -errno);
	rep->direct = !!(flags & O_DIRECT);
	if (!src->seekable) {
		rep->kind = S_ISFIFO(st.st_mode) ? "pipe" : "stream";
		return 0;
	}
	if (S_ISBLK(st.st_mode)) {
		rep->kind = "block device";
		if (ioctl(src->fd, BLKGETSIZE64, &total))
			return inspect_fail(rep, DGEN_INSPECT_READ_ESIZE, -errno);
	} else {
		rep->kind = "regular file";
		total = (uint64_t)st.st_size;
	}
	rep->total = total;
	if (o->offset > total)
		return inspect_fail(rep, DGEN_INSPECT_READ_ERANGE, -ERANGE);
	rep->len = total - o->offset < o->size ? total - o->offset : o->size;
	src->blocks = (rep->len + BLOCK - 1) / BLOCK;
	return 0;
}

/*
 * Some filesystems accept O_DIRECT at open and refuse it at read time
 * (EINVAL). Find out with one aligned read before the threads start, and
 * reopen through the page cache if so.
 */
static int source_probe_direct(struct source *src)
{
	struct dgen_inspect_read_report *rep = src->rep;
	void *buf;
	ssize_t r;

	if (!rep->direct || !rep->len)
		return 0;
	if (posix_memalign(&buf, DIRECT_ALIGN, DIRECT_ALIGN))
		return inspect_fail(rep, DGEN_INSPECT_READ_ESETUP, -ENOMEM);
	r = pread(src->fd, buf, DIRECT_ALIGN, (off_t)rep->start);
	free(buf);
	if (r >= 0)
		return 0;
	if (errno != EINVAL) {
		rep->err_off = rep->start;
		return inspect_fail(rep, DGEN_INSPECT_READ_EREAD, -errno);
	}
	rep->direct_read_refused = 1;
	close(src->fd);
	src->fd = open(src->path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0)
		return inspect_fail(rep, DGEN_INSPECT_READ_EOPEN, -errno);
	rep->direct = 0;
	return 0;
}

/*
 * Unless told, count every chunk unless the worst case (nothing repeats)
 * would not fit in half the RAM; then sample the smallest power of two
 * that fits. Streams have no known size: every chunk.
 */
uint32_t inspect_source_sample(const struct source *src, uint32_t asked)
{
	double ram = (double)sysconf(_SC_PHYS_PAGES) *
		     (double)sysconf(_SC_PAGESIZE);
	double need = (double)src->rep->len * MEMORY_PER_BYTE;
	uint32_t n = 1;

	if (asked)
		return asked;
	if (!src->seekable || ram <= 0)
		return 1;
	while (need / n > ram / 2 && n < DGEN_INSPECT_SAMPLE_MAX)
		n *= 2;
	src->rep->sample_chosen = n > 1;
	return n;
}

int inspect_source_open(struct source *src,
			const struct dgen_inspect_read_opts *o)
{
	int r = source_open(src, o);

	return r ? r : source_probe_direct(src);
}
