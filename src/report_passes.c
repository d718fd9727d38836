// SPDX-License-Identifier: MIT
/*
 * report_passes.c - the report of verify and burn-in runs: the job, the
 * targets (or the tree) with their streams, every pass with its seed and
 * what it wrote and read back, the totals by kind of bad block, and the
 * mismatches kept in detail
 *
 * Every pass's seed is in it, so any pass can be verified again later.
 */
#include <string.h>

#include "report_impl.h"

struct totals {
	uint64_t written, verified, mismatches, kinds[DGEN_MISMATCH_KINDS];
	uint64_t bad_sectors, listed, framing;
	unsigned int ring;
};

static void sum(const struct dgen_run_result *res, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < res->npasses; i++) {
		const struct dgen_run_pass *ps = &res->passes[i];

		t->written += ps->wr.bytes;
		t->verified += ps->vr.bytes;
		t->mismatches += ps->vr.mismatches;
		t->bad_sectors += ps->vr.bad_sectors;
		t->framing += ps->vr.framing;
		t->listed += ps->vr.reported;
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			t->kinds[k] += ps->vr.kinds[k];
		t->ring |= ps->wr.ring_features | ps->vr.ring_features;
	}
}

const char *rp_mode_name(enum dgen_run_mode m)
{
	return m == DGEN_RUN_VERIFY_ONLY ? "verify-only" :
	       m == DGEN_RUN_WRITE_VERIFY ? "write+verify" : "write";
}

/* The bad sectors of @m as "3" or "0-7" or "0-2,5" (block-relative). */
static void sectors_str(const struct dgen_verify_mismatch *m, char *buf,
			size_t len)
{
	const uint32_t n = (m->len + DGEN_SECTOR_SIZE - 1) / DGEN_SECTOR_SIZE;
	size_t at = 0;

	buf[0] = 0;
	for (uint32_t k = 0; k < n && at + 24 < len;) {
		uint32_t e = k;

		if (!(m->sector_map[k / 64] >> (k % 64) & 1)) {
			k++;
			continue;
		}
		while (e + 1 < n && (m->sector_map[(e + 1) / 64] >> ((e + 1) % 64) & 1))
			e++;
		at += (size_t)snprintf(buf + at, len - at, "%s%u", at ? "," : "", k);
		if (e > k)
			at += (size_t)snprintf(buf + at, len - at, "-%u", e);
		k = e + 1;
	}
}

/* A tree's part of the report: where it is and its streams. */
static void tree_part(struct rep *p)
{
	const struct dgen_run_tree *t = &p->o->tree;
	const struct dgen_stream_params *sp = &p->o->params;
	const uint64_t first = sp->stream_id;

	if (p->json) {
		rp(p, "  \"tree\": { ");
		rp_tree_fields(p, t, dgen_format_size(t->format, t->file_size,
						      t->record_size), first);
		rp(p, ",\n    \"stream\": { ");
		rp_stream(p, sp, sp->seed, 0, t->file_size, RP_STREAM_SIZE);
		rp(p, " } },\n");
		return;
	}
	rp(p, "  tree %s: %llu files (%s, payload %llu bytes), fan-out %u\n",
	   t->dir, (unsigned long long)t->files, dgen_format_name(t->format),
	   (unsigned long long)t->file_size, t->fanout);
	rp(p, "    streams %llu..%llu (file i: stream %llu + i): dedup %g (unit %u), compress %g, stream format %d; offsets below are payload offsets\n",
	   (unsigned long long)first, (unsigned long long)(first + t->files - 1),
	   (unsigned long long)first, sp->dedup_ratio, sp->dedup_unit,
	   sp->compress_ratio, dgen_stream_params_format(sp));
	rp_v3_human(p, sp, sp->stream_id, t->file_size, "    ");
}

