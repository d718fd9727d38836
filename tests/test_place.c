// SPDX-License-Identifier: MIT
/*
 * test_place.c - placement carried out: dgen-uring's plan on pretend and
 * real machines, and the writer following a plan
 *
 * Pretend machines come from hwloc synthetic descriptions
 * (DGEN_HWLOC_SYNTHETIC) and a target's NUMA node from a fake sysfs tree
 * (DGEN_SYSFS_ROOT) around a device node made with mknod, so a two-socket
 * server with an NVMe drive on node 1 can be planned for on any machine;
 * --dry-run never opens it. On the real machine the tool runs, and the
 * threads' affinity and their buffers' node are read back: from the
 * kernel by the engine (sched_getaffinity, move_pages: the JSON report) and
 * by this test from /proc/PID/task/TID/status while a run is going.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "writer_helpers.h"
#include "toolrun.h"

#ifndef DGEN_URING_PATH
#error "meson passes the path of the built tool"
#endif

#define MiB	(1ull << 20)

/* 2 packages x 2 NUMA nodes x 8 cores x 2 PUs; PU i + 32 is core i's twin. */
#define TWO_SOCKETS \
	"pack:2 numa:2 l3:1(size=32MiB) l2:8(size=1MiB) core:1 pu:2(indexes=2*32:1*2)"

/* ===== The plan's thread table, as --dry-run prints it ===== */

struct row {
	unsigned int thread, cpu, core;
	int node;
};

/* The rows under "  thread  cpu  core  node"; returns how many. */
static unsigned int plan_rows(const char *text, struct row *rows,
			      unsigned int max)
{
	const char *p = strstr(text, "  thread  cpu  core  node");
	unsigned int n = 0;

	cr_assert(p, "no thread table:\n%s", text);
	p = strchr(p, '\n');
	while (p && n < max) {
		struct row r;
		char node[16];

		if (sscanf(p + 1, " %u %u %u %15s", &r.thread, &r.cpu, &r.core,
			   node) != 4)
			break;
		r.node = node[0] == '-' ? -1 : atoi(node);
		rows[n++] = r;
		p = strchr(p + 1, '\n');
	}
	return n;
}

/* ===== A pretend NVMe drive on node 1 ===== */

static char root[64];
static char devnode[128];

#define PCI1	"devices/pci0000:80/0000:80:01.0/0000:81:00.0"

static void put_file(const char *text, const char *path)
{
	char dir[512], *p;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		cr_assert(mkdir(dir, 0755) == 0 || errno == EEXIST, "%s", dir);
		*p = '/';
	}
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/*
 * sysfs with nvme0n1 (259:0) under a PCI function on node 1, and a block
 * device node 259:0 to name it. The node is never opened by --dry-run
 * (there is no such device on this machine: an open would fail).
 */
static void fake_nvme(void)
{
	char path[512];

	snprintf(root, sizeof(root), "/tmp/dgen-place-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/sys/" PCI1 "/numa_node", root);
	put_file("1\n", path);
	snprintf(path, sizeof(path), "%s/sys/" PCI1 "/nvme/nvme0/nvme0n1/queue/max_sectors_kb", root);
	put_file("1280\n", path);
	snprintf(path, sizeof(path), "%s/sys/" PCI1 "/nvme/nvme0/nvme0n1/queue/nr_requests", root);
	put_file("1023\n", path);
	snprintf(path, sizeof(path), "%s/sys/dev/block/.keep", root);
	put_file("", path);
	snprintf(path, sizeof(path), "%s/sys/dev/block/259:0", root);
	cr_assert_eq(symlink("../../" PCI1 "/nvme/nvme0/nvme0n1", path), 0);
	snprintf(devnode, sizeof(devnode), "%s/nvme0n1", root);
	if (mknod(devnode, S_IFBLK | 0600, makedev(259, 0)) < 0)
		cr_skip_test("mknod needs CAP_MKNOD: %s", strerror(errno));
}

