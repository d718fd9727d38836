// SPDX-License-Identifier: MIT
/*
 * fleet.c - dgen-uring as one rank of an MPI job: the fleet's one report
 * on rank 0 (human or JSON), a line from a rank a signal stopped, the
 * exit status every rank returns. The run itself is src/fleet_mpi.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "signals.h"
#include "util.h"

#ifndef DGEN_HAVE_MPI

/* Without MPI every process runs plainly, launched or not. */
int fleet_main(const struct fleet_cli *c, int *rc)
{
	if (!c->shared && !c->stonewall)
		return 0;
	fprintf(stderr, "dgen-uring: --shared and --stonewall need a build with MPI (meson feature 'mpi', libopenmpi-dev)\n");
	*rc = EXIT_USAGE;
	return 1;
}

#else

#include "fleet_mpi.h"

static const char *mode_name(enum dgen_run_mode m)
{
	return m == DGEN_RUN_VERIFY_ONLY ? "verify-only" :
	       m == DGEN_RUN_WRITE_VERIFY ? "write+verify" : "write";
}

static const char *rank_status(const struct dgen_fleet_rank *r)
{
	return r->lost ? "lost" : r->error ? "error" :
	       r->mismatches ? "mismatch" : r->stonewalled ? "stonewalled" :
	       r->stopped || r->signalled ? "stopped" : "ok";
}

/* Why a rank stopped early, for the human report ("" when it did not). */
static void stop_why(const struct dgen_fleet_rank *r, char *buf, size_t len)
{
	if (r->lost)
		snprintf(buf, len, ": no figures came from it (it died, or did not answer within the launcher's stop)");
	else if (r->stopped_by >= 0)
		snprintf(buf, len, " by rank %d's %s", r->stopped_by,
			 r->stonewalled ? "stonewall" : "error");
	else if (r->signalled)
		snprintf(buf, len, " by a signal (the launcher's)");
	else
		buf[0] = 0;
}

/* The stream of target @t of a rank, as every report gives it. */
static void target_stream_json(const struct fleet_cli *c,
			       const struct fleet_job *j,
			       const struct dgen_fleet_target *t)
{
	json_stream(stdout, &c->params, c->seed, t->stream_id,
		    j->shared ? j->size : t->size,
		    JSON_STREAM_ID | JSON_STREAM_SIZE);
}

/* A rank's tree, as a plain --dir run's report gives it. */
static void tree_target_json(const struct fleet_cli *c,
			     const struct dgen_fleet_rank *r,
			     const struct dgen_fleet_target *t)
{
	struct job tj = *c->tree;

	tj.dir = t->path;
	printf("        { \"path\": ");
	json_string(t->path);
	printf(", \"mismatches\": %llu, \"first_bad_file\": ",
	       (unsigned long long)t->mismatches);
	if (t->mismatches)
		printf("%llu", (unsigned long long)t->first_bad_file);
	else
		printf("null");
	printf(",\n          \"tree\": { ");
	tree_json_fields(&tj, dgen_format_size(tj.format, tj.file_size,
					       tj.record_size), t->stream_id);
	printf(" },\n          \"stream\": { ");
	json_stream(stdout, &c->params, c->seed, t->stream_id, r->file_size,
		    JSON_STREAM_ID | JSON_STREAM_SIZE);
	printf(" } }\n");
}

