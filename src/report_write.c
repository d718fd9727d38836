// SPDX-License-Identifier: MIT
/*
 * report_write.c - the report of a plain write of targets: the job, every
 * target with its stream and what its layout really holds, the totals,
 * latency, CPU, and the placement (the plan, each thread as read back on
 * it, the machine's memory)
 *
 * Every stream parameter is in it, so the data can be regenerated and
 * verified later from the report alone.
 */
#include <string.h>

#include <dgen/numa.h>

#include "report_impl.h"

/* Target @k's stream (pass 1's) and its layout, as it was written. */
static void target_stream(const struct rep *p, unsigned int k,
			  const struct dgen_target_info *i,
			  struct dgen_stream_params *sp,
			  struct dgen_stream_layout *lay)
{
	struct dgen_stream *s;

	*sp = p->o->params;
	sp->stream_id = p->o->params.stream_id + k;
	sp->size = i->size;
	memset(lay, 0, sizeof(*lay));
	lay->kernel = "";
	if (dgen_stream_new(&s, sp, NULL, 0) == 0) {
		dgen_stream_layout_get(s, lay);
		dgen_stream_free(s);
	}
}

static const char *pages_name(enum dgen_mem_pages pg)
{
	return pg == DGEN_MEM_HUGETLB ? "huge" : pg == DGEN_MEM_THP ? "thp" :
	       "normal";
}

/* The memory line of dgen_numa_describe, without "memory: " or newline. */
static const char *memory_line(char *buf, size_t len)
{
	const char *m = buf;

	dgen_numa_describe(buf, len);
	buf[strcspn(buf, "\n")] = '\0';
	if (!strncmp(m, "memory: ", 8))
		m += 8;
	return m;
}

static void thread_human(struct rep *p, unsigned int t)
{
	const struct dgen_plan_thread *th = &p->r->plan->threads[t];
	const struct dgen_run_thread *rt = p->res->threads ?
					   &p->res->threads[t] : NULL;
	const struct dgen_writer_thread_info *ti = rt ? &rt->info : NULL;

	rp(p, "    thread %u: cpu %u, core %u, node ", t, th->cpu, th->core);
	if (th->node >= 0)
		rp(p, "%d", th->node);
	else
		rp(p, "-");
	if (!rt || !rt->started) {
		rp(p, " (did not start)\n");
		return;
	}
	rp(p, " (ran on cpu %d, %u allowed); %u buffers, %s pages: %s; pages on node ",
	   ti->cpu_seen, ti->cpus_allowed, ti->buffers, pages_name(ti->pages),
	   ti->mem_how);
	if (ti->mem_node >= 0)
		rp(p, "%d", ti->mem_node);
	else
		rp(p, "%s", ti->mem_node == -2 ? "several" : "not known");
	rp(p, " (%llu checked, %llu off its node)\n",
	   (unsigned long long)ti->pages_checked,
	   (unsigned long long)ti->pages_off_node);
}

static void place_human(struct rep *p)
{
	const struct dgen_plan *plan = p->r->plan;
	char mem[512];

	if (!plan)
		return;
	rp(p, "  threads: %u, %s\n", plan->nthreads, plan->why);
	if (plan->oversubscribed)
		rp(p, "  oversubscribed: %u thread%s more than the %u cores used, sharing a core\n",
		   plan->oversubscribed, plan->oversubscribed == 1 ? "" : "s",
		   plan->cores_used);
	if (plan->cpus_shared)
		rp(p, "  cpus shared: each thread may run on the CPUs of all its node's threads\n");
	for (unsigned int t = 0; t < plan->nthreads; t++)
		thread_human(p, t);
	for (unsigned int k = 0; k < plan->ntargets; k++) {
		const struct dgen_plan_target *pt = &plan->targets[k];

		rp(p, "    target %s: node ", pt->name);
		if (pt->node >= 0)
			rp(p, "%d%s", pt->node, pt->local ? " (threads local)" :
			   " (some threads remote)");
		else
			rp(p, "- (not known)");
		if (pt->nthreads > 1)
			rp(p, ", threads %u-%u", pt->first_thread,
			   pt->first_thread + pt->nthreads - 1);
		else
			rp(p, ", threads %u", pt->first_thread);
		rp(p, ", bs %u, qd %u per thread", pt->pool.io_size,
		   pt->pool.queue_depth);
		if (pt->pool.one_request_max)
			rp(p, " (unsplit: each write fits one request, at most %u bytes)",
			   pt->pool.one_request_max);
		rp(p, "\n");
	}
	rp(p, "  memory: %s\n", memory_line(mem, sizeof(mem)));
}

