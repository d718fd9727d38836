// SPDX-License-Identifier: MIT
/*
 * writer_loop.c - one worker of the writer: its buffers, and the cycle
 * that fills them and sees them written
 *
 * The cycle per thread (fio's io_u cycle without the copies): take a free
 * buffer, fill it in place with the stream bytes of its unit, queue its
 * write; once enough is queued, submit; when no buffer is free, wait for a
 * completion, account it and put its buffer back. Generation of one buffer
 * thus overlaps the writes of the others in flight, and a thread never
 * holds more than queue depth buffers. Which units it writes comes from
 * writer_split.c; the I/O itself from the engine (writer_io.c, engine.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "clock.h"
#include "target_impl.h"
#include "writer_fault.h"
#include "writer_impl.h"

/*
 * The slots, their buffers (one block, on huge pages when it is large:
 * fewer TLB misses while generating, fewer pages for the kernel to pin)
 * and the per-target tables, and the iovecs of the buffers in @iov.
 */
static int worker_alloc(struct worker *wk, unsigned int qd, uint32_t io,
			struct iovec **iov)
{
	const struct dgen_writer *w = wk->w;
	const struct dgen_plan *plan = w->o.plan;
	size_t stride;
	int r;

	wk->slots = calloc(qd, sizeof(*wk->slots));
	wk->free = calloc(qd, sizeof(*wk->free));
	wk->pending = calloc(qd, sizeof(*wk->pending));
	wk->done = calloc(qd, sizeof(*wk->done));
	wk->walks = calloc(w->n, sizeof(*wk->walks));
	wk->file_index = calloc(w->n, sizeof(*wk->file_index));
	*iov = calloc(qd, sizeof(**iov));
	if (!wk->slots || !wk->free || !wk->pending || !wk->done ||
	    !wk->walks || !wk->file_index || !*iov)
		return -ENOMEM;
	/* Each buffer starts on the O_DIRECT memory alignment, which can be
	 * coarser than the I/O size (512-byte writes, 4 KiB alignment). */
	stride = (io + w->buf_align - 1) / w->buf_align * w->buf_align;
	wk->mem_len = (size_t)qd * stride;
	if (plan) {
		/* On its node, touched here before registration pins it. */
		wk->mem = place_alloc(&wk->place, wk->mem_len, w->o.mem_flags, &r);
		if (!wk->mem)
			return r;
	} else if (posix_memalign((void **)&wk->mem,
				  wk->mem_len >= HUGE_PAGE ? HUGE_PAGE : w->buf_align,
				  wk->mem_len)) {
		return -ENOMEM;
	}
	if (!plan && wk->mem_len >= HUGE_PAGE)
		madvise(wk->mem, wk->mem_len, MADV_HUGEPAGE);
	for (unsigned int b = 0; b < qd; b++) {
		wk->slots[b].buf = wk->mem + (size_t)b * stride;
		wk->slots[b].index = b;
		wk->free[b] = qd - 1 - b;
		(*iov)[b].iov_base = wk->slots[b].buf;
		(*iov)[b].iov_len = io;
	}
	wk->nfree = qd;
	return 0;
}

/* Engine, buffers, registrations: what the loop needs before the first write. */
static int worker_setup(struct worker *wk)
{
	const struct dgen_writer *w = wk->w;
	const struct dgen_plan *plan = w->o.plan;
	const unsigned int qd = plan ? place_depth(plan, wk->id) : w->o.queue_depth;
	const uint32_t io = plan ? place_io_max(plan, wk->id) : w->o.io_size;
	struct iovec *iov = NULL;
	unsigned int nfd = 0;
	int *fds = NULL, r;

	/* Pin and prefer the node before the engine exists: a ring's memory
	 * is allocated by the kernel on behalf of this thread. */
	if (plan) {
		r = place_enter(&wk->place, plan, wk->id);
		if (r < 0)
			return r;
	}
	r = wio_init(wk, qd);
	if (r < 0)
		return r;
	r = worker_alloc(wk, qd, io, &iov);
	fds = calloc(w->n, sizeof(*fds));
	if (!r && !fds)
		r = -ENOMEM;
	if (r)
		goto err;
	for (unsigned int k = 0; k < w->n; k++) {
		int fd = w->targets[k]->fd;

		wk->file_index[k] = -1;
		if (fd >= 0) {
			wk->file_index[k] = (int)nfd;
			fds[nfd++] = fd;
		}
		split_init(wk, k);
	}
	wio_register(wk, iov, qd, fds, nfd);
	if (wk->ws)
		r = wstats_thread_setup(w->stats, wk->id, qd, wio_fd(wk));
err:
	free(iov);
	free(fds);
	return r;
}

