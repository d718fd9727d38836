// SPDX-License-Identifier: MIT
/*
 * writer_uring.c - the writer's io_uring engine: one ring per worker
 *
 * Everything the writer knows of io_uring is here: the ring (its flags
 * from ring.c), the registered buffers and files, the SQE for each write
 * or read (WRITE_FIXED and READ_FIXED into the registered buffers, plain
 * WRITE and READ without them, a NOP for the null target, an NVMe command
 * for a passthrough target), the submit, the CQEs and the cancel a wake-up
 * asks for. The worker's cycle around it (writer_loop.c) sees only
 * queued units, and completions as bytes done or -errno.
 */
#include <errno.h>
#include <linux/nvme_ioctl.h>
#include <sys/uio.h>

#include "nvme_pt.h"
#include "ring_impl.h"
#include "target_impl.h"
#include "writer_impl.h"

int uring_init(struct worker *wk, unsigned int qd)
{
	const struct dgen_writer *w = wk->w;
	int r;

	r = dgen_ring_init(&wk->ring, qd, w->o.ring_flags | w->uring_cmd);
	if (r < 0)
		return r;
	wk->ring_ok = 1;
	wk->features = (unsigned int)r;
	return 0;
}

void uring_register(struct worker *wk, const struct iovec *iov,
		    unsigned int qd, const int *fds, unsigned int nfd)
{
	const struct dgen_writer *w = wk->w;

	/* Fixed buffers spare the page pinning per write; without them (a
	 * memlock limit) plain writes still work. */
	if (!(dgen_ring_disabled() & DGEN_RING_FIXED_BUFFERS) &&
	    io_uring_register_buffers(&wk->ring, iov, qd) == 0)
		wk->features |= DGEN_RING_FIXED_BUFFERS;
	if (nfd && !(dgen_ring_disabled() & DGEN_RING_FIXED_FILES) &&
	    io_uring_register_files(&wk->ring, fds, nfd) == 0)
		wk->features |= DGEN_RING_FIXED_FILES;
	else
		for (unsigned int k = 0; k < w->n; k++)
			if (wk->file_index[k] >= 0)
				wk->file_index[k] = w->targets[k]->fd;
}

void uring_queue(struct worker *wk, struct slot *s)
{
	const struct dgen_target_info *i = &wk->w->targets[s->target]->info;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&wk->ring);
	int fi = wk->file_index[s->target];
	uint8_t *buf = s->buf + s->done;
	uint32_t len = s->len - s->done;
	uint64_t off = i->offset + s->pos + s->done;

	/*
	 * At most queue depth writes are outstanding and the SQ has that many
	 * entries, so an SQE is always free here.
	 */
	if (fi >= 0 && wk->w->targets[s->target]->info.type == DGEN_TARGET_NVME) {
		/* NVMe passthrough: nvme_pt.c builds the command. */
		dgen_nvme_pt_prep(sqe, wk->w->targets[s->target], fi,
				  !!(wk->features & DGEN_RING_FIXED_FILES), buf,
				  len, off, wk->features & DGEN_RING_FIXED_BUFFERS ?
				  (int)s->index : -1,
				  wk->w->o.mode == DGEN_MODE_VERIFY);
		if (wk->w->o.fua && wk->w->o.mode == DGEN_MODE_WRITE)
			((struct nvme_uring_cmd *)sqe->cmd)->cdw12 |= 1u << 30;
		io_uring_sqe_set_data(sqe, s);
		return;
	}
	if (fi < 0) {
		io_uring_prep_nop(sqe);
	} else if (wk->w->o.mode == DGEN_MODE_VERIFY) {
		if (wk->features & DGEN_RING_FIXED_BUFFERS)
			io_uring_prep_read_fixed(sqe, fi, buf, len, off, (int)s->index);
		else
			io_uring_prep_read(sqe, fi, buf, len, off);
	} else if (wk->features & DGEN_RING_FIXED_BUFFERS) {
		io_uring_prep_write_fixed(sqe, fi, buf, len, off, (int)s->index);
	} else {
		io_uring_prep_write(sqe, fi, buf, len, off);
	}
	/* --fua: the write is durable when it completes (RWF_DSYNC, which
	 * the block layer sends as FUA where the device has a cache). */
	if (fi >= 0 && wk->w->o.fua && wk->w->o.mode == DGEN_MODE_WRITE)
		sqe->rw_flags = RWF_DSYNC;
	if (fi >= 0 && (wk->features & DGEN_RING_FIXED_FILES))
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, s);
}

