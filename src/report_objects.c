// SPDX-License-Identifier: MIT
/*
 * report_objects.c - the report of a run over objects (one, or a tree, in
 * an S3 bucket or an Azure Blob container): the store, the engine and its
 * memory bound, each endpoint's figures and verdict, every pass, the
 * totals, the bad objects and bad blocks kept
 *
 * One kind of report for every run over objects, written once or passes:
 * its figures are an HTTP client's (objects and requests per second, time
 * to the first byte and to the end of each PUT, part or GET, retries, HTTP
 * errors), not a ring's. Every stream parameter and every pass's seed is
 * in it, so any object can be verified again later.
 */
#include <string.h>

#include "report_impl.h"

static const char *kind_name(enum dgen_objstore_kind k)
{
	return k == DGEN_OBJSTORE_AZURE ? "azure" : "s3";
}

/* ===== JSON ===== */

static void fig_json(struct rep *p, const struct run_obj_fig *f)
{
	const struct dgen_objstore_stats *s = &f->st;

	rp(p, "{ \"bytes\": %llu, \"objects\": %llu, \"requests\": %llu, \"retries\": %llu, \"http_errors\": %llu, \"seconds\": %.6f, \"gbps\": %.6f, \"objects_per_s\": %.1f, \"requests_per_s\": %.1f, \"ttfb_us\": ",
	   (unsigned long long)s->bytes, (unsigned long long)s->objects,
	   (unsigned long long)s->requests, (unsigned long long)s->retries,
	   (unsigned long long)s->http_errors, f->seconds,
	   rp_gbps(s->bytes, f->seconds),
	   f->seconds > 0 ? (double)s->objects / f->seconds : 0,
	   f->seconds > 0 ? (double)s->requests / f->seconds : 0);
	rp_latency(p, &s->ttfb);
	rp(p, ", \"latency_us\": ");
	rp_latency(p, &s->total);
	rp(p, " }");
}

/* "write" and "verify" members of @f (per mode), as they ran. */
static void figs_json(struct rep *p, const struct run_obj_fig *f,
		      const char *indent)
{
	static const char *const name[2] = { "write", "verify" };

	for (int m = 0; m < 2; m++) {
		if (!f[m].phases)
			continue;
		rp(p, "%s\"%s\": ", indent, name[m]);
		fig_json(p, &f[m]);
		rp(p, ",\n");
	}
}

static void store_json(struct rep *p)
{
	const struct run_obj *ob = p->r->obj;
	const struct dgen_objstore_info *i = &ob->info;

	rp(p, "  \"store\": { \"url\": ");
	rp_str(p, ob->url);
	rp(p, ", \"kind\": \"%s\", \"bucket\": ", kind_name(i->kind));
	rp_str(p, i->bucket);
	rp(p, ", \"prefix\": ");
	rp_str(p, i->prefix);
	if (i->kind == DGEN_OBJSTORE_S3) {
		rp(p, ", \"region\": ");
		rp_str(p, i->region);
		rp(p, ", \"path_style\": %s", i->path_style ? "true" : "false");
	} else {
		rp(p, ", \"account\": ");
		rp_str(p, i->account);
	}
	rp(p, ", \"credentials\": ");
	rp_str(p, i->credentials);
	rp(p, ", \"endpoints\": [");
	for (unsigned int k = 0; k < ob->nendpoints; k++) {
		rp(p, k ? ", " : "");
		rp_str(p, ob->endpoints[k]);
	}
	rp(p, "] },\n");
}

