// SPDX-License-Identifier: MIT
/*
 * trim.c - --trim: discard every target's range before the first pass
 */
#include <stdio.h>

#include <dgen/dgen.h>

#include "trim.h"
#include "util.h"

int trim_targets(struct dgen_target *const *t, unsigned int n,
		 struct dgen_discard_result *res)
{
	char msg[512];

	for (unsigned int k = 0; k < n; k++)
		if (dgen_target_discard_check(t[k], msg, sizeof(msg))) {
			fprintf(stderr, "dgen-uring: %s\n", msg);
			return 2;
		}
	for (unsigned int k = 0; k < n; k++)
		if (dgen_target_discard(t[k], &res[k], msg, sizeof(msg))) {
			fprintf(stderr, "dgen-uring: %s\n", msg);
			return 3;
		}
	return 0;
}

void trim_json(const struct dgen_discard_result *res)
{
	if (!res || !res->how)
		return;
	printf(",\n      \"trim\": { \"how\": \"%s\", \"bytes\": %llu, \"seconds\": %.6f }",
	       res->how, (unsigned long long)res->bytes, res->seconds);
}

void trim_human(const struct dgen_discard_result *res)
{
	if (!res || !res->how)
		return;
	printf("    trim: %llu bytes discarded (%s) in %.3f s\n",
	       (unsigned long long)res->bytes, res->how, res->seconds);
}

void trim_report(struct dgen_target *const *t, unsigned int n,
		 const struct dgen_discard_result *res, int json)
{
	struct dgen_target_info i;

	if (json)
		printf("{\n  \"dgen-uring\": \"%s\",\n  \"status\": \"ok\",\n  \"mode\": \"trim-only\",\n  \"targets\": [\n",
		       DGEN_VERSION_STRING);
	else
		printf("dgen-uring %s: trim only, %u target%s, nothing written\n",
		       DGEN_VERSION_STRING, n, n > 1 ? "s" : "");
	for (unsigned int k = 0; k < n; k++) {
		dgen_target_info_get(t[k], &i);
		if (json) {
			printf("    { \"path\": ");
			json_string(i.path);
			printf(", \"offset\": %llu, \"size\": %llu",
			       (unsigned long long)i.offset,
			       (unsigned long long)i.size);
			trim_json(&res[k]);
			printf(" }%s\n", k + 1 < n ? "," : "");
		} else {
			printf("  %s: offset %llu, size %llu\n", i.path,
			       (unsigned long long)i.offset,
			       (unsigned long long)i.size);
			trim_human(&res[k]);
		}
	}
	if (json)
		printf("  ]\n}\n");
	else
		printf("  status: ok\n");
}
