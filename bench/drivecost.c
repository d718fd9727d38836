// SPDX-License-Identifier: MIT
/*
 * drivecost.c - what per-target accounting and the interval log cost
 *
 * Runs the same write job with the writer's per-target counters off
 * (target_stats 0, no monitor) and on (counters, a monitor sampling every
 * INTERVAL seconds, its JSON-lines log written to LOG), alternating
 * off/on REPS times so drift on a shared machine hits both alike, and
 * prints each run and the medians' ratios (on / off) of GB/s and of the
 * process's CPU seconds per GB (which a busy machine disturbs less).
 *
 *   dgen-drivecost PATH SIZE BS QD THREADS REPS INTERVAL LOG [aa]
 *
 * With "aa" both variants are "off": the ratio a busy machine gives for
 * no difference at all, to read the on/off ratio against.
 *
 * PATH is "null" (the generator and ring work alone, where a per-I/O cost
 * shows most) or a block device or file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <dgen/dgen.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* One run; its GB/s, or a negative value on failure; *@cpu: CPU s/GB. */
static double run(const char *path, uint64_t size, uint32_t bs, uint32_t qd,
		  uint32_t threads, int on, double interval, const char *log,
		  double *cpu)
{
	double c0 = cpu_s();
	struct dgen_stream_params p;
	struct dgen_writer_opts o;
	struct dgen_writer_result res;
	struct dgen_monitor_opts mo;
	struct dgen_monitor *m = NULL;
	struct dgen_target *t = NULL;
	struct dgen_stream *s = NULL;
	struct dgen_writer *w = NULL;
	FILE *lf = NULL;
	char msg[256];
	double gbps = -1;

	dgen_stream_params_init(&p);
	p.seed = 1;
	p.size = size;
	if (dgen_target_open(&t, path, 0, size, DGEN_TARGET_FORCE, msg, sizeof(msg)) ||
	    dgen_stream_new(&s, &p, msg, sizeof(msg))) {
		fprintf(stderr, "drivecost: %s\n", msg);
		goto out;
	}
	dgen_writer_opts_init(&o);
	o.io_size = bs;
	o.queue_depth = qd;
	o.threads = threads;
	o.target_stats = on;
	if (dgen_writer_new(&w, &o, &t, (const struct dgen_stream *const *)&s, 1,
			    msg, sizeof(msg))) {
		fprintf(stderr, "drivecost: %s\n", msg);
		goto out;
	}
	if (on) {
		lf = fopen(log, "w");
		dgen_monitor_opts_init(&mo);
		mo.interval_s = interval;
		mo.log = lf;
		if (!lf || dgen_monitor_new(&m, &mo, &path, NULL, 1))
			goto out;
	}
	if (dgen_writer_start(w, msg, sizeof(msg))) {
		fprintf(stderr, "drivecost: %s\n", msg);
		dgen_writer_wait(w, &res);
		goto out;
	}
	if (m)
		dgen_monitor_begin(m, w, DGEN_PHASE_WRITE, 1, &size);
	/* Both variants poll the same way; only the monitor's work differs. */
	while (dgen_writer_running(w)) {
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		if (m)
			dgen_monitor_poll(m);
	}
	if (!dgen_writer_wait(w, &res)) {
		gbps = (double)res.bytes / res.seconds / 1e9;
		*cpu = (cpu_s() - c0) / ((double)res.bytes / 1e9);
	}
	if (m) {
		dgen_monitor_end(m, -1);
		dgen_monitor_finish(m);
	}
out:
	dgen_monitor_free(m);
	if (lf)
		fclose(lf);
	dgen_writer_free(w);
	dgen_target_close(t);
	dgen_stream_free(s);
	return gbps;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	double off[64], on[64], coff[64], con[64], a, b, ca, cb;
	unsigned int reps;

	int aa = argc == 10 && !strcmp(argv[9], "aa");

	if (argc != 9 && !aa) {
		fprintf(stderr, "usage: dgen-drivecost PATH SIZE BS QD THREADS REPS INTERVAL LOG [aa]\n");
		return 2;
	}
	reps = (unsigned int)atoi(argv[6]);
	if (!reps || reps > 64)
		return 2;
	for (unsigned int r = 0; r < reps; r++) {
		/* Alternate which goes first, so neither always runs warm. */
		int first = r & 1;

		for (int i = 0; i < 2; i++) {
			int v = i ^ first;
			double c = 0, g = run(argv[1], strtoull(argv[2], NULL, 0),
					      (uint32_t)strtoul(argv[3], NULL, 0),
					      (uint32_t)atoi(argv[4]), (uint32_t)atoi(argv[5]),
					      v && !aa, atof(argv[7]), argv[8], &c);

			if (g < 0)
				return 1;
			(v ? on : off)[r] = g;
			(v ? con : coff)[r] = c;
		}
		printf("rep %u: off %.3f GB/s %.4f CPU s/GB, on %.3f GB/s %.4f CPU s/GB\n",
		       r, off[r], coff[r], on[r], con[r]);
	}
	a = median(off, reps);
	b = median(on, reps);
	ca = median(coff, reps);
	cb = median(con, reps);
	printf("%s%s: median off %.3f GB/s %.4f CPU s/GB, on %.3f GB/s %.4f CPU s/GB; on/off %.4f GB/s, %.4f CPU\n",
	       argv[1], aa ? " (A/A: both off)" : "", a, ca, b, cb, b / a,
	       cb / ca);
	return 0;
}
