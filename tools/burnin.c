// SPDX-License-Identifier: MIT
/*
 * burnin.c - dgen-uring's verify and burn-in runs
 *
 * A run is a sequence of passes. Pass p writes every target with the
 * streams of seed dgen_pass_seed(seed, p) (pass 1: the seed itself), then,
 * with --verify, reads everything back through the same engine and checks
 * it against those streams; a block that holds pass p - 1's bytes instead
 * is stale. --verify-only runs just the read-back of one pass (--pass,
 * default 1). --passes and --time bound the sequence; a pass the time
 * limit cuts short is counted as far as it went and not verified (which
 * units reached the target is then unknown).
 *
 * Status lines go to stderr, one per --status-interval, JSON lines with
 * --json; the report goes to stdout and holds every stream parameter and
 * every pass's seed, so any pass can be verified again later.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "burnin.h"
#include "health.h"
#include "trim.h"
#include "parse.h"
#include "signals.h"
#include "util.h"

void burnin_opts_init(struct burnin_opts *b)
{
	*b = (struct burnin_opts) {
		.pass = 1,
		.max_report = DGEN_MAX_REPORT_DEFAULT,
	};
}

/* A duration: seconds, or a number with s, m, h or d. */
static int parse_duration(const char *v, double *out)
{
	char *end;
	double x = strtod(v, &end), mul = 1;

	if (end == v || !isfinite(x) || x <= 0)
		return -EINVAL;
	if (*end) {
		switch (*end++) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -EINVAL;
		}
		if (*end)
			return -EINVAL;
	}
	*out = x * mul;
	return 0;
}

int burnin_opt(struct burnin_opts *b, enum burnin_opt_id id, const char *v,
	       char *msg, size_t msglen)
{
	char buf[64];
	uint64_t x;
	size_t n;

	b->set = 1;
	switch (id) {
	case BURNIN_VERIFY:
		b->verify = 1;
		return 0;
	case BURNIN_VERIFY_ONLY:
		b->verify_only = 1;
		return 0;
	case BURNIN_PASS:
	case BURNIN_PASSES:
		if (parse_u64(v, &x) || !x) {
			snprintf(msg, msglen, "--%s '%s' is not a whole number of at least 1",
				 id == BURNIN_PASS ? "pass" : "passes", v);
			return -EINVAL;
		}
		*(id == BURNIN_PASS ? &b->pass : &b->passes) = x;
		return 0;
	case BURNIN_TIME:
		if (parse_duration(v, &b->time_s)) {
			snprintf(msg, msglen, "--time '%s' is not a duration: give seconds, or a number with s, m, h or d (e.g. 90s, 1.5h)", v);
			return -EINVAL;
		}
		return 0;
	case BURNIN_STATUS_INTERVAL:
		if (parse_duration(v, &b->status_s)) {
			snprintf(msg, msglen, "--status-interval '%s' is not a duration: give seconds (e.g. 1, 0.5, 10s)", v);
			return -EINVAL;
		}
		return 0;
	case BURNIN_RATE:
		/* A SIZE per second: "500M" or "500M/s", powers of 1024. */
		n = strlen(v);
		if (n >= 2 && !strcmp(v + n - 2, "/s"))
			n -= 2;
		if (n >= sizeof(buf) || !n)
			n = sizeof(buf) - 1;
		memcpy(buf, v, n);
		buf[n] = 0;
		if (parse_size(buf, &x) || !x) {
			snprintf(msg, msglen, "--rate '%s' is not a rate: give bytes per second, optionally with K, M, G or T (e.g. 500M or 500M/s)", v);
			return -EINVAL;
		}
		b->rate = x;
		return 0;
	case BURNIN_MAX_REPORT:
		if (parse_u64(v, &x) || x > 100000) {
			snprintf(msg, msglen, "--max-report '%s' is out of range: 0 to 100000", v);
			return -EINVAL;
		}
		b->max_report = (uint32_t)x;
		return 0;
	default:
		snprintf(msg, msglen, "unknown verify option %d", id);
		return -EINVAL;
	}
}