static void targets_json(struct rep *p)
{
	const struct dgen_stream_params *sp = &p->o->params;
	const int verify = p->o->mode != DGEN_RUN_WRITE;

	for (unsigned int k = 0; k < p->r->ntargets; k++) {
		struct dgen_target_info i;

		dgen_run_target_info(p->r, k, &i);
		rp(p, "    { \"path\": ");
		rp_str(p, i.path);
		rp(p, ", \"type\": \"%s\", \"offset\": %llu, \"size\": %llu,\n",
		   rp_type(i.type), (unsigned long long)i.offset,
		   (unsigned long long)i.size);
		rp_figures_json(p, k, verify);
		rp(p, "      \"stream\": { ");
		rp_stream(p, sp, sp->seed, sp->stream_id + k, i.size,
			  RP_STREAM_ID | RP_STREAM_SIZE);
		rp(p, " }");
		rp_trim_json(p, k);
		rp_health_json(p, k);
		rp_flush_json(p, k);
		rp(p, " }%s\n", k + 1 < p->r->ntargets ? "," : "");
	}
}

static void passes_json(struct rep *p)
{
	for (unsigned int i = 0; i < p->res->npasses; i++) {
		const struct dgen_run_pass *ps = &p->res->passes[i];

		rp(p, "    { \"pass\": %llu, \"seed\": %llu, \"written\": %llu, \"write_seconds\": %.6f, \"write_gbps\": %.6f, \"verified\": %llu, \"verify_seconds\": %.6f, \"verify_gbps\": %.6f, \"mismatches\": %llu",
		   (unsigned long long)ps->n, (unsigned long long)ps->seed,
		   (unsigned long long)ps->wr.bytes, ps->wr.seconds,
		   rp_gbps(ps->wr.bytes, ps->wr.seconds),
		   (unsigned long long)ps->vr.bytes, ps->vr.seconds,
		   rp_gbps(ps->vr.bytes, ps->vr.seconds),
		   (unsigned long long)ps->vr.mismatches);
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			rp(p, ", \"%s\": %llu", dgen_mismatch_kind_name(k),
			   (unsigned long long)ps->vr.kinds[k]);
		rp_pass_targets_json(p, ps->n);
		rp(p, ", \"bad_sectors\": %llu, \"framing_errors\": %llu, \"complete\": %s }%s\n",
		   (unsigned long long)ps->vr.bad_sectors,
		   (unsigned long long)ps->vr.framing,
		   ps->cut ? "false" : "true",
		   i + 1 < p->res->npasses ? "," : "");
	}
}

void rp_mismatch_list_json(struct rep *p)
{
	const char *sep = "";

	rp(p, "  \"mismatch_list\": [");
	for (unsigned int i = 0; i < p->res->npasses; i++) {
		const struct dgen_run_pass *ps = &p->res->passes[i];

		for (unsigned int m = 0; m < ps->vr.reported; m++) {
			const struct dgen_verify_mismatch *x = &ps->list[m];
			const uint32_t n = (x->len + DGEN_SECTOR_SIZE - 1) /
					   DGEN_SECTOR_SIZE;
			const char *s2 = "";

			rp(p, "%s\n    { \"pass\": %llu, \"target\": ", sep,
			   (unsigned long long)ps->n);
			rp_str(p, rp_target(p, x->target));
			rp(p, ", \"offset\": %llu, \"len\": %u, \"kind\": \"%s\", \"sectors\": [",
			   (unsigned long long)x->offset, x->len,
			   dgen_mismatch_kind_name(x->kind));
			for (uint32_t k = 0; k < n; k++)
				if (x->sector_map[k / 64] >> (k % 64) & 1) {
					rp(p, "%s%u", s2, k);
					s2 = ", ";
				}
			rp(p, "] }");
			sep = ",";
		}
	}
	rp(p, "%s]", *sep ? "\n  " : "");
}

