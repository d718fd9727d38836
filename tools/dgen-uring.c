// SPDX-License-Identifier: MIT
/*
 * dgen-uring.c - write data streams to block devices and files at full speed
 *
 * The command line: its options into one struct dgen_run_opts (by name,
 * through libdgen's option table, dgen/opts.h), the targets, the output
 * form. Every job, a write, verify and burn-in, a tree, stdout, a
 * discard, a dry run, is then one run of libdgen (dgen/run.h) and its
 * report (dgen/report.h); a fleet under MPI is one run per rank
 * (fleet.c). Here: parsing, the live status line, printing, exit codes.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/dgen.h>

#include "fleet.h"
#include "signals.h"
#include "util.h"

#define MAX_TARGETS	256
#define OPT_TABLE	256		/* + the index in libdgen's table */
#define OPT_PLOT_FROM	200
#define OPTS_MAX	128		/* getopt entries: the table's and ours */
#define SHORTS_MAX	64

/* Everything the command line says: parse() fills it, then it is read. */
struct cli {
	struct dgen_run_opts o;		/* every option of the run */
	const char *dev[MAX_TARGETS];	/* --dev, in order */
	unsigned int ndev;
	int json;
	const char *plot_from;		/* --plot-from LOG: redraw, no run */
};

/* The status lines of the run in progress (the callbacks' argument). */
struct tool {
	struct dgen_report_progress st;
	enum dgen_progress_form form;
	int status_err;			/* the first status line's failure */
};

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
"      --cpus-policy split|shared  each thread on its own CPU (split, the\n"
"                          default), or each free on the CPUs of all its\n"
"                          node's threads (shared: room for the kernel's\n"
"                          I/O work on a loop, dm or md device)\n"
"  -n, --dry-run           print the plan (threads, CPUs, nodes, buffers) and\n"
"                          write nothing\n"
"  -p, --pattern seq|rand  write order within each thread (default seq)\n"
"      --sqpoll            let a kernel thread poll the submission queue\n"
"      --trim              discard each target's range before the first write\n"
"                          (BLKDISCARD; hole punching on files)\n"
"      --trim-only         discard each target's range and write nothing\n"
"      --iopoll            poll for completions (needs polled device queues;\n"
"                          each write fits one request of the device)\n"
"      --engine auto|io_uring|libaio  how the writes go (default auto:\n"
"                          io_uring, libaio where it is blocked; see\n"
"                          doc/containers.md)\n"
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
"Object stores (S3, Azure Blob; doc/objects.md):\n"
"      --dev s3://BUCKET/KEY --size SIZE   one object (az://CONTAINER/KEY:\n"
"                          Azure); --dir s3://BUCKET/PREFIX --files N\n"
"                          --file-size SIZE: a tree of objects, keys as the\n"
"                          tree's paths (a format's with its suffix); AWS_*\n"
"                          and ~/.aws, or AZURE_STORAGE_*; --threads and\n"
"                          --qd: threads, requests per thread and endpoint\n"
"      --endpoint URL      an endpoint; repeat it: objects spread over them,\n"
"                          figures and a verdict for each (default: the\n"
"                          configured one)\n"
"      --part-size SIZE    objects above it go up in parts, whole MiB from 5M\n"
"                          (default 16M); memory: threads x endpoints x qd x\n"
"                          1 MiB\n"
"      --retries N         tries after a 503, 500 or broken connection (5);\n"
"                          --io-timeout bounds each request\n"
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
"      --compress-mix C1:W1,...  a ratio per block: ratio Ci for the share Wi\n"
"                          of every window's blocks (up to 16 pairs, the\n"
"                          Wi summing to 1; stream format 3)\n"
"      --dedup-skew S      copies follow Zipf(S) in each window, 0 to 3\n"
"                          (default 0: even; window max(256M, 256 x dedup M))\n"
"      --dedup-scope WHO   target (default) or run: the run's --dev targets,\n"
"                          every rank's, are one dedup domain (needs --size);\n"
"                          run:T:I: the first is target I of a domain of T\n"
"      --like PROFILE      mimic a sample's profile (dgen-inspect --profile):\n"
"                          its mix, zero blocks, dedup and 64 KiB matches\n"
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
"Per target, of --dev targets and of object stores' endpoints (figures and\n"
"a verdict per target in every report: ok, slow, cliff or hung):\n"
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
"Power-loss verify (doc/power-loss.md):\n"
"      --journal FILE      record what each flush made durable, per target\n"
"                          and pass, in FILE on another device (a loop of\n"
"                          power cycles keeps appending to one)\n"
"      --flush-every SIZE  flush each target after SIZE bytes acknowledged\n"
"                          (default 256M with --journal); flush latency is\n"
"                          reported per target\n"
"      --fua               every write RWF_DSYNC (FUA): durable when acknowledged\n"
"      --verify-crash FILE after a crash: judge the targets FILE names from\n"
"                          FILE alone; exit 1 when a flushed write was lost\n"
"                          or a sector is corrupt; --dev PATH (one per\n"
"                          target) reads a target a reboot renamed\n"
"      --fail-on torn      with --verify-crash: a torn write the device\n"
"                          promised atomic (NVMe AWUPF/NAWUPF) fails too\n"
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


