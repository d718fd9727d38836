// SPDX-License-Identifier: MIT
/*
 * dgen-uring.c - write data streams to block devices and files at full speed
 *
 * Validates every target before writing anything, runs the writer, shows a
 * progress line on a terminal and prints a report (human or JSON) that
 * holds every stream parameter, so the data can be regenerated and
 * verified later from the report alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include <dgen/dgen.h>

#include "fleet.h"
#include "jobs.h"
#include "burnin.h"
#include "drive.h"
#include "health.h"
#include "trim.h"
#include "parse.h"
#include "signals.h"
#include "util.h"

#define MAX_TARGETS	256
#define PROGRESS_NS	1000000000ull	/* one progress line a second */
#define POLL_NS		10000000ull	/* how often the main thread looks */

/* Everything the command line says: parse_args fills it, then it is read. */
struct opts {
	const char *dev[MAX_TARGETS];
	unsigned int ndev;
	uint64_t size, offset, seed, stream;
	int seed_set, force, json;
	struct dgen_stream_params params;	/* seed set, size 1 */
	struct dgen_writer_opts writer;	/* threads, io_size, queue_depth: 0
					   unless given (the plan says) */
	struct job job;			/* --dir, --stdout: tools/jobs.h */
	struct burnin_opts burnin;
	struct drive_opts drive;	/* --log, --io-timeout, --plot: drive.h */
	int trim;			/* 1 --trim: discard before the first
					   pass; 2 --trim-only: and stop */
	const char *cpus;		/* --cpus */
	int dry_run;
	int shared, stonewall;		/* under MPI: tools/fleet.h */
};

/* The machine and the plan the device runs follow. */
static struct dgen_topology *the_topo;
static struct dgen_plan *the_plan;

const char *tool_name = "dgen-uring";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dgen-uring --dev PATH [--dev PATH ...] [OPTION...]\n"
"\n"
"Write a reproducible data stream with exact dedup and compression ratios\n"
"to block devices or files, O_DIRECT through io_uring.\n"
"\n"
"Targets:\n"
"  -d, --dev PATH          a block device, a regular file (created or extended),\n"
"                          an NVMe generic device /dev/ngXnY (passthrough)\n"
"                          or 'null' (all the work, no device I/O); repeat it\n"
"                          for several targets, target k gets stream id + k\n"
"  -s, --size SIZE         bytes to write per target (default: to the end of\n"
"                          the device or existing file)\n"
"  -o, --offset SIZE       first byte written on each target (default 0)\n"
"  -f, --force             write to a device that carries a filesystem or\n"
"                          partition table signature\n"
"\n"
"I/O:\n"
"  -b, --bs SIZE           bytes per write (default: from the device's limits,\n"
"                          %u unless they say otherwise)\n"
"  -q, --qd N              writes in flight per thread (default: the thread's\n"
"                          cache share / bs, within the device's limits)\n"
"  -t, --threads N         worker threads, one ring each (default: one per\n"
"                          physical core of the targets' NUMA nodes)\n"
"  -c, --cpus LIST         run the threads on these CPUs (e.g. 0-3,8), one each\n"
"  -n, --dry-run           print the plan (threads, CPUs, nodes, buffers) and\n"
"                          write nothing\n"
"  -p, --pattern seq|rand  write order within each thread (default seq)\n"
"      --sqpoll            let a kernel thread poll the submission queue\n"
"      --trim              discard each target's range before the first write\n"
"                          (BLKDISCARD; hole punching on files)\n"
"      --trim-only         discard each target's range and write nothing\n"
"      --iopoll            poll for completions (needs polled device queues;\n"
"                          each write fits one request of the device)\n"
"\n"
"File trees and stdout:\n"
"      --dir DIR           write a tree of files under DIR instead of --dev;\n"
"                          file i is DIR/d<i/fanout>/f<i> with stream id + i\n"
"      --files N           files in the tree\n"
"      --file-size SIZE    payload bytes per file (raw: a multiple of 4 KiB)\n"
"      --fanout N          files per directory (default %u)\n"
"      --format F          raw, npz, tfrecord or hdf5 if built (default raw);\n"
"                          the payload of each array or record is the\n"
"                          file's stream bytes\n"
"      --record-size SIZE  tfrecord: payload bytes per record (default %u)\n"
"      --stdout, --dev -   write one stream of --size bytes to stdout\n"
"                          (the report goes to stderr); a reader closing\n"
"                          the pipe ends the run with status 0\n"
"      --no-splice         stdout: write(2), not vmsplice(2), to a pipe\n"
"\n"
"Fleets (started by an MPI launcher, mpirun or srun, in a build with MPI):\n"
"                          each rank writes its --dev targets or --dir tree,\n"
"                          %%r (rank), %%h (short host name) and %%%%\n"
"                          expanded in their paths; rank r's target k gets\n"
"                          stream id --stream + r x targets + k (file i of\n"
"                          its tree: + r x files + i); rank 0 prints one\n"
"                          report; --rate is the whole fleet's; each rank\n"
"                          plans on its share of its host's cores (the\n"
"                          launcher's binding, else the cores divided among\n"
"                          the host's ranks); --cpus is for plain runs\n"
"      --shared            all ranks write disjoint slices of one stream of\n"
"                          --size bytes to the same targets: the bytes one\n"
"                          process would write\n"
"      --stonewall         stop every rank when the first finishes\n"
"\n"
"Data (all printed in the report, enough to verify the data later):\n"
"  -S, --seed N            stream seed (default: drawn at random)\n"
"      --stream N          stream id of the first target (default 0)\n"
"      --dedup RATIO       total blocks / distinct blocks (default 1)\n"
"      --dedup-unit SIZE   dedup block size, 512 to 1M (default %u)\n"
"      --dedup-window SIZE the dedup ratio holds on every aligned window of\n"
"                          SIZE bytes (default max(64M, 64 x dedup M))\n"
"      --compress RATIO    compression ratio, 1 to 20 (default 1)\n"
"\n"
"Verify and burn-in, of --dev targets or a --dir tree (SIZE/s and durations\n"
"as below):\n"
"      --verify            write, then read everything back and compare\n"
"      --verify-only       only read back and compare data written earlier\n"
"                          with the same data options and --seed\n"
"      --pass P            with --verify-only: the pass that wrote it (default 1)\n"
"      --passes N          repeat N passes, pass p seeded from (seed, p)\n"
"      --time DURATION     repeat passes until then (s, m, h or d suffix)\n"
"      --rate SIZE[/s]     cap the bytes per second of all threads together\n"
"      --status-interval SECONDS  a status line on stderr per interval\n"
"      --max-report N      mismatches of the run listed in detail (default 20)\n"
"\n"
"Per target, of --dev targets (figures and a verdict per target in every\n"
"report: ok, slow, cliff or hung):\n"
"      --log FILE          JSON lines, one per target per interval, flushed\n"
"                          as each interval ends\n"
"      --log-interval SECONDS  the interval (default 1; fractions allowed)\n"
"      --io-timeout SECONDS  an I/O outstanding longer is a hang: report it,\n"
"                          stop and exit 3 (default %g; 0: never)\n"
"      --fail-on LIST      slow, cliff or slow,cliff: exit 5 when a target\n"
"                          gets that verdict (default: report only)\n"
"      --steady-state[=SPEC]  with --time: stop once throughput is steady\n"
"                          (SNIA PTS: window=5,range=20%%,slope=10%%)\n"
"      --plot FILE.svg     draw GB/s and p99 latency per target over time\n"
"      --plot-from LOG     with --plot: draw a saved --log instead of a run\n"
"\n"
"Output:\n"
"  -j, --json              print the report as JSON\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n"
"\n"
"SIZE takes K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024).\n"
"Exit status: 0 done, 1 verify found a mismatch, 2 bad usage or a refused\n"
"target, 3 an I/O error or a hang, 4 an NVMe target's drive is unhealthy\n"
"after the run (critical warning, new media or error-log entries, spare\n"
"below its threshold, temperature over its warning threshold; wins over 1,\n"
"3, 130), 5 a verdict --fail-on names, 130 interrupted (the report says how\n"
"much was written).\n",
		DGEN_POOL_IO_SIZE_DEFAULT,
		DGEN_TREE_FANOUT_DEFAULT, DGEN_RECORD_SIZE_DEFAULT,
		DGEN_DEDUP_UNIT_DEFAULT, DGEN_IO_TIMEOUT_DEFAULT);
}

