// SPDX-License-Identifier: MIT
/*
 * util.c - small helpers the tools share for clocks and reports
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <dgen/writer.h>

#include "util.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void json_string_to(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_string(const char *s)
{
	json_string_to(stdout, s);
}

/*
 * The dedup window a stream of these parameters really has (the default is
 * derived from d and the size), from the library's own layout; nothing when
 * the size is not known.
 */
static void json_stream_window(FILE *f, const struct dgen_stream_params *p,
			       uint64_t seed, uint64_t id, uint64_t size)
{
	struct dgen_stream_params q = *p;
	struct dgen_stream_layout lay;
	struct dgen_stream *s;

	q.seed = seed;
	q.stream_id = id;
	if (size)
		q.size = size;
	if (!q.size || dgen_stream_new(&s, &q, NULL, 0) < 0)
		return;
	dgen_stream_layout_get(s, &lay);
	fprintf(f, ", \"dedup_window\": %llu, \"dedup_exact_unit\": %u",
		(unsigned long long)lay.dedup_window, lay.dedup_exact_unit);
	dgen_stream_free(s);
}

void json_stream(FILE *f, const struct dgen_stream_params *p, uint64_t seed,
		 uint64_t id, uint64_t size, unsigned int fields)
{
	fprintf(f, "\"seed\": %llu", (unsigned long long)seed);
	if (fields & JSON_STREAM_ID)
		fprintf(f, ", \"stream_id\": %llu", (unsigned long long)id);
	if (fields & JSON_STREAM_SIZE)
		fprintf(f, ", \"size\": %llu", (unsigned long long)size);
	fprintf(f, ", \"dedup_ratio\": %.17g, \"dedup_unit\": %u, \"compress_ratio\": %.17g, \"format_version\": %d",
		p->dedup_ratio, p->dedup_unit, p->compress_ratio,
		DGEN_STREAM_FORMAT_VERSION);
	json_stream_window(f, p, seed, id, size);
}

void json_latency(const struct dgen_latency *l)
{
	printf("{ \"min\": %.3f, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p99.9\": %.3f, \"max\": %.3f }",
	       l->count ? (double)l->min_ns / 1e3 : 0,
	       l->count ? (double)l->sum_ns / (double)l->count / 1e3 : 0,
	       (double)dgen_latency_percentile(l, 50) / 1e3,
	       (double)dgen_latency_percentile(l, 99) / 1e3,
	       (double)dgen_latency_percentile(l, 99.9) / 1e3,
	       (double)l->max_ns / 1e3);
}

void human_latency(const char *what, const struct dgen_latency *l)
{
	printf("  lat (usec)%s: min %.1f, p50 %.1f, p99 %.1f, p99.9 %.1f, max %.1f\n",
	       what, l->count ? (double)l->min_ns / 1e3 : 0,
	       (double)dgen_latency_percentile(l, 50) / 1e3,
	       (double)dgen_latency_percentile(l, 99) / 1e3,
	       (double)dgen_latency_percentile(l, 99.9) / 1e3,
	       (double)l->max_ns / 1e3);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(%s --help lists the options)\n", tool_name);
	exit(EXIT_USAGE);
}

void say_refusal(const char *msg, int err)
{
	fprintf(stderr, "%s: %s%s\n", tool_name, msg,
		err == -EEXIST ? " (--force: go ahead)" : "");
}

const char *size_str(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (u < 4 && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	return buf;
}

const char *iopoll_hint(int err, unsigned int ring_flags)
{
	return err == -EOPNOTSUPP && (ring_flags & DGEN_RING_IOPOLL) ?
	       " (--iopoll needs a device with polled queues, e.g. nvme with poll_queues set)" : "";
}
