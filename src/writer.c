// SPDX-License-Identifier: MIT
/*
 * writer.c - the writer's API: options and their checks, the worker
 * threads' start and end, and what the run did
 *
 * A writer runs worker threads (writer_loop.c) that generate into
 * their buffers and write them with io_uring or libaio (writer_io.c), each
 * its share of every target's units (writer_split.c); writer_impl.h says
 * how the files divide the work. Here the options are checked before
 * anything is made, the threads started with no signals, and their
 * counters summed while they run and once they end.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/writer.h>

#include "clock.h"
#include "refuse.h"
#include "target_impl.h"
#include "writer_fault.h"
#include "writer_impl.h"

/* Zeroed memory of whole cache lines of its own, or NULL. */
static void *line_calloc(size_t n, size_t size)
{
	size_t len = (n * size + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	void *p;

	if (n && size > SIZE_MAX / n)
		return NULL;
	if (posix_memalign(&p, CACHE_LINE, len ? len : CACHE_LINE))
		return NULL;
	return memset(p, 0, len ? len : CACHE_LINE);
}

void dgen_writer_opts_init(struct dgen_writer_opts *o)
{
	*o = (struct dgen_writer_opts) {
		.io_size = DGEN_IO_SIZE_DEFAULT,
		.queue_depth = DGEN_QUEUE_DEPTH_DEFAULT,
		.threads = 1,
		.pattern = DGEN_PATTERN_SEQ,
		.max_report = DGEN_MAX_REPORT_DEFAULT,
	};
}

/*
 * Verify mode and the rate cap, checked and set up at the end of
 * dgen_writer_new. A block split over two reads would be judged in two
 * halves (and counted twice), so reads must hold whole blocks.
 */
static int verify_setup(struct dgen_writer *w,
			const struct dgen_stream *const *streams,
			char *msg, size_t msglen)
{
	const struct dgen_writer_opts *o = &w->o;

	dgen_rate_init(&w->rate, o->rate);
	if (o->mode == DGEN_MODE_WRITE)
		return 0;
	if (o->mode != DGEN_MODE_VERIFY)
		return dgen_refuse(-EINVAL, msg, msglen, "unknown writer mode %d", o->mode);
	for (unsigned int k = 0; k < w->n; k++) {
		uint32_t B = dgen_stream_params_get(streams[k])->dedup_unit;

		if (o->io_size % B)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "I/O size %u is not a multiple of the dedup unit %u: verify reads whole blocks",
					   o->io_size, B);
	}
	return dgen_verify_new(&w->verify, streams, o->prev_streams,
			       o->max_report);
}

/*
 * The engine of @o (AUTO: picked here; a run picks once and passes its
 * choice), and what only io_uring does refused on libaio. Returns the
 * engine or -errno with a sentence.
 */
static int engine_check(const struct dgen_writer_opts *o,
			struct dgen_target *const *targets, unsigned int n,
			char *msg, size_t msglen)
{
	enum dgen_engine e = o->engine;
	char why[512];
	int r;

	if (e == DGEN_ENGINE_AUTO) {
		r = dgen_engine_pick(e, why, sizeof(why));
		/* io_uring failing otherwise fails at its ring, with its cause. */
		e = r < 0 ? DGEN_ENGINE_IO_URING : (enum dgen_engine)r;
	}
	if (e != DGEN_ENGINE_IO_URING && e != DGEN_ENGINE_LIBAIO)
		return dgen_refuse(-EINVAL, msg, msglen, "unknown engine %d", (int)e);
	if (e == DGEN_ENGINE_IO_URING)
		return e;
	for (unsigned int k = 0; k < n; k++)
		if (targets[k]->info.type == DGEN_TARGET_NVME)
			return dgen_refuse(-EOPNOTSUPP, msg, msglen,
					   "%s is an NVMe passthrough device: its commands go through io_uring, and this run has libaio; give the block device (/dev/nvmeXnY) instead",
					   targets[k]->info.path);
	if (o->ring_flags & (DGEN_RING_SQPOLL | DGEN_RING_IOPOLL))
		return dgen_refuse(-EOPNOTSUPP, msg, msglen,
				   "--%s needs io_uring, and this run has libaio",
				   o->ring_flags & DGEN_RING_SQPOLL ? "sqpoll" : "iopoll");
	return e;
}