static uint64_t opt_size(const char *name, const char *v)
{
	uint64_t x;
	int r = parse_size(v, &x);

	if (r == -ERANGE)
		die_usage("--%s '%s' is too large: at most 2^64 - 1 bytes", name, v);
	if (r)
		die_usage("--%s '%s' is not a size: give a whole number of bytes, optionally with K, M, G or T (e.g. 4K, 1GiB)",
			  name, v);
	return x;
}

static uint32_t opt_u32(const char *name, const char *v, uint64_t min,
			uint64_t max, int size)
{
	uint64_t x;

	if (size)
		x = opt_size(name, v);
	else if (parse_u64(v, &x))
		die_usage("--%s '%s' is not a whole number", name, v);
	if (x < min || x > max)
		die_usage("--%s %s is out of range: %llu to %llu", name, v,
			  (unsigned long long)min, (unsigned long long)max);
	return (uint32_t)x;
}

static double opt_ratio(const char *name, const char *v)
{
	double x;

	if (parse_ratio(v, &x) || x < 1.0)
		die_usage("--%s '%s' is not a ratio: give a number of at least 1",
			  name, v);
	return x;
}

/* @path with links and dots resolved, also for a file not yet made. */
static char *canonical(const char *path)
{
	char *dup, *dir, *real, *out = realpath(path, NULL);
	const char *base;

	if (out || errno != ENOENT)
		return out;
	dup = strdup(path);
	if (!dup)
		return NULL;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	dir = dirname(dup);
	real = realpath(dir, NULL);
	if (real && asprintf(&out, "%s/%s", real, base) < 0)
		out = NULL;
	free(real);
	free(dup);
	return out;
}

/* Two streams written to one file would leave neither: refuse repeats. */
static void check_distinct(const struct opts *o)
{
	char *real[MAX_TARGETS];

	for (unsigned int k = 0; k < o->ndev; k++)
		real[k] = canonical(o->dev[k]);
	for (unsigned int k = 0; k < o->ndev; k++) {
		if (!strcmp(o->dev[k], DGEN_TARGET_NULL_PATH))
			continue;
		for (unsigned int j = 0; j < k; j++)
			if (real[j] && real[k] ? !strcmp(real[j], real[k]) :
			    !strcmp(o->dev[j], o->dev[k]))
				die_usage("--dev %s and --dev %s are the same target: give each once",
					  o->dev[j], o->dev[k]);
	}
	for (unsigned int k = 0; k < o->ndev; k++)
		free(real[k]);
}

/* Verify options that make no sense together or alone. */
static void check_burnin(const struct opts *o)
{
	const struct burnin_opts *b = &o->burnin;

	if (b->verify && b->verify_only)
		die_usage("--verify and --verify-only: give one (--verify writes first)");
	if (b->verify_only && !o->seed_set)
		die_usage("--verify-only needs --seed: the seed the run to check printed");
	if (b->verify_only && (b->passes || b->time_s > 0))
		die_usage("--verify-only checks one pass: give --pass P, not --passes or --time");
	if (b->pass != 1 && !b->verify_only)
		die_usage("--pass is for --verify-only: a run numbers its own passes from 1");
	/* Before the plan is made: a given --bs is the user's to fix. */
	if ((b->verify || b->verify_only) && o->writer.io_size &&
	    o->writer.io_size % o->params.dedup_unit)
		die_usage("--bs %u is not a multiple of the dedup unit %u: verify reads whole blocks",
			  o->writer.io_size, o->params.dedup_unit);
}

/* --log, --steady-state, --plot and the rest: what goes with what. */
static void check_drive(const struct opts *o)
{
	const struct drive_opts *d = &o->drive;

	if (d->plot_from) {
		if (!d->plot)
			die_usage("--plot-from LOG needs --plot FILE.svg: where to draw it");
		if (o->ndev || o->job.dir || o->job.to_stdout || o->burnin.set)
			die_usage("--plot-from draws a saved log: give no targets or run options with it");
		return;
	}
	if (d->set && (o->job.dir || o->job.to_stdout) &&
	    (d->log || d->plot || d->steady))
		die_usage("--log, --plot and --steady-state follow --dev targets; trees and stdout have no per-target view");
	if (d->steady && !(o->burnin.time_s > 0))
		die_usage("--steady-state stops a timed run early: give --time DURATION too");
}

enum {
	OPT_STREAM = 256, OPT_DEDUP, OPT_DEDUP_UNIT, OPT_COMPRESS,
	OPT_COMPRESS_CHUNK, OPT_DEDUP_WINDOW, OPT_SQPOLL, OPT_IOPOLL, OPT_TRIM,
	OPT_TRIM_ONLY,
	OPT_DIR, OPT_FILES, OPT_FILE_SIZE, OPT_FANOUT, OPT_FORMAT,
	OPT_RECORD_SIZE, OPT_STDOUT, OPT_NO_SPLICE, OPT_SHARED, OPT_STONEWALL,
	OPT_BURNIN = 512,		/* + enum burnin_opt_id */
	OPT_DRIVE = 768,		/* + enum drive_opt_id */
};

/*
 * Trees and stdout build their own writers without a placement plan: they
 * keep the unplaced defaults (every online CPU, 1 MiB writes, depth 32) for
 * what the user did not set.
 */
static struct dgen_writer_opts writer_unplaced(const struct opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct dgen_writer_opts w = o->writer;

	if (!w.threads)
		w.threads = cpus > 0 ? (uint32_t)cpus : 1;
	if (!w.io_size)
		w.io_size = DGEN_IO_SIZE_DEFAULT;
	if (!w.queue_depth)
		w.queue_depth = DGEN_QUEUE_DEPTH_DEFAULT;
	return w;
}

