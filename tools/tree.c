// SPDX-License-Identifier: MIT
/*
 * tree.c - dgen-uring --dir: a tree of files, each its own stream
 *
 * Raw files go through the io_uring writer: each file is a target, so the
 * engine registers them all with every ring, gives file i stream
 * (--stream + i), and keeps queue depth writes in flight per thread across
 * many files at once; its work units are (file, offset), the same as for
 * devices. Formatted files (npz, TFRecord) are written by worker threads
 * with pwrite(2) (see src/format.c for why they are buffered).
 *
 * The files are made fresh: an existing one is refused (exit 2, named)
 * unless --force, which removes it first.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"
#include "util.h"

#define EXIT_USAGE	2
#define EXIT_IO		3
#define EXIT_INTR	130
#define FD_SPARE	64		/* descriptors kept for everything else */
#define FMT_BUF		(1u << 20)	/* per-thread buffer for formatted files */

static struct dgen_writer *volatile tree_writer;
static volatile int tree_stop;

static void on_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	tree_stop = 1;
	if (tree_writer)
		dgen_writer_stop(tree_writer);
	sigaction(sig, &dfl, NULL);
}

/*
 * The raw files of one writer run stay open (and registered with every
 * ring) for that run, so a run takes at most as many files as the
 * descriptor limit allows, and at most BATCH_MAX: the soft limit is raised
 * to the hard one, and a larger tree is written in batches, one writer run
 * each, one after the other. Each batch still keeps queue depth files in
 * flight per thread; only the ring set-up is paid again per batch.
 */
#define BATCH_MAX	8192u

uint64_t tree_batch(void)
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
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= BATCH_MAX + FD_SPARE)
		n = BATCH_MAX;
	else
		n = rl.rlim_cur > 2 * FD_SPARE ? rl.rlim_cur - FD_SPARE : 1;
	/* Tests force small batches to cover the seams between them. */
	if (env && strtoull(env, NULL, 10) && strtoull(env, NULL, 10) < n)
		n = strtoull(env, NULL, 10);
	return n;
}

struct tree_result {
	uint64_t files;			/* files written in full */
	uint64_t bytes;			/* file bytes written */
	double seconds;			/* writing */
	double wall;			/* with making and opening the files */
	unsigned int ring_features;
	unsigned int batches;		/* writer runs (raw) */
	int error;
	char where[4200];		/* the file an error happened on */
	const char *status;
};

/* ===== Raw: through the writer ===== */

/* Write files [first, first + n) with one writer run; the exit status. */
static int raw_batch(const struct job *j, uint64_t first, uint64_t n,
		     struct tree_result *tr)
{
	struct dgen_target **targets = calloc(n, sizeof(*targets));
	struct dgen_stream **streams = calloc(n, sizeof(*streams));
	struct dgen_writer_result res;
	struct dgen_writer *w = NULL;
	const struct timespec poll = { 0, 10000000 };
	char path[4096], msg[512];
	int rc = EXIT_USAGE, err;

	if (!targets || !streams) {
		fprintf(stderr, "dgen-uring: out of memory\n");
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct dgen_stream_params p = j->params;

		dgen_tree_path(path, sizeof(path), j->dir, j->fanout, first + i, NULL);
		err = dgen_target_open(&targets[i], path, 0, j->file_size, 0,
				       msg, sizeof(msg));
		if (err)
			goto refuse;
		p.stream_id = j->stream + first + i;
		p.size = j->file_size;
		err = dgen_stream_new(&streams[i], &p, msg, sizeof(msg));
		if (err)
			goto refuse;
	}
	err = dgen_writer_new(&w, &j->opts,
			      (struct dgen_target *const *)targets,
			      (const struct dgen_stream *const *)streams,
			      (unsigned int)n, msg, sizeof(msg));
	if (err)
		goto refuse;
	tree_writer = w;
	if (tree_stop)
		dgen_writer_stop(w);
	err = dgen_writer_start(w, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		dgen_writer_wait(w, &res);
		rc = EXIT_IO;
		goto out;
	}
	while (dgen_writer_running(w))
		nanosleep(&poll, NULL);
	err = dgen_writer_wait(w, &res);
	tr->batches++;
	tr->bytes += res.bytes;
	tr->seconds += res.seconds;
	tr->ring_features = res.ring_features;
	for (uint64_t i = 0; i < n; i++)
		tr->files += dgen_writer_target_bytes(w, (unsigned int)i) ==
			     j->file_size;
	rc = 0;
	if (err) {
		tr->error = err;
		tr->status = "error";
		if (res.error_target >= 0)
			snprintf(tr->where, sizeof(tr->where), "%s at offset %llu",
				 dgen_tree_path(path, sizeof(path), j->dir, j->fanout,
						first + (uint64_t)res.error_target,
						NULL) > 0 ? path : "?",
				 (unsigned long long)res.error_offset);
		rc = EXIT_IO;
	} else if (res.stopped || tree_stop) {
		tr->status = "interrupted";
		rc = EXIT_INTR;
	}
	goto out;
refuse:
	fprintf(stderr, "dgen-uring: %s\n", msg);
out:
	tree_writer = NULL;
	dgen_writer_free(w);
	for (uint64_t i = 0; i < n; i++) {
		if (targets)
			dgen_target_close(targets[i]);
		if (streams)
			dgen_stream_free(streams[i]);
	}
	free(targets);
	free(streams);
	return rc;
}

