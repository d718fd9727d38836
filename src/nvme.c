// SPDX-License-Identifier: MIT
/*
 * nvme.c - Identify Controller and the SMART / Health log through the
 * kernel's NVMe admin passthrough ioctl, and the health verdict of a run
 *
 * The kernel forwards NVME_IOCTL_ADMIN_CMD from a namespace's block or
 * generic device to its controller, so the target's own path is enough;
 * the ioctl is only sent once sysfs says the device is NVMe, never to a
 * driver that might read the number differently.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nvme_ioctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <dgen/nvme.h>

#define NVME_ADMIN_GET_LOG_PAGE	0x02
#define NVME_ADMIN_IDENTIFY	0x06
#define NVME_LOG_SMART		0x02
#define NVME_CNS_CTRL		0x01
#define NVME_NSID_ALL		0xffffffffu
#define SMART_LEN		512u
#define IDENTIFY_LEN		4096u

/* Is the device @st an NVMe namespace, partition, generic or controller
 * device? Its sysfs node sits under an nvme controller or subsystem. */
static int is_nvme(const struct stat *st)
{
	char link[64], real[PATH_MAX];

	if (!S_ISBLK(st->st_mode) && !S_ISCHR(st->st_mode))
		return 0;
	snprintf(link, sizeof(link), "/sys/dev/%s/%u:%u",
		 S_ISBLK(st->st_mode) ? "block" : "char",
		 major(st->st_rdev), minor(st->st_rdev));
	if (!realpath(link, real))
		return 0;
	return strstr(real, "/nvme/") || strstr(real, "/nvme-subsystem/");
}

int dgen_nvme_open(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -errno;
	if (!is_nvme(&st))
		return -ENOTTY;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int admin(int fd, uint8_t opcode, uint32_t nsid, uint32_t cdw10,
		 void *buf, uint32_t len)
{
	struct nvme_admin_cmd c;
	int r;

	memset(&c, 0, sizeof(c));
	c.opcode = opcode;
	c.nsid = nsid;
	c.addr = (uint64_t)(uintptr_t)buf;
	c.data_len = len;
	c.cdw10 = cdw10;
	c.timeout_ms = 10000;
	r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c);
	if (r < 0)
		return -errno;
	return r ? -EIO : 0;		/* > 0: the drive's NVMe status */
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The low 64 bits of a 128-bit little-endian counter. */
static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* An ASCII field padded with blanks, as a C string without them. */
static void field(char *dst, const uint8_t *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = 0;
	while (len && (dst[len - 1] == ' ' || dst[len - 1] == 0))
		dst[--len] = 0;
}

int dgen_nvme_identify(int fd, struct dgen_nvme_identity *out)
{
	uint8_t *b;
	int r;

	memset(out, 0, sizeof(*out));
	if (posix_memalign((void **)&b, 4096, IDENTIFY_LEN))
		return -ENOMEM;
	memset(b, 0, IDENTIFY_LEN);
	r = admin(fd, NVME_ADMIN_IDENTIFY, 0, NVME_CNS_CTRL, b, IDENTIFY_LEN);
	if (!r) {
		field(out->serial, b + 4, 20);
		field(out->model, b + 24, 40);
		field(out->firmware, b + 64, 8);
		/* MDTS is a power of two of the minimum memory page (CAP.MPSMIN,
		 * 4 KiB on every controller Linux drives). */
		out->mdts_bytes = b[77] && b[77] < 20 ? 4096u << b[77] : 0;
		out->wctemp_k = le16(b + 266);
		out->cctemp_k = le16(b + 268);
	}
	free(b);
	return r;
}

int dgen_nvme_health_read(int fd, struct dgen_nvme_health *out)
{
	uint8_t *b;
	int r;

	memset(out, 0, sizeof(*out));
	if (posix_memalign((void **)&b, 4096, SMART_LEN))
		return -ENOMEM;
	memset(b, 0, SMART_LEN);
	/* cdw10: number of dwords minus one in bits 16-27, log id below. */
	r = admin(fd, NVME_ADMIN_GET_LOG_PAGE, NVME_NSID_ALL,
		  (SMART_LEN / 4 - 1) << 16 | NVME_LOG_SMART, b, SMART_LEN);
	if (!r) {
		out->critical_warning = b[0];
		out->temperature_k = le16(b + 1);
		out->available_spare = b[3];
		out->spare_threshold = b[4];
		out->percentage_used = b[5];
		out->data_units_read = le64(b + 32);
		out->data_units_written = le64(b + 48);
		out->host_read_commands = le64(b + 64);
		out->host_write_commands = le64(b + 80);
		out->power_on_hours = le64(b + 128);
		out->unsafe_shutdowns = le64(b + 144);
		out->media_errors = le64(b + 160);
		out->num_err_log_entries = le64(b + 176);
	}
	free(b);
	return r;
}

const char *dgen_nvme_warning_name(unsigned int bit)
{
	static const char *const names[] = {
		"spare", "temperature", "reliability", "read_only",
		"volatile_backup", "pmr_read_only",
	};

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

/* Append to @why, "; "-separated, as far as it fits. */
__attribute__((format(printf, 3, 4)))
static void say(char *why, size_t whylen, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!why || !whylen)
		return;
	n = strlen(why);
	if (n && n + 2 < whylen) {
		memcpy(why + n, "; ", 3);
		n += 2;
	}
	if (n + 1 >= whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why + n, whylen - n, fmt, ap);
	va_end(ap);
}

unsigned int dgen_nvme_health_judge(const struct dgen_nvme_identity *id,
				    const struct dgen_nvme_health *before,
				    const struct dgen_nvme_health *after,
				    char *why, size_t whylen)
{
	unsigned int bad = 0;

	if (why && whylen)
		why[0] = 0;
	if (after->critical_warning) {
		char names[128] = "";

		for (unsigned int b = 0; b < 8; b++) {
			const char *n = dgen_nvme_warning_name(1u << b);

			if (!(after->critical_warning & (1u << b)))
				continue;
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "%s%s", names[0] ? ", " : "", n ? n : "reserved");
		}
		bad |= DGEN_NVME_BAD_CRITICAL_WARNING;
		say(why, whylen, "critical warning 0x%02x (%s)",
		    after->critical_warning, names);
	}
	if (after->media_errors > before->media_errors) {
		bad |= DGEN_NVME_BAD_MEDIA_ERRORS;
		say(why, whylen, "%llu new media errors",
		    (unsigned long long)(after->media_errors - before->media_errors));
	}
	if (after->num_err_log_entries > before->num_err_log_entries) {
		bad |= DGEN_NVME_BAD_ERROR_LOG;
		say(why, whylen, "%llu new error-log entries",
		    (unsigned long long)(after->num_err_log_entries -
					 before->num_err_log_entries));
	}
	if (after->available_spare < after->spare_threshold) {
		bad |= DGEN_NVME_BAD_SPARE;
		say(why, whylen, "available spare %u%% below its threshold %u%%",
		    after->available_spare, after->spare_threshold);
	}
	if (id && id->wctemp_k && after->temperature_k >= id->wctemp_k) {
		bad |= DGEN_NVME_BAD_TEMPERATURE;
		say(why, whylen, "temperature %d C at or over the warning threshold %d C",
		    (int)after->temperature_k - 273, (int)id->wctemp_k - 273);
	}
	return bad;
}

