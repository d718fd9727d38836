/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what every fuzz target shares: libFuzzer's entry point, and a
 * check that aborts (a finding for libFuzzer, a failure for the replay)
 */
#ifndef DGEN_TESTS_FUZZ_H
#define DGEN_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: false is a bug, found. */
#define FUZZ_CHECK(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s does not hold\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif /* DGEN_TESTS_FUZZ_H */
