// SPDX-License-Identifier: MIT
/*
 * parse.c - the values of options: sizes, whole numbers, ratios,
 * durations, seconds and rates (dgen/opts.h)
 *
 * strtoull alone accepts "-1" (as 2^64 - 1), leading spaces and an empty
 * string; every one of those is a typo worth refusing here, so the digits
 * are checked first.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dgen/opts.h>

int dgen_parse_u64(const char *s, uint64_t *out)
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

int dgen_parse_size(const char *s, uint64_t *out)
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

int dgen_parse_ratio(const char *s, double *out)
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

int dgen_parse_duration(const char *s, double *out)
{
	char *end;
	double x, mul = 1;

	/* strtod also takes spaces, a sign, "inf" and hex: none is a
	 * duration anyone means. */
	if ((!isdigit((unsigned char)*s) && *s != '.') || strpbrk(s, "xX"))
		return -EINVAL;
	x = strtod(s, &end);
	if (end == s || !isfinite(x) || x <= 0)
		return -EINVAL;
	if (*end) {
		switch (*end++) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -EINVAL;
		}
		if (*end)
			return -EINVAL;
	}
	/* The run adds it to a clock of int64 nanoseconds: past
	 * DGEN_DURATION_MAX_S (half that range, the clock's own reading
	 * keeps the rest) it would wrap, and under a nanosecond it is 0. */
	x *= mul;
	if (!(x <= DGEN_DURATION_MAX_S) || x * 1e9 < 1)
		return -ERANGE;
	*out = x;
	return 0;
}

int dgen_parse_seconds(const char *s, double *out)
{
	char *end;
	double x = strtod(s, &end);

	if (end == s || *end || !isfinite(x) || x < 0)
		return -EINVAL;
	*out = x;
	return 0;
}

int dgen_parse_rate(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	char buf[64];
	uint64_t x;

	/* A SIZE per second: "500M" or "500M/s", powers of 1024. */
	if (n >= 2 && !strcmp(s + n - 2, "/s"))
		n -= 2;
	if (n >= sizeof(buf) || !n)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (dgen_parse_size(buf, &x) || !x)
		return -EINVAL;
	*out = x;
	return 0;
}
