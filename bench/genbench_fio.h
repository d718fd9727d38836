/* SPDX-License-Identifier: MIT */
/*
 * genbench_fio.h - fio's generator, for dgen-genbench to compare against
 */
#ifndef DGEN_BENCH_GENBENCH_FIO_H
#define DGEN_BENCH_GENBENCH_FIO_H

#include <stddef.h>

#define FIO_BS			"1M"	/* fio's write size */

/* fio_version - fio's version line ("fio-3.33"), or -ENOENT when fio does
 * not run. */
int fio_version(char *out, size_t outlen);

/*
 * fio_rate - run fio's generator at (d, c) for @secs (one job, one thread,
 * the null engine, a fresh random buffer per 1 MiB write) and return its
 * write bandwidth in *@bps. fio's messages go to our stderr. Returns 0 or
 * -errno (-EIO: fio failed or reported a job error).
 */
int fio_rate(double d, double c, double secs, double *bps);

#endif /* DGEN_BENCH_GENBENCH_FIO_H */
