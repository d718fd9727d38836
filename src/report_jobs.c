// SPDX-License-Identifier: MIT
/*
 * report_jobs.c - the reports of the jobs that are not passes over
 * targets: a tree of files written once, one stream to stdout (its report
 * goes to stderr), a discard alone, and a dry run's plan
 */
#include <stdlib.h>
#include <string.h>

#include <dgen/numa.h>

#include "report_impl.h"

void rp_tree_fields(struct rep *p, const struct dgen_run_tree *t,
		    uint64_t file_size, uint64_t first_stream)
{
	rp(p, "\"dir\": ");
	rp_str(p, t->dir);
	rp(p, ", \"files\": %llu, \"fanout\": %u, \"format\": \"%s\", \"file_size\": %llu, \"payload_size\": %llu, \"record_size\": %u, \"first_stream\": %llu",
	   (unsigned long long)t->files, t->fanout, dgen_format_name(t->format),
	   (unsigned long long)file_size, (unsigned long long)t->file_size,
	   t->record_size, (unsigned long long)first_stream);
}

const char *rp_tree_where(const struct rep *p, char *buf, size_t len)
{
	const struct dgen_run_result *res = p->res;

	buf[0] = 0;
	if (res->error_target >= 0 && p->o->tree.format == DGEN_FORMAT_RAW)
		snprintf(buf, len, "%s at offset %llu",
			 rp_target(p, (uint64_t)res->error_target),
			 (unsigned long long)res->error_offset);
	else if (res->error_target >= 0)
		snprintf(buf, len, "%s", rp_target(p, (uint64_t)res->error_target));
	return buf;
}

/* ===== A tree written once ===== */

static void tree_json(struct rep *p, const struct dgen_run_phase *ph,
		      uint64_t fsize)
{
	const struct dgen_run_opts *o = p->o;
	char where[4200];

	rp_head(p);
	rp_engine(p);
	rp(p, "  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
	   (unsigned long long)o->params.seed,
	   o->flags & DGEN_RUN_SEED_DRAWN ? "true" : "false");
	rp(p, "  \"tree\": { ");
	rp_tree_fields(p, &o->tree, fsize, o->params.stream_id);
	/* The window and exact unit of a one-byte stream of these
	 * parameters, as tree reports have always given them; each file's
	 * own layout follows from its size. */
	rp(p, " },\n  \"stream\": { ");
	rp_stream(p, &o->params, o->params.seed, 0, 1, 0);
	rp(p, " },\n");
	rp(p, "  \"job\": { \"bs\": %u, \"qd\": %u, \"threads\": %u, \"writer_runs\": %u },\n",
	   o->writer.io_size, o->writer.queue_depth, o->writer.threads,
	   ph->writer_runs);
	rp(p, "  \"files\": %llu,\n  \"bytes\": %llu,\n  \"seconds\": %.6f,\n  \"wall_seconds\": %.6f,\n  \"gbps\": %.6f,\n  \"files_per_s\": %.1f",
	   (unsigned long long)ph->files, (unsigned long long)ph->bytes,
	   ph->seconds, p->res->wall_seconds, rp_gbps(ph->bytes, ph->seconds),
	   ph->seconds > 0 ? (double)ph->files / ph->seconds : 0);
	if (p->res->error) {
		rp(p, ",\n  \"error\": { \"errno\": %d, \"message\": ",
		   -p->res->error);
		rp_str(p, strerror(-p->res->error));
		rp(p, ", \"where\": ");
		rp_str(p, rp_tree_where(p, where, sizeof(where)));
		rp(p, " }");
	}
	rp(p, "\n}\n");
}

static void tree_human(struct rep *p, const struct dgen_run_phase *ph,
		       uint64_t fsize)
{
	const struct dgen_run_opts *o = p->o;
	const struct dgen_run_tree *t = &o->tree;
	const uint64_t first = o->params.stream_id;
	char where[4200];

	rp(p, "dgen-uring %s: tree %s, %llu files of %llu bytes (%s, payload %llu), fan-out %u, %u thread%s\n",
	   DGEN_VERSION_STRING, t->dir, (unsigned long long)t->files,
	   (unsigned long long)fsize, dgen_format_name(t->format),
	   (unsigned long long)t->file_size, t->fanout, o->writer.threads,
	   o->writer.threads > 1 ? "s" : "");
	rp_seed_human(p, "");
	rp(p, "  streams %llu..%llu (file i: stream %llu + i): dedup %g (unit %u), compress %g, stream format %d\n",
	   (unsigned long long)first, (unsigned long long)(first + t->files - 1),
	   (unsigned long long)first, o->params.dedup_ratio,
	   o->params.dedup_unit, o->params.compress_ratio,
	   dgen_stream_params_format(&o->params));
	rp_v3_human(p, &o->params, o->params.stream_id, t->file_size, "  ");
	rp(p, "  write: %llu files, %llu bytes in %.3f s (%.3f s with making the files), %.3f GB/s, %.0f files/s\n",
	   (unsigned long long)ph->files, (unsigned long long)ph->bytes,
	   ph->seconds, p->res->wall_seconds, rp_gbps(ph->bytes, ph->seconds),
	   ph->seconds > 0 ? (double)ph->files / ph->seconds : 0);
	if (t->format == DGEN_FORMAT_RAW) {
		rp(p, "  writer runs: %u (files open at once: at most %u)\n",
		   ph->writer_runs, DGEN_RUN_BATCH_MAX);
		rp_engine(p);
		rp(p, "  ring: %s", ph->ring_features ? "" : "plain (no optional features)");
		rp_ring(p, ph->ring_features, "%s ", "");
		rp(p, "\n");
	}
	rp(p, "  status: %s", p->status);
	if (p->res->error)
		rp(p, " (%s: %s)", rp_tree_where(p, where, sizeof(where)),
		   strerror(-p->res->error));
	rp(p, "\n");
}

