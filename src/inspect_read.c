// SPDX-License-Identifier: MIT
/*
 * inspect_read.c - inspect a file, a block device or a stream in one call:
 * the io_uring readers, their worker pool and the merge
 *
 * Files and devices are read in 1 MiB blocks with O_DIRECT through
 * io_uring, one ring per thread; thread t reads blocks t, t + T, t + 2T...
 * with DGEN_INSPECT_READ_QD reads in flight while it hashes and compresses
 * the block at hand, into an inspector of its own (all sharing one cache
 * of compressed sizes). The inspectors are merged in a binary tree at the
 * end (log2 T rounds, pairs in parallel). Streams are read with read(2)
 * on the caller's thread. What is read, and how, is inspect_source.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <dgen/inspect.h>

#include "clock.h"
#include "inspect_impl.h"
#include "ring_impl.h"

#define QD		DGEN_INSPECT_READ_QD

struct worker;

struct job {
	struct source *src;
	struct worker *w;
	unsigned int threads;
	atomic_int stop;		/* a worker failed: the others stop */
	atomic_uint_fast64_t bytes;	/* fed so far, for progress */
	atomic_uint finished;		/* workers done reading */
	enum dgen_inspect_read_how force;
	pthread_barrier_t merge_bar;
	/* Workers wait at this gate until all are started (gate 1), or
	 * leave at once when one could not be (gate -1). */
	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	int gate;
};

struct worker {
	struct job *job;
	unsigned int id;
	pthread_t tid;
	struct dgen_inspect *in;
	enum dgen_inspect_read_how mode;
	int err;			/* -errno of the failure, 0 if none */
	int read_err;			/* err came from a read */
	uint64_t err_off;		/* where the failed read was */
};

void dgen_inspect_read_opts_init(struct dgen_inspect_read_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->path = "-";
	o->size = UINT64_MAX;
	o->how = DGEN_INSPECT_READ_FIXED;
	o->progress_s = 1.0;
}

/* Seconds since @t0_ns on the library's clock. */
static double seconds_since(uint64_t t0_ns)
{
	return (double)(dgen_clock_ns() - t0_ns) / 1e9;
}

/* ===== Reading files and devices ===== */

struct slot {
	uint64_t block;			/* block index in the range */
	uint32_t need;			/* bytes of the range in this block */
	uint32_t want;			/* bytes asked of the kernel (aligned) */
	uint32_t done;			/* bytes read so far */
	unsigned char *buf;
};

static int stop_asked(const int *stop)
{
	return stop && __atomic_load_n(stop, __ATOMIC_RELAXED);
}

static void worker_fail(struct worker *w, int err, int read_err, uint64_t off)
{
	if (!w->err) {
		w->err = err;
		w->read_err = read_err;
		w->err_off = off;
	}
	atomic_store(&w->job->stop, 1);
}

static void slot_start(struct slot *s, const struct source *src,
		       uint64_t block)
{
	uint64_t left = src->rep->len - block * BLOCK;

	s->block = block;
	s->need = left < BLOCK ? (uint32_t)left : BLOCK;
	s->want = src->rep->direct ?
		  (s->need + DIRECT_ALIGN - 1) & ~(DIRECT_ALIGN - 1) : s->need;
	s->done = 0;
}

static uint64_t slot_pos(const struct slot *s, const struct source *src)
{
	return src->rep->start + s->block * BLOCK + s->done;
}

/*
 * Account what a read of @res bytes (or -errno) brought into @s. Returns 1
 * when the block is complete and fed, 0 when more of it must be read, -1
 * after a failure (recorded in @w).
 */
static int slot_complete(struct worker *w, struct slot *s, int res)
{
	const struct source *src = w->job->src;
	int r;

	if (res < 0) {
		worker_fail(w, res, 1, slot_pos(s, src));
		return -1;
	}
	if (res == 0) {
		/* The file shrank under us: what we were told is not there. */
		worker_fail(w, -ENODATA, 1, slot_pos(s, src));
		return -1;
	}
	s->done += (uint32_t)res;
	if (s->done < s->need)
		return 0;
	r = dgen_inspect_feed(w->in, s->buf, s->block * BLOCK, s->need);
	if (r) {
		worker_fail(w, r, 0, 0);
		return -1;
	}
	atomic_fetch_add_explicit(&w->job->bytes, s->need,
				  memory_order_relaxed);
	return 1;
}

static void prep_read(struct io_uring *ring, struct worker *w,
		      struct slot *s, unsigned int idx)
{
	const struct source *src = w->job->src;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	/* The ring has an entry per slot, so there is always one free. */
	if (w->mode == DGEN_INSPECT_READ_FIXED)
		io_uring_prep_read_fixed(sqe, src->fd, s->buf + s->done,
					 s->want - s->done,
					 slot_pos(s, src), (int)idx);
	else
		io_uring_prep_read(sqe, src->fd, s->buf + s->done,
				   s->want - s->done, slot_pos(s, src));
	io_uring_sqe_set_data64(sqe, idx);
}

