// SPDX-License-Identifier: MIT
/*
 * burnin_tree.c - verify and burn-in passes over a file tree (--dir)
 *
 * A tree's passes are a device run's passes with the files as targets:
 * pass p writes file i with stream (--stream + i) of seed
 * dgen_pass_seed(seed, p), and verify reads it back against that stream,
 * with pass p - 1's stream of the file to tell stale blocks. Mismatches
 * name the file and the payload offset of the bad block.
 *
 * Raw files go through the engine like tools/tree.c writes them: a batch
 * of files (as many as may be open at once) per writer run, opened
 * read-only for verify. Formatted files (npz, TFRecord, HDF5) are written
 * by worker threads with dgen_format_write and read back with
 * dgen_format_verify, which checks the payload and every byte of the
 * format around it (headers, lengths, CRCs): an error there is a framing
 * error, counted apart from the payload's bad blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "burnin_impl.h"
#include "util.h"

#define FMT_BUF		(1u << 20)	/* per-thread buffer, formatted files */

const char *burnin_tree_path(const struct run *r, uint64_t i)
{
	static __thread char path[4096];
	const struct job *t = r->j->tree;

	if (dgen_tree_path(path, sizeof(path), t->dir, t->fanout, i,
			   dgen_format_suffix(t->format)) < 0)
		snprintf(path, sizeof(path), "%s/(file %llu)", t->dir,
			 (unsigned long long)i);
	return path;
}

/*
 * --verify-only reads a tree an earlier run wrote: every file must be
 * there (a raw one at its size, as for a device region), or nothing is
 * read; a formatted file of the wrong size is a finding of the verify
 * itself. A run that writes makes the tree fresh, as tools/tree.c does.
 */
