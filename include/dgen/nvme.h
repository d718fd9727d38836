/* SPDX-License-Identifier: MIT */
/*
 * dgen/nvme.h - NVMe drives: who they are (Identify Controller) and how
 * they are (the SMART / Health log), through the kernel's admin
 * passthrough ioctl, and whether a run left them healthy
 *
 * A burn-in log must name the physical drive and say whether the drive
 * itself complained while it was written: these read what the drive
 * reports about itself, before and after a run, with no library beyond
 * the kernel's <linux/nvme_ioctl.h>. Admin commands need CAP_SYS_ADMIN.
 */
#ifndef DGEN_NVME_H
#define DGEN_NVME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Identify Controller (CNS 01h): the fields a report names. */
struct dgen_nvme_identity {
	char model[41];			/* MN, trailing blanks removed */
	char serial[21];		/* SN */
	char firmware[9];		/* FR */
	uint16_t wctemp_k;		/* warning composite temperature, kelvin;
					   0: the drive reports none */
	uint16_t cctemp_k;		/* critical composite temperature */
	uint32_t mdts_bytes;		/* largest transfer (MDTS, in the
					   controller's 4 KiB minimum pages);
					   0: no limit */
};

/* critical_warning bits (NVMe base spec, SMART / Health log byte 0). */
#define DGEN_NVME_CW_SPARE		(1u << 0)	/* spare below threshold */
#define DGEN_NVME_CW_TEMPERATURE	(1u << 1)	/* over or under a threshold */
#define DGEN_NVME_CW_RELIABILITY	(1u << 2)	/* degraded by media errors */
#define DGEN_NVME_CW_READ_ONLY		(1u << 3)	/* media read-only */
#define DGEN_NVME_CW_VOLATILE_BACKUP	(1u << 4)	/* backup device failed */
#define DGEN_NVME_CW_PMR_READ_ONLY	(1u << 5)	/* persistent memory region */

/* SMART / Health log (log page 02h, controller-wide). The 128-bit
 * counters are kept to their low 64 bits. */
struct dgen_nvme_health {
	uint8_t critical_warning;	/* DGEN_NVME_CW_* */
	uint16_t temperature_k;		/* composite temperature, kelvin */
	uint8_t available_spare;	/* percent */
	uint8_t spare_threshold;	/* percent */
	uint8_t percentage_used;	/* of the rated endurance, may pass 100 */
	uint64_t data_units_read;	/* thousands of 512-byte units */
	uint64_t data_units_written;
	uint64_t host_read_commands;
	uint64_t host_write_commands;
	uint64_t power_on_hours;
	uint64_t unsafe_shutdowns;
	uint64_t media_errors;
	uint64_t num_err_log_entries;
};

/* Why a drive is judged unhealthy (dgen_nvme_health_judge). */
#define DGEN_NVME_BAD_CRITICAL_WARNING	(1u << 0)
#define DGEN_NVME_BAD_MEDIA_ERRORS	(1u << 1)	/* new during the run */
#define DGEN_NVME_BAD_ERROR_LOG		(1u << 2)	/* new entries */
#define DGEN_NVME_BAD_SPARE		(1u << 3)	/* below its threshold */
#define DGEN_NVME_BAD_TEMPERATURE	(1u << 4)	/* at or over WCTEMP */

/*
 * dgen_nvme_open - open the NVMe device at @path (a namespace's block
 * device or partition, a generic char device /dev/ngXnY, or a controller
 * /dev/nvmeX) for admin commands: read-only, without O_EXCL, so it also
 * works while a writer holds the device exclusively.
 *
 * Returns the file descriptor, -ENOTTY when @path is not an NVMe device
 * (decided from sysfs, before any ioctl is sent to a foreign driver), or
 * what open(2) or stat(2) returned.
 */
int dgen_nvme_open(const char *path);

/*
 * dgen_nvme_generic_block - the block device of the NVMe generic device
 * @path (/dev/ng0n1 -> /dev/nvme0n1) into @out. Returns 0, or -ENOTTY
 * when @path is not an NVMe generic device.
 */
int dgen_nvme_generic_block(const char *path, char *out, size_t outlen);

/* dgen_nvme_identify - Identify Controller through @fd. 0 or -errno
 * (-EPERM without CAP_SYS_ADMIN, -EIO when the drive fails the command). */
int dgen_nvme_identify(int fd, struct dgen_nvme_identity *out);