/* --dir and --stdout (or --dev -) against the other targets. */
static void jobs_check(struct opts *o)
{
	if (o->ndev == 1 && !strcmp(o->dev[0], "-")) {
		o->job.to_stdout = 1;
		o->ndev = 0;
	}
	if (o->job.to_stdout && (o->ndev || o->job.dir))
		die_usage("--stdout writes one stream: give no --dev or --dir with it");
	if (o->job.dir && o->ndev)
		die_usage("--dir writes a tree: give no --dev with it");
	if (o->job.dir && (!o->job.files || !o->job.file_size))
		die_usage("--dir needs --files N and --file-size SIZE");
	if (!o->job.dir && (o->job.files || o->job.file_size))
		die_usage("--files and --file-size go with --dir DIR");
	if (o->job.dir && o->size)
		die_usage("--size is per target; a tree takes --file-size");
	if ((o->job.dir || o->job.to_stdout) && o->offset)
		die_usage("--offset is for --dev targets: trees and stdout start at 0");
	if (o->job.dir && o->job.format == DGEN_FORMAT_RAW &&
	    o->job.file_size % 4096)
		die_usage("--file-size %llu is not a multiple of 4 KiB, which raw files need for O_DIRECT",
			  (unsigned long long)o->job.file_size);
	if (!o->job.fanout)
		o->job.fanout = DGEN_TREE_FANOUT_DEFAULT;
	if (!o->job.record_size)
		o->job.record_size = DGEN_RECORD_SIZE_DEFAULT;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "offset", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "bs", required_argument, NULL, 'b' },
		{ "qd", required_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 't' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "sqpoll", no_argument, NULL, OPT_SQPOLL },
		{ "iopoll", no_argument, NULL, OPT_IOPOLL },
		{ "seed", required_argument, NULL, 'S' },
		{ "stream", required_argument, NULL, OPT_STREAM },
		{ "dedup", required_argument, NULL, OPT_DEDUP },
		{ "dedup-unit", required_argument, NULL, OPT_DEDUP_UNIT },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "compress-chunk", required_argument, NULL, OPT_COMPRESS_CHUNK },
		{ "trim", no_argument, NULL, OPT_TRIM },
		{ "trim-only", no_argument, NULL, OPT_TRIM_ONLY },
		{ "dedup-window", required_argument, NULL, OPT_DEDUP_WINDOW },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "files", required_argument, NULL, OPT_FILES },
		{ "file-size", required_argument, NULL, OPT_FILE_SIZE },
		{ "fanout", required_argument, NULL, OPT_FANOUT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "record-size", required_argument, NULL, OPT_RECORD_SIZE },
		{ "stdout", no_argument, NULL, OPT_STDOUT },
		{ "no-splice", no_argument, NULL, OPT_NO_SPLICE },
		{ "shared", no_argument, NULL, OPT_SHARED },
		{ "stonewall", no_argument, NULL, OPT_STONEWALL },
		{ "verify", no_argument, NULL, OPT_BURNIN + BURNIN_VERIFY },
		{ "verify-only", no_argument, NULL, OPT_BURNIN + BURNIN_VERIFY_ONLY },
		{ "pass", required_argument, NULL, OPT_BURNIN + BURNIN_PASS },
		{ "passes", required_argument, NULL, OPT_BURNIN + BURNIN_PASSES },
		{ "time", required_argument, NULL, OPT_BURNIN + BURNIN_TIME },
		{ "rate", required_argument, NULL, OPT_BURNIN + BURNIN_RATE },
		{ "status-interval", required_argument, NULL, OPT_BURNIN + BURNIN_STATUS_INTERVAL },
		{ "max-report", required_argument, NULL, OPT_BURNIN + BURNIN_MAX_REPORT },
		{ "log", required_argument, NULL, OPT_DRIVE + DRIVE_LOG },
		{ "log-interval", required_argument, NULL, OPT_DRIVE + DRIVE_LOG_INTERVAL },
		{ "io-timeout", required_argument, NULL, OPT_DRIVE + DRIVE_IO_TIMEOUT },
		{ "fail-on", required_argument, NULL, OPT_DRIVE + DRIVE_FAIL_ON },
		{ "steady-state", optional_argument, NULL, OPT_DRIVE + DRIVE_STEADY },
		{ "plot", required_argument, NULL, OPT_DRIVE + DRIVE_PLOT },
		{ "plot-from", required_argument, NULL, OPT_DRIVE + DRIVE_PLOT_FROM },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0 }
	};
	char msg[256];
	int c;

	memset(o, 0, sizeof(*o));
	dgen_stream_params_init(&o->params);
	dgen_writer_opts_init(&o->writer);
	burnin_opts_init(&o->burnin);
	drive_opts_init(&o->drive);
	/* 0: the plan derives them (place_plan); see opts_unplaced(). */
	o->writer.threads = o->writer.io_size = o->writer.queue_depth = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:s:o:fb:q:t:p:S:jhVc:n", opts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			if (o->ndev == MAX_TARGETS)
				die_usage("at most %u targets", MAX_TARGETS);
			o->dev[o->ndev++] = optarg;
			break;
		case 's':
			o->size = opt_size("size", optarg);
			if (!o->size)
				die_usage("--size 0: give a size of at least one block");
			break;
		case 'o':
			o->offset = opt_size("offset", optarg);
			break;
		case 'f':
			o->force = 1;
			break;
		case 'b':
			o->writer.io_size = opt_u32("bs", optarg, 1,
						   DGEN_IO_SIZE_MAX, 1);
			break;
		case 'q':
			o->writer.queue_depth = opt_u32("qd", optarg, 1,
						       DGEN_QUEUE_DEPTH_MAX, 0);
			break;
		case 't':
			o->writer.threads = opt_u32("threads", optarg, 1,
						   DGEN_THREADS_MAX, 0);
			break;
		case 'p':
			if (!strcmp(optarg, "seq"))
				o->writer.pattern = DGEN_PATTERN_SEQ;
			else if (!strcmp(optarg, "rand"))
				o->writer.pattern = DGEN_PATTERN_RAND;
			else
				die_usage("--pattern '%s': give seq or rand", optarg);
			break;
		case OPT_SQPOLL:
			o->writer.ring_flags |= DGEN_RING_SQPOLL;
			break;
		case OPT_IOPOLL:
			o->writer.ring_flags |= DGEN_RING_IOPOLL;
			break;
		case 'S':
			if (parse_u64(optarg, &o->seed))
				die_usage("--seed '%s' is not a whole number from 0 to 2^64 - 1",
					  optarg);
			o->seed_set = 1;
			break;
		case OPT_STREAM:
			if (parse_u64(optarg, &o->stream))
				die_usage("--stream '%s' is not a whole number", optarg);
			break;
		case OPT_DEDUP:
			o->params.dedup_ratio = opt_ratio("dedup", optarg);
			break;
		case OPT_DEDUP_UNIT:
			o->params.dedup_unit = opt_u32("dedup-unit", optarg,
							DGEN_UNIT_MIN,
							DGEN_UNIT_MAX, 1);
			break;
		case OPT_COMPRESS:
			o->params.compress_ratio = opt_ratio("compress", optarg);
			break;
		case OPT_TRIM:
			o->trim = 1;
			break;
		case OPT_TRIM_ONLY:
			o->trim = 2;
			break;
		case OPT_COMPRESS_CHUNK:
			die_usage("--compress-chunk is gone with stream format %d: every 512-byte sector now carries its own zero run and random bytes, sized so lz4 and zstd measure --compress at 4K and 64K; drop the option",
				  DGEN_STREAM_FORMAT_VERSION);
			break;
		case OPT_DEDUP_WINDOW:
			o->params.dedup_window = opt_size("dedup-window",
							  optarg);
			break;
		case OPT_DIR:
			o->job.dir = optarg;
			break;
		case OPT_FILES:
			if (parse_u64(optarg, &o->job.files) || !o->job.files)
				die_usage("--files '%s': give a whole number of at least 1", optarg);
			break;
		case OPT_FILE_SIZE:
			o->job.file_size = opt_size("file-size", optarg);
			if (!o->job.file_size)
				die_usage("--file-size 0: give a size of at least one block");
			break;
		case OPT_FANOUT:
			o->job.fanout = opt_u32("fanout", optarg, 1, UINT32_MAX, 0);
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "raw"))
				o->job.format = DGEN_FORMAT_RAW;
			else if (!strcmp(optarg, "npz"))
				o->job.format = DGEN_FORMAT_NPZ;
			else if (!strcmp(optarg, "tfrecord"))
				o->job.format = DGEN_FORMAT_TFRECORD;
			else if (!strcmp(optarg, "hdf5"))
				o->job.format = DGEN_FORMAT_HDF5;
			else
				die_usage("--format '%s': give raw, npz, tfrecord or hdf5", optarg);
			if (!dgen_format_supported(o->job.format))
				die_usage("--format %s: this build has no HDF5 (meson -Dhdf5=enabled with libhdf5)",
					  optarg);
			break;
		case OPT_RECORD_SIZE:
			o->job.record_size = opt_u32("record-size", optarg, 1,
						      DGEN_IO_SIZE_MAX, 1);
			break;
		case OPT_STDOUT:
			o->job.to_stdout = 1;
			break;
		case OPT_SHARED:
			o->shared = 1;
			break;
		case OPT_STONEWALL:
			o->stonewall = 1;
			break;
		case OPT_NO_SPLICE:
			o->job.no_splice = 1;
			break;
		case OPT_BURNIN ... OPT_BURNIN + BURNIN_OPTS - 1:
			if (burnin_opt(&o->burnin, c - OPT_BURNIN, optarg, msg,
				       sizeof(msg)))
				die_usage("%s", msg);
			break;
		case OPT_DRIVE ... OPT_DRIVE + DRIVE_OPTS - 1:
			if (drive_opt(&o->drive, c - OPT_DRIVE, optarg, msg,
				      sizeof(msg)))
				die_usage("%s", msg);
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("dgen-uring %s\n", DGEN_VERSION_STRING);
			exit(0);
		case 'c':
			o->cpus = optarg;
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
		default:
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	check_drive(o);
	if (o->drive.plot_from)
		return;
	jobs_check(o);
	if (o->job.to_stdout && o->burnin.set)
		die_usage("--verify, --verify-only, --passes, --time and --rate work on --dev targets and --dir trees; stdout is written once and cannot be read back");
	if ((o->job.dir || o->job.to_stdout) && (o->cpus || o->dry_run))
		die_usage("--cpus and --dry-run plan --dev targets; trees and stdout use all CPUs, unplaced");
	if (o->trim && (o->job.dir || o->job.to_stdout))
		die_usage("--trim discards --dev targets; a tree is made fresh and stdout has nothing to discard");
	if (o->trim && o->burnin.verify_only)
		die_usage("--trim discards what --verify-only is to read: give one");
	if (o->trim == 2 && o->burnin.set)
		die_usage("--trim-only writes nothing: it takes no verify or burn-in option");
	if (o->job.dir)
		check_burnin(o);
	if (o->job.dir || o->job.to_stdout)
		return;
	if (!o->ndev)
		die_usage("no target: give --dev PATH (a block device, a file or null)");
	check_distinct(o);
	check_burnin(o);
	if ((o->shared || o->stonewall) && !dgen_fleet_launched())
		die_usage("--shared and --stonewall are for runs under an MPI launcher (mpirun, srun)");
	if (o->shared && !o->size)
		die_usage("--shared needs --size: the bytes of the one stream all ranks share");
}