int dgen_writer_new(struct dgen_writer **out,
		    const struct dgen_writer_opts *o,
		    struct dgen_target *const *targets,
		    const struct dgen_stream *const *streams, unsigned int n,
		    char *msg, size_t msglen)
{
	struct dgen_writer_opts planned;
	struct dgen_writer *w;
	uint64_t phys;
	size_t align = 4096;
	unsigned int w_pt;
	int r;

	if (!n)
		return dgen_refuse(-EINVAL, msg, msglen, "no target to write to");
	/* A plan sets threads, sizes and depths; the checks below then hold
	 * for its largest I/O and deepest pool. */
	if (o->plan) {
		r = place_opts(&planned, o, targets, n, msg, msglen);
		if (r)
			return r;
		o = &planned;
	}
	if (!o->io_size || o->io_size > DGEN_IO_SIZE_MAX)
		return dgen_refuse(-EINVAL, msg, msglen, "I/O size %u is out of range: 1 byte to %u bytes",
				   o->io_size, DGEN_IO_SIZE_MAX);
	if (!o->queue_depth || o->queue_depth > DGEN_QUEUE_DEPTH_MAX)
		return dgen_refuse(-EINVAL, msg, msglen, "queue depth %u is out of range: 1 to %u",
				   o->queue_depth, DGEN_QUEUE_DEPTH_MAX);
	if (!o->threads || o->threads > DGEN_THREADS_MAX)
		return dgen_refuse(-EINVAL, msg, msglen, "thread count %u is out of range: 1 to %u",
				   o->threads, DGEN_THREADS_MAX);
	if (o->pattern != DGEN_PATTERN_SEQ && o->pattern != DGEN_PATTERN_RAND)
		return dgen_refuse(-EINVAL, msg, msglen, "unknown write pattern %d", o->pattern);
	phys = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	if ((uint64_t)o->threads * o->queue_depth * o->io_size > phys / 2)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%u threads x depth %u x %u-byte I/O need %llu bytes of buffers, more than half of the memory (%llu bytes)",
				   o->threads, o->queue_depth, o->io_size,
				   (unsigned long long)o->threads * o->queue_depth * o->io_size,
				   (unsigned long long)phys);
	for (unsigned int k = 0; k < n; k++) {
		const struct dgen_target_info *i = &targets[k]->info;

		if (o->io_size % i->dio_offset_align)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "I/O size %u is not a multiple of %u bytes, the O_DIRECT alignment of %s",
					   o->io_size, i->dio_offset_align, i->path);
		if (dgen_stream_params_get(streams[k])->size < i->size)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "the stream for %s is shorter than the %llu bytes to write",
					   i->path, (unsigned long long)i->size);
		if (i->dio_mem_align > align)
			align = i->dio_mem_align;
	}
	w_pt = 0;
	for (unsigned int k = 0; k < n; k++)
		if (targets[k]->info.type == DGEN_TARGET_NVME)
			w_pt = DGEN_RING_URING_CMD;
	r = engine_check(o, targets, n, msg, msglen);
	if (r < 0)
		return r;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->o = *o;
	w->o.engine = (enum dgen_engine)r;
	w->n = n;
	w->uring_cmd = w_pt;
	w->buf_align = align;
	w->targets = calloc(n, sizeof(*w->targets));
	w->streams = calloc(n, sizeof(*w->streams));
	w->workers = line_calloc(o->threads, sizeof(*w->workers));
	if (!w->targets || !w->streams || !w->workers) {
		dgen_writer_free(w);
		return -ENOMEM;
	}
	memcpy(w->targets, targets, n * sizeof(*targets));
	memcpy(w->streams, streams, n * sizeof(*streams));
	w->faults = writer_faults();
	r = verify_setup(w, streams, msg, msglen);
	if (!r && o->target_stats)
		r = wstats_new(&w->stats, o->threads, n);
	if (r) {
		dgen_writer_free(w);
		return r;
	}
	*out = w;
	return 0;
}

/* ===== Run ===== */

