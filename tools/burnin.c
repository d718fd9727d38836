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

#include "burnin_impl.h"
#include "health.h"
#include "trim.h"
#include "parse.h"
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

/* ===== Setup ===== */

/*
 * Open every target; for --verify-only, a target must already hold the
 * data: a missing or too short file is refused rather than created or
 * extended, and a signature (our data never looks like one) does not
 * stop a read.
 */
static int open_targets(struct run *r)
{
	const struct burnin_job *j = r->j;
	unsigned int flags = j->b.verify_only ? DGEN_TARGET_READ :
			     j->force ? DGEN_TARGET_FORCE : 0;
	char msg[512];
	int err;

	if (j->tree)
		return burnin_tree_check(r);
	for (unsigned int k = 0; k < j->ndev; k++) {
		struct dgen_target_info i;
		struct stat st;

		if (j->b.verify_only && strcmp(j->dev[k], DGEN_TARGET_NULL_PATH) &&
		    stat(j->dev[k], &st) < 0) {
			fprintf(stderr, "dgen-uring: cannot verify %s: %s\n",
				j->dev[k], strerror(errno));
			return -errno;
		}
		err = dgen_target_open(&r->targets[k], j->dev[k], j->offset,
				       j->size, flags, msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "dgen-uring: %s\n", msg);
			return err;
		}
		dgen_target_info_get(r->targets[k], &i);
		if (j->b.verify_only && i.type == DGEN_TARGET_FILE &&
		    i.dev_size < i.offset + i.size) {
			fprintf(stderr, "dgen-uring: cannot verify %s: it holds %llu bytes, offset %llu plus size %llu needs %llu\n",
				i.path, (unsigned long long)i.dev_size,
				(unsigned long long)i.offset,
				(unsigned long long)i.size,
				(unsigned long long)(i.offset + i.size));
			return -ENOSPC;
		}
		r->total += i.size;
	}
	return 0;
}

int burnin_stream_new(const struct run *r, struct dgen_stream **out,
		      uint64_t n, uint64_t id, uint64_t size)
{
	struct dgen_stream_params sp = r->j->params;
	char msg[512];
	int err;

	sp.seed = dgen_pass_seed(r->j->seed, n);
	sp.stream_id = id;
	sp.size = size;
	err = dgen_stream_new(out, &sp, msg, sizeof(msg));
	if (err)
		fprintf(stderr, "dgen-uring: %s\n", msg);
	return err;
}

/* Pass @p's streams of the devices into @out; NULL entries on failure. */
static int make_streams(struct run *r, uint64_t p, struct dgen_stream **out)
{
	const struct burnin_job *j = r->j;
	int err;

	for (unsigned int k = 0; k < j->ndev; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		err = burnin_stream_new(r, &out[k], p, j->stream + k, i.size);
		if (err)
			return err;
	}
	return 0;
}

static void free_streams(struct dgen_stream **s, unsigned int n)
{
	for (unsigned int k = 0; s && k < n; k++) {
		dgen_stream_free(s[k]);
		s[k] = NULL;
	}
}

/* ===== Status lines ===== */

static void status_line(const struct run *r, const struct pass *p,
			const char *phase, uint64_t bytes, double rate,
			uint64_t bad)
{
	double s = (double)(now_ns() - r->t0) / 1e9;

	if (r->j->json)
		fprintf(stderr, "{\"time\": %.3f, \"pass\": %llu, \"phase\": \"%s\", \"bytes\": %llu, \"gbps\": %.3f, \"mismatches\": %llu}\n",
			s, (unsigned long long)p->n, phase,
			(unsigned long long)bytes, rate / 1e9,
			(unsigned long long)bad);
	else
		fprintf(stderr, "dgen-uring: %8.1f s  pass %llu %-6s  %10.3f GB  %7.3f GB/s  mismatches %llu\n",
			s, (unsigned long long)p->n, phase, (double)bytes / 1e9,
			rate / 1e9, (unsigned long long)bad);
	fflush(stderr);
}

/*
 * Status lines cover the whole run, however short its phases: bytes of
 * the whole run, GB/s over the last interval, mismatches so far.
 */