/*
 * The atomic write sizes (NVMe base spec: Identify Controller bytes 526-529,
 * Identify Namespace byte 24 NSFEAT, 26 FLBAS, 34-37 NAWUN/NAWUPF, 128..
 * the LBA formats), as bytes: each field counts logical blocks, 0's based.
 */
int dgen_nvme_atomic_read(const char *path, struct dgen_nvme_atomic *out)
{
	uint8_t *b;
	int fd, nsid, r;
	unsigned int lbads;

	memset(out, 0, sizeof(*out));
	fd = dgen_nvme_open(path);
	if (fd < 0)
		return fd;
	nsid = ioctl(fd, NVME_IOCTL_ID);
	if (nsid <= 0) {
		close(fd);
		return -ENOTTY;		/* a controller, not a namespace */
	}
	if (posix_memalign((void **)&b, 4096, IDENTIFY_LEN)) {
		close(fd);
		return -ENOMEM;
	}
	memset(b, 0, IDENTIFY_LEN);
	r = admin(fd, NVME_ADMIN_IDENTIFY, (uint32_t)nsid, 0x00, b, IDENTIFY_LEN);
	if (!r) {
		lbads = b[128 + 4 * (b[26] & 0xf) + 2];
		out->lba = lbads >= 9 && lbads < 32 ? 1u << lbads : 512u;
		out->ns_fields = !!(b[24] & 0x2);
		if (out->ns_fields) {
			out->nawun = (le16(b + 34) + 1u) * out->lba;
			out->nawupf = (le16(b + 36) + 1u) * out->lba;
		}
		memset(b, 0, IDENTIFY_LEN);
		r = admin(fd, NVME_ADMIN_IDENTIFY, 0, NVME_CNS_CTRL, b,
			  IDENTIFY_LEN);
	}
	if (!r) {
		out->awun = (le16(b + 526) + 1u) * out->lba;
		out->awupf = (le16(b + 528) + 1u) * out->lba;
	}
	free(b);
	close(fd);
	return r;
}

uint32_t dgen_nvme_atomic_power(const struct dgen_nvme_atomic *a)
{
	return a->ns_fields ? a->nawupf : a->awupf;
}
