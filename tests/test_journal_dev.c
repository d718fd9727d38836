// SPDX-License-Identifier: MIT
/*
 * test_journal_dev.c - a crash journal is refused on a target's device
 *
 * The journal must survive what the targets do not, so it may not share
 * a device with any of them. Refused: the same tmpfs, a loop device over
 * a file beside the journal, the disk under /var/tmp (by its block
 * device, never opened), a partition of the disk whose filesystem holds
 * the journal (a real partitioned loop device, where this kernel reads
 * DOS partition tables), and, in a pretend sysfs (DGEN_SYSFS_ROOT), a
 * partition's disk, a dm device's member, a second namespace of one NVMe
 * controller and a loop device's backing file. Allowed: a target on
 * another device, a file not made yet there, the null target.
 */
#include <criterion/criterion.h>
#include <sys/sysmacros.h>

#include <dgen/dgen.h>

#include "crash_helpers.h"

TestSuite(journal_dev, .fini = crash_teardown);

/* A target of @size bytes for the journal, its stream pass 1's. */
static struct dgen_journal_target jtarget(const char *path, uint64_t size)
{
	struct dgen_journal_target t = { .path = path, .size = size,
					 .unit = 64 * KiB };

	dgen_stream_params_init(&t.stream);
	t.stream.size = size;
	return t;
}

/* dgen_journal_check_device of @journal and @target: 0 or -EXDEV. */
static int apart(const char *journal, const char *target)
{
	char msg[512] = "";
	int r = dgen_journal_check_device(journal, target, msg, sizeof(msg));

	cr_assert(r == 0 || r == -EXDEV, "%s and %s: %d %s", journal, target, r, msg);
	if (r)
		cr_assert(strstr(msg, target) && strstr(msg, "another drive"), "%s", msg);
	return r;
}

/*
 * The same tmpfs, a loop device over a file next to the journal, and the
 * disk of the journal's own filesystem are refused; a target elsewhere
 * is not, and a refused journal is never made.
 */
Test(journal_dev, same_device_refused)
{
	const char *shm_file = scratch_path("dev-target");
	const char *shm_journal = scratch_path("dev-journal");
	const char *journal = journal_path("dev");
	char var_file[256], disk[160], *dev;
	struct dgen_journal_target t = jtarget(shm_file, 4 * MiB);
	struct dgen_journal_run run = { .targets = &t, .ntargets = 1 };
	struct dgen_journal *j = NULL;
	struct stat st;
	char msg[512];

	made_file(shm_file);
	cr_assert_eq(file_make(shm_file, 4 * MiB, 0), 0);
	cr_assert_eq(apart(shm_journal, shm_file), -EXDEV);
	cr_assert_eq(dgen_journal_open(&j, shm_journal, &run, 0, msg, sizeof(msg)), -EXDEV);
	cr_assert_eq(access(shm_journal, F_OK), -1, "the refused journal was made");
	cr_assert_eq(apart(journal, shm_file), 0);
	cr_assert_eq(apart(journal, DGEN_TARGET_NULL_PATH), 0);
	cr_assert_eq(apart(journal, "/dev/shm/dgen-not-made-yet"), 0);

	/* The block device under /var/tmp: the journal's own disk. */
	cr_assert_eq(stat("/var/tmp", &st), 0);
	snprintf(disk, sizeof(disk), "cat /sys/dev/block/%u:%u/uevent 2>/dev/null | sed -n 's|^DEVNAME=|/dev/|p'",
		 major(st.st_dev), minor(st.st_dev));
	dev = major(st.st_dev) ? shell_line(disk) : NULL;
	if (dev && !stat(dev, &st) && S_ISBLK(st.st_mode))
		cr_assert_eq(apart(journal, dev), -EXDEV, "%s holds /var/tmp", dev);
	else
		cr_log_warn("/var/tmp has no block device of its own here");

	/* Loop devices: over a file beside the journal, and elsewhere. */
	snprintf(var_file, sizeof(var_file), "/var/tmp/dgen-test-%d-dev-loop", (int)getpid());
	made_file(var_file);
	cr_assert_eq(file_make(var_file, 4 * MiB, 0), 0);
	dev = loop_attach(var_file, 0);
	if (!dev)
		crash_skip("no loop device (root and the loop driver are needed)");
	snprintf(made.loop, sizeof(made.loop), "%.*s", (int)sizeof(made.loop) - 1, dev);
	cr_assert_eq(apart(journal, made.loop), -EXDEV);
	loop_detach(made.loop);
	made.loop[0] = 0;
	dev = loop_attach(shm_file, 0);
	cr_assert(dev);
	snprintf(made.loop, sizeof(made.loop), "%.*s", (int)sizeof(made.loop) - 1, dev);
	cr_assert_eq(apart(journal, made.loop), 0);
	cr_assert_eq(apart(shm_journal, made.loop), -EXDEV);
}