void burnin_watch(struct run *r, const struct probe *pr,
		  const struct pass *p, const char *phase, int verifying)
{
	const uint64_t every = (uint64_t)(r->j->b.status_s * 1e9);
	const struct timespec poll = { 0, POLL_NS };
	uint64_t t, b;
	int stopped = 0;

	while (pr->running(pr->arg)) {
		nanosleep(&poll, NULL);
		t = now_ns();
		/* A signal between phases found no writer to stop. */
		if (((r->deadline && t >= r->deadline) || *r->interrupted) &&
		    !stopped) {
			pr->stop(pr->arg);
			stopped = 1;
		}
		if (!every || t - r->status_t < every)
			continue;
		b = r->bytes_before + pr->bytes(pr->arg);
		status_line(r, p, phase, b,
			    (double)(b - r->status_b) * 1e9 / (double)(t - r->status_t),
			    r->bad_before + (verifying ? pr->mismatches(pr->arg) : 0));
		r->status_t = t;
		r->status_b = b;
	}
}

static int w_running(void *w)
{
	return dgen_writer_running(w);
}

static uint64_t w_bytes(void *w)
{
	return dgen_writer_bytes(w);
}

static uint64_t w_mismatches(void *w)
{
	return dgen_writer_mismatches(w);
}

static void w_stop(void *w)
{
	dgen_writer_stop(w);
}

/* ===== Passes ===== */

unsigned int burnin_keep(struct run *r, struct pass *p,
			 const struct dgen_verify_mismatch *m, unsigned int n,
			 uint64_t first)
{
	struct dgen_verify_mismatch *list;
	unsigned int keep = n;

	if (keep > r->j->b.max_report - r->listed)
		keep = (unsigned int)(r->j->b.max_report - r->listed);
	if (!keep)
		return 0;
	list = realloc(p->list, (p->vr.reported + keep) * sizeof(*list));
	if (!list)
		return 0;
	p->list = list;
	for (unsigned int i = 0; i < keep; i++) {
		list[p->vr.reported + i] = m[i];
		list[p->vr.reported + i].target = (unsigned int)(first + m[i].target);
	}
	p->vr.reported += keep;
	r->listed += keep;
	return keep;
}

/*
 * One writer run of a phase (write or verify) of pass @p. The first
 * max_report mismatches of the run (by pass, then target and offset) are
 * kept in detail, so memory stays bounded however long it runs.
 */
int burnin_engine_phase(struct run *r, struct pass *p,
			enum dgen_writer_mode mode, struct phase *ph,
			struct dgen_writer *volatile *cur,
			struct dgen_target *const *targets,
			const struct dgen_stream *const *streams,
			const struct dgen_stream *const *prev,
			unsigned int n, uint64_t first)
{
	const struct burnin_job *j = r->j;
	struct dgen_writer_opts o = j->opts;
	struct dgen_writer_result result, *res = &result;
	struct dgen_writer *w = NULL;
	struct probe pr = {
		.running = w_running, .bytes = w_bytes,
		.mismatches = w_mismatches, .stop = w_stop,
	};
	char msg[512];
	int err;

	o.mode = mode;
	o.prev_streams = mode == DGEN_MODE_VERIFY ? prev : NULL;
	o.max_report = j->b.max_report;
	o.rate = j->b.rate;
	err = dgen_writer_new(&w, &o, targets, streams, n, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		r->error = err;
		r->error_target = -1;
		r->error_phase = "start";
		return err;
	}
	*cur = w;
	err = dgen_writer_start(w, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
	} else {
		pr.arg = w;
		burnin_watch(r, &pr, p, mode == DGEN_MODE_VERIFY ? "verify" :
			     "write", mode == DGEN_MODE_VERIFY);
	}
	dgen_writer_wait(w, res);
	*cur = NULL;
	if (!err && res->error) {
		err = res->error;
		r->error = err;
		r->error_target = res->error_target < 0 ? -1 :
				  (int)(first + (uint64_t)res->error_target);
		r->error_offset = res->error_offset;
		r->error_phase = mode == DGEN_MODE_VERIFY ? "read" : "write";
	} else if (err) {
		r->error = err;
		r->error_target = -1;
		r->error_phase = "start";
	}
	if (mode == DGEN_MODE_VERIFY)
		burnin_keep(r, p, res->report, res->reported, first);
	ph->bytes += res->bytes;
	ph->mismatches += res->mismatches;
	ph->bad_sectors += res->bad_sectors;
	ph->seconds += res->seconds;
	ph->ring_features |= res->ring_features;
	ph->stopped |= res->stopped;
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		ph->kinds[k] += res->kinds[k];
	r->bytes_before += res->bytes;
	dgen_writer_free(w);
	return err;
}

