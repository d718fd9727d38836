// SPDX-License-Identifier: MIT
/*
 * health.c - the NVMe identity and health of each target around a run
 * and its passes
 *
 * The library reads and judges (dgen/nvme.h, dgen_nvme_watch); this
 * prints its record of each target. A target that is not NVMe has no record in the
 * reports; an NVMe target whose health cannot be read (no CAP_SYS_ADMIN)
 * says why and is not judged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "util.h"

int health_unhealthy(const struct dgen_nvme_watch *h, unsigned int n)
{
	for (unsigned int k = 0; h && k < n; k++)
		if (h[k].bad)
			return 1;
	return 0;
}

void health_free(struct dgen_nvme_watch *h, unsigned int n)
{
	for (unsigned int k = 0; h && k < n; k++)
		dgen_nvme_watch_free(&h[k]);
	free(h);
}

static void snapshot_json(const struct dgen_nvme_health *s)
{
	printf("{ \"critical_warning\": %u, \"warnings\": [", s->critical_warning);
	for (unsigned int b = 0, n = 0; b < 8; b++)
		if (s->critical_warning & (1u << b)) {
			const char *name = dgen_nvme_warning_name(1u << b);

			printf("%s\"%s\"", n++ ? ", " : "", name ? name : "reserved");
		}
	printf("], \"temperature_c\": %d, \"available_spare\": %u, \"spare_threshold\": %u, \"percentage_used\": %u, \"media_errors\": %llu, \"num_err_log_entries\": %llu, \"data_units_read\": %llu, \"data_units_written\": %llu, \"host_read_commands\": %llu, \"host_write_commands\": %llu, \"power_on_hours\": %llu, \"unsafe_shutdowns\": %llu }",
	       (int)s->temperature_k - 273, s->available_spare,
	       s->spare_threshold, s->percentage_used,
	       (unsigned long long)s->media_errors,
	       (unsigned long long)s->num_err_log_entries,
	       (unsigned long long)s->data_units_read,
	       (unsigned long long)s->data_units_written,
	       (unsigned long long)s->host_read_commands,
	       (unsigned long long)s->host_write_commands,
	       (unsigned long long)s->power_on_hours,
	       (unsigned long long)s->unsafe_shutdowns);
}

/* What the drive counted between two logs. One data unit is 1000 x 512
 * bytes (rounded up by the drive). */
static void during_json(const struct dgen_nvme_health *b,
			const struct dgen_nvme_health *a)
{
	printf("{ \"data_units_written\": %llu, \"bytes_written\": %llu, \"host_write_commands\": %llu, \"data_units_read\": %llu, \"host_read_commands\": %llu }",
	       (unsigned long long)(a->data_units_written - b->data_units_written),
	       (unsigned long long)(a->data_units_written - b->data_units_written) * 512000ull,
	       (unsigned long long)(a->host_write_commands - b->host_write_commands),
	       (unsigned long long)(a->data_units_read - b->data_units_read),
	       (unsigned long long)(a->host_read_commands - b->host_read_commands));
}

/* Each pass: its verdict, what it wrote and read, the log at its end. */
static void passes_json(const struct dgen_nvme_watch *h)
{
	char why[256];

	if (!h->npasses)
		return;
	printf(",\n        \"passes\": [");
	for (unsigned int i = 0; i < h->npasses; i++) {
		const struct dgen_nvme_pass *p = &h->passes[i];

		printf("%s\n          { \"pass\": %llu, ", i ? "," : "",
		       (unsigned long long)p->pass);
		if (p->err) {
			printf("\"verdict\": null, \"error\": ");
			json_string(strerror(-p->err));
			printf(" }");
			continue;
		}
		dgen_nvme_health_judge(&h->id, &p->before, &p->after, why,
				       sizeof(why));
		printf("\"verdict\": \"%s\", \"reasons\": ",
		       p->bad ? "unhealthy" : "ok");
		json_string(why);
		printf(", \"during\": ");
		during_json(&p->before, &p->after);
		printf(", \"after\": ");
		snapshot_json(&p->after);
		printf(" }");
	}
	printf(" ]");
}

void health_json(const struct dgen_nvme_watch *h)
{
	if (!h || !h->nvme)
		return;
	printf(",\n      \"nvme\": { \"model\": ");
	json_string(h->id.model);
	printf(", \"serial\": ");
	json_string(h->id.serial);
	printf(", \"firmware\": ");
	json_string(h->id.firmware);
	printf(", \"wctemp_c\": %d, \"cctemp_c\": %d }",
	       h->id.wctemp_k ? (int)h->id.wctemp_k - 273 : 0,
	       h->id.cctemp_k ? (int)h->id.cctemp_k - 273 : 0);
	printf(",\n      \"health\": { ");
	if (!h->have_before || !h->have_after) {
		printf("\"verdict\": null, \"error\": ");
		json_string(strerror(-h->err));
		printf(" }");
		return;
	}
	printf("\"verdict\": \"%s\", \"reasons\": ", h->bad ? "unhealthy" : "ok");
	json_string(h->why);
	printf(", \"first_unhealthy_pass\": ");
	if (h->bad_pass)
		printf("%llu", (unsigned long long)h->bad_pass);
	else
		printf("null");
	printf(", \"during\": ");
	during_json(&h->before, &h->after);
	printf(",\n        \"before\": ");
	snapshot_json(&h->before);
	printf(",\n        \"after\": ");
	snapshot_json(&h->after);
	passes_json(h);
	printf(" }");
}

void health_human(const struct dgen_nvme_watch *h)
{
	const struct dgen_nvme_health *a;

	if (!h || !h->nvme)
		return;
	a = &h->after;
	printf("    nvme: %s, serial %s, firmware %s\n", h->id.model,
	       h->id.serial, h->id.firmware);
	if (!h->have_before || !h->have_after) {
		printf("    health: not read (%s)\n", strerror(-h->err));
		return;
	}
	printf("    health: %s%s%s; temperature %d C (warning %d C), critical warning 0x%02x, spare %u%% (threshold %u%%), used %u%%, media errors %llu, error log %llu; during the run: %llu data units (%llu MB) and %llu commands written\n",
	       h->bad ? "UNHEALTHY (" : "ok", h->why, h->bad ? ")" : "",
	       (int)a->temperature_k - 273,
	       h->id.wctemp_k ? (int)h->id.wctemp_k - 273 : 0,
	       a->critical_warning, a->available_spare, a->spare_threshold,
	       a->percentage_used, (unsigned long long)a->media_errors,
	       (unsigned long long)a->num_err_log_entries,
	       (unsigned long long)(a->data_units_written - h->before.data_units_written),
	       (unsigned long long)(a->data_units_written - h->before.data_units_written) * 512000ull / 1000000ull,
	       (unsigned long long)(a->host_write_commands - h->before.host_write_commands));
	if (h->npasses)
		printf("    health by pass: %u read, %s%llu\n", h->npasses,
		       h->bad_pass ? "first unhealthy: pass " : "all ok, the last: pass ",
		       (unsigned long long)(h->bad_pass ? h->bad_pass :
					    h->passes[h->npasses - 1].pass));
}