static void thread_json(struct rep *p, unsigned int t)
{
	const struct dgen_plan *plan = p->r->plan;
	const struct dgen_plan_thread *th = &plan->threads[t];
	const struct dgen_run_thread *rt = p->res->threads ?
					   &p->res->threads[t] : NULL;
	const struct dgen_writer_thread_info *ti = rt ? &rt->info : NULL;
	const int ok = rt && rt->started;

	rp(p, "      { \"thread\": %u, \"cpu\": %u, \"core\": %u, \"node\": %d, \"targets\": [",
	   t, th->cpu, th->core, th->node);
	for (unsigned int j = 0; j < th->ntargets; j++)
		rp(p, "%s%u", j ? ", " : "", th->targets[j]);
	rp(p, "], \"started\": %s", ok ? "true" : "false");
	if (ok) {
		rp(p, ", \"bytes\": %llu, \"cpu_seen\": %d, \"cpus_allowed\": %u, \"buffers\": %u, \"mem_bytes\": %llu, \"pages\": \"%s\", \"mem_node\": %d, \"pages_checked\": %llu, \"pages_off_node\": %llu, \"memory\": ",
		   (unsigned long long)ti->bytes, ti->cpu_seen,
		   ti->cpus_allowed, ti->buffers,
		   (unsigned long long)ti->mem_bytes, pages_name(ti->pages),
		   ti->mem_node, (unsigned long long)ti->pages_checked,
		   (unsigned long long)ti->pages_off_node);
		rp_str(p, ti->mem_how);
	}
	rp(p, " }%s\n", t + 1 < plan->nthreads ? "," : "");
}

static void place_json(struct rep *p)
{
	const struct dgen_plan *plan = p->r->plan;
	char mem[512];

	if (!plan)
		return;
	rp(p, "  \"placement\": {\n    \"why\": ");
	rp_str(p, plan->why);
	rp(p, ", \"cores_used\": %u, \"oversubscribed\": %u, \"cpus_policy\": \"%s\",\n",
	   plan->cores_used, plan->oversubscribed,
	   plan->cpus_shared ? "shared" : "split");
	memory_line(mem, sizeof(mem));
	rp(p, "    \"numa\": %s, \"memory\": ", strstr(mem, "no NUMA") ? "false" : "true");
	rp_str(p, mem + 8);
	rp(p, ",\n    \"threads\": [\n");
	for (unsigned int t = 0; t < plan->nthreads; t++)
		thread_json(p, t);
	rp(p, "    ],\n    \"targets\": [\n");
	for (unsigned int k = 0; k < plan->ntargets; k++) {
		const struct dgen_plan_target *pt = &plan->targets[k];

		rp(p, "      { \"node\": %d, \"local\": %s, \"first_thread\": %u, \"threads\": %u, \"bs\": %u, \"qd\": %u, \"bytes_in_flight\": %llu, \"one_request_max\": %u }%s\n",
		   pt->node, pt->local ? "true" : "false", pt->first_thread,
		   pt->nthreads, pt->pool.io_size, pt->pool.queue_depth,
		   (unsigned long long)pt->pool.target_bytes,
		   pt->pool.one_request_max,
		   k + 1 < plan->ntargets ? "," : "");
	}
	rp(p, "    ]\n  },\n");
}

