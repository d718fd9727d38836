// SPDX-License-Identifier: MIT
/*
 * cpu_features.c - x86 feature detection with a mask for tests
 *
 * __builtin_cpu_supports() reads CPUID and also checks (through XGETBV) that
 * the OS saves the AVX and AVX-512 register state, so a set bit is safe to
 * use. The mask mirrors libdeflate's LIBDEFLATE_DISABLE_CPU_FEATURES.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu_features.h"

static unsigned int features_masked(const char *list)
{
	unsigned int mask = 0;
	char buf[128];
	char *tok, *save = NULL;

	if (!list)
		return 0;
	strncpy(buf, list, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "avx2"))
			mask |= DGEN_X86_AVX2;
		else if (!strcmp(tok, "avx512"))
			mask |= DGEN_X86_AVX512;
		else if (!strcmp(tok, "all"))
			mask |= ~0u;
	}
	return mask;
}

unsigned int dgen_x86_cpu_features(void)
{
	unsigned int f = 0;

	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		f |= DGEN_X86_AVX2;
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl"))
		f |= DGEN_X86_AVX512;
	return f & ~features_masked(getenv("DGEN_DISABLE_CPU_FEATURES"));
}