/*
 * The blocks of worker @w through io_uring, QD at a time. Returns 0 once
 * nothing is in flight, or -1 when the ring broke with reads still in
 * flight: their buffers must then outlive the ring, so the caller leaks
 * them rather than let the kernel write into freed memory.
 */
static int read_uring(struct worker *w, struct io_uring *ring,
		      struct slot *slot)
{
	const struct job *job = w->job;
	const struct source *src = job->src;
	uint64_t next = w->id;
	unsigned int inflight = 0, free_top = QD, i;
	unsigned int free_idx[QD];
	struct io_uring_cqe *cqe;
	int r, res;

	for (i = 0; i < QD; i++)
		free_idx[i] = QD - 1 - i;
	for (;;) {
		while (free_top && next < src->blocks &&
		       !atomic_load_explicit(&job->stop, memory_order_relaxed)) {
			i = free_idx[--free_top];
			slot_start(&slot[i], src, next);
			prep_read(ring, w, &slot[i], i);
			next += job->threads;
			inflight++;
		}
		if (!inflight)
			return 0;
		r = io_uring_submit_and_wait(ring, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			worker_fail(w, r, 1, src->rep->start);
			return -1;
		}
		r = io_uring_wait_cqe(ring, &cqe);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			worker_fail(w, r, 1, src->rep->start);
			return -1;
		}
		i = (unsigned int)io_uring_cqe_get_data64(cqe);
		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		inflight--;
		if (res == -EAGAIN || res == -EINTR) {
			prep_read(ring, w, &slot[i], i);	/* try again */
			inflight++;
		} else if (atomic_load(&job->stop)) {
			free_idx[free_top++] = i;	/* draining after a failure */
		} else if (slot_complete(w, &slot[i], res) == 0) {
			prep_read(ring, w, &slot[i], i);	/* short read: the rest */
			inflight++;
		} else {
			free_idx[free_top++] = i;
		}
	}
}

/* The same without io_uring, for kernels that have it switched off. */
static void read_pread(struct worker *w, struct slot *s)
{
	const struct job *job = w->job;
	uint64_t b;
	ssize_t n;

	for (b = w->id; b < job->src->blocks && !atomic_load(&job->stop);
	     b += job->threads) {
		slot_start(s, job->src, b);
		for (;;) {
			n = pread(job->src->fd, s->buf + s->done,
				  s->want - s->done,
				  (off_t)slot_pos(s, job->src));
			if (n < 0 && errno == EINTR)
				continue;
			if (slot_complete(w, s, n < 0 ? -errno : (int)n))
				break;		/* fed, or failed */
		}
		if (w->err)
			return;
	}
}

/*
 * Merge the workers' inspectors pairwise: in the round of step k, worker
 * i (a multiple of 2k) takes in worker i + k's, whose own merges ended at
 * the barrier before. Every worker waits at every barrier, failed or not.
 */