static void passes_report_json(struct rep *p)
{
	const struct dgen_run_opts *o = p->o;
	const struct dgen_run_result *res = p->res;
	struct totals t;

	sum(res, &t);
	rp_head(p);
	rp_engine(p);
	rp(p, "  \"mode\": \"%s\",\n", rp_mode_name(o->mode));
	rp(p, "  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
	   (unsigned long long)o->params.seed,
	   o->flags & DGEN_RUN_SEED_DRAWN ? "true" : "false");
	rp(p, "  \"job\": { \"bs\": %u, \"qd\": %u, \"threads\": %u, \"pattern\": \"%s\", \"offset\": %llu, \"passes\": %llu, \"time_s\": %.3f, \"rate\": %llu, \"max_report\": %u, \"ring\": [",
	   o->writer.io_size, o->writer.queue_depth, o->writer.threads,
	   o->writer.pattern == DGEN_PATTERN_RAND ? "rand" : "seq",
	   (unsigned long long)o->offset, (unsigned long long)o->passes,
	   o->time_s, (unsigned long long)o->rate, o->max_report);
	rp_ring(p, t.ring, "\"%s\"", ", ");
	rp(p, "] },\n");
	if (o->tree.dir) {
		tree_part(p);
	} else {
		rp(p, "  \"targets\": [\n");
		targets_json(p);
		rp(p, "  ],\n");
	}
	rp(p, "  \"passes\": [\n");
	passes_json(p);
	rp(p, "  ],\n  \"bytes_written\": %llu,\n  \"bytes_verified\": %llu,\n  \"seconds\": %.6f,\n",
	   (unsigned long long)t.written, (unsigned long long)t.verified,
	   res->seconds);
	if (o->time_s > 0)
		rp(p, "  \"drain_s\": %.6f,\n", res->drain_s);
	rp(p, "  \"mismatches\": %llu,\n", (unsigned long long)t.mismatches);
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		rp(p, "  \"%s\": %llu,\n", dgen_mismatch_kind_name(k),
		   (unsigned long long)t.kinds[k]);
	rp(p, "  \"framing_errors\": %llu,\n", (unsigned long long)t.framing);
	if (t.framing) {
		rp(p, "  \"first_framing_error\": { \"target\": ");
		rp_str(p, rp_target(p, (uint64_t)res->framing_target));
		rp(p, ", \"offset\": %llu },\n",
		   (unsigned long long)res->framing_offset);
	}
	rp(p, "  \"bad_sectors\": %llu,\n  \"cpu\": { \"user_s\": %.6f, \"sys_s\": %.6f },\n",
	   (unsigned long long)t.bad_sectors, res->user_s, res->sys_s);
	rp_mismatch_list_json(p);
	if (res->error) {
		rp(p, ",\n  \"error\": { \"errno\": %d, \"message\": ", -res->error);
		rp_str(p, strerror(-res->error));
		rp(p, ", \"phase\": \"%s\", \"target\": ", res->error_phase);
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

void rp_kinds_human(struct rep *p, const uint64_t *kinds)
{
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		rp(p, "%s%s %llu", k ? ", " : " (", dgen_mismatch_kind_name(k),
		   (unsigned long long)kinds[k]);
	rp(p, ")");
}

static void pass_human(struct rep *p, const struct dgen_run_pass *ps)
{
	rp(p, "  pass %llu: seed %llu", (unsigned long long)ps->n,
	   (unsigned long long)ps->seed);
	if (ps->wrote)
		rp(p, ", written %llu B in %.3f s (%.3f GB/s)",
		   (unsigned long long)ps->wr.bytes, ps->wr.seconds,
		   rp_gbps(ps->wr.bytes, ps->wr.seconds));
	if (ps->verified) {
		rp(p, ", verified %llu B in %.3f s (%.3f GB/s), mismatches %llu",
		   (unsigned long long)ps->vr.bytes, ps->vr.seconds,
		   rp_gbps(ps->vr.bytes, ps->vr.seconds),
		   (unsigned long long)ps->vr.mismatches);
		rp_kinds_human(p, ps->vr.kinds);
		if (ps->vr.framing)
			rp(p, ", framing errors %llu",
			   (unsigned long long)ps->vr.framing);
	}
	if (ps->cut)
		rp(p, ", cut short%s", ps->verified ? "" : ": not verified");
	rp(p, "\n");
	if (p->r->ntargets > 1)
		rp_pass_targets_human(p, ps->n);
}

void rp_mismatches_human(struct rep *p, uint64_t listed, uint64_t total)
{
	unsigned int shown = 0;

	rp(p, "  mismatches (%llu of %llu listed: the first passes' lowest offsets; sectors of 512 B within the block):\n",
	   (unsigned long long)listed, (unsigned long long)total);
	for (unsigned int i = 0; i < p->res->npasses && shown < p->o->max_report; i++) {
		const struct dgen_run_pass *ps = &p->res->passes[i];

		for (unsigned int m = 0; m < ps->vr.reported &&
		     shown < p->o->max_report; m++, shown++) {
			const struct dgen_verify_mismatch *x = &ps->list[m];
			char sec[256];

			sectors_str(x, sec, sizeof(sec));
			rp(p, "    pass %llu %s offset %llu: %s, sectors %s of %u\n",
			   (unsigned long long)ps->n, rp_target(p, x->target),
			   (unsigned long long)x->offset,
			   dgen_mismatch_kind_name(x->kind), sec,
			   (x->len + DGEN_SECTOR_SIZE - 1) / DGEN_SECTOR_SIZE);
		}
	}
}

static void passes_report_human(struct rep *p)
{
	const struct dgen_run_opts *o = p->o;
	const struct dgen_run_result *res = p->res;
	const struct dgen_stream_params *sp = &o->params;
	const uint64_t n = o->tree.dir ? o->tree.files : p->r->ntargets;
	struct totals t;
	char bs[32];

	sum(res, &t);
	rp(p, "dgen-uring %s: %s, %llu %s%s, %u thread%s, bs %s, qd %u, %s\n",
	   DGEN_VERSION_STRING, rp_mode_name(o->mode), (unsigned long long)n,
	   o->tree.dir ? "file" : "target", n > 1 ? "s" : "",
	   o->writer.threads, o->writer.threads > 1 ? "s" : "",
	   rp_size(o->writer.io_size, bs, sizeof(bs)), o->writer.queue_depth,
	   o->writer.pattern == DGEN_PATTERN_RAND ? "rand" : "seq");
	rp_seed_human(p, "");
	if (o->tree.dir)
		tree_part(p);
	for (unsigned int k = 0; k < p->r->ntargets; k++) {
		struct dgen_target_info i;

		dgen_run_target_info(p->r, k, &i);
		rp(p, "  %s (%s): offset %llu, size %llu\n", i.path,
		   rp_type(i.type), (unsigned long long)i.offset,
		   (unsigned long long)i.size);
		rp(p, "    stream %llu: dedup %g (unit %u), compress %g, stream format %d\n",
		   (unsigned long long)(sp->stream_id + k), sp->dedup_ratio,
		   sp->dedup_unit, sp->compress_ratio, dgen_stream_params_format(sp));
		rp_v3_human(p, sp, sp->stream_id + k, i.size, "      ");
		rp_trim_human(p, k);
		rp_health_human(p, k);
		rp_flush_human(p, k);
		rp_figures_human(p, k, o->mode != DGEN_RUN_WRITE);
	}
	for (unsigned int i = 0; i < res->npasses; i++)
		pass_human(p, &res->passes[i]);
	rp(p, "  total: %u pass%s, written %llu B, verified %llu B, mismatches %llu",
	   res->npasses, res->npasses == 1 ? "" : "es",
	   (unsigned long long)t.written, (unsigned long long)t.verified,
	   (unsigned long long)t.mismatches);
	rp_kinds_human(p, t.kinds);
	rp(p, ", bad sectors %llu\n", (unsigned long long)t.bad_sectors);
	if (t.framing)
		rp(p, "  framing errors: %llu (headers, lengths or CRCs around the payload), the first in %s at byte %llu\n",
		   (unsigned long long)t.framing,
		   rp_target(p, (uint64_t)res->framing_target),
		   (unsigned long long)res->framing_offset);
	if (t.mismatches)
		rp_mismatches_human(p, t.listed, t.mismatches);
	rp_journal_human(p);
	rp_watch_human(p);
	rp(p, "  cpu: user %.3f s, sys %.3f s\n", res->user_s, res->sys_s);
	rp_engine(p);
	rp(p, "  ring: %s", t.ring ? "" : "plain (no optional features)");
	rp_ring(p, t.ring, "%s", " ");
	rp(p, "\n  status: %s", p->status);
	if (res->error && res->error_target >= 0)
		rp(p, " (%s of %s at offset %llu: %s)", res->error_phase,
		   rp_target(p, (uint64_t)res->error_target),
		   (unsigned long long)res->error_offset,
		   strerror(-res->error));
	else if (res->error)
		rp(p, " (%s)", strerror(-res->error));
	rp(p, "\n");
}

void rp_passes(struct rep *p)
{
	if (p->json)
		passes_report_json(p);
	else
		passes_report_human(p);
}