/*
 * The options, then the seed (drawn when not given) and the data
 * parameters checked, before any target is touched. Exits 2 on refusal.
 */
static void parse(int argc, char **argv, struct opts *o)
{
	char msg[512];

	parse_args(argc, argv, o);
	if (!o->seed_set && getrandom(&o->seed, sizeof(o->seed), 0) !=
	    sizeof(o->seed)) {
		fprintf(stderr, "dgen-uring: cannot draw a random seed: %s\n",
			strerror(errno));
		exit(EXIT_USAGE);
	}
	o->params.seed = o->seed;
	o->params.size = 1;
	if (dgen_stream_params_check(&o->params, msg, sizeof(msg)))
		die_usage("%s", msg);
}

/* ===== Run ===== */

/* bytes done of total, GB/s over the last interval, ETA from the average. */
static void progress(uint64_t done, uint64_t total, double rate, uint64_t ns)
{
	double s = (double)ns / 1e9;
	double eta = done && done < total ? s * (double)(total - done) / (double)done : 0;

	fprintf(stderr, "\r%8.2f / %.2f GB  %6.2f GB/s  ETA %u:%02u \033[K",
		(double)done / 1e9, (double)total / 1e9, rate / 1e9,
		(unsigned int)eta / 60, (unsigned int)eta % 60);
}

/*
 * Wait for the workers, drawing a progress line when stderr is a terminal;
 * the monitor samples the targets meanwhile. Returns early on a hang.
 */
static void watch(const struct opts *o, struct drive *drv,
		  struct dgen_writer *w, uint64_t total)
{
	const int tty = isatty(STDERR_FILENO) && !o->json;
	const struct timespec poll = { 0, POLL_NS };
	uint64_t t0 = now_ns(), last_t = t0, last_b = 0, t, b;
	int drawn = 0;

	while (dgen_writer_running(w)) {
		/* The signal handler only sets the flag (signals.c). */
		if (tool_stopped())
			dgen_writer_stop(w);
		nanosleep(&poll, NULL);
		drive_poll(drv);
		if (drv->hung)
			break;
		t = now_ns();
		if (!tty || t - last_t < PROGRESS_NS)
			continue;
		b = dgen_writer_bytes(w);
		progress(b, total, (double)(b - last_b) * 1e9 / (double)(t - last_t),
			 t - t0);
		drive_status(drv, stderr, 0);
		last_t = t;
		last_b = b;
		drawn = 1;
	}
	if (drawn)
		fputs("\r\033[K", stderr);
}