static void set_error(struct worker *wk, int err, int target, uint64_t off)
{
	if (!wk->error) {
		wk->error = err;
		wk->error_target = target;
		wk->error_offset = off;
	}
	__atomic_store_n(&wk->w->stop, 1, __ATOMIC_RELAXED);
}

static void release(struct worker *wk, struct slot *s)
{
	if (wk->ws)
		wstats_release(wk->ws, s->index);
	wk->free[wk->nfree++] = s->index;
	wk->inflight--;
}

/*
 * Hand what is queued to the kernel, waiting for @wait_nr completions.
 * The new units in it are stamped here, once for all of them, as fio's
 * io_uring engine does at commit: a clock read per batch, not per write,
 * and their latency starts when the kernel has them, not when their
 * buffer was filled.
 */
static int submit(struct worker *wk, unsigned int wait_nr)
{
	if (wk->npending) {
		const uint64_t t = dgen_clock_ns();

		for (unsigned int j = 0; j < wk->npending; j++) {
			struct slot *s = &wk->slots[wk->pending[j]];

			s->t_submit = t;
			if (wk->ws)
				wstats_submit(wk->ws, s->index, s->target,
					      wk->w->targets[s->target]->info.offset +
					      s->pos, s->len, t);
		}
		wk->npending = 0;
	}
	return wio_submit(wk, wait_nr);
}

/*
 * Account a completion of @s: @res bytes of the rest of its unit, or
 * -errno. A short write queues the rest, -EAGAIN and -EINTR the same
 * again; any other error stops the writer and names the target and
 * offset. A unit done in full counts its latency, is verified in verify
 * mode, and frees its buffer.
 */
static void complete(struct worker *wk, struct slot *s, int res,
		     uint64_t now)
{
	struct dgen_writer *w = wk->w;
	const struct dgen_target_info *i = &w->targets[s->target]->info;
	uint32_t left = s->len - s->done;

	if (res >= 0 && wk->file_index[s->target] < 0)
		res = (int)left;		/* null target: a NOP "wrote" it all */
	if (w->faults)
		res = writer_fault_res(w->faults, &s->tries, s->done, res,
				       left, i->dio_offset_align);
	if (res == -EAGAIN || res == -EINTR) {
		wk->retries++;
		wio_queue(wk, s);
		return;
	}
	if (res == 0)
		res = -EIO;			/* no progress would loop forever */
	if (res < 0) {
		set_error(wk, res, (int)s->target, i->offset + s->pos + s->done);
		release(wk, s);
		return;
	}
	s->done += (uint32_t)res;
	/* Only this thread writes its counters; the progress reader sums
	 * them, so no cache line is shared between workers. */
	__atomic_store_n(&wk->bytes, wk->bytes + (uint64_t)res, __ATOMIC_RELAXED);
	__atomic_store_n(&wk->target_bytes[s->target],
			 wk->target_bytes[s->target] + (uint64_t)res,
			 __ATOMIC_RELAXED);
	if (wk->ws)
		wstats_bytes(wk->ws, s->target, (uint64_t)res);
	if (s->done < s->len) {
		wk->short_writes++;
		wio_queue(wk, s);
		return;
	}
	wk->ops++;
	/* With per-target histograms the run's is their sum (at the wait):
	 * one histogram per I/O, not two. */
	if (wk->ws)
		wstats_done(wk->ws, s->target, now - s->t_submit, now);
	else
		dgen_latency_add(&wk->lat, now - s->t_submit);
	if (w->verify)
		dgen_verify_unit(w->verify, &wk->vc, s->target, i->offset,
				 s->buf, s->pos, s->len);
	if (w->o.acked && w->o.mode == DGEN_MODE_WRITE &&
	    (res = writer_acked(wk, s)) < 0)
		set_error(wk, res, -1, 0);
	release(wk, s);
}

