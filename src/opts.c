// SPDX-License-Identifier: MIT
/*
 * opts.c - a run's options by name: the one table (dgen/opts.h)
 *
 * Each entry names an option as dgen-uring's command line does, the kind
 * of value it takes, the field of struct dgen_run_opts it sets (by
 * offset, with its width) and its range, and the sentence that refuses a
 * bad value. Values a plain field cannot hold (a mode, a choice of words,
 * a spec) have a setter of their own. The rules between options are
 * opts_check.c's.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <dgen/opts.h>
#include <dgen/profile.h>

#define W_U32		4
#define W_U64		8
#define W_DBL		1		/* a double */

struct opt_def {
	struct dgen_opt pub;
	unsigned int given;		/* DGEN_GIVEN_* it records */
	size_t off;			/* the field in struct dgen_run_opts */
	unsigned int width;		/* W_*; 0: no field (a flag or setter) */
	uint64_t min, max;		/* whole values; max 0: none */
	double dmin, dmax;		/* seconds; dmax 0: none */
	unsigned int flag;		/* DGEN_OPT_FLAG: bits set in the field */
	const char *bad;		/* "--NAME 'VALUE' ..." that does not parse */
	const char *range;		/* out of range; NULL: the generic one */
	int (*set)(struct dgen_run_opts *o, const char *v, char *msg,
		   size_t msglen);
};

#define F(field)	offsetof(struct dgen_run_opts, field)

static const char SIZE_BAD[] = "--%s '%s' is not a size: give a whole number of bytes, optionally with K, M, G or T (e.g. 4K, 1GiB)";
static const char ZERO_SIZE[] = "--%s 0: give a size of at least one block";
static const char AT_LEAST_1[] = "--%s '%s' is not a whole number of at least 1";

static int set_pattern(struct dgen_run_opts *o, const char *v, char *msg,
		       size_t msglen)
{
	if (!strcmp(v, "seq"))
		o->writer.pattern = DGEN_PATTERN_SEQ;
	else if (!strcmp(v, "rand"))
		o->writer.pattern = DGEN_PATTERN_RAND;
	else
		return snprintf(msg, msglen, "--pattern '%s': give seq or rand", v),
		       -EINVAL;
	return 0;
}

static int set_cpus_policy(struct dgen_run_opts *o, const char *v,
			   char *msg, size_t msglen)
{
	if (!strcmp(v, "split"))
		o->cpus_shared = 0;
	else if (!strcmp(v, "shared"))
		o->cpus_shared = 1;
	else
		return snprintf(msg, msglen, "--cpus-policy '%s': give split (each thread on its own CPU) or shared (each on its node's threads' CPUs)",
				v), -EINVAL;
	return 0;
}

static int set_format(struct dgen_run_opts *o, const char *v, char *msg,
		      size_t msglen)
{
	static const char *const names[] = { "raw", "npz", "tfrecord", "hdf5" };
	unsigned int f;

	for (f = 0; f < 4 && strcmp(v, names[f]); f++)
		;
	if (f == 4) {
		snprintf(msg, msglen, "--format '%s': give raw, npz, tfrecord or hdf5", v);
		return -EINVAL;
	}
	if (!dgen_format_supported((enum dgen_format)f)) {
		snprintf(msg, msglen, "--format %s: this build has no HDF5 (meson -Dhdf5=enabled with libhdf5)",
			 v);
		return -EINVAL;
	}
	o->tree.format = (enum dgen_format)f;
	return 0;
}

static int set_chunk(struct dgen_run_opts *o, const char *v, char *msg,
		     size_t msglen)
{
	(void)o;
	(void)v;
	snprintf(msg, msglen, "--compress-chunk is gone with stream format %d: every 512-byte sector now carries its own zero run and random bytes, sized so lz4 and zstd measure --compress at 4K and 64K; drop the option",
		 DGEN_STREAM_FORMAT_VERSION);
	return -EINVAL;
}