/* Write a DOS partition table of two partitions to @path. */
static void mbr_make(const char *path)
{
	static const uint32_t part[2][2] = { { 2048, 40960 }, { 43008, 20480 } };
	uint8_t mbr[512] = { 0 };
	int fd = open(path, O_WRONLY);

	for (int i = 0; i < 2; i++) {
		uint8_t *e = mbr + 446 + 16 * i;

		e[1] = 0xfe, e[2] = 0xff, e[3] = 0xff, e[4] = 0x83;
		e[5] = 0xfe, e[6] = 0xff, e[7] = 0xff;
		for (int b = 0; b < 4; b++) {
			e[8 + b] = (uint8_t)(part[i][0] >> (8 * b));
			e[12 + b] = (uint8_t)(part[i][1] >> (8 * b));
		}
	}
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, mbr, sizeof(mbr), 0), 512);
	close(fd);
}

/*
 * A journal on an ext4 filesystem in partition 1 of a loop device: its
 * partition 2 is the same disk, refused; so is a file beside the loop
 * device's backing file. A file on another device is not.
 */
Test(journal_dev, partition_of_journal_disk)
{
	const char *file = scratch_path("parts");
	char cmd[512], p1[80], p2[80], mnt[64] = "/tmp/dgen-jmnt-XXXXXX", jpath[128];
	struct stat st;
	char *dev;
	int same_disk, beside, elsewhere, mounted;

	made_file(file);
	cr_assert_eq(file_make(file, 64 * MiB, 0), 0);
	mbr_make(file);
	snprintf(cmd, sizeof(cmd),
		 "(modprobe loop; true) 2>/dev/null; losetup -P -f --show %s 2>/dev/null", file);
	dev = shell_line(cmd);
	if (!dev)
		crash_skip("no loop device (root and the loop driver are needed)");
	snprintf(made.loop, sizeof(made.loop), "%.*s", (int)sizeof(made.loop) - 1, dev);
	snprintf(p1, sizeof(p1), "%sp1", made.loop);
	snprintf(p2, sizeof(p2), "%sp2", made.loop);
	for (int i = 0; i < 500 && (stat(p1, &st) || stat(p2, &st)); i++)
		nap_us(10000);
	if (stat(p2, &st))
		crash_skip("this kernel found no partitions on %s (no DOS partition table support?)",
			   made.loop);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1", p1);
	cr_assert_eq(system(cmd), 0, "mkfs.ext4 %s failed", p1);
	cr_assert(mkdtemp(mnt));
	snprintf(cmd, sizeof(cmd), "mount %s %s 2>/dev/null", p1, mnt);
	mounted = system(cmd) == 0;
	if (!mounted) {
		rmdir(mnt);
		crash_skip("cannot mount ext4 here");
	}
	snprintf(jpath, sizeof(jpath), "%s/journal.jsonl", mnt);
	same_disk = apart(jpath, p2);
	beside = apart(jpath, scratch_path("beside"));
	elsewhere = apart(jpath, "/var/tmp");
	for (int i = 0; i < 100 && umount(mnt); i++)
		nap_us(20000);
	rmdir(mnt);
	cr_assert_eq(same_disk, -EXDEV, "partition 2 of the journal's disk was allowed");
	cr_assert_eq(beside, -EXDEV, "a file beside the disk's backing file was allowed");
	cr_assert_eq(elsewhere, 0);
}

/* ===== A pretend sysfs (DGEN_SYSFS_ROOT) for stacks this kernel lacks ===== */

#define PCI0	"devices/pci0000:00/0000:00:04.0"
#define PCI1	"devices/pci0000:00/0000:00:05.0"

static char sysroot[64];