static void drop_nvme(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

static const char *two_socket_env(void)
{
	static char env[512];

	snprintf(env, sizeof(env), "DGEN_HWLOC_SYNTHETIC='%s' DGEN_SYSFS_ROOT=%s/sys",
		 TWO_SOCKETS, root);
	return env;
}

TestSuite(place_synthetic, .init = fake_nvme, .fini = drop_nvme);

/* The default: one thread per physical core of node 1, never two on a core. */
Test(place_synthetic, one_thread_per_core_on_the_targets_node)
{
	struct row rows[64];
	unsigned int n, seen[32] = { 0 };
	struct run r;

	cr_assert_eq(tool_env(&r, two_socket_env(), "--dev %s --size 1G --dry-run",
			      devnode), 0, "%s", r.err);
	cr_assert(strstr(r.out, "threads: 8, one per physical core, on node 1"),
		  "%s", r.out);
	n = plan_rows(r.out, rows, 64);
	cr_assert_eq(n, 8, "%s", r.out);
	for (unsigned int i = 0; i < n; i++) {
		cr_assert_eq(rows[i].node, 1, "thread %u:\n%s", i, r.out);
		cr_assert(rows[i].core >= 8 && rows[i].core < 16, "%s", r.out);
		/* The first PU of its core, not the twin (PU core + 32). */
		cr_assert_eq(rows[i].cpu, rows[i].core, "%s", r.out);
		cr_assert_eq(seen[rows[i].core]++, 0, "two threads on core %u:\n%s",
			     rows[i].core, r.out);
	}
	cr_assert(strstr(r.out, "node 1 (threads local), threads 0-7"), "%s", r.out);
	/* The device's limits came from the fake sysfs: 1280 KiB max I/O. */
	cr_assert(strstr(r.out, "device max 1280 KiB"), "%s", r.out);
	cr_assert(strstr(r.out, "nothing written"), "%s", r.out);
}

Test(place_synthetic, overrides_honoured)
{
	struct row rows[64];
	struct run r;

	cr_assert_eq(tool_env(&r, two_socket_env(), "--dev %s --size 1G --dry-run --cpus 0-1",
			      devnode), 0, "%s", r.err);
	cr_assert_eq(plan_rows(r.out, rows, 64), 2, "%s", r.out);
	cr_assert_eq(rows[0].cpu, 0);
	cr_assert_eq(rows[1].cpu, 1);
	cr_assert_eq(rows[0].node, 0);

	/* A twin PU asked for by name is used. */
	cr_assert_eq(tool_env(&r, two_socket_env(), "--dev %s --size 1G --dry-run --cpus 40",
			      devnode), 0, "%s", r.err);
	cr_assert_eq(plan_rows(r.out, rows, 64), 1, "%s", r.out);
	cr_assert_eq(rows[0].cpu, 40);
	cr_assert_eq(rows[0].core, 8);
	cr_assert_eq(rows[0].node, 1);

	/* More threads than node 1's 8 cores: allowed, and said. */
	cr_assert_eq(tool_env(&r, two_socket_env(), "--dev %s --size 1G --dry-run --threads 12",
			      devnode), 0, "%s", r.err);
	cr_assert_eq(plan_rows(r.out, rows, 64), 12, "%s", r.out);
	cr_assert(strstr(r.out, "note: 4 threads more than the 8 cores used"),
		  "%s", r.out);
	for (unsigned int i = 0; i < 12; i++)
		cr_assert_eq(rows[i].node, 1, "%s", r.out);

	/* --bs and --qd are kept as given. */
	cr_assert_eq(tool_env(&r, two_socket_env(), "--dev %s --size 1G --dry-run --bs 256K --qd 6",
			      devnode), 0, "%s", r.err);
	cr_assert(strstr(r.out, "6 x 256 KiB buffers per thread"), "%s", r.out);
}

/* A machine without NUMA: one node, all cores, a file of unknown node. */
Test(place_synthetic, machine_without_numa)
{
	struct row rows[64];
	struct run r;

	cr_assert_eq(tool_env(&r, "DGEN_HWLOC_SYNTHETIC='core:4 pu:2'",
			      "--dev null --size 1G --dry-run"), 0, "%s", r.err);
	cr_assert_eq(plan_rows(r.out, rows, 64), 4, "%s", r.out);
	/* null feeds no device: no device floor, buffers sized to the L2. */
	cr_assert(strstr(r.out, "no device floor"), "%s", r.out);
	for (unsigned int i = 0; i < 4; i++) {
		cr_assert_eq(rows[i].core, i);
		cr_assert_eq(rows[i].node, 0);
	}
}

Test(place_synthetic, bad_cpus_refused)
{
	struct run r;

	cr_assert_eq(tool_env(&r, two_socket_env(), "--dev %s --size 1G --dry-run --cpus 64",
			      devnode), 2);
	cr_assert(strstr(r.err, "CPU 64 is not on this machine (64 PUs numbered 0-63)"),
		  "%s", r.err);
	cr_assert_str_empty(r.out);
}

/* A pretend machine's CPUs are not this one's: only --dry-run may use it. */
Test(place_synthetic, real_run_on_pretend_machine_refused)
{
	const char *path = scratch_path("pretend");
	struct run r;

	cr_assert_eq(tool_env(&r, two_socket_env(), "--dev %s --size 1M", path), 2);
	cr_assert(strstr(r.err, "pretend machine") && strstr(r.err, "--dry-run"),
		  "%s", r.err);
	cr_assert_eq(access(path, F_OK), -1, "the file was created");
}

/* ===== On this machine ===== */

struct bad_cpus {
	char list[32];
	char says[64];
};

/* Bad lists: exit 2, the library's sentence, nothing written or made. */
Test(place, bad_cpus_refused_nothing_written)
{
	static const struct bad_cpus cases[] = {
		{ "4096", "CPU 4096 is not on this machine" },
		{ "1-0", "is reversed" },
		{ "x", "is not a CPU number" },
		{ "0,,1", "empty item" },
		{ "0,0", "listed twice" },
		{ "0-", "no upper end" },
	};
	const char *old = scratch_path("cpus-old"), *new = scratch_path("cpus-new");
	uint64_t h;
	struct run r;

	cr_assert_eq(file_make(old, MiB, 0x3c), 0);
	h = path_hash(old);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(tool(&r, "--dev %s --dev %s --size 1M --cpus '%s'",
				  old, new, cases[i].list), 2, "--cpus %s: %s",
			     cases[i].list, r.err);
		cr_assert(strstr(r.err, cases[i].says) && strstr(r.err, "--cpus"),
			  "--cpus %s: %s", cases[i].list, r.err);
		cr_assert_eq(path_hash(old), h, "--cpus %s wrote", cases[i].list);
		cr_assert_eq(access(new, F_OK), -1, "--cpus %s made a file",
			     cases[i].list);
	}
	unlink(old);
}