int dgen_writer_start(struct dgen_writer *w, char *msg, size_t msglen)
{
	sigset_t all, old;
	int r = 0;

	for (unsigned int k = 0; k < w->n; k++) {
		const struct dgen_target_info *i = &w->targets[k]->info;

		/* Verify reads what is there: a short file stays short. */
		if (w->o.mode == DGEN_MODE_VERIFY)
			continue;
		r = dgen_target_prepare(w->targets[k]);
		if (r)
			return dgen_refuse(r, msg, msglen,
					   "cannot extend %s to %llu bytes: %s",
					   i->path,
					   (unsigned long long)(i->offset + i->size),
					   strerror(-r));
	}
	w->t0 = dgen_clock_ns();
	/* Workers take no signals: the caller's thread handles them and
	 * calls dgen_writer_stop, and no io_uring_enter is cut short. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int t = 0; t < w->o.threads; t++) {
		struct worker *wk = &w->workers[t];

		wk->w = w;
		wk->id = t;
		wk->error_target = -1;
		wk->ws = w->stats ? &w->stats->th[t] : NULL;
		dgen_latency_init(&wk->lat);
		/* Here, not in the thread: progress readers may look at once. */
		wk->target_bytes = line_calloc(w->n, sizeof(*wk->target_bytes));
		if (!wk->target_bytes) {
			r = dgen_refuse(-ENOMEM, msg, msglen, "out of memory");
			dgen_writer_stop(w);
			break;
		}
		__atomic_fetch_add(&w->running, 1, __ATOMIC_RELAXED);
		r = -pthread_create(&wk->tid, NULL, writer_worker_main, wk);
		if (r) {
			__atomic_fetch_sub(&w->running, 1, __ATOMIC_RELAXED);
			dgen_writer_stop(w);
			dgen_refuse(r, msg, msglen,
				    "cannot start worker thread %u: %s", t,
				    strerror(-r));
			break;
		}
		w->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

void dgen_writer_stop(struct dgen_writer *w)
{
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
}

unsigned int dgen_writer_running(const struct dgen_writer *w)
{
	return __atomic_load_n(&w->running, __ATOMIC_ACQUIRE);
}

uint64_t dgen_writer_bytes(const struct dgen_writer *w)
{
	uint64_t sum = 0;

	for (unsigned int t = 0; t < w->started; t++)
		sum += __atomic_load_n(&w->workers[t].bytes, __ATOMIC_RELAXED);
	return sum;
}

uint64_t dgen_writer_mismatches(const struct dgen_writer *w)
{
	uint64_t sum = 0;

	for (unsigned int t = 0; t < w->started; t++)
		sum += __atomic_load_n(&w->workers[t].vc.mismatches,
				       __ATOMIC_RELAXED);
	return sum;
}

uint64_t dgen_writer_target_bytes(const struct dgen_writer *w, unsigned int k)
{
	uint64_t sum = 0;

	for (unsigned int t = 0; k < w->n && t < w->started; t++)
		sum += __atomic_load_n(&w->workers[t].target_bytes[k],
					       __ATOMIC_RELAXED);
	return sum;
}

static uint64_t total_bytes(const struct dgen_writer *w)
{
	uint64_t sum = 0;

	for (unsigned int k = 0; k < w->n; k++)
		sum += w->targets[k]->info.size;
	return sum;
}

int dgen_writer_wait(struct dgen_writer *w, struct dgen_writer_result *res)
{
	uint64_t t_end = w->t0;

	memset(res, 0, sizeof(*res));
	dgen_latency_init(&res->latency);
	res->error_target = -1;
	for (unsigned int t = 0; !w->joined && t < w->started; t++)
		pthread_join(w->workers[t].tid, NULL);
	w->joined = 1;
	for (unsigned int t = 0; t < w->started; t++) {
		struct worker *wk = &w->workers[t];

		if (wk->t_end > t_end)
			t_end = wk->t_end;
		res->bytes += wk->bytes;
		res->ops += wk->ops;
		res->short_writes += wk->short_writes;
		res->retries += wk->retries;
		dgen_latency_merge(&res->latency, &wk->lat);
		for (unsigned int k = 0; wk->ws && k < w->n; k++)
			if (wk->ws->tgt[k].lat)
				dgen_latency_merge(&res->latency, wk->ws->tgt[k].lat);
		res->mismatches += wk->vc.mismatches;
		res->bad_sectors += wk->vc.bad_sectors;
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			res->kinds[k] += wk->vc.kinds[k];
		if (!res->error && wk->error) {
			res->error = wk->error;
			res->error_target = wk->error_target;
			res->error_offset = wk->error_offset;
		}
	}
	res->seconds = (double)(t_end - w->t0) / 1e9;
	if (w->started)
		res->ring_features = w->workers[0].features;
	if (w->verify)
		res->reported = dgen_verify_report(w->verify, &res->report);
	/* Stopped means cut short: a stop after the last write changes nothing. */
	res->stopped = writer_stopping(w) && !res->error && res->bytes < total_bytes(w);
	return res->error;
}

int dgen_writer_thread_info(const struct dgen_writer *w, unsigned int t,
			    struct dgen_writer_thread_info *out)
{
	const struct place_state *ps;

	memset(out, 0, sizeof(*out));
	out->cpu = out->node = out->cpu_seen = out->mem_node = -1;
	if (t >= w->o.threads)
		return -ENOENT;
	ps = &w->workers[t].place;
	if (!w->o.plan || t >= w->started || !ps->active)
		return -ENODATA;
	out->cpu = ps->cpu;
	out->node = ps->node;
	out->cpu_seen = ps->cpu_seen;
	out->cpus_allowed = ps->cpus_allowed;
	out->mem_node = ps->mem_node;
	out->pages_checked = ps->pages_checked;
	out->pages_off_node = ps->pages_off_node;
	out->bytes = __atomic_load_n(&w->workers[t].bytes, __ATOMIC_RELAXED);
	out->buffers = place_depth(w->o.plan, t);
	out->mem_bytes = ps->buf.mapped;
	out->pages = ps->buf.pages;
	memcpy(out->mem_how, ps->buf.how, sizeof(out->mem_how));
	return 0;
}

void dgen_writer_free(struct dgen_writer *w)
{
	if (!w)
		return;
	if (w->workers)
		for (unsigned int t = 0; t < w->o.threads; t++)
			writer_worker_free(&w->workers[t]);
	free(w->workers);
	dgen_verify_free(w->verify);
	wstats_free(w->stats);
	free(w->targets);
	free(w->streams);
	free(w);
}
