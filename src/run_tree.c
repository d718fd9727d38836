// SPDX-License-Identifier: MIT
/*
 * run_tree.c - the phases of a run over a tree of files
 *
 * File i of the tree is a target of its own with stream (first id + i) of
 * the pass's seed, and the phases name it and the payload offset of a bad
 * block. Raw files go through the engine a batch at a time: each batch,
 * as many files as may be open at once, is one writer run, whose threads
 * keep queue depth I/Os in flight across many files; only the ring set-up
 * is paid again per batch. Formatted files (npz, TFRecord, HDF5) go to one
 * pool of worker threads, each taking every threads-th file, written with
 * dgen_format_write and read back with dgen_format_verify, which checks
 * the payload and every byte of the format around it: an error there is a
 * framing error, counted apart from the payload's bad blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_impl.h"

#define FD_SPARE	64		/* descriptors kept for everything else */
#define FMT_BUF		(1u << 20)	/* per-thread buffer, formatted files */

const char *run_tree_name(const struct dgen_run *r, uint64_t i, char *buf,
			  size_t len)
{
	const struct dgen_run_tree *t = &r->o.tree;

	if (dgen_tree_path(buf, len, t->dir, t->fanout, i,
			   dgen_format_suffix(t->format)) < 0)
		snprintf(buf, len, "%s/(file %llu)", t->dir,
			 (unsigned long long)i);
	return buf;
}

/* File @i's path in a buffer per thread. */
static const char *run_tree_path(const struct dgen_run *r, uint64_t i)
{
	static __thread char path[4096];

	return run_tree_name(r, i, path, sizeof(path));
}

/*
 * A verify-only run reads a tree an earlier run wrote: every file must be
 * there (a raw one at its size, as for a device region), or nothing is
 * read; a formatted file of the wrong size is a finding of the verify
 * itself. A run that writes makes the tree fresh.
 */
int run_tree_check(struct dgen_run *r, char *msg, size_t msglen)
{
	const struct dgen_run_tree *t = &r->o.tree;
	int err;

	if (r->o.mode != DGEN_RUN_WRITE && t->files > INT_MAX) {
		snprintf(msg, msglen, "%llu files: a tree is read back in trees of at most %d files",
			 (unsigned long long)t->files, INT_MAX);
		return -EINVAL;
	}
	if (t->format == DGEN_FORMAT_RAW && t->file_size % 4096) {
		snprintf(msg, msglen, "file size %llu is not a multiple of 4 KiB, which raw files need for O_DIRECT",
			 (unsigned long long)t->file_size);
		return -EINVAL;
	}
	if (r->o.mode != DGEN_RUN_VERIFY_ONLY)
		return dgen_tree_prepare(t->dir, t->files, t->fanout,
					 dgen_format_suffix(t->format),
					 r->o.flags & DGEN_RUN_FORCE ?
					 DGEN_TREE_FORCE : 0, msg, msglen);
	for (uint64_t i = 0; i < t->files; i++) {
		const char *path = run_tree_path(r, i);
		struct stat st;

		if (stat(path, &st) < 0) {
			err = -errno;
			snprintf(msg, msglen, "cannot verify %s: %s", path,
				 strerror(-err));
			return err;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(msg, msglen, "cannot verify %s: not a regular file",
				 path);
			return -EINVAL;
		}
		if (t->format == DGEN_FORMAT_RAW &&
		    (uint64_t)st.st_size != t->file_size) {
			snprintf(msg, msglen, "cannot verify %s: it holds %llu bytes, the tree's files %llu (the file size)",
				 path, (unsigned long long)st.st_size,
				 (unsigned long long)t->file_size);
			return -ENOSPC;
		}
	}
	return 0;
}

/* ===== Raw files: through the engine, a batch per writer run ===== */

/*
 * The raw files of one writer run stay open (and registered with every
 * ring) for that run, so a batch takes at most as many files as the
 * descriptor limit allows: the soft limit is raised to the hard one.
 */
static uint64_t batch_max(void)
{
	const char *env = getenv("DGEN_TREE_BATCH");
	struct rlimit rl;
	uint64_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= DGEN_RUN_BATCH_MAX + FD_SPARE)
		n = DGEN_RUN_BATCH_MAX;
	else
		n = rl.rlim_cur > 2 * FD_SPARE ? rl.rlim_cur - FD_SPARE : 1;
	/* Tests force small batches to cover the seams between them. */
	if (env && strtoull(env, NULL, 10) && strtoull(env, NULL, 10) < n)
		n = strtoull(env, NULL, 10);
	return n;
}

