// SPDX-License-Identifier: MIT
/*
 * test_opts.c - a run's options by name (dgen/opts.h): the parsers, the
 * table's fields, ranges and sentences, and the rules between options
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <dgen/dgen.h>

/* Set @name to @v on @o; the return, with the sentence in @msg. */
static int set(struct dgen_run_opts *o, const char *name, const char *v,
	       char *msg)
{
	return dgen_run_opts_set(o, name, v, msg, 512);
}

Test(opts, parsers)
{
	uint64_t x;
	double d;

	cr_assert_eq(dgen_parse_size("3MiB", &x), 0);
	cr_assert_eq(x, 3u << 20);
	cr_assert_eq(dgen_parse_size("1g", &x), 0);
	cr_assert_eq(x, 1ull << 30);
	cr_assert_eq(dgen_parse_size("4KB", &x), 0);
	cr_assert_eq(x, 4096);
	cr_assert_eq(dgen_parse_size("-1", &x), -EINVAL);
	cr_assert_eq(dgen_parse_size(" 1", &x), -EINVAL);
	cr_assert_eq(dgen_parse_size("1X", &x), -EINVAL);
	cr_assert_eq(dgen_parse_size("99999999999999999999", &x), -ERANGE);
	cr_assert_eq(dgen_parse_size("16777216T", &x), -ERANGE);
	cr_assert_eq(dgen_parse_u64("0x10", &x), 0);
	cr_assert_eq(x, 16);
	cr_assert_eq(dgen_parse_u64("", &x), -EINVAL);
	cr_assert_eq(dgen_parse_ratio("2.5", &d), 0);
	cr_assert_float_eq(d, 2.5, 1e-12);
	cr_assert_eq(dgen_parse_ratio("inf", &d), -EINVAL);
	cr_assert_eq(dgen_parse_duration("1.5h", &d), 0);
	cr_assert_float_eq(d, 5400, 1e-9);
	cr_assert_eq(dgen_parse_duration("0", &d), -EINVAL);
	cr_assert_eq(dgen_parse_duration("5x", &d), -EINVAL);
	cr_assert_eq(dgen_parse_seconds("0", &d), 0);
	cr_assert_eq(dgen_parse_seconds("1s", &d), -EINVAL);
	cr_assert_eq(dgen_parse_rate("500M/s", &x), 0);
	cr_assert_eq(x, 500ull << 20);
	cr_assert_eq(dgen_parse_rate("0", &x), -EINVAL);
	cr_assert_eq(dgen_parse_rate("", &x), -EINVAL);
	cr_assert_eq(dgen_parse_rate("/s", &x), -EINVAL);
}

/* Each kind of option lands in its field; letters work as names. */
Test(opts, fields)
{
	struct dgen_run_opts o;
	char msg[512];

	dgen_run_opts_init(&o);
	cr_assert_eq(set(&o, "s", "6M", msg), 0, "%s", msg);
	cr_assert_eq(o.size, 6u << 20);
	cr_assert_eq(set(&o, "bs", "128K", msg), 0, "%s", msg);
	cr_assert_eq(o.writer.io_size, 128u << 10);
	cr_assert_eq(set(&o, "dedup", "3", msg), 0, "%s", msg);
	cr_assert_float_eq(o.params.dedup_ratio, 3.0, 1e-12);
	cr_assert_eq(set(&o, "time", "2m", msg), 0, "%s", msg);
	cr_assert_float_eq(o.time_s, 120.0, 1e-9);
	cr_assert_eq(set(&o, "rate", "1G/s", msg), 0, "%s", msg);
	cr_assert_eq(o.rate, 1ull << 30);
	cr_assert_eq(set(&o, "log-interval", "0.5", msg), 0, "%s", msg);
	cr_assert_float_eq(o.watch.interval_s, 0.5, 1e-12);
	cr_assert_eq(set(&o, "pattern", "rand", msg), 0, "%s", msg);
	cr_assert_eq(o.writer.pattern, DGEN_PATTERN_RAND);
	cr_assert_eq(set(&o, "format", "npz", msg), 0, "%s", msg);
	cr_assert_eq(o.tree.format, DGEN_FORMAT_NPZ);
	cr_assert_eq(set(&o, "iopoll", NULL, msg), 0, "%s", msg);
	cr_assert(o.writer.ring_flags & DGEN_RING_IOPOLL);
	cr_assert_eq(set(&o, "trim", NULL, msg), 0, "%s", msg);
	cr_assert(o.flags & DGEN_RUN_TRIM);
	cr_assert_eq(set(&o, "fail-on", "slow,cliff", msg), 0, "%s", msg);
	cr_assert_eq(o.watch.fail_on, DGEN_FAIL_SLOW | DGEN_FAIL_CLIFF);
	cr_assert_eq(set(&o, "steady-state", NULL, msg), 0, "%s", msg);
	cr_assert(o.watch.steady);
	cr_assert_eq(set(&o, "stdout", NULL, msg), 0, "%s", msg);
	cr_assert((o.flags & DGEN_RUN_FD) && o.fd == 1);
	cr_assert_eq(set(&o, "verify-only", NULL, msg), 0, "%s", msg);
	cr_assert_eq(o.mode, DGEN_RUN_VERIFY_ONLY);
	cr_assert_eq(o.given, DGEN_GIVEN_PASSES | DGEN_GIVEN_VERIFY_ONLY |
		     DGEN_GIVEN_WATCH | DGEN_GIVEN_RING | DGEN_GIVEN_DATA);
}