static int raw_run(const struct job *j, struct tree_result *tr)
{
	uint64_t batch = tree_batch();
	int rc = 0;

	for (uint64_t first = 0; !rc && first < j->files; first += batch)
		rc = raw_batch(j, first, j->files - first < batch ?
			       j->files - first : batch, tr);
	return rc;
}

/* ===== Formatted: buffered, one file at a time per thread ===== */

struct fmt_worker {
	const struct job *j;
	unsigned int id, threads;
	pthread_t tid;
	uint64_t files, bytes;
	int error;
	uint64_t error_file;
};

static void *fmt_main(void *arg)
{
	struct fmt_worker *fw = arg;
	const struct job *j = fw->j;
	const char *suffix = dgen_format_suffix(j->format);
	char path[4096];
	void *buf = NULL;
	int r = 0;

	if (posix_memalign(&buf, 4096, FMT_BUF)) {
		fw->error = -ENOMEM;
		return NULL;
	}
	for (uint64_t i = fw->id; i < j->files && !tree_stop; i += fw->threads) {
		struct dgen_stream_params p = j->params;
		struct dgen_stream *s = NULL;
		struct stat st;
		int fd;

		p.stream_id = j->stream + i;
		p.size = j->file_size;
		dgen_tree_path(path, sizeof(path), j->dir, j->fanout, i, suffix);
		r = dgen_stream_new(&s, &p, NULL, 0);
		fd = r ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (!r && fd < 0)
			r = -errno;
		if (!r)
			r = dgen_format_write(fd, j->format, s, j->file_size,
					      j->record_size, buf, FMT_BUF);
		/* The size HDF5 made, and a check on the others' arithmetic. */
		if (!r && fstat(fd, &st))
			r = -errno;
		if (fd >= 0 && close(fd) && !r)
			r = -errno;
		dgen_stream_free(s);
		if (r) {
			fw->error = r;
			fw->error_file = i;
			tree_stop = 1;
			break;
		}
		fw->files++;
		fw->bytes += (uint64_t)st.st_size;
	}
	free(buf);
	return NULL;
}

static int fmt_run(const struct job *j, struct tree_result *tr)
{
	unsigned int T = j->opts.threads;
	struct fmt_worker *fw = calloc(T, sizeof(*fw));
	uint64_t t0 = now_ns();
	char path[4096];
	int rc = 0;

	if (!fw) {
		fprintf(stderr, "dgen-uring: out of memory\n");
		return EXIT_USAGE;
	}
	for (unsigned int t = 0; t < T; t++) {
		fw[t] = (struct fmt_worker) { .j = j, .id = t, .threads = T };
		if (pthread_create(&fw[t].tid, NULL, fmt_main, &fw[t])) {
			T = t;
			tree_stop = 1;
			break;
		}
	}
	for (unsigned int t = 0; t < T; t++) {
		pthread_join(fw[t].tid, NULL);
		tr->files += fw[t].files;
		tr->bytes += fw[t].bytes;
		if (fw[t].error && !tr->error) {
			tr->error = fw[t].error;
			dgen_tree_path(path, sizeof(path), j->dir, j->fanout,
				       fw[t].error_file,
				       dgen_format_suffix(j->format));
			snprintf(tr->where, sizeof(tr->where), "%s", path);
		}
	}
	tr->seconds = (double)(now_ns() - t0) / 1e9;
	if (tr->error) {
		tr->status = "error";
		rc = EXIT_IO;
	} else if (tree_stop || tr->files < j->files) {
		tr->status = "interrupted";
		rc = EXIT_INTR;
	}
	free(fw);
	return rc;
}

/* ===== Report ===== */

void tree_json_fields(const struct job *j, uint64_t file_size,
		      uint64_t first_stream)
{
	printf("\"dir\": ");
	json_string(j->dir);
	printf(", \"files\": %llu, \"fanout\": %u, \"format\": \"%s\", \"file_size\": %llu, \"payload_size\": %llu, \"record_size\": %u, \"first_stream\": %llu",
	       (unsigned long long)j->files, j->fanout,
	       dgen_format_name(j->format), (unsigned long long)file_size,
	       (unsigned long long)j->file_size, j->record_size,
	       (unsigned long long)first_stream);
}