/* The tree (and its files' streams), or the one object and its stream. */
static void what_json(struct rep *p)
{
	const struct run_obj *ob = p->r->obj;
	const struct dgen_run_tree *t = &p->o->tree;
	const struct dgen_stream_params *sp = &p->o->params;

	if (ob->tree) {
		rp(p, "  \"tree\": { ");
		rp_tree_fields(p, t, ob->plan.object_bytes, sp->stream_id);
		rp(p, ",\n    \"stream\": { ");
		rp_stream(p, sp, sp->seed, 0, t->file_size, RP_STREAM_SIZE);
		rp(p, " } },\n");
		return;
	}
	rp(p, "  \"object\": { \"url\": ");
	rp_str(p, ob->url);
	rp(p, ", \"key\": ");
	rp_str(p, ob->info.prefix);
	rp(p, ", \"size\": %llu,\n    \"stream\": { ",
	   (unsigned long long)ob->size);
	rp_stream(p, sp, sp->seed, sp->stream_id, ob->size,
		  RP_STREAM_ID | RP_STREAM_SIZE);
	rp(p, " } },\n");
}

static void job_json(struct rep *p)
{
	const struct dgen_run_opts *o = p->o;
	const struct dgen_objstore_plan *pl = &p->r->obj->plan;

	rp(p, "  \"job\": { \"engine\": \"http/curl\", \"threads\": %u, \"depth\": %u, \"endpoints\": %u, \"part_size\": %llu, \"parts\": %u, \"object_bytes\": %llu, \"requests_max\": %llu, \"memory_bound\": %llu, \"memory\": %llu, \"retries\": %u, \"io_timeout_s\": %.3f,\n",
	   pl->threads, pl->depth, pl->endpoints,
	   (unsigned long long)pl->part_size, pl->parts,
	   (unsigned long long)pl->object_bytes,
	   (unsigned long long)pl->requests,
	   (unsigned long long)pl->memory_bound,
	   (unsigned long long)pl->memory, o->objects.retries,
	   o->watch.io_timeout_s);
	rp(p, "    \"passes\": %llu, \"time_s\": %.3f, \"rate\": %llu, \"max_report\": %u },\n",
	   (unsigned long long)o->passes, o->time_s,
	   (unsigned long long)o->rate, o->max_report);
}

static void endpoints_json(struct rep *p)
{
	const struct run_obj *ob = p->r->obj;

	rp(p, "  \"endpoints\": [\n");
	for (unsigned int k = 0; k < ob->nendpoints; k++) {
		rp(p, "    { \"url\": ");
		rp_str(p, ob->endpoints[k]);
		rp(p, ",\n");
		figs_json(p, ob->ep[k], "      ");
		rp_verdict_json(p, k);
		rp(p, "      \"index\": %u }%s\n", k,
		   k + 1 < ob->nendpoints ? "," : "");
	}
	rp(p, "  ],\n");
}

static void passes_json(struct rep *p)
{
	for (unsigned int i = 0; i < p->res->npasses; i++) {
		const struct dgen_run_pass *ps = &p->res->passes[i];

		rp(p, "    { \"pass\": %llu, \"seed\": %llu, \"written\": %llu, \"objects_written\": %llu, \"write_seconds\": %.6f, \"write_gbps\": %.6f, \"verified\": %llu, \"objects_verified\": %llu, \"verify_seconds\": %.6f, \"verify_gbps\": %.6f, \"mismatches\": %llu",
		   (unsigned long long)ps->n, (unsigned long long)ps->seed,
		   (unsigned long long)ps->wr.bytes,
		   (unsigned long long)ps->wr.files, ps->wr.seconds,
		   rp_gbps(ps->wr.bytes, ps->wr.seconds),
		   (unsigned long long)ps->vr.bytes,
		   (unsigned long long)ps->vr.files, ps->vr.seconds,
		   rp_gbps(ps->vr.bytes, ps->vr.seconds),
		   (unsigned long long)ps->vr.mismatches);
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			rp(p, ", \"%s\": %llu", dgen_mismatch_kind_name(k),
			   (unsigned long long)ps->vr.kinds[k]);
		rp(p, ", \"bad_sectors\": %llu, \"framing_errors\": %llu, \"bad_objects\": %llu, \"complete\": %s }%s\n",
		   (unsigned long long)ps->vr.bad_sectors,
		   (unsigned long long)ps->vr.framing,
		   (unsigned long long)ps->vr.bad_objects,
		   ps->cut ? "false" : "true",
		   i + 1 < p->res->npasses ? "," : "");
	}
}

