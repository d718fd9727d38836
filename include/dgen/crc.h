/* SPDX-License-Identifier: MIT */
/*
 * dgen/crc.h - CRC-32 (zip, gzip, PNG) and CRC-32C (Castagnoli: iSCSI,
 * ext4, TFRecord) for the dataset formats
 */
#ifndef DGEN_CRC_H
#define DGEN_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * dgen_crc32 - continue the CRC-32 (reflected polynomial 0xedb88320, as zip
 * and zlib's crc32()) @crc over @len bytes at @buf. Start with 0; the
 * result of one call is the @crc of the next, so any split of the data
 * gives the same value.
 */
uint32_t dgen_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * dgen_crc32c - the same for CRC-32C (reflected polynomial 0x82f63b78).
 * Uses the SSE4.2 crc32 instruction where the CPU has it (unless
 * DGEN_DISABLE_CPU_FEATURES names sse42 or all); byte-identical either way.
 */
uint32_t dgen_crc32c(uint32_t crc, const void *buf, size_t len);

/* dgen_crc32c_mask - TFRecord's masked CRC: rotate right by 15, add a constant. */
static inline uint32_t dgen_crc32c_mask(uint32_t crc)
{
	return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

#ifdef __cplusplus
}
#endif

#endif /* DGEN_CRC_H */
