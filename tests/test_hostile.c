// SPDX-License-Identifier: MIT
/*
 * test_hostile.c - what a hostile user tries, refused clearly (issue 21)
 *
 *   one target under two names (a hard link, a bind mount, a loop device
 *   and its backing file, two loop devices over one file) is refused
 *   with both names, and nothing is written; `--dev -` is stdout alone
 *   and refused beside another target, never a file named "-";
 *   a failed target's verdict, --dry-run's refusals, --iopoll without
 *   poll queues, permission against read-only, an all-foreign verify.
 */
#include <criterion/criterion.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "writer_helpers.h"
#include "toolrun.h"

#define MiB	(1ull << 20)

static struct run r;

/* The refusal of two names for one target: exit 2, both named, untouched. */
static void same_refused(const char *a, const char *b, const char *backing,
			 const char *why)
{
	uint64_t h = path_hash(backing);

	tool(&r, "--dev %s --dev %s --size 1M --seed 3 --force", a, b);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, a) && strstr(r.err, b) &&
		  strstr(r.err, "same target") && strstr(r.err, why),
		  "%s", r.err);
	cr_expect_eq(path_hash(backing), h, "refused, yet written");
}

Test(hostile, hardlink_is_one_target)
{
	const char *a = scratch_path("hl-a"), *b = scratch_path("hl-b");

	cr_assert_eq(file_make(a, 4 * MiB, 0x3c), 0);
	cr_assert_eq(link(a, b), 0);
	same_refused(a, b, a, "hard link");
	/* Two files are two targets. */
	unlink(b);
	cr_assert_eq(file_make(b, 4 * MiB, 0x3c), 0);
	tool(&r, "--dev %s --dev %s --size 1M --seed 3", a, b);
	cr_expect_eq(r.code, 0, "%s", r.err);
	unlink(a);
	unlink(b);
}

Test(hostile, bind_mount_is_one_target)
{
	char dir[] = "/dev/shm/dgen-bind-XXXXXX", mnt[] = "/dev/shm/dgen-mnt-XXXXXX";
	char a[64], b[64];

	cr_assert(mkdtemp(dir) && mkdtemp(mnt));
	if (mount(dir, mnt, NULL, MS_BIND, NULL)) {
		rmdir(dir);
		rmdir(mnt);
		cr_skip_test("cannot bind-mount here (needs root)");
	}
	snprintf(a, sizeof(a), "%s/f", dir);
	snprintf(b, sizeof(b), "%s/f", mnt);
	cr_assert_eq(file_make(a, 4 * MiB, 0x3c), 0);
	same_refused(a, b, a, "bind mount");
	umount2(mnt, MNT_DETACH);
	unlink(a);
	rmdir(dir);
	rmdir(mnt);
}

Test(hostile, loop_and_its_backing_file_are_one_target)
{
	const char *backing = scratch_path("lb");
	char *dev, *dev2, d1[512];

	cr_assert_eq(file_make(backing, 4 * MiB, 0x3c), 0);
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	snprintf(d1, sizeof(d1), "%s", dev);
	same_refused(d1, backing, backing, "loop device and the file under it");
	same_refused(backing, d1, backing, "loop device and the file under it");
	dev2 = loop_attach(backing, 0);
	if (dev2) {
		same_refused(d1, dev2, backing, "two loop devices over one file");
		loop_detach(dev2);
	}
	loop_detach(d1);
	unlink(backing);
}

Test(hostile, dash_is_stdout_alone)
{
	const char *other = scratch_path("dash");
	char dash[256], cwd[256];

	cr_assert(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(scratch_dir()), 0);
	snprintf(dash, sizeof(dash), "%s/-", scratch_dir());
	unlink(dash);
	tool(&r, "--dev - --dev %s --size 1M --seed 4", other);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "standard output") && strstr(r.err, "alone"),
		  "%s", r.err);
	cr_expect_neq(access(dash, F_OK), 0, "a file named - was made");
	cr_expect_neq(access(other, F_OK), 0, "the other target was written");
	tool(&r, "--dev %s --dev - --size 1M --seed 4", other);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect_neq(access(dash, F_OK), 0, "a file named - was made");
	/* Alone, it is stdout: the bytes come out, no file is made. */
	tool(&r, "--dev - --size 64K --seed 4");
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_neq(access(dash, F_OK), 0, "a file named - was made");
	cr_assert_eq(chdir(cwd), 0);
}