static void bad_json(struct rep *p, uint64_t total)
{
	const struct run_obj *ob = p->r->obj;

	rp(p, "  \"bad_objects\": %llu,\n  \"bad_object_kinds\": { ",
	   (unsigned long long)total);
	for (unsigned int k = 0; k < DGEN_OBJSTORE_BAD_KINDS; k++)
		rp(p, "%s\"%s\": %llu", k ? ", " : "", dgen_objstore_bad_name(k),
		   (unsigned long long)ob->bad_kinds[k]);
	rp(p, " },\n  \"bad_object_list\": [");
	for (unsigned int i = 0; i < ob->nbad; i++) {
		const struct dgen_objstore_bad *b = &ob->bad[i].b;

		rp(p, "%s\n    { \"pass\": %llu, \"object\": ", i ? "," : "",
		   (unsigned long long)ob->bad[i].pass);
		rp_str(p, rp_target(p, b->object));
		rp(p, ", \"kind\": \"%s\", \"offset\": %llu, \"held\": %llu, \"blocks\": %llu, \"block_kind\": ",
		   dgen_objstore_bad_name(b->kind), (unsigned long long)b->offset,
		   (unsigned long long)b->held, (unsigned long long)b->blocks);
		if (b->blocks)
			rp(p, "\"%s\"", dgen_mismatch_kind_name(b->block_kind));
		else
			rp(p, "null");
		rp(p, ", \"framing_errors\": %llu, \"endpoint\": ",
		   (unsigned long long)b->framing);
		rp_str(p, ob->endpoints[b->endpoint]);
		rp(p, " }");
	}
	rp(p, "%s],\n", ob->nbad ? "\n  " : "");
}

static void error_json(struct rep *p)
{
	const struct dgen_run_result *res = p->res;
	const struct run_obj *ob = p->r->obj;

	if (!res->error)
		return;
	rp(p, ",\n  \"error\": { \"errno\": %d, \"message\": ", -res->error);
	rp_str(p, strerror(-res->error));
	rp(p, ", \"phase\": \"%s\", \"object\": ", res->error_phase);
	if (res->error_target >= 0)
		rp_str(p, rp_target(p, (uint64_t)res->error_target));
	else
		rp(p, "null");
	rp(p, ", \"offset\": %llu, \"endpoint\": ",
	   (unsigned long long)res->error_offset);
	if (ob->error_endpoint >= 0)
		rp_str(p, ob->endpoints[ob->error_endpoint]);
	else
		rp(p, "null");
	rp(p, ", \"http_status\": %d, \"detail\": ", ob->error_http);
	rp_str(p, res->error_msg);
	rp(p, " }");
}

/* Bad blocks, framing and bad objects over every pass. */
struct totals {
	uint64_t written, verified, mismatches, kinds[DGEN_MISMATCH_KINDS];
	uint64_t bad_sectors, listed, framing, bad_objects;
};

static void sum(const struct dgen_run_result *res, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < res->npasses; i++) {
		const struct dgen_run_phase *vr = &res->passes[i].vr;

		t->written += res->passes[i].wr.bytes;
		t->verified += vr->bytes;
		t->mismatches += vr->mismatches;
		t->bad_sectors += vr->bad_sectors;
		t->framing += vr->framing;
		t->bad_objects += vr->bad_objects;
		t->listed += vr->reported;
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			t->kinds[k] += vr->kinds[k];
	}
}