/* --dry-run on a file, a new file and a loop device: all left as they were. */
Test(place, dry_run_writes_nothing)
{
	const char *old = scratch_path("dry-old"), *new = scratch_path("dry-new");
	const char *backing = scratch_path("dry-loop");
	const char *dev;
	uint64_t h, hb;
	struct stat st;
	struct run r;

	cr_assert_eq(file_make(old, MiB, 0x3c), 0);
	cr_assert_eq(file_make(backing, 4 * MiB, 0x5a), 0);
	h = path_hash(old);
	hb = path_hash(backing);
	dev = loop_attach(backing, 0);
	cr_assert_eq(tool(&r, "--dev %s --dev %s --size 1M --dry-run",
			  old, new), 0, "%s", r.err);
	cr_assert(strstr(r.out, "nothing written") && strstr(r.out, "memory: "),
		  "%s", r.out);
	cr_assert_eq(path_hash(old), h);
	cr_assert_eq(stat(old, &st), 0);
	cr_assert_eq(st.st_size, (off_t)MiB);
	cr_assert_eq(access(new, F_OK), -1, "--dry-run made a file");
	if (dev) {
		/* No --size: the device's size is read, read-only. */
		cr_expect_eq(tool(&r, "--dev %s --dry-run", dev), 0, "%s", r.err);
		cr_expect(strstr(r.out, dev), "%s", r.out);
		cr_expect_eq(path_hash(dev), hb);
		loop_detach(dev);
	}
	cr_expect_eq(path_hash(backing), hb);
	unlink(old);
	unlink(backing);
}

