/* SPDX-License-Identifier: MIT */
/*
 * dgen/dgen.h - libdgen, the umbrella header
 */
#ifndef DGEN_DGEN_H
#define DGEN_DGEN_H

#define DGEN_VERSION_MAJOR	0
#define DGEN_VERSION_MINOR	1
#define DGEN_VERSION_PATCH	0
#define DGEN_VERSION_STRING	"0.1.0"

#include <dgen/acked.h>
#include <dgen/crash.h>
#include <dgen/crc.h>
#include <dgen/fdout.h>
#include <dgen/fleet.h>
#include <dgen/journal.h>
#include <dgen/latency.h>
#include <dgen/mismatch.h>
#include <dgen/monitor.h>
#include <dgen/discard.h>
#include <dgen/numa.h>
#include <dgen/objstore.h>
#include <dgen/nvme.h>
#include <dgen/opts.h>
#include <dgen/placement.h>
#include <dgen/plot.h>
#include <dgen/pool.h>
#include <dgen/rate.h>
#include <dgen/report.h>
#include <dgen/run.h>
#include <dgen/stream.h>
#include <dgen/target.h>
#include <dgen/topology.h>
#include <dgen/tree.h>
#include <dgen/writer.h>

#endif /* DGEN_DGEN_H */
