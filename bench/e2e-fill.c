// SPDX-License-Identifier: MIT
/*
 * e2e-fill.c - the generator alone, with the writer's buffer footprint
 *
 * The end-to-end benchmark compares the null target (generation and ring
 * work, no device I/O) with generation alone. A worker cycles through
 * qd buffers of bs bytes, so the fair baseline fills the same ring of
 * buffers walking forward through the stream, one thread per core,
 * and reports GB/s per core and CPU seconds per GB.
 *
 *   dgen-e2e-fill BS QD SECONDS [DEDUP COMPRESS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <dgen/dgen.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct dgen_stream_params p;
	struct dgen_stream *s;
	struct rusage ru;
	uint64_t off = 0, bs, qd;
	double secs, t0, t;
	uint8_t *mem;

	if (argc < 4) {
		fprintf(stderr, "usage: %s BS QD SECONDS [DEDUP COMPRESS]\n", argv[0]);
		return 2;
	}
	bs = strtoull(argv[1], NULL, 0);
	qd = strtoull(argv[2], NULL, 0);
	secs = strtod(argv[3], NULL);
	dgen_stream_params_init(&p);
	p.seed = 1;
	p.size = 1ull << 40;
	if (argc > 5) {
		p.dedup_ratio = strtod(argv[4], NULL);
		p.compress_ratio = strtod(argv[5], NULL);
	}
	if (dgen_stream_new(&s, &p, NULL, 0) ||
	    posix_memalign((void **)&mem, 2 << 20, bs * qd))
		return 1;
	t0 = now_s();
	do {
		for (uint64_t b = 0; b < qd; b++, off += bs)
			dgen_stream_fill(s, mem + b * bs, off % p.size, bs);
		t = now_s() - t0;
	} while (t < secs);
	getrusage(RUSAGE_SELF, &ru);
	printf("{ \"bytes\": %llu, \"seconds\": %.6f, \"gbps\": %.4f, \"cpu_s\": %.6f }\n",
	       (unsigned long long)off, t, (double)off / t / 1e9,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	free(mem);
	dgen_stream_free(s);
	return 0;
}