/*
 * A real run follows the plan --dry-run shows: same thread count, CPUs and
 * nodes; every thread ran pinned to its CPU alone (sched_getaffinity and
 * sched_getcpu on the thread) and every page of its buffers is on its node
 * (move_pages), as the JSON report carries them.
 */
Test(place, run_follows_the_plan)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"plan = [tuple(map(int, l.split())) for l in open(sys.argv[2])]\n"
		"p = d['placement']\n"
		"th = p['threads']\n"
		"assert d['job']['threads'] == len(th) == len(plan), (len(th), plan)\n"
		"for t, (i, cpu, core, node) in zip(th, plan):\n"
		"    assert (t['thread'], t['cpu'], t['core'], t['node']) == (i, cpu, core, node), (t, plan)\n"
		"    assert t['started'] and t['cpu_seen'] == cpu and t['cpus_allowed'] == 1, t\n"
		"    assert t['pages'] in ('huge', 'thp', 'normal') and t['buffers'] >= 1, t\n"
		"    if p['numa'] and t['mem_node'] != -1:\n"
		"        assert t['pages_checked'] > 0 and t['pages_off_node'] == 0 and t['mem_node'] == node, t\n"
		"assert sum(t['bytes'] for t in th) == d['bytes'] == 64 << 20\n"
		"assert p['oversubscribed'] == 0 and p['cores_used'] == len(th)\n"
		"assert p['cpus_policy'] == 'split', p['cpus_policy']\n"
		"print('ok')\n";
	const char *path = scratch_path("follow"), *rows = scratch_path("frows");
	struct dgen_stream *s = stream_make(3, 0, 64 * MiB, 1.0, 1.0);
	struct row plan[256];
	unsigned int n;
	struct run r;
	FILE *f;

	if (!shell_line("command -v python3"))
		cr_skip_test("python3 is needed to parse the JSON report");
	cr_assert_eq(tool(&r, "--dev %s --size 64M --dry-run", path), 0, "%s",
		     r.err);
	n = plan_rows(r.out, plan, 256);
	cr_assert_geq(n, 1);
	cr_assert_eq(tool(&r, "--dev %s --size 64M --seed 3 --bs 256K --json",
			  path), 0, "%s", r.err);
	cr_assert_eq(path_compare(path, 0, 64 * MiB, s), 0);
	f = fopen(rows, "w");
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%u %u %u %d\n", plan[i].thread, plan[i].cpu,
			plan[i].core, plan[i].node);
	fclose(f);
	cr_assert_str_eq(py_check(check, r.out, rows), "ok", "%s", r.out);
	/* The human report names each thread's CPU, node and memory. */
	cr_assert_eq(tool(&r, "--dev null --size 64M --cpus 0"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "thread 0: cpu 0, core 0, node ") &&
		  strstr(r.out, "(ran on cpu 0, 1 allowed)") &&
		  strstr(r.out, "  memory: "), "%s", r.out);
	unlink(path);
	unlink(rows);
	dgen_stream_free(s);
}

/*
 * --cpus-policy shared: the same plan, but each thread may run on the CPUs
 * of all the plan's threads on its node, read back on the thread; the
 * bytes are the same stream's. The dry run and the human report say so.
 */
