// SPDX-License-Identifier: MIT
/*
 * report_fleet.c - the report of a fleet (dgen/fleet.h), on the rank that
 * reports: the fleet as one (bytes, wall time, skew, merged latency), each
 * rank with its plan, targets and streams, status and verdict; and the
 * lines that name each rank that failed, was lost, or found bad blocks
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/fleet.h>

#include "report_impl.h"

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

/* A rank's tree, as a plain --dir run's report gives it. */
static void tree_target_json(struct rep *p, const struct dgen_fleet_rank *r,
			     const struct dgen_fleet_target *t)
{
	const struct dgen_run_opts *o = p->res->fleet->o;
	struct dgen_run_tree tt = o->tree;

	tt.dir = t->path;
	if (!tt.fanout)
		tt.fanout = DGEN_TREE_FANOUT_DEFAULT;
	if (!tt.record_size)
		tt.record_size = DGEN_RECORD_SIZE_DEFAULT;
	rp(p, "        { \"path\": ");
	rp_str(p, t->path);
	rp(p, ", \"mismatches\": %llu, \"first_bad_file\": ",
	   (unsigned long long)t->mismatches);
	if (t->mismatches)
		rp(p, "%llu", (unsigned long long)t->first_bad_file);
	else
		rp(p, "null");
	rp(p, ",\n          \"tree\": { ");
	rp_tree_fields(p, &tt, dgen_format_size(tt.format, tt.file_size,
						tt.record_size), t->stream_id);
	rp(p, " },\n          \"stream\": { ");
	rp_stream(p, &o->params, o->params.seed, t->stream_id, r->file_size,
		  RP_STREAM_ID | RP_STREAM_SIZE);
	rp(p, " } }\n");
}

static void rank_json(struct rep *p, const struct dgen_fleet_rank *r,
		      const struct dgen_target_verdict *v, int last)
{
	const struct dgen_run_opts *o = p->res->fleet->o;
	const int shared = !!(o->flags & DGEN_RUN_SHARED);
	struct dgen_stream_params dom = o->params;

	/* --dedup-scope run: every rank's targets, from the fleet's first id. */
	if (dom.dedup_scope == DGEN_DEDUP_SCOPE_RUN)
		dom.scope_targets = p->res->fleet->nranks * r->ntargets;
	rp(p, "    { \"rank\": %u, \"host\": ", r->rank);
	rp_str(p, r->host);
	rp(p, ", \"status\": \"%s\", \"verdict\": \"%s\", \"slow\": %s, \"reason\": ",
	   rank_status(r), dgen_verdict_name(v->verdict),
	   v->slow ? "true" : "false");
	rp_str(p, v->reason);
	rp(p, ", \"stopped_by\": ");
	if (r->stopped_by >= 0)
		rp(p, "%d", r->stopped_by);
	else
		rp(p, "null");
	rp(p, ", \"signalled\": %s", r->signalled ? "true" : "false");
	rp(p, ", \"threads\": %u, \"cpus\": ", r->threads);
	rp_str(p, r->cpus);
	rp(p, ", \"bs\": %u, \"qd\": %u", r->io_size, r->queue_depth);
	rp(p, ",\n      \"seconds\": %.6f, \"waited_s\": %.6f, \"passes\": %llu, \"bytes\": %llu, \"written\": %llu, \"read\": %llu, \"gbps\": %.6f, \"mismatches\": %llu, \"error\": %d,\n      \"latency_us\": ",
	   r->seconds, r->waited_s, (unsigned long long)r->passes,
	   (unsigned long long)(r->written + r->read),
	   (unsigned long long)r->written, (unsigned long long)r->read,
	   dgen_fleet_rank_gbps(r), (unsigned long long)r->mismatches,
	   -r->error);
	rp_latency(p, &r->latency);
	rp(p, ",\n      \"targets\": [\n");
	for (unsigned int k = 0; k < r->ntargets; k++) {
		const struct dgen_fleet_target *t = &r->targets[k];

		if (r->files) {
			tree_target_json(p, r, t);
			continue;
		}
		rp(p, "        { \"path\": ");
		rp_str(p, t->path);
		rp(p, ", \"offset\": %llu, \"size\": %llu, \"stream_origin\": %llu, \"mismatches\": %llu, \"stream\": { ",
		   (unsigned long long)t->offset, (unsigned long long)t->size,
		   (unsigned long long)t->stream_origin,
		   (unsigned long long)t->mismatches);
		rp_stream(p, &dom, o->params.seed, t->stream_id,
			  shared ? o->size : t->size,
			  RP_STREAM_ID | RP_STREAM_SIZE);
		rp(p, " } }%s\n", k + 1 < r->ntargets ? "," : "");
	}
	rp(p, "      ] }%s\n", last ? "" : ",");
}