static void objects_json(struct rep *p)
{
	const struct dgen_run_result *res = p->res;
	const struct run_obj *ob = p->r->obj;
	struct totals t;

	sum(res, &t);
	rp_head(p);
	rp(p, "  \"mode\": \"%s\",\n  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
	   rp_mode_name(p->o->mode), (unsigned long long)p->o->params.seed,
	   p->o->flags & DGEN_RUN_SEED_DRAWN ? "true" : "false");
	store_json(p);
	what_json(p);
	job_json(p);
	endpoints_json(p);
	rp(p, "  \"passes\": [\n");
	passes_json(p);
	rp(p, "  ],\n");
	figs_json(p, ob->all, "  ");
	rp(p, "  \"bytes_written\": %llu,\n  \"bytes_verified\": %llu,\n  \"seconds\": %.6f,\n  \"wall_seconds\": %.6f,\n",
	   (unsigned long long)t.written, (unsigned long long)t.verified,
	   res->seconds, res->wall_seconds);
	rp(p, "  \"mismatches\": %llu,\n", (unsigned long long)t.mismatches);
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		rp(p, "  \"%s\": %llu,\n", dgen_mismatch_kind_name(k),
		   (unsigned long long)t.kinds[k]);
	rp(p, "  \"bad_sectors\": %llu,\n  \"framing_errors\": %llu,\n",
	   (unsigned long long)t.bad_sectors, (unsigned long long)t.framing);
	if (t.framing) {
		rp(p, "  \"first_framing_error\": { \"object\": ");
		rp_str(p, rp_target(p, (uint64_t)res->framing_target));
		rp(p, ", \"offset\": %llu },\n",
		   (unsigned long long)res->framing_offset);
	}
	bad_json(p, t.bad_objects);
	rp(p, "  \"cpu\": { \"user_s\": %.6f, \"sys_s\": %.6f, \"s_per_gb\": %.6f },\n",
	   res->user_s, res->sys_s, t.written + t.verified ?
	   (res->user_s + res->sys_s) / ((double)(t.written + t.verified) / 1e9) : 0);
	rp_mismatch_list_json(p);
	error_json(p);
	rp_watch_json(p);
	rp(p, "\n}\n");
}

/* ===== Human ===== */

static void fig_human(struct rep *p, const char *indent, const char *what,
		      const struct run_obj_fig *f)
{
	const struct dgen_objstore_stats *s = &f->st;
	const struct dgen_latency *t = &s->ttfb, *l = &s->total;

	rp(p, "%s%s: %.3f GB/s, %.1f objects/s, %llu B and %llu objects in %.3f s, %llu requests, %llu retries, %llu HTTP errors\n",
	   indent, what, rp_gbps(s->bytes, f->seconds),
	   f->seconds > 0 ? (double)s->objects / f->seconds : 0,
	   (unsigned long long)s->bytes, (unsigned long long)s->objects,
	   f->seconds, (unsigned long long)s->requests,
	   (unsigned long long)s->retries,
	   (unsigned long long)s->http_errors);
	rp(p, "%s  lat (usec) to the first byte: p50 %.1f, p99 %.1f, p99.9 %.1f; to the end: min %.1f, p50 %.1f, p99 %.1f, p99.9 %.1f, max %.1f\n",
	   indent, (double)dgen_latency_percentile(t, 50) / 1e3,
	   (double)dgen_latency_percentile(t, 99) / 1e3,
	   (double)dgen_latency_percentile(t, 99.9) / 1e3,
	   l->count ? (double)l->min_ns / 1e3 : 0,
	   (double)dgen_latency_percentile(l, 50) / 1e3,
	   (double)dgen_latency_percentile(l, 99) / 1e3,
	   (double)dgen_latency_percentile(l, 99.9) / 1e3,
	   (double)l->max_ns / 1e3);
}

static void figs_human(struct rep *p, const char *indent,
		       const struct run_obj_fig *f)
{
	if (f[DGEN_MODE_WRITE].phases)
		fig_human(p, indent, "write", &f[DGEN_MODE_WRITE]);
	if (f[DGEN_MODE_VERIFY].phases)
		fig_human(p, indent, "verify", &f[DGEN_MODE_VERIFY]);
}