/* A flush's completion (writer_flush.c); a failed one stops the writer. */
static void flushed(struct worker *wk, struct wflush *f, int res)
{
	int target, r = writer_flush_done(wk, f, res, &target);

	if (r)
		set_error(wk, r, target, target < 0 ? 0 :
			  wk->w->targets[target]->info.offset);
}

/*
 * Wait for the rate cap's booking of @len bytes; what is queued goes to the
 * kernel first, and the wait is cut in slices so a stop is seen soon.
 */
static void rate_pause(struct worker *wk, uint32_t len)
{
	uint64_t at = dgen_rate_take(&wk->w->rate, len, dgen_clock_ns()), now;

	submit(wk, 0);
	while ((now = dgen_clock_ns()) < at && !writer_stopping(wk->w)) {
		uint64_t ns = at - now < 10000000u ? at - now : 10000000u;
		struct timespec ts = { 0, (long)ns };

		nanosleep(&ts, NULL);
	}
}

/*
 * Take free buffers while there are units left: fill each with its unit's
 * stream bytes (in write mode), queue it, and submit every SUBMIT_BYTES
 * to a device.
 */
static void fill_free(struct worker *wk)
{
	struct dgen_writer *w = wk->w;
	unsigned int target;
	size_t queued = 0;
	uint64_t pos;

	while (wk->nfree && !writer_stopping(w) &&
	       split_next(wk, &target, &pos)) {
		const struct dgen_target_info *i = &w->targets[target]->info;
		struct slot *s = &wk->slots[wk->free[--wk->nfree]];

		s->target = target;
		s->pos = pos;
		s->len = (uint32_t)(i->size - pos < wk->walks[target].io ?
				    i->size - pos : wk->walks[target].io);
		s->done = 0;
		s->tries = 0;
		if (w->rate.rate)
			rate_pause(wk, s->len);
		/* Verifying a null target compares fresh bytes: the compare's
		 * own cost, as writing to null is the generator's. */
		if (w->o.mode == DGEN_MODE_WRITE || wk->file_index[target] < 0)
			dgen_stream_fill(w->streams[target], s->buf, pos, s->len);
		wio_queue(wk, s);
		wk->pending[wk->npending++] = s->index;
		wk->inflight++;
		queued += s->len;
		/* With no buffer left to fill, the wait in worker_loop
		 * submits: one io_uring_enter (io_submit) per round of
		 * buffers. */
		if (queued >= SUBMIT_BYTES && wk->nfree &&
		    wk->file_index[target] >= 0) {
			submit(wk, 0);
			queued = 0;
		}
	}
}

static void worker_loop(struct worker *wk)
{
	const unsigned int max = wk->nfree;
	unsigned int n;
	uint64_t now;
	int r;

	for (;;) {
		fill_free(wk);
		if (!wk->inflight && !wk->flushing)
			break;
		r = submit(wk, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			/* The engine itself failed: writes in flight cannot
			 * be reaped, so stop without them. */
			set_error(wk, r, -1, 0);
			break;
		}
		now = dgen_clock_ns();
		n = wio_reap(wk, wk->done, max);
		for (unsigned int j = 0; j < n; j++) {
			uintptr_t d = (uintptr_t)wk->done[j].data;

			if (d & WIO_FLUSH_TAG)
				flushed(wk, (struct wflush *)(d & ~WIO_FLUSH_TAG),
					wk->done[j].res);
			else
				complete(wk, (struct slot *)d, wk->done[j].res, now);
		}
	}
}

void *writer_worker_main(void *arg)
{
	struct worker *wk = arg;
	int r;

	r = worker_setup(wk);
	if (r)
		set_error(wk, r, -1, 0);
	else
		worker_loop(wk);
	writer_flush_drop(wk);
	wio_exit(wk);
	wk->t_end = dgen_clock_ns();
	__atomic_fetch_sub(&wk->w->running, 1, __ATOMIC_RELEASE);
	return NULL;
}

void writer_worker_free(struct worker *wk)
{
	wio_exit(wk);
	if (wk->place.buf.addr)
		place_free(&wk->place);
	else
		free(wk->mem);
	free(wk->slots);
	free(wk->free);
	free(wk->pending);
	free(wk->done);
	free(wk->walks);
	free(wk->file_index);
	free(wk->target_bytes);
}
