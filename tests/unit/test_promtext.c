// SPDX-License-Identifier: BSD-2-Clause
/*
 * Prometheus exposition of node mode (include/serve/promtext.h): the exact text
 * of a small model, hostile names, the cardinality bound (top N + other,
 * sticky promotion, leak sites first, counters that never go back, rates
 * that add up), and promtool's word on every text rendered here and on
 * deploy/ (deploy/check.sh).  promtool comes with Debian's prometheus
 * package (tools/install-deps.sh); only its absence skips those checks.
 */
#include <setjmp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "serve/promtext.h"
#include "analysis/verdict.h"

static const char *promtool(void)
{
	static const char *const paths[] = { "/usr/bin/promtool", "/usr/local/bin/promtool" };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

/* `promtool check metrics` must accept text without a word of lint. */
static void assert_promtool_accepts(const char *text, size_t len)
{
	char path[] = "/tmp/gostray-metrics-XXXXXX", cmd[512], out[4096];
	const char *tool = promtool();
	size_t n;
	FILE *f;
	int fd, rc;

	if (!tool) {
		printf("SKIP promtool check metrics: promtool not installed (Debian package prometheus)\n");
		return;
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s check metrics < %s 2>&1", tool, path);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	rc = pclose(f);
	unlink(path);
	if (rc != 0 || n)
		fail_msg("promtool check metrics (status %d): %s\n--- text:\n%s", rc, out, text);
}

static char *render(const struct promtext_process *procs, size_t n,
		    const struct promtext_self *self)
{
	size_t len;
	char *text;

	assert_int_equal(promtext_render(procs, n, self, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_promtool_accepts(text, len);
	return text;
}

static const char expected_small[] =
	"# HELP gostray_goroutines_live Goroutines alive now, by go statement (site_function=\"other\": the sites past --top-sites).\n"
	"# TYPE gostray_goroutines_live gauge\n"
	"gostray_goroutines_live{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"main.handleSearch\",site_file=\"leakyservice/main.go\",site_line=\"62\"} 284\n"
	"gostray_goroutines_live{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"net/http.(*Server).Serve\",site_file=\"net/http/server.go\",site_line=\"3102\"} 1\n"
	"gostray_goroutines_live{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"other\",site_file=\"\",site_line=\"0\"} 0\n"
	"# HELP gostray_goroutines_created_total Goroutines created since gostray attached, by go statement.\n"
	"# TYPE gostray_goroutines_created_total counter\n"
	"gostray_goroutines_created_total{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"main.handleSearch\",site_file=\"leakyservice/main.go\",site_line=\"62\"} 300\n"
	"gostray_goroutines_created_total{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"net/http.(*Server).Serve\",site_file=\"net/http/server.go\",site_line=\"3102\"} 0\n"
	"gostray_goroutines_created_total{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"other\",site_file=\"\",site_line=\"0\"} 200\n"
	"# HELP gostray_goroutines_exited_total Goroutines exited since gostray attached, by go statement.\n"
	"# TYPE gostray_goroutines_exited_total counter\n"
	"gostray_goroutines_exited_total{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"main.handleSearch\",site_file=\"leakyservice/main.go\",site_line=\"62\"} 84\n"
	"gostray_goroutines_exited_total{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"net/http.(*Server).Serve\",site_file=\"net/http/server.go\",site_line=\"3102\"} 0\n"
	"gostray_goroutines_exited_total{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"other\",site_file=\"\",site_line=\"0\"} 200\n"
	"# HELP gostray_site_leak_verdict gostray's verdict on a go statement: 0 ok, 1 suspect, 2 leak.\n"
	"# TYPE gostray_site_leak_verdict gauge\n"
	"gostray_site_leak_verdict{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"main.handleSearch\",site_file=\"leakyservice/main.go\",site_line=\"62\"} 2\n"
	"gostray_site_leak_verdict{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"net/http.(*Server).Serve\",site_file=\"net/http/server.go\",site_line=\"3102\"} 0\n"
	"gostray_site_leak_verdict{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",site_function=\"other\",site_file=\"\",site_line=\"0\"} 0\n"
	"# HELP gostray_process_goroutines Goroutines alive now in a traced process, every site included.\n"
	"# TYPE gostray_process_goroutines gauge\n"
	"gostray_process_goroutines{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\"} 285\n"
	"# HELP gostray_process_sites_other Go statements of a process summed into its site_function=\"other\" series (--top-sites).\n"
	"# TYPE gostray_process_sites_other gauge\n"
	"gostray_process_sites_other{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\"} 1\n"
	"# HELP gostray_process_mode How a process is traced: mode=\"probes\" (uprobes: exact "
	"counters), mode=\"snapshots\" (--probes none: live counts and verdicts only), or "
	"mode=\"escalated\" (snapshots, and probes for a window: counters of the windows); "
	"always 1.\n"
	"# TYPE gostray_process_mode gauge\n"
	"gostray_process_mode{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",mode=\"probes\"} 1\n"
	"# HELP gostray_process_info A traced Go process: always 1.\n"
	"# TYPE gostray_process_info gauge\n"
	"gostray_process_info{pid=\"4242\",exe=\"leakyservice\",container_id=\"3f2a\",pod=\"\",go_version=\"go1.19.8\"} 1\n"
	"# HELP gostray_attached_processes Go processes gostray traces now.\n"
	"# TYPE gostray_attached_processes gauge\n"
	"gostray_attached_processes 1\n"
	"# HELP gostray_attached_binaries Distinct Go executables with probes attached now (one probe set serves every process of a binary).\n"
	"# TYPE gostray_attached_binaries gauge\n"
	"gostray_attached_binaries 1\n"
	"# HELP gostray_lost_events_total Probe records the kernel dropped because the ring buffer was full.\n"
	"# TYPE gostray_lost_events_total counter\n"
	"gostray_lost_events_total 0\n"
	"# HELP gostray_probe_hits_total Hits of gostray's uprobes on goroutine creation, park and exit.\n"
	"# TYPE gostray_probe_hits_total counter\n"
	"gostray_probe_hits_total{probe=\"create\"} 1102\n"
	"gostray_probe_hits_total{probe=\"park\"} 2000\n"
	"gostray_probe_hits_total{probe=\"exit\"} 784\n"
	"# HELP gostray_cpu_seconds_total CPU time gostray itself used, user and system.\n"
	"# TYPE gostray_cpu_seconds_total counter\n"
	"gostray_cpu_seconds_total 0.250\n"
	"# HELP gostray_resident_memory_bytes Resident memory of gostray itself.\n"
	"# TYPE gostray_resident_memory_bytes gauge\n"
	"gostray_resident_memory_bytes 12345678\n"
	"# HELP gostray_budget_drops_total What gostray's own CPU and memory caps made it drop or sample, by kind.\n"
	"# TYPE gostray_budget_drops_total counter\n"
	"gostray_budget_drops_total{what=\"events\"} 3\n";

/* Two slots for three sites: the leak and the live one; the one with only exits is `other`. */
static void test_exposition_exact(void **state)
{
	const struct promtext_site sites[] = {
		{ .key = 0x300, .function = "main.handleQuote", .file = "leakyservice/main.go",
		  .line = 105, .created = 200, .exited = 200 },
		{ .key = 0x100, .function = "main.handleSearch", .file = "leakyservice/main.go",
		  .line = 62, .live = 284, .created = 300, .exited = 84, .verdict = VERDICT_LEAK },
		{ .key = 0x200, .function = "net/http.(*Server).Serve", .file = "net/http/server.go",
		  .line = 3102, .live = 1 },
	};
	const struct promtext_drop drops[] = { { "events", 3 } };
	const struct promtext_self self = {
		.processes = 1, .binaries = 1, .create_hits = 1102, .park_hits = 2000,
		.exit_hits = 784, .cpu_seconds = 0.25, .rss_bytes = 12345678,
		.drops = drops, .ndrops = 1,
	};
	struct promtext_cardinality card;
	struct promtext_process p = {
		.pid = 4242, .exe = "leakyservice", .container_id = "3f2a", .pod = NULL,
		.go_version = "go1.19.8", .sites = sites, .nsites = 3, .card = &card,
	};
	char *text;

	assert_int_equal(promtext_cardinality_init(&card, 2), 0);
	text = render(&p, 1, &self);
	if (strcmp(text, expected_small))
		fail_msg("got:\n%s", text);
	free(text);
	promtext_cardinality_free(&card);
}

/* A process read without probes: live counts and verdicts, no counter
 * (its created and exited are lower bounds), and its mode said. */
static void test_probe_free_process(void **state)
{
	const struct promtext_site sites[] = {
		{ .key = 0x401000, .function = "main.leak", .file = "/src/a.go", .line = 7,
		  .live = 40, .created = 12, .exited = 2, .verdict = 2 },
	};
	struct promtext_cardinality card_a, card_b;
	struct promtext_process p[2] = {
		{ .pid = 1, .exe = "a", .go_version = "go1.22.1", .sites = sites, .nsites = 1,
		  .card = &card_a, .probe_free = true, .have_goids = true, .goids = 4096 },
		{ .pid = 2, .exe = "b", .go_version = "go1.22.1", .sites = sites, .nsites = 1,
		  .card = &card_b },
	};
	char *text;

	assert_int_equal(promtext_cardinality_init(&card_a, 5), 0);
	assert_int_equal(promtext_cardinality_init(&card_b, 5), 0);
	text = render(p, 2, NULL);
	assert_non_null(strstr(text, "gostray_goroutines_live{pid=\"1\""));
	assert_non_null(strstr(text, "gostray_site_leak_verdict{pid=\"1\""));
	assert_null(strstr(text, "gostray_goroutines_created_total{pid=\"1\""));
	assert_null(strstr(text, "gostray_goroutines_exited_total{pid=\"1\""));
	assert_non_null(strstr(text, "gostray_goroutines_created_total{pid=\"2\""));
	/* The allocator's count is exact to its batches and never goes back:
	 * a counter in either mode, where it can be read. */
	assert_non_null(strstr(text, "gostray_process_goids_allocated_total{pid=\"1\",exe=\"a\","
				     "container_id=\"\",pod=\"\"} 4096\n"));
	assert_null(strstr(text, "gostray_process_goids_allocated_total{pid=\"2\""));
	assert_non_null(strstr(text, "gostray_process_mode{pid=\"1\",exe=\"a\",container_id=\"\","
				     "pod=\"\",mode=\"snapshots\"} 1\n"));
	assert_non_null(strstr(text, "gostray_process_mode{pid=\"2\",exe=\"b\",container_id=\"\","
				     "pod=\"\",mode=\"probes\"} 1\n"));
	free(text);
	promtext_cardinality_free(&card_a);
	promtext_cardinality_free(&card_b);
}

/* A probe-free process in an escalation window: its counters (the
 * windows' exact sums) exported, mode "escalated"; the escalation
 * families only when node escalates. */
static void test_escalated_process(void **state)
{
	const struct promtext_site sites[] = {
		{ .key = 0x401000, .function = "main.leak", .file = "/src/a.go", .line = 7,
		  .live = 40, .created = 12, .exited = 2, .verdict = 2 },
	};
	struct promtext_cardinality card;
	struct promtext_process p = {
		.pid = 1, .exe = "a", .go_version = "go1.22.1", .sites = sites, .nsites = 1,
		.card = &card, .probe_free = true, .escalated = true,
	};
	struct promtext_self self = { .escalating = true, .escalations_total = 3,
				      .escalations_active = 1 };
	char *text;

	(void)state;
	assert_int_equal(promtext_cardinality_init(&card, 5), 0);
	text = render(&p, 1, &self);
	assert_non_null(strstr(text, "gostray_goroutines_created_total{pid=\"1\",exe=\"a\","
				     "container_id=\"\",pod=\"\",site_function=\"main.leak\","
				     "site_file=\"/src/a.go\",site_line=\"7\"} 12\n"));
	assert_non_null(strstr(text, "gostray_goroutines_exited_total{pid=\"1\""));
	assert_non_null(strstr(text, "gostray_process_mode{pid=\"1\",exe=\"a\",container_id=\"\","
				     "pod=\"\",mode=\"escalated\"} 1\n"));
	assert_non_null(strstr(text, "\ngostray_escalations_total 3\n"));
	assert_non_null(strstr(text, "\ngostray_escalations_active 1\n"));
	free(text);
	/* the window over: no counter, and no escalation family without
	 * escalation */
	p.escalated = false;
	self.escalating = false;
	text = render(&p, 1, &self);
	assert_null(strstr(text, "gostray_goroutines_created_total{pid=\"1\""));
	assert_non_null(strstr(text, "mode=\"snapshots\"} 1\n"));
	assert_null(strstr(text, "gostray_escalations_total"));
	free(text);
	promtext_cardinality_free(&card);
}

static void test_no_process(void **state)
{
	const struct promtext_self self = { 0 };
	char *text = render(NULL, 0, &self);

	assert_non_null(strstr(text, "# TYPE gostray_goroutines_live gauge\n"));
	assert_non_null(strstr(text, "\ngostray_attached_processes 0\n"));
	/* no park probes, no parks family (a row of zeros would be a lie) */
	assert_null(strstr(text, "gostray_goroutine_parks_total"));
	free(text);
}

/* Valid UTF-8 by the definition, written again here on purpose. */
static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int more;

	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			more = 1, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			more = 2, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			more = 3, cp = *p & 0x07;
		else
			return false;
		for (p++; more; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
	}
	return true;
}

#define FFFD "\xef\xbf\xbd"

static void assert_clean(const char *src, bool tail, const char *want)
{
	char got[PROMTEXT_LABEL_MAX + 1];

	promtext_label_clean(got, PROMTEXT_LABEL_MAX, src, tail);
	assert_string_equal(got, want);
}

static void test_label_clean(void **state)
{
	char big[1024], got[PROMTEXT_LABEL_MAX + 1];
	size_t i;

	assert_clean("main.(*T).run.func1", false, "main.(*T).run.func1");
	assert_clean(NULL, false, "");
	assert_clean("h\xc3\xa9llo \xe2\x86\x92 \xf0\x9f\x90\xb9", false,
		     "h\xc3\xa9llo \xe2\x86\x92 \xf0\x9f\x90\xb9");
	/* Controls but the newline (escaped later) become '?'. */
	assert_clean("a\tb\x01\x7f\nc", false, "a?b??\nc");
	/* A stray byte, a cut sequence, an overlong '/', a surrogate, past U+10FFFF. */
	assert_clean("\xff", false, FFFD);
	assert_clean("x\xc3", false, "x" FFFD);
	assert_clean("\xc0\xaf", false, FFFD FFFD);
	assert_clean("\xed\xa0\x80", false, FFFD FFFD FFFD);
	assert_clean("\xf4\x90\x80\x80", false, FFFD FFFD FFFD FFFD);

	/* Long function names keep their start, file names their end. */
	memset(big, 'a', 300);
	big[300] = '\0';
	promtext_label_clean(got, PROMTEXT_LABEL_MAX, big, false);
	assert_int_equal(strlen(got), PROMTEXT_LABEL_MAX);
	assert_int_equal(strspn(got, "a"), PROMTEXT_LABEL_MAX - 3);
	assert_string_equal(got + PROMTEXT_LABEL_MAX - 3, "...");
	strcpy(big + 290, "/main.go");
	promtext_label_clean(got, PROMTEXT_LABEL_MAX, big, true);
	assert_int_equal(strlen(got), PROMTEXT_LABEL_MAX);
	assert_memory_equal(got, "...aaa", 6);
	assert_string_equal(got + PROMTEXT_LABEL_MAX - 8, "/main.go");

	/* Cut between characters, never inside one. */
	for (i = 0; i < 200; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[400] = '\0';
	promtext_label_clean(got, PROMTEXT_LABEL_MAX, big, false);
	assert_true(valid_utf8(got));
	assert_true(strlen(got) <= PROMTEXT_LABEL_MAX);
	assert_non_null(strstr(got, "..."));
	promtext_label_clean(got, PROMTEXT_LABEL_MAX, big + 1, true);
	assert_true(valid_utf8(got));
	assert_true(strlen(got) <= PROMTEXT_LABEL_MAX);
	assert_memory_equal(got, "...\xc3\xa9", 5);
	/* Every byte bad: three bytes out for each one in, still bounded. */
	memset(big, 0xff, 300);
	big[300] = '\0';
	promtext_label_clean(got, PROMTEXT_LABEL_MAX, big, true);
	assert_true(valid_utf8(got));
	assert_true(strlen(got) <= PROMTEXT_LABEL_MAX);
}

/* Names from the target are escaped, cut and made UTF-8 in the exposition itself. */
static void test_hostile_names(void **state)
{
	char longfn[600];
	struct promtext_site sites[] = {
		{ .key = 1, .function = "main.\"quoted\"\\back\nline", .file = "evil\xff.go",
		  .line = 7, .live = 3, .created = 3 },
		{ .key = 2, .function = longfn, .file = "a.go", .line = 1, .live = 2, .created = 2 },
		/* A target cannot pass one of its sites off as `other`. */
		{ .key = 3, .function = "other", .file = "", .line = 0, .live = 1, .created = 1 },
		{ .key = 4, .function = NULL, .file = NULL, .line = -5, .live = 1 },
	};
	const struct promtext_drop drops[] = { { "sites\"\n", 1 } };
	const struct promtext_self self = { .drops = drops, .ndrops = 1 };
	struct promtext_cardinality card;
	struct promtext_process p = {
		.pid = 1, .exe = "we\"ird\\exe\n", .container_id = "c\x01", .pod = "p\xc3",
		.go_version = "go1.22", .sites = sites, .nsites = 4, .card = &card,
	};
	char *text, want[700];

	memset(longfn, 'f', sizeof(longfn) - 1);
	longfn[sizeof(longfn) - 1] = '\0';
	assert_int_equal(promtext_cardinality_init(&card, 10), 0);
	text = render(&p, 1, &self);
	assert_non_null(strstr(text, "exe=\"we\\\"ird\\\\exe\\n\",container_id=\"c?\",pod=\"p" FFFD "\""));
	assert_non_null(strstr(text, "site_function=\"main.\\\"quoted\\\"\\\\back\\nline\","
				     "site_file=\"evil" FFFD ".go\",site_line=\"7\"} 3\n"));
	snprintf(want, sizeof(want), "site_function=\"%.*s...\",site_file=\"a.go\"",
		 PROMTEXT_LABEL_MAX - 3, longfn);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "site_function=\"other\",site_file=\"?\",site_line=\"0\"} 1\n"));
	assert_null(strstr(text, "site_function=\"other\",site_file=\"\""));
	assert_non_null(strstr(text, "site_function=\"\",site_file=\"\",site_line=\"0\"} 1\n"));
	assert_non_null(strstr(text, "gostray_budget_drops_total{what=\"sites\\\"\\n\"} 1\n"));
	assert_true(valid_utf8(text));
	free(text);
	promtext_cardinality_free(&card);
}

/* Sites with equal labels (one line, or names cut alike) share one series. */
static void test_equal_labels_merge(void **state)
{
	const struct promtext_site sites[] = {
		{ .key = 1, .function = "main.f", .file = "m.go", .line = 3, .live = 2, .created = 5, .exited = 3 },
		{ .key = 2, .function = "main.f", .file = "m.go", .line = 3, .live = 1, .created = 1,
		  .verdict = VERDICT_SUSPECT },
	};
	struct promtext_cardinality card;
	struct promtext_process p = { .pid = 9, .exe = "m", .sites = sites, .nsites = 2, .card = &card };
	char *text;

	assert_int_equal(promtext_cardinality_init(&card, 50), 0);
	text = render(&p, 1, NULL);
	assert_non_null(strstr(text, "gostray_goroutines_live{pid=\"9\",exe=\"m\",container_id=\"\",pod=\"\",site_function=\"main.f\",site_file=\"m.go\",site_line=\"3\"} 3\n"));
	assert_non_null(strstr(text, "gostray_goroutines_created_total{pid=\"9\",exe=\"m\",container_id=\"\",pod=\"\",site_function=\"main.f\",site_file=\"m.go\",site_line=\"3\"} 6\n"));
	assert_non_null(strstr(text, "gostray_site_leak_verdict{pid=\"9\",exe=\"m\",container_id=\"\",pod=\"\",site_function=\"main.f\",site_file=\"m.go\",site_line=\"3\"} 1\n"));
	/* Nothing past the bound: no `other` series at all. */
	assert_null(strstr(text, "site_function=\"other\","));
	free(text);
	promtext_cardinality_free(&card);
}

/* Parsed samples of an exposition: "name{labels}" and value. */
struct sample {
	char key[1024];
	double v;
};

static size_t parse(const char *text, struct sample *out, size_t max)
{
	const char *line = text, *nl, *sp;
	size_t n = 0;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		if (*line == '#')
			continue;
		sp = nl;
		while (sp > line && *sp != ' ')
			sp--;
		assert_true(n < max && (size_t)(sp - line) < sizeof(out[n].key));
		memcpy(out[n].key, line, sp - line);
		out[n].key[sp - line] = '\0';
		out[n].v = strtod(sp + 1, NULL);
		n++;
	}
	return n;
}

static const struct sample *find(const struct sample *s, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].key, key))
			return &s[i];
	return NULL;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static char fnames[64][16];