/* The getopt table: libdgen's options, then the tool's own. */
static void options(struct option *lo, char *shorts)
{
	static const struct option own[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "plot-from", required_argument, NULL, OPT_PLOT_FROM },
	};
	const unsigned int nown = sizeof(own) / sizeof(own[0]);
	const struct dgen_opt *d;
	unsigned int n = 0;
	char *s = shorts + strlen(strcpy(shorts, ":d:jhV"));

	for (unsigned int i = 0; (d = dgen_opt_at(i)); i++) {
		/* A table larger than these arrays is this file's bug. */
		if (n + nown + 1 >= OPTS_MAX || s + 3 >= shorts + SHORTS_MAX)
			abort();
		lo[n++] = (struct option) { d->name, d->value, NULL,
					    OPT_TABLE + (int)i };
		if (!d->short_name)
			continue;
		*s++ = d->short_name;
		if (d->value == DGEN_OPT_VALUE)
			*s++ = ':';
		*s = 0;
	}
	memcpy(lo + n, own, sizeof(own));
	memset(lo + n + nown, 0, sizeof(*lo));
}

/* One option, by its long name or letter, into the run's options. */
static void set(struct cli *c, const char *name, const char *v)
{
	char msg[512];

	if (dgen_run_opts_set(&c->o, name, v, msg, sizeof(msg)))
		die_usage("%s", msg);
}

static void parse_args(int argc, char **argv, struct cli *c)
{
	struct option lo[OPTS_MAX];
	char shorts[SHORTS_MAX], msg[512];
	int ch;

	options(lo, shorts);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (c->ndev == MAX_TARGETS)
				die_usage("at most %u targets", MAX_TARGETS);
			c->dev[c->ndev++] = optarg;
			break;
		case 'j':
			c->json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("dgen-uring %s\n", DGEN_VERSION_STRING);
			exit(0);
		case OPT_PLOT_FROM:
			c->plot_from = optarg;
			break;
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
		case '?':
			die_usage("unknown option '%s'", argv[optind - 1]);
		default:
			if (ch >= OPT_TABLE)
				set(c, dgen_opt_at((unsigned int)(ch - OPT_TABLE))->name,
				    optarg);
			else
				set(c, (char[]) { (char)ch, 0 }, optarg);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (c->plot_from) {
		if (!c->o.watch.plot)
			die_usage("--plot-from LOG needs --plot FILE.svg: where to draw it");
		if (c->ndev || c->o.tree.dir || (c->o.flags & DGEN_RUN_FD) ||
		    (c->o.given & DGEN_GIVEN_PASSES))
			die_usage("--plot-from draws a saved log: give no targets or run options with it");
		return;
	}
	if (c->o.verify_crash && !c->o.tree.dir) {
		if (dgen_run_opts_check(&c->o, msg, sizeof(msg)))
			die_usage("%s", msg);
		return;
	}
	if (c->ndev == 1 && !strcmp(c->dev[0], "-")) {
		set(c, "stdout", NULL);
		c->ndev = 0;
	}
	c->o.paths = c->ndev ? c->dev : NULL;
	c->o.npaths = c->ndev;
	if (dgen_run_opts_check(&c->o, msg, sizeof(msg)))
		die_usage("%s", msg);
}

