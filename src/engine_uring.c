// SPDX-License-Identifier: MIT
/*
 * engine_uring.c - the io_uring engine (engine.h), and the dispatch of
 * every engine call to its kind
 *
 * One ring per thread (flags from ring.c), the buffers and files
 * registered where the kernel lets it, WRITE_FIXED / READ_FIXED into
 * registered buffers (plain WRITE / READ without), a NOP, a data sync,
 * the CQEs, and an async cancel of everything the ring has in flight.
 * Each call here starts with the kind's test and goes to engine_aio.c
 * for libaio.
 */
#include <errno.h>

#include "engine.h"
#include "ring_impl.h"

/* libaio's half (engine_aio.c). */
int aio_init(struct dgen_eng *e, unsigned int entries);
int aio_prep(struct dgen_eng *e, enum eng_op op, int fd, void *buf,
	     uint32_t len, uint64_t off, void *data);
int aio_submit(struct dgen_eng *e, unsigned int wait_nr);
unsigned int aio_reap(struct dgen_eng *e, struct eng_done *out,
		      unsigned int max);
int aio_cancel(struct dgen_eng *e);
void aio_exit(struct dgen_eng *e);

int eng_init(struct dgen_eng *e, enum dgen_engine kind, unsigned int entries,
	     unsigned int want)
{
	int r;

	e->kind = kind;
	e->entries = entries;
	e->features = 0;
	e->woken = 0;
	if (kind == DGEN_ENGINE_LIBAIO) {
		/* Polling and passthrough are io_uring's alone. */
		if (want & (DGEN_RING_SQPOLL | DGEN_RING_IOPOLL | DGEN_RING_URING_CMD))
			return -EOPNOTSUPP;
		r = aio_init(e, entries);
		e->ok = !r;
		return r;
	}
	if (kind != DGEN_ENGINE_IO_URING)
		return -EINVAL;
	r = dgen_ring_init(&e->ring, entries, want);
	if (r < 0)
		return r;
	e->ok = 1;
	e->features = (unsigned int)r;
	return 0;
}

void eng_register(struct dgen_eng *e, const struct iovec *iov, unsigned int n,
		  const int *fds, unsigned int nfd)
{
	/* Fixed buffers spare the page pinning per I/O; without them (a
	 * memlock limit) plain I/O still works. */
	if (e->kind != DGEN_ENGINE_IO_URING)
		return;
	if (n && !(dgen_ring_disabled() & DGEN_RING_FIXED_BUFFERS) &&
	    io_uring_register_buffers(&e->ring, iov, n) == 0)
		e->features |= DGEN_RING_FIXED_BUFFERS;
	if (nfd && !(dgen_ring_disabled() & DGEN_RING_FIXED_FILES) &&
	    io_uring_register_files(&e->ring, fds, nfd) == 0)
		e->features |= DGEN_RING_FIXED_FILES;
}

struct io_uring_sqe *eng_uring_sqe(struct dgen_eng *e)
{
	return e->kind == DGEN_ENGINE_IO_URING ? io_uring_get_sqe(&e->ring) : NULL;
}

int eng_prep(struct dgen_eng *e, enum eng_op op, int file, void *buf,
	     uint32_t len, uint64_t off, int buf_index, void *data)
{
	struct io_uring_sqe *sqe;
	const int fixed = buf_index >= 0 && (e->features & DGEN_RING_FIXED_BUFFERS);

	if (e->kind != DGEN_ENGINE_IO_URING)
		return aio_prep(e, op, file, buf, len, off, data);
	sqe = io_uring_get_sqe(&e->ring);
	if (!sqe)
		return -EBUSY;
	switch (op) {
	case ENG_WRITE:
		if (fixed)
			io_uring_prep_write_fixed(sqe, file, buf, len, off, buf_index);
		else
			io_uring_prep_write(sqe, file, buf, len, off);
		sqe->rw_flags = e->rw_flags;
		break;
	case ENG_READ:
		if (fixed)
			io_uring_prep_read_fixed(sqe, file, buf, len, off, buf_index);
		else
			io_uring_prep_read(sqe, file, buf, len, off);
		break;
	case ENG_FSYNC:
		io_uring_prep_fsync(sqe, file, IORING_FSYNC_DATASYNC);
		break;
	default:
		io_uring_prep_nop(sqe);
		break;
	}
	if (op != ENG_NOP && (e->features & DGEN_RING_FIXED_FILES))
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, data);
	return 0;
}

int eng_submit(struct dgen_eng *e, unsigned int wait_nr)
{
	if (e->kind != DGEN_ENGINE_IO_URING)
		return aio_submit(e, wait_nr);
	return wait_nr ? io_uring_submit_and_wait(&e->ring, wait_nr) :
			 io_uring_submit(&e->ring);
}

unsigned int eng_reap(struct dgen_eng *e, struct eng_done *out,
		      unsigned int max)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0, n = 0;

	if (e->kind != DGEN_ENGINE_IO_URING)
		return aio_reap(e, out, max);
	io_uring_for_each_cqe(&e->ring, head, cqe) {
		if (n == max)
			break;
		seen++;
		if (cqe->user_data == ENG_WAKE) {
			e->woken = 1;
			continue;
		}
		out[n].data = io_uring_cqe_get_data(cqe);
		out[n++].res = cqe->res;
	}
	io_uring_cq_advance(&e->ring, seen);
	return n;
}

/*
 * A single-issuer ring takes its cancel from its owner only: this is
 * called on the owner's thread after a wake-up; the next submit takes it
 * to the kernel, and its answer comes back tagged ENG_WAKE.
 */
int eng_cancel(struct dgen_eng *e)
{
	struct io_uring_sqe *sqe;

	if (e->kind != DGEN_ENGINE_IO_URING)
		return aio_cancel(e);
	sqe = io_uring_get_sqe(&e->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(sqe, ENG_WAKE);
	return 0;
}

int eng_wake_fd(const struct dgen_eng *e)
{
	return e->ok && e->kind == DGEN_ENGINE_IO_URING ? e->ring.ring_fd : -1;
}

/*
 * Tear the ring down here, files first: the kernel frees a ring's
 * registered files in deferred work after the ring fd closes, and until
 * then a block device's O_EXCL claim would outlive dgen_target_close, so a
 * next run started at once would find the device busy.
 */
void eng_exit(struct dgen_eng *e)
{
	if (!e->ok)
		return;
	e->ok = 0;
	if (e->kind != DGEN_ENGINE_IO_URING) {
		aio_exit(e);
		return;
	}
	if (e->features & DGEN_RING_FIXED_FILES)
		io_uring_unregister_files(&e->ring);
	io_uring_queue_exit(&e->ring);
}