/* One phase of pass @p: the devices in one writer run, or the tree. */
static int run_phase(struct run *r, struct pass *p, enum dgen_writer_mode mode,
		     struct phase *ph, struct dgen_writer *volatile *cur)
{
	if (r->j->tree)
		return burnin_tree_phase(r, p, mode, ph, cur);
	return burnin_engine_phase(r, p, mode, ph, cur,
				   (struct dgen_target *const *)r->targets,
				   (const struct dgen_stream *const *)r->streams,
				   r->prev[0] ? (const struct dgen_stream *const *)r->prev : NULL,
				   r->j->ndev, 0);
}

static struct pass *pass_add(struct run *r, uint64_t n)
{
	struct pass *p;

	if (r->npasses == r->cap) {
		unsigned int cap = r->cap ? 2 * r->cap : 16;

		p = realloc(r->passes, cap * sizeof(*p));
		if (!p)
			return NULL;
		r->passes = p;
		r->cap = cap;
	}
	p = &r->passes[r->npasses++];
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->seed = dgen_pass_seed(r->j->seed, n);
	return p;
}

static int run_passes(struct run *r, struct dgen_writer *volatile *cur,
		      volatile sig_atomic_t *interrupted)
{
	const struct burnin_job *j = r->j;
	const struct burnin_opts *b = &j->b;
	uint64_t first = b->verify_only ? b->pass : 1, last;
	int err;

	if (b->verify_only)
		last = first;
	else if (b->passes)
		last = b->passes;
	else
		last = b->time_s > 0 ? UINT64_MAX : 1;
	/* --verify-only --pass P: pass P - 1's streams tell stale blocks. */
	if (first >= 2 && make_streams(r, first - 1, r->prev))
		return EXIT_USAGE;
	for (uint64_t n = first; n <= last; n++) {
		struct pass *p = pass_add(r, n);

		if (!p) {
			fprintf(stderr, "dgen-uring: out of memory\n");
			return EXIT_USAGE;
		}
		if (make_streams(r, n, r->streams))
			return EXIT_USAGE;
		if (!b->verify_only) {
			err = run_phase(r, p, DGEN_MODE_WRITE, &p->wr, cur);
			p->wrote = 1;
			if (err)
				return 0;
			p->cut = p->wr.stopped;
		}
		if ((b->verify || b->verify_only) && !p->cut && !*interrupted) {
			err = run_phase(r, p, DGEN_MODE_VERIFY, &p->vr, cur);
			p->verified = 1;
			r->bad_before += p->vr.mismatches;
			if (err)
				return 0;
			p->cut = p->vr.stopped;
		}
		if (p->cut || *interrupted ||
		    (r->deadline && now_ns() >= r->deadline))
			break;
		free_streams(r->prev, j->ndev);
		memcpy(r->prev, r->streams, j->ndev * sizeof(*r->prev));
		memset(r->streams, 0, j->ndev * sizeof(*r->streams));
	}
	return 0;
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
	for (unsigned int i = 0; i < r->npasses; i++) {
		const struct pass *p = &r->passes[i];

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

static const char *path_of(const struct run *r, unsigned int k)
{
	struct dgen_target_info i;

	if (r->j->tree)
		return burnin_tree_path(r, k);
	dgen_target_info_get(r->targets[k], &i);
	return i.path;
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
		burnin_tree_report(r, 1);
	else
		printf("  \"targets\": [\n");
	for (unsigned int k = 0; k < j->ndev; k++) {
		const struct dgen_stream_params *p = &j->params;
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		printf("    { \"path\": ");
		json_string(i.path);
		printf(", \"type\": \"%s\", \"offset\": %llu, \"size\": %llu,\n",
		       type_name(i.type), (unsigned long long)i.offset,
		       (unsigned long long)i.size);
		printf("      \"stream\": { \"seed\": %llu, \"stream_id\": %llu, \"size\": %llu, \"dedup_ratio\": %.17g, \"dedup_unit\": %u, \"compress_ratio\": %.17g, \"compress_chunk\": %u }",
		       (unsigned long long)j->seed,
		       (unsigned long long)(j->stream + k),
		       (unsigned long long)i.size, p->dedup_ratio, p->dedup_unit,
		       p->compress_ratio, p->compress_chunk);
		trim_json(r->trim ? &r->trim[k] : NULL);
		health_json(r->health ? &r->health[k] : NULL);
		printf(" }%s\n", k + 1 < j->ndev ? "," : "");
	}
	printf("%s  \"passes\": [\n", j->tree ? "" : "  ],\n");
	for (unsigned int i = 0; i < r->npasses; i++) {
		const struct pass *p = &r->passes[i];

		printf("    { \"pass\": %llu, \"seed\": %llu, \"written\": %llu, \"write_seconds\": %.6f, \"write_gbps\": %.6f, \"verified\": %llu, \"verify_seconds\": %.6f, \"verify_gbps\": %.6f, \"mismatches\": %llu",
		       (unsigned long long)p->n, (unsigned long long)p->seed,
		       (unsigned long long)p->wr.bytes, p->wr.seconds,
		       gbps(p->wr.bytes, p->wr.seconds),
		       (unsigned long long)p->vr.bytes, p->vr.seconds,
		       gbps(p->vr.bytes, p->vr.seconds),
		       (unsigned long long)p->vr.mismatches);
		kinds_json(p->vr.kinds);
		printf(", \"bad_sectors\": %llu, \"framing_errors\": %llu, \"complete\": %s }%s\n",
		       (unsigned long long)p->vr.bad_sectors,
		       (unsigned long long)p->vr.framing,
		       p->cut ? "false" : "true",
		       i + 1 < r->npasses ? "," : "");
	}
	printf("  ],\n  \"bytes_written\": %llu,\n  \"bytes_verified\": %llu,\n  \"seconds\": %.6f,\n",
	       (unsigned long long)t.written, (unsigned long long)t.verified,
	       (double)(now_ns() - r->t0) / 1e9);
	printf("  \"mismatches\": %llu,\n", (unsigned long long)t.mismatches);
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		printf("  \"%s\": %llu,\n", dgen_mismatch_kind_name(k),
		       (unsigned long long)t.kinds[k]);
	printf("  \"framing_errors\": %llu,\n", (unsigned long long)t.framing);
	if (t.framing) {
		printf("  \"first_framing_error\": { \"target\": ");
		json_string(path_of(r, (unsigned int)r->framing_target));
		printf(", \"offset\": %llu },\n",
		       (unsigned long long)r->framing_offset);
	}
	printf("  \"bad_sectors\": %llu,\n  \"cpu\": { \"user_s\": %.6f, \"sys_s\": %.6f },\n",
	       (unsigned long long)t.bad_sectors, r->user_s, r->sys_s);
	printf("  \"mismatch_list\": [");
	for (unsigned int i = 0; i < r->npasses; i++) {
		const struct pass *p = &r->passes[i];

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
	if (r->error) {
		printf(",\n  \"error\": { \"errno\": %d, \"message\": ", -r->error);
		json_string(strerror(-r->error));
		printf(", \"phase\": \"%s\", \"target\": ", r->error_phase);
		if (r->error_target >= 0)
			json_string(path_of(r, (unsigned int)r->error_target));
		else
			printf("null");
		printf(", \"offset\": %llu }", (unsigned long long)r->error_offset);
	}
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
		burnin_tree_report(r, 0);
	for (unsigned int k = 0; k < j->ndev; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		printf("  %s (%s): offset %llu, size %llu\n", i.path,
		       type_name(i.type), (unsigned long long)i.offset,
		       (unsigned long long)i.size);
		printf("    stream %llu: dedup %g (unit %u), compress %g (chunk %u)\n",
		       (unsigned long long)(j->stream + k), sp->dedup_ratio,
		       sp->dedup_unit, sp->compress_ratio, sp->compress_chunk);
		trim_human(r->trim ? &r->trim[k] : NULL);
		health_human(r->health ? &r->health[k] : NULL);
	}
	for (unsigned int i = 0; i < r->npasses; i++) {
		const struct pass *p = &r->passes[i];

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
	}
	printf("  total: %u pass%s, written %llu B, verified %llu B, mismatches %llu",
	       r->npasses, r->npasses == 1 ? "" : "es",
	       (unsigned long long)t.written, (unsigned long long)t.verified,
	       (unsigned long long)t.mismatches);
	kinds_human(t.kinds);
	printf(", bad sectors %llu\n", (unsigned long long)t.bad_sectors);
	if (t.framing)
		printf("  framing errors: %llu (headers, lengths or CRCs around the payload), the first in %s at byte %llu\n",
		       (unsigned long long)t.framing,
		       path_of(r, (unsigned int)r->framing_target),
		       (unsigned long long)r->framing_offset);
	if (t.mismatches) {
		printf("  mismatches (%llu of %llu listed: the first passes' lowest offsets; sectors of 512 B within the block):\n",
		       (unsigned long long)t.listed,
		       (unsigned long long)t.mismatches);
		for (unsigned int i = 0; i < r->npasses && shown < j->b.max_report; i++) {
			const struct pass *p = &r->passes[i];

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
	printf("  cpu: user %.3f s, sys %.3f s\n", r->user_s, r->sys_s);
	printf("  ring: %s", t.ring ? "" : "plain (no optional features)");
	print_ring(t.ring, "%s", " ");
	printf("\n  status: %s", r->status);
	if (r->error && r->error_target >= 0)
		printf(" (%s of %s at offset %llu: %s)", r->error_phase,
		       path_of(r, (unsigned int)r->error_target),
		       (unsigned long long)r->error_offset, strerror(-r->error));
	else if (r->error)
		printf(" (%s)", strerror(-r->error));
	putchar('\n');
}

/* ===== Run ===== */

int burnin_run(const struct burnin_job *j, struct dgen_writer *volatile *cur,
	       volatile sig_atomic_t *interrupted)
{
	struct run r = { .j = j, .status = "ok", .error_target = -1,
			 .framing_target = -1, .interrupted = interrupted };
	struct rusage ru0, ru1;
	struct totals t;
	int rc = EXIT_USAGE;

	/* A tree has no device targets: its phases open files batch by batch. */
	r.targets = calloc(j->ndev + 1, sizeof(*r.targets));
	r.streams = calloc(j->ndev + 1, sizeof(*r.streams));
	r.prev = calloc(j->ndev + 1, sizeof(*r.prev));
	if (!r.targets || !r.streams || !r.prev) {
		fprintf(stderr, "dgen-uring: out of memory\n");
		goto out;
	}
	/* Refuse before touching anything what verify could not do after
	 * (formatted trees are read back through the page cache, not in
	 * units of --bs). */
	if ((j->b.verify || j->b.verify_only) &&
	    (!j->tree || j->tree->format == DGEN_FORMAT_RAW) &&
	    j->opts.io_size % j->params.dedup_unit) {
		fprintf(stderr, "dgen-uring: --bs %u is not a multiple of the dedup unit %u: verify reads whole blocks\n",
			j->opts.io_size, j->params.dedup_unit);
		goto out;
	}
	if (open_targets(&r))
		goto out;
	if (!j->seed_set && isatty(STDERR_FILENO))
		fprintf(stderr, "dgen-uring: seed %llu (drawn at random)\n",
			(unsigned long long)j->seed);
	r.t0 = now_ns();
	r.status_t = r.t0;
	if (j->b.time_s > 0)
		r.deadline = r.t0 + (uint64_t)(j->b.time_s * 1e9);
	r.health = calloc(j->ndev + 1, sizeof(*r.health));
	for (unsigned int k = 0; r.health && k < j->ndev; k++)
		health_begin(&r.health[k], j->dev[k]);
	if (j->trim) {
		r.trim = calloc(j->ndev + 1, sizeof(*r.trim));
		rc = r.trim ? trim_targets(r.targets, j->ndev, r.trim) : EXIT_USAGE;
		if (rc)
			goto out;
	}
	getrusage(RUSAGE_SELF, &ru0);
	rc = run_passes(&r, cur, interrupted);
	getrusage(RUSAGE_SELF, &ru1);
	for (unsigned int k = 0; r.health && k < j->ndev; k++)
		health_end(&r.health[k], j->dev[k]);
	if (rc)
		goto out;
	if (!r.npasses)
		goto out;
	r.user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	r.sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	sum(&r, &t);
	/* 3 over 1 over 130: a script must not take an error or bad data
	 * for a clean interruption. */
	if (r.error) {
		r.status = "error";
		rc = EXIT_IO;
		if (r.error_target >= 0)
			fprintf(stderr, "dgen-uring: %s of %s at offset %llu failed: %s\n",
				r.error_phase, path_of(&r, (unsigned int)r.error_target),
				(unsigned long long)r.error_offset,
				strerror(-r.error));
	} else if (t.mismatches || t.framing) {
		r.status = "mismatch";
		rc = EXIT_MISMATCH;
	} else if (*interrupted) {
		r.status = "interrupted";
		rc = EXIT_INTR;
	}
	/* The drive's own complaint outranks what the run saw (exit 4). */
	if (health_unhealthy(r.health, j->ndev)) {
		r.status = "unhealthy";
		rc = EXIT_UNHEALTHY;
	}
	if (j->json)
		report_json(&r);
	else
		report_human(&r);
out:
	for (unsigned int k = 0; r.targets && k < j->ndev; k++)
		dgen_target_close(r.targets[k]);
	free_streams(r.streams, j->ndev);
	free_streams(r.prev, j->ndev);
	for (unsigned int i = 0; i < r.npasses; i++)
		free(r.passes[i].list);
	free(r.passes);
	free(r.health);
	free(r.trim);
	free(r.targets);
	free(r.streams);
	free(r.prev);
	return rc;
}