int burnin_tree_check(struct run *r)
{
	const struct burnin_job *j = r->j;
	const struct job *t = j->tree;
	char msg[512];
	int err;

	if (t->files > INT_MAX) {
		fprintf(stderr, "dgen-uring: --files %llu: verify and burn-in take trees of at most %d files\n",
			(unsigned long long)t->files, INT_MAX);
		return EXIT_USAGE;
	}
	r->total = t->files * t->file_size;
	if (!j->b.verify_only) {
		err = dgen_tree_prepare(t->dir, t->files, t->fanout,
					dgen_format_suffix(t->format),
					j->force ? DGEN_TREE_FORCE : 0, msg,
					sizeof(msg));
		if (err)
			say_refusal(msg, err);
		return err ? EXIT_USAGE : 0;
	}
	for (uint64_t i = 0; i < t->files; i++) {
		const char *path = burnin_tree_path(r, i);
		struct stat st;

		if (stat(path, &st) < 0) {
			fprintf(stderr, "dgen-uring: cannot verify %s: %s\n",
				path, strerror(errno));
			return EXIT_USAGE;
		}
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "dgen-uring: cannot verify %s: not a regular file\n",
				path);
			return EXIT_USAGE;
		}
		if (t->format == DGEN_FORMAT_RAW &&
		    (uint64_t)st.st_size != t->file_size) {
			fprintf(stderr, "dgen-uring: cannot verify %s: it holds %llu bytes, the tree's files %llu (--file-size)\n",
				path, (unsigned long long)st.st_size,
				(unsigned long long)t->file_size);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* ===== Raw files: through the engine, a batch per writer run ===== */

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
static int batch_open(struct run *r, struct batch *b, uint64_t p,
		      enum dgen_writer_mode mode, uint64_t first, uint64_t n)
{
	const struct job *t = r->j->tree;
	char msg[512];
	int err;

	for (b->n = 0; b->n < n; b->n++) {
		uint64_t i = first + b->n;

		err = dgen_target_open(&b->targets[b->n], burnin_tree_path(r, i),
				       0, t->file_size,
				       mode == DGEN_MODE_VERIFY ? DGEN_TARGET_READ : 0,
				       msg, sizeof(msg));
		if (!err)
			err = burnin_stream_new(r, &b->streams[b->n], p,
						r->j->stream + i, t->file_size);
		else
			fprintf(stderr, "dgen-uring: %s\n", msg);
		if (!err && mode == DGEN_MODE_VERIFY && p >= 2)
			err = burnin_stream_new(r, &b->prev[b->n], p - 1,
						r->j->stream + i, t->file_size);
		if (err) {
			b->n++;
			r->error = err;
			r->error_target = (int)i;
			r->error_offset = 0;
			r->error_phase = mode == DGEN_MODE_VERIFY ? "open for read" :
					 "open for write";
			return err;
		}
	}
	return 0;
}

static int raw_phase(struct run *r, struct pass *p, enum dgen_writer_mode mode,
		     struct phase *ph, struct dgen_writer *volatile *cur)
{
	const struct job *t = r->j->tree;
	uint64_t max = tree_batch();
	struct batch b;
	int err = -ENOMEM;

	if (max > t->files)
		max = t->files;
	b = (struct batch) {
		.targets = calloc(max, sizeof(*b.targets)),
		.streams = calloc(max, sizeof(*b.streams)),
		.prev = calloc(max, sizeof(*b.prev)),
	};
	if (!b.targets || !b.streams || !b.prev) {
		fprintf(stderr, "dgen-uring: out of memory\n");
		r->error = err;
		r->error_target = -1;
		r->error_phase = "start";
		goto out;
	}
	for (uint64_t first = 0; first < t->files; first += max) {
		uint64_t n = t->files - first < max ? t->files - first : max;

		err = batch_open(r, &b, p->n, mode, first, n);
		if (!err)
			err = burnin_engine_phase(r, p, mode, ph, cur,
				(struct dgen_target *const *)b.targets,
				(const struct dgen_stream *const *)b.streams,
				b.prev[0] ? (const struct dgen_stream *const *)b.prev : NULL,
				(unsigned int)n, first);
		batch_close(&b);
		if (err || ph->stopped || *r->interrupted)
			break;
		if (r->deadline && now_ns() >= r->deadline) {
			ph->stopped = 1;	/* cut between batches */
			break;
		}
	}
out:
	free(b.targets);
	free(b.streams);
	free(b.prev);
	return err;
}

/* ===== Formatted files: worker threads, through the page cache ===== */

struct fmt_phase {
	struct run *r;
	uint64_t n;			/* the pass */
	enum dgen_writer_mode mode;
	unsigned int threads;
	uint64_t bytes, mismatches;	/* atomic: for status lines */
	uint64_t next_ns;		/* atomic: the --rate clock */
	unsigned int running;		/* atomic: workers not finished */
	int stop;			/* atomic */
};

struct fmt_worker {
	struct fmt_phase *fp;
	unsigned int id;
	pthread_t tid;
	struct phase ph;		/* bytes, mismatches, kinds, framing */
	uint64_t framing_file, framing_offset;	/* the first framing error */
	struct dgen_verify_mismatch *list;	/* its lowest, sorted */
	unsigned int listed;
	int error;
	uint64_t error_file;
	const char *error_phase;
};

/*
 * --rate: each file books its bytes on a clock all workers share (as the
 * engine books each I/O) and starts when its booking does; an idle clock
 * is pulled up to now, so idle time buys no burst.
 */
static void pace(struct fmt_phase *fp, uint64_t bytes)
{
	const uint64_t rate = fp->r->j->b.rate;
	uint64_t now, start, next, cost;

	if (!rate)
		return;
	cost = (uint64_t)((unsigned __int128)bytes * 1000000000u / rate);
	now = now_ns();
	next = __atomic_load_n(&fp->next_ns, __ATOMIC_RELAXED);
	do
		start = next > now ? next : now;
	while (!__atomic_compare_exchange_n(&fp->next_ns, &next, start + cost,
					    0, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED));
	while (!__atomic_load_n(&fp->stop, __ATOMIC_RELAXED) &&
	       (now = now_ns()) < start) {
		uint64_t ns = start - now < POLL_NS ? start - now : POLL_NS;
		struct timespec ts = { 0, (long)ns };

		nanosleep(&ts, NULL);
	}
}

/* Write file @i of the tree; its bytes in *@bytes. */
static int fmt_write(struct fmt_worker *fw, uint64_t i,
		     const struct dgen_stream *s, void *buf, uint64_t *bytes)
{
	const struct job *t = fw->fp->r->j->tree;
	/* Pass 1 makes the files fresh (burnin_tree_check saw none). */
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC |
		    (fw->fp->n == 1 ? O_EXCL : O_TRUNC);
	int fd = open(burnin_tree_path(fw->fp->r, i), flags, 0644), err;
	struct stat st;

	if (fd < 0) {
		fw->error_phase = "open for write";
		return -errno;
	}
	fw->error_phase = "write";
	err = dgen_format_write(fd, t->format, s, t->file_size, t->record_size,
				buf, FMT_BUF);
	if (!err && fstat(fd, &st))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err)
		*bytes = (uint64_t)st.st_size;
	return err;
}