Test(place, cpus_shared_loosens_the_pin)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"p = d['placement']\n"
		"th = p['threads']\n"
		"assert p['cpus_policy'] == 'shared', p\n"
		"for t in th:\n"
		"    mates = {u['cpu'] for u in th if u['node'] == t['node']}\n"
		"    assert t['started'] and t['cpus_allowed'] == len(mates), (t, mates)\n"
		"    assert t['cpu_seen'] in mates, (t, mates)\n"
		"assert sum(t['bytes'] for t in th) == d['bytes'] == 64 << 20\n"
		"print('ok')\n";
	const char *path = scratch_path("shared");
	struct dgen_stream *s = stream_make(5, 0, 64 * MiB, 1.0, 1.0);
	struct run r;

	if (!shell_line("command -v python3"))
		cr_skip_test("python3 is needed to parse the JSON report");
	cr_assert_eq(tool(&r, "--dev %s --size 64M --cpus-policy shared --dry-run",
			  path), 0, "%s", r.err);
	cr_assert(strstr(r.out, "cpus shared: each thread may run on the CPUs of all its node's threads"),
		  "%s", r.out);
	cr_assert_eq(tool(&r, "--dev %s --size 64M --seed 5 --bs 256K --cpus-policy shared --json",
			  path), 0, "%s", r.err);
	cr_assert_eq(path_compare(path, 0, 64 * MiB, s), 0);
	cr_assert_str_eq(py_check(check, r.out, NULL), "ok", "%s", r.out);
	cr_assert_eq(tool(&r, "--dev null --size 64M --cpus-policy shared"), 0,
		     "%s", r.err);
	cr_assert(strstr(r.out, "  cpus shared: ") && strstr(r.out, "(ran on cpu "),
		  "%s", r.out);
	unlink(path);
	dgen_stream_free(s);
}

/* The CPUs a task may run on, from /proc/PID/task/TID/status; 0 if gone. */
static int task_cpus(pid_t pid, const char *tid, char *name, size_t nlen,
		     char *cpus, size_t clen)
{
	char path[384], line[256];
	FILE *f;
	int got = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%.255s/status", (int)pid, tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "Name:\t", 6)) {
			snprintf(name, nlen, "%.63s", line + 6);
			got |= 1;
		} else if (!strncmp(line, "Cpus_allowed_list:\t", 19)) {
			snprintf(cpus, clen, "%s", line + 19);
			got |= 2;
		}
	}
	fclose(f);
	return got == 3;
}

/*
 * From outside, while a run is going: the tool's worker threads (named
 * like the process; io_uring's own iou-* workers are not ours) are each
 * allowed exactly one CPU, together the plan's CPUs, once each.
 */
Test(place, affinity_seen_from_proc)
{
	char cmd[512], *argv[] = { "sh", "-c", cmd, NULL };
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	extern char **environ;
	struct row plan[256];
	unsigned int n, found = 0, pinned[256] = { 0 };
	struct run r;
	pid_t pid;
	int status;

	cr_assert_eq(tool(&r, "--dev null --size 1G --dry-run"), 0, "%s", r.err);
	n = plan_rows(r.out, plan, 256);
	snprintf(cmd, sizeof(cmd), "exec %s --dev null --size 16T --seed 1 >/dev/null",
		 DGEN_URING_PATH);
	cr_assert_eq(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ), 0);
	/* Polled until all are seen: start-up under sanitizers on a busy
	 * machine takes what it takes (up to a minute). */
	for (int tries = 0; tries < 3000 && found < n; tries++) {
		char path[64], name[64], cpus[256];
		struct dirent *e;
		DIR *d;

		nanosleep(&tick, NULL);
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		d = opendir(path);
		if (!d)
			continue;
		found = 0;
		memset(pinned, 0, sizeof(pinned));
		while ((e = readdir(d))) {
			char *end;
			unsigned long cpu;

			if (e->d_name[0] == '.' || atoi(e->d_name) == pid ||
			    !task_cpus(pid, e->d_name, name, sizeof(name), cpus,
				       sizeof(cpus)) ||
			    strcmp(name, "dgen-uring"))
				continue;
			cpu = strtoul(cpus, &end, 10);
			if (*end)
				continue;	/* not pinned (yet) */
			for (unsigned int i = 0; i < n; i++)
				if (plan[i].cpu == cpu && !pinned[i]++) {
					found++;
					break;
				}
		}
		closedir(d);
	}
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(found, n, "%u of the plan's %u threads seen pinned to their CPU",
		     found, n);
}

