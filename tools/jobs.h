/* SPDX-License-Identifier: MIT */
/*
 * jobs.h - dgen-uring's file-tree and stdout jobs (tools/tree.c, stdout.c)
 */
#ifndef DGEN_TOOLS_JOBS_H
#define DGEN_TOOLS_JOBS_H

#include <stdint.h>

#include <dgen/dgen.h>

/* What main() parsed that the tree and stdout jobs need. */
struct job {
	const char *dir;		/* --dir: a tree job */
	uint64_t files;			/* --files */
	uint64_t file_size;		/* --file-size: payload bytes per file */
	uint32_t fanout;		/* --fanout */
	enum dgen_format format;	/* --format */
	uint32_t record_size;		/* --record-size (tfrecord) */
	int to_stdout;			/* --stdout or --dev - */
	int no_splice;			/* --no-splice */
	uint64_t size;			/* --size (stdout) */
	uint64_t stream;		/* --stream: first stream id */
	uint64_t seed;
	int seed_drawn;
	int force, json;
	struct dgen_stream_params params;	/* seed and ratios set */
	struct dgen_writer_opts opts;
};

/* tree_run - write the tree of @j; returns the exit status. */
int tree_run(const struct job *j);

/*
 * tree_json_fields - the tree's members of a JSON report ("dir" to
 * "first_stream", no braces); @file_size is a whole file's bytes.
 */
void tree_json_fields(const struct job *j, uint64_t file_size,
		      uint64_t first_stream);

/* stdout_run - write one stream to standard output; the exit status. */
int stdout_run(const struct job *j);

#endif /* DGEN_TOOLS_JOBS_H */