/*
 * What an NVMe namespace promises to write atomically, in bytes (the
 * identify fields are 0's based logical blocks): AWUN and AWUPF from
 * Identify Controller, NAWUN and NAWUPF from Identify Namespace, which
 * apply instead when its NSFEAT bit 1 is set. "pf": across a power
 * failure, what a crash check may hold the drive to.
 */
struct dgen_nvme_atomic {
	uint32_t awun, awupf;		/* controller-wide */
	uint32_t nawun, nawupf;		/* the namespace's; 0: none */
	uint32_t lba;			/* the namespace's logical block */
	int ns_fields;			/* NSFEAT bit 1: nawun, nawupf apply */
};

/*
 * dgen_nvme_atomic_read - @out for the namespace of the NVMe device
 * @path (a namespace's block device or its generic device). Returns 0,
 * -ENOTTY when @path is not an NVMe namespace, or -errno.
 */
int dgen_nvme_atomic_read(const char *path, struct dgen_nvme_atomic *out);

/* dgen_nvme_atomic_power - the bytes written whole across a power
 * failure: NAWUPF where the namespace sets it, else AWUPF. */
uint32_t dgen_nvme_atomic_power(const struct dgen_nvme_atomic *a);

/* dgen_nvme_health_read - the SMART / Health log through @fd. 0 or -errno. */
int dgen_nvme_health_read(int fd, struct dgen_nvme_health *out);

/*
 * dgen_nvme_health_judge - what makes the drive unhealthy after a run:
 * a critical warning in @after, media errors or error-log entries that
 * grew from @before, spare below its threshold, or a temperature at or
 * over the warning threshold in @id (when it gives one). Returns the
 * DGEN_NVME_BAD_* bits, 0 for a healthy drive, and, when @why is given,
 * one sentence naming each reason ("" when healthy).
 */
unsigned int dgen_nvme_health_judge(const struct dgen_nvme_identity *id,
				    const struct dgen_nvme_health *before,
				    const struct dgen_nvme_health *after,
				    char *why, size_t whylen);

/* dgen_nvme_warning_name - the name of one DGEN_NVME_CW_* bit
 * ("spare", "temperature", ...), NULL for anything else. */
const char *dgen_nvme_warning_name(unsigned int bit);

/*
 * A drive watched through a run: its identity and Health log before the
 * run, around each pass, and after the run, each pass and the whole run
 * judged. A burn-in that hammers a drive for hours must say in which
 * pass it started to complain, not only that it did by the end (a
 * temperature warning may be gone again by then). For a path that is
 * not NVMe every call does nothing; when a log cannot be read (no
 * CAP_SYS_ADMIN), err says why and nothing is judged.
 */
struct dgen_nvme_pass {
	uint64_t pass;
	int err;			/* 0, or why a log of the pass is missing */
	struct dgen_nvme_health before, after;
	unsigned int bad;		/* DGEN_NVME_BAD_* of the pass */
};

struct dgen_nvme_watch {
	int nvme;			/* the path is an NVMe device */
	int fd;				/* for admin commands; -1: closed */
	int err;			/* 0, or why identity or the run's
					   health is missing */
	int have_before, have_after;
	struct dgen_nvme_identity id;
	struct dgen_nvme_health before, after;	/* the whole run */
	unsigned int bad;		/* the whole run, its passes included */
	uint64_t bad_pass;		/* the first pass judged unhealthy;
					   0: none */
	char why[256];			/* the whole run's reasons, "" */
	struct dgen_nvme_pass *passes;	/* in the order they ran */
	unsigned int npasses, cap;
};

/* dgen_nvme_watch_begin - identify @path and read its Health log, if it
 * is NVMe; the device stays open (read-only) until dgen_nvme_watch_end. */
void dgen_nvme_watch_begin(struct dgen_nvme_watch *w, const char *path);

/*
 * dgen_nvme_watch_pass - read the Health log as pass @n begins (@end 0)
 * or ends (@end 1: the pass is judged as a run of its own). Returns the
 * pass's DGEN_NVME_BAD_* at its end (0 when healthy, not judged, or at a
 * begin), and, when @why is given, the reasons.
 */
unsigned int dgen_nvme_watch_pass(struct dgen_nvme_watch *w, uint64_t n,
				  int end, char *why, size_t whylen);

/*
 * dgen_nvme_watch_end - read the Health log after the run and judge the
 * whole run (unhealthy also when any pass was, the first of them named
 * in why); closes the device. Returns w->bad.
 */
unsigned int dgen_nvme_watch_end(struct dgen_nvme_watch *w);

/* dgen_nvme_watch_free - release the passes (and the device if open). */
void dgen_nvme_watch_free(struct dgen_nvme_watch *w);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_NVME_H */