void rp_tree(struct rep *p)
{
	static const struct dgen_run_phase none;
	const struct dgen_run_phase *ph = p->res->npasses ?
					  &p->res->passes[0].wr : &none;
	const struct dgen_run_tree *t = &p->o->tree;
	uint64_t fsize = dgen_format_size(t->format, t->file_size,
					  t->record_size);

	if (!fsize && ph->files)		/* HDF5: what libhdf5 made */
		fsize = ph->bytes / ph->files;
	if (p->json)
		tree_json(p, ph, fsize);
	else
		tree_human(p, ph, fsize);
}

/* ===== stdout ===== */

void rp_stdout(struct rep *p)
{
	const struct dgen_stream_params *sp = dgen_stream_params_get(p->r->fd_stream);
	const struct dgen_fd_result *fd = &p->res->fd;
	const double gbps = rp_gbps(fd->bytes, fd->seconds);
	const char *how = fd->spliced ? "vmsplice" : "write";
	const int err = p->res->error;

	if (p->json) {
		rp_head(p);
		rp(p, "  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
		   (unsigned long long)sp->seed,
		   p->o->flags & DGEN_RUN_SEED_DRAWN ? "true" : "false");
		rp(p, "  \"stdout\": { \"size\": %llu, \"method\": \"%s\", \"pipe_size\": %u, \"reader_closed\": %s },\n",
		   (unsigned long long)sp->size, how, fd->pipe_size,
		   fd->reader_closed ? "true" : "false");
		rp(p, "  \"stream\": { ");
		rp_stream(p, sp, sp->seed, sp->stream_id, sp->size,
			  RP_STREAM_ID | RP_STREAM_SIZE);
		rp(p, " },\n");
		rp(p, "  \"bytes\": %llu,\n  \"seconds\": %.6f,\n  \"gbps\": %.6f",
		   (unsigned long long)fd->bytes, fd->seconds, gbps);
		if (err) {
			rp(p, ",\n  \"error\": { \"errno\": %d, \"message\": ", -err);
			rp_str(p, strerror(-err));
			rp(p, " }");
		}
		rp(p, "\n}\n");
		return;
	}
	rp(p, "dgen-uring %s: stdout (%s%s), size %llu\n", DGEN_VERSION_STRING,
	   how, fd->pipe_size ? ", pipe" : "", (unsigned long long)sp->size);
	rp_seed_human(p, "");
	rp(p, "    stream %llu: dedup %g (unit %u), compress %g, stream format %d\n",
	   (unsigned long long)sp->stream_id, sp->dedup_ratio, sp->dedup_unit,
	   sp->compress_ratio, dgen_stream_params_format(sp));
	rp_v3_human(p, sp, sp->stream_id, 0, "    ");
	rp(p, "  write: %llu bytes in %.3f s, %.3f GB/s\n",
	   (unsigned long long)fd->bytes, fd->seconds, gbps);
	rp(p, "  status: %s", p->status);
	if (fd->reader_closed)
		rp(p, " (reader closed the pipe after %llu bytes)",
		   (unsigned long long)fd->bytes);
	if (err)
		rp(p, " (%s)", strerror(-err));
	rp(p, "\n");
}

/* ===== Discard alone ===== */

void rp_trim(struct rep *p)
{
	const unsigned int n = p->r->ntargets;
	struct dgen_target_info i;

	if (p->json) {
		rp_head(p);
		rp(p, "  \"mode\": \"trim-only\",\n  \"targets\": [\n");
	} else {
		rp(p, "dgen-uring %s: trim only, %u target%s, nothing written\n",
		   DGEN_VERSION_STRING, n, n > 1 ? "s" : "");
	}
	for (unsigned int k = 0; k < n; k++) {
		dgen_run_target_info(p->r, k, &i);
		if (p->json) {
			rp(p, "    { \"path\": ");
			rp_str(p, i.path);
			rp(p, ", \"offset\": %llu, \"size\": %llu",
			   (unsigned long long)i.offset,
			   (unsigned long long)i.size);
			rp_trim_json(p, k);
			rp(p, " }%s\n", k + 1 < n ? "," : "");
		} else {
			rp(p, "  %s: offset %llu, size %llu\n", i.path,
			   (unsigned long long)i.offset,
			   (unsigned long long)i.size);
			rp_trim_human(p, k);
		}
	}
	rp(p, p->json ? "  ]\n}\n" : "  status: ok\n");
}

/* ===== A dry run: the plan, no JSON of its own ===== */

void rp_dry(struct rep *p)
{
	const struct dgen_run *r = p->r;
	size_t len = dgen_plan_describe(r->plan, r->topo, NULL, 0) + 1;
	char *text = malloc(len), mem[512];

	rp(p, "dgen-uring %s: dry run, nothing written\n", DGEN_VERSION_STRING);
	if (text) {
		dgen_plan_describe(r->plan, r->topo, text, len);
		rp(p, "%s", text);
		free(text);
	}
	if (r->topo->this_system) {
		dgen_numa_describe(mem, sizeof(mem));
		rp(p, "%s", mem);
	} else {
		rp(p, "memory: not this machine's (a pretend topology): not described\n");
	}
}
