// SPDX-License-Identifier: MIT
/*
 * report.c - a run's reports (dgen/report.h): the public calls, and the
 * pieces every report is made of
 *
 * Each kind of job has its report (report_impl.h lists the files); they
 * all write through rp(), which keeps the first error, so a report that
 * could not be written whole says so to its caller. Numbers are printed
 * as they always were (bytes whole, seconds to the microsecond in JSON),
 * so scripts that read them keep working; doc/report.md lists the keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report_impl.h"

void rp(struct rep *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(p->f, fmt, ap);
	va_end(ap);
	if (n < 0 && !p->err)
		p->err = errno ? -errno : -EIO;
}

/*
 * The length of the valid UTF-8 sequence at @s (RFC 3629: no overlong
 * form, no surrogate, nothing past U+10FFFF), or 0 if there is none.
 */
static unsigned int utf8_valid(const unsigned char *s)
{
	unsigned int n, cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* the NUL ends it too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		return 0;
	return n;
}

int dgen_json_string(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	int bad = fputc('"', f) == EOF;

	while (*u && !bad) {
		unsigned int n = utf8_valid(u);

		if (*u == '"' || *u == '\\')
			bad = fprintf(f, "\\%c", *u) < 0;
		else if (*u < 0x20 || !n)
			/* A control character, or a byte that is not UTF-8
			 * (a path is bytes): byte 0xXX as code point
			 * U+00XX, so every strict parser takes it and the
			 * byte can be had back. */
			bad = fprintf(f, "\\u%04x", *u) < 0;
		else
			bad = fwrite(u, 1, n, f) != n;
		u += n ? n : 1;
	}
	if (!bad)
		bad = fputc('"', f) == EOF;
	return bad ? (errno ? -errno : -EIO) : 0;
}

void rp_str(struct rep *p, const char *s)
{
	int err = dgen_json_string(p->f, s);

	if (err && !p->err)
		p->err = err;
}

void rp_head(struct rep *p)
{
	rp(p, "{\n  \"dgen-uring\": \"%s\",\n  \"report_version\": %d,\n  \"status\": \"%s\",\n",
	   DGEN_VERSION_STRING, DGEN_REPORT_VERSION, p->status);
}

void rp_engine(struct rep *p)
{
	const char *why;
	enum dgen_engine e = dgen_run_engine(p->r, &why);

	if (p->json) {
		rp(p, "  \"engine\": \"%s\",\n  \"engine_reason\": ", dgen_engine_name(e));
		rp_str(p, why);
		rp(p, ",\n");
	} else {
		rp(p, "  engine: %s (%s)\n", dgen_engine_name(e), why);
	}
}

void rp_seed_human(struct rep *p, const char *who)
{
	const int drawn = !!(p->o->flags & DGEN_RUN_SEED_DRAWN);

	rp(p, "  seed %llu%s%s%s\n", (unsigned long long)p->o->params.seed,
	   drawn ? " (drawn at random" : "", drawn ? who : "",
	   drawn ? ": give --seed to repeat)" : "");
}

/*
 * A target's place in its run's dedup domain (--dedup-scope run): the
 * run's params name the domain and the first target's index (a fleet's
 * rank sets both; a run alone has its targets), @id names the target.
 */
static void scope_fill(const struct rep *p, struct dgen_stream_params *q,
		       const struct dgen_stream_params *sp, uint64_t id)
{
	const struct dgen_stream_params *run = p->o ? &p->o->params : sp;

	if (q->dedup_scope != DGEN_DEDUP_SCOPE_RUN)
		return;
	if (sp->scope_targets > 1)	/* a fleet's: from its first id */
		run = sp;
	if (!q->scope_targets && p->r)
		q->scope_targets = p->r->ntargets;
	q->scope_index = run->scope_index + (uint32_t)(id - run->stream_id);
}

/*
 * The dedup window a stream of these parameters really has (the default is
 * derived from d and the size), from the library's own layout; nothing when
 * the size is not known.
 */
