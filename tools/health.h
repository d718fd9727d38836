/* SPDX-License-Identifier: MIT */
/*
 * health.h - the NVMe identity and health of each target around a run
 * and its passes (the library's dgen_nvme_watch): the verdict (exit 4
 * when unhealthy) and the lines in the reports
 */
#ifndef DGEN_TOOLS_HEALTH_H
#define DGEN_TOOLS_HEALTH_H

#include <dgen/nvme.h>

#define EXIT_UNHEALTHY	4

/* health_unhealthy - any of the @n targets judged unhealthy. */
int health_unhealthy(const struct dgen_nvme_watch *h, unsigned int n);

/* health_free - release the @n watches and the array; NULL is allowed. */
void health_free(struct dgen_nvme_watch *h, unsigned int n);

/* health_json - ", \"nvme\": {...}, \"health\": {...}" for an NVMe
 * target, nothing otherwise (inside the target's JSON object). */
void health_json(const struct dgen_nvme_watch *h);

/* health_human - the target's identity and health lines, or nothing. */
void health_human(const struct dgen_nvme_watch *h);

#endif /* DGEN_TOOLS_HEALTH_H */
