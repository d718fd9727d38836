// SPDX-License-Identifier: MIT
/*
 * tree.c - dgen-uring --dir: a tree of files, each its own stream
 *
 * A one-pass write run of libdgen (dgen/run.h) over the tree: raw files
 * through the io_uring writer a batch at a time, formatted ones (npz,
 * TFRecord, HDF5) by the run's worker threads. Here: the report.
 *
 * The files are made fresh: an existing one is refused (exit 2, named)
 * unless --force, which removes it first.
 */
#include <stdio.h>
#include <string.h>

#include "jobs.h"
#include "signals.h"
#include "util.h"

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

struct tree_report {
	const struct dgen_run_phase *ph;
	double wall;			/* with making and opening the files */
	const char *status;
	int error;
	char where[4200];		/* the file an error happened on */
};

static void report(const struct job *j, const struct tree_report *tr)
{
	const struct dgen_run_phase *ph = tr->ph;
	double gbps = ph->seconds > 0 ? (double)ph->bytes / ph->seconds / 1e9 : 0;
	double fps = ph->seconds > 0 ? (double)ph->files / ph->seconds : 0;
	uint64_t fsize = dgen_format_size(j->format, j->file_size, j->record_size);

	if (!fsize && ph->files)		/* HDF5: what libhdf5 made */
		fsize = ph->bytes / ph->files;
	if (j->json) {
		printf("{\n  \"dgen-uring\": \"%s\",\n  \"status\": \"%s\",\n",
		       DGEN_VERSION_STRING, tr->status);
		printf("  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
		       (unsigned long long)j->seed, j->seed_drawn ? "true" : "false");
		printf("  \"tree\": { ");
		tree_json_fields(j, fsize, j->stream);
		printf(" },\n  \"stream\": { ");
		json_stream(stdout, &j->params, j->params.seed, 0, 0, 0);
		printf(" },\n");
		printf("  \"job\": { \"bs\": %u, \"qd\": %u, \"threads\": %u, \"writer_runs\": %u },\n",
		       j->opts.io_size, j->opts.queue_depth, j->opts.threads,
		       ph->writer_runs);
		printf("  \"files\": %llu,\n  \"bytes\": %llu,\n  \"seconds\": %.6f,\n  \"wall_seconds\": %.6f,\n  \"gbps\": %.6f,\n  \"files_per_s\": %.1f",
		       (unsigned long long)ph->files, (unsigned long long)ph->bytes,
		       ph->seconds, tr->wall, gbps, fps);
		if (tr->error) {
			printf(",\n  \"error\": { \"errno\": %d, \"message\": ",
			       -tr->error);
			json_string(strerror(-tr->error));
			printf(", \"where\": ");
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
	printf("  streams %llu..%llu (file i: stream %llu + i): dedup %g (unit %u), compress %g, stream format %d\n",
	       (unsigned long long)j->stream,
	       (unsigned long long)(j->stream + j->files - 1),
	       (unsigned long long)j->stream, j->params.dedup_ratio,
	       j->params.dedup_unit, j->params.compress_ratio,
	       DGEN_STREAM_FORMAT_VERSION);
	printf("  write: %llu files, %llu bytes in %.3f s (%.3f s with making the files), %.3f GB/s, %.0f files/s\n",
	       (unsigned long long)ph->files, (unsigned long long)ph->bytes,
	       ph->seconds, tr->wall, gbps, fps);
	if (j->format == DGEN_FORMAT_RAW) {
		printf("  writer runs: %u (files open at once: at most %u)\n",
		       ph->writer_runs, DGEN_RUN_BATCH_MAX);
		printf("  ring: %s", ph->ring_features ? "" : "plain (no optional features)");
		for (unsigned int b = 0; b < 32; b++)
			if (ph->ring_features & (1u << b))
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
	struct dgen_run_tree tree = {
		.dir = j->dir, .files = j->files, .file_size = j->file_size,
		.fanout = j->fanout, .format = j->format,
		.record_size = j->record_size,
	};
	static const struct dgen_run_phase none;
	struct tree_report tr = { .ph = &none, .status = "ok" };
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;
	uint64_t t0 = now_ns();
	char msg[512], path[4096];
	int rc = 0, err;

	dgen_run_opts_init(&o);
	o.tree = tree;
	o.flags = j->force ? DGEN_RUN_FORCE : 0;
	o.params = j->params;
	o.params.stream_id = j->stream;
	o.writer = j->opts;
	o.stop = &tool_stop;
	err = dgen_run_new(&run, &o, msg, sizeof(msg));
	if (err) {
		say_refusal(msg, err);
		return EXIT_USAGE;
	}
	err = dgen_run_exec(run, &res, msg, sizeof(msg));
	tr.wall = (double)(now_ns() - t0) / 1e9;
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		dgen_run_free(run);
		return EXIT_USAGE;
	}
	if (res.npasses)
		tr.ph = &res.passes[0].wr;
	if (res.error) {
		tr.error = res.error;
		tr.status = "error";
		rc = EXIT_IO;
		if (res.error_msg[0])
			fprintf(stderr, "dgen-uring: %s\n", res.error_msg);
		if (res.error_target >= 0)
			dgen_run_target_name(run, (uint64_t)res.error_target,
					     path, sizeof(path));
		if (res.error_target >= 0 && j->format == DGEN_FORMAT_RAW)
			snprintf(tr.where, sizeof(tr.where), "%s at offset %llu",
				 path, (unsigned long long)res.error_offset);
		else if (res.error_target >= 0)
			snprintf(tr.where, sizeof(tr.where), "%s", path);
		fprintf(stderr, "dgen-uring: writing %s failed: %s\n", tr.where,
			strerror(-tr.error));
	} else if (res.stopped || tool_stopped() || tr.ph->stopped ||
		   tr.ph->files < j->files) {
		tr.status = "interrupted";
		rc = EXIT_INTR;
	}
	signals_report();
	report(j, &tr);
	dgen_run_free(run);
	return rc;
}
