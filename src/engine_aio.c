// SPDX-License-Identifier: MIT
/*
 * engine_aio.c - the libaio engine (engine.h): io_setup, io_submit,
 * io_getevents, io_cancel, io_destroy
 *
 * For hosts and containers that block io_uring: Docker's and containerd's
 * default seccomp profiles deny io_uring_setup but allow these. Linux AIO
 * is asynchronous only with O_DIRECT, which every target of the writer
 * is opened with; buffers are the writer's aligned ones, nothing is
 * registered.
 *
 * Each I/O takes one control block of @entries; its completion brings the
 * caller's pointer back. Three kinds of completion never pass through the
 * kernel and wait in a list of their own for eng_reap: a NOP, an I/O that
 * io_submit refused (EBADF, EINVAL for a misaligned O_DIRECT request: the
 * kernel checks those at submit, where io_uring would answer in a CQE),
 * and one io_cancel took back at once. io_getevents waits at most a
 * second, so a worker whose I/O hangs still sees a stop (e->woken).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

int aio_init(struct dgen_eng *e, unsigned int entries);
int aio_prep(struct dgen_eng *e, enum eng_op op, int fd, void *buf,
	     uint32_t len, uint64_t off, void *data);
int aio_submit(struct dgen_eng *e, unsigned int wait_nr);
unsigned int aio_reap(struct dgen_eng *e, struct eng_done *out,
		      unsigned int max);
int aio_cancel(struct dgen_eng *e);
void aio_exit(struct dgen_eng *e);

enum { CB_FREE, CB_QUEUED, CB_FLIGHT, CB_READY };

static void aio_free_arrays(struct eng_aio *a)
{
	free(a->cbs);
	free(a->busy);
	free(a->free);
	free(a->queued);
	free(a->ev);
	free(a->ready);
	a->cbs = NULL;
	a->busy = NULL;
	a->free = NULL;
	a->queued = NULL;
	a->ev = NULL;
	a->ready = NULL;
}

int aio_init(struct dgen_eng *e, unsigned int entries)
{
	struct eng_aio *a = &e->aio;
	int r;

	memset(a, 0, sizeof(*a));
	a->cbs = calloc(entries, sizeof(*a->cbs));
	a->busy = calloc(entries, sizeof(*a->busy));
	a->free = calloc(entries, sizeof(*a->free));
	a->queued = calloc(entries, sizeof(*a->queued));
	a->ev = calloc(entries, sizeof(*a->ev));
	a->ready = calloc(entries, sizeof(*a->ready));
	if (!a->cbs || !a->busy || !a->free || !a->queued || !a->ev || !a->ready) {
		aio_free_arrays(a);
		return -ENOMEM;
	}
	/* -EAGAIN: fs.aio-max-nr would be passed (eng_explain). */
	r = io_setup((int)entries, &a->ctx);
	if (r < 0) {
		aio_free_arrays(a);
		return r;
	}
	for (unsigned int i = 0; i < entries; i++)
		a->free[i] = entries - 1 - i;
	a->nfree = entries;
	return 0;
}

static void cb_put(struct eng_aio *a, struct iocb *cb)
{
	unsigned int i = (unsigned int)(cb - a->cbs);

	a->busy[i] = CB_FREE;
	a->free[a->nfree++] = i;
}

/* @cb is done, with @res: it holds its entry until reaped, so the ready
 * list never holds more than the entries. */
static void cb_ready(struct eng_aio *a, struct iocb *cb, int res)
{
	a->busy[cb - a->cbs] = CB_READY;
	a->ready[a->nready].data = cb;
	a->ready[a->nready++].res = res;
}

int aio_prep(struct dgen_eng *e, enum eng_op op, int fd, void *buf,
	     uint32_t len, uint64_t off, void *data)
{
	struct eng_aio *a = &e->aio;
	struct iocb *cb;

	if (!a->nfree)
		return -EBUSY;
	cb = &a->cbs[a->free[--a->nfree]];
	a->busy[cb - a->cbs] = CB_QUEUED;
	switch (op) {
	case ENG_WRITE:
		io_prep_pwrite(cb, fd, buf, len, (long long)off);
		cb->aio_rw_flags = (unsigned int)e->rw_flags;
		break;
	case ENG_READ:
		io_prep_pread(cb, fd, buf, len, (long long)off);
		break;
	case ENG_FSYNC:
		io_prep_fdsync(cb, fd);
		break;
	default:
		cb->data = data;
		cb_ready(a, cb, 0);
		return 0;
	}
	cb->data = data;
	a->queued[a->nqueued++] = cb;
	return 0;
}