static void stream_window(struct rep *p, const struct dgen_stream_params *sp,
			  uint64_t seed, uint64_t id, uint64_t size)
{
	struct dgen_stream_params q = *sp;
	struct dgen_stream_layout lay;
	struct dgen_stream *s;

	q.seed = seed;
	q.stream_id = id;
	scope_fill(p, &q, sp, id);
	if (size)
		q.size = size;
	if (!q.size || dgen_stream_new(&s, &q, NULL, 0) < 0)
		return;
	dgen_stream_layout_get(s, &lay);
	rp(p, ", \"dedup_window\": %llu, \"dedup_exact_unit\": %u",
	   (unsigned long long)lay.dedup_window, lay.dedup_exact_unit);
	if (sp->mix.count)
		rp(p, ", \"mix_ratio\": %.6f, \"mix_share_gap\": %.6f",
		   lay.mix_ratio, lay.mix_share_gap);
	if (lay.format_version == DGEN_STREAM_FORMAT_V3)
		rp(p, ", \"top1_share\": %.6f", lay.top1_share);
	if (q.scope_targets > 1)
		rp(p, ", \"scope_targets\": %u, \"scope_index\": %u, \"cross_share\": %.6f",
		   q.scope_targets, q.scope_index, lay.cross_share);
	dgen_stream_free(s);
}

/* The v3 parameters (doc/data-contract.md section 7), as given. */
static void stream_v3(struct rep *p, const struct dgen_stream_params *sp)
{
	char mix[DGEN_COMPRESS_MIX_MAX * 40];

	if (dgen_stream_params_format(sp) != DGEN_STREAM_FORMAT_V3)
		return;
	rp(p, ", \"compress_mix\": ");
	rp_str(p, dgen_compress_mix_format(&sp->mix, mix, sizeof(mix)));
	rp(p, ", \"dedup_skew\": %.17g, \"dedup_scope\": \"%s\"", sp->dedup_skew,
	   sp->dedup_scope == DGEN_DEDUP_SCOPE_RUN ? "run" : "target");
	rp(p, ", \"match_share\": %.17g, \"profile_digest\": ", sp->match_share);
	rp_str(p, sp->profile_digest);
}

void rp_v3_human(struct rep *p, const struct dgen_stream_params *sp,
		 uint64_t id, uint64_t size, const char *indent)
{
	struct dgen_stream_params q = *sp;
	struct dgen_stream_layout lay;
	struct dgen_stream *s;
	char mix[DGEN_COMPRESS_MIX_MAX * 40];

	if (dgen_stream_params_format(sp) != DGEN_STREAM_FORMAT_V3)
		return;
	q.stream_id = id;
	scope_fill(p, &q, sp, id);
	if (size)
		q.size = size;
	if (!q.size || dgen_stream_new(&s, &q, NULL, 0) < 0)
		return;
	dgen_stream_layout_get(s, &lay);
	dgen_stream_free(s);
	rp(p, "%sformat 3:", indent);
	if (sp->mix.count)
		rp(p, " compress mix %s (ratio %.4f, shares within %.2f%% in every window);",
		   dgen_compress_mix_format(&sp->mix, mix, sizeof(mix)),
		   lay.mix_ratio, 100.0 * lay.mix_share_gap);
	if (sp->profile_digest[0])
		rp(p, " like profile %s (match share %.4f);",
		   sp->profile_digest, sp->match_share);
	if (q.scope_targets > 1)
		rp(p, " dedup across %u targets (this one %u): %.1f%% of the copies come from another target;",
		   q.scope_targets, q.scope_index, 100.0 * lay.cross_share);
	rp(p, " dedup skew %g: the most used 1%% of distinct blocks hold %.2f%% of all blocks\n",
	   sp->dedup_skew, 100.0 * lay.top1_share);
}

void rp_stream(struct rep *p, const struct dgen_stream_params *sp,
	       uint64_t seed, uint64_t id, uint64_t size, unsigned int fields)
{
	rp(p, "\"seed\": %llu", (unsigned long long)seed);
	if (fields & RP_STREAM_ID)
		rp(p, ", \"stream_id\": %llu", (unsigned long long)id);
	if (fields & RP_STREAM_SIZE)
		rp(p, ", \"size\": %llu", (unsigned long long)size);
	rp(p, ", \"dedup_ratio\": %.17g, \"dedup_unit\": %u, \"compress_ratio\": %.17g, \"format_version\": %d",
	   sp->dedup_ratio, sp->dedup_unit, sp->compress_ratio,
	   dgen_stream_params_format(sp));
	stream_v3(p, sp);
	stream_window(p, sp, seed, id, size);
}