static void fleet_json(struct rep *p, const struct dgen_fleet_summary *s,
		       const struct dgen_target_verdict *v)
{
	const struct dgen_fleet_result *fl = p->res->fleet;
	const struct dgen_run_opts *o = fl->o;

	rp_head(p);
	rp_engine(p);
	rp(p, "  \"mpi\": { \"ranks\": %u, \"shared\": %s, \"stonewall\": %s, \"rate_scope\": \"fleet\", \"rate\": %llu },\n",
	   fl->nranks, o->flags & DGEN_RUN_SHARED ? "true" : "false",
	   o->flags & DGEN_RUN_STONEWALL ? "true" : "false",
	   (unsigned long long)o->rate);
	rp(p, "  \"seed\": %llu,\n  \"seed_drawn\": %s,\n  \"mode\": \"%s\",\n",
	   (unsigned long long)o->params.seed,
	   o->flags & DGEN_RUN_SEED_DRAWN ? "true" : "false",
	   mode_name(o->mode));
	/* bs, qd, threads: the reporting rank's plan (rank 0's unless it
	 * is lost; each rank's in ranks[]) */
	rp(p, "  \"job\": { \"bs\": %u, \"qd\": %u, \"threads_per_rank\": %u, \"offset\": %llu },\n",
	   fl->mine->io_size, fl->mine->queue_depth, fl->mine->threads,
	   (unsigned long long)o->offset);
	rp(p, "  \"bytes\": %llu,\n  \"written\": %llu,\n  \"read\": %llu,\n  \"mismatches\": %llu,\n",
	   (unsigned long long)(s->written + s->read),
	   (unsigned long long)s->written, (unsigned long long)s->read,
	   (unsigned long long)s->mismatches);
	rp(p, "  \"seconds\": %.6f,\n  \"gbps\": %.6f,\n  \"start_skew_s\": %.6f,\n  \"report_s\": %.6f,\n",
	   s->wall_s, s->gbps, s->skew_s, fl->report_s);
	rp(p, "  \"signalled\": %s,\n  \"lost_ranks\": %u,\n",
	   fl->signalled ? "true" : "false", s->lost);
	rp(p, "  \"latency_us\": ");
	rp_latency(p, &s->latency);
	rp(p, ",\n  \"ranks\": [\n");
	for (unsigned int i = 0; i < fl->nranks; i++)
		rank_json(p, &fl->ranks[i], &v[i], i + 1 == fl->nranks);
	rp(p, "  ],\n  \"outliers\": [");
	for (unsigned int i = 0, n = 0; i < fl->nranks; i++)
		if (v[i].slow)
			rp(p, "%s%u", n++ ? ", " : "", i);
	rp(p, "]\n}\n");
}

static void rank_human(struct rep *p, const struct dgen_fleet_rank *r,
		       const struct dgen_target_verdict *v)
{
	const struct dgen_run_opts *o = p->res->fleet->o;
	char why[160];

	stop_why(r, why, sizeof(why));
	if (r->lost) {
		rp(p, "  rank %u: lost%s\n", r->rank, why);
		return;
	}
	rp(p, "  rank %u (%s): %u thread%s on CPUs %s, %llu bytes in %.3f s (%.3f s of it waiting for the others), %.3f GB/s, %s%s, %s%s%s\n",
	   r->rank, r->host, r->threads, r->threads > 1 ? "s" : "", r->cpus,
	   (unsigned long long)(r->written + r->read), r->seconds,
	   r->waited_s, dgen_fleet_rank_gbps(r), rank_status(r), why,
	   dgen_verdict_name(v->verdict), v->reason[0] ? ": " : "", v->reason);
	for (unsigned int k = 0; k < r->ntargets; k++) {
		const struct dgen_fleet_target *t = &r->targets[k];

		if (r->files) {
			rp(p, "    tree %s: %llu files of %llu bytes, streams %llu..%llu%s\n",
			   t->path, (unsigned long long)r->files,
			   (unsigned long long)r->file_size,
			   (unsigned long long)t->stream_id,
			   (unsigned long long)(t->stream_id + r->files - 1),
			   t->mismatches ? ", bad blocks" : "");
			continue;
		}
		rp(p, "    %s: offset %llu, size %llu, stream %llu (size %llu, from byte %llu)%s\n",
		   t->path, (unsigned long long)t->offset,
		   (unsigned long long)t->size, (unsigned long long)t->stream_id,
		   (unsigned long long)(o->flags & DGEN_RUN_SHARED ? o->size : t->size),
		   (unsigned long long)t->stream_origin,
		   t->mismatches ? ", bad blocks" : "");
	}
}

