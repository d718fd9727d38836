/* SPDX-License-Identifier: MIT */
/*
 * units.h - byte counts as people read them, for the reports
 */
#ifndef DGEN_SRC_UNITS_H
#define DGEN_SRC_UNITS_H

#include <stdint.h>
#include <stdio.h>

/*
 * Write @n as "512 B", "4 KiB", "1 MiB", "1.5 GiB": exact when @n is a whole
 * number of the largest unit it reaches, else one decimal. Returns @buf.
 */
static inline const char *dgen_bytes_str(char *buf, size_t len, uint64_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (u < 4 && n >= (1ull << (10 * (u + 1))))
		u++;
	if (n % (1ull << (10 * u)) == 0)
		snprintf(buf, len, "%llu %s",
			 (unsigned long long)(n >> (10 * u)), unit[u]);
	else
		snprintf(buf, len, "%.1f %s", (double)n / (double)(1ull << (10 * u)),
			 unit[u]);
	return buf;
}

#endif /* DGEN_SRC_UNITS_H */