/* A bad value is refused with a sentence that names the option. */
Test(opts, refusals)
{
	static const struct {
		const char *name, *value, *msg;
	} cases[] = {
		{ "size", "0", "--size 0: give a size of at least one block" },
		{ "bs", "0", "--bs 0 is out of range: 1 to 1073741824" },
		{ "qd", "x", "--qd 'x' is not a whole number" },
		{ "size", "99999999999999999999", "--size '99999999999999999999' is too large: at most 2^64 - 1 bytes" },
		{ "dedup", "0.5", "--dedup '0.5' is not a ratio: give a number of at least 1" },
		{ "files", "0", "--files '0': give a whole number of at least 1" },
		{ "max-report", "100001", "--max-report '100001' is out of range: 0 to 100000" },
		{ "io-timeout", "-1", "--io-timeout '-1': give seconds up to 86400, or 0 for no timeout" },
		{ "pattern", "zig", "--pattern 'zig': give seq or rand" },
		{ "fail-on", "fast", "--fail-on 'fast': give slow, cliff, both (slow,cliff), torn (with --verify-crash) or none" },
		{ "flush-every", "0", "--flush-every 0: give a size of at least one block" },
		{ "time", "5x", "--time '5x' is not a duration: give seconds, or a number with s, m, h or d (e.g. 90s, 1.5h)" },
	};
	struct dgen_run_opts o;
	char msg[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dgen_run_opts_init(&o);
		cr_assert_eq(set(&o, cases[i].name, cases[i].value, msg),
			     -EINVAL, "--%s %s", cases[i].name, cases[i].value);
		cr_assert_str_eq(msg, cases[i].msg);
		cr_assert_eq(o.given, 0, "a refused option is not recorded");
	}
	cr_assert_eq(set(&o, "no-such-option", "1", msg), -ENOENT);
	cr_assert_eq(set(&o, "seed", NULL, msg), -EINVAL);
	cr_assert_str_eq(msg, "--seed needs a value");
}

/* Every entry of the table has a name, and no two share one. */
Test(opts, table)
{
	const struct dgen_opt *a, *b;
	unsigned int n = 0;

	for (unsigned int i = 0; (a = dgen_opt_at(i)); i++, n++) {
		cr_assert(a->name && *a->name);
		for (unsigned int j = 0; j < i; j++) {
			b = dgen_opt_at(j);
			cr_assert(strcmp(a->name, b->name), "%s twice", a->name);
			cr_assert(!a->short_name || a->short_name != b->short_name,
				  "-%c twice", a->short_name);
		}
	}
	cr_assert_geq(n, 40, "the table lists every option of a run");
}