static void head_human(struct rep *p)
{
	const struct run_obj *ob = p->r->obj;
	const struct dgen_objstore_info *i = &ob->info;
	const struct dgen_objstore_plan *pl = &ob->plan;
	const struct dgen_stream_params *sp = &p->o->params;
	char ps[32], mb[32], mem[32];

	rp(p, "dgen-uring %s: %s, ", DGEN_VERSION_STRING,
	   rp_mode_name(p->o->mode));
	if (ob->tree)
		rp(p, "a tree of %llu objects under %s (%s, %llu bytes each, payload %llu, fan-out %u)\n",
		   (unsigned long long)ob->objects, ob->url,
		   dgen_format_name(p->o->tree.format),
		   (unsigned long long)pl->object_bytes,
		   (unsigned long long)ob->size, p->o->tree.fanout);
	else
		rp(p, "one object %s of %llu bytes\n", ob->url,
		   (unsigned long long)ob->size);
	rp(p, "  store: %s %s %s", kind_name(i->kind),
	   i->kind == DGEN_OBJSTORE_S3 ? "bucket" : "container", i->bucket);
	if (i->kind == DGEN_OBJSTORE_S3)
		rp(p, ", region %s%s", i->region,
		   i->path_style ? ", path-style" : "");
	else
		rp(p, ", account %s", i->account);
	rp(p, ", credentials: %s\n", i->credentials);
	rp(p, "  engine: http/curl, %u thread%s x %u endpoint%s x %u requests in flight; parts of %s (%u per object), %u retries, --io-timeout %g s\n",
	   pl->threads, pl->threads == 1 ? "" : "s", pl->endpoints,
	   pl->endpoints == 1 ? "" : "s", pl->depth,
	   rp_size(pl->part_size, ps, sizeof(ps)), pl->parts,
	   p->o->objects.retries, p->o->watch.io_timeout_s);
	rp(p, "  memory: at most %llu requests in flight, bound %s (each its part), %s allocated (1 MiB per request)\n",
	   (unsigned long long)pl->requests,
	   rp_size(pl->memory_bound, mb, sizeof(mb)),
	   rp_size(pl->memory, mem, sizeof(mem)));
	rp_seed_human(p, "");
	if (ob->tree)
		rp(p, "  streams %llu..%llu (object i: stream %llu + i): ",
		   (unsigned long long)sp->stream_id,
		   (unsigned long long)(sp->stream_id + ob->objects - 1),
		   (unsigned long long)sp->stream_id);
	else
		rp(p, "  stream %llu: ", (unsigned long long)sp->stream_id);
	rp(p, "dedup %g (unit %u), compress %g, stream format %d%s\n",
	   sp->dedup_ratio, sp->dedup_unit, sp->compress_ratio,
	   dgen_stream_params_format(sp), p->o->tree.format != DGEN_FORMAT_RAW &&
	   ob->tree ? "; offsets below are payload offsets" : "");
}

static void pass_human(struct rep *p, const struct dgen_run_pass *ps)
{
	rp(p, "  pass %llu: seed %llu", (unsigned long long)ps->n,
	   (unsigned long long)ps->seed);
	if (ps->wrote)
		rp(p, ", written %llu B (%llu objects) in %.3f s (%.3f GB/s)",
		   (unsigned long long)ps->wr.bytes,
		   (unsigned long long)ps->wr.files, ps->wr.seconds,
		   rp_gbps(ps->wr.bytes, ps->wr.seconds));
	if (ps->verified) {
		rp(p, ", verified %llu B (%llu objects) in %.3f s (%.3f GB/s), mismatches %llu",
		   (unsigned long long)ps->vr.bytes,
		   (unsigned long long)ps->vr.files, ps->vr.seconds,
		   rp_gbps(ps->vr.bytes, ps->vr.seconds),
		   (unsigned long long)ps->vr.mismatches);
		rp_kinds_human(p, ps->vr.kinds);
		rp(p, ", bad objects %llu", (unsigned long long)ps->vr.bad_objects);
		if (ps->vr.framing)
			rp(p, ", framing errors %llu",
			   (unsigned long long)ps->vr.framing);
	}
	if (ps->cut)
		rp(p, ", cut short%s", ps->verified ? "" : ": not verified");
	rp(p, "\n");
}