/* A flush's user_data: its pointer with the low bit set (slots, aligned,
 * never have it). */
#define FLUSH_TAG	1u

int uring_flush(struct worker *wk, unsigned int k, struct wflush *f)
{
	const struct dgen_target *t = wk->w->targets[k];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&wk->ring);
	int fi = wk->file_index[k];

	/* The SQ has queue depth entries, all of which units being queued
	 * again (short writes, -EAGAIN) may hold. */
	if (!sqe) {
		io_uring_submit(&wk->ring);
		sqe = io_uring_get_sqe(&wk->ring);
	}
	if (!sqe)
		return -EBUSY;
	if (fi < 0) {
		io_uring_prep_nop(sqe);
	} else if (t->info.type == DGEN_TARGET_NVME) {
		dgen_nvme_pt_flush_prep(sqe, t, fi,
					!!(wk->features & DGEN_RING_FIXED_FILES));
	} else {
		io_uring_prep_fsync(sqe, fi, IORING_FSYNC_DATASYNC);
		if (wk->features & DGEN_RING_FIXED_FILES)
			sqe->flags |= IOSQE_FIXED_FILE;
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)f | FLUSH_TAG);
	/* Out at once: the SQ is sized for the units alone, and the unit
	 * whose completion asked for the flush is queued again next. Called
	 * from the completion path, so no new unit waits in the SQ to be
	 * stamped by the loop's submit. */
	io_uring_submit(&wk->ring);
	return 0;
}

int uring_submit(struct worker *wk, unsigned int wait_nr)
{
	return wait_nr ? io_uring_submit_and_wait(&wk->ring, wait_nr) :
			 io_uring_submit(&wk->ring);
}

/*
 * dgen_writer_abandon's wake-up (or the answer to the cancel below): a
 * device holds writes that do not complete, so cancel all in flight that
 * still can be; the next submit takes the cancel to the kernel.
 */
static void woken(struct worker *wk)
{
	struct io_uring_sqe *sqe;

	if (!wk->ws || wk->ws->wake_seen || !writer_stopping(wk->w))
		return;
	wk->ws->wake_seen = 1;
	sqe = io_uring_get_sqe(&wk->ring);
	if (!sqe)
		return;
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(sqe, WSTATS_WAKE);
}

unsigned int uring_reap(struct worker *wk, struct wdone *out,
			unsigned int max)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0, n = 0;

	io_uring_for_each_cqe(&wk->ring, head, cqe) {
		struct slot *s;
		int res;

		if (n == max)
			break;
		seen++;
		if (cqe->user_data == WSTATS_WAKE) {
			woken(wk);
			continue;
		}
		if (cqe->user_data & FLUSH_TAG) {
			struct wflush *f = (struct wflush *)(uintptr_t)
					   (cqe->user_data & ~(uint64_t)FLUSH_TAG);

			res = cqe->res;
			if (wk->w->targets[f->target]->info.type == DGEN_TARGET_NVME)
				res = dgen_nvme_pt_res(res, 0);
			out[n].s = NULL;
			out[n].f = f;
			out[n++].res = res;
			continue;
		}
		s = io_uring_cqe_get_data(cqe);
		res = cqe->res;
		if (wk->w->targets[s->target]->info.type == DGEN_TARGET_NVME)
			res = dgen_nvme_pt_res(res, s->len - s->done);	/* status -> bytes */
		out[n].s = s;
		out[n].f = NULL;
		out[n++].res = res;
	}
	io_uring_cq_advance(&wk->ring, seen);
	return n;
}

int uring_fd(const struct worker *wk)
{
	return wk->ring.ring_fd;
}

/*
 * Tear the ring down here, files first: the kernel frees a ring's
 * registered files in deferred work after the ring fd closes, and until
 * then a block device's O_EXCL claim would outlive dgen_target_close, so a
 * next run started at once would find the device busy.
 */
void uring_exit(struct worker *wk)
{
	if (!wk->ring_ok)
		return;
	if (wk->features & DGEN_RING_FIXED_FILES)
		io_uring_unregister_files(&wk->ring);
	io_uring_queue_exit(&wk->ring);
	wk->ring_ok = 0;
}