static const char *type_name(enum dgen_target_type t)
{
	return t == DGEN_TARGET_BLOCK ? "block" :
	       t == DGEN_TARGET_NVME ? "nvme-generic" :
	       t == DGEN_TARGET_FILE ? "file" : "null";
}

static double gbps(uint64_t bytes, double s)
{
	return s > 0 ? (double)bytes / s / 1e9 : 0;
}

/* What the report is made from. */
struct run {
	const struct burnin_job *j;
	struct dgen_run *run;
	struct dgen_run_result res;
	const char *status;
	double user_s, sys_s;
	struct drive drv;		/* --dev: per-target view (drive.h) */
	struct dgen_nvme_watch *health;	/* per device: NVMe identity, health
					   around the run and each pass;
					   NULL for trees */
	struct dgen_discard_result *trim; /* per device, with --trim */
};

/* ===== Status lines ===== */

struct status {
	const struct burnin_job *j;
	struct drive *drv;
	struct run *r;
	double last_s;			/* the last line's time and bytes */
	uint64_t last_b;
};

/*
 * Status lines cover the whole run, however short its phases: bytes of
 * the whole run, GB/s over the last interval, mismatches so far.
 */
static void status_line(const struct dgen_run_progress *pr, void *arg)
{
	struct status *st = arg;
	const char *phase = pr->phase == DGEN_MODE_VERIFY ? "verify" : "write";
	double rate = pr->seconds > st->last_s ?
		      (double)(pr->bytes - st->last_b) / (pr->seconds - st->last_s) : 0;

	if (st->j->json)
		fprintf(stderr, "{\"time\": %.3f, \"pass\": %llu, \"phase\": \"%s\", \"bytes\": %llu, \"gbps\": %.3f, \"mismatches\": %llu",
			pr->seconds, (unsigned long long)pr->pass, phase,
			(unsigned long long)pr->bytes, rate / 1e9,
			(unsigned long long)pr->mismatches);
	else
		fprintf(stderr, "dgen-uring: %8.1f s  pass %llu %-6s  %10.3f GB  %7.3f GB/s  mismatches %llu",
			pr->seconds, (unsigned long long)pr->pass, phase,
			(double)pr->bytes / 1e9, rate / 1e9,
			(unsigned long long)pr->mismatches);
	drive_status(st->drv, stderr, st->j->json);
	fputs(st->j->json ? "}\n" : "\n", stderr);
	fflush(stderr);
	st->last_s = pr->seconds;
	st->last_b = pr->bytes;
}

/* ===== Report ===== */

struct totals {
	uint64_t written, verified, mismatches, kinds[DGEN_MISMATCH_KINDS];
	uint64_t bad_sectors, listed, framing;
	double seconds;
	unsigned int ring;
};

static void sum(const struct run *r, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < r->res.npasses; i++) {
		const struct dgen_run_pass *p = &r->res.passes[i];

		t->written += p->wr.bytes;
		t->verified += p->vr.bytes;
		t->mismatches += p->vr.mismatches;
		t->bad_sectors += p->vr.bad_sectors;
		t->framing += p->vr.framing;
		t->listed += p->vr.reported;
		t->seconds += p->wr.seconds + p->vr.seconds;
		for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
			t->kinds[k] += p->vr.kinds[k];
		t->ring |= p->wr.ring_features | p->vr.ring_features;
	}
}

static const char *mode_name(const struct burnin_opts *b)
{
	return b->verify_only ? "verify-only" : b->verify ? "write+verify" :
	       "write";
}