/* The rules between options, in the options' own words. */
Test(opts, rules)
{
	static const char *const paths[] = { "null", "/dev/shm/a", "/dev/shm/./a" };
	struct dgen_run_opts o;
	char msg[512];

	dgen_run_opts_init(&o);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert_str_eq(msg, "no target: give --dev PATH (a block device, a file or null)");
	o.paths = paths;
	o.npaths = 2;
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	o.npaths = 3;
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "are the same target"), "%s", msg);
	o.npaths = 1;
	cr_assert_eq(set(&o, "verify-only", NULL, msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert_str_eq(msg, "--verify-only needs --seed: the seed the run to check printed");
	cr_assert_eq(set(&o, "seed", "7", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(set(&o, "verify", NULL, msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert_str_eq(msg, "--verify and --verify-only: give one (--verify writes first)");

	dgen_run_opts_init(&o);
	cr_assert_eq(set(&o, "dir", "/dev/shm/t", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert_str_eq(msg, "--dir needs --files N and --file-size SIZE");
	cr_assert_eq(set(&o, "files", "3", msg), 0);
	cr_assert_eq(set(&o, "file-size", "1000", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "is not a multiple of 4 KiB"), "%s", msg);
	cr_assert_eq(set(&o, "format", "npz", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(set(&o, "log", "x.log", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "follow --dev targets"), "%s", msg);
}

/* Objects: the store's options with them alone, io_uring's not at all. */
Test(opts, objects)
{
	static const char *const one[] = { "s3://b/k" };
	static const char *const two[] = { "s3://b/k", "/dev/shm/f" };
	struct dgen_run_opts o;
	char msg[512], ep[40][40];

	dgen_run_opts_init(&o);
	o.paths = two + 1;
	o.npaths = 1;
	cr_assert(!dgen_run_opts_objects(&o));
	cr_assert_eq(set(&o, "endpoint", "http://127.0.0.1:9000", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "--endpoint, --part-size and --retries go with objects"), "%s", msg);
	o.paths = one;
	cr_assert(dgen_run_opts_objects(&o));
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert_str_eq(msg, "--dev s3://b/k needs --size: the object's bytes");
	cr_assert_eq(set(&o, "size", "1M", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(o.objects.nendpoints, 1);
	/* The monitor's options follow endpoints; a file beside is refused. */
	cr_assert_eq(set(&o, "log", "x.log", msg), 0);
	cr_assert_eq(set(&o, "plot", "x.svg", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	o.paths = two;
	o.npaths = 2;
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "writes one object"), "%s", msg);
	o.npaths = 1;
	cr_assert_eq(set(&o, "bs", "64K", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "are io_uring's"), "%s", msg);
	dgen_run_opts_init(&o);
	cr_assert_eq(set(&o, "dir", "az://c/p", msg), 0);
	cr_assert_eq(set(&o, "files", "3", msg), 0);
	cr_assert_eq(set(&o, "file-size", "1000", msg), 0);
	/* No 4 KiB rule: objects take no O_DIRECT. */
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(set(&o, "trim", NULL, msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "objects are never deleted"), "%s", msg);
	/* The values: whole MiB from 5M, up to 100 retries, 32 endpoints. */
	dgen_run_opts_init(&o);
	cr_assert_eq(o.objects.retries, DGEN_OBJSTORE_RETRIES_DEFAULT);
	cr_assert_eq(set(&o, "part-size", "4M", msg), -EINVAL);
	cr_assert(strstr(msg, "whole MiB from 5M"), "%s", msg);
	cr_assert_eq(set(&o, "part-size", "8M", msg), 0);
	cr_assert_eq(o.objects.part_size, 8u << 20);
	cr_assert_eq(set(&o, "retries", "101", msg), -EINVAL);
	cr_assert_eq(set(&o, "retries", "0", msg), 0);
	cr_assert_eq(o.objects.retries, 0);
	for (unsigned int k = 0; k < DGEN_OBJSTORE_ENDPOINTS_MAX; k++) {
		snprintf(ep[k], sizeof(ep[k]), "http://127.0.0.1:%u", 9000 + k);
		cr_assert_eq(set(&o, "endpoint", ep[k], msg), 0);
	}
	cr_assert_eq(set(&o, "endpoint", "http://127.0.0.1:1", msg), -EINVAL);
	cr_assert(strstr(msg, "at most 32 endpoints"), "%s", msg);
	cr_assert_str_eq(o.objects.endpoints[31], ep[31]);
	o.paths = one;
	o.npaths = 1;
	o.size = 1 << 20;
	cr_assert_eq(set(&o, "part-size", "5.5M", msg), -EINVAL);
	o.objects.part_size = (11u << 19);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "give whole MiB"), "%s", msg);
}

/* A seed not given is drawn, and the run says so; a given one is kept. */
Test(opts, seed)
{
	struct dgen_run_opts o;
	char msg[512];

	dgen_run_opts_init(&o);
	cr_assert_eq(dgen_run_opts_seed(&o), 0);
	cr_assert(o.flags & DGEN_RUN_SEED_DRAWN);
	dgen_run_opts_init(&o);
	cr_assert_eq(set(&o, "seed", "42", msg), 0);
	cr_assert_eq(dgen_run_opts_seed(&o), 0);
	cr_assert_eq(o.params.seed, 42);
	cr_assert(!(o.flags & DGEN_RUN_SEED_DRAWN));
}

/* --engine: its words, auto by default, and what libaio cannot do. */
Test(opts, engine)
{
	static const char *const one[] = { "/dev/shm/x" };
	struct dgen_run_opts o;
	char msg[512];

	dgen_run_opts_init(&o);
	cr_assert_eq(o.writer.engine, DGEN_ENGINE_AUTO);
	cr_assert_eq(set(&o, "engine", "libaio", msg), 0);
	cr_assert_eq(o.writer.engine, DGEN_ENGINE_LIBAIO);
	cr_assert_eq(set(&o, "engine", "io_uring", msg), 0);
	cr_assert_eq(o.writer.engine, DGEN_ENGINE_IO_URING);
	cr_assert_eq(set(&o, "engine", "spdk", msg), -EINVAL);
	cr_assert_str_eq(msg, "--engine 'spdk': give auto, io_uring or libaio");
	o.paths = one;
	o.npaths = 1;
	cr_assert_eq(set(&o, "engine", "libaio", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(set(&o, "iopoll", NULL, msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "--iopoll needs io_uring"), "%s", msg);
	cr_assert_eq(set(&o, "sqpoll", NULL, msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "--sqpoll needs io_uring"), "%s", msg);
	cr_assert_str_eq(dgen_engine_name(DGEN_ENGINE_AUTO), "auto");
	cr_assert_null(dgen_engine_name((enum dgen_engine)7));
}

/* --cpus-policy: split by default, shared on asking; only where a plan is. */
Test(opts, cpus_policy)
{
	static const char *const one[] = { "/dev/shm/x" };
	struct dgen_run_opts o;
	char msg[512];

	dgen_run_opts_init(&o);
	cr_assert_eq(o.cpus_shared, 0);
	cr_assert_eq(set(&o, "cpus-policy", "shared", msg), 0, "%s", msg);
	cr_assert_eq(o.cpus_shared, 1);
	cr_assert(o.given & DGEN_GIVEN_CPUS_POLICY);
	cr_assert_eq(set(&o, "cpus-policy", "split", msg), 0, "%s", msg);
	cr_assert_eq(o.cpus_shared, 0);
	cr_assert_eq(set(&o, "cpus-policy", "node", msg), -EINVAL);
	cr_assert(strstr(msg, "--cpus-policy 'node': give split"), "%s", msg);
	o.paths = one;
	o.npaths = 1;
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	/* Named at all, even as the default, where nothing is placed. */
	cr_assert_eq(set(&o, "stdout", NULL, msg), 0, "%s", msg);
	o.paths = NULL;
	o.npaths = 0;
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "--cpus-policy and --dry-run plan --dev targets"),
		  "%s", msg);
}

/* Power-loss verify: --verify-crash alone, flushes with written targets. */
Test(opts, crash_rules)
{
	static const char *const paths[] = { "/dev/shm/a" };
	struct dgen_run_opts o;
	char msg[512];

	dgen_run_opts_init(&o);
	cr_assert_eq(set(&o, "verify-crash", "/var/tmp/j", msg), 0);
	cr_assert_eq(set(&o, "fail-on", "torn", msg), 0);
	cr_assert_eq(o.watch.fail_on, DGEN_FAIL_TORN);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	o.paths = paths;
	o.npaths = 1;
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(set(&o, "verify", NULL, msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "from the journal alone"), "%s", msg);

	dgen_run_opts_init(&o);
	o.paths = paths;
	o.npaths = 1;
	cr_assert_eq(set(&o, "journal", "/var/tmp/j", msg), 0);
	cr_assert_eq(set(&o, "flush-every", "4M", msg), 0);
	cr_assert_eq(set(&o, "fua", NULL, msg), 0);
	cr_assert_eq(o.flush_every, 4u << 20);
	cr_assert_eq(o.fua, 1);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(set(&o, "fail-on", "torn", msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "goes with --verify-crash"), "%s", msg);
	cr_assert_eq(set(&o, "fail-on", "none", msg), 0);
	cr_assert_eq(set(&o, "seed", "1", msg), 0);
	cr_assert_eq(set(&o, "verify-only", NULL, msg), 0);
	cr_assert_eq(dgen_run_opts_check(&o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "write nothing"), "%s", msg);
}

/*
 * Durations, sizes and rates at the edge of what the clock (int64 ns) and
 * a uint64 byte count hold: the last value in is taken, the first out is
 * refused, never wrapped into a short or empty run.
 */
Test(opts, overflow_bounds)
{
	static const char *const refused[][2] = {
		{ "time", "1000000d" },
		{ "time", "4611686019" },
		{ "time", "53376d" },
		{ "time", "1e300" },
		{ "time", "1e-10" },
		{ "time", " 5" },
		{ "time", "-5" },
		{ "time", "inf" },
		{ "time", "0x10" },
		{ "status-interval", "1e19" },
		{ "size", "16384P" },
		{ "size", "18446744073709551616" },
		{ "offset", "17179869184G" },
		{ "rate", "16384P/s" },
		{ "rate", "18446744073709551616" },
		{ "io-timeout", "86400.001" },
		{ "io-timeout", "1e400" },
		{ "log-interval", "1e19" },
		{ "bs", "4294967296" },
		{ "qd", "18446744073709551616" },
		{ "seed", "18446744073709551616" },
		{ "dedup", "1e999" },
	};
	struct dgen_run_opts o;
	char msg[512];
	uint64_t x;
	double d;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		dgen_run_opts_init(&o);
		cr_expect_eq(set(&o, refused[i][0], refused[i][1], msg), -EINVAL,
			     "--%s %s was taken", refused[i][0], refused[i][1]);
		cr_expect(strstr(msg, refused[i][0]), "--%s %s: %s",
			  refused[i][0], refused[i][1], msg);
	}
	dgen_run_opts_init(&o);
	cr_assert_eq(set(&o, "time", "1000000d", msg), -EINVAL);
	cr_assert_str_eq(msg, "--time '1000000d' is out of range: from 1 ns to 4611686018 s (about 146 years; the clock counts int64 nanoseconds)");
	/* The largest that fit. */
	cr_assert_eq(dgen_parse_duration("4611686018", &d), 0);
	cr_assert_float_eq(d, DGEN_DURATION_MAX_S, 1e-3);
	cr_assert_eq(dgen_parse_duration("53375d", &d), 0);
	cr_assert_eq(dgen_parse_duration("1e-9", &d), 0);
	cr_assert_eq(dgen_parse_duration("4611686019", &d), -ERANGE);
	cr_assert_eq(dgen_parse_duration("1e-10", &d), -ERANGE);
	cr_assert_eq(dgen_parse_duration("-1", &d), -EINVAL);
	cr_assert_eq(dgen_parse_size("18446744073709551615", &x), 0);
	cr_assert_eq(x, UINT64_MAX);
	cr_assert_eq(dgen_parse_size("16383P", &x), 0);
	cr_assert_eq(x, 16383ull << 50);
	cr_assert_eq(dgen_parse_size("16384P", &x), -ERANGE);
	cr_assert_eq(dgen_parse_size("17179869183G", &x), 0);
	cr_assert_eq(dgen_parse_size("17179869184G", &x), -ERANGE);
	cr_assert_eq(dgen_parse_rate("16383P/s", &x), 0);
	cr_assert_eq(dgen_parse_rate("16384P/s", &x), -EINVAL);
	dgen_run_opts_init(&o);
	cr_assert_eq(set(&o, "time", "53375d", msg), 0, "%s", msg);
	cr_assert_eq(set(&o, "io-timeout", "86400", msg), 0, "%s", msg);
	cr_assert_eq(set(&o, "rate", "18446744073709551615", msg), 0, "%s", msg);
	cr_assert_eq(o.rate, UINT64_MAX);
}