/* Hand the queued control blocks to the kernel, as many as it takes. */
static int aio_push(struct eng_aio *a)
{
	while (a->nqueued) {
		int r = io_submit(a->ctx, (long)a->nqueued, a->queued);

		if (r == -EAGAIN && (a->inflight || a->nready))
			return 0;	/* again after completions free room */
		if (r == -EAGAIN || r == -EINTR)
			return r;
		if (r < 0) {
			/* The first one is refused (a bad fd, a misaligned
			 * O_DIRECT request): it completes with its error. */
			cb_ready(a, a->queued[0], r);
			r = 1;
		} else {
			for (int j = 0; j < r; j++)
				a->busy[a->queued[j] - a->cbs] = CB_FLIGHT;
			a->inflight += (unsigned int)r;
		}
		a->nqueued -= (unsigned int)r;
		memmove(a->queued, a->queued + r, a->nqueued * sizeof(*a->queued));
	}
	return 0;
}

/* Completions the kernel has, at least @min_nr of them (0: do not wait);
 * added to the ready list. */
static int aio_collect(struct dgen_eng *e, unsigned int min_nr)
{
	struct eng_aio *a = &e->aio;
	struct timespec ts = { min_nr ? 1 : 0, 0 };
	unsigned int room = a->inflight;
	int n;

	if (!a->inflight)
		return 0;
	if (min_nr > a->inflight)
		min_nr = a->inflight;
	n = io_getevents(a->ctx, (long)min_nr, (long)room, a->ev, &ts);
	if (n == -EINTR)
		return 0;
	if (n < 0)
		return n;
	if (!n && min_nr)
		e->woken = 1;		/* a second without news: look around */
	for (int j = 0; j < n; j++) {
		struct iocb *cb = a->ev[j].obj;

		a->inflight--;
		cb->data = a->ev[j].data;
		cb_ready(a, cb, (int)(long)a->ev[j].res);
	}
	return n;
}

int aio_submit(struct dgen_eng *e, unsigned int wait_nr)
{
	struct eng_aio *a = &e->aio;
	int r = aio_push(a);

	if (r < 0 && r != -EAGAIN && r != -EINTR)
		return r;
	if (wait_nr && a->nready < wait_nr) {
		int n = aio_collect(e, wait_nr - a->nready);

		if (n < 0)
			return n;
	}
	return r;
}

unsigned int aio_reap(struct dgen_eng *e, struct eng_done *out,
		      unsigned int max)
{
	struct eng_aio *a = &e->aio;
	unsigned int n;

	if (!a->nready && aio_collect(e, 0) < 0)
		return 0;
	n = a->nready < max ? a->nready : max;
	for (unsigned int j = 0; j < n; j++) {
		struct iocb *cb = a->ready[j].data;

		out[j].data = cb->data;
		out[j].res = a->ready[j].res;
		cb_put(a, cb);
	}
	a->nready -= n;
	memmove(a->ready, a->ready + n, a->nready * sizeof(*a->ready));
	return n;
}

/*
 * Queued ones are taken back whole; of those in flight, the kernel
 * cancels only what its driver knows how to (USB gadgets, polls: not
 * files or block devices, which answer EINVAL). Older kernels hand the
 * cancelled completion back at once; newer ones through the ring.
 */
int aio_cancel(struct dgen_eng *e)
{
	struct eng_aio *a = &e->aio;

	while (a->nqueued)
		cb_ready(a, a->queued[--a->nqueued], -ECANCELED);
	for (unsigned int i = 0; i < e->entries; i++) {
		struct io_event ev;

		if (a->busy[i] != CB_FLIGHT)
			continue;
		memset(&ev, 0, sizeof(ev));
		if (io_cancel(a->ctx, &a->cbs[i], &ev) == 0) {
			a->inflight--;
			cb_ready(a, &a->cbs[i], (int)(long)ev.res);
		}
	}
	return 0;
}

/* io_destroy waits for every I/O in flight: an owner whose I/O hangs
 * must not come here (engine.h, eng_cancel). */
void aio_exit(struct dgen_eng *e)
{
	io_destroy(e->aio.ctx);
	aio_free_arrays(&e->aio);
}
