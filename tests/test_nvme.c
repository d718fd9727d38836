// SPDX-License-Identifier: MIT
/*
 * test_nvme.c - the health verdict, and NVMe detection on what is not
 * NVMe (the drives themselves are tested in the VM: tests/vm)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <dgen/dgen.h>

static const struct dgen_nvme_identity id = { .wctemp_k = 343, .cctemp_k = 353 };

static struct dgen_nvme_health healthy(void)
{
	return (struct dgen_nvme_health) {
		.temperature_k = 323, .available_spare = 100,
		.spare_threshold = 10, .media_errors = 3,
		.num_err_log_entries = 7,
	};
}

Test(nvme, healthy_drive_passes)
{
	struct dgen_nvme_health b = healthy(), a = healthy();
	char why[256] = "x";

	a.data_units_written += 1000;
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "");
}

Test(nvme, each_rule_fails_alone)
{
	struct dgen_nvme_health b = healthy(), a;
	char why[256];

	a = healthy();
	a.critical_warning = DGEN_NVME_CW_TEMPERATURE | DGEN_NVME_CW_READ_ONLY;
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, why, sizeof(why)),
		     DGEN_NVME_BAD_CRITICAL_WARNING);
	cr_assert_str_eq(why, "critical warning 0x0a (temperature, read_only)");

	a = healthy();
	a.media_errors++;
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, why, sizeof(why)),
		     DGEN_NVME_BAD_MEDIA_ERRORS);
	cr_assert_str_eq(why, "1 new media errors");

	a = healthy();
	a.num_err_log_entries += 2;
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, why, sizeof(why)),
		     DGEN_NVME_BAD_ERROR_LOG);

	a = healthy();
	a.available_spare = 9;
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, why, sizeof(why)),
		     DGEN_NVME_BAD_SPARE);
	a.available_spare = 10;		/* at the threshold is still fine */
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, NULL, 0), 0);

	a = healthy();
	a.temperature_k = 343;
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, why, sizeof(why)),
		     DGEN_NVME_BAD_TEMPERATURE);
	cr_assert_str_eq(why, "temperature 70 C at or over the warning threshold 70 C");
	/* No threshold from Identify: temperature is not judged. */
	cr_assert_eq(dgen_nvme_health_judge(NULL, &b, &a, NULL, 0), 0);
}

Test(nvme, reasons_accumulate)
{
	struct dgen_nvme_health b = healthy(), a = healthy();
	char why[256];

	a.media_errors += 5;
	a.num_err_log_entries += 1;
	cr_assert_eq(dgen_nvme_health_judge(&id, &b, &a, why, sizeof(why)),
		     DGEN_NVME_BAD_MEDIA_ERRORS | DGEN_NVME_BAD_ERROR_LOG);
	cr_assert_str_eq(why, "5 new media errors; 1 new error-log entries");
	/* A short buffer is cut, never overrun. */
	cr_assert_neq(dgen_nvme_health_judge(&id, &b, &a, why, 8), 0);
	cr_assert_eq(strlen(why), 7);
}

Test(nvme, not_nvme)
{
	char path[] = "/dev/shm/dgen-nvme-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(dgen_nvme_open(path), -ENOTTY, "a regular file");
	unlink(path);
	cr_assert_eq(dgen_nvme_open("/dev/null"), -ENOTTY, "a char device");
	cr_assert_eq(dgen_nvme_open("/dev/shm/dgen-nvme-missing"), -ENOENT);
	cr_assert_str_eq(dgen_nvme_warning_name(DGEN_NVME_CW_SPARE), "spare");
	cr_assert_null(dgen_nvme_warning_name(3));
}

/* A char device that is not an NVMe generic device is refused as a
 * target, and names what it would take. */
Test(nvme, char_device_not_generic_refused)
{
	struct dgen_target *t = NULL;
	char msg[512], blk[64];

	cr_assert_eq(dgen_target_open(&t, "/dev/null", 0, 4096, 0, msg,
				      sizeof(msg)), -EINVAL);
	cr_assert_null(t);
	cr_assert_not_null(strstr(msg, "not an NVMe generic device"), "%s", msg);
	cr_assert_eq(dgen_nvme_generic_block("/dev/null", blk, sizeof(blk)), -ENOTTY);
	cr_assert_eq(dgen_nvme_generic_block("/dev/shm", blk, sizeof(blk)), -ENOTTY);
}

/*
 * A watch on what is not NVMe records nothing, judges nothing and sends
 * no command: a burn-in over files or loop devices has no health (the
 * watch on drives is tested in the VM).
 */
Test(nvme, watch_of_a_file_is_silent)
{
	char path[] = "/dev/shm/dgen-nvme-XXXXXX", why[64] = "x";
	struct dgen_nvme_watch w;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	dgen_nvme_watch_begin(&w, path);
	cr_assert(!w.nvme && w.err == -ENOTTY && !w.have_before);
	cr_assert_eq(dgen_nvme_watch_pass(&w, 1, 0, why, sizeof(why)), 0);
	cr_assert_eq(dgen_nvme_watch_pass(&w, 1, 1, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "");
	cr_assert_eq(w.npasses, 0);
	cr_assert_eq(dgen_nvme_watch_end(&w), 0);
	cr_assert(!w.have_after && !w.bad && !w.bad_pass);
	dgen_nvme_watch_free(&w);
	unlink(path);
}
