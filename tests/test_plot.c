// SPDX-License-Identifier: MIT
/*
 * test_plot.c - the SVG picture of a synthetic run: an XML parser takes
 * it, librsvg draws it, and it names every target, its cliff and its hang
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/plot.h>

static char *run_line(const char *cmd)
{
	static char line[512];
	FILE *f = popen(cmd, "r");
	int ok = f && fgets(line, sizeof(line), f);

	if (f)
		pclose(f);
	return ok ? line : NULL;
}

Test(plot, svg_parses_renders_and_names_everything)
{
	const char *names[] = { "/dev/nvme0n1", "/dev/sd<b>&c", "null" };
	char svg[64], png[64], cmd[2048], *out;
	struct dgen_series *s = NULL;
	uint64_t total[3] = { 0 };
	FILE *f;

	cr_assert_eq(dgen_series_new(&s, names, 3), 0);
	for (unsigned int i = 0; i < 30; i++)
		for (unsigned int k = 0; k < 3; k++) {
			/* Target 1 falls off a cliff at 15 s. */
			double g = k == 1 && i >= 15 ? 0.3 : 1.0 + 0.5 * k;
			struct dgen_series_row r = {
				.t = i + 1.0, .dt = 1, .pass = 1,
				.bytes = (uint64_t)(g * 1e9), .ios = 1000,
				.p50_us = 100, .p99_us = 300.0f * (float)(k + 1),
				.max_us = 5000, .target = k,
			};

			total[k] += r.bytes;
			r.bytes_total = total[k];
			cr_assert_eq(dgen_series_add(s, &r), 0);
		}
	cr_assert_eq(dgen_series_add_event(s, &(struct dgen_series_event) {
		.t = 30.5, .seconds = 30, .offset = 4096, .target = 2 }), 0);
	snprintf(svg, sizeof(svg), "/tmp/dgen-plot-%d.svg", (int)getpid());
	snprintf(png, sizeof(png), "/tmp/dgen-plot-%d.png", (int)getpid());
	f = fopen(svg, "w");
	cr_assert_not_null(f);
	cr_assert_eq(dgen_plot_svg(f, s, NULL, "a <title> & more"), 0);
	cr_assert_eq(fclose(f), 0);

	if (!run_line("command -v python3"))
		cr_skip_test("python3 is needed to parse the SVG");
	snprintf(cmd, sizeof(cmd),
		 "python3 -c \"import sys, xml.etree.ElementTree as ET\n"
		 "t = ET.parse(sys.argv[1]).getroot()\n"
		 "assert t.tag == '{http://www.w3.org/2000/svg}svg'\n"
		 "txt = [e.text or '' for e in t.iter() if e.tag.endswith('text')]\n"
		 "names = ['/dev/nvme0n1', '/dev/sd<b>&c', 'null']\n"
		 "legend = all(n in txt for n in names)\n"
		 "cliff = [x for x in txt if x.startswith('cliff')]\n"
		 "hung = [x for x in txt if x.startswith('hung')]\n"
		 "lines = [e for e in t.iter() if e.tag.endswith('polyline')]\n"
		 "print('ok' if legend and cliff == ['cliff: /dev/sd<b>&c'] and hung == ['hung: null at 4096'] and len(lines) == 6 else 'bad', legend, cliff, hung, len(lines))\" %s 2>&1",
		 svg);
	out = run_line(cmd);
	cr_expect(out && !strncmp(out, "ok", 2), "%s", out ? out : "(no output)");
	if (run_line("command -v rsvg-convert")) {
		snprintf(cmd, sizeof(cmd), "rsvg-convert %s -o %s && test -s %s && echo drawn",
			 svg, png, png);
		out = run_line(cmd);
		cr_expect(out && !strncmp(out, "drawn", 5), "rsvg-convert failed");
	} else {
		cr_log_warn("rsvg-convert (librsvg2-bin) missing: parsed, not drawn");
	}
	unlink(svg);
	unlink(png);
	dgen_series_free(s);
}

Test(plot, empty_series_is_still_a_picture)
{
	struct dgen_series *s = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(dgen_series_new(&s, NULL, 0), 0);
	cr_assert_eq(dgen_plot_svg(f, s, NULL, NULL), 0);
	fclose(f);
	cr_expect(strstr(buf, "<svg") && strstr(buf, "</svg>"));
	cr_expect_null(strstr(buf, "nan"));
	cr_expect_null(strstr(buf, "inf"));
	free(buf);
	dgen_series_free(s);
}