static void report_json(const struct fleet_cli *c, const struct fleet_job *j,
			const struct fleet_out *out,
			const struct dgen_fleet_summary *s,
			const struct dgen_target_verdict *v, const char *status)
{
	printf("{\n  \"dgen-uring\": \"%s\",\n  \"status\": \"%s\",\n",
	       DGEN_VERSION_STRING, status);
	printf("  \"mpi\": { \"ranks\": %u, \"shared\": %s, \"stonewall\": %s, \"rate_scope\": \"fleet\", \"rate\": %llu },\n",
	       out->size, j->shared ? "true" : "false",
	       j->stonewall ? "true" : "false",
	       (unsigned long long)j->run.rate);
	printf("  \"seed\": %llu,\n  \"seed_drawn\": %s,\n  \"mode\": \"%s\",\n",
	       (unsigned long long)c->seed, c->seed_set ? "false" : "true",
	       mode_name(j->run.mode));
	/* bs, qd, threads: the reporting rank's plan (rank 0's unless it
	 * is lost; each rank's in ranks[]) */
	printf("  \"job\": { \"bs\": %u, \"qd\": %u, \"threads_per_rank\": %u, \"offset\": %llu },\n",
	       out->mine.io_size, out->mine.queue_depth,
	       out->mine.threads, (unsigned long long)c->offset);
	printf("  \"bytes\": %llu,\n  \"written\": %llu,\n  \"read\": %llu,\n  \"mismatches\": %llu,\n",
	       (unsigned long long)(s->written + s->read),
	       (unsigned long long)s->written, (unsigned long long)s->read,
	       (unsigned long long)s->mismatches);
	printf("  \"seconds\": %.6f,\n  \"gbps\": %.6f,\n  \"start_skew_s\": %.6f,\n  \"report_s\": %.6f,\n",
	       s->wall_s, s->gbps, s->skew_s, out->report_s);
	printf("  \"signalled\": %s,\n  \"lost_ranks\": %u,\n",
	       out->signalled ? "true" : "false", s->lost);
	printf("  \"latency_us\": ");
	json_latency(&s->latency);
	printf(",\n  \"ranks\": [\n");
	for (unsigned int i = 0; i < out->size; i++) {
		const struct dgen_fleet_rank *r = &out->ranks[i];

		printf("    { \"rank\": %u, \"host\": ", r->rank);
		json_string(r->host);
		printf(", \"status\": \"%s\", \"verdict\": \"%s\", \"slow\": %s, \"reason\": ",
		       rank_status(r), dgen_verdict_name(v[i].verdict),
		       v[i].slow ? "true" : "false");
		json_string(v[i].reason);
		printf(", \"stopped_by\": ");
		if (r->stopped_by >= 0)
			printf("%d", r->stopped_by);
		else
			printf("null");
		printf(", \"signalled\": %s", r->signalled ? "true" : "false");
		printf(", \"threads\": %u, \"cpus\": ", r->threads);
		json_string(r->cpus);
		printf(", \"bs\": %u, \"qd\": %u", r->io_size, r->queue_depth);
		printf(",\n      \"seconds\": %.6f, \"waited_s\": %.6f, \"passes\": %llu, \"bytes\": %llu, \"written\": %llu, \"read\": %llu, \"gbps\": %.6f, \"mismatches\": %llu, \"error\": %d,\n      \"latency_us\": ",
		       r->seconds, r->waited_s, (unsigned long long)r->passes,
		       (unsigned long long)(r->written + r->read),
		       (unsigned long long)r->written,
		       (unsigned long long)r->read, dgen_fleet_rank_gbps(r),
		       (unsigned long long)r->mismatches, -r->error);
		json_latency(&r->latency);
		printf(",\n      \"targets\": [\n");
		for (unsigned int k = 0; k < r->ntargets; k++) {
			const struct dgen_fleet_target *t = &r->targets[k];

			if (r->files) {
				tree_target_json(c, r, t);
				continue;
			}
			printf("        { \"path\": ");
			json_string(t->path);
			printf(", \"offset\": %llu, \"size\": %llu, \"stream_origin\": %llu, \"mismatches\": %llu, \"stream\": { ",
			       (unsigned long long)t->offset,
			       (unsigned long long)t->size,
			       (unsigned long long)t->stream_origin,
			       (unsigned long long)t->mismatches);
			target_stream_json(c, j, t);
			printf(" } }%s\n", k + 1 < r->ntargets ? "," : "");
		}
		printf("      ] }%s\n", i + 1 < out->size ? "," : "");
	}
	printf("  ],\n  \"outliers\": [");
	for (unsigned int i = 0, n = 0; i < out->size; i++)
		if (v[i].slow)
			printf("%s%u", n++ ? ", " : "", i);
	printf("]\n}\n");
}

