// SPDX-License-Identifier: MIT
/*
 * writer_flush.c - the writer's flushes for power-loss verify
 *
 * A drive keeps a write it acknowledged across a power cut only once a
 * flush issued after that acknowledgement has completed. So, in the
 * completion path: each unit acknowledged in full is marked in the
 * tracker (dgen/acked.h, one atomic OR); the completion that takes a
 * target across a multiple of its flush_every takes a snapshot of what
 * was acknowledged since the last one and queues a flush on the same
 * ring, behind nothing (a flush covers every write that completed before
 * it was issued, whichever ring wrote it); the flush's completion makes
 * the snapshot durable and has the journal record it (dgen/journal.h),
 * durable itself before the run relies on it. A failed flush forgets its
 * snapshot: after a failed fsync Linux may have dropped those pages, so
 * a later flush proves nothing about them.
 *
 * With --fua every write was durable when acknowledged: the snapshot is
 * recorded at once, without a device flush ("flush_ns": 0).
 */
#include <errno.h>
#include <stdlib.h>

#include <dgen/acked.h>
#include <dgen/journal.h>

#include "clock.h"
#include "target_impl.h"
#include "writer_fault.h"
#include "writer_impl.h"

/* Snapshot @ticket of target @k is durable after a flush of @ns. */
static int record(struct worker *wk, unsigned int k, uint64_t ticket,
		  uint64_t ns)
{
	const struct dgen_writer_opts *o = &wk->w->o;
	const struct dgen_range *r;
	size_t n;

	if (o->journal)
		return dgen_journal_flushed(o->journal, o->acked, k, o->pass,
					    ticket, ns);
	return dgen_acked_flushed(o->acked, k, ticket, ns, &r, &n);
}

/* Queue @f's flush; no entry (cannot be: WIO_FLUSHES are kept for
 * them): the next flush of the target covers its snapshot too. */
static int issue(struct worker *wk, struct wflush *f)
{
	if (wio_flush(wk, f->target, f)) {
		free(f);
		return 0;
	}
	wk->flushing++;
	return 0;
}

int writer_acked(struct worker *wk, const struct slot *s)
{
	const struct dgen_writer_opts *o = &wk->w->o;
	const struct dgen_target_info *i = &wk->w->targets[s->target]->info;
	struct wflush *f;
	uint64_t ticket;
	int r;

	r = dgen_acked_add(o->acked, s->target, i->offset + s->pos, s->len);
	if (r <= 0)
		return r;
	r = dgen_acked_snapshot(o->acked, s->target, &ticket);
	if (r)
		return r;
	if (o->fua)
		return record(wk, s->target, ticket, 0);
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct wflush) { s->target, ticket, dgen_clock_ns(), NULL };
	if (wk->flushing >= WIO_FLUSHES) {
		/* Its turn comes when a flush in flight completes. */
		if (wk->waiting_last)
			wk->waiting_last->next = f;
		else
			wk->waiting = f;
		wk->waiting_last = f;
		return 0;
	}
	return issue(wk, f);
}

/* The oldest waiting flush, now that one in flight has completed. */
static int writer_flush_next(struct worker *wk)
{
	struct wflush *f = wk->waiting;

	if (!f || wk->flushing >= WIO_FLUSHES)
		return 0;
	wk->waiting = f->next;
	if (!wk->waiting)
		wk->waiting_last = NULL;
	f->next = NULL;
	f->t_submit = dgen_clock_ns();
	return issue(wk, f);
}

void writer_flush_drop(struct worker *wk)
{
	while (wk->waiting) {
		struct wflush *f = wk->waiting;

		wk->waiting = f->next;
		free(f);
	}
	wk->waiting_last = NULL;
}

int writer_flush_done(struct worker *wk, struct wflush *f, int res,
		      int *target)
{
	const struct dgen_writer_opts *o = &wk->w->o;
	const unsigned int k = f->target;
	const uint64_t ticket = f->ticket, t = f->t_submit;
	int r;

	wk->flushing--;
	free(f);
	*target = (int)k;
	r = writer_flush_next(wk);
	if (r)
		return r;
	if ((wk->w->faults & WRITER_FAULT_FLUSH_EIO) && ticket == 2 && res >= 0)
		res = -EIO;
	if (res < 0) {
		dgen_acked_discard(o->acked, k, ticket);
		return res;
	}
	r = record(wk, k, ticket, dgen_clock_ns() - t);
	if (r)
		*target = -1;		/* the journal, not the target */
	return r;
}