/* --journal: the command line, for the journal's header to record. */
static char *journal_options(int argc, char **argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("{\"argv\": [", f);
	for (int i = 0; i < argc; i++) {
		fputs(i ? ", " : "", f);
		dgen_json_string(f, argv[i]);
	}
	fputs("]}", f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * The options, then the seed (drawn when not given), before any target
 * is touched. Exits 2 on refusal.
 */
static void parse(int argc, char **argv, struct cli *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	dgen_run_opts_init(&c->o);
	/* 0: the plan derives them (or, unplaced, the run's defaults). */
	c->o.writer.threads = c->o.writer.io_size = c->o.writer.queue_depth = 0;
	parse_args(argc, argv, c);
	if (c->o.journal)
		c->o.journal_options = journal_options(argc, argv);
	if (!c->plot_from && (err = dgen_run_opts_seed(&c->o))) {
		fprintf(stderr, "dgen-uring: cannot draw a random seed: %s\n",
			strerror(-err));
		exit(DGEN_EXIT_USAGE);
	}
}

/* --plot-from LOG --plot FILE: draw a saved log again; the exit status. */
static int plot_from(const char *log, const char *plot)
{
	struct dgen_series *s;
	char msg[256], title[512];
	FILE *in = fopen(log, "r"), *out;
	int r;

	if (!in) {
		fprintf(stderr, "dgen-uring: cannot read the log %s: %s\n", log,
			strerror(errno));
		return DGEN_EXIT_USAGE;
	}
	r = dgen_series_read(&s, in, msg, sizeof(msg));
	fclose(in);
	if (r) {
		fprintf(stderr, "dgen-uring: %s: %s\n", log,
			r == -ENOMEM ? "out of memory" : msg);
		return DGEN_EXIT_USAGE;
	}
	snprintf(title, sizeof(title), "dgen-uring: %s", log);
	out = fopen(plot, "w");
	r = !out || dgen_plot_svg(out, s, NULL, title);
	if (out && fclose(out))
		r = 1;
	if (r)
		fprintf(stderr, "dgen-uring: cannot write the plot %s: %s\n",
			plot, strerror(errno));
	dgen_series_free(s);
	return r ? DGEN_EXIT_USAGE : 0;
}

/* ===== Run ===== */

static void on_progress(const struct dgen_run_progress *p, void *arg)
{
	struct tool *t = arg;
	int err = dgen_report_progress(stderr, "dgen-uring: ", &t->st, p,
				       t->form);

	if (err && !t->status_err)
		t->status_err = err;
}

/* A hang, a steady state, an unhealthy drive: said at once. */
static void on_notice(const char *msg, void *arg)
{
	struct tool *t = arg;

	dgen_report_progress_clear(stderr, &t->st);
	fprintf(stderr, "dgen-uring: %s\n", msg);
	fflush(stderr);
}

/*
 * The status lines of every job: --status-interval's, or on a terminal
 * the live line; notices at once; the signal handler's flag as the stop.
 */
static void status_opts(struct dgen_run_opts *o, struct tool *t, int json)
{
	if (o->progress_s > 0) {
		t->form = json ? DGEN_PROGRESS_JSON : DGEN_PROGRESS_LINE;
	} else if (isatty(STDERR_FILENO) && !json) {
		t->form = DGEN_PROGRESS_LIVE;
		o->progress_s = 1;
	}
	o->progress = on_progress;
	o->notice = on_notice;
	o->progress_arg = t;
	/* The signal handler only sets the flag (signals.c). */
	o->stop = &tool_stop;
}

/*
 * What a run of --dev targets does around its passes: plan them on this
 * machine, watch each one, read the NVMe drives' health (each pass's in a
 * burn-in).
 */
static void target_opts(struct dgen_run_opts *o)
{
	/* Objects: each endpoint is watched as a drive is. */
	if (dgen_run_opts_objects(o)) {
		o->flags |= DGEN_RUN_WATCH;
		return;
	}
	if (!o->paths)
		return;
	o->flags |= DGEN_RUN_PLACE;
	if (!(o->flags & DGEN_RUN_DRY))
		o->flags |= DGEN_RUN_WATCH | DGEN_RUN_HEALTH;
	if (o->given & DGEN_GIVEN_PASSES)
		o->flags |= DGEN_RUN_HEALTH_PASSES;
}

/* The report of a run that ended, after what failed; the exit status. */
static int report(struct dgen_run *run, const struct dgen_run_result *res,
		  int json)
{
	const struct dgen_run_opts *o = dgen_run_opts_get(run);
	const char *status;
	int rc = dgen_report_status(run, res, &status);

	FILE *out = o->flags & DGEN_RUN_FD ? stderr : stdout;
	int err;

	dgen_report_errors(stderr, "dgen-uring: ", run, res);
	signals_report();
	err = (json ? dgen_report_json : dgen_report_human)(out, run, res);
	/* A report that did not get out is a failed run: exit 3, said on
	 * stderr (where that is the report's stream too, said anyway). */
	if (out_check(out, err, out == stdout ? "the report to standard output" :
		      "the report to standard error"))
		rc = DGEN_EXIT_IO;
	return rc;
}

/* One job, start to end: the run, what failed, the report; exit status. */
static int run_plain(struct dgen_run_opts *o, struct tool *t, int json)
{
	struct dgen_run_result res;
	struct dgen_run *run;
	char msg[512];
	int err, rc;

	target_opts(o);
	err = dgen_run_new(&run, o, msg, sizeof(msg));
	if (err) {
		say_refusal(msg, err);
		return DGEN_EXIT_USAGE;
	}
	/* On a terminal the seed shows at once: a run killed hard can still
	 * be verified. Otherwise the report carries it. */
	if ((o->flags & DGEN_RUN_SEED_DRAWN) &&
	    (o->paths || dgen_run_opts_objects(o)) &&
	    !(o->flags & (DGEN_RUN_DRY | DGEN_RUN_TRIM_ONLY)) &&
	    isatty(STDERR_FILENO))
		fprintf(stderr, "dgen-uring: seed %llu (drawn at random)\n",
			(unsigned long long)o->params.seed);
	err = dgen_run_exec(run, &res, msg, sizeof(msg));
	dgen_report_progress_clear(stderr, &t->st);
	if (err) {
		fprintf(stderr, "dgen-uring: %s\n", msg);
		dgen_run_free(run);
		return DGEN_EXIT_IO;
	}
	rc = report(run, &res, json);
	/* Status lines that did not get out fail the run as the report. */
	if (t->status_err && out_check(stderr, t->status_err, "the status lines"))
		rc = DGEN_EXIT_IO;
	if (res.hung) {
		/* The abandoned engine's threads wait in the kernel for I/O
		 * that may never complete: nothing of the run may be freed,
		 * and the process goes once the kernel lets the I/O go. */
		fflush(NULL);
		_exit(rc);
	}
	dgen_run_free(run);
	return rc;
}

/* --verify-crash FILE: the targets judged from the journal alone. */
static int verify_crash(const struct cli *c)
{
	const struct dgen_run_opts *o = &c->o;
	struct dgen_crash_job *j;
	const char *status;
	char msg[512];
	int rc, err;

	err = dgen_crash_job_run(&j, o->verify_crash, c->dev, c->ndev,
				 o->max_report,
				 !!(o->watch.fail_on & DGEN_FAIL_TORN), msg,
				 sizeof(msg));
	if (err) {
		say_refusal(msg, err);
		return DGEN_EXIT_USAGE;
	}
	rc = dgen_report_crash_status(j, &status);
	for (unsigned int k = 0; k < j->view->ntargets; k++)
		if (j->targets[k].error)
			fprintf(stderr, "dgen-uring: %s\n", j->targets[k].msg);
	err = (c->json ? dgen_report_crash_json : dgen_report_crash_human)
		(stdout, j);
	dgen_crash_job_free(j);
	return err && !rc ? DGEN_EXIT_IO : rc;
}

static int run(int argc, char **argv)
{
	struct tool t = { 0 };
	struct cli c;
	char msg[512];
	int rc;

	parse(argc, argv, &c);
	if (c.plot_from)
		return plot_from(c.plot_from, c.o.watch.plot);
	if (c.o.verify_crash)
		return verify_crash(&c);
	status_opts(&c.o, &t, c.json);
	if (dgen_fleet_launched()) {
		if (dgen_fleet_opts_check(&c.o, msg, sizeof(msg)))
			die_usage("%s", msg);
		if (fleet_main(&c.o, c.json, &t.st, &rc))
			return rc;
	}
	rc = run_plain(&c.o, &t, c.json);
	free((void *)c.o.journal_options);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;

	/* First of all: a signal at any instant from here on is a stop. */
	signals_install();
	/* --stdout: a reader that closes the pipe ends the run (EPIPE);
	 * any other output that fails is the run's failure. */
	out_guard();
	rc = run(argc, argv);
	/* What else went to stdout (a plan, --help): a failure is 3. */
	if (out_check(stdout, 0, "to standard output"))
		rc = DGEN_EXIT_IO;
	return signals_exit(rc);
}