static void report_human(const struct fleet_cli *c, const struct fleet_job *j,
			 const struct fleet_out *out,
			 const struct dgen_fleet_summary *s,
			 const struct dgen_target_verdict *v, const char *status)
{
	const struct dgen_latency *l = &s->latency;

	printf("dgen-uring %s: %u ranks, %s%s%s, %u thread%s per rank, bs %u, qd %u\n",
	       DGEN_VERSION_STRING, out->size, mode_name(j->run.mode),
	       j->shared ? ", shared targets" : "",
	       j->stonewall ? ", stonewall" : "", out->mine.threads,
	       out->mine.threads > 1 ? "s" : "", out->mine.io_size,
	       out->mine.queue_depth);
	printf("  seed %llu%s\n", (unsigned long long)c->seed,
	       c->seed_set ? "" : " (drawn at random by rank 0: give --seed to repeat)");
	if (j->run.rate)
		printf("  rate: %llu bytes/s for the whole fleet (%u ranks share it)\n",
		       (unsigned long long)j->run.rate, out->size);
	for (unsigned int i = 0; i < out->size; i++) {
		const struct dgen_fleet_rank *r = &out->ranks[i];
		char why[160];

		stop_why(r, why, sizeof(why));
		if (r->lost) {
			printf("  rank %u: lost%s\n", r->rank, why);
			continue;
		}
		printf("  rank %u (%s): %u thread%s on CPUs %s, %llu bytes in %.3f s (%.3f s of it waiting for the others), %.3f GB/s, %s%s, %s%s%s\n",
		       r->rank, r->host, r->threads, r->threads > 1 ? "s" : "",
		       r->cpus,
		       (unsigned long long)(r->written + r->read), r->seconds,
		       r->waited_s, dgen_fleet_rank_gbps(r), rank_status(r), why,
		       dgen_verdict_name(v[i].verdict), v[i].reason[0] ? ": " : "",
		       v[i].reason);
		for (unsigned int k = 0; k < r->ntargets; k++) {
			const struct dgen_fleet_target *t = &r->targets[k];

			if (r->files) {
				printf("    tree %s: %llu files of %llu bytes, streams %llu..%llu%s\n",
				       t->path, (unsigned long long)r->files,
				       (unsigned long long)r->file_size,
				       (unsigned long long)t->stream_id,
				       (unsigned long long)(t->stream_id + r->files - 1),
				       t->mismatches ? ", bad blocks" : "");
				continue;
			}
			printf("    %s: offset %llu, size %llu, stream %llu (size %llu, from byte %llu)%s\n",
			       t->path, (unsigned long long)t->offset,
			       (unsigned long long)t->size,
			       (unsigned long long)t->stream_id,
			       (unsigned long long)(j->shared ? j->size : t->size),
			       (unsigned long long)t->stream_origin,
			       t->mismatches ? ", bad blocks" : "");
		}
	}
	printf("  fleet: %llu bytes (written %llu, read %llu) in %.3f s, %.3f GB/s, start skew %.6f s\n",
	       (unsigned long long)(s->written + s->read),
	       (unsigned long long)s->written, (unsigned long long)s->read,
	       s->wall_s, s->gbps, s->skew_s);
	human_latency(", all ranks", l);
	printf("  status: %s, %llu bad blocks, %u slow rank%s", status,
	       (unsigned long long)s->mismatches, s->slow,
	       s->slow == 1 ? "" : "s");
	if (s->lost)
		printf(", %u lost rank%s", s->lost, s->lost == 1 ? "" : "s");
	putchar('\n');
}

/*
 * A rank's target @k by name: a tree's file @k (its directory when the
 * path is too long), else its target @k; "(no target)" for -1.
 */
static const char *rank_target_name(const struct fleet_cli *c,
				    const struct dgen_fleet_rank *r, int64_t k,
				    char *buf, size_t len)
{
	if (k < 0 || (!r->files && (uint64_t)k >= r->ntargets))
		return "(no target)";
	if (!r->files)
		return r->targets[k].path;
	if (dgen_tree_path(buf, len, r->targets[0].path, c->tree->fanout,
			   (uint64_t)k, dgen_format_suffix(c->tree->format)) < 0)
		return r->targets[0].path;
	return buf;
}

/* The failures, on stderr, each naming its rank, host and target. */
static int complaints(const struct fleet_cli *c, const struct fleet_out *out)
{
	int rc = 0;

	for (unsigned int i = 0; i < out->size; i++) {
		const struct dgen_fleet_rank *r = &out->ranks[i];

		if (r->lost) {
			fprintf(stderr, "dgen-uring: rank %u: lost: no figures came from it (it died, or did not answer when the launcher stopped the job); what it wrote is not known\n",
				r->rank);
			rc = EXIT_IO;
			continue;
		}
		if (r->error) {
			char name[DGEN_FLEET_PATH_MAX + 64];

			fprintf(stderr, "dgen-uring: rank %u (%s): %s at offset %llu failed: %s\n",
				r->rank, r->host,
				rank_target_name(c, r, r->error_target, name,
						 sizeof(name)),
				(unsigned long long)r->error_offset,
				strerror(-r->error));
			rc = EXIT_IO;
		}
		for (unsigned int k = 0; k < r->ntargets; k++) {
			const struct dgen_fleet_target *t = &r->targets[k];
			char name[DGEN_FLEET_PATH_MAX + 64];

			if (!t->mismatches)
				continue;
			fprintf(stderr, "dgen-uring: rank %u (%s): %s: bad blocks, the first at offset %llu\n",
				r->rank, r->host,
				rank_target_name(c, r, r->files ?
						 (int64_t)t->first_bad_file : k,
						 name, sizeof(name)),
				(unsigned long long)t->first_bad);
		}
		if (r->mismatches && !rc)
			rc = 1;
	}
	return rc;
}