static void put_file(const char *text, const char *rel)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysroot, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void put_link(const char *to, const char *rel)
{
	char path[512], cmd[600];

	snprintf(path, sizeof(path), "%s/%s", sysroot, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(symlink(to, path), 0, "%s", path);
}

static void drop_sysfs(void)
{
	char cmd[128];

	if (!sysroot[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysroot);
	cr_assert_eq(system(cmd), 0);
	sysroot[0] = 0;
}

/* A block node for @maj:@min in the pretend tree (mknod needs root). */
static const char *node(unsigned int maj, unsigned int min)
{
	static char path[8][128];
	static int next;
	char *p = path[next++ % 8];

	snprintf(p, 128, "%s/node-%u-%u", sysroot, maj, min);
	if (mknod(p, S_IFBLK | 0600, makedev(maj, min)) && errno != EEXIST) {
		int e = errno;

		drop_sysfs();
		crash_skip("mknod needs CAP_MKNOD: %s", strerror(e));
	}
	return p;
}

/*
 * Two NVMe controllers, the first with namespaces n1 (partition p1) and
 * n2, a dm device over p1, and a loop device backed by a file in /var/tmp.
 */
static void pretend_sysfs(const char *backing)
{
	char text[300];

	snprintf(sysroot, sizeof(sysroot), "/tmp/dgen-jsys-XXXXXX");
	cr_assert(mkdtemp(sysroot));
	put_file("259:0\n", PCI0 "/nvme/nvme0/nvme0n1/dev");
	put_link("../../nvme0", PCI0 "/nvme/nvme0/nvme0n1/device");
	put_file("259:1\n", PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1/dev");
	put_file("1\n", PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1/partition");
	put_file("259:3\n", PCI0 "/nvme/nvme0/nvme0n2/dev");
	put_link("../../nvme0", PCI0 "/nvme/nvme0/nvme0n2/device");
	put_file("259:2\n", PCI1 "/nvme/nvme1/nvme1n1/dev");
	put_link("../../nvme1", PCI1 "/nvme/nvme1/nvme1n1/device");
	put_file("253:0\n", "devices/virtual/block/dm-0/dev");
	put_link("../../../../../" PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1",
		 "devices/virtual/block/dm-0/slaves/nvme0n1p1");
	put_file("7:0\n", "devices/virtual/block/loop0/dev");
	snprintf(text, sizeof(text), "%s\n", backing);
	put_file(text, "devices/virtual/block/loop0/loop/backing_file");
	put_link("../../" PCI0 "/nvme/nvme0/nvme0n1", "dev/block/259:0");
	put_link("../../" PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1", "dev/block/259:1");
	put_link("../../" PCI0 "/nvme/nvme0/nvme0n2", "dev/block/259:3");
	put_link("../../" PCI1 "/nvme/nvme1/nvme1n1", "dev/block/259:2");
	put_link("../../devices/virtual/block/dm-0", "dev/block/253:0");
	put_link("../../devices/virtual/block/loop0", "dev/block/7:0");
	setenv(DGEN_ENV_SYSFS_ROOT, sysroot, 1);
}


/*
 * A partition is its disk; two namespaces of one controller are one
 * drive; a dm device stands on its members; a loop device on its backing
 * file's filesystem. Another controller is another drive.
 */
Test(journal_dev, stacked_devices, .fini = drop_sysfs)
{
	char backing[128];
	const char *journal = journal_path("stack");
	const char *p1, *n1, *n2, *dm, *other, *loop;

	snprintf(backing, sizeof(backing), "/var/tmp/dgen-test-%d-stack", (int)getpid());
	made_file(backing);
	cr_assert_eq(file_make(backing, 4096, 0), 0);
	pretend_sysfs(backing);
	p1 = node(259, 1);
	n1 = node(259, 0);
	n2 = node(259, 3);
	dm = node(253, 0);
	other = node(259, 2);
	loop = node(7, 0);
	cr_assert_eq(apart(p1, n1), -EXDEV, "a partition and its disk");
	cr_assert_eq(apart(p1, n2), -EXDEV, "two namespaces of one controller");
	cr_assert_eq(apart(n2, dm), -EXDEV, "a dm device over a partition");
	cr_assert_eq(apart(p1, other), 0, "another controller");
	cr_assert_eq(apart(other, dm), 0);
	cr_assert_eq(apart(journal, loop), -EXDEV, "a loop device over a file beside the journal");
	cr_assert_eq(apart(other, loop), 0);
}