static void merge_tree(struct worker *w)
{
	struct job *job = w->job;
	unsigned int k;
	int r;

	for (k = 1; k < job->threads; k *= 2) {
		pthread_barrier_wait(&job->merge_bar);
		if (w->id % (2 * k) || w->id + k >= job->threads ||
		    atomic_load(&job->stop))
			continue;
		r = dgen_inspect_merge(w->in, job->w[w->id + k].in);
		if (r)
			worker_fail(w, r, 0, 0);
		/* Its sets are in ours now: give the memory back at once. */
		dgen_inspect_free(job->w[w->id + k].in);
		job->w[w->id + k].in = NULL;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct slot slot[QD];
	struct iovec iov[QD];
	struct io_uring ring;
	unsigned char *mem = NULL;
	int have_ring = 0, gate, r;
	unsigned int i;

	pthread_mutex_lock(&w->job->gate_mu);
	while (!w->job->gate)
		pthread_cond_wait(&w->job->gate_cv, &w->job->gate_mu);
	gate = w->job->gate;
	pthread_mutex_unlock(&w->job->gate_mu);
	if (gate < 0)
		return NULL;
	if (posix_memalign((void **)&mem, DIRECT_ALIGN, (size_t)QD * BLOCK)) {
		mem = NULL;
		worker_fail(w, -ENOMEM, 0, 0);
		goto out;
	}
	for (i = 0; i < QD; i++) {
		slot[i].buf = mem + (size_t)i * BLOCK;
		iov[i].iov_base = slot[i].buf;
		iov[i].iov_len = BLOCK;
	}
	/* The best flags the kernel takes, as the writer's rings (ring.c). */
	r = w->job->force == DGEN_INSPECT_READ_PREAD ? -ENOSYS :
	    dgen_ring_init(&ring, QD, 0);
	if (r >= 0) {
		have_ring = 1;
		/* Registered buffers spare the kernel pinning the pages for
		 * every read; without them (RLIMIT_MEMLOCK) plain reads. */
		w->mode = w->job->force == DGEN_INSPECT_READ_PLAIN ||
			  io_uring_register_buffers(&ring, iov, QD) ?
			  DGEN_INSPECT_READ_PLAIN : DGEN_INSPECT_READ_FIXED;
		if (read_uring(w, &ring, slot))
			mem = NULL;	/* see read_uring */
	} else {
		w->mode = DGEN_INSPECT_READ_PREAD;
		read_pread(w, &slot[0]);
	}
out:
	if (have_ring)
		io_uring_queue_exit(&ring);
	free(mem);
	atomic_fetch_add(&w->job->finished, 1);
	merge_tree(w);
	return NULL;
}

/*
 * While the workers read, call the progress callback every progress_s
 * seconds, looking every 10 ms whether they are done.
 */
static void watch(struct job *job, const struct dgen_inspect_read_opts *o,
		  uint64_t t0)
{
	const struct timespec poll = { 0, 10 * 1000 * 1000 };
	double step = o->progress_s > 0 ? o->progress_s : 1.0;
	double next = step, t;

	if (!o->progress && !o->stop)
		return;		/* pthread_join waits */
	while (atomic_load(&job->finished) < job->threads) {
		nanosleep(&poll, NULL);
		/* Asked to end: the workers stop reading and merge what
		 * they have, as after a failure but without one. */
		if (stop_asked(o->stop) && !job->src->rep->stopped) {
			job->src->rep->stopped = 1;
			atomic_store(&job->stop, 1);
		}
		t = seconds_since(t0);
		if (!o->progress)
			continue;
		if (t < next)
			continue;
		next += step;
		o->progress(o->progress_arg,
			    atomic_load_explicit(&job->bytes,
						 memory_order_relaxed),
			    job->src->rep->len, t);
	}
}

static void gate_open(struct job *job, int gate)
{
	pthread_mutex_lock(&job->gate_mu);
	job->gate = gate;
	pthread_cond_broadcast(&job->gate_cv);
	pthread_mutex_unlock(&job->gate_mu);
}

/* Start the workers and wait for them; returns 0 or -errno of a setup
 * failure (then no worker read anything, and none is left running). */
static int read_threads(struct job *job, const struct dgen_inspect_read_opts *o,
			uint64_t t0)
{
	unsigned int i, started;
	int r;

	r = pthread_barrier_init(&job->merge_bar, NULL, job->threads);
	if (r)
		return -r;
	pthread_mutex_init(&job->gate_mu, NULL);
	pthread_cond_init(&job->gate_cv, NULL);
	for (started = 0; started < job->threads; started++) {
		r = pthread_create(&job->w[started].tid, NULL, worker_main,
				   &job->w[started]);
		if (r)
			break;
	}
	gate_open(job, r ? -1 : 1);
	if (!r)
		watch(job, o, t0);
	for (i = 0; i < started; i++)
		pthread_join(job->w[i].tid, NULL);
	pthread_cond_destroy(&job->gate_cv);
	pthread_mutex_destroy(&job->gate_mu);
	pthread_barrier_destroy(&job->merge_bar);
	return -r;
}

/* ===== Reading streams ===== */

/* Fill @buf with up to @len bytes from @fd; returns the count (short only
 * at the end of the stream, or once @stop is set) or -errno. */
static ssize_t read_full(int fd, unsigned char *buf, size_t len,
			 const int *stop)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR && stop_asked(stop))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Read a stream to its end (or len, or a stop), skipping start bytes. */
static void read_stream(struct worker *w, const int *stop)
{
	const struct source *src = w->job->src;
	uint64_t start = src->rep->start, len = src->rep->len;
	uint64_t skip = start, pos = 0;
	unsigned char *buf;
	ssize_t n;
	int r;

	w->mode = DGEN_INSPECT_READ_STREAM;
	buf = malloc(BLOCK);
	if (!buf) {
		worker_fail(w, -ENOMEM, 0, 0);
		return;
	}
	if (skip && lseek(src->fd, (off_t)skip, SEEK_CUR) >= 0)
		skip = 0;
	while (skip) {
		n = read_full(src->fd, buf, skip < BLOCK ? skip : BLOCK, stop);
		if (stop_asked(stop))
			src->rep->stopped = 1;
		if (n <= 0 || src->rep->stopped) {
			if (n < 0)
				worker_fail(w, (int)n, 1, start - skip);
			goto out;
		}
		skip -= (uint64_t)n;
	}
	while (pos < len) {
		uint64_t want = len - pos < BLOCK ? len - pos : BLOCK;

		n = read_full(src->fd, buf, want, stop);
		if (n < 0) {
			worker_fail(w, (int)n, 1, start + pos);
			break;
		}
		if (n == 0)
			break;
		r = dgen_inspect_feed(w->in, buf, pos, (size_t)n);
		if (r) {
			worker_fail(w, r, 0, 0);
			break;
		}
		pos += (uint64_t)n;
		if (stop_asked(stop)) {
			src->rep->stopped = 1;
			break;
		}
		if ((uint64_t)n < want)
			break;
	}
out:
	free(buf);
}

