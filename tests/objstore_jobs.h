/* SPDX-License-Identifier: MIT */
/*
 * objstore_jobs.h - what the S3 and Azure tests do alike: run a job of the
 * library against a store, and compare a file a real client downloaded
 * with `dgen-uring --stdout` of its stream
 */
#ifndef DGEN_OBJSTORE_JOBS_H
#define DGEN_OBJSTORE_JOBS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/objstore.h>
#include <dgen/verdict.h>

#include "objstore_harness.h"

#ifndef DGEN_URING_PATH
#error "meson passes the path of the built tool"
#endif

#define MIB		(1024ull * 1024ull)

/* A store for @url over @n endpoints (NULL: the environment's). */
static inline struct dgen_objstore *j_store(const char *url,
					    const char *const *eps,
					    unsigned int n, double io_timeout)
{
	struct dgen_objstore_opts o;
	struct dgen_objstore *s;
	char msg[512];
	int err;

	dgen_objstore_opts_init(&o);
	o.url = url;
	o.endpoints = eps;
	o.nendpoints = n;
	if (io_timeout > 0)
		o.io_timeout_s = io_timeout;
	err = dgen_objstore_new(&s, &o, msg, sizeof(msg));
	cr_assert_eq(err, 0, "store %s: %s", url, msg);
	return s;
}

static inline void j_opts(struct dgen_objstore_job_opts *o,
			  enum dgen_writer_mode mode, uint64_t objects,
			  uint64_t size, uint64_t seed)
{
	dgen_objstore_job_opts_init(o);
	o->mode = mode;
	o->objects = objects;
	o->object_size = size;
	o->tree = objects > 1;
	o->fanout = 5;
	o->params.seed = seed;
	o->threads = 2;
	o->depth = 4;
	o->part_size = 8 * MIB;
}

/* Run @o on @s to its end; the job is returned for its samples. */
static inline struct dgen_objstore_job *
j_run(struct dgen_objstore *s, const struct dgen_objstore_job_opts *o,
      struct dgen_objstore_result *res)
{
	struct dgen_objstore_job *j;
	char msg[512];
	int err = dgen_objstore_job_new(&j, s, o, msg, sizeof(msg));

	cr_assert_eq(err, 0, "job: %s", msg);
	err = dgen_objstore_job_start(j, msg, sizeof(msg));
	cr_assert_eq(err, 0, "start: %s", msg);
	dgen_objstore_job_wait(j, res);
	return j;
}

/* Write @o (checked first: no key may exist) and assert it went whole. */
static inline void j_write(struct dgen_objstore *s,
			   const struct dgen_objstore_job_opts *o)
{
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	char msg[512];
	int err = dgen_objstore_prepare(s, o, 0, msg, sizeof(msg));

	cr_assert_eq(err, 0, "prepare: %s", msg);
	j = j_run(s, o, &res);
	cr_assert_eq(res.error, 0, "write: %s", res.error_msg);
	cr_assert_eq(res.objects, o->objects);
	cr_assert_eq(res.bytes, o->objects * o->object_size);
	dgen_objstore_job_free(j);
}

/*
 * 0 when @path holds exactly `dgen-uring --stdout` of stream @stream of
 * @size bytes (seed @seed, dedup @d, compress @c); else the first byte
 * that differs (or the shorter length), as a sentence in the log.
 */
static inline int j_equals_stdout(const char *path, uint64_t size,
				  uint64_t seed, uint64_t stream, double d,
				  double c)
{
	char cmd[1024];
	FILE *ref, *got;
	uint64_t at = 0;
	static char a[1 << 16], b[1 << 16];
	int bad = 0;

	snprintf(cmd, sizeof(cmd),
		 "'%s' --stdout --size %llu --seed %llu --stream %llu --dedup %g --compress %g 2>/dev/null",
		 DGEN_URING_PATH, (unsigned long long)size,
		 (unsigned long long)seed, (unsigned long long)stream, d, c);
	ref = popen(cmd, "r");
	got = fopen(path, "rb");
	cr_assert(ref && got, "cannot open %s or run the tool", path);
	for (;;) {
		size_t n = fread(a, 1, sizeof(a), ref), m = fread(b, 1, sizeof(b), got);

		if (n != m || memcmp(a, b, n)) {
			size_t i = 0;

			while (i < n && i < m && a[i] == b[i])
				i++;
			cr_log_error("%s differs from stream %llu at byte %llu",
				     path, (unsigned long long)stream,
				     (unsigned long long)(at + i));
			bad = 1;
			break;
		}
		if (!n)
			break;
		at += n;
	}
	fclose(got);
	pclose(ref);
	return bad || at != size;
}

/* Endpoint @k's GB/s over its own time, and its p99 total latency (us). */
static inline void j_endpoint(const struct dgen_objstore_job *j, unsigned int k,
			      struct dgen_verdict_input *in)
{
	struct dgen_objstore_stats st;

	cr_assert_eq(dgen_objstore_job_sample(j, k, &st), 0);
	cr_assert(st.last_ns > st.first_ns, "endpoint %u did nothing", k);
	*in = (struct dgen_verdict_input) {
		.gbps = (double)st.bytes / (double)(st.last_ns - st.first_ns),
		.p99_us = (double)dgen_latency_percentile(&st.total, 99) / 1e3,
		.valid = 1,
	};
}

#endif /* DGEN_OBJSTORE_JOBS_H */