static void report(const struct job *j, const struct tree_result *tr)
{
	const struct dgen_stream_params *p = &j->params;
	double gbps = tr->seconds > 0 ? (double)tr->bytes / tr->seconds / 1e9 : 0;
	double fps = tr->seconds > 0 ? (double)tr->files / tr->seconds : 0;
	uint64_t fsize = dgen_format_size(j->format, j->file_size, j->record_size);

	if (!fsize && tr->files)		/* HDF5: what libhdf5 made */
		fsize = tr->bytes / tr->files;
	if (j->json) {
		printf("{\n  \"dgen-uring\": \"%s\",\n  \"status\": \"%s\",\n",
		       DGEN_VERSION_STRING, tr->status);
		printf("  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
		       (unsigned long long)j->seed, j->seed_drawn ? "true" : "false");
		printf("  \"tree\": { ");
		tree_json_fields(j, fsize, j->stream);
		printf(" },\n");
		printf("  \"stream\": { \"seed\": %llu, \"dedup_ratio\": %.17g, \"dedup_unit\": %u, \"compress_ratio\": %.17g, \"compress_chunk\": %u },\n",
		       (unsigned long long)p->seed, p->dedup_ratio, p->dedup_unit,
		       p->compress_ratio, p->compress_chunk);
		printf("  \"job\": { \"bs\": %u, \"qd\": %u, \"threads\": %u, \"writer_runs\": %u },\n",
		       j->opts.io_size, j->opts.queue_depth, j->opts.threads,
		       tr->batches);
		printf("  \"files\": %llu,\n  \"bytes\": %llu,\n  \"seconds\": %.6f,\n  \"wall_seconds\": %.6f,\n  \"gbps\": %.6f,\n  \"files_per_s\": %.1f",
		       (unsigned long long)tr->files, (unsigned long long)tr->bytes,
		       tr->seconds, tr->wall, gbps, fps);
		if (tr->error) {
			printf(",\n  \"error\": { \"errno\": %d, \"message\": \"%s\", \"where\": ",
			       -tr->error, strerror(-tr->error));
			json_string(tr->where);
			printf(" }");
		}
		printf("\n}\n");
		return;
	}
	printf("dgen-uring %s: tree %s, %llu files of %llu bytes (%s, payload %llu), fan-out %u, %u thread%s\n",
	       DGEN_VERSION_STRING, j->dir, (unsigned long long)j->files,
	       (unsigned long long)fsize, dgen_format_name(j->format),
	       (unsigned long long)j->file_size, j->fanout, j->opts.threads,
	       j->opts.threads > 1 ? "s" : "");
	printf("  seed %llu%s\n", (unsigned long long)j->seed,
	       j->seed_drawn ? " (drawn at random: give --seed to repeat)" : "");
	printf("  streams %llu..%llu (file i: stream %llu + i): dedup %g (unit %u), compress %g (chunk %u)\n",
	       (unsigned long long)j->stream,
	       (unsigned long long)(j->stream + j->files - 1),
	       (unsigned long long)j->stream, p->dedup_ratio, p->dedup_unit,
	       p->compress_ratio, p->compress_chunk);
	printf("  write: %llu files, %llu bytes in %.3f s (%.3f s with making the files), %.3f GB/s, %.0f files/s\n",
	       (unsigned long long)tr->files, (unsigned long long)tr->bytes,
	       tr->seconds, tr->wall, gbps, fps);
	if (j->format == DGEN_FORMAT_RAW) {
		printf("  writer runs: %u (files open at once: at most %u)\n",
		       tr->batches, BATCH_MAX);
		printf("  ring: %s", tr->ring_features ? "" : "plain (no optional features)");
		for (unsigned int b = 0; b < 32; b++)
			if (tr->ring_features & (1u << b))
				printf("%s ", dgen_ring_feature_name(1u << b));
		putchar('\n');
	}
	printf("  status: %s", tr->status);
	if (tr->error)
		printf(" (%s: %s)", tr->where, strerror(-tr->error));
	putchar('\n');
}

int tree_run(const struct job *j)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct tree_result tr = { .status = "ok" };
	uint64_t t0 = now_ns();
	char msg[512];
	int rc, err;

	err = dgen_tree_prepare(j->dir, j->files, j->fanout,
				dgen_format_suffix(j->format),
				j->force ? DGEN_TREE_FORCE : 0, msg, sizeof(msg));
	if (err) {
		say_refusal(msg, err);
		return EXIT_USAGE;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (j->format == DGEN_FORMAT_RAW)
		rc = raw_run(j, &tr);
	else
		rc = fmt_run(j, &tr);
	tr.wall = (double)(now_ns() - t0) / 1e9;
	if (rc == EXIT_USAGE)
		return rc;
	if (tr.error)
		fprintf(stderr, "dgen-uring: writing %s failed: %s\n", tr.where,
			strerror(-tr.error));
	report(j, &tr);
	return rc;
}
