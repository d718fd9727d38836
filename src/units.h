/* SPDX-License-Identifier: MIT */
/*
 * units.h - byte counts as people read them, for the reports
 */
#ifndef DGEN_SRC_UNITS_H
#define DGEN_SRC_UNITS_H

#include <stdint.h>
#include <stdio.h>

/*
 * Write @n as "512 B", "4 KiB", "1280 KiB", "17 MiB": in the largest unit
 * that holds it exactly with fewer than 10000 of them, else with one decimal
 * in the largest unit it reaches ("5.3 GiB"). Returns @buf.
 */
static inline const char *dgen_bytes_str(char *buf, size_t len, uint64_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int top = 0, u;

	while (top < 4 && n >= (1ull << (10 * (top + 1))))
		top++;
	for (u = top + 1; u-- > 0;) {
		if (n % (1ull << (10 * u)))
			continue;
		if ((n >> (10 * u)) < 10000) {
			/* As an unsigned int, the count's width is bounded for
			 * the compiler too (-Wformat-truncation at -O3). */
			snprintf(buf, len, "%u %s",
				 (unsigned int)(n >> (10 * u)), unit[u]);
			return buf;
		}
		break;
	}
	snprintf(buf, len, "%.1f %s", (double)n / (double)(1ull << (10 * top)),
		 unit[top]);
	return buf;
}

#endif /* DGEN_SRC_UNITS_H */
