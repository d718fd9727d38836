// SPDX-License-Identifier: MIT
/*
 * placement_cpus.c - CPU lists: "0-3,8,10-11" to CPU numbers and back
 *
 * The --cpus option's list, checked against the machine's PUs (a CPU the
 * machine lacks, or one given twice, is refused with the range it has),
 * and the compact form plans and reports print.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/placement.h>

#include "refuse.h"

static int parse_uint(const char **s, unsigned int *v)
{
	unsigned long long x = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		x = x * 10 + (unsigned int)(*p++ - '0');
		if (x > 1u << 20)
			return -EINVAL;
	}
	*s = p;
	*v = (unsigned int)x;
	return 0;
}

static void cpu_range_str(const struct dgen_topology *t, char *buf, size_t len)
{
	unsigned int i, lo = ~0u, hi = 0;

	for (i = 0; i < t->npus; i++) {
		if (t->pus[i] < lo)
			lo = t->pus[i];
		if (t->pus[i] > hi)
			hi = t->pus[i];
	}
	snprintf(buf, len, "%u PUs numbered %u-%u", t->npus, lo, hi);
}

int dgen_cpulist_parse(const struct dgen_topology *t, const char *list,
		       unsigned int **cpus, char *msg, size_t msglen)
{
	const char *p = list;
	unsigned int *out = NULL, n = 0, lo, hi, c, i;
	char have[64];
	int r;

	*cpus = NULL;
	if (!list || !*list)
		return dgen_refuse(-EINVAL, msg, msglen, "the CPU list is empty");
	cpu_range_str(t, have, sizeof(have));
	out = malloc(t->npus * sizeof(*out));
	if (!out)
		return -ENOMEM;

	for (;;) {
		const char *item = p;

		if (parse_uint(&p, &lo) < 0) {
			if (*p == ',' || !*p)
				r = dgen_refuse(-EINVAL, msg, msglen,
						  "CPU list \"%s\": empty item at position %zu",
						  list, (size_t)(item - list) + 1);
			else
				r = dgen_refuse(-EINVAL, msg, msglen,
						  "CPU list \"%s\": \"%.*s\" at position %zu is not a CPU number",
						  list, (int)strcspn(item, ","), item,
						  (size_t)(item - list) + 1);
			goto err;
		}
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_uint(&p, &hi) < 0) {
				r = dgen_refuse(-EINVAL, msg, msglen,
						  "CPU list \"%s\": range \"%.*s\" has no upper end",
						  list, (int)strcspn(item, ","), item);
				goto err;
			}
			if (hi < lo) {
				r = dgen_refuse(-EINVAL, msg, msglen,
						  "CPU list \"%s\": range %u-%u is reversed (write %u-%u)",
						  list, lo, hi, hi, lo);
				goto err;
			}
		}
		if (*p && *p != ',') {
			r = dgen_refuse(-EINVAL, msg, msglen,
					  "CPU list \"%s\": \"%.*s\" at position %zu is not a CPU number or range",
					  list, (int)strcspn(item, ","), item,
					  (size_t)(item - list) + 1);
			goto err;
		}
		for (c = lo; c <= hi; c++) {
			if (dgen_topology_core_of_cpu(t, c) < 0) {
				r = dgen_refuse(-EINVAL, msg, msglen,
						  "CPU list \"%s\": CPU %u is not on this machine (%s)",
						  list, c, have);
				goto err;
			}
			for (i = 0; i < n; i++)
				if (out[i] == c)
					break;
			if (i < n) {
				r = dgen_refuse(-EINVAL, msg, msglen,
						  "CPU list \"%s\": CPU %u is listed twice",
						  list, c);
				goto err;
			}
			out[n++] = c;
		}
		if (!*p)
			break;
		p++;
	}
	*cpus = out;
	return (int)n;
err:
	free(out);
	return r;
}

size_t dgen_cpulist_format(char *buf, size_t len, const unsigned int *cpus,
			   unsigned int n)
{
	size_t need = 0;
	unsigned int i = 0;

	if (len)
		buf[0] = '\0';
	while (i < n) {
		unsigned int j = i;
		char item[32];
		size_t k;

		while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
			j++;
		if (j > i)
			k = (size_t)snprintf(item, sizeof(item), "%s%u-%u",
					     i ? "," : "", cpus[i], cpus[j]);
		else
			k = (size_t)snprintf(item, sizeof(item), "%s%u",
					     i ? "," : "", cpus[i]);
		if (need + k < len)
			memcpy(buf + need, item, k + 1);
		else if (need < len)
			buf[need] = '\0';
		need += k;
		i = j + 1;
	}
	return need;
}