/* A target that failed (ENOSPC on a full tmpfs) is `error`, not `ok`. */
Test(hostile, failed_target_verdict_is_error)
{
	char dir[] = "/tmp/dgen-full-XXXXXX", path[64];

	cr_assert(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=1M")) {
		rmdir(dir);
		cr_skip_test("cannot mount a tmpfs here (needs root)");
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	tool(&r, "--dev %s --size 4M --seed 6 --json", path);
	unlink(path);
	if (umount(dir))
		umount2(dir, MNT_DETACH);
	rmdir(dir);
	cr_expect_eq(r.code, 3, "%s", r.err);
	cr_expect(strstr(r.err, "No space left"), "%s", r.err);
	cr_expect(strstr(r.out, "\"verdict\": \"error\""), "%s", r.out);
	cr_expect_null(strstr(r.out, "\"verdict\": \"ok\""), "%s", r.out);
}

/*
 * --dry-run refuses what the real run would, with its exit status: a
 * signed file and loop device, a mounted device, a missing device; and
 * with --force or on a plain file, plans (exit 0), making no file.
 */
Test(hostile, dry_run_refuses_as_the_run_does)
{
	const char *img = scratch_path("dry-ext4"), *fresh = scratch_path("dry-new");
	char dir[] = "/tmp/dgen-drymnt-XXXXXX", cmd[512], *dev;
	uint64_t h;

	cr_assert_eq(file_make(img, 16 * MiB, 0), 0);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1", img);
	if (system(cmd)) {
		unlink(img);
		cr_skip_test("no mkfs.ext4");
	}
	h = path_hash(img);
	tool(&r, "--dev %s --size 1M --dry-run", img);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "ext4 at offset 0x438"), "%s", r.err);
	tool(&r, "--dev %s --size 1M --dry-run --force", img);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect(strstr(r.out, "dry run"), "%s", r.out);
	tool(&r, "--dev %s --size 1M --dry-run", "/dev/dgen-no-such-disk");
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "no such device"), "%s", r.err);
	tool(&r, "--dev %s --size 1M --dry-run", fresh);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_neq(access(fresh, F_OK), 0, "--dry-run made a file");
	dev = loop_attach(img, 0);
	if (dev) {
		snprintf(cmd, sizeof(cmd), "%s", dev);
		tool(&r, "--dev %s --size 1M --dry-run", cmd);
		cr_expect_eq(r.code, 2, "%s", r.err);
		cr_expect(strstr(r.err, "ext4"), "%s", r.err);
		cr_assert(mkdtemp(dir));
		if (!mount(cmd, dir, "ext4", 0, NULL)) {
			tool(&r, "--dev %s --size 1M --dry-run --force", cmd);
			cr_expect_eq(r.code, 2, "%s", r.err);
			cr_expect(strstr(r.err, "in use"), "%s", r.err);
			if (umount(dir))
				umount2(dir, MNT_DETACH);
			h = path_hash(img);	/* the mount wrote its times */
		}
		rmdir(dir);
		loop_detach(cmd);
	}
	cr_expect_eq(path_hash(img), h, "a dry run wrote");
	unlink(img);
}

/*
 * --iopoll where polled I/O cannot be done (a loop device has no poll
 * queues; tmpfs cannot poll) is refused with 2 before anything runs,
 * where it failed every write with EOPNOTSUPP and exit 3.
 */
Test(hostile, iopoll_without_poll_queues_refused)
{
	const char *backing = scratch_path("poll");
	char *dev, d[512], q[128];
	struct stat st;
	uint64_t h;

	cr_assert_eq(file_make(backing, 4 * MiB, 0x3c), 0);
	h = path_hash(backing);
	if (!strncmp(scratch_dir(), "/dev/shm", 8)) {
		tool(&r, "--dev %s --size 1M --seed 7 --iopoll", backing);
		cr_expect_eq(r.code, 2, "%s", r.err);
		cr_expect(strstr(r.err, "tmpfs") && strstr(r.err, "cannot poll"),
			  "%s", r.err);
		cr_expect_eq(path_hash(backing), h);
	}
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	snprintf(d, sizeof(d), "%s", dev);
	cr_assert_eq(stat(d, &st), 0);
	snprintf(q, sizeof(q), "/sys/dev/block/%u:%u/queue/io_poll",
		 major(st.st_rdev), minor(st.st_rdev));
	tool(&r, "--dev %s --size 1M --seed 7 --iopoll", d);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "no poll queues") && strstr(r.err, q),
		  "%s", r.err);
	tool(&r, "--dev %s --size 1M --seed 7 --iopoll --dry-run", d);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect_eq(path_hash(backing), h, "refused, yet written");
	loop_detach(d);
	unlink(backing);
}

/* @args as uid/gid 65534 (nobody), through setpriv; the exit code. */
static int tool_as_nobody(const char *args)
{
	char cmd[2048], *err = scratch_path("nobody-err");

	snprintf(cmd, sizeof(cmd),
		 "setpriv --reuid 65534 --regid 65534 --clear-groups %s %s >/dev/null 2>%s",
		 DGEN_URING_PATH, args, err);
	r.code = code_of(system(cmd));
	slurp(err, r.err, sizeof(r.err));
	return r.code;
}

/*
 * Permission is not read-only: a file this user may not write says
 * "permission denied" with the mode and uid, an immutable one says so
 * (EPERM even to root), a read-only filesystem says read-only, and a
 * --verify-only that may not read says read, not write.
 */