static int set_stdout(struct dgen_run_opts *o, const char *v, char *msg,
		      size_t msglen)
{
	(void)v;
	(void)msg;
	(void)msglen;
	o->flags |= DGEN_RUN_FD;
	o->fd = 1;
	return 0;
}

static int set_verify(struct dgen_run_opts *o, const char *v, char *msg,
		      size_t msglen)
{
	(void)v;
	(void)msg;
	(void)msglen;
	o->mode = DGEN_RUN_WRITE_VERIFY;
	return 0;
}

static int set_verify_only(struct dgen_run_opts *o, const char *v, char *msg,
			   size_t msglen)
{
	(void)v;
	(void)msg;
	(void)msglen;
	o->mode = DGEN_RUN_VERIFY_ONLY;
	return 0;
}

static int set_fail_on(struct dgen_run_opts *o, const char *v, char *msg,
		       size_t msglen)
{
	unsigned int f = 0;
	const char *p = v;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 4 && !strncmp(p, "slow", 4))
			f |= DGEN_FAIL_SLOW;
		else if (n == 5 && !strncmp(p, "cliff", 5))
			f |= DGEN_FAIL_CLIFF;
		else if (n == 4 && !strncmp(p, "torn", 4))
			f |= DGEN_FAIL_TORN;
		else if (n && !(n == 4 && !strncmp(p, "none", 4)))
			return snprintf(msg, msglen, "--fail-on '%s': give slow, cliff, both (slow,cliff), torn (with --verify-crash) or none", v),
			       -EINVAL;
		p += n + !!p[n];
	}
	o->watch.fail_on = f;
	return 0;
}

static int set_endpoint(struct dgen_run_opts *o, const char *v, char *msg,
			size_t msglen)
{
	if (o->objects.nendpoints == DGEN_OBJSTORE_ENDPOINTS_MAX)
		return snprintf(msg, msglen, "--endpoint %s: at most %u endpoints",
				v, DGEN_OBJSTORE_ENDPOINTS_MAX), -EINVAL;
	o->objects.endpoints[o->objects.nendpoints++] = v;
	return 0;
}

static int set_steady(struct dgen_run_opts *o, const char *v, char *msg,
		      size_t msglen)
{
	o->watch.steady = 1;
	return dgen_steady_parse(&o->watch.steady_opts, v, msg, msglen) ?
	       -EINVAL : 0;
}

static int set_engine(struct dgen_run_opts *o, const char *v, char *msg,
		      size_t msglen)
{
	for (int e = DGEN_ENGINE_AUTO; e <= DGEN_ENGINE_LIBAIO; e++)
		if (!strcmp(v, dgen_engine_name((enum dgen_engine)e))) {
			o->writer.engine = (enum dgen_engine)e;
			return 0;
		}
	return snprintf(msg, msglen, "--engine '%s': give auto, io_uring or libaio", v),
	       -EINVAL;
}

static int set_compress_mix(struct dgen_run_opts *o, const char *v,
			    char *msg, size_t msglen)
{
	char why[256];

	if (dgen_compress_mix_parse(&o->params.mix, v, why, sizeof(why)))
		return snprintf(msg, msglen, "--compress-mix: %s", why), -EINVAL;
	return 0;
}

static int set_dedup_skew(struct dgen_run_opts *o, const char *v, char *msg,
			  size_t msglen)
{
	double s;

	if (dgen_parse_ratio(v, &s) || s < 0.0 || s > DGEN_DEDUP_SKEW_MAX)
		return snprintf(msg, msglen, "--dedup-skew '%s': give a Zipf exponent from 0 (even copies) to %g",
				v, DGEN_DEDUP_SKEW_MAX), -EINVAL;
	o->params.dedup_skew = s;
	return 0;
}

/*
 * --like PROFILE (contract 7.4): the profile's mix, dedup ratio and
 * match share; its digest goes into every report.
 */
static int set_like(struct dgen_run_opts *o, const char *v, char *msg,
		    size_t msglen)
{
	struct dgen_profile prof;
	char why[512];

	if (dgen_profile_load(&prof, v, why, sizeof(why)) ||
	    dgen_profile_params(&prof, &o->params, why, sizeof(why)))
		return snprintf(msg, msglen, "--like: %s", why), -EINVAL;
	dgen_profile_digest(&prof, o->params.profile_digest,
			    sizeof(o->params.profile_digest));
	return 0;
}

