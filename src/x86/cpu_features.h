/* SPDX-License-Identifier: MIT */
/*
 * cpu_features.h - which x86 instruction sets this CPU and OS can run
 */
#ifndef DGEN_X86_CPU_FEATURES_H
#define DGEN_X86_CPU_FEATURES_H

#define DGEN_X86_AVX2		(1u << 0)
#define DGEN_X86_AVX512		(1u << 1)	/* F + DQ + BW + VL */

/*
 * dgen_x86_cpu_features - the DGEN_X86_* bits usable here, less those named
 * in the environment variable DGEN_DISABLE_CPU_FEATURES (a comma-separated
 * list of "avx2", "avx512" or "all"), so tests can force each kernel.
 */
unsigned int dgen_x86_cpu_features(void);

#endif /* DGEN_X86_CPU_FEATURES_H */