/* Target or file @k's path, in one of a few rotating buffers. */
static const char *path_of(const struct run *r, uint64_t k)
{
	static char buf[4][4096];
	static unsigned int next;
	char *p = buf[next++ % 4];

	return dgen_run_target_name(r->run, k, p, sizeof(buf[0]));
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

static void kinds_json(const uint64_t *kinds)
{
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		printf(", \"%s\": %llu", dgen_mismatch_kind_name(k),
		       (unsigned long long)kinds[k]);
}

static void print_ring(unsigned int f, const char *fmt, const char *sep)
{
	const char *s = "";

	for (unsigned int b = 0; b < 32; b++)
		if (f & (1u << b)) {
			fputs(s, stdout);
			printf(fmt, dgen_ring_feature_name(1u << b));
			s = sep;
		}
}

/* A tree's part of the report: where it is and its streams. */
static void tree_report(const struct run *r, int json)
{
	const struct job *t = r->j->tree;
	const struct dgen_stream_params *sp = &r->j->params;
	uint64_t fsize = dgen_format_size(t->format, t->file_size,
					  t->record_size);

	if (json) {
		printf("  \"tree\": { ");
		tree_json_fields(t, fsize, r->j->stream);
		printf(",\n    \"stream\": { ");
		json_stream(stdout, sp, r->j->seed, 0, t->file_size,
			    JSON_STREAM_SIZE);
		printf(" } },\n");
		return;
	}
	printf("  tree %s: %llu files (%s, payload %llu bytes), fan-out %u\n",
	       t->dir, (unsigned long long)t->files,
	       dgen_format_name(t->format), (unsigned long long)t->file_size,
	       t->fanout);
	printf("    streams %llu..%llu (file i: stream %llu + i): dedup %g (unit %u), compress %g, stream format %d; offsets below are payload offsets\n",
	       (unsigned long long)r->j->stream,
	       (unsigned long long)(r->j->stream + t->files - 1),
	       (unsigned long long)r->j->stream, sp->dedup_ratio, sp->dedup_unit,
	       sp->compress_ratio, DGEN_STREAM_FORMAT_VERSION);
}

static void report_json(const struct run *r)
{
	const struct burnin_job *j = r->j;
	struct totals t;
	const char *sep = "";

	sum(r, &t);
	printf("{\n  \"dgen-uring\": \"%s\",\n  \"status\": \"%s\",\n  \"mode\": \"%s\",\n",
	       DGEN_VERSION_STRING, r->status, mode_name(&j->b));
	printf("  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
	       (unsigned long long)j->seed, j->seed_set ? "false" : "true");
	printf("  \"job\": { \"bs\": %u, \"qd\": %u, \"threads\": %u, \"pattern\": \"%s\", \"offset\": %llu, \"passes\": %llu, \"time_s\": %.3f, \"rate\": %llu, \"max_report\": %u, \"ring\": [",
	       j->opts.io_size, j->opts.queue_depth, j->opts.threads,
	       j->opts.pattern == DGEN_PATTERN_RAND ? "rand" : "seq",
	       (unsigned long long)j->offset, (unsigned long long)j->b.passes,
	       j->b.time_s, (unsigned long long)j->b.rate, j->b.max_report);
	print_ring(t.ring, "\"%s\"", ", ");
	printf("] },\n");
	if (j->tree)
		tree_report(r, 1);
	else
		printf("  \"targets\": [\n");
	for (unsigned int k = 0; k < j->ndev; k++) {
		const struct dgen_stream_params *p = &j->params;
		struct dgen_target_info i;

		dgen_run_target_info(r->run, k, &i);
		printf("    { \"path\": ");
		json_string(i.path);
		printf(", \"type\": \"%s\", \"offset\": %llu, \"size\": %llu,\n",
		       type_name(i.type), (unsigned long long)i.offset,
		       (unsigned long long)i.size);
		drive_target_json(&r->drv, k, j->b.verify || j->b.verify_only);
		printf("      \"stream\": { ");
		json_stream(stdout, p, j->seed, j->stream + k, i.size,
			    JSON_STREAM_ID | JSON_STREAM_SIZE);
		printf(" }");
		trim_json(r->trim ? &r->trim[k] : NULL);
		health_json(r->health ? &r->health[k] : NULL);
		printf(" }%s\n", k + 1 < j->ndev ? "," : "");
	}
	printf("%s  \"passes\": [\n", j->tree ? "" : "  ],\n");
	for (unsigned int i = 0; i < r->res.npasses; i++) {
		const struct dgen_run_pass *p = &r->res.passes[i];

		printf("    { \"pass\": %llu, \"seed\": %llu, \"written\": %llu, \"write_seconds\": %.6f, \"write_gbps\": %.6f, \"verified\": %llu, \"verify_seconds\": %.6f, \"verify_gbps\": %.6f, \"mismatches\": %llu",
		       (unsigned long long)p->n, (unsigned long long)p->seed,
		       (unsigned long long)p->wr.bytes, p->wr.seconds,
		       gbps(p->wr.bytes, p->wr.seconds),
		       (unsigned long long)p->vr.bytes, p->vr.seconds,
		       gbps(p->vr.bytes, p->vr.seconds),
		       (unsigned long long)p->vr.mismatches);
		kinds_json(p->vr.kinds);
		drive_pass_json(&r->drv, p->n);
		printf(", \"bad_sectors\": %llu, \"framing_errors\": %llu, \"complete\": %s }%s\n",
		       (unsigned long long)p->vr.bad_sectors,
		       (unsigned long long)p->vr.framing,
		       p->cut ? "false" : "true",
		       i + 1 < r->res.npasses ? "," : "");
	}
	printf("  ],\n  \"bytes_written\": %llu,\n  \"bytes_verified\": %llu,\n  \"seconds\": %.6f,\n",
	       (unsigned long long)t.written, (unsigned long long)t.verified,
	       r->res.seconds);
	printf("  \"mismatches\": %llu,\n", (unsigned long long)t.mismatches);
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		printf("  \"%s\": %llu,\n", dgen_mismatch_kind_name(k),
		       (unsigned long long)t.kinds[k]);
	printf("  \"framing_errors\": %llu,\n", (unsigned long long)t.framing);
	if (t.framing) {
		printf("  \"first_framing_error\": { \"target\": ");
		json_string(path_of(r, (uint64_t)r->res.framing_target));
		printf(", \"offset\": %llu },\n",
		       (unsigned long long)r->res.framing_offset);
	}
	printf("  \"bad_sectors\": %llu,\n  \"cpu\": { \"user_s\": %.6f, \"sys_s\": %.6f },\n",
	       (unsigned long long)t.bad_sectors, r->user_s, r->sys_s);
	printf("  \"mismatch_list\": [");
	for (unsigned int i = 0; i < r->res.npasses; i++) {
		const struct dgen_run_pass *p = &r->res.passes[i];

		for (unsigned int m = 0; m < p->vr.reported; m++) {
			const struct dgen_verify_mismatch *x = &p->list[m];
			const uint32_t n = (x->len + DGEN_SECTOR_SIZE - 1) / DGEN_SECTOR_SIZE;
			const char *s2 = "";

			printf("%s\n    { \"pass\": %llu, \"target\": ", sep,
			       (unsigned long long)p->n);
			json_string(path_of(r, x->target));
			printf(", \"offset\": %llu, \"len\": %u, \"kind\": \"%s\", \"sectors\": [",
			       (unsigned long long)x->offset, x->len,
			       dgen_mismatch_kind_name(x->kind));
			for (uint32_t k = 0; k < n; k++)
				if (x->sector_map[k / 64] >> (k % 64) & 1) {
					printf("%s%u", s2, k);
					s2 = ", ";
				}
			printf("] }");
			sep = ",";
		}
	}
	printf("%s]", *sep ? "\n  " : "");
	if (r->res.error) {
		printf(",\n  \"error\": { \"errno\": %d, \"message\": ", -r->res.error);
		json_string(strerror(-r->res.error));
		printf(", \"phase\": \"%s\", \"target\": ", r->res.error_phase);
		if (r->res.error_target >= 0)
			json_string(path_of(r, (uint64_t)r->res.error_target));
		else
			printf("null");
		printf(", \"offset\": %llu }", (unsigned long long)r->res.error_offset);
	}
	drive_run_json(&r->drv);
	printf("\n}\n");
}

static void kinds_human(const uint64_t *kinds)
{
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		printf("%s%s %llu", k ? ", " : " (", dgen_mismatch_kind_name(k),
		       (unsigned long long)kinds[k]);
	putchar(')');
}

static void report_human(const struct run *r)
{
	const struct burnin_job *j = r->j;
	const struct dgen_stream_params *sp = &j->params;
	uint64_t ntargets = j->tree ? j->tree->files : j->ndev;
	unsigned int shown = 0;
	struct totals t;
	char bs[32];

	sum(r, &t);
	printf("dgen-uring %s: %s, %llu %s%s, %u thread%s, bs %s, qd %u, %s\n",
	       DGEN_VERSION_STRING, mode_name(&j->b),
	       (unsigned long long)ntargets, j->tree ? "file" : "target",
	       ntargets > 1 ? "s" : "", j->opts.threads,
	       j->opts.threads > 1 ? "s" : "",
	       size_str(j->opts.io_size, bs, sizeof(bs)), j->opts.queue_depth,
	       j->opts.pattern == DGEN_PATTERN_RAND ? "rand" : "seq");
	printf("  seed %llu%s\n", (unsigned long long)j->seed,
	       j->seed_set ? "" : " (drawn at random: give --seed to repeat)");
	if (j->tree)
		tree_report(r, 0);
	for (unsigned int k = 0; k < j->ndev; k++) {
		struct dgen_target_info i;

		dgen_run_target_info(r->run, k, &i);
		printf("  %s (%s): offset %llu, size %llu\n", i.path,
		       type_name(i.type), (unsigned long long)i.offset,
		       (unsigned long long)i.size);
		printf("    stream %llu: dedup %g (unit %u), compress %g, stream format %d\n",
		       (unsigned long long)(j->stream + k), sp->dedup_ratio,
		       sp->dedup_unit, sp->compress_ratio, DGEN_STREAM_FORMAT_VERSION);
		trim_human(r->trim ? &r->trim[k] : NULL);
		health_human(r->health ? &r->health[k] : NULL);
		drive_target_human(&r->drv, k, j->b.verify || j->b.verify_only);
	}
	for (unsigned int i = 0; i < r->res.npasses; i++) {
		const struct dgen_run_pass *p = &r->res.passes[i];

		printf("  pass %llu: seed %llu", (unsigned long long)p->n,
		       (unsigned long long)p->seed);
		if (p->wrote)
			printf(", written %llu B in %.3f s (%.3f GB/s)",
			       (unsigned long long)p->wr.bytes, p->wr.seconds,
			       gbps(p->wr.bytes, p->wr.seconds));
		if (p->verified) {
			printf(", verified %llu B in %.3f s (%.3f GB/s), mismatches %llu",
			       (unsigned long long)p->vr.bytes, p->vr.seconds,
			       gbps(p->vr.bytes, p->vr.seconds),
			       (unsigned long long)p->vr.mismatches);
			kinds_human(p->vr.kinds);
			if (p->vr.framing)
				printf(", framing errors %llu",
				       (unsigned long long)p->vr.framing);
		}
		if (p->cut)
			printf(", cut short%s", p->verified ? "" : ": not verified");
		putchar('\n');
		if (j->ndev > 1)
			drive_pass_human(&r->drv, p->n);
	}
	printf("  total: %u pass%s, written %llu B, verified %llu B, mismatches %llu",
	       r->res.npasses, r->res.npasses == 1 ? "" : "es",
	       (unsigned long long)t.written, (unsigned long long)t.verified,
	       (unsigned long long)t.mismatches);
	kinds_human(t.kinds);
	printf(", bad sectors %llu\n", (unsigned long long)t.bad_sectors);
	if (t.framing)
		printf("  framing errors: %llu (headers, lengths or CRCs around the payload), the first in %s at byte %llu\n",
		       (unsigned long long)t.framing,
		       path_of(r, (uint64_t)r->res.framing_target),
		       (unsigned long long)r->res.framing_offset);
	if (t.mismatches) {
		printf("  mismatches (%llu of %llu listed: the first passes' lowest offsets; sectors of 512 B within the block):\n",
		       (unsigned long long)t.listed,
		       (unsigned long long)t.mismatches);
		for (unsigned int i = 0; i < r->res.npasses && shown < j->b.max_report; i++) {
			const struct dgen_run_pass *p = &r->res.passes[i];

			for (unsigned int m = 0; m < p->vr.reported && shown < j->b.max_report; m++, shown++) {
				const struct dgen_verify_mismatch *x = &p->list[m];
				char sec[256];

				sectors_str(x, sec, sizeof(sec));
				printf("    pass %llu %s offset %llu: %s, sectors %s of %u\n",
				       (unsigned long long)p->n,
				       path_of(r, x->target),
				       (unsigned long long)x->offset,
				       dgen_mismatch_kind_name(x->kind), sec,
				       (x->len + DGEN_SECTOR_SIZE - 1) / DGEN_SECTOR_SIZE);
			}
		}
	}
	drive_run_human(&r->drv);
	printf("  cpu: user %.3f s, sys %.3f s\n", r->user_s, r->sys_s);
	printf("  ring: %s", t.ring ? "" : "plain (no optional features)");
	print_ring(t.ring, "%s", " ");
	printf("\n  status: %s", r->status);
	if (r->res.error && r->res.error_target >= 0)
		printf(" (%s of %s at offset %llu: %s)", r->res.error_phase,
		       path_of(r, (uint64_t)r->res.error_target),
		       (unsigned long long)r->res.error_offset, strerror(-r->res.error));
	else if (r->res.error)
		printf(" (%s)", strerror(-r->res.error));
	putchar('\n');
}

/* ===== Run ===== */

/* The run's monitor said something (dgen_run_opts.event). */
static void status_event(unsigned int ev, void *arg)
{
	struct status *st = arg;

	drive_event(st->drv, ev);
}

/*
 * The drives' health around each pass (dgen_run_opts.pass_hook): a drive
 * that complains ends the run after the pass, named (exit 4).
 */
static int status_pass(uint64_t n, enum dgen_run_edge edge,
		       const struct dgen_run_pass *p, void *arg)
{
	struct status *st = arg;
	struct dgen_nvme_watch *h = st->r->health;
	char why[256];
	int end = 0;

	(void)p;
	if (edge == DGEN_RUN_VERIFY_BEGIN)
		return 0;		/* health is read around whole passes */
	for (unsigned int k = 0; h && k < st->j->ndev; k++)
		if (dgen_nvme_watch_pass(&h[k], n, edge == DGEN_RUN_PASS_END,
					 why, sizeof(why))) {
			fprintf(stderr, "dgen-uring: the drive of %s is unhealthy in pass %llu: %s; the run ends after this pass\n",
				st->j->dev[k], (unsigned long long)n, why);
			end = 1;
		}
	return end;
}

/*
 * NVMe identity and health before the first pass, and --trim: every
 * target checked before any is discarded. Returns 0 or an exit status.
 */
static int nvme_begin(struct run *r)
{
	const struct burnin_job *j = r->j;
	struct dgen_target **t;
	int rc;

	r->health = calloc(j->ndev + 1, sizeof(*r->health));
	for (unsigned int k = 0; r->health && k < j->ndev; k++)
		dgen_nvme_watch_begin(&r->health[k], j->dev[k]);
	if (!j->trim)
		return 0;
	r->trim = calloc(j->ndev + 1, sizeof(*r->trim));
	t = calloc(j->ndev, sizeof(*t));
	if (!r->trim || !t) {
		free(t);
		return EXIT_USAGE;
	}
	for (unsigned int k = 0; k < j->ndev; k++)
		t[k] = dgen_run_target(r->run, k);
	rc = trim_targets(t, j->ndev, r->trim);
	free(t);
	return rc;
}

/* --log, --io-timeout, --steady-state, --plot: watch each target. */
static int watch_targets(struct run *r)
{
	const struct burnin_job *j = r->j;
	struct dgen_target_info *infos = calloc(j->ndev, sizeof(*infos));
	int err = -ENOMEM;

	if (infos) {
		for (unsigned int k = 0; k < j->ndev; k++)
			dgen_run_target_info(r->run, k, &infos[k]);
		err = drive_start(&r->drv, j->drive, infos, j->ndev, j->json);
		if (!err)
			err = dgen_run_monitor_set(r->run, r->drv.m);
	}
	free(infos);
	return err;
}

int burnin_run(const struct burnin_job *j)
{
	const struct burnin_opts *b = &j->b;
	struct run r = { .j = j, .status = "ok" };
	struct status st = { .j = j, .drv = &r.drv, .r = &r };
	struct dgen_run_tree tree;
	struct dgen_run_opts o;
	struct rusage ru0, ru1;
	struct totals t;
	char msg[512];
	int rc = EXIT_USAGE, err;

	dgen_run_opts_init(&o);
	o.mode = b->verify_only ? DGEN_RUN_VERIFY_ONLY :
		 b->verify ? DGEN_RUN_WRITE_VERIFY : DGEN_RUN_WRITE;
	if (j->tree) {
		tree = (struct dgen_run_tree) {
			.dir = j->tree->dir, .files = j->tree->files,
			.file_size = j->tree->file_size,
			.fanout = j->tree->fanout, .format = j->tree->format,
			.record_size = j->tree->record_size,
		};
		o.tree = tree;
	} else {
		o.paths = j->dev;
		o.npaths = j->ndev;
		o.offset = j->offset;
		o.size = j->size;
	}
	o.flags = j->force ? DGEN_RUN_FORCE : 0;
	o.params = j->params;
	o.params.seed = j->seed;
	o.params.stream_id = j->stream;
	o.pass = b->pass;
	o.passes = b->passes;
	o.time_s = b->time_s;
	o.rate = b->rate;
	o.max_report = b->max_report;
	o.writer = j->opts;
	o.progress_s = b->status_s;
	o.progress = status_line;
	o.progress_arg = &st;
	o.event = status_event;
	o.pass_hook = status_pass;
	o.stop = &tool_stop;
	err = dgen_run_new(&r.run, &o, msg, sizeof(msg));
	if (err) {
		say_refusal(msg, err);
		return EXIT_USAGE;
	}
	if (j->drive && !j->tree && watch_targets(&r))
		goto out;
	if (!j->tree && (rc = nvme_begin(&r)))
		goto out;
	if (!j->seed_set && isatty(STDERR_FILENO))
		fprintf(stderr, "dgen-uring: seed %llu (drawn at random)\n",
			(unsigned long long)j->seed);
	getrusage(RUSAGE_SELF, &ru0);
	err = dgen_run_exec(r.run, &r.res, msg, sizeof(msg));
	drive_finish(&r.drv);
	for (unsigned int k = 0; r.health && k < j->ndev; k++)
		dgen_nvme_watch_end(&r.health[k]);
	getrusage(RUSAGE_SELF, &ru1);
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		goto out;
	}
	r.user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	r.sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	sum(&r, &t);
	if (r.res.error && r.res.error_msg[0])
		fprintf(stderr, "dgen-uring: %s\n", r.res.error_msg);
	/* 3 over 1 over 130: a script must not take an error or bad data
	 * for a clean interruption. */
	rc = 0;
	if (r.res.hung) {
		r.status = "hung";
		rc = EXIT_IO;
	} else if (r.res.error) {
		r.status = "error";
		rc = EXIT_IO;
		if (r.res.error_target >= 0)
			fprintf(stderr, "dgen-uring: %s of %s at offset %llu failed: %s%s\n",
				r.res.error_phase,
				path_of(&r, (uint64_t)r.res.error_target),
				(unsigned long long)r.res.error_offset,
				strerror(-r.res.error),
				iopoll_hint(r.res.error, j->opts.ring_flags));
	} else if (t.mismatches || t.framing) {
		r.status = "mismatch";
		rc = EXIT_MISMATCH;
	} else if (r.res.stopped || tool_stopped()) {
		r.status = "interrupted";
		rc = EXIT_INTR;
	}
	/* The drive's own complaint outranks what the run saw (exit 4). */
	if (health_unhealthy(r.health, j->ndev)) {
		r.status = "unhealthy";
		rc = EXIT_UNHEALTHY;
	}
	signals_report();
	if (j->json)
		report_json(&r);
	else
		report_human(&r);
	rc = drive_exit(&r.drv, rc);
	if (r.res.hung)
		drive_leave(rc);	/* the abandoned writer is never freed */
out:
	drive_free(&r.drv);
	health_free(r.health, j->ndev);
	free(r.trim);
	dgen_run_free(r.run);
	return rc;
}