/* The one write phase: pass 1's (nothing when the run never started). */
static const struct dgen_run_phase *phase_of(const struct rep *p)
{
	static const struct dgen_run_phase none;

	return p->res->npasses ? &p->res->passes[0].wr : &none;
}

static void targets_json(struct rep *p)
{
	for (unsigned int k = 0; k < p->r->ntargets; k++) {
		struct dgen_stream_params sp;
		struct dgen_stream_layout lay;
		struct dgen_target_info i;

		dgen_run_target_info(p->r, k, &i);
		target_stream(p, k, &i, &sp, &lay);
		rp(p, "    { \"path\": ");
		rp_str(p, i.path);
		rp(p, ", \"type\": \"%s\", \"offset\": %llu, \"size\": %llu, \"bytes\": %llu,\n",
		   rp_type(i.type), (unsigned long long)i.offset,
		   (unsigned long long)i.size,
		   (unsigned long long)p->res->target_bytes[k]);
		rp_figures_json(p, k, 0);
		rp(p, "      \"stream\": { ");
		rp_stream(p, &sp, sp.seed, sp.stream_id, sp.size,
			  RP_STREAM_ID | RP_STREAM_SIZE);
		rp(p, ", \"dedup_ratio_actual\": %.6f, \"compress_ratio_actual\": %.6f, \"kernel\": \"%s\" }",
		   lay.dedup_ratio, lay.compress_ratio, lay.kernel);
		rp_trim_json(p, k);
		rp_health_json(p, k);
		rp_flush_json(p, k);
		rp(p, " }%s\n", k + 1 < p->r->ntargets ? "," : "");
	}
}

static void write_json(struct rep *p)
{
	const struct dgen_run_opts *o = p->o;
	const struct dgen_run_result *res = p->res;
	const struct dgen_run_phase *ph = phase_of(p);
	const double cpu = res->user_s + res->sys_s;

	rp_head(p);
	rp_engine(p);
	rp(p, "  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
	   (unsigned long long)o->params.seed,
	   o->flags & DGEN_RUN_SEED_DRAWN ? "true" : "false");
	rp(p, "  \"job\": { \"bs\": %u, \"qd\": %u, \"threads\": %u, \"pattern\": \"%s\", \"offset\": %llu, \"ring\": [",
	   o->writer.io_size, o->writer.queue_depth, o->writer.threads,
	   o->writer.pattern == DGEN_PATTERN_RAND ? "rand" : "seq",
	   (unsigned long long)o->offset);
	rp_ring(p, ph->ring_features, "\"%s\"", ", ");
	rp(p, "] },\n  \"targets\": [\n");
	targets_json(p);
	rp(p, "  ],\n");
	place_json(p);
	rp(p, "  \"bytes\": %llu,\n  \"ops\": %llu,\n  \"short_writes\": %llu,\n  \"retries\": %llu,\n",
	   (unsigned long long)ph->bytes, (unsigned long long)ph->ops,
	   (unsigned long long)ph->short_writes,
	   (unsigned long long)ph->retries);
	rp(p, "  \"seconds\": %.6f,\n  \"gbps\": %.6f,\n  \"iops\": %.1f,\n",
	   ph->seconds, rp_gbps(ph->bytes, ph->seconds),
	   ph->seconds > 0 ? (double)ph->ops / ph->seconds : 0);
	rp(p, "  \"latency_us\": ");
	rp_latency(p, &res->latency[DGEN_MODE_WRITE]);
	rp(p, ",\n  \"cpu\": { \"user_s\": %.6f, \"sys_s\": %.6f, \"s_per_gb\": %.6f }",
	   res->user_s, res->sys_s,
	   ph->bytes ? cpu / ((double)ph->bytes / 1e9) : 0);
	if (res->error) {
		rp(p, ",\n  \"error\": { \"errno\": %d, \"message\": ", -res->error);
		rp_str(p, strerror(-res->error));
		rp(p, ", \"target\": ");
		if (res->error_target >= 0)
			rp_str(p, rp_target(p, (uint64_t)res->error_target));
		else
			rp(p, "null");
		rp(p, ", \"offset\": %llu }", (unsigned long long)res->error_offset);
	}
	rp_journal_json(p);
	rp_watch_json(p);
	rp(p, "\n}\n");
}