/* ===== Placement ===== */


/*
 * The machine, before any target is touched: a pretend one (hwloc
 * synthetic or XML) only plans, and a bad --cpus list is refused here, so
 * nothing is created for a run that cannot start. Exits 2 on refusal.
 */
static void place_machine(const struct opts *o)
{
	unsigned int *cpus;
	char msg[512];
	int r;

	r = dgen_topology_new(&the_topo, msg, sizeof(msg));
	if (r < 0) {
		fprintf(stderr, "dgen-uring: cannot read the machine's topology: %s\n",
			msg);
		exit(EXIT_USAGE);
	}
	if (!the_topo->this_system && !o->dry_run) {
		fprintf(stderr, "dgen-uring: the topology is a pretend machine (%s, from %s or %s): its CPUs and nodes are not this one's, so it can only be used with --dry-run\n",
			the_topo->source, DGEN_ENV_HWLOC_SYNTHETIC,
			DGEN_ENV_HWLOC_XML);
		exit(EXIT_USAGE);
	}
	if (o->cpus) {
		r = dgen_cpulist_parse(the_topo, o->cpus, &cpus, msg, sizeof(msg));
		if (r < 0) {
			fprintf(stderr, "dgen-uring: --cpus: %s\n", msg);
			exit(EXIT_USAGE);
		}
		free(cpus);
	}
}

/*
 * The plan for the targets: each one's node and queue limits, its bytes as
 * its weight. @targets is NULL for --dry-run (nothing opened); otherwise the
 * opened targets' O_DIRECT alignment is the block the I/O size must fill.
 * Then the writer's options follow the plan. Returns 0 or -errno with @msg.
 */
static int place_plan(const struct opts *o, struct dgen_target **targets,
		      struct dgen_writer_opts *w, char *msg, size_t msglen)
{
	const struct dgen_plan_opts po = {
		.threads = o->writer.threads,
		.cpus = o->cpus,
		.io_size = o->writer.io_size,
		.queue_depth = o->writer.queue_depth,
		.one_request = !!(o->writer.ring_flags & DGEN_RING_IOPOLL),
	};
	const struct dgen_plan_paths pp = {
		.paths = o->dev, .n = o->ndev, .targets = targets,
		.size = o->size, .offset = o->offset,
	};
	int r;

	r = dgen_plan_new_paths(&the_plan, the_topo, &pp, &po, msg, msglen);
	if (r < 0)
		return r;
	/* The report's job line: the first target's pool (all share --bs and
	 * --qd when given). */
	*w = o->writer;
	w->plan = the_plan;
	w->threads = the_plan->nthreads;
	w->io_size = the_plan->targets[0].pool.io_size;
	w->queue_depth = the_plan->targets[0].pool.queue_depth;
	return 0;
}

