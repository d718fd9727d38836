// SPDX-License-Identifier: MIT
/*
 * dgen-inspect.c - report what a storage system would see in a file, a
 * block device or stdin: dedup ratios from 512 B to 1 MiB, lz4 and zstd
 * ratios per 4 KiB and 64 KiB, all-zero and same-filled sectors
 *
 * The reading, the worker pool and the merge are dgen_inspect_read()
 * (src/inspect_read.c); this file parses options, draws the progress
 * line, words the notes and errors, and prints the report.
 *
 * DGEN_INSPECT_READ=fixed|plain|pread in the environment forces a way of
 * reading (registered buffers, plain io_uring reads, pread(2)), so the
 * tests can check that the fallbacks read the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/dgen.h>
#include <dgen/inspect.h>
#include <dgen/profile.h>
#include <dgen/stream.h>

#include "signals.h"
#include "util.h"


const char *tool_name = "dgen-inspect";

#define BLOCK		DGEN_INSPECT_ALIGN	/* bytes per read */
#define THREADS_MAX	DGEN_INSPECT_READ_THREADS_MAX
#define SAMPLE_MAX	DGEN_INSPECT_SAMPLE_MAX

static const char *arg_path = "-";
static int arg_json;
static int arg_profile;
static unsigned int arg_threads;
static uint64_t arg_size = UINT64_MAX;
static uint64_t arg_offset;
static uint32_t arg_sample;		/* 0: chosen to fit memory */

static const char *const read_mode_name[] = {
	[DGEN_INSPECT_READ_FIXED] = "io_uring READ_FIXED",
	[DGEN_INSPECT_READ_PLAIN] = "io_uring READ",
	[DGEN_INSPECT_READ_PREAD] = "pread",
	[DGEN_INSPECT_READ_STREAM] = "read",
};

__attribute__((format(printf, 1, 2)))
static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("dgen-inspect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dgen-inspect [OPTION...] [PATH]\n"
"\n"
"Report what a storage system would see in PATH (a file, a block device,\n"
"or '-' / nothing for stdin): the dedup ratio of aligned chunks of every\n"
"power of two from 512 B to 1 MiB, the lz4 and zstd (level %d) ratios of\n"
"each 4 KiB and 64 KiB piece compressed alone, and the all-zero and\n"
"same-filled 512-byte sectors.\n"
"\n"
"  -s, --size SIZE     inspect only the first SIZE bytes (default: to the end)\n"
"  -o, --offset SIZE   start at byte SIZE of PATH (default 0); chunks are\n"
"                      aligned to this start\n"
"  -t, --threads N     reader threads, one io_uring each (default: online\n"
"                      CPUs; stdin always uses one)\n"
"      --sample N      count dedup on 1 in N contents (by hash; N a power of\n"
"                      two), for 1/N of the memory (default: 1, or what a\n"
"                      file or device too large for half the RAM needs)\n"
"  -j, --json          print the report as one JSON object\n"
"      --profile       print instead PATH's profile (a file, device or tree;\n"
"                      statistics only, never bytes; doc/profile.md), which\n"
"                      dgen-uring --like mimics\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Files and devices are read in %u MiB blocks with O_DIRECT (page cache when\n"
"the filesystem refuses it), %u reads in flight per thread.\n"
"Memory grows with the distinct data: 10 to 20%% of the bytes read when\n"
"nothing repeats, up to twice that while the threads' counts are merged.\n"
"SIZE takes K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024).\n"
"Exit status: 0 done, 2 bad usage or PATH cannot be opened, 3 a read\n"
"failed, 1 out of memory.\n",
		DGEN_INSPECT_ZSTD_LEVEL_DEFAULT, BLOCK >> 20,
		DGEN_INSPECT_READ_QD);
}

/* ===== Arguments ===== */

