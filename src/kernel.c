// SPDX-License-Identifier: MIT
/*
 * kernel.c - the table of generation kernels and the choice among them
 *
 * Kernels are listed best first; the first one this CPU runs, less those
 * masked by DGEN_DISABLE_CPU_FEATURES, is the default. The choice is made
 * when a stream is created and stored in it. The CPU's features (and the
 * mask) are read once per process, on first use: a tree burn-in makes a
 * stream for every file of every pass, and the answer cannot change.
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <dgen/stream.h>

#include "kernel.h"
#if defined(__x86_64__) || defined(__i386__)
#include "x86/cpu_features.h"
#include "x86/kernels.h"
#define HAVE_X86 1
#endif

struct kernel_entry {
	struct dgen_kernel k;
	unsigned int needs;
};

static const struct kernel_entry kernels[] = {
#ifdef HAVE_X86
	{ { "avx512", dgen_fill_avx512, dgen_fill_blocks_avx512,
	    dgen_fill_sectors_avx512, dgen_fill_sector_blocks_avx512,
	    dgen_fill_sector_blocks_masked_avx512 }, DGEN_X86_AVX512 },
	{ { "avx2", dgen_fill_avx2, dgen_fill_blocks_avx2,
	    dgen_fill_sectors_avx2, dgen_fill_sector_blocks_avx2,
	    dgen_fill_sector_blocks_masked_avx2 }, DGEN_X86_AVX2 },
#endif
	{ { "generic", dgen_fill_generic, dgen_fill_blocks_generic,
	    dgen_fill_sectors_generic, dgen_fill_sector_blocks_generic,
	    dgen_fill_sector_blocks_masked_generic }, 0 },
};

static pthread_once_t features_once = PTHREAD_ONCE_INIT;
static unsigned int features;

static void features_detect(void)
{
#ifdef HAVE_X86
	features = dgen_x86_cpu_features();
#endif
}

static unsigned int cpu_features(void)
{
	pthread_once(&features_once, features_detect);
	return features;
}

static const struct dgen_kernel *kernel_usable(unsigned int i)
{
	unsigned int have = cpu_features();
	unsigned int j;

	for (j = 0; j < sizeof(kernels) / sizeof(kernels[0]); j++) {
		if ((kernels[j].needs & have) != kernels[j].needs)
			continue;
		if (i-- == 0)
			return &kernels[j].k;
	}
	return NULL;
}

const char *dgen_kernel_name(unsigned int i)
{
	const struct dgen_kernel *k = kernel_usable(i);

	return k ? k->name : NULL;
}

const struct dgen_kernel *dgen_kernel_find(const char *name)
{
	const struct dgen_kernel *k;
	unsigned int i;

	for (i = 0; (k = kernel_usable(i)); i++)
		if (!name || !strcmp(name, k->name))
			return k;
	return NULL;
}
