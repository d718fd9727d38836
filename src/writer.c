// SPDX-License-Identifier: MIT
/*
 * writer.c - worker threads that generate into registered buffers and
 * write them with io_uring
 *
 * Work split: target k is cut into units of the I/O size; thread t of T
 * owns units t, t + T, t + 2T, ... of every target, so each offset is
 * written by exactly one thread, once. A thread visits its units in order
 * (sequential) or in a seeded permutation (random), taking targets in
 * turn so that all of them are busy at once.
 *
 * The loop per thread (fio's io_u cycle without the copies): take a free
 * buffer, fill it in place with the stream bytes of its unit, queue a
 * WRITE_FIXED; once enough is queued, submit; when no buffer is free,
 * wait for a completion, account it and put its buffer back. Generation
 * of one buffer thus overlaps the writes of the others in flight, and a
 * thread never holds more than queue depth buffers.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <dgen/writer.h>

#include "clock.h"
#include "nvme_pt.h"
#include "prng.h"
#include "refuse.h"
#include "ring_impl.h"
#include "target_impl.h"
#include "verify_impl.h"
#include "writer_fault.h"
#include "wstats.h"
#include "writer_place.h"

/*
 * Submit once this much is queued for a device: large writes go out one by
 * one, as soon as each buffer is full, so the device starts early; small
 * ones are batched so the syscall cost is shared. The null target has no
 * device to start: its NOPs wait for the one io_uring_enter per round that
 * also reaps them (bench/RESULTS.md, "Engine": an enter costs about as
 * much as generating 128 KiB on the development VM).
 */
#define SUBMIT_BYTES	(256u << 10)
#define HUGE_PAGE	(2u << 20)
/* Counters written by one worker on every completion are kept off the
 * cache lines of other workers. */
#define CACHE_LINE	64u

struct slot {
	uint8_t *buf;
	uint64_t pos;			/* stream offset of the unit */
	uint64_t t_submit;		/* ns, first io_uring_enter carrying it */
	uint32_t len;			/* unit length */
	uint32_t done;			/* bytes of it the kernel wrote */
	uint32_t tries;			/* completions seen, for DGEN_FAULT_EAGAIN */
	unsigned int target;
	unsigned int index;		/* registered buffer index */
};

/* One thread's units on one target: m -> unit t + T m, m < count. */
struct walk {
	uint64_t count;
	uint64_t emitted;
	uint64_t x, mask, inc;		/* random: LCG state over 2^p >= count */
	uint64_t first, step;		/* m -> unit first + step m (a plan may
					   give a target only some threads) */
	uint32_t io;			/* the target's unit size */
};

struct worker {
	_Alignas(CACHE_LINE) struct dgen_writer *w;
	unsigned int id;
	pthread_t tid;
	struct io_uring ring;
	int ring_ok;
	uint8_t *mem;
	size_t mem_len;
	struct slot *slots;
	unsigned int *free;
	unsigned int nfree, inflight;
	unsigned int *pending;		/* new units queued, not yet submitted */
	unsigned int npending;
	struct walk *walks;
	unsigned int next_target;
	int *file_index;		/* per target; -1: null target */
	unsigned int features;
	struct dgen_latency lat;
	uint64_t bytes;			/* atomic: read for progress */
	uint64_t *target_bytes;		/* atomic, per target, own lines */
	uint64_t ops, short_writes, retries;
	int error, error_target;
	uint64_t error_offset;
	uint64_t t_end;			/* ns, when this thread finished */
	struct dgen_verify_counts vc;	/* verify mode: what it found */
	struct place_state place;	/* with a plan: where it ran, its buffers */
	struct wstats_thread *ws;	/* target_stats: its counters (wstats.h) */
};