void rp_latency(struct rep *p, const struct dgen_latency *l)
{
	rp(p, "{ \"min\": %.3f, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p99.9\": %.3f, \"max\": %.3f }",
	   l->count ? (double)l->min_ns / 1e3 : 0,
	   l->count ? (double)l->sum_ns / (double)l->count / 1e3 : 0,
	   (double)dgen_latency_percentile(l, 50) / 1e3,
	   (double)dgen_latency_percentile(l, 99) / 1e3,
	   (double)dgen_latency_percentile(l, 99.9) / 1e3,
	   (double)l->max_ns / 1e3);
}

void rp_latency_human(struct rep *p, const char *what,
		      const struct dgen_latency *l)
{
	rp(p, "  lat (usec)%s: min %.1f, p50 %.1f, p99 %.1f, p99.9 %.1f, max %.1f\n",
	   what, l->count ? (double)l->min_ns / 1e3 : 0,
	   (double)dgen_latency_percentile(l, 50) / 1e3,
	   (double)dgen_latency_percentile(l, 99) / 1e3,
	   (double)dgen_latency_percentile(l, 99.9) / 1e3,
	   (double)l->max_ns / 1e3);
}

void rp_ring(struct rep *p, unsigned int f, const char *fmt, const char *sep)
{
	const char *s = "";

	for (unsigned int b = 0; b < 32; b++)
		if (f & (1u << b)) {
			rp(p, "%s", s);
			rp(p, fmt, dgen_ring_feature_name(1u << b));
			s = sep;
		}
}

const char *rp_size(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (u < 4 && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	return buf;
}

const char *rp_type(enum dgen_target_type t)
{
	return t == DGEN_TARGET_BLOCK ? "block" :
	       t == DGEN_TARGET_NVME ? "nvme-generic" :
	       t == DGEN_TARGET_FILE ? "file" : "null";
}

double rp_gbps(uint64_t bytes, double s)
{
	return s > 0 ? (double)bytes / s / 1e9 : 0;
}

const char *rp_target(const struct rep *p, uint64_t k)
{
	static __thread char buf[4][4096];
	static __thread unsigned int next;
	char *b = buf[next++ % 4];

	return dgen_run_target_name(p->r, k, b, sizeof(buf[0]));
}

const char *rp_watched(const struct rep *p, unsigned int k)
{
	if (p->r->watched && k < p->r->nwatched)
		return p->r->watched[k];
	return rp_target(p, k);
}

/*
 * A run is reported as passes when any pass option was given or set: a
 * plain write keeps the report it always had.
 */
static int passes_run(const struct dgen_run_opts *o)
{
	return (o->given & DGEN_GIVEN_PASSES) || o->mode != DGEN_RUN_WRITE ||
	       o->passes || o->time_s > 0 || o->rate;
}

enum rp_kind rp_kind_of(const struct dgen_run *r,
			const struct dgen_run_result *res)
{
	const struct dgen_run_opts *o = &r->o;

	if (res->fleet)
		return RP_FLEET;
	if (o->flags & DGEN_RUN_DRY)
		return RP_DRY;
	if (o->flags & DGEN_RUN_TRIM_ONLY)
		return RP_TRIM;
	if (o->flags & DGEN_RUN_FD)
		return RP_STDOUT;
	if (r->obj)
		return RP_OBJECTS;
	if (passes_run(o))
		return RP_PASSES;
	return o->tree.dir ? RP_TREE : RP_WRITE;
}

static int report(FILE *f, const struct dgen_run *r,
		  const struct dgen_run_result *res, int json)
{
	struct rep p = {
		.f = f, .json = json, .r = r, .o = &r->o, .res = res,
	};

	dgen_report_status(r, res, &p.status);
	switch (rp_kind_of(r, res)) {
	case RP_WRITE:
		rp_write(&p);
		break;
	case RP_PASSES:
		rp_passes(&p);
		break;
	case RP_TREE:
		rp_tree(&p);
		break;
	case RP_STDOUT:
		rp_stdout(&p);
		break;
	case RP_TRIM:
		rp_trim(&p);
		break;
	case RP_DRY:
		rp_dry(&p);
		break;
	case RP_FLEET:
		rp_fleet(&p);
		break;
	case RP_OBJECTS:
		rp_objects(&p);
		break;
	}
	if (fflush(f) && !p.err)
		p.err = errno ? -errno : -EIO;
	return p.err;
}

int dgen_report_json(FILE *f, const struct dgen_run *r,
		     const struct dgen_run_result *res)
{
	return report(f, r, res, 1);
}

int dgen_report_human(FILE *f, const struct dgen_run *r,
		      const struct dgen_run_result *res)
{
	return report(f, r, res, 0);
}