/* Read file @i back and judge it; its bytes in *@bytes. */
static int fmt_verify(struct fmt_worker *fw, uint64_t i,
		      const struct dgen_stream *s,
		      const struct dgen_stream *prev, void *buf,
		      struct dgen_verify_mismatch *rep, uint64_t *bytes)
{
	const struct job *t = fw->fp->r->j->tree;
	const unsigned int max = fw->fp->r->j->b.max_report;
	int fd = open(burnin_tree_path(fw->fp->r, i), O_RDONLY | O_CLOEXEC), err;
	struct dgen_format_check c;
	struct stat st;

	if (fd < 0) {
		fw->error_phase = "open for read";
		return -errno;
	}
	fw->error_phase = "read";
	err = dgen_format_verify(fd, t->format, s, prev, t->file_size,
				 t->record_size, buf, FMT_BUF, rep,
				 max - fw->listed, &c);
	if (!err && fstat(fd, &st))
		err = -errno;
	close(fd);
	if (err)
		return err;
	*bytes = (uint64_t)st.st_size;
	fw->ph.mismatches += c.mismatches;
	fw->ph.bad_sectors += c.bad_sectors;
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		fw->ph.kinds[k] += c.kinds[k];
	if (c.framing_errors && !fw->ph.framing) {
		fw->framing_file = i;
		fw->framing_offset = c.framing_offset;
	}
	fw->ph.framing += c.framing_errors;
	/* Files go in increasing order, each file's list by offset: the
	 * worker's list is its lowest (file, offset) so far. */
	for (unsigned int m = 0; m < c.reported && fw->listed < max; m++) {
		fw->list[fw->listed] = rep[m];
		fw->list[fw->listed++].target = (unsigned int)i;
	}
	__atomic_add_fetch(&fw->fp->mismatches, c.mismatches + c.framing_errors,
			   __ATOMIC_RELAXED);
	return 0;
}