static void targets_human(struct rep *p)
{
	for (unsigned int k = 0; k < p->r->ntargets; k++) {
		struct dgen_stream_params sp;
		struct dgen_stream_layout lay;
		struct dgen_target_info i;

		dgen_run_target_info(p->r, k, &i);
		target_stream(p, k, &i, &sp, &lay);
		rp(p, "  %s (%s): offset %llu, size %llu, written %llu\n",
		   i.path, rp_type(i.type), (unsigned long long)i.offset,
		   (unsigned long long)i.size,
		   (unsigned long long)p->res->target_bytes[k]);
		rp(p, "    stream %llu (format %u): dedup %g (actual %.4f, unit %u, window %llu, exact to %u), compress %g (actual %.4f), kernel %s\n",
		   (unsigned long long)sp.stream_id, lay.format_version,
		   sp.dedup_ratio, lay.dedup_ratio, sp.dedup_unit,
		   (unsigned long long)lay.dedup_window, lay.dedup_exact_unit,
		   sp.compress_ratio, lay.compress_ratio, lay.kernel);
		rp_v3_human(p, &sp, sp.stream_id, 0, "    ");
		rp_trim_human(p, k);
		rp_health_human(p, k);
		rp_flush_human(p, k);
		rp_figures_human(p, k, 0);
	}
}

static void write_human(struct rep *p)
{
	const struct dgen_run_opts *o = p->o;
	const struct dgen_run_result *res = p->res;
	const struct dgen_run_phase *ph = phase_of(p);
	const unsigned int n = p->r->ntargets;
	char bs[32];

	rp(p, "dgen-uring %s: %u target%s, %u thread%s, bs %s, qd %u, %s\n",
	   DGEN_VERSION_STRING, n, n > 1 ? "s" : "", o->writer.threads,
	   o->writer.threads > 1 ? "s" : "",
	   rp_size(o->writer.io_size, bs, sizeof(bs)), o->writer.queue_depth,
	   o->writer.pattern == DGEN_PATTERN_RAND ? "rand" : "seq");
	rp_seed_human(p, "");
	targets_human(p);
	rp(p, "  write: %llu bytes in %.3f s, %.3f GB/s, %.0f IOPS\n",
	   (unsigned long long)ph->bytes, ph->seconds,
	   rp_gbps(ph->bytes, ph->seconds),
	   ph->seconds > 0 ? (double)ph->ops / ph->seconds : 0);
	rp_latency_human(p, "", &res->latency[DGEN_MODE_WRITE]);
	rp(p, "  cpu: user %.3f s, sys %.3f s, %.3f s/GB\n", res->user_s,
	   res->sys_s, ph->bytes ? (res->user_s + res->sys_s) /
	   ((double)ph->bytes / 1e9) : 0);
	place_human(p);
	rp_engine(p);
	rp_journal_human(p);
	rp(p, "  ring: %s", ph->ring_features ? "" : "plain (no optional features)");
	rp_ring(p, ph->ring_features, "%s", " ");
	rp(p, "\n  status: %s", p->status);
	if (res->error && res->error_target >= 0)
		rp(p, " (%s at offset %llu: %s)",
		   rp_target(p, (uint64_t)res->error_target),
		   (unsigned long long)res->error_offset,
		   strerror(-res->error));
	else if (res->error)
		rp(p, " (%s)", strerror(-res->error));
	rp(p, "\n");
}

void rp_write(struct rep *p)
{
	if (p->json)
		write_json(p);
	else
		write_human(p);
}