static void fleet_human(struct rep *p, const struct dgen_fleet_summary *s,
			const struct dgen_target_verdict *v)
{
	const struct dgen_fleet_result *fl = p->res->fleet;
	const struct dgen_run_opts *o = fl->o;
	const struct dgen_fleet_rank *m = fl->mine;

	rp(p, "dgen-uring %s: %u ranks, %s%s%s, %u thread%s per rank, bs %u, qd %u\n",
	   DGEN_VERSION_STRING, fl->nranks, mode_name(o->mode),
	   o->flags & DGEN_RUN_SHARED ? ", shared targets" : "",
	   o->flags & DGEN_RUN_STONEWALL ? ", stonewall" : "", m->threads,
	   m->threads > 1 ? "s" : "", m->io_size, m->queue_depth);
	rp_seed_human(p, " by rank 0");
	rp_engine(p);
	if (o->rate)
		rp(p, "  rate: %llu bytes/s for the whole fleet (%u ranks share it)\n",
		   (unsigned long long)o->rate, fl->nranks);
	for (unsigned int i = 0; i < fl->nranks; i++)
		rank_human(p, &fl->ranks[i], &v[i]);
	rp(p, "  fleet: %llu bytes (written %llu, read %llu) in %.3f s, %.3f GB/s, start skew %.6f s\n",
	   (unsigned long long)(s->written + s->read),
	   (unsigned long long)s->written, (unsigned long long)s->read,
	   s->wall_s, s->gbps, s->skew_s);
	rp_latency_human(p, ", all ranks", &s->latency);
	rp(p, "  status: %s, %llu bad blocks, %u slow rank%s", p->status,
	   (unsigned long long)s->mismatches, s->slow, s->slow == 1 ? "" : "s");
	if (s->lost)
		rp(p, ", %u lost rank%s", s->lost, s->lost == 1 ? "" : "s");
	rp(p, "\n");
}

void rp_fleet(struct rep *p)
{
	const struct dgen_fleet_result *fl = p->res->fleet;
	struct dgen_target_verdict *v = calloc(fl->nranks + 1, sizeof(*v));
	struct dgen_fleet_summary s;

	if (!v) {
		p->err = -ENOMEM;
		return;
	}
	dgen_fleet_merge(fl->ranks, fl->nranks, &s, v);
	if (p->json)
		fleet_json(p, &s, v);
	else
		fleet_human(p, &s, v);
	free(v);
}

/*
 * A rank's target @k by name: a tree's file @k (its directory when the
 * path is too long), else its target @k; "(no target)" for -1.
 */
static const char *rank_target_name(const struct dgen_run_opts *o,
				    const struct dgen_fleet_rank *r, int64_t k,
				    char *buf, size_t len)
{
	if (k < 0 || (!r->files && (uint64_t)k >= r->ntargets))
		return "(no target)";
	if (!r->files)
		return r->targets[k].path;
	if (dgen_tree_path(buf, len, r->targets[0].path,
			   o->tree.fanout ? o->tree.fanout : DGEN_TREE_FANOUT_DEFAULT,
			   (uint64_t)k, dgen_format_suffix(o->tree.format)) < 0)
		return r->targets[0].path;
	return buf;
}

/* One rank's failures, and whether it had bad blocks. */
static void rank_errors(struct rep *p, const char *prefix,
			const struct dgen_fleet_rank *r)
{
	const struct dgen_run_opts *o = p->res->fleet->o;
	char name[DGEN_FLEET_PATH_MAX + 64];

	if (r->lost) {
		rp(p, "%srank %u: lost: no figures came from it (it died, or did not answer when the launcher stopped the job); what it wrote is not known\n",
		   prefix, r->rank);
		return;
	}
	if (r->error)
		rp(p, "%srank %u (%s): %s at offset %llu failed: %s\n", prefix,
		   r->rank, r->host,
		   rank_target_name(o, r, r->error_target, name, sizeof(name)),
		   (unsigned long long)r->error_offset, strerror(-r->error));
	for (unsigned int k = 0; k < r->ntargets; k++) {
		const struct dgen_fleet_target *t = &r->targets[k];

		if (!t->mismatches)
			continue;
		rp(p, "%srank %u (%s): %s: bad blocks, the first at offset %llu\n",
		   prefix, r->rank, r->host,
		   rank_target_name(o, r, r->files ? (int64_t)t->first_bad_file : k,
				    name, sizeof(name)),
		   (unsigned long long)t->first_bad);
	}
}

void rp_fleet_errors(struct rep *p, const char *prefix)
{
	const struct dgen_fleet_result *fl = p->res->fleet;

	for (unsigned int i = 0; i < fl->nranks; i++)
		rank_errors(p, prefix, &fl->ranks[i]);
}

int rp_fleet_status(const struct dgen_run_result *res, const char **status)
{
	const struct dgen_fleet_result *fl = res->fleet;
	struct dgen_fleet_summary s;
	int rc = 0;

	for (unsigned int i = 0; i < fl->nranks; i++) {
		const struct dgen_fleet_rank *r = &fl->ranks[i];

		if (r->lost || r->error)
			rc = DGEN_EXIT_IO;
		else if (r->mismatches && !rc)
			rc = DGEN_EXIT_MISMATCH;
	}
	dgen_fleet_merge(fl->ranks, fl->nranks, &s, NULL);
	*status = s.errors ? "error" : s.lost ? "lost" : rc ? "mismatch" :
		  fl->signalled ? "stopped" :
		  s.stopped && !(fl->o->flags & DGEN_RUN_STONEWALL) ? "stopped" :
		  "ok";
	/* A signal ended the job: as for a plain run, unless worse. */
	return rc == DGEN_EXIT_IO || !fl->signalled ? rc : DGEN_EXIT_INTERRUPTED;
}
