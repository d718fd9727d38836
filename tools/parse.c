// SPDX-License-Identifier: MIT
/*
 * parse.c - command-line value parsing shared by the tools
 *
 * strtoull alone accepts "-1" (as 2^64 - 1), leading spaces and an empty
 * string; every one of those is a typo worth refusing here, so the digits
 * are checked first.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "parse.h"

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgtp";
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end) {
		for (unsigned int i = 0; units[i]; i++)
			if (tolower((unsigned char)*end) == units[i])
				shift = 10 * (i + 1);
		if (shift)
			end++;
		if (shift && !strcasecmp(end, "ib"))
			end += 2;
		else if (!strcasecmp(end, "b"))
			end++;
		if (*end)
			return -EINVAL;
	}
	if (shift && v > (~0ull >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int parse_ratio(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -EINVAL;
	v = strtod(s, &end);
	if (*end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}