/* --dry-run: the plan and the memory this machine offers; nothing written. */
static int dry_run(const struct opts *o)
{
	struct dgen_writer_opts w;
	char msg[512], *text;
	size_t len;

	if (place_plan(o, NULL, &w, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		return EXIT_USAGE;
	}
	len = dgen_plan_describe(the_plan, the_topo, NULL, 0) + 1;
	text = malloc(len);
	if (!text) {
		fprintf(stderr, "dgen-uring: out of memory\n");
		return EXIT_USAGE;
	}
	dgen_plan_describe(the_plan, the_topo, text, len);
	printf("dgen-uring %s: dry run, nothing written\n", DGEN_VERSION_STRING);
	fputs(text, stdout);
	if (the_topo->this_system) {
		dgen_numa_describe(msg, sizeof(msg));
		fputs(msg, stdout);
	} else {
		printf("memory: not this machine's (a pretend topology): not described\n");
	}
	free(text);
	return 0;
}

static const char *pages_name(enum dgen_mem_pages p)
{
	return p == DGEN_MEM_HUGETLB ? "huge" : p == DGEN_MEM_THP ? "thp" : "normal";
}

/* "0-3", "5": the threads of plan target @k. */
static void thread_range(unsigned int k, char *buf, size_t len)
{
	const struct dgen_plan_target *pt = &the_plan->targets[k];

	if (pt->nthreads > 1)
		snprintf(buf, len, "%u-%u", pt->first_thread,
			 pt->first_thread + pt->nthreads - 1);
	else
		snprintf(buf, len, "%u", pt->first_thread);
}

/* The memory line of dgen_numa_describe, without "memory: " or newline. */
static const char *memory_line(char *buf, size_t len)
{
	const char *p = buf;

	dgen_numa_describe(buf, len);
	buf[strcspn(buf, "\n")] = '\0';
	if (!strncmp(p, "memory: ", 8))
		p += 8;
	return p;
}

static void report_place_human(const struct dgen_writer *w)
{
	struct dgen_writer_thread_info ti;
	char mem[512], range[32];

	if (!the_plan)
		return;
	printf("  threads: %u, %s\n", the_plan->nthreads, the_plan->why);
	if (the_plan->oversubscribed)
		printf("  oversubscribed: %u thread%s more than the %u cores used, sharing a core\n",
		       the_plan->oversubscribed,
		       the_plan->oversubscribed == 1 ? "" : "s",
		       the_plan->cores_used);
	for (unsigned int t = 0; t < the_plan->nthreads; t++) {
		const struct dgen_plan_thread *th = &the_plan->threads[t];

		printf("    thread %u: cpu %u, core %u, node ", t, th->cpu, th->core);
		if (th->node >= 0)
			printf("%d", th->node);
		else
			printf("-");
		if (dgen_writer_thread_info(w, t, &ti) < 0) {
			printf(" (did not start)\n");
			continue;
		}
		printf(" (ran on cpu %d, %u allowed); %u buffers, %s pages: %s; pages on node ",
		       ti.cpu_seen, ti.cpus_allowed, ti.buffers,
		       pages_name(ti.pages), ti.mem_how);
		if (ti.mem_node >= 0)
			printf("%d", ti.mem_node);
		else
			printf("%s", ti.mem_node == -2 ? "several" : "not known");
		printf(" (%llu checked, %llu off its node)\n",
		       (unsigned long long)ti.pages_checked,
		       (unsigned long long)ti.pages_off_node);
	}
	for (unsigned int k = 0; k < the_plan->ntargets; k++) {
		const struct dgen_plan_target *pt = &the_plan->targets[k];

		thread_range(k, range, sizeof(range));
		printf("    target %s: node ", pt->name);
		if (pt->node >= 0)
			printf("%d%s", pt->node, pt->local ? " (threads local)" :
			       " (some threads remote)");
		else
			printf("- (not known)");
		printf(", threads %s, bs %u, qd %u per thread", range,
		       pt->pool.io_size, pt->pool.queue_depth);
		if (pt->pool.one_request_max)
			printf(" (unsplit: each write fits one request, at most %u bytes)",
			       pt->pool.one_request_max);
		putchar('\n');
	}
	printf("  memory: %s\n", memory_line(mem, sizeof(mem)));
}

static void report_place_json(const struct dgen_writer *w)
{
	struct dgen_writer_thread_info ti;
	char mem[512];

	if (!the_plan)
		return;
	printf("  \"placement\": {\n    \"why\": ");
	json_string(the_plan->why);
	printf(", \"cores_used\": %u, \"oversubscribed\": %u,\n",
	       the_plan->cores_used, the_plan->oversubscribed);
	memory_line(mem, sizeof(mem));
	printf("    \"numa\": %s, \"memory\": ", strstr(mem, "no NUMA") ? "false" : "true");
	json_string(mem + 8);
	printf(",\n    \"threads\": [\n");
	for (unsigned int t = 0; t < the_plan->nthreads; t++) {
		const struct dgen_plan_thread *th = &the_plan->threads[t];
		int ok = dgen_writer_thread_info(w, t, &ti) == 0;

		printf("      { \"thread\": %u, \"cpu\": %u, \"core\": %u, \"node\": %d, \"targets\": [",
		       t, th->cpu, th->core, th->node);
		for (unsigned int j = 0; j < th->ntargets; j++)
			printf("%s%u", j ? ", " : "", th->targets[j]);
		printf("], \"started\": %s", ok ? "true" : "false");
		if (ok) {
			printf(", \"bytes\": %llu, \"cpu_seen\": %d, \"cpus_allowed\": %u, \"buffers\": %u, \"mem_bytes\": %llu, \"pages\": \"%s\", \"mem_node\": %d, \"pages_checked\": %llu, \"pages_off_node\": %llu, \"memory\": ",
			       (unsigned long long)ti.bytes, ti.cpu_seen,
			       ti.cpus_allowed, ti.buffers,
			       (unsigned long long)ti.mem_bytes,
			       pages_name(ti.pages), ti.mem_node,
			       (unsigned long long)ti.pages_checked,
			       (unsigned long long)ti.pages_off_node);
			json_string(ti.mem_how);
		}
		printf(" }%s\n", t + 1 < the_plan->nthreads ? "," : "");
	}
	printf("    ],\n    \"targets\": [\n");
	for (unsigned int k = 0; k < the_plan->ntargets; k++) {
		const struct dgen_plan_target *pt = &the_plan->targets[k];

		printf("      { \"node\": %d, \"local\": %s, \"first_thread\": %u, \"threads\": %u, \"bs\": %u, \"qd\": %u, \"bytes_in_flight\": %llu, \"one_request_max\": %u }%s\n",
		       pt->node, pt->local ? "true" : "false", pt->first_thread,
		       pt->nthreads, pt->pool.io_size, pt->pool.queue_depth,
		       (unsigned long long)pt->pool.target_bytes,
		       pt->pool.one_request_max,
		       k + 1 < the_plan->ntargets ? "," : "");
	}
	printf("    ]\n  },\n");
}

/* ===== Report ===== */

struct report {
	const struct opts *o;
	struct drive drv;		/* per-target figures (drive.h) */
	struct dgen_nvme_watch *health;	/* per target: NVMe identity, health */
	struct dgen_discard_result *trim; /* per target, with --trim */
	struct dgen_writer_opts w;	/* as the plan set them */
	struct dgen_target **targets;
	struct dgen_stream **streams;
	struct dgen_writer *writer;
	struct dgen_writer_result res;
	double user_s, sys_s;
	const char *status;
};

static const char *type_name(enum dgen_target_type t)
{
	return t == DGEN_TARGET_BLOCK ? "block" :
	       t == DGEN_TARGET_NVME ? "nvme-generic" :
	       t == DGEN_TARGET_FILE ? "file" : "null";
}

/* What the reports say about target @k and its stream. */
static void target_view(const struct report *r, unsigned int k,
			struct dgen_target_info *i,
			const struct dgen_stream_params **p,
			struct dgen_stream_layout *lay)
{
	dgen_target_info_get(r->targets[k], i);
	*p = dgen_stream_params_get(r->streams[k]);
	dgen_stream_layout_get(r->streams[k], lay);
}

/* The names of the ring features in @f, each as @fmt (then @sep'd). */
static void print_features(unsigned int f, const char *fmt, const char *sep)
{
	const char *s = "";

	for (unsigned int b = 0; b < 32; b++)
		if (f & (1u << b)) {
			fputs(s, stdout);
			printf(fmt, dgen_ring_feature_name(1u << b));
			s = sep;
		}
}

static double gb_per_s(const struct report *r)
{
	return r->res.seconds > 0 ? (double)r->res.bytes / r->res.seconds / 1e9 : 0;
}

static void report_json(const struct report *r)
{
	const struct opts *o = r->o;
	const struct dgen_writer_result *res = &r->res;
	const struct dgen_latency *l = &res->latency;

	printf("{\n  \"dgen-uring\": \"%s\",\n  \"status\": \"%s\",\n",
	       DGEN_VERSION_STRING, r->status);
	printf("  \"seed\": %llu,\n  \"seed_drawn\": %s,\n",
	       (unsigned long long)o->seed, o->seed_set ? "false" : "true");
	printf("  \"job\": { \"bs\": %u, \"qd\": %u, \"threads\": %u, \"pattern\": \"%s\", \"offset\": %llu, \"ring\": [",
	       r->w.io_size, r->w.queue_depth, r->w.threads,
	       r->w.pattern == DGEN_PATTERN_RAND ? "rand" : "seq",
	       (unsigned long long)o->offset);
	print_features(res->ring_features, "\"%s\"", ", ");
	printf("] },\n  \"targets\": [\n");
	for (unsigned int k = 0; k < o->ndev; k++) {
		const struct dgen_stream_params *p;
		struct dgen_stream_layout lay;
		struct dgen_target_info i;

		target_view(r, k, &i, &p, &lay);
		printf("    { \"path\": ");
		json_string(i.path);
		printf(", \"type\": \"%s\", \"offset\": %llu, \"size\": %llu, \"bytes\": %llu,\n",
		       type_name(i.type), (unsigned long long)i.offset,
		       (unsigned long long)i.size,
		       (unsigned long long)dgen_writer_target_bytes(r->writer, k));
		drive_target_json(&r->drv, k, 0);
		printf("      \"stream\": { ");
		json_stream(stdout, p, p->seed, p->stream_id, p->size,
			    JSON_STREAM_ID | JSON_STREAM_SIZE);
		printf(", \"dedup_ratio_actual\": %.6f, \"compress_ratio_actual\": %.6f, \"kernel\": \"%s\" }",
		       lay.dedup_ratio, lay.compress_ratio, lay.kernel);
		trim_json(r->trim ? &r->trim[k] : NULL);
		health_json(&r->health[k]);
		printf(" }%s\n", k + 1 < o->ndev ? "," : "");
	}
	printf("  ],\n");
	report_place_json(r->writer);
	printf("  \"bytes\": %llu,\n  \"ops\": %llu,\n  \"short_writes\": %llu,\n  \"retries\": %llu,\n",
	       (unsigned long long)res->bytes, (unsigned long long)res->ops,
	       (unsigned long long)res->short_writes,
	       (unsigned long long)res->retries);
	printf("  \"seconds\": %.6f,\n  \"gbps\": %.6f,\n  \"iops\": %.1f,\n",
	       res->seconds, gb_per_s(r),
	       res->seconds > 0 ? (double)res->ops / res->seconds : 0);
	printf("  \"latency_us\": ");
	json_latency(l);
	printf(",\n");
	printf("  \"cpu\": { \"user_s\": %.6f, \"sys_s\": %.6f, \"s_per_gb\": %.6f }",
	       r->user_s, r->sys_s,
	       res->bytes ? (r->user_s + r->sys_s) / ((double)res->bytes / 1e9) : 0);
	if (res->error) {
		printf(",\n  \"error\": { \"errno\": %d, \"message\": ", -res->error);
		json_string(strerror(-res->error));
		printf(", \"target\": ");
		if (res->error_target >= 0) {
			struct dgen_target_info i;

			dgen_target_info_get(r->targets[res->error_target], &i);
			json_string(i.path);
		} else {
			printf("null");
		}
		printf(", \"offset\": %llu }", (unsigned long long)res->error_offset);
	}
	drive_run_json(&r->drv);
	printf("\n}\n");
}

static void report_human(const struct report *r)
{
	const struct opts *o = r->o;
	char bs[32];
	const struct dgen_writer_result *res = &r->res;
	const struct dgen_latency *l = &res->latency;

	printf("dgen-uring %s: %u target%s, %u thread%s, bs %s, qd %u, %s\n",
	       DGEN_VERSION_STRING, o->ndev, o->ndev > 1 ? "s" : "",
	       r->w.threads, r->w.threads > 1 ? "s" : "",
	       size_str(r->w.io_size, bs, sizeof(bs)), r->w.queue_depth,
	       r->w.pattern == DGEN_PATTERN_RAND ? "rand" : "seq");
	printf("  seed %llu%s\n", (unsigned long long)o->seed,
	       o->seed_set ? "" : " (drawn at random: give --seed to repeat)");
	for (unsigned int k = 0; k < o->ndev; k++) {
		const struct dgen_stream_params *p;
		struct dgen_stream_layout lay;
		struct dgen_target_info i;

		target_view(r, k, &i, &p, &lay);
		printf("  %s (%s): offset %llu, size %llu, written %llu\n",
		       i.path, type_name(i.type), (unsigned long long)i.offset,
		       (unsigned long long)i.size,
		       (unsigned long long)dgen_writer_target_bytes(r->writer, k));
		printf("    stream %llu (format %u): dedup %g (actual %.4f, unit %u, window %llu, exact to %u), compress %g (actual %.4f), kernel %s\n",
		       (unsigned long long)p->stream_id, lay.format_version,
		       p->dedup_ratio, lay.dedup_ratio, p->dedup_unit,
		       (unsigned long long)lay.dedup_window,
		       lay.dedup_exact_unit, p->compress_ratio,
		       lay.compress_ratio, lay.kernel);
		trim_human(r->trim ? &r->trim[k] : NULL);
		health_human(&r->health[k]);
		drive_target_human(&r->drv, k, 0);
	}
	printf("  write: %llu bytes in %.3f s, %.3f GB/s, %.0f IOPS\n",
	       (unsigned long long)res->bytes, res->seconds, gb_per_s(r),
	       res->seconds > 0 ? (double)res->ops / res->seconds : 0);
	human_latency("", l);
	printf("  cpu: user %.3f s, sys %.3f s, %.3f s/GB\n", r->user_s,
	       r->sys_s,
	       res->bytes ? (r->user_s + r->sys_s) / ((double)res->bytes / 1e9) : 0);
	report_place_human(r->writer);
	printf("  ring: %s", res->ring_features ? "" : "plain (no optional features)");
	print_features(res->ring_features, "%s", " ");
	printf("\n  status: %s", r->status);
	if (res->error && res->error_target >= 0) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[res->error_target], &i);
		printf(" (%s at offset %llu: %s)", i.path,
		       (unsigned long long)res->error_offset,
		       strerror(-res->error));
	} else if (res->error) {
		printf(" (%s)", strerror(-res->error));
	}
	putchar('\n');
}