/*
 * --dedup-scope target|run|run:T:I. The last names the domain outright:
 * this run's first target is target I of a domain of T, so a part of a
 * domain (one target, say) is verified alone with the report's
 * scope_targets and scope_index.
 */
static int set_dedup_scope(struct dgen_run_opts *o, const char *v,
			   char *msg, size_t msglen)
{
	unsigned int T, I;
	char end;

	o->params.scope_targets = 0;
	o->params.scope_index = 0;
	if (!strcmp(v, "target")) {
		o->params.dedup_scope = DGEN_DEDUP_SCOPE_TARGET;
	} else if (!strcmp(v, "run")) {
		o->params.dedup_scope = DGEN_DEDUP_SCOPE_RUN;
	} else if (sscanf(v, "run:%u:%u%c", &T, &I, &end) == 2 && T >= 2 &&
		   I < T && T <= 1u << 20) {
		o->params.dedup_scope = DGEN_DEDUP_SCOPE_RUN;
		o->params.scope_targets = T;
		o->params.scope_index = I;
	} else {
		return snprintf(msg, msglen, "--dedup-scope '%s': give target (each target its own copies), run (the run's targets, every rank's, as one) or run:T:I (this run's first target is target I of a domain of T, to verify part of one)",
				v), -EINVAL;
	}
	return 0;
}