static uint64_t opt_size(const char *name, const char *v)
{
	uint64_t x;

	if (dgen_parse_size(v, &x))
		die_usage("--%s '%s' is not a size: give a whole number of bytes, optionally with K, M, G or T (e.g. 4K, 1GiB)",
		    name, v);
	return x;
}

enum { OPT_SAMPLE = 256, OPT_PROFILE };

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "offset", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 't' },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "json", no_argument, NULL, 'j' },
		{ "profile", no_argument, NULL, OPT_PROFILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t x;
	int c;

	arg_threads = cpus > 0 ? (unsigned int)cpus : 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:o:t:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			arg_size = opt_size("size", optarg);
			break;
		case 'o':
			arg_offset = opt_size("offset", optarg);
			break;
		case 't':
			if (dgen_parse_u64(optarg, &x) || x < 1 || x > THREADS_MAX)
				die_usage("--threads '%s': give a whole number from 1 to %u",
				    optarg, THREADS_MAX);
			arg_threads = (unsigned int)x;
			break;
		case OPT_PROFILE:
			arg_profile = 1;
			break;
		case OPT_SAMPLE:
			if (dgen_parse_u64(optarg, &x) || x < 1 || x > SAMPLE_MAX ||
			    (x & (x - 1)))
				die_usage("--sample '%s': give a power of two from 1 to %u",
					  optarg, SAMPLE_MAX);
			arg_sample = (uint32_t)x;
			break;
		case 'j':
			arg_json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("dgen-inspect %s\n", DGEN_VERSION_STRING);
			exit(0);
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
		default:
			die_usage("unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		arg_path = argv[optind++];
	if (optind < argc)
		die_usage("one PATH at a time: '%s' is one too many",
		    argv[optind]);
}

/* ===== Reading ===== */

/* The way of reading DGEN_INSPECT_READ asks for; the best the kernel
 * allows when unset. */
static enum dgen_inspect_read_how read_mode_forced(void)
{
	const char *e = getenv("DGEN_INSPECT_READ");

	if (!e || !*e || !strcmp(e, "fixed"))
		return DGEN_INSPECT_READ_FIXED;
	if (!strcmp(e, "plain"))
		return DGEN_INSPECT_READ_PLAIN;
	if (!strcmp(e, "pread"))
		return DGEN_INSPECT_READ_PREAD;
	die_usage("DGEN_INSPECT_READ='%s': give fixed, plain or pread", e);
}

/* ===== Report ===== */

static const char *human_size(uint64_t x, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB" };
	double v = (double)x;
	int i = 0;

	while (v >= 1024.0 && i < 5)
		v /= 1024.0, i++;
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", x);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, unit[i]);
	else
		snprintf(buf, len, "%.2f %s", v, unit[i]);
	return buf;
}

static void json_ratio(double r)
{
	if (r > 0)
		printf("%.6f", r);
	else
		fputs("null", stdout);
}

static void report_json(const char *path,
			const struct dgen_inspect_read_report *rep)
{
	const struct dgen_inspect_result *res = &rep->result;
	double secs = rep->seconds;
	int u, c, p;

	fputs("{\"path\": ", stdout);
	dgen_json_string(stdout, path);
	printf(", \"kind\": \"%s\", \"direct\": %s, \"reads\": \"%s\", \"threads\": %u, \"offset\": %" PRIu64 ", \"stream_format_version\": %d,\n",
	       rep->kind, rep->direct ? "true" : "false",
	       read_mode_name[rep->how], rep->threads, rep->start,
	       DGEN_STREAM_FORMAT_VERSION);
	fputs(" \"dedup\": [", stdout);
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		const struct dgen_inspect_dedup *d = &res->dedup[u];

		printf("%s\n  {\"unit\": %u, \"chunks\": %" PRIu64 ", \"distinct\": %" PRIu64 ", \"ratio\": ",
		       u ? "," : "", d->unit, d->chunks, d->distinct);
		json_ratio(d->ratio);
		putchar('}');
	}
	fputs("],\n \"compress\": {", stdout);
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
			const struct dgen_inspect_compress *x =
				&res->compress[c][p];

			printf("%s\"%s_%uk\": ", c || p ? ", " : "", x->codec,
			       x->piece / 1024);
			json_ratio(x->ratio);
		}
	printf("},\n \"sectors\": %" PRIu64 ", \"zero_sectors\": %" PRIu64 ", \"same_sectors\": %" PRIu64 ", \"dedup_sample\": %u,\n",
	       res->sectors, res->zero_sectors, res->same_sectors,
	       res->dedup_sample);
	printf(" \"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"gb_per_s\": %.3f, \"interrupted\": %s}\n",
	       res->bytes, secs, secs > 0 ? (double)res->bytes / secs / 1e9 : 0,
	       rep->stopped ? "true" : "false");
}