/* ===== Main ===== */

/* Verify and burn-in runs: passes, read-back, their own report (burnin.c). */
static int run_burnin(const struct opts *o, const struct dgen_writer_opts *w)
{
	struct burnin_job j = {
		.dev = o->dev, .ndev = o->ndev, .size = o->size,
		.offset = o->offset, .seed = o->seed, .stream = o->stream,
		.seed_set = o->seed_set, .force = o->force, .json = o->json,
		.params = o->params, .opts = *w, .b = o->burnin,
		.tree = o->job.dir ? &o->job : NULL,
		.drive = o->job.dir ? NULL : &o->drive,
		.trim = o->trim,
	};

	return burnin_run(&j);
}

static int open_all(const struct opts *o, struct report *r)
{
	char msg[512];
	int err;

	for (unsigned int k = 0; k < o->ndev; k++) {
		struct dgen_stream_params p = o->params;
		struct dgen_target_info i;

		err = dgen_target_open(&r->targets[k], o->dev[k], o->offset,
				       o->size, o->force ? DGEN_TARGET_FORCE : 0,
				       msg, sizeof(msg));
		if (err)
			goto refuse;
		dgen_target_info_get(r->targets[k], &i);
		p.stream_id = o->stream + k;
		p.size = i.size;
		err = dgen_stream_new(&r->streams[k], &p, msg, sizeof(msg));
		if (err)
			goto refuse;
	}
	err = place_plan(o, r->targets, &r->w, msg, sizeof(msg));
	if (err)
		goto refuse;
	/* Every --dev report gives per-target figures. */
	r->w.target_stats = 1;
	err = dgen_writer_new(&r->writer, &r->w,
			      (struct dgen_target *const *)r->targets,
			      (const struct dgen_stream *const *)r->streams,
			      o->ndev, msg, sizeof(msg));
	if (err)
		goto refuse;
	return 0;
refuse:
	say_refusal(msg, err);
	return err;
}

/* The message for a failed write run. */
static void write_failed(const struct report *r, int err)
{
	if (r->res.error_target >= 0) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[r->res.error_target], &i);
		fprintf(stderr, "dgen-uring: write to %s at offset %llu failed: %s%s\n",
		i.path, (unsigned long long)r->res.error_offset,
		strerror(-err), iopoll_hint(err, r->w.ring_flags));
	} else {
		fprintf(stderr, "dgen-uring: io_uring failed: %s%s\n",
		strerror(-err),
		err == -EPERM || err == -ENOSYS ?
		" (io_uring is unavailable here: see the sysctl kernel.io_uring_disabled)" : "");
	}
}

/* Trees and stdout: unplaced writers, their own reports. */
static int run_job(const struct opts *o)
{
	struct job j = o->job;

	j.size = o->size;
	j.stream = o->stream;
	j.seed = o->seed;
	j.seed_drawn = !o->seed_set;
	j.force = o->force;
	j.json = o->json;
	j.params = o->params;
	j.opts = writer_unplaced(o);
	if (o->burnin.set)
		return run_burnin(o, &j.opts);
	return j.dir ? tree_run(&j) : stdout_run(&j);
}