/* The table, in the order of dgen-uring --help. */
static const struct opt_def defs[] = {
	{ { "size", 's', DGEN_OPT_SIZE, 1 }, 0, F(size), W_U64, 1, 0, 0, 0, 0,
	  SIZE_BAD, ZERO_SIZE, NULL },
	{ { "offset", 'o', DGEN_OPT_SIZE, 1 }, 0, F(offset), W_U64, 0, 0, 0, 0,
	  0, SIZE_BAD, NULL, NULL },
	{ { "force", 'f', DGEN_OPT_FLAG, 0 }, 0, F(flags), W_U32, 0, 0, 0, 0,
	  DGEN_RUN_FORCE, NULL, NULL, NULL },
	{ { "bs", 'b', DGEN_OPT_SIZE, 1 }, DGEN_GIVEN_RING, F(writer.io_size),
	  W_U32, 1, DGEN_IO_SIZE_MAX, 0, 0, 0, SIZE_BAD, NULL, NULL },
	{ { "qd", 'q', DGEN_OPT_COUNT, 1 }, 0, F(writer.queue_depth), W_U32, 1,
	  DGEN_QUEUE_DEPTH_MAX, 0, 0, 0, NULL, NULL, NULL },
	{ { "threads", 't', DGEN_OPT_COUNT, 1 }, 0, F(writer.threads), W_U32, 1,
	  DGEN_THREADS_MAX, 0, 0, 0, NULL, NULL, NULL },
	{ { "cpus", 'c', DGEN_OPT_STRING, 1 }, 0, F(cpus), 0, 0, 0, 0, 0, 0,
	  NULL, NULL, NULL },
	{ { "cpus-policy", 0, DGEN_OPT_CHOICE, 1 }, DGEN_GIVEN_CPUS_POLICY, 0, 0,
	  0, 0, 0, 0, 0,
	  NULL, NULL, set_cpus_policy },
	{ { "dry-run", 'n', DGEN_OPT_FLAG, 0 }, 0, F(flags), W_U32, 0, 0, 0, 0,
	  DGEN_RUN_DRY, NULL, NULL, NULL },
	{ { "pattern", 'p', DGEN_OPT_CHOICE, 1 }, DGEN_GIVEN_RING, 0, 0, 0, 0,
	  0, 0, 0, NULL,
	  NULL, set_pattern },
	{ { "sqpoll", 0, DGEN_OPT_FLAG, 0 }, DGEN_GIVEN_RING,
	  F(writer.ring_flags), W_U32, 0,
	  0, 0, 0, DGEN_RING_SQPOLL, NULL, NULL, NULL },
	{ { "trim", 0, DGEN_OPT_FLAG, 0 }, 0, F(flags), W_U32, 0, 0, 0, 0,
	  DGEN_RUN_TRIM, NULL, NULL, NULL },
	{ { "trim-only", 0, DGEN_OPT_FLAG, 0 }, 0, F(flags), W_U32, 0, 0, 0, 0,
	  DGEN_RUN_TRIM_ONLY, NULL, NULL, NULL },
	{ { "iopoll", 0, DGEN_OPT_FLAG, 0 }, DGEN_GIVEN_RING,
	  F(writer.ring_flags), W_U32, 0,
	  0, 0, 0, DGEN_RING_IOPOLL, NULL, NULL, NULL },
	{ { "dir", 0, DGEN_OPT_STRING, 1 }, 0, F(tree.dir), 0, 0, 0, 0, 0, 0,
	  NULL, NULL, NULL },
	{ { "files", 0, DGEN_OPT_COUNT, 1 }, 0, F(tree.files), W_U64, 1, 0, 0,
	  0, 0, "--%s '%s': give a whole number of at least 1",
	  "--%s '%s': give a whole number of at least 1", NULL },
	{ { "file-size", 0, DGEN_OPT_SIZE, 1 }, 0, F(tree.file_size), W_U64, 1,
	  0, 0, 0, 0, SIZE_BAD, ZERO_SIZE, NULL },
	{ { "fanout", 0, DGEN_OPT_COUNT, 1 }, 0, F(tree.fanout), W_U32, 1,
	  UINT32_MAX, 0, 0, 0, NULL, NULL, NULL },
	{ { "format", 0, DGEN_OPT_CHOICE, 1 }, 0, 0, 0, 0, 0, 0, 0, 0, NULL,
	  NULL, set_format },
	{ { "record-size", 0, DGEN_OPT_SIZE, 1 }, 0, F(tree.record_size), W_U32,
	  1, DGEN_IO_SIZE_MAX, 0, 0, 0, SIZE_BAD, NULL, NULL },
	{ { "stdout", 0, DGEN_OPT_FLAG, 0 }, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL,
	  set_stdout },
	{ { "no-splice", 0, DGEN_OPT_FLAG, 0 }, 0, F(flags), W_U32, 0, 0, 0, 0,
	  DGEN_RUN_NO_SPLICE, NULL, NULL, NULL },
	{ { "shared", 0, DGEN_OPT_FLAG, 0 }, 0, F(flags), W_U32, 0, 0, 0, 0,
	  DGEN_RUN_SHARED, NULL, NULL, NULL },
	{ { "stonewall", 0, DGEN_OPT_FLAG, 0 }, 0, F(flags), W_U32, 0, 0, 0, 0,
	  DGEN_RUN_STONEWALL, NULL, NULL, NULL },
	{ { "endpoint", 0, DGEN_OPT_STRING, 1 }, DGEN_GIVEN_OBJECTS, 0, 0, 0, 0,
	  0, 0, 0, NULL, NULL, set_endpoint },
	{ { "part-size", 0, DGEN_OPT_SIZE, 1 }, DGEN_GIVEN_OBJECTS,
	  F(objects.part_size), W_U64, DGEN_OBJSTORE_PART_SIZE_MIN,
	  DGEN_OBJSTORE_PART_SIZE_MAX, 0, 0, 0, SIZE_BAD,
	  "--%s %s is out of range: whole MiB from 5M (S3's smallest part) to 5G",
	  NULL },
	{ { "retries", 0, DGEN_OPT_COUNT, 1 }, DGEN_GIVEN_OBJECTS,
	  F(objects.retries), W_U32, 0, 100, 0, 0, 0, NULL, NULL, NULL },
	{ { "seed", 'S', DGEN_OPT_COUNT, 1 }, DGEN_GIVEN_SEED, F(params.seed),
	  W_U64, 0, 0, 0, 0, 0,
	  "--%s '%s' is not a whole number from 0 to 2^64 - 1", NULL, NULL },
	{ { "stream", 0, DGEN_OPT_COUNT, 1 }, 0, F(params.stream_id), W_U64, 0,
	  0, 0, 0, 0, NULL, NULL, NULL },
	{ { "dedup", 0, DGEN_OPT_RATIO, 1 }, DGEN_GIVEN_DATA,
	  F(params.dedup_ratio), W_DBL,
	  0, 0, 0, 0, 0, NULL, NULL, NULL },
	{ { "dedup-unit", 0, DGEN_OPT_SIZE, 1 }, 0, F(params.dedup_unit), W_U32,
	  DGEN_UNIT_MIN, DGEN_UNIT_MAX, 0, 0, 0, SIZE_BAD, NULL, NULL },
	{ { "dedup-window", 0, DGEN_OPT_SIZE, 1 }, 0, F(params.dedup_window),
	  W_U64, 0, 0, 0, 0, 0, SIZE_BAD, NULL, NULL },
	{ { "compress", 0, DGEN_OPT_RATIO, 1 }, DGEN_GIVEN_DATA,
	  F(params.compress_ratio),
	  W_DBL, 0, 0, 0, 0, 0, NULL, NULL, NULL },
	{ { "compress-chunk", 0, DGEN_OPT_SIZE, 1 }, 0, 0, 0, 0, 0, 0, 0, 0,
	  NULL, NULL, set_chunk },
	{ { "verify", 0, DGEN_OPT_FLAG, 0 }, DGEN_GIVEN_VERIFY | DGEN_GIVEN_PASSES,
	  0, 0, 0, 0, 0, 0, 0, NULL, NULL, set_verify },
	{ { "verify-only", 0, DGEN_OPT_FLAG, 0 },
	  DGEN_GIVEN_VERIFY_ONLY | DGEN_GIVEN_PASSES, 0, 0, 0, 0, 0, 0, 0, NULL,
	  NULL, set_verify_only },
	{ { "pass", 0, DGEN_OPT_COUNT, 1 }, DGEN_GIVEN_PASSES, F(pass), W_U64, 1,
	  0, 0, 0, 0, AT_LEAST_1, AT_LEAST_1, NULL },
	{ { "passes", 0, DGEN_OPT_COUNT, 1 }, DGEN_GIVEN_PASSES, F(passes),
	  W_U64, 1, 0, 0, 0, 0, AT_LEAST_1, AT_LEAST_1, NULL },
	{ { "time", 0, DGEN_OPT_DURATION, 1 }, DGEN_GIVEN_PASSES, F(time_s),
	  W_DBL, 0, 0, 0, 0, 0,
	  "--%s '%s' is not a duration: give seconds, or a number with s, m, h or d (e.g. 90s, 1.5h)",
	  NULL, NULL },
	{ { "rate", 0, DGEN_OPT_RATE, 1 }, DGEN_GIVEN_PASSES, F(rate), W_U64, 0,
	  0, 0, 0, 0,
	  "--%s '%s' is not a rate: give bytes per second, optionally with K, M, G or T (e.g. 500M or 500M/s)",
	  NULL, NULL },
	{ { "status-interval", 0, DGEN_OPT_DURATION, 1 }, DGEN_GIVEN_PASSES,
	  F(progress_s), W_DBL, 0, 0, 0, 0, 0,
	  "--%s '%s' is not a duration: give seconds (e.g. 1, 0.5, 10s)", NULL,
	  NULL },
	{ { "max-report", 0, DGEN_OPT_COUNT, 1 }, DGEN_GIVEN_PASSES,
	  F(max_report), W_U32, 0, 100000, 0, 0, 0,
	  "--%s '%s' is out of range: 0 to 100000",
	  "--%s '%s' is out of range: 0 to 100000", NULL },
	{ { "log", 0, DGEN_OPT_STRING, 1 }, DGEN_GIVEN_WATCH, F(watch.log), 0,
	  0, 0, 0, 0, 0, NULL, NULL, NULL },
	{ { "log-interval", 0, DGEN_OPT_SECONDS, 1 }, DGEN_GIVEN_WATCH,
	  F(watch.interval_s), W_DBL, 0, 0, 0.01, 86400, 0,
	  "--%s '%s': give seconds from 0.01 to 86400 (fractions allowed)",
	  "--%s '%s': give seconds from 0.01 to 86400 (fractions allowed)",
	  NULL },
	{ { "io-timeout", 0, DGEN_OPT_SECONDS, 1 }, DGEN_GIVEN_WATCH,
	  F(watch.io_timeout_s), W_DBL, 0, 0, 0, 86400, 0,
	  "--%s '%s': give seconds up to 86400, or 0 for no timeout",
	  "--%s '%s': give seconds up to 86400, or 0 for no timeout", NULL },
	{ { "fail-on", 0, DGEN_OPT_CHOICE, 1 }, DGEN_GIVEN_WATCH, 0, 0, 0, 0, 0,
	  0, 0, NULL, NULL, set_fail_on },
	{ { "steady-state", 0, DGEN_OPT_SPEC, 2 }, DGEN_GIVEN_WATCH, 0, 0, 0, 0,
	  0, 0, 0, NULL, NULL, set_steady },
	{ { "plot", 0, DGEN_OPT_STRING, 1 }, DGEN_GIVEN_WATCH, F(watch.plot), 0,
	  0, 0, 0, 0, 0, NULL, NULL, NULL },
	{ { "engine", 0, DGEN_OPT_CHOICE, 1 }, DGEN_GIVEN_RING, 0, 0, 0, 0, 0,
	  0, 0, NULL, NULL, set_engine },
	{ { "compress-mix", 0, DGEN_OPT_SPEC, 1 }, DGEN_GIVEN_DATA, 0, 0, 0, 0,
	  0, 0, 0, NULL,
	  NULL, set_compress_mix },
	{ { "dedup-skew", 0, DGEN_OPT_RATIO, 1 }, 0, 0, 0, 0, 0, 0, 0, 0, NULL,
	  NULL, set_dedup_skew },
	{ { "dedup-scope", 0, DGEN_OPT_CHOICE, 1 }, 0, 0, 0, 0, 0, 0, 0, 0, NULL,
	  NULL, set_dedup_scope },
	{ { "journal", 0, DGEN_OPT_STRING, 1 }, 0, F(journal), 0, 0, 0, 0, 0,
	  0, NULL, NULL, NULL },
	{ { "flush-every", 0, DGEN_OPT_SIZE, 1 }, 0, F(flush_every), W_U64, 1,
	  0, 0, 0, 0, SIZE_BAD, ZERO_SIZE, NULL },
	{ { "fua", 0, DGEN_OPT_FLAG, 0 }, 0, F(fua), W_U32, 0, 0, 0, 0, 1, NULL,
	  NULL, NULL },
	{ { "verify-crash", 0, DGEN_OPT_STRING, 1 }, 0, F(verify_crash), 0, 0,
	  0, 0, 0, 0, NULL, NULL, NULL },
	{ { "like", 0, DGEN_OPT_STRING, 1 }, DGEN_GIVEN_LIKE, 0, 0, 0, 0, 0, 0,
	  0, NULL,
	  NULL, set_like },
};

