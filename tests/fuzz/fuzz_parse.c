// SPDX-License-Identifier: MIT
/*
 * fuzz_parse.c - the value parsers (dgen/opts.h): sizes, whole numbers,
 * ratios, durations, seconds, rates. The first byte picks the parser, the
 * rest is the string. A value taken is in the range each one promises.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <dgen/opts.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	uint64_t x = 0;
	double d = 0;
	int r;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	switch (data[0] % 6) {
	case 0:
		r = dgen_parse_size(s, &x);
		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
		break;
	case 1:
		r = dgen_parse_u64(s, &x);
		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
		break;
	case 2:
		r = dgen_parse_ratio(s, &d);
		FUZZ_CHECK(r || isfinite(d));
		break;
	case 3:
		r = dgen_parse_duration(s, &d);
		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
		/* What the run turns into int64 nanoseconds must fit. */
		FUZZ_CHECK(r || (isfinite(d) && d * 1e9 >= 1 &&
				 d <= DGEN_DURATION_MAX_S));
		break;
	case 4:
		r = dgen_parse_seconds(s, &d);
		FUZZ_CHECK(r || (isfinite(d) && d >= 0));
		break;
	default:
		r = dgen_parse_rate(s, &x);
		FUZZ_CHECK(r || x > 0);
		break;
	}
	free(s);
	return 0;
}