struct batch {
	struct dgen_target **targets;
	struct dgen_stream **streams, **prev;
	uint64_t n;
};

static void batch_close(struct batch *b)
{
	for (uint64_t k = 0; k < b->n; k++) {
		dgen_target_close(b->targets[k]);
		dgen_stream_free(b->streams[k]);
		dgen_stream_free(b->prev[k]);
		b->targets[k] = NULL;
		b->streams[k] = b->prev[k] = NULL;
	}
	b->n = 0;
}

/* Open files [first, first + n) for @mode with their pass @p streams. */
static int batch_open(struct dgen_run *r, struct batch *b, uint64_t p,
		      enum dgen_writer_mode mode, uint64_t first, uint64_t n)
{
	const struct dgen_run_tree *t = &r->o.tree;
	const uint64_t id0 = r->o.params.stream_id;
	char msg[256];
	int err;

	for (b->n = 0; b->n < n; b->n++) {
		uint64_t i = first + b->n;

		/* The tree's files are the run's own, made by its first
		 * pass: not probed for signatures (DGEN_TARGET_FORCE). */
		err = dgen_target_open(&b->targets[b->n], run_tree_path(r, i),
				       0, t->file_size,
				       mode == DGEN_MODE_VERIFY ? DGEN_TARGET_READ :
				       DGEN_TARGET_FORCE, msg, sizeof(msg));
		if (!err)
			err = run_stream_new(r, &b->streams[b->n], p, id0 + i,
					     t->file_size, msg, sizeof(msg));
		if (!err && mode == DGEN_MODE_VERIFY && p >= 2)
			err = run_stream_new(r, &b->prev[b->n], p - 1, id0 + i,
					     t->file_size, msg, sizeof(msg));
		if (err) {
			b->n++;
			run_error(r, err, (int64_t)i, 0,
				  mode == DGEN_MODE_VERIFY ? "open for read" :
				  "open for write", msg);
			return err;
		}
	}
	return 0;
}

static int raw_phase(struct dgen_run *r, uint64_t pass,
		     enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		     struct dgen_mismatch_keep *keep)
{
	const uint64_t files = r->o.tree.files;
	uint64_t max = batch_max();
	struct batch b;
	int err = -ENOMEM;

	if (max > files)
		max = files;
	b = (struct batch) {
		.targets = calloc(max, sizeof(*b.targets)),
		.streams = calloc(max, sizeof(*b.streams)),
		.prev = calloc(max, sizeof(*b.prev)),
	};
	if (!b.targets || !b.streams || !b.prev) {
		run_error(r, err, -1, 0, "start", "out of memory");
		goto out;
	}
	for (uint64_t first = 0; first < files; first += max) {
		uint64_t n = files - first < max ? files - first : max;

		err = batch_open(r, &b, pass, mode, first, n);
		if (!err)
			err = run_engine_phase(r, pass, mode, ph, keep,
				(struct dgen_target *const *)b.targets,
				(const struct dgen_stream *const *)b.streams,
				b.prev[0] ? (const struct dgen_stream *const *)b.prev : NULL,
				(unsigned int)n, first);
		batch_close(&b);
		if (err || ph->stopped)
			break;
		/* Cut between batches: the files not begun count as cut. */
		if (first + n < files && (run_stopping(r) || run_past_deadline(r))) {
			ph->stopped = 1;
			break;
		}
	}
out:
	free(b.targets);
	free(b.streams);
	free(b.prev);
	return err;
}

/* ===== Formatted files: one pool of workers, through the page cache ===== */

struct pool {
	struct dgen_run *r;
	uint64_t pass;
	enum dgen_writer_mode mode;
	struct dgen_mismatch_keep *keep;
	unsigned int threads;
	uint64_t bytes, mismatches;	/* atomic: for progress */
	unsigned int running;		/* atomic: workers not finished */
	int stop;			/* atomic */
};

struct worker {
	struct pool *p;
	unsigned int id;
	pthread_t tid;
	struct dgen_run_phase ph;	/* bytes, files, mismatches, framing */
	uint64_t framing_file, framing_offset;	/* its first framing error */
	int error;
	uint64_t error_file;		/* UINT64_MAX: no file's fault */
	const char *error_phase;
};