static void bad_human(struct rep *p, uint64_t total)
{
	const struct run_obj *ob = p->r->obj;

	rp(p, "  bad objects: %llu (", (unsigned long long)total);
	for (unsigned int k = 0; k < DGEN_OBJSTORE_BAD_KINDS; k++)
		rp(p, "%s%s %llu", k ? ", " : "", dgen_objstore_bad_name(k),
		   (unsigned long long)ob->bad_kinds[k]);
	rp(p, "), %u listed:\n", ob->nbad);
	for (unsigned int i = 0; i < ob->nbad; i++) {
		const struct dgen_objstore_bad *b = &ob->bad[i].b;

		rp(p, "    pass %llu %s: %s at offset %llu",
		   (unsigned long long)ob->bad[i].pass, rp_target(p, b->object),
		   dgen_objstore_bad_name(b->kind),
		   (unsigned long long)b->offset);
		if (b->kind == DGEN_OBJSTORE_SHORT || b->kind == DGEN_OBJSTORE_LONG)
			rp(p, " (holds %llu bytes)", (unsigned long long)b->held);
		if (b->blocks)
			rp(p, " (%llu bad blocks, the first %s)",
			   (unsigned long long)b->blocks,
			   dgen_mismatch_kind_name(b->block_kind));
		if (b->framing)
			rp(p, " (%llu framing errors)", (unsigned long long)b->framing);
		rp(p, ", from %s\n", ob->endpoints[b->endpoint]);
	}
}

static void objects_human(struct rep *p)
{
	const struct dgen_run_result *res = p->res;
	const struct run_obj *ob = p->r->obj;
	struct totals t;

	sum(res, &t);
	head_human(p);
	for (unsigned int k = 0; k < ob->nendpoints; k++) {
		rp(p, "  endpoint %s:\n", ob->endpoints[k]);
		figs_human(p, "    ", ob->ep[k]);
		rp_verdict_human(p, k);
	}
	for (unsigned int i = 0; i < res->npasses; i++)
		pass_human(p, &res->passes[i]);
	figs_human(p, "  ", ob->all);
	rp(p, "  total: %u pass%s, written %llu B, verified %llu B, mismatches %llu",
	   res->npasses, res->npasses == 1 ? "" : "es",
	   (unsigned long long)t.written, (unsigned long long)t.verified,
	   (unsigned long long)t.mismatches);
	rp_kinds_human(p, t.kinds);
	rp(p, ", bad sectors %llu, framing errors %llu\n",
	   (unsigned long long)t.bad_sectors, (unsigned long long)t.framing);
	if (t.bad_objects)
		bad_human(p, t.bad_objects);
	if (t.mismatches)
		rp_mismatches_human(p, t.listed, t.mismatches);
	rp_watch_human(p);
	rp(p, "  cpu: user %.3f s, sys %.3f s, %.3f s/GB\n", res->user_s,
	   res->sys_s, t.written + t.verified ? (res->user_s + res->sys_s) /
	   ((double)(t.written + t.verified) / 1e9) : 0);
	rp(p, "  status: %s", p->status);
	if (res->error && res->error_target >= 0)
		rp(p, " (%s of %s: %s)", res->error_phase,
		   rp_target(p, (uint64_t)res->error_target),
		   strerror(-res->error));
	else if (res->error)
		rp(p, " (%s)", strerror(-res->error));
	rp(p, "\n");
}

void rp_objects(struct rep *p)
{
	if (p->json)
		objects_json(p);
	else
		objects_human(p);
}