Test(hostile, permission_is_not_read_only)
{
	const char *path = scratch_path("perm");
	char args[512], cmd[512];

	cr_assert_eq(file_make(path, 4 * MiB, 0x3c), 0);
	cr_assert_eq(chmod(path, 0644), 0);
	if (geteuid() != 0 || system("command -v setpriv >/dev/null")) {
		unlink(path);
		cr_skip_test("needs root and setpriv to run as another user");
	}
	snprintf(args, sizeof(args), "--dev %s --size 1M --seed 8", path);
	tool_as_nobody(args);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "permission denied") && strstr(r.err, "uid 65534") &&
		  strstr(r.err, "mode 0644") && !strstr(r.err, "read-only"),
		  "%s", r.err);
	cr_assert_eq(chmod(path, 0600), 0);
	snprintf(args, sizeof(args), "--dev %s --size 1M --seed 8 --verify-only", path);
	tool_as_nobody(args);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "permission denied") && strstr(r.err, "may not read") &&
		  !strstr(r.err, "write"), "%s", r.err);
	snprintf(cmd, sizeof(cmd), "chattr +i %s 2>/dev/null", path);
	if (!system(cmd)) {
		tool(&r, "--dev %s --size 1M --seed 8", path);
		cr_expect_eq(r.code, 2, "%s", r.err);
		cr_expect(strstr(r.err, "permission denied") && strstr(r.err, "immutable") &&
			  !strstr(r.err, "read-only"), "%s", r.err);
		snprintf(cmd, sizeof(cmd), "chattr -i %s", path);
		cr_assert_eq(system(cmd), 0);
	}
	unlink(path);
}

/*
 * A verify whose every block is foreign (another seed, another compress
 * ratio) hints that the parameters differ and prints those it used; a
 * verify with a few foreign blocks among good ones does not.
 */
Test(hostile, all_foreign_verify_hints_at_parameters)
{
	const char *path = scratch_path("foreign");
	int fd;

	tool(&r, "--dev %s --size 4M --seed 9", path);
	cr_assert_eq(r.code, 0, "%s", r.err);
	tool(&r, "--dev %s --size 4M --seed 10 --verify-only --json", path);
	cr_expect_eq(r.code, 1, "%s", r.err);
	cr_expect(strstr(r.err, "probably differ") && strstr(r.err, "--seed 10") &&
		  strstr(r.err, "--dedup 1") && strstr(r.err, "--compress 1") &&
		  strstr(r.err, "--dedup-unit 4096") && strstr(r.err, "--bs ") &&
		  strstr(r.err, "stream format"), "%s", r.err);
	tool(&r, "--dev %s --size 4M --seed 9 --compress 3 --verify-only", path);
	cr_expect_eq(r.code, 1, "%s", r.err);
	cr_expect(strstr(r.err, "probably differ") && strstr(r.err, "--compress 3"),
		  "%s", r.err);
	/* The right parameters, with 64 KiB overwritten: a few bad blocks. */
	fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, path, 16, 65536), 16);
	close(fd);
	tool(&r, "--dev %s --size 4M --seed 9 --verify-only", path);
	cr_expect_eq(r.code, 1, "%s", r.err);
	cr_expect_null(strstr(r.err, "probably differ"), "%s", r.err);
	unlink(path);
}

/* A disk and a partition of it overlap: refused, with both names. */
Test(hostile, disk_and_its_partition_overlap)
{
	const char *backing = scratch_path("parts");
	char cmd[600], d[512], p1[520];
	struct stat st;
	char *dev;

	cr_assert_eq(file_make(backing, 16 * MiB, 0), 0);
	snprintf(cmd, sizeof(cmd), "echo 'start=2048, size=8192, type=83' | sfdisk -q --wipe never %s >/dev/null 2>&1",
		 backing);
	if (system(cmd)) {
		unlink(backing);
		cr_skip_test("no sfdisk");
	}
	snprintf(cmd, sizeof(cmd), "losetup -P -f --show %s 2>/dev/null", backing);
	dev = shell_line(cmd);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	snprintf(d, sizeof(d), "%s", dev);
	snprintf(p1, sizeof(p1), "%sp1", d);
	for (int i = 0; i < 100 && stat(p1, &st); i++)
		usleep(10000);
	/* A kernel without the DOS parser: partx adds it (BLKPG). */
	snprintf(cmd, sizeof(cmd), "partx -a %s 2>/dev/null", d);
	if (stat(p1, &st) && !system(cmd))
		for (int i = 0; i < 300 && stat(p1, &st); i++)
			usleep(10000);
	if (stat(p1, &st)) {
		loop_detach(d);
		unlink(backing);
		cr_skip_test("this kernel found no partition on %s (no DOS partition support?)", d);
	}
	same_refused(d, p1, backing, "a disk and a partition of it");
	same_refused(p1, d, backing, "a disk and a partition of it");
	snprintf(cmd, sizeof(cmd), "partx -d %s 2>/dev/null", d);
	if (system(cmd)) {
		/* detaching the loop device drops its partitions too */
	}
	loop_detach(d);
	unlink(backing);
}