/* Write file @i; its bytes in *@bytes. */
static int fmt_write(struct worker *wk, uint64_t i,
		     const struct dgen_stream *s, void *buf, uint64_t *bytes)
{
	const struct dgen_run_tree *t = &wk->p->r->o.tree;
	/* Pass 1 makes the files fresh (the check found none, or removed
	 * them when forced). */
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC |
		    (wk->p->pass == 1 ? O_EXCL : O_TRUNC);
	int fd = open(run_tree_path(wk->p->r, i), flags, 0644), err;
	struct stat st;

	if (fd < 0) {
		wk->error_phase = "open for write";
		return -errno;
	}
	wk->error_phase = "write";
	err = dgen_format_write(fd, t->format, s, t->file_size, t->record_size,
				buf, FMT_BUF);
	/* The size HDF5 made, and a check on the others' arithmetic. */
	if (!err && fstat(fd, &st))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err)
		*bytes = (uint64_t)st.st_size;
	return err;
}

/* Read file @i back and judge it; its bytes in *@bytes. */
static int fmt_verify(struct worker *wk, uint64_t i,
		      const struct dgen_stream *s,
		      const struct dgen_stream *prev, void *buf,
		      struct dgen_verify_mismatch *rep, unsigned int nrep,
		      uint64_t *bytes)
{
	const struct dgen_run_tree *t = &wk->p->r->o.tree;
	int fd = open(run_tree_path(wk->p->r, i), O_RDONLY | O_CLOEXEC), err;
	struct dgen_format_check c;
	struct stat st;

	if (fd < 0) {
		wk->error_phase = "open for read";
		return -errno;
	}
	wk->error_phase = "read";
	err = dgen_format_verify(fd, t->format, s, prev, t->file_size,
				 t->record_size, buf, FMT_BUF, rep, nrep, &c);
	if (!err && fstat(fd, &st))
		err = -errno;
	close(fd);
	if (err)
		return err;
	*bytes = (uint64_t)st.st_size;
	wk->ph.mismatches += c.mismatches;
	wk->ph.bad_sectors += c.bad_sectors;
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		wk->ph.kinds[k] += c.kinds[k];
	if (c.framing_errors && !wk->ph.framing) {
		wk->framing_file = i;
		wk->framing_offset = c.framing_offset;
	}
	wk->ph.framing += c.framing_errors;
	for (unsigned int m = 0; m < c.reported; m++) {
		rep[m].target = (unsigned int)i;
		dgen_mismatch_keep_add(wk->p->keep, &rep[m]);
	}
	__atomic_add_fetch(&wk->p->mismatches, c.mismatches + c.framing_errors,
			   __ATOMIC_RELAXED);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct pool *p = wk->p;
	struct dgen_run *r = p->r;
	const struct dgen_run_tree *t = &r->o.tree;
	const uint64_t expect = dgen_format_size(t->format, t->file_size,
						 t->record_size);
	const unsigned int nrep = r->o.max_report;
	struct dgen_verify_mismatch *rep = NULL;
	void *buf = NULL;
	int err = 0;

	if (posix_memalign(&buf, 4096, FMT_BUF) ||
	    (p->mode == DGEN_MODE_VERIFY && nrep &&
	     !(rep = calloc(nrep, sizeof(*rep))))) {
		err = -ENOMEM;
		wk->error_file = UINT64_MAX;
		wk->error_phase = "start";
		goto out;
	}
	for (uint64_t i = wk->id; i < t->files; i += p->threads) {
		struct dgen_stream *s = NULL, *prev = NULL;
		uint64_t bytes = 0;

		/* HDF5's size is up to libhdf5: book the payload's. */
		if (__atomic_load_n(&p->stop, __ATOMIC_RELAXED) ||
		    dgen_rate_wait(&r->rate, expect ? expect : t->file_size,
				   &p->stop)) {
			wk->ph.stopped = 1;
			break;
		}
		err = run_stream_new(r, &s, p->pass, r->o.params.stream_id + i,
				     t->file_size, NULL, 0);
		if (!err && p->mode == DGEN_MODE_VERIFY && p->pass >= 2)
			err = run_stream_new(r, &prev, p->pass - 1,
					     r->o.params.stream_id + i,
					     t->file_size, NULL, 0);
		if (err)
			wk->error_phase = "start";
		else if (p->mode == DGEN_MODE_WRITE)
			err = fmt_write(wk, i, s, buf, &bytes);
		else
			err = fmt_verify(wk, i, s, prev, buf, rep, nrep, &bytes);
		dgen_stream_free(s);
		dgen_stream_free(prev);
		if (err) {
			wk->error_file = i;
			__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
			break;
		}
		wk->ph.bytes += bytes;
		wk->ph.files++;
		__atomic_add_fetch(&p->bytes, bytes, __ATOMIC_RELAXED);
	}
out:
	wk->error = err;
	free(rep);
	free(buf);
	__atomic_sub_fetch(&p->running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int pool_running(void *arg)
{
	return __atomic_load_n(&((struct pool *)arg)->running,
			       __ATOMIC_ACQUIRE) > 0;
}

static uint64_t pool_bytes(void *arg)
{
	return __atomic_load_n(&((struct pool *)arg)->bytes, __ATOMIC_RELAXED);
}

static uint64_t pool_mismatches(void *arg)
{
	return __atomic_load_n(&((struct pool *)arg)->mismatches,
			       __ATOMIC_RELAXED);
}

static void pool_stop(void *arg)
{
	__atomic_store_n(&((struct pool *)arg)->stop, 1, __ATOMIC_RELAXED);
}

/* Sum the workers into @ph; the run's first error and framing error. */
static void pool_collect(struct dgen_run *r, struct dgen_run_phase *ph,
			 const struct worker *wk, unsigned int T)
{
	unsigned int err_w = T, fr_w = T;

	for (unsigned int w = 0; w < T; w++) {
		ph->bytes += wk[w].ph.bytes;
		ph->files += wk[w].ph.files;
		ph->mismatches += wk[w].ph.mismatches;
		ph->bad_sectors += wk[w].ph.bad_sectors;
		ph->framing += wk[w].ph.framing;
		ph->stopped |= wk[w].ph.stopped;
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			ph->kinds[k] += wk[w].ph.kinds[k];
		if (wk[w].error && (err_w == T ||
				    wk[w].error_file < wk[err_w].error_file))
			err_w = w;
		if (wk[w].ph.framing && (fr_w == T ||
					 wk[w].framing_file < wk[fr_w].framing_file))
			fr_w = w;
	}
	r->bytes_before += ph->bytes;
	if (err_w < T)
		run_error(r, wk[err_w].error,
			  wk[err_w].error_file == UINT64_MAX ? -1 :
			  (int64_t)wk[err_w].error_file, 0,
			  wk[err_w].error_phase, NULL);
	if (fr_w < T && r->res->framing_target < 0) {
		r->res->framing_target = (int64_t)wk[fr_w].framing_file;
		r->res->framing_offset = wk[fr_w].framing_offset;
	}
}

static int pool_phase(struct dgen_run *r, uint64_t pass,
		      enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		      struct dgen_mismatch_keep *keep)
{
	unsigned int T = r->o.writer.threads ? r->o.writer.threads : 1;
	struct pool p = { .r = r, .pass = pass, .mode = mode, .keep = keep };
	struct run_probe pr = {
		.running = pool_running, .bytes = pool_bytes,
		.mismatches = pool_mismatches, .stop = pool_stop, .arg = &p,
	};
	uint64_t t0 = dgen_clock_ns();
	sigset_t all, old;
	unsigned int made;
	struct worker *wk;
	int err = 0;

	if (T > r->o.tree.files)
		T = (unsigned int)r->o.tree.files;
	wk = calloc(T, sizeof(*wk));
	if (!wk) {
		run_error(r, -ENOMEM, -1, 0, "start", "out of memory");
		return -ENOMEM;
	}
	p.threads = T;
	p.running = T;
	/* Signals go to the caller's thread, never to a worker. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (made = 0; made < T; made++) {
		wk[made] = (struct worker) { .p = &p, .id = made };
		if (pthread_create(&wk[made].tid, NULL, worker_main, &wk[made])) {
			wk[made].error = -EAGAIN;
			wk[made].error_file = UINT64_MAX;
			wk[made].error_phase = "start";
			__atomic_store_n(&p.stop, 1, __ATOMIC_RELAXED);
			__atomic_sub_fetch(&p.running, T - made, __ATOMIC_RELEASE);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	run_watch(r, &pr, pass, mode);
	for (unsigned int w = 0; w < made; w++)
		pthread_join(wk[w].tid, NULL);
	ph->seconds += (double)(dgen_clock_ns() - t0) / 1e9;
	pool_collect(r, ph, wk, made < T ? made + 1 : T);
	for (unsigned int w = 0; w < T && !err; w++)
		err = wk[w].error;
	free(wk);
	return r->res->error ? r->res->error : err;
}

int run_tree_phase(struct dgen_run *r, uint64_t pass,
		   enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		   struct dgen_mismatch_keep *keep)
{
	if (r->o.tree.format == DGEN_FORMAT_RAW)
		return raw_phase(r, pass, mode, ph, keep);
	return pool_phase(r, pass, mode, ph, keep);
}