struct dgen_writer {
	struct dgen_writer_opts o;
	unsigned int n;
	struct dgen_target **targets;
	const struct dgen_stream **streams;
	int stop;			/* atomic */
	unsigned int started;		/* threads created */
	int joined;			/* dgen_writer_wait has run */
	unsigned int running;		/* atomic: threads not yet finished */
	unsigned int faults;		/* WRITER_FAULT_* (writer_fault.h) */
	size_t buf_align;
	uint64_t t0;			/* ns, start */
	struct worker *workers;
	struct dgen_verify *verify;	/* verify mode */
	struct dgen_rate rate;
	struct wstats *stats;		/* target_stats: dgen/sample.h */
	unsigned int uring_cmd;		/* DGEN_RING_URING_CMD: an NVMe
					   passthrough target (nvme_pt.c) */
};

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

/* Seeds the random order: splitmix64's Weyl step, then the library's fmix64. */
static uint64_t mix64(uint64_t z)
{
	return dgen_fmix64(z + 0x9e3779b97f4a7c15ull);
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

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->o = *o;
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

/* ===== Work split ===== */

static void walk_init(struct worker *wk, unsigned int k)
{
	const struct dgen_writer *w = wk->w;
	const struct dgen_target_info *i = &w->targets[k]->info;
	struct walk *wa = &wk->walks[k];
	uint64_t units, T = w->o.threads, seed;

	wa->first = wk->id;
	wa->io = w->o.io_size;
	if (w->o.plan && !place_walk(w->o.plan, wk->id, k, &wa->first, &T,
				     &wa->io))
		return;			/* none of this target's units */
	/*
	 * Thread j of the target's T threads (the plan's, or all) starts it at
	 * unit (j + k) mod T: still a partition of each target's units, but
	 * targets of a single unit (a tree of small files) are spread over all
	 * threads instead of all landing on the first.
	 */
	wa->first = (wa->first + k) % T;
	wa->step = T;
	units = (i->size + wa->io - 1) / wa->io;
	wa->count = units > wa->first ? (units - wa->first + T - 1) / T : 0;
	if (w->o.pattern != DGEN_PATTERN_RAND || wa->count < 2)
		return;
	/*
	 * A full-period LCG modulo 2^p (Hull-Dobell: odd increment, multiplier
	 * = 1 mod 4) visits every value below 2^p once per period; values at
	 * or above count are skipped (cycle walking), which costs under two
	 * steps per unit on average since 2^p < 2 count.
	 */
	wa->mask = ~0ull >> __builtin_clzll(wa->count - 1);
	seed = mix64(w->o.order_seed ^ mix64(((uint64_t)wk->id << 32) | k));
	wa->x = seed & wa->mask;
	wa->inc = mix64(seed) | 1;
}

static uint64_t walk_next(struct walk *wa)
{
	if (!wa->mask)
		return wa->emitted++;
	wa->emitted++;
	do
		wa->x = (wa->x * 0x5851f42d4c957f2dull + wa->inc) & wa->mask;
	while (wa->x >= wa->count);
	return wa->x;
}

/* The next unit to write, targets in turn; 0 when this thread is done. */
static int next_unit(struct worker *wk, unsigned int *target, uint64_t *pos)
{
	const struct dgen_writer *w = wk->w;

	for (unsigned int tries = 0; tries < w->n; tries++) {
		unsigned int k = wk->next_target;
		struct walk *wa = &wk->walks[k];

		if (++wk->next_target == w->n)
			wk->next_target = 0;
		if (wa->emitted < wa->count) {
			uint64_t m = walk_next(wa);

			*target = k;
			*pos = (wa->first + m * wa->step) * wa->io;
			return 1;
		}
	}
	return 0;
}

/* ===== Ring ===== */

static int stopping(const struct dgen_writer *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_RELAXED);
}

/* Queue the rest of @s's unit: from s->done to s->len. */
static void queue_write(struct worker *wk, struct slot *s)
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
	if (fi >= 0 && (wk->features & DGEN_RING_FIXED_FILES))
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, s);
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
static int ring_enter(struct worker *wk, unsigned int wait_nr)
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
	return wait_nr ? io_uring_submit_and_wait(&wk->ring, wait_nr) :
			 io_uring_submit(&wk->ring);
}

