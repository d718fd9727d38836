/* SPDX-License-Identifier: MIT */
/*
 * health.h - the NVMe identity and health of each target around a run,
 * its verdict (exit 4 when unhealthy) and its lines in the reports
 */
#ifndef DGEN_TOOLS_HEALTH_H
#define DGEN_TOOLS_HEALTH_H

#include <dgen/nvme.h>

#define EXIT_UNHEALTHY	4

struct health {
	int nvme;			/* the target is an NVMe device */
	int err;			/* 0, or why identity/health are missing */
	int have_before, have_after;
	struct dgen_nvme_identity id;
	struct dgen_nvme_health before, after;
	unsigned int bad;		/* DGEN_NVME_BAD_* */
	char why[256];
};

/* health_begin - identify @path and read its health, if it is NVMe. */
void health_begin(struct health *h, const char *path);

/* health_end - read the health again and judge the run. */
void health_end(struct health *h, const char *path);

/* health_unhealthy - any of the @n targets judged unhealthy. */
int health_unhealthy(const struct health *h, unsigned int n);

/* health_json - ", \"nvme\": {...}, \"health\": {...}" for an NVMe
 * target, nothing otherwise (inside the target's JSON object). */
void health_json(const struct health *h);

/* health_human - the target's identity and health lines, or nothing. */
void health_human(const struct health *h);

#endif /* DGEN_TOOLS_HEALTH_H */
