// SPDX-License-Identifier: MIT
/*
 * health.c - the NVMe identity and health of each target around a run
 *
 * The library reads and judges (dgen/nvme.h); this keeps one record per
 * target and prints it. A target that is not NVMe has no record in the
 * reports; an NVMe target whose health cannot be read (no CAP_SYS_ADMIN)
 * says why and is not judged.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "util.h"

void health_begin(struct health *h, const char *path)
{
	int fd = dgen_nvme_open(path);

	memset(h, 0, sizeof(*h));
	if (fd < 0) {
		h->err = fd;
		return;
	}
	h->nvme = 1;
	h->err = dgen_nvme_identify(fd, &h->id);
	if (!h->err)
		h->err = dgen_nvme_health_read(fd, &h->before);
	h->have_before = !h->err;
	close(fd);
}

void health_end(struct health *h, const char *path)
{
	int fd;

	if (!h->have_before)
		return;
	fd = dgen_nvme_open(path);
	if (fd < 0) {
		h->err = fd;
		return;
	}
	h->err = dgen_nvme_health_read(fd, &h->after);
	h->have_after = !h->err;
	close(fd);
	if (h->have_after)
		h->bad = dgen_nvme_health_judge(&h->id, &h->before, &h->after,
						h->why, sizeof(h->why));
}

int health_unhealthy(const struct health *h, unsigned int n)
{
	for (unsigned int k = 0; h && k < n; k++)
		if (h[k].bad)
			return 1;
	return 0;
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

void health_json(const struct health *h)
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
	/* One data unit is 1000 x 512 bytes (rounded up by the drive). */
	printf(", \"during\": { \"data_units_written\": %llu, \"bytes_written\": %llu, \"host_write_commands\": %llu, \"data_units_read\": %llu, \"host_read_commands\": %llu },\n        \"before\": ",
	       (unsigned long long)(h->after.data_units_written - h->before.data_units_written),
	       (unsigned long long)(h->after.data_units_written - h->before.data_units_written) * 512000ull,
	       (unsigned long long)(h->after.host_write_commands - h->before.host_write_commands),
	       (unsigned long long)(h->after.data_units_read - h->before.data_units_read),
	       (unsigned long long)(h->after.host_read_commands - h->before.host_read_commands));
	snapshot_json(&h->before);
	printf(",\n        \"after\": ");
	snapshot_json(&h->after);
	printf(" }");
}

void health_human(const struct health *h)
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
}