/*
 * Verify and burn-in of devices open their targets themselves, pass by
 * pass; their writers follow the plan made from the paths, as --dry-run
 * shows it (pinned threads, buffers on their node).
 */
static int run_passes(const struct opts *o)
{
	struct dgen_writer_opts w;
	char msg[512];

	if (place_plan(o, NULL, &w, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		return EXIT_USAGE;
	}
	return run_burnin(o, &w);
}

/* --log, --io-timeout, --steady-state, --plot: watch each target. */
static int watch_targets(const struct opts *o, struct report *r)
{
	struct dgen_target_info *infos = calloc(o->ndev, sizeof(*infos));
	int err = -ENOMEM;

	if (infos) {
		for (unsigned int k = 0; k < o->ndev; k++)
			dgen_target_info_get(r->targets[k], &infos[k]);
		err = drive_start(&r->drv, &o->drive, infos, o->ndev, o->json);
	}
	free(infos);
	return err;
}

/* Attach the started writer to the monitor: each target's bytes to do. */
static void monitor_begin(struct report *r)
{
	uint64_t *sizes = calloc(r->o->ndev, sizeof(*sizes));

	for (unsigned int k = 0; sizes && k < r->o->ndev; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		sizes[k] = i.size;
	}
	dgen_monitor_begin(r->drv.m, r->writer, DGEN_PHASE_WRITE, 1, sizes);
	free(sizes);
}

/* One write of the devices: the writer, a progress line, the report. */
static int run_write(const struct opts *o)
{
	struct report r = { .o = o, .status = "ok" };
	struct rusage ru0, ru1;
	uint64_t total = 0;
	char msg[512];
	int rc = EXIT_USAGE, err;

	r.targets = calloc(o->ndev, sizeof(*r.targets));
	r.streams = calloc(o->ndev, sizeof(*r.streams));
	r.health = calloc(o->ndev, sizeof(*r.health));
	r.trim = calloc(o->ndev, sizeof(*r.trim));
	if (!r.targets || !r.streams || !r.health || !r.trim) {
		fprintf(stderr, "dgen-uring: out of memory\n");
		goto out;
	}
	if (open_all(o, &r))
		goto out;
	if (watch_targets(o, &r))
		goto out;
	for (unsigned int k = 0; k < o->ndev; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r.targets[k], &i);
		total += i.size;
	}
	for (unsigned int k = 0; k < o->ndev; k++)
		dgen_nvme_watch_begin(&r.health[k], o->dev[k]);
	if (o->trim && (rc = trim_targets(r.targets, o->ndev, r.trim)))
		goto out;
	if (o->trim == 2) {
		trim_report(r.targets, o->ndev, r.trim, o->json);
		goto out;
	}
	/* On a terminal the seed shows at once: a run killed hard can still
	 * be verified. Otherwise the report carries it. */
	if (!o->seed_set && isatty(STDERR_FILENO))
		fprintf(stderr, "dgen-uring: seed %llu (drawn at random)\n",
			(unsigned long long)o->seed);
	getrusage(RUSAGE_SELF, &ru0);
	/* A signal before the start: the workers start stopped. */
	if (tool_stopped())
		dgen_writer_stop(r.writer);
	err = dgen_writer_start(r.writer, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		rc = EXIT_IO;
		dgen_writer_wait(r.writer, &r.res);
		goto out;
	}
	monitor_begin(&r);
	watch(o, &r.drv, r.writer, total);
	err = drive_settle(&r.drv, r.writer, &r.res);
	drive_finish(&r.drv);
	getrusage(RUSAGE_SELF, &ru1);
	r.user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	r.sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	rc = 0;
	if (r.drv.hung) {
		r.status = "hung";
		rc = EXIT_IO;
	} else if (err) {
		r.status = "error";
		rc = EXIT_IO;
		write_failed(&r, err);
	} else if (r.res.stopped || tool_stopped()) {
		r.status = "interrupted";
		rc = EXIT_INTR;
	}
	/* The drive's own complaint outranks what the run saw (exit 4). */
	for (unsigned int k = 0; k < o->ndev; k++)
		dgen_nvme_watch_end(&r.health[k]);
	if (health_unhealthy(r.health, o->ndev)) {
		r.status = "unhealthy";
		rc = EXIT_UNHEALTHY;
	}
	signals_report();
	if (o->json)
		report_json(&r);
	else
		report_human(&r);
	rc = drive_exit(&r.drv, rc);
	if (r.drv.hung)
		drive_leave(rc);	/* the abandoned writer is never freed */
out:
	drive_free(&r.drv);
	if (!r.drv.hung)
		dgen_writer_free(r.writer);
	for (unsigned int k = 0; r.targets && k < o->ndev; k++) {
		dgen_target_close(r.targets[k]);
		if (r.streams)
			dgen_stream_free(r.streams[k]);
	}
	free(r.targets);
	free(r.streams);
	health_free(r.health, o->ndev);
	free(r.trim);
	return rc;
}

/* Started by an MPI launcher (built with MPI): one rank of a fleet run. */
static int fleet(const struct opts *o, int *rc)
{
	struct fleet_cli c = {
		.dev = o->dev, .ndev = o->ndev, .size = o->size,
		.offset = o->offset, .seed = o->seed, .stream = o->stream,
		.seed_set = o->seed_set, .force = o->force, .json = o->json,
		.shared = o->shared, .stonewall = o->stonewall,
		.params = o->params, .writer = o->writer,
		.b = o->burnin,
	};

	if (!dgen_fleet_launched())
		return 0;
	if (o->job.to_stdout || o->dry_run || o->trim || o->drive.set ||
	    o->cpus)
		die_usage("under MPI each rank writes --dev targets or a --dir tree: --stdout, --dry-run, --trim, --cpus and the per-target options (--log, --plot, ...) are for plain runs");
	if (o->job.dir && o->shared)
		die_usage("--shared cuts one --dev target into slices; each rank writes a --dir tree of its own (put %%r or %%h in DIR)");
	if (o->job.dir)
		c.tree = &o->job;
	return fleet_main(&c, rc);
}

static int run(int argc, char **argv)
{
	struct opts o;
	int rc;

	parse(argc, argv, &o);
	if (o.drive.plot_from)
		return drive_plot_from(&o.drive);
	if (fleet(&o, &rc))
		return rc;
	place_machine(&o);
	if (o.dry_run)
		rc = dry_run(&o);
	else if (o.job.dir || o.job.to_stdout)
		rc = run_job(&o);
	else if (o.burnin.set)
		rc = run_passes(&o);
	else
		rc = run_write(&o);
	dgen_plan_free(the_plan);
	dgen_topology_free(the_topo);
	return rc;
}

int main(int argc, char **argv)
{
	/* First of all: a signal at any instant from here on is a stop. */
	signals_install();
	return signals_exit(run(argc, argv));
}