static void report_human(const char *path,
			 const struct dgen_inspect_read_report *rep)
{
	const struct dgen_inspect_result *res = &rep->result;
	unsigned int threads = rep->threads;
	double secs = rep->seconds;
	char a[32], b[32];
	int u, c;

	printf("%s: %s, %s%s, %u thread%s\n\n",
	       path, rep->kind, rep->direct ? "O_DIRECT, " : "",
	       read_mode_name[rep->how], threads, threads > 1 ? "s" : "");
	if (res->dedup_sample > 1)
		printf("dedup (aligned chunks, total / distinct; 1 in %u contents sampled)\n",
		       res->dedup_sample);
	else
		printf("dedup (aligned chunks, total / distinct)\n");
	printf("  %9s %14s %14s %9s\n", "unit", "chunks", "distinct", "ratio");
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		const struct dgen_inspect_dedup *d = &res->dedup[u];

		printf("  %9s %14" PRIu64 " %14" PRIu64, human_size(d->unit, a, sizeof(a)),
		       d->chunks, d->distinct);
		if (d->ratio > 0)
			printf(" %9.3f\n", d->ratio);
		else
			printf(" %9s\n", "-");
	}
	printf("\ncompression (bytes in / bytes stored, each piece alone)\n");
	printf("  %9s %9s %9s\n", "", "4 KiB", "64 KiB");
	for (c = 0; c < DGEN_INSPECT_CODECS; c++) {
		printf("  %9s", res->compress[c][0].codec);
		for (u = 0; u < DGEN_INSPECT_PIECES; u++) {
			double r = res->compress[c][u].ratio;

			if (r > 0)
				printf(" %9.3f", r);
			else
				printf(" %9s", "-");
		}
		putchar('\n');
	}
	printf("\nsectors (512 B): %" PRIu64 ", all-zero %" PRIu64 ", same-filled %" PRIu64 "\n",
	       res->sectors, res->zero_sectors, res->same_sectors);
	printf("read %s (%" PRIu64 " bytes) in %.3f s, %.3f GB/s%s\n",
	       human_size(res->bytes, b, sizeof(b)), res->bytes, secs,
	       secs > 0 ? (double)res->bytes / secs / 1e9 : 0.0,
	       rep->stopped ? " (interrupted: what was read so far)" : "");
}

/* ===== Progress ===== */

/* One progress line a second on stderr when it is a terminal (a whole
 * device takes a while); main clears it at the end. */
static void progress(void *arg, uint64_t bytes, uint64_t len, double secs)
{
	double done = (double)bytes, total = (double)len;
	double eta = done > 0 ? secs * (total - done) / done : 0;

	*(int *)arg = 1;
	fprintf(stderr, "\r%8.2f / %.2f GB  %6.2f GB/s  ETA %u:%02u \033[K",
		done / 1e9, total / 1e9, done / secs / 1e9,
		(unsigned int)eta / 60, (unsigned int)eta % 60);
}

/* ===== Errors ===== */