static void *fmt_main(void *arg)
{
	struct fmt_worker *fw = arg;
	struct fmt_phase *fp = fw->fp;
	const struct burnin_job *j = fp->r->j;
	const struct job *t = j->tree;
	const uint64_t expect = dgen_format_size(t->format, t->file_size,
						 t->record_size);
	struct dgen_verify_mismatch *rep = NULL;
	uint64_t t0 = now_ns();
	void *buf = NULL;
	int err = 0;

	if (posix_memalign(&buf, 4096, FMT_BUF) ||
	    (fp->mode == DGEN_MODE_VERIFY && j->b.max_report &&
	     (!(rep = calloc(j->b.max_report, sizeof(*rep))) ||
	      !(fw->list = calloc(j->b.max_report, sizeof(*fw->list)))))) {
		err = -ENOMEM;
		fw->error_file = UINT64_MAX;	/* no file's fault */
		fw->error_phase = "start";
		goto out;
	}
	for (uint64_t i = fw->id; i < t->files; i += fp->threads) {
		struct dgen_stream *s = NULL, *prev = NULL;
		uint64_t bytes = 0;

		if (__atomic_load_n(&fp->stop, __ATOMIC_RELAXED)) {
			fw->ph.stopped = 1;
			break;
		}
		/* HDF5's size is up to libhdf5: book the payload's. */
		pace(fp, expect ? expect : t->file_size);
		err = burnin_stream_new(fp->r, &s, fp->n, j->stream + i,
					t->file_size);
		if (!err && fp->mode == DGEN_MODE_VERIFY && fp->n >= 2)
			err = burnin_stream_new(fp->r, &prev, fp->n - 1,
						j->stream + i, t->file_size);
		if (!err && fp->mode == DGEN_MODE_WRITE)
			err = fmt_write(fw, i, s, buf, &bytes);
		else if (!err)
			err = fmt_verify(fw, i, s, prev, buf, rep, &bytes);
		dgen_stream_free(s);
		dgen_stream_free(prev);
		if (err) {
			fw->error_file = i;
			__atomic_store_n(&fp->stop, 1, __ATOMIC_RELAXED);
			break;
		}
		fw->ph.bytes += bytes;
		__atomic_add_fetch(&fp->bytes, bytes, __ATOMIC_RELAXED);
	}
out:
	fw->error = err;
	fw->ph.seconds = (double)(now_ns() - t0) / 1e9;
	free(rep);
	free(buf);
	__atomic_sub_fetch(&fp->running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int fp_running(void *arg)
{
	return __atomic_load_n(&((struct fmt_phase *)arg)->running,
			       __ATOMIC_ACQUIRE) > 0;
}

static uint64_t fp_bytes(void *arg)
{
	return __atomic_load_n(&((struct fmt_phase *)arg)->bytes,
			       __ATOMIC_RELAXED);
}

static uint64_t fp_mismatches(void *arg)
{
	return __atomic_load_n(&((struct fmt_phase *)arg)->mismatches,
			       __ATOMIC_RELAXED);
}

static void fp_stop(void *arg)
{
	__atomic_store_n(&((struct fmt_phase *)arg)->stop, 1, __ATOMIC_RELAXED);
}

static int by_target_offset(const void *a, const void *b)
{
	const struct dgen_verify_mismatch *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sum the workers into @ph; the run's first error and framing error. */
static void fmt_collect(struct run *r, struct pass *p, struct phase *ph,
			struct fmt_worker *fw, unsigned int T)
{
	struct dgen_verify_mismatch *all;
	unsigned int n = 0, err_w = T, fr_w = T;

	for (unsigned int w = 0; w < T; w++) {
		ph->bytes += fw[w].ph.bytes;
		ph->mismatches += fw[w].ph.mismatches;
		ph->bad_sectors += fw[w].ph.bad_sectors;
		ph->framing += fw[w].ph.framing;
		ph->stopped |= fw[w].ph.stopped;
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			ph->kinds[k] += fw[w].ph.kinds[k];
		if (fw[w].ph.seconds > ph->seconds)
			ph->seconds = fw[w].ph.seconds;
		if (fw[w].error && (err_w == T ||
				    fw[w].error_file < fw[err_w].error_file))
			err_w = w;
		if (fw[w].ph.framing && (fr_w == T ||
					 fw[w].framing_file < fw[fr_w].framing_file))
			fr_w = w;
		n += fw[w].listed;
	}
	r->bytes_before += ph->bytes;
	if (err_w < T && !r->error) {
		r->error = fw[err_w].error;
		r->error_target = fw[err_w].error_file == UINT64_MAX ? -1 :
				  (int)fw[err_w].error_file;
		r->error_offset = 0;
		r->error_phase = fw[err_w].error_phase;
	}
	if (fr_w < T && r->framing_target < 0) {
		r->framing_target = (int)fw[fr_w].framing_file;
		r->framing_offset = fw[fr_w].framing_offset;
	}
	/* The run's lowest are among each worker's lowest. */
	all = n ? calloc(n, sizeof(*all)) : NULL;
	if (!all)
		return;
	n = 0;
	for (unsigned int w = 0; w < T; w++) {
		memcpy(all + n, fw[w].list, fw[w].listed * sizeof(*all));
		n += fw[w].listed;
	}
	qsort(all, n, sizeof(*all), by_target_offset);
	burnin_keep(r, p, all, n, 0);
	free(all);
}

static int fmt_phase(struct run *r, struct pass *p, enum dgen_writer_mode mode,
		     struct phase *ph)
{
	unsigned int T = r->j->opts.threads ? r->j->opts.threads : 1;
	struct fmt_phase fp = { .r = r, .n = p->n, .mode = mode };
	struct fmt_worker *fw;
	struct probe pr = {
		.running = fp_running, .bytes = fp_bytes,
		.mismatches = fp_mismatches, .stop = fp_stop, .arg = &fp,
	};

	if (T > r->j->tree->files)
		T = (unsigned int)r->j->tree->files;
	fw = calloc(T, sizeof(*fw));
	if (!fw) {
		fprintf(stderr, "dgen-uring: out of memory\n");
		r->error = -ENOMEM;
		r->error_target = -1;
		r->error_phase = "start";
		return -ENOMEM;
	}
	fp.threads = T;
	fp.running = T;
	for (unsigned int w = 0; w < T; w++) {
		fw[w] = (struct fmt_worker) { .fp = &fp, .id = w };
		if (pthread_create(&fw[w].tid, NULL, fmt_main, &fw[w])) {
			fw[w].error = -EAGAIN;
			fw[w].error_file = UINT64_MAX;
			fw[w].error_phase = "start";
			fp.stop = 1;
			__atomic_sub_fetch(&fp.running, T - w, __ATOMIC_RELEASE);
			T = w;
			break;
		}
	}
	burnin_watch(r, &pr, p, mode == DGEN_MODE_VERIFY ? "verify" : "write",
		     mode == DGEN_MODE_VERIFY);
	for (unsigned int w = 0; w < T; w++)
		pthread_join(fw[w].tid, NULL);
	fmt_collect(r, p, ph, fw, T);
	for (unsigned int w = 0; w < T; w++)
		free(fw[w].list);
	free(fw);
	return r->error;
}

int burnin_tree_phase(struct run *r, struct pass *p,
		      enum dgen_writer_mode mode, struct phase *ph,
		      struct dgen_writer *volatile *cur)
{
	if (r->j->tree->format == DGEN_FORMAT_RAW)
		return raw_phase(r, p, mode, ph, cur);
	return fmt_phase(r, p, mode, ph);
}

/* The tree's part of the report: where it is and its streams. */
void burnin_tree_report(const struct run *r, int json)
{
	const struct job *t = r->j->tree;
	const struct dgen_stream_params *sp = &r->j->params;
	uint64_t fsize = dgen_format_size(t->format, t->file_size,
					  t->record_size);

	if (json) {
		printf("  \"tree\": { ");
		tree_json_fields(t, fsize, r->j->stream);
		printf(",\n");
		printf("    \"stream\": { \"seed\": %llu, \"size\": %llu, \"dedup_ratio\": %.17g, \"dedup_unit\": %u, \"compress_ratio\": %.17g, \"compress_chunk\": %u } },\n",
		       (unsigned long long)r->j->seed,
		       (unsigned long long)t->file_size, sp->dedup_ratio,
		       sp->dedup_unit, sp->compress_ratio, sp->compress_chunk);
		return;
	}
	printf("  tree %s: %llu files (%s, payload %llu bytes), fan-out %u\n",
	       t->dir, (unsigned long long)t->files,
	       dgen_format_name(t->format), (unsigned long long)t->file_size,
	       t->fanout);
	printf("    streams %llu..%llu (file i: stream %llu + i): dedup %g (unit %u), compress %g (chunk %u); offsets below are payload offsets\n",
	       (unsigned long long)r->j->stream,
	       (unsigned long long)(r->j->stream + t->files - 1),
	       (unsigned long long)r->j->stream, sp->dedup_ratio, sp->dedup_unit,
	       sp->compress_ratio, sp->compress_chunk);
}
