// SPDX-License-Identifier: MIT
/*
 * crc.c - CRC-32 and CRC-32C, slicing-by-8 with an SSE4.2 variant
 *
 * Slicing-by-8 (Intel, Kounavis and Berry 2005, as in zlib and
 * libdeflate's crc32_slice8): eight 256-entry tables let the loop take
 * eight bytes per step, several times the speed of the byte-wise
 * Sarwate loop. The tables are built once on first use.
 *
 * CRC-32C has an instruction of its own on x86 since SSE4.2; the
 * instruction computes exactly the reflected Castagnoli CRC, so both paths
 * give the same bytes, and tests force the portable one through
 * DGEN_DISABLE_CPU_FEATURES.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/crc.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

static uint32_t tab32[8][256], tab32c[8][256];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;
static int use_sse42;

static void tab_make(uint32_t t[8][256], uint32_t poly)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ poly : c >> 1;
		t[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int s = 1; s < 8; s++)
			t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
}

/* Whether DGEN_DISABLE_CPU_FEATURES (comma-separated) names @what or all. */
static int disabled(const char *what)
{
	const char *env = getenv("DGEN_DISABLE_CPU_FEATURES");
	size_t n = strlen(what);

	while (env && *env) {
		size_t len = strcspn(env, ",");

		if ((len == n && !strncmp(env, what, n)) ||
		    (len == 3 && !strncmp(env, "all", 3)))
			return 1;
		env += len + (env[len] == ',');
	}
	return 0;
}

static void tab_init(void)
{
	tab_make(tab32, 0xedb88320u);
	tab_make(tab32c, 0x82f63b78u);
#if defined(__x86_64__)
	use_sse42 = __builtin_cpu_supports("sse4.2") && !disabled("sse42");
#endif
}

static uint32_t slice8(const uint32_t t[8][256], uint32_t crc,
		       const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		/* Little-endian: the first byte meets the low bits of crc. */
		v ^= crc;
		crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^
		      t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
		      t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^
		      t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = ~crc;

	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#endif

uint32_t dgen_crc32(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&tab_once, tab_init);
	return slice8(tab32, crc, buf, len);
}

uint32_t dgen_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&tab_once, tab_init);
#if defined(__x86_64__)
	if (use_sse42)
		return crc32c_sse42(crc, buf, len);
#endif
	return slice8(tab32c, crc, buf, len);
}