/* ===== The writer with a plan made by hand ===== */

/*
 * Three threads: target 0 (64 KiB units) to threads 0-1, target 1
 * (128 KiB units) to thread 2. Each target holds exactly its stream, and
 * each thread wrote only its own target's units.
 */
Test(writer_plan, units_only_to_planned_threads)
{
	const char *a = scratch_path("pa"), *b = scratch_path("pb");
	const char *paths[2] = { a, b };
	const uint64_t size = 3 * MiB + 64 * 1024;
	struct dgen_stream *s[2] = { stream_make(5, 0, size, 2.0, 1.5),
				     stream_make(5, 1, size, 1.0, 1.0) };
	static const unsigned int t0[] = { 0 }, t1[] = { 1 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct dgen_plan_thread th[3] = {
		{ .cpu = 0, .node = -1, .ntargets = 1, .targets = t0 },
		{ .cpu = ncpu > 1 ? 1 : 0, .node = -1, .ntargets = 1, .targets = t0 },
		{ .cpu = 0, .node = -1, .ntargets = 1, .targets = t1 },
	};
	struct dgen_plan_target pt[2] = {
		{ .name = "a", .node = -1, .first_thread = 0, .nthreads = 2,
		  .pool = { .io_size = 64 << 10, .queue_depth = 3 } },
		{ .name = "b", .node = -1, .first_thread = 2, .nthreads = 1,
		  .pool = { .io_size = 128 << 10, .queue_depth = 2 } },
	};
	struct dgen_plan plan = { .nthreads = 3, .threads = th, .ntargets = 2,
				  .targets = pt };
	struct dgen_writer_thread_info ti[4];
	struct dgen_target *t[2];
	struct dgen_writer_opts o;
	struct dgen_writer_result res;
	struct dgen_writer *w;
	char msg[512] = "";

	for (int k = 0; k < 2; k++)
		cr_assert_eq(dgen_target_open(&t[k], paths[k], 0, size, 0, msg,
					      sizeof(msg)), 0, "%s", msg);
	dgen_writer_opts_init(&o);
	o.plan = &plan;
	o.pattern = DGEN_PATTERN_RAND;
	o.order_seed = 9;
	cr_assert_eq(dgen_writer_new(&w, &o, t, (const struct dgen_stream *const *)s,
				     2, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_writer_start(w, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_writer_wait(w, &res), 0);
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert_eq(dgen_writer_thread_info(w, i, &ti[i]), 0);
		cr_assert_eq(ti[i].cpu, (int)th[i].cpu);
		cr_assert_eq(ti[i].cpu_seen, (int)th[i].cpu);
		cr_assert_eq(ti[i].cpus_allowed, 1);
	}
	cr_assert_eq(dgen_writer_thread_info(w, 3, &ti[3]), -ENOENT);
	cr_assert_eq(res.bytes, 2 * size);
	/* Target 0: 49 units of 64 KiB over threads 0 and 1 (25 + 24);
	 * target 1: 25 units of 128 KiB (the last one half), all thread 2's. */
	cr_assert_eq(ti[0].bytes, 25 * 65536ull, "thread 0 wrote %llu, 1 %llu, 2 %llu",
		     (unsigned long long)ti[0].bytes, (unsigned long long)ti[1].bytes,
		     (unsigned long long)ti[2].bytes);
	cr_assert_eq(ti[1].bytes, 24 * 65536ull);
	cr_assert_eq(ti[2].bytes, size);
	cr_assert_eq(ti[0].buffers, 3);
	cr_assert_eq(ti[2].buffers, 2);
	cr_assert_eq(res.ops, 49 + 25);
	dgen_writer_free(w);
	for (int k = 0; k < 2; k++) {
		dgen_target_close(t[k]);
		cr_assert_eq(path_compare(paths[k], 0, size, s[k]), 0,
			     "target %d differs from its stream", k);
		unlink(paths[k]);
		dgen_stream_free(s[k]);
	}
}

/*
 * cpus_shared groups by node: threads 0 and 1 (node 0) share CPUs 0 and 1,
 * thread 2 (node not known, a group of its own) keeps CPU 1 alone.
 */
Test(writer_plan, shared_cpus_are_the_node_threads)
{
	const char *a = scratch_path("ps");
	const uint64_t size = 2 * MiB;
	struct dgen_stream *s = stream_make(6, 0, size, 1.0, 1.0);
	static const unsigned int t0[] = { 0 };
	struct dgen_plan_thread th[3] = {
		{ .cpu = 0, .node = 0, .ntargets = 1, .targets = t0 },
		{ .cpu = 1, .node = 0, .ntargets = 1, .targets = t0 },
		{ .cpu = 1, .node = -1, .ntargets = 1, .targets = t0 },
	};
	struct dgen_plan_target pt = {
		.name = "a", .node = -1, .first_thread = 0, .nthreads = 3,
		.pool = { .io_size = 64 << 10, .queue_depth = 2 } };
	struct dgen_plan plan = { .nthreads = 3, .threads = th, .ntargets = 1,
				  .targets = &pt, .cpus_shared = 1 };
	const unsigned int want[3] = { 2, 2, 1 };
	struct dgen_writer_thread_info ti;
	struct dgen_target *t;
	struct dgen_writer_opts o;
	struct dgen_writer_result res;
	struct dgen_writer *w;
	char msg[512] = "";

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("two CPUs are needed to share");
	cr_assert_eq(dgen_target_open(&t, a, 0, size, 0, msg, sizeof(msg)), 0,
		     "%s", msg);
	dgen_writer_opts_init(&o);
	o.plan = &plan;
	cr_assert_eq(dgen_writer_new(&w, &o, &t, (const struct dgen_stream *const *)&s,
				     1, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_writer_start(w, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_writer_wait(w, &res), 0);
	cr_assert_eq(res.bytes, size);
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert_eq(dgen_writer_thread_info(w, i, &ti), 0);
		cr_assert_eq(ti.cpus_allowed, want[i], "thread %u: %u CPUs allowed",
			     i, ti.cpus_allowed);
		cr_assert(ti.cpu_seen == 0 || ti.cpu_seen == 1, "thread %u on %d",
			  i, ti.cpu_seen);
	}
	cr_assert_eq(ti.cpu_seen, 1);
	dgen_writer_free(w);
	dgen_target_close(t);
	cr_assert_eq(path_compare(a, 0, size, s), 0);
	unlink(a);
	dgen_stream_free(s);
}

/* A plan for another number of targets, or a unit off the alignment. */
Test(writer_plan, mismatched_plan_refused)
{
	const char *a = scratch_path("pm");
	struct dgen_stream *s = stream_make(1, 0, MiB, 1.0, 1.0);
	static const unsigned int t0[] = { 0 };
	struct dgen_plan_thread th = { .cpu = 0, .node = -1, .ntargets = 1,
				       .targets = t0 };
	struct dgen_plan_target pt = { .name = "a", .node = -1, .nthreads = 1,
				       .pool = { .io_size = 1000, .queue_depth = 2 } };
	struct dgen_plan plan = { .nthreads = 1, .threads = &th, .ntargets = 1,
				  .targets = &pt };
	struct dgen_target *t;
	struct dgen_writer_opts o;
	struct dgen_writer *w = NULL;
	char msg[512] = "";

	cr_assert_eq(dgen_target_open(&t, a, 0, MiB, 0, msg, sizeof(msg)), 0,
		     "%s", msg);
	dgen_writer_opts_init(&o);
	o.plan = &plan;
	cr_assert_eq(dgen_writer_new(&w, &o, &t, (const struct dgen_stream *const *)&s,
				     1, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "I/O size 1000"), "%s", msg);
	plan.ntargets = 2;
	cr_assert_eq(dgen_writer_new(&w, &o, &t, (const struct dgen_stream *const *)&s,
				     1, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "2 targets"), "%s", msg);
	dgen_target_close(t);
	cr_assert_eq(access(a, F_OK), -1);
	dgen_stream_free(s);
}