#define NDEFS	(sizeof(defs) / sizeof(defs[0]))

const struct dgen_opt *dgen_opt_at(unsigned int i)
{
	return i < NDEFS ? &defs[i].pub : NULL;
}

/* The value @v of a whole-number kind into *@x; the sentence if bad. */
static int parse_whole(const struct opt_def *d, const char *v, uint64_t *x,
		       char *msg, size_t msglen)
{
	const char *name = d->pub.name;
	int err;

	switch (d->pub.kind) {
	case DGEN_OPT_SIZE:
		err = dgen_parse_size(v, x);
		if (err == -ERANGE)
			return snprintf(msg, msglen, "--%s '%s' is too large: at most 2^64 - 1 bytes",
					name, v), -EINVAL;
		break;
	case DGEN_OPT_RATE:
		err = dgen_parse_rate(v, x);
		break;
	default:
		err = dgen_parse_u64(v, x);
		break;
	}
	if (err)
		return snprintf(msg, msglen, d->bad ? d->bad :
				"--%s '%s' is not a whole number", name, v),
		       -EINVAL;
	if (*x < d->min || (d->max && *x > d->max)) {
		if (d->range)
			snprintf(msg, msglen, d->range, name, v);
		else
			snprintf(msg, msglen, "--%s %s is out of range: %llu to %llu",
				 name, v, (unsigned long long)d->min,
				 (unsigned long long)(d->max ? d->max : UINT64_MAX));
		return -EINVAL;
	}
	return 0;
}

