// SPDX-License-Identifier: MIT
/*
 * writer_io.c - a worker's I/O on its engine (engine.h)
 *
 * Everything the writer asks of an engine is here: one per worker, of
 * the run's kind; the buffers and target files registered where the
 * engine can; each unit's rest as a write or read (a NOP for the null
 * target, an NVMe command for a passthrough target, io_uring only); the
 * submit; completions as bytes done or -errno; the cancel a wake-up asks
 * for. The worker's cycle around it (writer_loop.c) sees only queued
 * units and completions.
 */
#include <errno.h>
#include <linux/nvme_ioctl.h>
#include <sys/uio.h>

#include "nvme_pt.h"
#include "target_impl.h"
#include "writer_impl.h"

int wio_init(struct worker *wk, unsigned int qd)
{
	const struct dgen_writer *w = wk->w;

	int r;

	/* WIO_FLUSHES entries more where flushes are asked for
	 * (writer_flush.c): the units alone may hold all qd of them. */
	r = eng_init(&wk->eng, w->o.engine, qd + (w->o.acked ? WIO_FLUSHES : 0),
		     w->o.ring_flags | w->uring_cmd);
	/* --fua: every write durable when it completes (RWF_DSYNC, which the
	 * block layer sends as FUA where the device has a volatile cache). */
	if (!r && w->o.fua && w->o.mode == DGEN_MODE_WRITE)
		wk->eng.rw_flags = RWF_DSYNC;
	return r;
}

void wio_register(struct worker *wk, const struct iovec *iov,
		  unsigned int qd, const int *fds, unsigned int nfd)
{
	const struct dgen_writer *w = wk->w;

	eng_register(&wk->eng, iov, qd, fds, nfd);
	if (!(wk->eng.features & DGEN_RING_FIXED_FILES))
		for (unsigned int k = 0; k < w->n; k++)
			if (wk->file_index[k] >= 0)
				wk->file_index[k] = w->targets[k]->fd;
	__atomic_store_n(&wk->features, wk->eng.features, __ATOMIC_RELAXED);
}

void wio_queue(struct worker *wk, struct slot *s)
{
	const struct dgen_target *t = wk->w->targets[s->target];
	int fi = wk->file_index[s->target];
	uint8_t *buf = s->buf + s->done;
	uint32_t len = s->len - s->done;
	uint64_t off = t->info.offset + s->pos + s->done;
	const int verify = wk->w->o.mode == DGEN_MODE_VERIFY;

	/*
	 * At most queue depth units are outstanding and the engine has that
	 * many entries, so one is always free here.
	 */
	if (fi >= 0 && t->info.type == DGEN_TARGET_NVME) {
		/* NVMe passthrough (io_uring only): nvme_pt.c builds it. */
		struct io_uring_sqe *sqe = eng_uring_sqe(&wk->eng);

		dgen_nvme_pt_prep(sqe, t, fi,
				  !!(wk->eng.features & DGEN_RING_FIXED_FILES),
				  buf, len, off,
				  wk->eng.features & DGEN_RING_FIXED_BUFFERS ?
				  (int)s->index : -1, verify);
		if (wk->w->o.fua && !verify)
			((struct nvme_uring_cmd *)sqe->cmd)->cdw12 |= 1u << 30;	/* FUA */
		io_uring_sqe_set_data(sqe, s);
		return;
	}
	eng_prep(&wk->eng, fi < 0 ? ENG_NOP : verify ? ENG_READ : ENG_WRITE,
		 fi, buf, len, off, (int)s->index, s);
}

int wio_flush(struct worker *wk, unsigned int k, struct wflush *f)
{
	const struct dgen_target *t = wk->w->targets[k];
	void *data = (void *)((uintptr_t)f | WIO_FLUSH_TAG);
	int fi = wk->file_index[k], r;

	if (fi >= 0 && t->info.type == DGEN_TARGET_NVME) {
		struct io_uring_sqe *sqe = eng_uring_sqe(&wk->eng);

		if (!sqe) {
			eng_submit(&wk->eng, 0);
			sqe = eng_uring_sqe(&wk->eng);
		}
		if (!sqe)
			return -EBUSY;
		dgen_nvme_pt_flush_prep(sqe, t, fi,
					!!(wk->eng.features & DGEN_RING_FIXED_FILES));
		io_uring_sqe_set_data(sqe, data);
	} else {
		enum eng_op op = fi < 0 ? ENG_NOP : ENG_FSYNC;

		r = eng_prep(&wk->eng, op, fi, NULL, 0, 0, -1, data);
		if (r == -EBUSY) {
			eng_submit(&wk->eng, 0);
			r = eng_prep(&wk->eng, op, fi, NULL, 0, 0, -1, data);
		}
		if (r)
			return r;
	}
	/* Out at once: called from the completion path, where the unit
	 * whose completion asked for the flush is queued again next, and no
	 * new unit waits to be stamped by the loop's submit. */
	r = eng_submit(&wk->eng, 0);
	return r < 0 && r != -EAGAIN && r != -EINTR ? r : 0;
}

int wio_submit(struct worker *wk, unsigned int wait_nr)
{
	return eng_submit(&wk->eng, wait_nr);
}

/*
 * dgen_writer_abandon's wake-up (or the answer to the cancel below, or
 * libaio's second without news): a device may hold I/O that does not
 * complete, so cancel all in flight that still can be; io_uring's next
 * submit takes the cancel to the kernel.
 */
static void woken(struct worker *wk)
{
	if (!wk->ws || wk->ws->wake_seen || !writer_stopping(wk->w))
		return;
	wk->ws->wake_seen = 1;
	eng_cancel(&wk->eng);
}

unsigned int wio_reap(struct worker *wk, struct eng_done *out,
		      unsigned int max)
{
	unsigned int n = eng_reap(&wk->eng, out, max);

	if (eng_woken(&wk->eng))
		woken(wk);
	for (unsigned int j = 0; j < n; j++) {
		uintptr_t d = (uintptr_t)out[j].data;
		struct slot *s = (struct slot *)d;

		if (d & WIO_FLUSH_TAG) {
			const struct wflush *f = (const struct wflush *)
						 (d & ~WIO_FLUSH_TAG);

			if (wk->w->targets[f->target]->info.type == DGEN_TARGET_NVME)
				out[j].res = dgen_nvme_pt_res(out[j].res, 0);
		} else if (wk->w->targets[s->target]->info.type == DGEN_TARGET_NVME) {
			out[j].res = dgen_nvme_pt_res(out[j].res, s->len - s->done);	/* status -> bytes */
		}
	}
	return n;
}

int wio_fd(const struct worker *wk)
{
	return eng_wake_fd(&wk->eng);
}

void wio_exit(struct worker *wk)
{
	eng_exit(&wk->eng);
}