static void complete(struct worker *wk, struct slot *s, int res,
		     uint64_t now)
{
	struct dgen_writer *w = wk->w;
	const struct dgen_target_info *i = &w->targets[s->target]->info;
	uint32_t left = s->len - s->done;

	if (i->type == DGEN_TARGET_NVME)
		res = dgen_nvme_pt_res(res, left);	/* status -> bytes */
	if (res >= 0 && wk->file_index[s->target] < 0)
		res = (int)left;		/* null target: a NOP "wrote" it all */
	if (w->faults)
		res = writer_fault_res(w->faults, &s->tries, s->done, res,
				       left, i->dio_offset_align);
	if (res == -EAGAIN || res == -EINTR) {
		wk->retries++;
		queue_write(wk, s);
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
		queue_write(wk, s);
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
	release(wk, s);
}

/* Ring, buffers, registrations: what the loop needs before the first write. */
static int worker_setup(struct worker *wk)
{
	const struct dgen_writer *w = wk->w;
	const struct dgen_plan *plan = w->o.plan;
	const unsigned int qd = plan ? place_depth(plan, wk->id) : w->o.queue_depth;
	const uint32_t io = plan ? place_io_max(plan, wk->id) : w->o.io_size;
	struct iovec *iov = NULL;
	int *fds = NULL, r, nfd = 0;
	size_t stride;

	/* Pin and prefer the node before the ring exists: its memory is
	 * allocated by the kernel on behalf of this thread. */
	if (plan) {
		r = place_enter(&wk->place, &plan->threads[wk->id]);
		if (r < 0)
			return r;
	}
	r = dgen_ring_init(&wk->ring, qd, w->o.ring_flags | w->uring_cmd);
	if (r < 0)
		return r;
	wk->ring_ok = 1;
	wk->features = (unsigned int)r;

	wk->slots = calloc(qd, sizeof(*wk->slots));
	wk->free = calloc(qd, sizeof(*wk->free));
	wk->pending = calloc(qd, sizeof(*wk->pending));
	wk->walks = calloc(w->n, sizeof(*wk->walks));
	wk->file_index = calloc(w->n, sizeof(*wk->file_index));
	iov = calloc(qd, sizeof(*iov));
	fds = calloc(w->n, sizeof(*fds));
	if (!wk->slots || !wk->free || !wk->pending || !wk->walks ||
	    !wk->file_index || !iov || !fds) {
		r = -ENOMEM;
		goto err;
	}
	/* One block for all buffers, on huge pages when it is large: fewer
	 * TLB misses while generating, fewer pages for the kernel to pin.
	 * Each buffer starts on the O_DIRECT memory alignment, which can be
	 * coarser than the I/O size (512-byte writes, 4 KiB alignment). */
	stride = (io + w->buf_align - 1) / w->buf_align * w->buf_align;
	wk->mem_len = (size_t)qd * stride;
	if (plan) {
		/* On its node, touched here before registration pins it. */
		wk->mem = place_alloc(&wk->place, wk->mem_len, w->o.mem_flags, &r);
		if (!wk->mem)
			goto err;
	} else if (posix_memalign((void **)&wk->mem,
				  wk->mem_len >= HUGE_PAGE ? HUGE_PAGE : w->buf_align,
				  wk->mem_len)) {
		r = -ENOMEM;
		goto err;
	}
	if (!plan && wk->mem_len >= HUGE_PAGE)
		madvise(wk->mem, wk->mem_len, MADV_HUGEPAGE);
	for (unsigned int b = 0; b < qd; b++) {
		wk->slots[b].buf = wk->mem + (size_t)b * stride;
		wk->slots[b].index = b;
		wk->free[b] = qd - 1 - b;
		iov[b].iov_base = wk->slots[b].buf;
		iov[b].iov_len = io;
	}
	wk->nfree = qd;
	/* Fixed buffers spare the page pinning per write; without them (a
	 * memlock limit) plain writes still work. */
	if (!(dgen_ring_disabled() & DGEN_RING_FIXED_BUFFERS) &&
	    io_uring_register_buffers(&wk->ring, iov, qd) == 0)
		wk->features |= DGEN_RING_FIXED_BUFFERS;

	for (unsigned int k = 0; k < w->n; k++) {
		int fd = w->targets[k]->fd;

		wk->file_index[k] = -1;
		if (fd >= 0) {
			wk->file_index[k] = nfd;
			fds[nfd++] = fd;
		}
		walk_init(wk, k);
	}
	if (nfd && !(dgen_ring_disabled() & DGEN_RING_FIXED_FILES) &&
	    io_uring_register_files(&wk->ring, fds, (unsigned int)nfd) == 0)
		wk->features |= DGEN_RING_FIXED_FILES;
	else
		for (unsigned int k = 0; k < w->n; k++)
			if (wk->file_index[k] >= 0)
				wk->file_index[k] = w->targets[k]->fd;
	r = 0;
	if (wk->ws)
		r = wstats_thread_setup(w->stats, wk->id, qd, wk->ring.ring_fd);
err:
	free(iov);
	free(fds);
	return r;
}

/*
 * Wait for the rate cap's booking of @len bytes; what is queued goes to the
 * kernel first, and the wait is cut in slices so a stop is seen soon.
 */
static void rate_pause(struct worker *wk, uint32_t len)
{
	uint64_t at = dgen_rate_take(&wk->w->rate, len, dgen_clock_ns()), now;

	ring_enter(wk, 0);
	while ((now = dgen_clock_ns()) < at && !stopping(wk->w)) {
		uint64_t ns = at - now < 10000000u ? at - now : 10000000u;
		struct timespec ts = { 0, (long)ns };

		nanosleep(&ts, NULL);
	}
}

/*
 * dgen_writer_abandon's wake-up (or the answer to the cancel below): a
 * device holds writes that do not complete, so cancel all in flight that
 * still can be; the next submit takes the cancel to the kernel.
 */
static void worker_woken(struct worker *wk)
{
	struct io_uring_sqe *sqe;

	if (!wk->ws || wk->ws->wake_seen || !stopping(wk->w))
		return;
	wk->ws->wake_seen = 1;
	sqe = io_uring_get_sqe(&wk->ring);
	if (!sqe)
		return;
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(sqe, WSTATS_WAKE);
}

static void worker_loop(struct worker *wk)
{
	struct dgen_writer *w = wk->w;
	struct io_uring_cqe *cqe;
	unsigned int target, head, seen;
	uint64_t pos, now;
	size_t queued;
	int r;

	for (;;) {
		queued = 0;
		while (wk->nfree && !stopping(w) &&
		       next_unit(wk, &target, &pos)) {
			const struct dgen_target_info *i =
				&w->targets[target]->info;
			struct slot *s = &wk->slots[wk->free[--wk->nfree]];

			s->target = target;
			s->pos = pos;
			s->len = (uint32_t)(i->size - pos < wk->walks[target].io ?
					    i->size - pos : wk->walks[target].io);
			s->done = 0;
			s->tries = 0;
			if (w->rate.rate)
				rate_pause(wk, s->len);
			/* Verifying a null target compares fresh bytes: the
			 * compare's own cost, as writing to null is the
			 * generator's. */
			if (w->o.mode == DGEN_MODE_WRITE ||
			    wk->file_index[target] < 0)
				dgen_stream_fill(w->streams[target], s->buf, pos,
						 s->len);
			queue_write(wk, s);
			wk->pending[wk->npending++] = s->index;
			wk->inflight++;
			queued += s->len;
			/* With no buffer left to fill, the wait below submits:
			 * one io_uring_enter per round of buffers. */
			if (queued >= SUBMIT_BYTES && wk->nfree &&
			    wk->file_index[target] >= 0) {
				ring_enter(wk, 0);
				queued = 0;
			}
		}
		if (!wk->inflight)
			break;
		r = ring_enter(wk, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			/* The ring itself failed: writes in flight cannot be
			 * reaped, so stop without them. */
			set_error(wk, r, -1, 0);
			break;
		}
		now = dgen_clock_ns();
		seen = 0;
		io_uring_for_each_cqe(&wk->ring, head, cqe) {
			seen++;
			if (cqe->user_data == WSTATS_WAKE) {
				worker_woken(wk);
				continue;
			}
			complete(wk, io_uring_cqe_get_data(cqe), cqe->res, now);
		}
		io_uring_cq_advance(&wk->ring, seen);
	}
}

/*
 * Tear the ring down here, files first: the kernel frees a ring's
 * registered files in deferred work after the ring fd closes, and until
 * then a block device's O_EXCL claim would outlive dgen_target_close, so a
 * next run started at once would find the device busy.
 */
static void worker_ring_exit(struct worker *wk)
{
	if (!wk->ring_ok)
		return;
	if (wk->features & DGEN_RING_FIXED_FILES)
		io_uring_unregister_files(&wk->ring);
	io_uring_queue_exit(&wk->ring);
	wk->ring_ok = 0;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	int r;

	r = worker_setup(wk);
	if (r)
		set_error(wk, r, -1, 0);
	else
		worker_loop(wk);
	worker_ring_exit(wk);
	wk->t_end = dgen_clock_ns();
	__atomic_fetch_sub(&wk->w->running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void worker_cleanup(struct worker *wk)
{
	worker_ring_exit(wk);
	if (wk->place.buf.addr)
		place_free(&wk->place);
	else
		free(wk->mem);
	free(wk->slots);
	free(wk->free);
	free(wk->pending);
	free(wk->walks);
	free(wk->file_index);
	free(wk->target_bytes);
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
		r = -pthread_create(&wk->tid, NULL, worker_main, wk);
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
	res->stopped = stopping(w) && !res->error && res->bytes < total_bytes(w);
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
			worker_cleanup(&w->workers[t]);
	free(w->workers);
	dgen_verify_free(w->verify);
	wstats_free(w->stats);
	free(w->targets);
	free(w->streams);
	free(w);
}

/* ===== Per-target figures (dgen/sample.h, wstats.c) ===== */

int dgen_writer_sample(const struct dgen_writer *w, unsigned int k,
		       struct dgen_target_sample *out)
{
	if (k >= w->n)
		return -ENOENT;
	if (!w->stats)
		return -ENODATA;
	wstats_sample(w->stats, k, out);
	return 0;
}

int dgen_writer_outstanding(const struct dgen_writer *w,
			    struct dgen_io_outstanding *out)
{
	if (!w->stats)
		return -ENODATA;
	wstats_outstanding(w->stats, out);
	return 0;
}

void dgen_writer_abandon(struct dgen_writer *w, struct dgen_writer_result *res)
{
	struct dgen_target_sample ts;

	dgen_writer_stop(w);
	memset(res, 0, sizeof(*res));
	dgen_latency_init(&res->latency);
	res->error_target = -1;
	if (w->stats) {
		wstats_wake(w->stats);
		for (unsigned int k = 0; k < w->n; k++) {
			wstats_sample(w->stats, k, &ts);
			res->bytes += ts.bytes;
			res->ops += ts.ios;
			dgen_latency_merge(&res->latency, &ts.lat);
		}
	} else {
		res->bytes = dgen_writer_bytes(w);
	}
	res->seconds = (double)(dgen_clock_ns() - w->t0) / 1e9;
	if (w->started)
		res->ring_features = __atomic_load_n(&w->workers[0].features,
						     __ATOMIC_RELAXED);
	res->stopped = 1;
}