/* The value @v of a number of seconds or a ratio into *@x. */
static int parse_real(const struct opt_def *d, const char *v, double *x,
		      char *msg, size_t msglen)
{
	int err;

	switch (d->pub.kind) {
	case DGEN_OPT_RATIO:
		err = dgen_parse_ratio(v, x) || *x < 1.0;
		if (err)
			return snprintf(msg, msglen, "--%s '%s' is not a ratio: give a number of at least 1",
					d->pub.name, v), -EINVAL;
		return 0;
	case DGEN_OPT_DURATION:
		err = dgen_parse_duration(v, x);
		if (err == -ERANGE)
			return snprintf(msg, msglen, "--%s '%s' is out of range: from 1 ns to %.0f s (about 146 years; the clock counts int64 nanoseconds)",
					d->pub.name, v, DGEN_DURATION_MAX_S),
			       -EINVAL;
		break;
	default:
		err = dgen_parse_seconds(v, x) || *x < d->dmin ||
		      (d->dmax > 0 && *x > d->dmax);
		break;
	}
	if (err)
		return snprintf(msg, msglen, d->bad, d->pub.name, v), -EINVAL;
	return 0;
}

/* Store a parsed value in the option's field. */
static int set_field(struct dgen_run_opts *o, const struct opt_def *d,
		     const char *v, char *msg, size_t msglen)
{
	char *field = (char *)o + d->off;
	uint64_t x = 0;
	uint32_t x32;
	double dx;

	if (d->pub.kind == DGEN_OPT_STRING) {
		memcpy(field, &v, sizeof(v));
		return 0;
	}
	if (d->pub.kind == DGEN_OPT_FLAG) {
		memcpy(&x32, field, sizeof(x32));
		x32 |= d->flag;
		memcpy(field, &x32, sizeof(x32));
		return 0;
	}
	if (d->width == W_DBL) {
		if (parse_real(d, v, &dx, msg, msglen))
			return -EINVAL;
		memcpy(field, &dx, sizeof(dx));
		return 0;
	}
	if (parse_whole(d, v, &x, msg, msglen))
		return -EINVAL;
	if (d->width == W_U32) {
		x32 = (uint32_t)x;
		memcpy(field, &x32, sizeof(x32));
	} else {
		memcpy(field, &x, sizeof(x));
	}
	return 0;
}

int dgen_run_opts_set(struct dgen_run_opts *o, const char *name,
		      const char *value, char *msg, size_t msglen)
{
	const struct opt_def *d = NULL;
	int err;

	for (unsigned int i = 0; i < NDEFS && !d; i++)
		if (!strcmp(defs[i].pub.name, name) ||
		    (defs[i].pub.short_name && !name[1] &&
		     name[0] == defs[i].pub.short_name))
			d = &defs[i];
	if (!d) {
		snprintf(msg, msglen, "unknown option '--%s'", name);
		return -ENOENT;
	}
	if (d->pub.value == DGEN_OPT_VALUE && !value) {
		snprintf(msg, msglen, "--%s needs a value", d->pub.name);
		return -EINVAL;
	}
	err = d->set ? d->set(o, value, msg, msglen) :
	      set_field(o, d, value, msg, msglen);
	if (!err)
		o->given |= d->given;
	return err;
}