/* ===== The one call ===== */

/* The first read failure of any worker, else the first failure. */
static int job_result(struct job *job, struct dgen_inspect_read_report *rep)
{
	const struct worker *first = NULL;
	unsigned int i;

	for (i = 0; i < job->threads; i++) {
		const struct worker *w = &job->w[i];

		if (!w->err)
			continue;
		rep->failures++;
		if (!first || (w->read_err && !first->read_err))
			first = w;
	}
	if (!first) {
		dgen_inspect_result_get(job->w[0].in, &rep->result);
		return 0;
	}
	rep->err_off = first->err_off;
	return inspect_fail(rep, first->read_err ? DGEN_INSPECT_READ_EREAD :
		    DGEN_INSPECT_READ_ESETUP, first->err);
}

static int opts_check(const struct dgen_inspect_read_opts *o)
{
	uint32_t s;

	if (!o || !o->path || o->threads > DGEN_INSPECT_READ_THREADS_MAX ||
	    o->how > DGEN_INSPECT_READ_PREAD)
		return -EINVAL;
	s = o->dedup_sample;
	if (s > DGEN_INSPECT_SAMPLE_MAX || (s & (s - 1)))
		return -EINVAL;
	return 0;
}

int dgen_inspect_read(const struct dgen_inspect_read_opts *o,
		      struct dgen_inspect_read_report *rep)
{
	struct dgen_inspect_opts io;
	struct source src;
	struct job job;
	unsigned int i;
	long cpus;
	uint64_t t0;
	int r;

	if (!rep)
		return -EINVAL;
	memset(rep, 0, sizeof(*rep));
	r = opts_check(o);
	if (r)
		return inspect_fail(rep, DGEN_INSPECT_READ_EOPTS, r);
	memset(&src, 0, sizeof(src));
	src.rep = rep;
	memset(&job, 0, sizeof(job));
	job.src = &src;
	job.force = o->how;
	dgen_inspect_opts_init(&io);
	r = inspect_source_open(&src, o);
	if (r)
		goto out;
	rep->dedup_sample = inspect_source_sample(&src, o->dedup_sample);
	if (src.seekable) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		job.threads = o->threads ? o->threads :
			      cpus > 0 ? (unsigned int)cpus : 1;
		if (job.threads > src.blocks)
			job.threads = src.blocks ? (unsigned int)src.blocks : 1;
	} else {
		job.threads = 1;
	}
	rep->threads = job.threads;
	job.w = calloc(job.threads, sizeof(*job.w));
	if (!job.w) {
		r = inspect_fail(rep, DGEN_INSPECT_READ_ESETUP, -ENOMEM);
		goto out;
	}
	/* One compressed-size cache for all: a piece repeated on blocks of
	 * several threads is compressed once. */
	io.dedup_sample = rep->dedup_sample;
	r = dgen_inspect_cache_new(&io.cache, io.zstd_level);
	for (i = 0; !r && i < job.threads; i++) {
		job.w[i].job = &job;
		job.w[i].id = i;
		r = dgen_inspect_new(&job.w[i].in, &io);
	}
	if (r) {
		inspect_fail(rep, DGEN_INSPECT_READ_ESETUP, r);
		goto out;
	}

	t0 = dgen_clock_ns();
	if (!src.seekable) {
		if (src.fd >= 0)	/* -1: stopped waiting for a writer */
			read_stream(&job.w[0], o->stop);
		else
			job.w[0].mode = DGEN_INSPECT_READ_STREAM;
	} else {
		r = read_threads(&job, o, t0);
		if (r) {
			inspect_fail(rep, DGEN_INSPECT_READ_ESETUP, r);
			rep->seconds = seconds_since(t0);
			goto out;
		}
	}
	rep->seconds = seconds_since(t0);
	rep->how = job.w[0].mode;
	r = job_result(&job, rep);
out:
	if (job.w)
		for (i = 0; i < job.threads; i++)
			dgen_inspect_free(job.w[i].in);
	free(job.w);
	dgen_inspect_cache_free(io.cache);
	if (src.fd >= 0 && strcmp(o->path, "-"))
		close(src.fd);		/* stdin is the caller's */
	return r;
}