static void make_sites(struct promtext_site *s, size_t n)
{
	size_t i;

	memset(s, 0, n * sizeof(*s));
	for (i = 0; i < n; i++) {
		snprintf(fnames[i], sizeof(fnames[i]), "main.f%d", (int)i);
		s[i].key = 0x1000 + i * 16;
		s[i].function = fnames[i];
		s[i].file = "m.go";
		s[i].line = 10 + (int)i;
	}
}

static size_t count_series(const char *text, const char *family)
{
	size_t n = 0;
	const char *p = text;
	char needle[128];

	snprintf(needle, sizeof(needle), "\n%s{", family);
	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

/* Top N by live count, the rest summed into `other`; a late leak still gets a reserved slot. */
static void test_top_and_other(void **state)
{
	struct promtext_site s[12];
	struct promtext_cardinality card;
	struct promtext_process p = { .pid = 5, .exe = "x", .sites = s, .nsites = 10, .card = &card };
	struct sample got[128];
	const struct sample *o;
	char *text;
	size_t i, n;

	make_sites(s, 12);
	for (i = 0; i < 10; i++)
		s[i].live = s[i].created = 100 - i;	/* f0 the largest */
	/* N = 5: the last N/5 = 1 slot waits for a leak or suspect site. */
	assert_int_equal(promtext_cardinality_init(&card, 5), 0);
	text = render(&p, 1, NULL);
	assert_int_equal(card.n, 4);
	for (i = 0; i < 10; i++)
		assert_int_equal(promtext_cardinality_promoted(&card, s[i].key), i < 4);
	assert_int_equal(count_series(text, "gostray_goroutines_live"), 5);
	n = parse(text, got, 128);
	o = find(got, n, "gostray_goroutines_live{pid=\"5\",exe=\"x\",container_id=\"\",pod=\"\",site_function=\"other\",site_file=\"\",site_line=\"0\"}");
	assert_non_null(o);
	assert_true(o->v == 96 + 95 + 94 + 93 + 92 + 91);
	assert_non_null(strstr(text, "gostray_process_sites_other{pid=\"5\",exe=\"x\",container_id=\"\",pod=\"\"} 6\n"));
	assert_non_null(strstr(text, "gostray_process_goroutines{pid=\"5\",exe=\"x\",container_id=\"\",pod=\"\"} 955\n"));
	free(text);

	/* A small leak appears later: it takes the reserved slot. */
	s[10].live = s[10].created = 1;
	s[10].verdict = VERDICT_LEAK;
	p.nsites = 11;
	text = render(&p, 1, NULL);
	assert_true(promtext_cardinality_promoted(&card, s[10].key));
	assert_int_equal(card.n, 5);
	assert_non_null(strstr(text, "gostray_site_leak_verdict{pid=\"5\",exe=\"x\",container_id=\"\",pod=\"\",site_function=\"main.f10\",site_file=\"m.go\",site_line=\"20\"} 2\n"));
	free(text);

	/* Full: another leak lands in `other`, whose verdict says so. */
	s[11].live = s[11].created = 7;
	s[11].verdict = VERDICT_LEAK;
	p.nsites = 12;
	text = render(&p, 1, NULL);
	assert_false(promtext_cardinality_promoted(&card, s[11].key));
	assert_non_null(strstr(text, "gostray_site_leak_verdict{pid=\"5\",exe=\"x\",container_id=\"\",pod=\"\",site_function=\"other\",site_file=\"\",site_line=\"0\"} 2\n"));
	free(text);
	promtext_cardinality_free(&card);
}

/* Leak and suspect sites take slots before larger ok sites; empty sites take none. */
static void test_leaks_first(void **state)
{
	struct promtext_site s[6];
	struct promtext_cardinality card;

	make_sites(s, 6);
	s[0].live = 1000;
	s[1].live = 900;
	s[2].live = 2, s[2].verdict = VERDICT_LEAK;
	s[3].live = 5, s[3].verdict = VERDICT_SUSPECT;
	s[4].live = 1, s[4].verdict = VERDICT_LEAK;
	/* s[5]: no goroutine ever */
	assert_int_equal(promtext_cardinality_init(&card, 4), 0);
	promtext_cardinality_update(&card, s, 6);
	assert_int_equal(card.n, 4);
	assert_true(promtext_cardinality_promoted(&card, s[2].key));
	assert_true(promtext_cardinality_promoted(&card, s[4].key));
	assert_true(promtext_cardinality_promoted(&card, s[3].key));
	assert_true(promtext_cardinality_promoted(&card, s[0].key));
	assert_false(promtext_cardinality_promoted(&card, s[1].key));
	promtext_cardinality_free(&card);

	assert_int_equal(promtext_cardinality_init(&card, 10), 0);
	promtext_cardinality_update(&card, s, 6);
	assert_int_equal(card.n, 5);
	assert_false(promtext_cardinality_promoted(&card, s[5].key));
	promtext_cardinality_free(&card);
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

/*
 * Many scrapes of a process whose sites come and go in the top: a site's
 * series never disappears once shown, no counter ever goes back, and the
 * counters' increases over every series add up to the process's real
 * increase (what rate() sums), `other` included.
 */
static void test_sticky_counters(void **state)
{
	static struct sample prev[256], cur[256];
	struct promtext_site s[40];
	struct promtext_cardinality card;
	struct promtext_process p = { .pid = 77, .exe = "churn", .sites = s, .card = &card };
	const struct promtext_self self = { .parks = true };
	uint64_t x = 42, before_created = 0, now_created, before_parks = 0, now_parks, live;
	double sum_delta, sum_parks;
	size_t nprev = 0, ncur, i, round;
	const struct sample *c;
	bool had_other = false, has_other;
	char *text;

	make_sites(s, 40);
	assert_int_equal(promtext_cardinality_init(&card, 10), 0);
	for (round = 0; round < 60; round++) {
		p.nsites = 10 + round / 2 > 40 ? 40 : 10 + round / 2;
		now_created = now_parks = 0;
		for (i = 0; i < p.nsites; i++) {
			uint64_t born = lcg(&x) % (1 + i * round % 23), died = lcg(&x) % 30;

			live = s[i].live + born;
			died = died > live ? live : died;
			s[i].created += born;
			s[i].exited += died;
			s[i].live = live - died;
			s[i].verdict = lcg(&x) % 50 == 0 ? VERDICT_LEAK : s[i].verdict;
			s[i].parks += lcg(&x) % 100;
			now_created += s[i].created;
			now_parks += s[i].parks;
		}
		text = render(&p, 1, &self);
		ncur = parse(text, cur, 256);
		assert_true(count_series(text, "gostray_goroutines_live") <= 11);

		sum_delta = sum_parks = 0;
		for (i = 0; i < nprev; i++) {
			if (!starts(prev[i].key, "gostray_goroutine") &&
			    !starts(prev[i].key, "gostray_site_leak_verdict"))
				continue;
			c = find(cur, ncur, prev[i].key);
			if (!c)
				fail_msg("round %zu: %s disappeared", round, prev[i].key);
			if (strstr(c->key, "_total{") && c->v < prev[i].v)
				fail_msg("round %zu: %s went back from %.0f to %.0f", round, c->key,
					 prev[i].v, c->v);
			if (starts(c->key, "gostray_goroutines_created_total{"))
				sum_delta += c->v - prev[i].v;
			if (starts(c->key, "gostray_goroutine_parks_total{"))
				sum_parks += c->v - prev[i].v;
		}
		has_other = strstr(text, "site_function=\"other\",") != NULL;
		if (had_other && has_other && sum_delta != (double)(now_created - before_created))
			fail_msg("round %zu: created counters rose by %.0f, the sites by %" PRIu64,
				 round, sum_delta, now_created - before_created);
		if (had_other && has_other && sum_parks != (double)(now_parks - before_parks))
			fail_msg("round %zu: park counters rose by %.0f, the sites by %" PRIu64,
				 round, sum_parks, now_parks - before_parks);
		had_other = has_other;
		before_created = now_created;
		before_parks = now_parks;
		memcpy(prev, cur, ncur * sizeof(*cur));
		nprev = ncur;
		free(text);
	}
	/* The run did fill the slots and fold sites into `other`. */
	assert_int_equal(card.n, 10);
	assert_true(had_other);
	promtext_cardinality_free(&card);
}

/* Series of several processes stay grouped by family (what the format requires). */
static void test_two_processes(void **state)
{
	const struct promtext_site a[] = { { .key = 1, .function = "main.a", .file = "a.go", .line = 1, .live = 1 } };
	const struct promtext_site b[] = { { .key = 1, .function = "main.b", .file = "b.go", .line = 2, .live = 2 } };
	struct promtext_cardinality ca, cb;
	struct promtext_process p[] = {
		{ .pid = 10, .exe = "a", .go_version = "go1.21.0", .sites = a, .nsites = 1, .card = &ca },
		{ .pid = 11, .exe = "b", .pod = "0d6c5a3e-uid", .go_version = "go1.25.1", .sites = b, .nsites = 1, .card = &cb },
	};
	char *text;

	assert_int_equal(promtext_cardinality_init(&ca, 50), 0);
	assert_int_equal(promtext_cardinality_init(&cb, 50), 0);
	text = render(p, 2, NULL);
	assert_non_null(strstr(text,
		"gostray_goroutines_live{pid=\"10\",exe=\"a\",container_id=\"\",pod=\"\",site_function=\"main.a\",site_file=\"a.go\",site_line=\"1\"} 1\n"
		"gostray_goroutines_live{pid=\"11\",exe=\"b\",container_id=\"\",pod=\"0d6c5a3e-uid\",site_function=\"main.b\",site_file=\"b.go\",site_line=\"2\"} 2\n"
		"# HELP gostray_goroutines_created_total"));
	assert_non_null(strstr(text, "gostray_process_info{pid=\"11\",exe=\"b\",container_id=\"\",pod=\"0d6c5a3e-uid\",go_version=\"go1.25.1\"} 1\n"));
	free(text);
	promtext_cardinality_free(&ca);
	promtext_cardinality_free(&cb);
}

/* deploy/: promtool on the alert rules (and their test) and the scrape config. */
static void test_deploy_files(void **state)
{
	const char *tool = promtool();
	char cmd[512];

	if (!tool) {
		printf("SKIP deploy/check.sh: promtool not installed (Debian package prometheus)\n");
		return;
	}
	assert_int_equal(access("deploy/check.sh", X_OK), 0);
	snprintf(cmd, sizeof(cmd), "deploy/check.sh %s", tool);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exposition_exact),
		cmocka_unit_test(test_probe_free_process),
		cmocka_unit_test(test_escalated_process),
		cmocka_unit_test(test_no_process),
		cmocka_unit_test(test_label_clean),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_equal_labels_merge),
		cmocka_unit_test(test_top_and_other),
		cmocka_unit_test(test_leaks_first),
		cmocka_unit_test(test_sticky_counters),
		cmocka_unit_test(test_two_processes),
		cmocka_unit_test(test_deploy_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
