/* SPDX-License-Identifier: MIT */
/*
 * parse.h - command-line value parsing shared by the tools
 */
#ifndef DGEN_TOOLS_PARSE_H
#define DGEN_TOOLS_PARSE_H

#include <stdint.h>

/*
 * parse_size - a byte count: digits, then optionally K, M, G, T or P, each
 * alone or followed by B or iB, any case; all are powers of 1024 (fio's
 * default kb_base). Returns 0, or -EINVAL for anything else or -ERANGE
 * past 2^64 - 1.
 */
int parse_size(const char *s, uint64_t *out);

/* parse_u64 - a whole number, decimal or 0x hex. 0, -EINVAL or -ERANGE. */
int parse_u64(const char *s, uint64_t *out);

/* parse_ratio - a finite decimal number. 0 or -EINVAL. */
int parse_ratio(const char *s, double *out);

#endif /* DGEN_TOOLS_PARSE_H */