/* The reporting rank: the fleet's report, and the exit status it calls
 * for. */
static int report(const struct fleet_cli *c, const struct fleet_job *j,
		  const struct fleet_out *out)
{
	struct dgen_target_verdict *v = calloc(out->size, sizeof(*v));
	struct dgen_fleet_summary s;
	const char *status;
	int rc;

	if (!v) {
		fprintf(stderr, "dgen-uring: out of memory for the report\n");
		return EXIT_IO;
	}
	dgen_fleet_merge(out->ranks, out->size, &s, v);
	rc = complaints(c, out);
	status = s.errors ? "error" : s.lost ? "lost" : rc ? "mismatch" :
		 out->signalled ? "stopped" :
		 s.stopped && !j->stonewall ? "stopped" : "ok";
	if (c->json)
		report_json(c, j, out, &s, v, status);
	else
		report_human(c, j, out, &s, v, status);
	free(v);
	/* A signal ended the job: as for a plain run, unless worse. */
	return rc == EXIT_IO || !out->signalled ? rc : EXIT_INTR;
}

int fleet_main(const struct fleet_cli *c, int *rc)
{
	struct fleet_job j = {
		.dev = c->dev, .ndev = c->ndev, .offset = c->offset,
		.size = c->size, .force = c->force, .shared = c->shared,
		.stonewall = c->stonewall,
	};
	struct fleet_cli cl = *c;
	struct dgen_run_tree tree;
	struct fleet_out out;

	if (!dgen_fleet_launched())
		return 0;
	*rc = 0;
	if (fleet_mpi_join(NULL, NULL, &out)) {
		fprintf(stderr, "dgen-uring: cannot join the MPI job\n");
		*rc = EXIT_USAGE;
		return 1;
	}
	fleet_mpi_seed(&cl.seed, &cl.seed_set);
	dgen_run_opts_init(&j.run);
	if (c->tree) {
		tree = (struct dgen_run_tree) {
			.dir = c->tree->dir, .files = c->tree->files,
			.file_size = c->tree->file_size,
			.fanout = c->tree->fanout, .format = c->tree->format,
			.record_size = c->tree->record_size,
		};
		j.tree = &tree;
	}
	j.run.mode = c->b.verify_only ? DGEN_RUN_VERIFY_ONLY :
		     c->b.verify ? DGEN_RUN_WRITE_VERIFY : DGEN_RUN_WRITE;
	j.run.params = c->params;
	j.run.params.seed = cl.seed;
	j.run.params.stream_id = c->stream;
	j.run.flags = c->force ? DGEN_RUN_FORCE : 0;
	j.run.pass = c->b.pass;
	j.run.passes = c->b.passes;
	j.run.time_s = c->b.time_s;
	j.run.rate = c->b.rate;
	j.run.max_report = c->b.max_report;
	j.run.writer = c->writer;
	j.run.stop = &tool_stop;
	if (fleet_mpi_run(&j, &out)) {
		fprintf(stderr, "dgen-uring: rank %u (%s): out of memory\n",
			out.rank, out.host);
		*rc = EXIT_IO;
	} else if (out.signalled) {
		/* No collectives from here: the others may be gone. Rank 0
		 * (rank 1 if rank 0 is lost) reports what came; a rank whose
		 * figures it did not take says what it did itself. */
		if (out.reports && out.ranks) {
			*rc = report(&cl, &j, &out);
		} else {
			if (!out.acked)
				fprintf(stderr, "dgen-uring: rank %u (%s): stopped by a signal after writing %llu bytes and reading %llu\n",
					out.rank, out.host,
					(unsigned long long)out.mine.written,
					(unsigned long long)out.mine.read);
			*rc = EXIT_INTR;
		}
		fflush(stdout);
		fflush(stderr);
		fleet_mpi_leave(&out, 1);
		return 1;
	} else if (out.refused) {
		if (out.rank == 0)
			fprintf(stderr, "dgen-uring: refused, nothing written on any rank:\n%s",
				out.refusals ? out.refusals : "");
		*rc = EXIT_USAGE;
	} else if (out.rank == 0 && out.ranks) {
		*rc = report(&cl, &j, &out);
	}
	/* Every rank exits with rank 0's status; mpirun may end rank 0 as
	 * soon as another exits non-zero, so the report is out first. */
	fflush(stdout);
	fflush(stderr);
	if (!out.refused)
		*rc = fleet_mpi_status(*rc);
	fleet_mpi_leave(&out, 0);
	return 1;
}

#endif