/* The notes the run gives before its report, as they happened. */
static void say_notes(const struct dgen_inspect_read_report *rep)
{
	if (rep->direct_open_refused)
		note("'%s' cannot be opened with O_DIRECT (%s); reading through the page cache",
		     arg_path, strerror(EINVAL));
	if (rep->direct_read_refused)
		note("'%s' refuses O_DIRECT reads (%s); reading through the page cache",
		     arg_path, strerror(EINVAL));
	if (rep->sample_chosen)
		note("counting dedup on 1 in %u contents (by hash) to fit in memory; --sample 1 counts every chunk",
		     rep->dedup_sample);
}

/* Word the failure and return the exit status it calls for. */
static int say_failure(const struct dgen_inspect_read_report *rep)
{
	const char *path = arg_path;
	const char *why = strerror(-rep->err);

	switch (rep->fail) {
	case DGEN_INSPECT_READ_DONE:
		return 0;
	case DGEN_INSPECT_READ_EOPEN:
		if (rep->err == -EISDIR)
			note("'%s' is a directory: give a file, a block device or - for stdin",
			     path);
		else
			note("cannot open '%s': %s", path, why);
		return DGEN_EXIT_USAGE;
	case DGEN_INSPECT_READ_ESIZE:
		note("cannot get the size of '%s': %s", path, why);
		return DGEN_EXIT_USAGE;
	case DGEN_INSPECT_READ_ERANGE:
		note("--offset %" PRIu64 " is beyond the end of '%s' (%" PRIu64 " bytes)",
		     rep->start, path, rep->total);
		return DGEN_EXIT_USAGE;
	case DGEN_INSPECT_READ_EREAD:
		if (rep->err == -ENODATA)
			note("'%s' ended at offset %" PRIu64 ", before the %" PRIu64 " bytes it had at the start",
			     path, rep->err_off, rep->start + rep->len);
		else
			note("read error on '%s' at offset %" PRIu64 ": %s",
			     path, rep->err_off, why);
		return DGEN_EXIT_IO;
	case DGEN_INSPECT_READ_EOPTS:
	case DGEN_INSPECT_READ_ESETUP:
		break;
	}
	if (rep->err == -ENOMEM)
		note("out of memory");
	else
		note("cannot set up: %s", why);
	return DGEN_EXIT_FAILED;
}

/* ===== Main ===== */

static int profile(const char *path)
{
	struct dgen_profile p;
	char msg[512];
	int err = dgen_profile_measure(&p, path, msg, sizeof(msg));

	if (err) {
		note("%s", msg);
		return err == -ENOMEM ? 1 : 2;
	}
	return dgen_profile_write(&p, stdout) ? 3 : 0;
}

int main(int argc, char **argv)
{
	struct dgen_inspect_read_opts o;
	struct dgen_inspect_read_report rep;
	int drawn = 0, status;

	/* SIGINT or SIGTERM ends the reading, not the process: what was
	 * read so far is reported (exit 130). Installed without
	 * SA_RESTART, so a read or a FIFO's open that waits returns. */
	signals_install();
	out_guard();
	parse_args(argc, argv);
	if (arg_profile)
		return profile(arg_path);
	dgen_inspect_read_opts_init(&o);
	o.path = arg_path;
	o.offset = arg_offset;
	o.size = arg_size;
	o.threads = arg_threads;
	o.dedup_sample = arg_sample;
	o.how = read_mode_forced();
	o.stop = &tool_stop;
	if (isatty(STDERR_FILENO) && !arg_json) {
		o.progress = progress;
		o.progress_arg = &drawn;
	}
	dgen_inspect_read(&o, &rep);
	if (drawn)
		fputs("\r\033[K", stderr);
	say_notes(&rep);
	status = say_failure(&rep);
	if (status)
		return status;
	signals_report();
	if (arg_json)
		report_json(arg_path, &rep);
	else
		report_human(arg_path, &rep);
	if (out_check(stdout, 0, "the report to standard output"))
		return DGEN_EXIT_IO;
	return signals_exit(rep.stopped ? DGEN_EXIT_INTERRUPTED : 0);
}
