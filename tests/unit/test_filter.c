/*
 * test_filter.c - the rule format, the loader's faults, the match limits,
 * and the shipped rules in filters/ against hand-built messages.
 *
 * Rule sets for the format tests are written to a fresh directory under
 * /tmp; the broken rule files whose faults are checked line by line live in
 * tests/data/filters/.  The shipped-rule cases load the real filters/
 * directory (tests run from the top of the tree).
 */
#include "testutil.h"

#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "message.h"

/* ---- helpers ---- */

/* A message built by hand: every string is a literal or lives in here. */
struct tmsg {
	struct message m;
	struct header h[24];
	struct addr to[4], cc[4], reply_to[2];
	struct forward fwd[2];
	struct addr fwd_to[2];
};

/* A class as the tests name it: NULL for none. */
static const char *cls(enum rule_class c)
{
	return c == CLASS_NONE ? NULL : class_name(c);
}

static void tmsg_init(struct tmsg *t)
{
	memset(t, 0, sizeof(*t));
	t->m.body = "";
	t->m.context = "";
	t->m.headers = t->h;
	t->m.to.v = t->to;
	t->m.cc.v = t->cc;
	t->m.reply_to.v = t->reply_to;
	t->m.fwd = t->fwd;
}

static void tmsg_header(struct tmsg *t, char *name, char *value)
{
	t->h[t->m.nheaders++] = (struct header){name, value};
}

/* Body and context alike (no quote or signature to trim). */
static void tmsg_text(struct tmsg *t, char *text)
{
	t->m.body = text;
	t->m.context = text;
}

static void rm_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		char path[600];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Runs filter_load with stderr captured; returns what it printed. */
static char *load_capture(const char *dir, int *rc, struct filter_set **set)
{
	struct stderr_capture c;

	stderr_capture_begin(&c);
	*rc = filter_load(dir, set);
	return stderr_capture_end(&c);
}

/* Loads one rule file with the given text from a fresh directory. */
static struct filter_set *load_text(const char *text)
{
	char dir[] = "/tmp/refagent-filter-XXXXXX";
	struct filter_set *set = NULL;
	char *err;
	int rc;

	assert_non_null(mkdtemp(dir));
	write_file(dir, "t.rules", text);
	err = load_capture(dir, &rc, &set);
	if (rc != 0)
		fprintf(stderr, "unexpected faults:\n%s", err);
	free(err);
	rm_dir(dir);
	assert_int_equal(rc, 0);
	assert_non_null(set);
	return set;
}

static void run(const struct filter_set *set, const struct message *m, int trace,
                struct filter_result *res)
{
	memset(res, 0, sizeof(*res));
	assert_int_equal(filter_run(set, m, trace, res), 0);
}

static const struct filter_hit *find_hit(const struct filter_result *res, const char *rule)
{
	for (size_t i = 0; i < res->nhits; i++)
		if (strcmp(res->hits[i].rule, rule) == 0)
			return &res->hits[i];
	return NULL;
}

#define assert_field(res, id, want)                                                                \
	do {                                                                                       \
		if ((want) == NULL)                                                                \
			assert_null((res)->fields[id]);                                            \
		else                                                                               \
			assert_string_equal((res)->fields[id] ? (res)->fields[id] : "(null)",      \
			                    (want));                                               \
	} while (0)

#define assert_class(res, want)                                                                    \
	do {                                                                                       \
		if ((want) == NULL)                                                                \
			assert_null(cls((res)->class));                                            \
		else                                                                               \
			assert_string_equal(cls((res)->class) ? cls((res)->class) : "(none)",      \
			                    (want));                                               \
	} while (0)

/* ---- the format ---- */

static void test_field_names(void **state)
{
	(void)state;
	assert_string_equal(filter_field_name(FF_LEAD_NAME), "lead_name");
	assert_string_equal(filter_field_name(FF_LEAD_PHONE), "lead_phone");
	assert_string_equal(filter_field_name(FF_REFERRER_EMAIL), "referrer_email");
	assert_string_equal(filter_field_name(FF_COMMAND_ARG), "command_arg");
	assert_null(filter_field_name(FF_COUNT));
	assert_null(filter_field_name((enum filter_field_id) - 1));
}

/* Comments, blank lines, tab and space indentation, CRLF line ends, and a
 * comment inside a rule. */
static void test_format_basics(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;

	(void)state;
	set = load_text("# a comment\r\n"
	                "   # an indented comment\r\n"
	                "\r\n"
	                "rule first\r\n"
	                "\tin subject\r\n"
	                "  # a comment inside the rule\r\n"
	                "        match /^hello (?<lead_name>\\w+)$/i   \r\n"
	                "\tclass intro\r\n"
	                "\twhy   says hello   \r\n"
	                "rule second\n"
	                "match /x/\n");
	assert_int_equal(filter_count(set), 2);

	tmsg_init(&t);
	t.m.subject = "Hello World";
	run(set, &t.m, 0, &res);
	assert_class(&res, "intro");
	assert_string_equal(res.class_rule, "first");
	assert_int_equal(res.class_line, 4);
	assert_non_null(strstr(res.class_file, "/t.rules"));
	assert_string_equal(res.why, "says hello");
	assert_field(&res, FF_LEAD_NAME, "World");
	assert_null(res.hits);
	assert_int_equal(res.nwarnings, 0);
	filter_result_clear(&res);
	assert_null(res.why);
	filter_free(set);
	filter_free(NULL);
	assert_int_equal(filter_count(NULL), 0);
}

/* Pass 1 stops at the first classifying rule that matches and takes its
 * captures; pass 2 runs every other rule; a field keeps its first value. */
static void test_passes(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;

	(void)state;
	set = load_text("rule extract-early\n"
	                "  in body\n"
	                "  match /phone (?<lead_phone>[0-9-]+)/\n"
	                "rule auto\n"
	                "  in header:Auto-Submitted\n"
	                "  match /auto-(?<need>\\w+)/\n"
	                "  class automated\n"
	                "rule intro\n"
	                "  in subject\n"
	                "  match /intro (?<lead_name>\\w+)/\n"
	                "  class intro\n"
	                "rule extract-late\n"
	                "  in body\n"
	                "  match /number (?<lead_phone>[0-9-]+) at (?<lead_company>\\w+)/\n"
	                "rule intro-too\n"
	                "  in subject\n"
	                "  match /intro/\n"
	                "  class form\n");

	/* Both class rules match: the first in file order wins, and only its
	 * captures are taken. */
	tmsg_init(&t);
	t.m.subject = "intro Jane";
	tmsg_header(&t, "Auto-Submitted", "auto-replied");
	tmsg_text(&t, "phone 555-0100, number 555-0199 at Acme");
	run(set, &t.m, 1, &res);
	assert_class(&res, "automated");
	assert_string_equal(res.class_rule, "auto");
	assert_string_equal(res.why, "rule auto matched header:Auto-Submitted");
	assert_field(&res, FF_NEED, "replied");
	assert_field(&res, FF_LEAD_NAME, NULL);
	/* The classifier's capture came first (pass 1), then extract-early,
	 * then extract-late, whose lead_phone is ignored but company taken. */
	assert_field(&res, FF_LEAD_PHONE, "555-0100");
	assert_field(&res, FF_LEAD_COMPANY, "Acme");
	assert_int_equal(res.nhits, 3);
	assert_string_equal(res.hits[0].rule, "auto");
	assert_string_equal(cls(res.hits[0].class), "automated");
	assert_string_equal(res.hits[1].rule, "extract-early");
	assert_null(cls(res.hits[1].class));
	assert_string_equal(res.hits[2].rule, "extract-late");
	assert_string_equal(res.hits[2].captures, "lead_phone=555-0199; lead_company=Acme");
	filter_result_clear(&res);

	/* Without the header, the intro rule classifies; its capture is taken,
	 * and the later classifier never runs. */
	t.m.nheaders = 0;
	run(set, &t.m, 1, &res);
	assert_class(&res, "intro");
	assert_string_equal(res.class_rule, "intro");
	assert_int_equal(res.class_line, 8);
	assert_field(&res, FF_LEAD_NAME, "Jane");
	assert_null(find_hit(&res, "intro-too"));
	filter_result_clear(&res);

	/* Nothing classifies: class and why stay NULL, extractors still run. */
	t.m.subject = "hello";
	run(set, &t.m, 0, &res);
	assert_null(cls(res.class));
	assert_null(res.class_rule);
	assert_null(res.why);
	assert_field(&res, FF_LEAD_PHONE, "555-0100");
	assert_field(&res, FF_LEAD_COMPANY, "Acme");
	filter_result_clear(&res);
	filter_free(set);
}

static void test_when_class(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;

	(void)state;
	set = load_text("rule is-form\n"
	                "  in subject\n"
	                "  match /form/\n"
	                "  class form\n"
	                "rule only-forms\n"
	                "  when class form\n"
	                "  in body\n"
	                "  match /(?<lead_name>\\w+)/\n"
	                "rule only-unclassified\n"
	                "  when class none\n"
	                "  in body\n"
	                "  match /(?<need>\\w+)/\n"
	                "rule always\n"
	                "  in body\n"
	                "  match /(?<budget>\\w+)$/\n");
	tmsg_init(&t);
	tmsg_text(&t, "alpha beta");
	t.m.subject = "a form";
	run(set, &t.m, 0, &res);
	assert_class(&res, "form");
	assert_field(&res, FF_LEAD_NAME, "alpha");
	assert_field(&res, FF_NEED, NULL);
	assert_field(&res, FF_BUDGET, "beta");
	filter_result_clear(&res);

	t.m.subject = "a letter";
	run(set, &t.m, 0, &res);
	assert_null(cls(res.class));
	assert_field(&res, FF_LEAD_NAME, NULL);
	assert_field(&res, FF_NEED, "alpha");
	assert_field(&res, FF_BUDGET, "beta");
	filter_result_clear(&res);
	filter_free(set);
}

/* unless vetoes the text it matches; the rule then tries the next text
 * (the next header of that name, then the next target). */
static void test_unless(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;

	(void)state;
	set = load_text("rule auto\n"
	                "  in header:Auto-Submitted header:X-Auto\n"
	                "  match /^(?<need>.+)$/\n"
	                "  unless /^no$/i\n"
	                "  unless /^ignored/\n"
	                "  class automated\n");
	tmsg_init(&t);
	tmsg_header(&t, "Auto-Submitted", "No");
	run(set, &t.m, 0, &res);
	assert_null(cls(res.class));
	filter_result_clear(&res);

	tmsg_header(&t, "auto-submitted", "ignored value");
	tmsg_header(&t, "AUTO-SUBMITTED", "auto-generated");
	run(set, &t.m, 1, &res);
	assert_class(&res, "automated");
	assert_field(&res, FF_NEED, "auto-generated");
	assert_string_equal(res.hits[0].target, "header:Auto-Submitted");
	assert_string_equal(res.hits[0].matched, "auto-generated");
	filter_result_clear(&res);

	t.m.nheaders = 1;
	tmsg_header(&t, "X-Auto", "yes");
	run(set, &t.m, 1, &res);
	assert_class(&res, "automated");
	assert_field(&res, FF_NEED, "yes");
	assert_string_equal(res.hits[0].target, "header:X-Auto");
	assert_string_equal(res.why, "rule auto matched header:X-Auto");
	filter_result_clear(&res);
	filter_free(set);
}

/* Every target, one rule each; a rule's text is checked in full (^...$)
 * so the exact text built for the target is asserted too. */
static void test_targets(void **state)
{
	static const struct {
		const char *target, *pattern;
	} cases[] = {
	        {"subject", "^Hello there$"},
	        {"body", "^Body text\\n-- \\nsig$"},
	        {"context", "^Body text$"},
	        {"from", "^Sarah Lee <sarah@ref\\.test>$"},
	        {"sender", "^assistant@ref\\.test$"},
	        {"to", "^Jane Doe <jane@lead\\.test>, bob@lead\\.test$"},
	        {"cc", "^Agent <agent@biz\\.test>$"},
	        {"recipients",
	         "^Jane Doe <jane@lead\\.test>, bob@lead\\.test, Agent <agent@biz\\.test>$"},
	        {"reply-to", "^Sarah <sarah@home\\.test>$"},
	        {"return-path", "^$"},
	        {"content-type", "^multipart/alternative$"},
	        {"headers", "^X-One: 1\\nX-Two: 2\\nX-One: 3\\n$"},
	        {"forwarded", "^From: Tom <tom@lead\\.test>\\nTo: sarah@ref\\.test\\nSubject: "
	                      "Hi\\n\\nMy number is 555$"},
	        {"header:x-one", "^3$"},
	};
	struct tmsg t;

	(void)state;
	tmsg_init(&t);
	t.m.subject = "Hello there";
	t.m.body = "Body text\n-- \nsig";
	t.m.context = "Body text";
	t.m.from = (struct addr){"Sarah Lee", "sarah@ref.test"};
	t.m.sender = (struct addr){NULL, "assistant@ref.test"};
	t.to[0] = (struct addr){"Jane Doe", "jane@lead.test"};
	t.to[1] = (struct addr){NULL, "bob@lead.test"};
	t.m.to.n = 2;
	t.cc[0] = (struct addr){"Agent", "agent@biz.test"};
	t.m.cc.n = 1;
	t.reply_to[0] = (struct addr){"Sarah", "sarah@home.test"};
	t.m.reply_to.n = 1;
	t.m.return_path = "";
	t.m.content_type = "multipart/alternative";
	tmsg_header(&t, "X-One", "1");
	tmsg_header(&t, "X-Two", "2");
	tmsg_header(&t, "X-One", "3");
	t.fwd_to[0] = (struct addr){NULL, "sarah@ref.test"};
	t.fwd[0] = (struct forward){.from = {"Tom", "tom@lead.test"},
	                            .to = {t.fwd_to, 1},
	                            .subject = "Hi",
	                            .body = "My number is 555"};
	t.m.nfwd = 1;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[512];
		struct filter_set *set;
		struct filter_result res;

		snprintf(text, sizeof(text), "rule t\n  in %s\n  match /%s/\n  class intro\n",
		         cases[i].target, cases[i].pattern);
		set = load_text(text);
		run(set, &t.m, 1, &res);
		if (cls(res.class) == NULL)
			fail_msg("target %s: no match", cases[i].target);
		assert_int_equal(res.nhits, 1);
		assert_string_equal(res.hits[0].target, cases[i].target);
		filter_result_clear(&res);
		filter_free(set);
	}
}

/* Absent targets are skipped; several targets are tried in order. */
static void test_targets_absent_and_order(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;

	(void)state;
	set = load_text("rule t\n"
	                "  in sender return-path reply-to forwarded header:X-None subject body\n"
	                "  match /(?<lead_name>.*)/\n"
	                "  class intro\n");
	tmsg_init(&t);
	t.m.subject = NULL; /* absent too */
	tmsg_text(&t, "the body");
	run(set, &t.m, 1, &res);
	assert_class(&res, "intro");
	assert_string_equal(res.hits[0].target, "body");
	assert_field(&res, FF_LEAD_NAME, "the body");
	filter_result_clear(&res);
	filter_free(set);
}

/* Captured values: trimmed, white space runs as one space, empty values
 * not taken (a later rule may fill the field), '_' groups ignored. */
static void test_capture_values(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;

	(void)state;
	set = load_text("rule a\n"
	                "  in body\n"
	                "  match /call (?<lead_phone>[0-9 \\n]+)\\.(?<_skip>x?)(?<need>\\s*)/\n"
	                "rule b\n"
	                "  in body\n"
	                "  match /\\.(?<need>.*)$/s\n");
	tmsg_init(&t);
	tmsg_text(&t, "call  555\n  0100 \n. wants\n   a  roof ");
	run(set, &t.m, 1, &res);
	assert_field(&res, FF_LEAD_PHONE, "555 0100");
	assert_field(&res, FF_NEED, "wants a roof");
	assert_string_equal(res.hits[0].captures, "lead_phone=555 0100");
	assert_string_equal(res.hits[0].matched, "call  555\n  0100 \n. ");
	filter_result_clear(&res);
	filter_free(set);
}

/* A traced match is cut to 200 bytes on a UTF-8 boundary; a capture to
 * 1024 bytes the same way. */
static void test_trace_cut(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;
	char text[2100];

	(void)state;
	/* 'a' then 1000 two-byte characters: byte 200 falls inside one. */
	text[0] = 'a';
	for (int i = 0; i < 1000; i++) {
		text[1 + 2 * i] = (char)0xC3;
		text[2 + 2 * i] = (char)0xA9;
	}
	text[2001] = '\0';
	set = load_text("rule long\n  in body\n  match /(?<need>.+)/\n");
	tmsg_init(&t);
	tmsg_text(&t, text);
	run(set, &t.m, 1, &res);
	assert_int_equal(res.nhits, 1);
	assert_int_equal(strlen(res.hits[0].matched), 199);
	assert_memory_equal(res.hits[0].matched, text, 199);
	assert_int_equal(strlen(res.fields[FF_NEED]), 1023);
	filter_result_clear(&res);
	filter_free(set);
}

/* Files load in strcmp order ("10-" before "9-"); other files are not
 * read at all. */
static void test_file_order(void **state)
{
	char dir[] = "/tmp/refagent-filter-XXXXXX";
	struct filter_set *set = NULL;
	struct filter_result res;
	struct tmsg t;
	char *err;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "9-later.rules", "rule later\n  in subject\n  match /x/\n  class ignore\n");
	write_file(dir, "10-first.rules", "rule first\n  in subject\n  match /x/\n  class intro\n");
	write_file(dir, "README", "not rules at all\n");
	write_file(dir, "old.rules.bak", "junk that would not load\n");
	err = load_capture(dir, &rc, &set);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(filter_count(set), 2);
	tmsg_init(&t);
	t.m.subject = "x";
	run(set, &t.m, 0, &res);
	assert_string_equal(res.class_rule, "first");
	assert_int_equal(res.class_line, 1);
	assert_string_equal(res.class_file + strlen(res.class_file) - 15, "/10-first.rules");
	filter_result_clear(&res);
	filter_free(set);
	rm_dir(dir);
}

/* score: evidence with a weight, recorded whenever its rule fires (even
 * when its fields are taken already), with the rule's why; faults at load. */
static void test_score(void **state)
{
	char dir[] = "/tmp/refagent-filter-XXXXXX";
	struct filter_set *set = NULL;
	struct filter_result res;
	struct tmsg t;
	char *err;
	int rc;

	(void)state;
	set = load_text("rule phrase\n  match /intro/\n  score +3\n  why a phrase\n"
	                "rule against\n  in subject\n  match /PATCH/\n  score -5\n"
	                "rule quiet\n  match /nothing here/\n  score 2\n"
	                "rule phone\n  match /(?<lead_phone>[0-9]+)/\n"
	                "rule phone-too\n  match /(?<lead_phone>[0-9]+)/\n  score 1\n");
	tmsg_init(&t);
	t.m.subject = "[PATCH] intro";
	tmsg_text(&t, "an intro, call 5550100");
	run(set, &t.m, 0, &res);
	assert_int_equal(res.nscores, 3);
	assert_string_equal(res.scores[0].rule, "phrase");
	assert_string_equal(res.scores[0].why, "a phrase");
	assert_int_equal(res.scores[0].score, 3);
	assert_string_equal(res.scores[0].matched, "intro");
	assert_string_equal(res.scores[1].why, "against");
	assert_int_equal(res.scores[1].score, -5);
	assert_string_equal(res.scores[2].rule, "phone-too");
	assert_field(&res, FF_LEAD_PHONE, "5550100");
	assert_string_equal(res.field_why[FF_LEAD_PHONE], "phone");
	filter_result_clear(&res);
	assert_int_equal(res.nscores, 0);

	/* A context alone: fields, no scores. */
	memset(&res, 0, sizeof(res));
	assert_int_equal(filter_run_context(set, "an intro, call 5550111", &res), 0);
	assert_field(&res, FF_LEAD_PHONE, "5550111");
	assert_int_equal(res.nscores, 0);
	filter_result_clear(&res);
	filter_free(set);

	assert_non_null(mkdtemp(dir));
	write_file(
	        dir, "10-s.rules",
	        "rule a\n  match /x/\n  score\nrule b\n  match /x/\n  score 21\n"
	        "rule c\n  match /x/\n  score +1\n  score -1\nrule d\n  match /x/\n  score two\n");
	err = load_capture(dir, &rc, &set);
	assert_int_equal(rc, -1);
	assert_null(set);
	assert_non_null(strstr(err, "10-s.rules:3:3: score needs a number from -20 to +20\n"));
	assert_non_null(
	        strstr(err, "10-s.rules:6:9: score '21' is not a number from -20 to +20\n"));
	assert_non_null(strstr(err, "10-s.rules:10:3: rule c has two score lines\n"));
	assert_non_null(
	        strstr(err, "10-s.rules:13:9: score 'two' is not a number from -20 to +20\n"));
	free(err);
	rm_dir(dir);
}

/* ---- loader faults ---- */

static void test_load_faults(void **state)
{
	struct filter_set *set = (struct filter_set *)1;
	char *err;
	int rc;

	(void)state;
	err = load_capture("tests/data/filters/broken", &rc, &set);
	assert_int_equal(rc, -1);
	assert_null(set);
	assert_string_equal(
	        err,
	        "tests/data/filters/broken/10-directives.rules:2:1: in outside a rule (start one "
	        "with 'rule NAME')\n"
	        "tests/data/filters/broken/10-directives.rules:5:3: unknown directive "
	        "'frobnicate'\n"
	        "tests/data/filters/broken/10-directives.rules:6:3: rule good-one has two match "
	        "lines\n"
	        "tests/data/filters/broken/10-directives.rules:7:9: unknown class 'bogus'\n"
	        "tests/data/filters/broken/10-directives.rules:8:8: expected 'when class CLASS'\n"
	        "tests/data/filters/broken/10-directives.rules:9:14: unknown class 'nope'\n"
	        "tests/data/filters/broken/10-directives.rules:10:14: unknown target 'header:'\n"
	        "tests/data/filters/broken/10-directives.rules:10:22: unknown target 'nowhere'\n"
	        "tests/data/filters/broken/10-directives.rules:11:3: rule good-one has two match "
	        "lines\n"
	        "tests/data/filters/broken/10-directives.rules:11:12: unknown flag 'q' (flags are "
	        "i, m, s, x)\n"
	        "tests/data/filters/broken/10-directives.rules:12:6: bad rule name 'bad name!' "
	        "(letters, digits, '.', '_', '-')\n"
	        "tests/data/filters/broken/10-directives.rules:13:9: missing / delimiters around "
	        "the regex\n"
	        "tests/data/filters/broken/10-directives.rules:14:1: rule no-match has no match "
	        "line\n"
	        "tests/data/filters/broken/10-directives.rules:16:1: rule good-one has no match "
	        "line\n"
	        "tests/data/filters/broken/10-directives.rules:16:6: duplicate rule name "
	        "'good-one' "
	        "(first at tests/data/filters/broken/10-directives.rules:3)\n"
	        "tests/data/filters/broken/10-directives.rules:17:3: why needs a text\n"
	        "tests/data/filters/broken/20-regex.rules:3:15: regex error: unmatched closing "
	        "parenthesis\n"
	        "tests/data/filters/broken/20-regex.rules:5:20: unknown capture name 'lead_fone'\n"
	        "tests/data/filters/broken/20-regex.rules:7:10: missing / delimiters around the "
	        "regex\n");
	free(err);
}

static void test_load_no_files(void **state)
{
	struct filter_set *set = NULL;
	char *err;
	int rc;

	(void)state;
	err = load_capture("tests/data/filters/empty", &rc, &set);
	assert_int_equal(rc, -1);
	assert_null(set);
	assert_string_equal(err, "tests/data/filters/empty: no rule files\n");
	free(err);
	err = load_capture("tests/data/filters/does-not-exist", &rc, &set);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "tests/data/filters/does-not-exist: no rule files\n");
	free(err);
}

/* More regex faults: the column of a compile error is the file column of
 * the offending character, after a multi-byte prefix. */
static void test_load_regex_columns(void **state)
{
	char dir[] = "/tmp/refagent-filter-XXXXXX";
	struct filter_set *set = NULL;
	char *err, want[1024];
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "a.rules",
	           "rule r1\n"
	           "  match /\xc3\xbc\xc3\xbc[z-a]/\n" /* 2:15 */
	           "rule r2\n"
	           "  unless /(?<lead_name>a)(?<budgett>b)/\n" /* 4:29 */
	           "  match /a{2,1}/\n");                      /* 5:15 */
	err = load_capture(dir, &rc, &set);
	snprintf(want, sizeof(want),
	         "%s/a.rules:2:15: regex error: range out of order in character class\n"
	         "%s/a.rules:4:29: unknown capture name 'budgett'\n"
	         "%s/a.rules:5:15: regex error: numbers out of order in {} quantifier\n",
	         dir, dir, dir);
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
	free(err);
	rm_dir(dir);
}

/* Patterns that can backtrack catastrophically are warned about at load
 * (the rule still loads); their safe spellings are not. */
static void test_load_backtrack_warning(void **state)
{
	static const struct {
		const char *re;
		int warn;
	} cases[] = {
	        {"(a+)+$", 1},     {"(?:\\w+\\s?)*x", 1}, {"(?:x|y+)+z", 1},
	        {"(a*)*", 1},      {"((ab)+c?)+d", 1},    {"(?>a+)+$", 0},
	        {"(a++)+$", 0},    {"(a+)++$", 0},        {"(?:.*\\n)*?x", 0},
	        {"(?:\\w+,)+", 0}, {"(?=(?:a+)+b)", 1},   {"(a+){1,3}", 0},
	        {"[(a+)+]", 0},    {"\\(a+\\)+", 0},      {"(?:[ \\t]*\\S+)", 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char dir[] = "/tmp/refagent-filter-XXXXXX", text[256];
		struct filter_set *set = NULL;
		char *err;
		int rc;

		assert_non_null(mkdtemp(dir));
		snprintf(text, sizeof(text), "rule r\n  match /%s/\n", cases[i].re);
		write_file(dir, "a.rules", text);
		err = load_capture(dir, &rc, &set);
		assert_int_equal(rc, 0);
		if ((strstr(err, "backtrack catastrophically") != NULL) != cases[i].warn)
			fail_msg("/%s/: want %s, got [%s]", cases[i].re,
			         cases[i].warn ? "a warning" : "none", err);
		if (cases[i].warn && strstr(err, "/a.rules:2:") == NULL)
			fail_msg("/%s/: warning without file:line: [%s]", cases[i].re, err);
		free(err);
		filter_free(set);
		rm_dir(dir);
	}
}

/* ---- limits ---- */

/* /(a+)+$/ over "aaaa...b" backtracks 2^n ways: without the match limit
 * this would not end this year. */
static void test_match_limit(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;
	char text[64];
	struct timespec t0, t1;
	double secs;

	(void)state;
	memset(text, 'a', 40);
	text[40] = 'b';
	text[41] = '\0';
	set = load_text("# catastrophic\n"
	                "rule boom\n"
	                "  in body\n"
	                "  match /(a+)+$/\n"
	                "  class intro\n"
	                "rule fine\n"
	                "  in body\n"
	                "  match /(?<need>b)/\n");
	tmsg_init(&t);
	tmsg_text(&t, text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(set, &t.m, 1, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 60); /* the match limit, not the hours of backtracking */
	assert_null(cls(res.class));
	assert_int_equal(res.nwarnings, 1);
	assert_non_null(strstr(res.warnings[0], "/t.rules:2: rule boom hit the PCRE2 match limit"));
	assert_field(&res, FF_NEED, "b");
	assert_int_equal(res.nhits, 1);
	filter_result_clear(&res);
	assert_int_equal(res.nwarnings, 0);
	filter_free(set);
}

/* A lookahead over 1500 lines needs more than the default 32 KiB JIT stack
 * (PCRE2 10.42): the run retries with a bigger one instead of giving up.
 * Without JIT (under valgrind) the interpreter stays within its depth
 * limit of 2000 for this many lines. */
static void test_long_body(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;
	struct buf b = {0};

	(void)state;
	set = load_text("rule far\n"
	                "  in body\n"
	                "  match /\\A(?=(?:.*\\n)*?(?<need>needle))/\n");
	for (int i = 0; i < 1500; i++)
		buf_adds(&b, "hay\n");
	buf_adds(&b, "needle\n");
	tmsg_init(&t);
	tmsg_text(&t, b.s);
	run(set, &t.m, 0, &res);
	assert_int_equal(res.nwarnings, 0);
	assert_field(&res, FF_NEED, "needle");
	filter_result_clear(&res);
	buf_free(&b);
	filter_free(set);
}

/* ---- context rules: cut KIND, keep forward ---- */

/* The rules of a kind are joined into one pattern (flags kept per rule,
 * an x comment does not swallow the join) and feed filter_context; they
 * are never run as rules. */
static void test_cut_rules(void **state)
{
	struct filter_set *set;
	struct filter_result res;
	struct tmsg t;
	char *c;

	(void)state;
	set = load_text("rule q1\n  cut quote\n  match /^Am .* schrieb .*:$/m\n"
	                "rule q2\n  cut quote\n  match /^on .* wrote:$  # English/imx\n"
	                "rule off\n  cut signoff\n  match /^(?:gruß|ciao)$/i\n"
	                "  why closings\n"
	                "rule fwd\n  keep forward\n  match /^-+ Weitergeleitet -+$/\n"
	                "rule everything\n  match /./s\n");
	assert_int_equal(filter_count(set), 5);
	c = filter_context(set, "Ja.\n\nON 3.2.2020 ANN WROTE:\nalt\n");
	assert_string_equal(c, "Ja.\n");
	free(c);
	c = filter_context(set, "Ja.\n\nAm 3.2.2020 schrieb Ann:\nalt\n");
	assert_string_equal(c, "Ja.\n");
	free(c);
	c = filter_context(set, "Ja.\n\nGruß, Tom\n\n--- Weitergeleitet ---\nText\n");
	assert_string_equal(c, "Ja.\n\n--- Weitergeleitet ---\nText\n");
	free(c);
	/* only the plain rule fires */
	tmsg_init(&t);
	tmsg_text(&t, "Am 3.2.2020 schrieb Ann:\nGruß\n");
	run(set, &t.m, 1, &res);
	assert_int_equal(res.nhits, 1);
	assert_string_equal(res.hits[0].rule, "everything");
	filter_result_clear(&res);
	filter_free(set);
}

static void test_cut_faults(void **state)
{
	char dir[] = "/tmp/refagent-filter-XXXXXX";
	struct filter_set *set = NULL;
	char *err, want[2048];
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "a.rules",
	           "rule a\n  cut quote\n  cut footer\n  match /x/\n" /* 3:3 */
	           "rule b\n  cut everything\n  match /x/\n"          /* 6:7 */
	           "rule c\n  keep quote\n  match /x/\n"              /* 9:8 */
	           "rule d\n  cut\n  match /x/\n"                     /* 11:3 */
	           "rule e\n  cut signoff\n  in subject\n  match /x/\n"
	           "rule f\n  cut quote\n  match /(?<need>x)/\n"
	           "rule g\n  cut quote\n  match /(x)\\1/\n");
	err = load_capture(dir, &rc, &set);
	snprintf(want, sizeof(want),
	         "%s/a.rules:3:3: rule a has two cut or keep lines\n"
	         "%s/a.rules:6:7: unknown cut kind 'everything' (quote, header, signature, "
	         "signoff or footer)\n"
	         "%s/a.rules:9:8: unknown keep kind 'quote' (forward)\n"
	         "%s/a.rules:12:3: cut needs a kind (quote, header, signature, signoff or "
	         "footer)\n"
	         "%s/a.rules:14:1: rule e: a cut or keep rule takes only match and why (no in, "
	         "class, when or unless)\n"
	         "%s/a.rules:18:1: rule f: a cut or keep rule captures no fields\n"
	         "%s/a.rules:21:1: rule g: a cut or keep rule has no backreferences\n",
	         dir, dir, dir, dir, dir, dir, dir);
	assert_int_equal(rc, -1);
	assert_null(set);
	assert_string_equal(err, want);
	free(err);
	rm_dir(dir);
}

/* ---- the shipped rules (filters/) ---- */

static struct filter_set *shipped;

static int setup_shipped(void **state)
{
	(void)state;
	return filter_load("filters", &shipped);
}

static int teardown_shipped(void **state)
{
	(void)state;
	filter_free(shipped);
	shipped = NULL;
	return 0;
}

static void person_intro(struct tmsg *t, char *subject, char *text)
{
	tmsg_init(t);
	t->m.subject = subject;
	t->m.from = (struct addr){"Sarah Lee", "sarah@ref.test"};
	t->to[0] = (struct addr){"Jane Doe", "jane@lead.test"};
	t->m.to.n = 1;
	t->cc[0] = (struct addr){"Intake", "agent@biz.test"};
	t->m.cc.n = 1;
	t->m.return_path = "sarah@ref.test";
	t->m.content_type = "text/plain";
	tmsg_text(t, text);
}

static void expect_class(char *subject, char *text, const char *want)
{
	struct tmsg t;
	struct filter_result res;

	person_intro(&t, subject, text);
	run(shipped, &t.m, 0, &res);
	if (want == NULL && cls(res.class) != NULL)
		fail_msg("\"%s\": classed %s by %s", subject, cls(res.class), res.class_rule);
	if (want != NULL && (cls(res.class) == NULL || strcmp(cls(res.class), want) != 0))
		fail_msg("\"%s\": want %s, got %s", subject, want,
		         cls(res.class) ? cls(res.class) : "none");
	filter_result_clear(&res);
}

/* The weight the shipped introduction phrases (rules intro-*) give. */
static int intro_score(const struct filter_result *res)
{
	int sum = 0;

	for (size_t i = 0; i < res->nscores; i++)
		if (strncmp(res->scores[i].rule, "intro-", 6) == 0)
			sum += res->scores[i].score;
	return sum;
}

/* subject and text as a person's intro: the intro rules find (want 1) or
 * do not find (want 0) an introduction, and nothing classifies it. */
static void expect_intro(char *subject, char *text, int want)
{
	struct tmsg t;
	struct filter_result res;

	person_intro(&t, subject, text);
	run(shipped, &t.m, 0, &res);
	/* a bare "Danke!" is a courtesy: no intro either way */
	if (cls(res.class) != NULL && strcmp(cls(res.class), "review") != 0 &&
	    (want || strcmp(cls(res.class), "courtesy") != 0))
		fail_msg("\"%s\": classed %s by %s", subject, cls(res.class), res.class_rule);
	if (want && intro_score(&res) <= 0)
		fail_msg("\"%s\" / \"%s\": no introduction phrase", subject, text);
	if (!want && intro_score(&res) > 0)
		fail_msg("\"%s\" / \"%s\": an introduction phrase", subject, text);
	filter_result_clear(&res);
}

static void expect_header_class(char *name, char *value, const char *want)
{
	struct tmsg t;
	struct filter_result res;

	person_intro(&t, "Lunch", "See you at noon.");
	tmsg_header(&t, name, value);
	run(shipped, &t.m, 0, &res);
	if (want == NULL && cls(res.class) != NULL)
		fail_msg("%s: %s: classed %s by %s", name, value, cls(res.class), res.class_rule);
	if (want != NULL && (cls(res.class) == NULL || strcmp(cls(res.class), want) != 0))
		fail_msg("%s: %s: want %s, got %s", name, value, want,
		         cls(res.class) ? cls(res.class) : "none");
	filter_result_clear(&res);
}

static void test_shipped_loads(void **state)
{
	(void)state;
	assert_non_null(shipped);
	assert_true(filter_count(shipped) > 30);
}

static void test_shipped_automated(void **state)
{
	struct tmsg t;
	struct filter_result res;

	(void)state;
	expect_header_class("Auto-Submitted", "auto-replied", "automated");
	expect_header_class("Auto-Submitted", "auto-generated; owner-email=x@y.test", "automated");
	expect_header_class("Auto-Submitted", "no", NULL);
	expect_header_class("Auto-Submitted", "No (a person wrote this)", NULL);
	expect_header_class("Precedence", "bulk", "automated");
	expect_header_class("Precedence", "junk", "automated");
	expect_header_class("Precedence", "list", "automated");
	expect_header_class("Precedence", "first-class", NULL);
	expect_header_class("List-Id", "Neighbours <hood.lists.test>", "automated");
	expect_header_class("List-Unsubscribe", "<mailto:leave@lists.test>", "automated");
	expect_header_class("X-Autoreply", "yes", "automated");
	expect_header_class("X-Autorespond", "Out of office", "automated");
	expect_header_class("X-Auto-Response-Suppress", "All", "automated");
	expect_header_class("X-Autogenerated", "Reply", "automated");
	expect_header_class("X-AutoReply-From", "jane@lead.test", "automated");
	expect_header_class("X-Mail-Autoreply", "yes", "automated");
	expect_header_class("X-Autoreply", "no", NULL);

	expect_class("Automatic reply: Intro: Sarah <> Jane", "I am away.", "automated");
	expect_class("Auto: Intro", "Away.", "automated");
	expect_class("Auto reply: hello", "Away.", "automated");
	expect_class("Autoreply: hello", "Away.", "automated");
	expect_class("Out of Office: Intro", "Away.", "automated");
	expect_class("Abwesenheitsnotiz: Intro", "Nicht im Büro.", "automated");
	expect_class("Réponse automatique : Intro", "Absent.", "automated");
	expect_class("RÉPONSE AUTOMATIQUE: Intro", "Absent.", "automated");
	expect_class("Respuesta automática: Intro", "Fuera.", "automated");
	/* A person talking about the office is not an auto-reply. */
	expect_class("Lunch before I'm out of office?", "Noon?", NULL);

	/* Empty Return-Path, MAILER-DAEMON and postmaster senders. */
	person_intro(&t, "Lunch", "See you.");
	t.m.return_path = "";
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "automated");
	assert_string_equal(res.class_rule, "automated-null-return-path");
	filter_result_clear(&res);

	person_intro(&t, "Notice", "Something happened.");
	t.m.from = (struct addr){"Mail Delivery System", "mailer-daemon@mx.test"};
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "automated");
	assert_string_equal(res.why, "sent by MAILER-DAEMON or postmaster");
	filter_result_clear(&res);

	person_intro(&t, "Notice", "Something happened.");
	t.m.from = (struct addr){NULL, "postmaster@mx.test"};
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "automated");
	filter_result_clear(&res);

	/* A person called Post Master, or at postmasters.test, is a person. */
	person_intro(&t, "Lunch", "Noon?");
	t.m.from = (struct addr){"Post Master", "pm@postmasters.test"};
	run(shipped, &t.m, 0, &res);
	assert_null(cls(res.class));
	filter_result_clear(&res);
}

static void test_shipped_bounce(void **state)
{
	struct tmsg t;
	struct filter_result res;

	(void)state;
	/* A DSN that also says Auto-Submitted and comes from MAILER-DAEMON
	 * is a bounce, not merely automated. */
	person_intro(&t, "Undelivered Mail Returned to Sender", "This is the mail system.");
	t.m.from = (struct addr){"Mail Delivery System", "mailer-daemon@mx.test"};
	t.m.return_path = "";
	t.m.content_type = "multipart/report";
	tmsg_header(&t, "Auto-Submitted", "auto-replied");
	tmsg_header(&t, "Content-Type",
	            "multipart/report; report-type=delivery-status; boundary=\"x\"");
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "bounce");
	assert_string_equal(res.class_rule, "bounce-delivery-report");
	filter_result_clear(&res);

	/* A read receipt is a report too, but not a bounce. */
	person_intro(&t, "Read: Intro", "Your message was read.");
	t.m.content_type = "multipart/report";
	tmsg_header(&t, "Content-Type",
	            "multipart/report; report-type=disposition-notification; boundary=\"x\"");
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "automated");
	assert_string_equal(res.class_rule, "automated-other-report");
	filter_result_clear(&res);

	expect_header_class("X-Failed-Recipients", "jane@lead.test", "bounce");
	expect_class("Undeliverable: Intro", "Delivery has failed.", "bounce");
	expect_class("Delivery Status Notification (Failure)", "x", "bounce");
	expect_class("Mail delivery failed: returning message to sender", "x", "bounce");
	expect_class("Returned mail: see transcript for details", "x", "bounce");
	expect_class("failure notice", "x", "bounce");
	expect_class("Delivery Failure", "x", "bounce");
	/* A person forwarding a bounce is a person. */
	expect_class("Fwd: Undeliverable: lunch", "Any idea why?", NULL);
}

#define FORM_BODY                                                                                  \
	"You have a new form submission.\n\n"                                                      \
	"Name: Aisha Ferreira\n"                                                                   \
	"Email: aisha.ferreira@mail.example\n"                                                     \
	"Phone: (575) 555-0108\n"                                                                  \
	"How did you hear about us?: Referred by Laura Svensson\n"                                 \
	"Project: needs two bathrooms redone before their tenants move in\n"                       \
	"Budget: in the $40-60k range\n\n"                                                         \
	"Submitted Mon, 04 Mar 2024 09:00:00 +0000 from https://biz.test/contact\n"

static void form_message(struct tmsg *t, char *body)
{
	tmsg_init(t);
	t->m.subject = "New submission: Contact us - Aisha Ferreira";
	t->m.from = (struct addr){"Website Forms", "no-reply@forms.biz.test"};
	t->reply_to[0] = (struct addr){"Aisha Ferreira", "aisha.ferreira@mail.example"};
	t->m.reply_to.n = 1;
	t->to[0] = (struct addr){NULL, "agent@biz.test"};
	t->m.to.n = 1;
	t->m.return_path = "no-reply@forms.biz.test";
	tmsg_text(t, body);
}

/* The form rule classes a form by its layout; who is who is the form
 * reader's (test_form.c), so no form rule captures the form's people. */
static void test_shipped_forms(void **state)
{
	struct tmsg t;
	struct filter_result res;

	(void)state;
	/* The generator's layout, marked Auto-Submitted by the form service:
	 * still a form (forms come first). */
	form_message(&t, FORM_BODY);
	tmsg_header(&t, "Auto-Submitted", "auto-generated");
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "form");
	assert_string_equal(res.class_rule, "form-notification");
	assert_field(&res, FF_LEAD_NAME, NULL);
	filter_result_clear(&res);

	/* Gravity Forms / Jotform / Typeform style labels. */
	form_message(&t, "New entry\n\n"
	                 "**Full Name:** Tom Baker\n"
	                 "**Your Email:** tom@baker.test\n"
	                 "Phone Number:\t+44 20 7946 0123\n"
	                 "Referred by: Priya Raman (priya@raman.test)\n");
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "form");
	filter_result_clear(&res);

	/* "How did you hear": the layout is a form's (intake decides that
	 * Google names no referrer). */
	form_message(&t, "Name: Ana Kim\nEmail: ana@kim.test\nHow did you hear about us? Google\n");
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "form");
	filter_result_clear(&res);

	/* No referral field: a plain contact form, not a referral form (and
	 * its no-reply sender makes it automated). */
	form_message(&t, "Name: Ana Kim\nEmail: ana@kim.test\nMessage: Hello\n");
	run(shipped, &t.m, 0, &res);
	assert_class(&res, "automated");
	filter_result_clear(&res);

	/* An intro that mentions a referral in prose is not a form. */
	person_intro(&t, "Intro: Sarah <> Jane",
	             "Jane, meet Acme.\nName: not a form, just prose about a referral.\n");
	run(shipped, &t.m, 0, &res);
	assert_class(&res, NULL);
	assert_true(intro_score(&res) > 0);
	filter_result_clear(&res);
}

static void test_shipped_intro(void **state)
{
	static char *subjects[] = {
	        "Intro: Sarah <> Jane",
	        "Introduction: Jane / Brightline Renovations",
	        "Jane, meet Brightline Renovations",
	        "Intro - Jane (Northwind Advisors) <> Brightline Renovations",
	        "Connecting you two: Jane + Brightline Renovations",
	        "Brightline Renovations <> Jane (kitchen project)",
	        "Quick intro",
	        "Introducing Jane",
	        "Fwd: Intro: Sarah <> Jane",
	        "Referral: Jane Doe",
	        "Vorstellung: Jane Doe",
	        "Mise en relation : Jane / Acme",
	        "Presentación: Jane",
	        "Presentazione: Marco / Acme",
	        "Apresentação: Ana <> Acme",
	        "Kennismaking: Pieter en Acme",
	};
	static char *texts[] = {
	        "Happy to connect you two.",
	        "As promised, I'm introducing you to the team at Acme.",
	        "I'd like to introduce you to Acme; they did our place.",
	        "Connecting you both here (double opt-in confirmed).",
	        "Quick intro as discussed over coffee on Thursday.",
	        "Looping in Acme (cc'd), who I mentioned when we spoke.",
	        "Jane, meet Acme. Acme, meet Jane.",
	        "I'd like you to meet Jane.",
	        "Putting you in touch with Jane.",
	        "I'm cc'ing Tom from Acme here.",
	        "This is a referral from our book club.",
	        "Tom recommended you for this kind of work.",
	        "You two should talk about the roof.",
	        "Darf ich dir Jane vorstellen? Sie plant einen Umbau.",
	        "Ich möchte Ihnen Frau Müller vorstellen.",
	        "Je vous présente Jane, qui cherche un artisan.",
	        "Je vous mets en relation avec Jane.",
	        "Te presento a Jane, busca un contratista.",
	        "Os pongo en contacto: Jane necesita reformar la cocina.",
	        "Ich verbinde euch mal, Jane sucht einen Handwerker.",
	        "Je te présente Jane, elle cherche un artisan.",
	        "Ti presento Marco, cerca un'impresa per il bagno.",
	        "Vorrei presentarle mia zia, che cerca un fisioterapista.",
	        "Vi metto in contatto con Marco.",
	        "Quero te apresentar a Ana, ela procura um empreiteiro.",
	        "Coloco vocês em contato: a Ana precisa de obras.",
	        "Mag ik je voorstellen aan Pieter? Hij zoekt een aannemer.",
	        "Ik breng jullie graag in contact.",
	        "I'd like to refer my neighbour Noah to you.",
	        /* this session's phrases, from other trades' intros */
	        "Hi Ana,\n\nMeet Priya, my colleague from the library.",
	        "Her friend Luis (copied) needs a new roof.",
	        "Ben needs a bookkeeper - I mentioned you to him last week.",
	        "I told her about your firm and she'd like to talk.",
	        "I gave them your number, but email is easier for them.",
	        "Both need a good dentist, so I put them in copy.",
	        "I'm copying them both; Tom wants Invisalign.",
	};
	static char *not_intro[][2] = {
	        {"[PATCH 2/3] mm: introduce folio_foo()", "This patch introduces a helper."},
	        {"Re: [PATCH] net: fix leak", "(cc'ing linux-mm since this touches the allocator)"},
	        {"Re: [PATCH] fs: ctime", "cc'ing the maintainers."},
	        {"Meet the new MacBook Pro", "Now in space grey."},
	        {"[notmuch] Introducing myself", "Hello list."},
	        {"Lunch on Friday?", "We need to meet the deadline first."},
	        {"Re: kitchen", "Thanks, the quote looks fine. Nice to meet you."},
	        {"Re: Intro: Sarah <> Jane", "Thanks Sarah! Nice to e-meet you, Acme."},
	        {"AW: Vorstellung: Jane", "Danke!"},
	        {"Invitation: Meet with Tom @ Tue Dec 8", "Join with Google Meet"},
	        {"Meet on Tuesday?", "Does 10am work?"},
	        {"Team news", "Meet the team!"},
	        {"Hartley - schedule",
	         "Ms. Dana Voss (cc'd at his request) will handle exchanges."},
	        {"Invoice 1142", "Cc'd for visibility: the invoice is attached."},
	        {"Permit", "I'm cc'ing her as a courtesy so she knows the dates."},
	        {"Friday", "Hi,\n\nMeet Tuesday at the office instead?"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(subjects); i++)
		expect_intro(subjects[i], "Hello.", 1);
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		expect_intro("Hello", texts[i], 1);
	/* A reply counts by its own text, not by the thread's subject. */
	expect_intro("Re: lunch", "Jane, I'd like to introduce you to Acme.", 1);
	for (size_t i = 0; i < ARRAY_SIZE(not_intro); i++)
		expect_intro(not_intro[i][0], not_intro[i][1], 0);

	/* a vendor's pitch is mail of another kind */
	static char *pitch[] = {
	        "Would you be open to a 15-minute demo next week?",
	        "Our partner program lets you run payroll for all your clients.",
	        "Firms earn a 20% revenue share on every client they refer.",
	};
	for (size_t i = 0; i < ARRAY_SIZE(pitch); i++) {
		struct tmsg t;
		struct filter_result res;
		int other = 0;

		person_intro(&t, "Hello", pitch[i]);
		run(shipped, &t.m, 0, &res);
		for (size_t k = 0; k < res.nscores; k++)
			other |= strcmp(res.scores[k].rule, "other-kind") == 0;
		if (!other)
			fail_msg("\"%s\": not of another kind", pitch[i]);
		filter_result_clear(&res);
	}

	/* arranging a time is mail of another kind; a sign-off about an
	 * appointment already made is not */
	static const struct {
		char *text;
		int other;
	} times[] = {
	        {"See you at 10am on Tuesday.", 1},
	        {"Thanks, and see you at Duke's recheck next week!", 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
		struct tmsg t;
		struct filter_result res;
		int other = 0;

		person_intro(&t, "Hello", times[i].text);
		run(shipped, &t.m, 0, &res);
		for (size_t k = 0; k < res.nscores; k++)
			other |= strcmp(res.scores[k].rule, "other-kind") == 0;
		if (other != times[i].other)
			fail_msg("\"%s\": want %sother-kind", times[i].text,
			         times[i].other ? "" : "no ");
		filter_result_clear(&res);
	}

	/* praise in any trade's words vouches for the business */
	static char *praise[] = {
	        "They did a great job on our kitchen.",
	        "I can't say enough good things about them.",
	        "Honestly they're the best.",
	        "She was amazing with our kids.",
	        "They did our taxes and found us $4,000 we had missed.",
	};
	for (size_t i = 0; i < ARRAY_SIZE(praise); i++) {
		struct tmsg t;
		struct filter_result res;
		int vouched = 0;

		person_intro(&t, "Hello", praise[i]);
		run(shipped, &t.m, 0, &res);
		for (size_t k = 0; k < res.nscores; k++)
			vouched |= strcmp(res.scores[k].rule, "vouching") == 0;
		if (!vouched)
			fail_msg("\"%s\": no vouching", praise[i]);
		filter_result_clear(&res);
	}
}

/* The writer asks the business to recommend someone (rule
 * asks-for-recommendation): whoever they copy is on their side. */
static void test_shipped_asks_recommendation(void **state)
{
	static const struct {
		const char *text;
		int asks;
	} cases[] = {
	        {"Do you know a good child therapist near Westerville?", 1},
	        {"Can you recommend a mortgage lender? My brother Tom (cc'd) is buying too.", 1},
	        {"Any recommendations for a dog trainer?", 1},
	        {"Who would you recommend for a prenup?", 1},
	        {"\xc2\xbf"
	         "Conoces a un buen abogado?",
	         1},
	        {"Kennen Sie einen guten Steuerberater?", 1},
	        {"Connaissez-vous un bon notaire ?", 1},
	        /* not asking the business for someone */
	        {"She asked me if I knew a good contractor, so here you are.", 0},
	        {"Do you know when Tom can come by?", 0},
	        {"Can you recommend a time that works for the estimate?", 0},
	        {"Jane, meet Acme. They did our kitchen.", 0},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct tmsg t;
		struct filter_result res;
		int asks = 0;

		person_intro(&t, "Question", (char *)cases[i].text);
		run(shipped, &t.m, 0, &res);
		for (size_t k = 0; k < res.nscores; k++)
			asks |= strcmp(res.scores[k].rule, "asks-for-recommendation") == 0;
		if (asks != cases[i].asks)
			fail_msg("\"%s\": want %sasks-for-recommendation", cases[i].text,
			         cases[i].asks ? "" : "no ");
		filter_result_clear(&res);
	}
}

#define INTRO_BODY                                                                                 \
	"Hi Jane,\n\n"                                                                             \
	"Happy to connect you two. Jane (Northwind Advisors) is planning a full\n"                 \
	"kitchen remodel in their 1920s bungalow, budget is about EUR 30.000, and\n"               \
	"they'd like to get going within the next two months.\n\n"                                 \
	"I've known Jane for years. Best number to reach Jane is +1 201\n"                         \
	"555 0123.\n\n"                                                                            \
	"I'll let you two take it from here.\n"

#define INTRO_SIG "\nBest,\nSarah Lee\nPartner, Contoso Property Group\nM: (415) 555-0199\n"

static void test_shipped_fields(void **state)
{
	struct tmsg t;
	struct filter_result res;

	(void)state;
	person_intro(&t, "Intro: Sarah <> Jane", INTRO_BODY);
	t.m.body = INTRO_BODY INTRO_SIG;
	run(shipped, &t.m, 1, &res);
	assert_class(&res, NULL);
	assert_true(intro_score(&res) > 0);
	assert_field(&res, FF_LEAD_PHONE, "+1 201 555 0123");
	assert_field(&res, FF_LEAD_COMPANY, "Northwind Advisors");
	assert_field(&res, FF_NEED, "is planning a full kitchen remodel in their 1920s bungalow");
	assert_field(&res, FF_BUDGET, "about EUR 30.000");
	assert_field(&res, FF_TIMELINE, "within the next two months");
	assert_field(&res, FF_LEAD_EMAIL, NULL);
	assert_non_null(find_hit(&res, "lead-phone-cue"));
	filter_result_clear(&res);

	/* The other ways the lead's number is given. */
	static const char *phones[][2] = {
	        {"Jane's cell: (201) 555-0144 (texts are fine).", "(201) 555-0144"},
	        {"You can call Jane on 201.555.0145, weekday evenings work best.", "201.555.0145"},
	        {"Phone for Jane: +33 1 99 00 12 34", "+33 1 99 00 12 34"},
	        {"Best number to reach Jane is +49 30 001234.", "+49 30 001234"},
	        {"Her mobile is +61 491 570 123.", "+61 491 570 123"},
	        /* other languages, national and international formats */
	        {"Su móvil es el +34 612 34 56 78.", "+34 612 34 56 78"},
	        {"Puedes llamarle al 0034 612 345 678 por las tardes.", "0034 612 345 678"},
	        {"Stefans Handy: 0171 1234567", "0171 1234567"},
	        {"Er ist unter Tel.: +49 (0)30 1234 5678 erreichbar.", "+49 (0)30 1234 5678"},
	        {"Son portable : 06 12 34 56 78", "06 12 34 56 78"},
	        {"Vous pouvez la joindre au 01 42 68 53 00.", "01 42 68 53 00"},
	        {"Il suo cellulare è 347 123 4567.", "347 123 4567"},
	        {"O telemóvel dela é 912 345 678.", "912 345 678"},
	        {"Je kunt hem bellen op 06-12345678.", "06-12345678"},
	        {"WhatsApp: +44 (0)20 7946 0123", "+44 (0)20 7946 0123"},
	        /* in parentheses after the name, where a company can stand */
	        {"Tom - Maya (503-555-0172) is my old roommate.", "503-555-0172"},
	        /* an age there is no company either (probe 20: "Company: 14"
	         * in the rep's mail) */
	        {"His daughter Emma (14) needs braces.", NULL},
	        {"Leo (8 yrs) has a cavity.", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(phones); i++) {
		person_intro(&t, "Intro", (char *)phones[i][0]);
		run(shipped, &t.m, 0, &res);
		assert_field(&res, FF_LEAD_PHONE, phones[i][1]);
		assert_field(&res, FF_LEAD_COMPANY, NULL);
		filter_result_clear(&res);
	}

	/* The referrer's own numbers are not the lead's: a signature line
	 * (only the body has it, the context is trimmed) and "reach me",
	 * "call us", "my number". */
	static char *not_lead[] = {
	        "Jane needs a roof.\n\nBest,\nSarah\nM: 415-555-0199\nMobile: 415-555-0198\n",
	        "Jane needs a roof. You can reach me at 415-555-0199 any time.",
	        "Jane needs a roof. Call us on 415 555 0199.",
	        "Jane needs a roof. My number is 415 555 0199.",
	        "Jane needs a roof, 3 bedrooms, 2 floors, built 1921.",
	        "Jane needs a roof. Call her after 12/03/2026.",
	        "Jane needs a roof. Her order number is 12345678.",
	        "Jane braucht ein Dach. Meine Handynummer ist 0171 1234567.",
	        "Jane a besoin d'un toit. Appelez-moi au 06 12 34 56 78.",
	};
	for (size_t i = 0; i < ARRAY_SIZE(not_lead); i++) {
		person_intro(&t, "Intro", "Jane needs a roof.");
		t.m.body = not_lead[i];
		if (i > 0)
			t.m.context = not_lead[i];
		run(shipped, &t.m, 0, &res);
		if (res.fields[FF_LEAD_PHONE])
			fail_msg("case %zu: lead_phone %s", i, res.fields[FF_LEAD_PHONE]);
		filter_result_clear(&res);
	}

	/* A forward from the lead: "My number is" in the forwarded block. */
	person_intro(&t, "Fwd: Looking for a contractor",
	             "---------- Forwarded message ---------\nFrom: Jane\n\nMy number is\n"
	             "660.555.0145.\n\nHello Acme, see below.\n");
	t.fwd[0] = (struct forward){.from = {"Jane Doe", "jane@lead.test"},
	                            .subject = "Looking for a contractor",
	                            .body = "Would love an intro. My number is\n660.555.0145.\n"};
	t.m.nfwd = 1;
	run(shipped, &t.m, 1, &res);
	assert_field(&res, FF_LEAD_PHONE, "660.555.0145");
	assert_string_equal(find_hit(&res, "lead-phone-forwarded")->target, "forwarded");
	filter_result_clear(&res);
	/* ... or signed off with the number at a line's end */
	person_intro(&t, "Fwd: Pediatric dentist?", "Forwarding my friend Mei's question.");
	t.fwd[0] = (struct forward){.from = {"Mei Tanaka", "mei@lead.test"},
	                            .subject = "Pediatric dentist?",
	                            .body = "Does your dentist see kids? My son needs his first "
	                                    "check-up. - Mei, 608-555-0111\n"};
	t.m.nfwd = 1;
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_LEAD_PHONE, "608-555-0111");
	filter_result_clear(&res);

	/* A lead named only in the text. */
	static const char *emails[][2] = {
	        {"Tom needs a deck. You can reach him at tom@deck.test.", "tom@deck.test"},
	        {"Tom needs a deck; his email is <tom@deck.test>.", "tom@deck.test"},
	        {"Please contact her at mei.chen@chen.example if you can help.",
	         "mei.chen@chen.example"},
	        {"Tom's email address is tom@deck.test", "tom@deck.test"},
	        {"Questions? Reach me at sarah@ref.test.", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(emails); i++) {
		person_intro(&t, "Intro", (char *)emails[i][0]);
		run(shipped, &t.m, 0, &res);
		assert_field(&res, FF_LEAD_EMAIL, emails[i][1]);
		filter_result_clear(&res);
	}

	/* Company and need, other shapes. */
	person_intro(&t, "Intro", "Tom works at Wingtip Builders and wants a quote on a new roof.");
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_LEAD_COMPANY, "Wingtip Builders");
	assert_field(&res, FF_NEED, "wants a quote on a new roof");
	filter_result_clear(&res);

	person_intro(&t, "Intro - Jane (Fabrikam Homes) <> Acme", "Jane is looking for a roofer.");
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_LEAD_COMPANY, "Fabrikam Homes");
	assert_field(&res, FF_NEED, "is looking for a roofer");
	filter_result_clear(&res);

	/* "what needs filing" is no one's need */
	person_intro(&t, "Intro", "Carla, meet Dana. Carla has no idea what needs filing or when.");
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_NEED, NULL);
	filter_result_clear(&res);

	/* "(cc'd)" is not a company; "I need" is the referrer's need. */
	person_intro(&t, "Intro", "Looping in Acme (cc'd) who is great. I need a coffee.");
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_LEAD_COMPANY, NULL);
	assert_field(&res, FF_NEED, NULL);
	filter_result_clear(&res);

	person_intro(&t, "Intro", "Budget: roughly $25,000.\nTimeline: this spring.\n");
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_BUDGET, "roughly $25,000");
	assert_field(&res, FF_TIMELINE, "this spring");
	filter_result_clear(&res);

	/* Budgets the short way and the European way, in other languages. */
	static const char *budgets[][2] = {
	        {"Budget is $12k.", "$12k"},
	        {"Their budget is 12.000 €.", "12.000 €"},
	        {"El presupuesto es de unos 12.000 €.", "12.000 €"},
	        {"Das Budget liegt bei ca. 12.500,00 €.", "12.500,00 €"},
	        {"Le budget est d'environ 12 000 EUR.", "12 000 EUR"},
	        {"Il budget è di circa 12.000 euro.", "12.000 euro"},
	        {"O orçamento é de € 12.500,00.", "€ 12.500,00"},
	        {"Budget: CHF 5'000", "CHF 5'000"},
	        {"They want to spend 5k-10k on it.", "5k-10k"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(budgets); i++) {
		person_intro(&t, "Intro", (char *)budgets[i][0]);
		run(shipped, &t.m, 0, &res);
		assert_field(&res, FF_BUDGET, budgets[i][1]);
		filter_result_clear(&res);
	}

	/* Needs in other languages. */
	static const char *needs[][2] = {
	        {"Te presento a Lucía. Lucía busca una reforma integral del baño.",
	         "busca una reforma integral del baño"},
	        {"Stefan braucht ein neues Dach, Budget etwa 20.000 Euro.",
	         "braucht ein neues Dach"},
	        /* the phone's cue is no part of the need */
	        {"Jane needs a new roof, her number is 503-555-0187.", "needs a new roof"},
	        /* a sentence cut where the next lead is named ends with no
	         * joining word; "looking at" a project is a need */
	        {"Ben wants his deck rebuilt and", "wants his deck rebuilt"},
	        {"Alex is looking at a bathroom remodel.", "is looking at a bathroom remodel"},
	        /* other trades than building */
	        {"Marco is unhappy with his current payroll provider.",
	         "is unhappy with his current payroll provider"},
	        {"Dev is worried about what he'll owe in capital gains.",
	         "is worried about what he'll owe in capital gains"},
	        {"Priya is scoping a move from their file server to SharePoint.",
	         "is scoping a move from their file server to SharePoint"},
	        {"Stefanie ben\xc3\xb6tigt Unterst\xc3\xbctzung bei ihrer Steuererkl\xc3\xa4rung.",
	         "ben\xc3\xb6tigt Unterst\xc3\xbctzung bei ihrer Steuererkl\xc3\xa4rung"},
	        {"Greg needs his back fence replaced, his number is 503-555-0120.",
	         "needs his back fence replaced"},
	        {"Dave needs his roof looked at, his cell 503-555-0133",
	         "needs his roof looked at"},
	        {"Linda wants a quote on new gutters and she is at 503-555-0121.",
	         "wants a quote on new gutters"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
		person_intro(&t, "Intro", (char *)needs[i][0]);
		run(shipped, &t.m, 0, &res);
		assert_field(&res, FF_NEED, needs[i][1]);
		filter_result_clear(&res);
	}

	/* A name read before a possessive is the name alone: "my neighbor
	 * Monica Hayes's roof" names Monica Hayes. */
	person_intro(&t, "Intro", "My neighbor Monica Hayes's roof got hit in the storm.");
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_LEAD_NAME, "Monica Hayes");
	filter_result_clear(&res);
	person_intro(&t, "Intro", "My neighbor Monica’s roof got hit in the storm.");
	run(shipped, &t.m, 0, &res);
	assert_field(&res, FF_LEAD_NAME, "Monica");
	filter_result_clear(&res);
}

/* The person offered for an introduction, by name, and the writer naming
 * who referred them. */
static void test_shipped_names(void **state)
{
	static const char *asks[][2] = {
	        {"Would you be open to an intro to my friend Jane Doe? She needs a roof.",
	         "Jane Doe"},
	        {"Hi Tom, may I introduce you to Lars Svensson? He is renovating.",
	         "Lars Svensson"},
	        {"Let me know if you'd like an intro to my neighbour Priya Raman.", "Priya Raman"},
	        {"¿Te puedo presentar a Lucía Fernández? Busca reformar su piso.",
	         "Lucía Fernández"},
	        {"Darf ich dich mit Stefan Braun bekannt machen?", "Stefan Braun"},
	};
	struct tmsg t;
	struct filter_result res;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(asks); i++) {
		person_intro(&t, "Question", (char *)asks[i][0]);
		run(shipped, &t.m, 0, &res);
		assert_field(&res, FF_LEAD_NAME, asks[i][1]);
		assert_string_equal(res.field_why[FF_LEAD_NAME],
		                    "a person named to be introduced (a double opt-in ask when no "
		                    "address follows)");
		filter_result_clear(&res);
	}
	/* a friend named; the friend who recommended the business is no lead
	 * but the referrer; the writer names who referred them */
	static const struct {
		const char *text;
		enum filter_field_id field;
		const char *want;
	} named[] = {
	        {"Hi, my neighbour Noah Walsh wants his garage redone.", FF_LEAD_NAME,
	         "Noah Walsh"},
	        {"Hi, my friend Jane Doe recommended you. I need a new roof.", FF_LEAD_NAME, NULL},
	        {"Hi, my friend Jane Doe recommended you. I need a new roof.", FF_REFERRER_NAME,
	         "Jane Doe"},
	        {"Hello, I was referred to you by Sarah Lee. We need a deck.", FF_REFERRER_NAME,
	         "Sarah Lee"},
	        /* a relation of a relation, a former one, a patient */
	        {"My husband's coworker, Nikhil Rao, has had a toothache for a week.", FF_LEAD_NAME,
	         "Nikhil Rao"},
	        {"Looping in my former colleague Maria Costa, now CFO at Acme.", FF_LEAD_NAME,
	         "Maria Costa"},
	        {"My buddy from uni, Sven Aalto, runs a small studio.", FF_LEAD_NAME, "Sven Aalto"},
	        {"Our patient Joan Lee needs a specialist for her implant.", FF_LEAD_NAME,
	         "Joan Lee"},
	        /* a title stays with the name it belongs to */
	        {"My neighbor Mr. Okonkwo's cat needs her shots.", FF_LEAD_NAME, "Mr. Okonkwo"},
	        {"One of my clients, Harold Beaumont, has a doodle with ear infections.",
	         FF_LEAD_NAME, "Harold Beaumont"},
	        {"Vorrei presentarle mia zia, la signora Giuseppina Russo.", FF_LEAD_NAME,
	         "Giuseppina Russo"},
	        /* "X is bereikbaar op": X's number, not the writer's */
	        {"Marloes is bereikbaar op 06-12345678.", FF_REFERRER_PHONE, NULL},
	        {"Ik ben bereikbaar op 06-87654321.", FF_REFERRER_PHONE, "06-87654321"},
	        {"My neighbour Dr Ines Roth needs a new roof.", FF_LEAD_NAME, "Dr Ines Roth"},
	        /* a place between the referrer's name and the verb */
	        {"Pastor Daniel Reyes at St. Anthony's gave me your email.", FF_REFERRER_NAME,
	         "Pastor Daniel Reyes"},
	        {"Jenna from the Laurelhurst dog park told me you guys are wonderful with dogs.",
	         FF_REFERRER_NAME, "Jenna"},
	        {"Tom Ruiz of Ruiz Law recommended you.", FF_REFERRER_NAME, "Tom Ruiz"},
	        {"Nadia Petrov at Helios Analytics suggested I get in touch.", FF_REFERRER_NAME,
	         "Nadia Petrov"},
	        {"Wendell Ames told me to get in touch.", FF_REFERRER_NAME, "Wendell Ames"},
	        {"Hi Leah,\n\nJust wanted to say thank you again for connecting me with Acme.",
	         FF_REFERRER_NAME, "Leah"},
	        /* the thanks in other words (rule thanks-for-intro-greeting);
	         * "Hi Dana" is a greeting, not a name; "thanks to Deborah"
	         * names Deborah, not the greeted Ana */
	        {"Dana - I never properly thanked you for introducing me to Acme.",
	         FF_REFERRER_NAME, "Dana"},
	        {"Hi Dana, thank you for connecting us!", FF_REFERRER_NAME, "Dana"},
	        {"Dana, thanks for pointing me to Acme. The roof is great.", FF_REFERRER_NAME,
	         "Dana"},
	        {"Dana, I owe you one for the Acme referral.", FF_REFERRER_NAME, "Dana"},
	        {"Thank you so much for recommending Acme, Olivia! We love it.", FF_REFERRER_NAME,
	         "Olivia"},
	        {"Hi Ana,\n\nThanks to Deborah for connecting us.", FF_REFERRER_NAME, "Deborah"},
	        {"Hi Bob, thanks for connecting me with your sister. I'd like to introduce you to "
	         "Acme.",
	         FF_REFERRER_NAME, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
		person_intro(&t, "Roof", (char *)named[i].text);
		run(shipped, &t.m, 0, &res);
		assert_field(&res, named[i].field, named[i].want);
		filter_result_clear(&res);
	}
}

static void test_shipped_rep_commands(void **state)
{
	static const char *cases[][3] = {
	        {"#won 12000\n\nThanks,\nTom", "won", "12000"},
	        {"Spoke to Jane today.\n  #status qualified  \nMore soon.", "status", "qualified"},
	        {"#lost no budget", "lost", "no budget"},
	        {"#note called, sending proposal   \n", "note", "called, sending proposal"},
	        {"#Won 5000", "Won", "5000"},
	        {"#status\n", "status", NULL},
	        {"> #won 12000\nNot yet, sorry.", NULL, NULL},
	        {"We #won the bid", NULL, NULL},
	        {"#wonderful news", NULL, NULL},
	        {"#lost track of how many people I've sent your way", NULL, NULL},
	        {"#Lost track of time, will call Jane tomorrow", NULL, NULL},
	};
	struct tmsg t;
	struct filter_result res;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		person_intro(&t, "Re: Intro: Sarah <> Jane", (char *)cases[i][0]);
		run(shipped, &t.m, 0, &res);
		assert_field(&res, FF_COMMAND, cases[i][1]);
		assert_field(&res, FF_COMMAND_ARG, cases[i][2]);
		filter_result_clear(&res);
	}
}

/* PCRE2 10.42's JIT with PCRE2_MATCH_INVALID_UTF: a bare \S or \D
 * matched no character of more than one byte; the loader writes them
 * [\S] and [\D], which do. */
static void test_jit_multibyte_classes(void **state)
{
	struct filter_set *set =
	        load_text("rule s\n  in subject\n  match /\\S\\s*<>\\s*\\S/\n"
	                  "  score +1\n\n"
	                  "rule d\n  in context\n  match /\\D{3}[0-9]/\n  score +1\n\n"
	                  "rule kept\n  in context\n  match /[\\S\\D]x/\n  score +1\n");
	struct tmsg t;
	struct filter_result res = {0};

	(void)state;
	tmsg_init(&t);
	t.m.subject = "\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7 <> Brightpath";
	tmsg_text(&t, "\xc3\xa9t\xc3\xa9"
	              "2 \xc3\xa9x");
	assert_int_equal(filter_run(set, &t.m, 0, &res), 0);
	assert_int_equal(res.nscores, 3);
	filter_result_clear(&res);
	filter_free(set);
}

/* Is text, as a reply in an intro's thread, of class klass (want 1) or
 * not (want 0) by the shipped rules? */
static void check_reply_class(const char *text, const char *klass, int want)
{
	struct tmsg t;
	struct filter_result res;
	int got;

	person_intro(&t, "Re: Bob, meet Brightpath", (char *)text);
	run(shipped, &t.m, 0, &res);
	got = cls(res.class) && strcmp(cls(res.class), klass) == 0;
	if (got != want)
		fail_msg("\"%s\": want %s%s, classed %s%s%s", text, want ? "" : "no ", klass,
		         cls(res.class) ? cls(res.class) : "none", res.class_rule ? " by " : "",
		         res.class_rule ? res.class_rule : "");
	filter_result_clear(&res);
}

/* Auto-replies that keep the subject and write no header of their own:
 * their text opens with the absence (vacation, leave, travelling, a job
 * site), with an auto-reply's words besides or nothing else; a person's
 * reply that says more is theirs. */
static void test_shipped_autoreply_text(void **state)
{
	static const struct {
		const char *text;
		int automated;
	} cases[] = {
	        {"I am away from the office until Monday.", 1},
	        {"I am out of the office until Monday, December 14.", 1},
	        {"I am out of the office until Monday, December 14.\n\nTara Singh", 1},
	        {"Thank you for your message. I'm currently travelling with limited access to "
	         "email and will be back on December 21st.",
	         1},
	        {"Thanks for your email! I'm on a job site all week with limited access to email. "
	         "I'll get back to you as soon as I can.",
	         1},
	        {"Hello, I am on vacation until 12/14 and will respond when I return.", 1},
	        {"I'm currently on parental leave and checking email infrequently.", 1},
	        {"Thank you for your email. I am on annual leave until 4 January. For anything "
	         "urgent please contact office@client.test.",
	         1},
	        /* a person's reply */
	        {"I'm out of the office until Monday but yes, let's book the estimate.", 0},
	        {"I'm on vacation until the 14th, but I'd love a quote. Could Tom come by on the "
	         "15th? My number is 503-555-0143.",
	         0},
	        {"I'm travelling next week, so Thursday works best for the visit.", 0},
	        {"We are on vacation until Monday and the kitchen is a mess.", 0},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_reply_class(cases[i].text, "automated", cases[i].automated);
}

/* Opt-outs in the languages of the shipped rules, only as the whole of a
 * short reply (the context: quote and signature already trimmed). */
static void test_shipped_optout(void **state)
{
	static const struct {
		const char *text;
		int optout;
	} cases[] = {
	        /* English */
	        {"stop", 1},
	        {"STOP!", 1},
	        {"Stop\n\nBob", 1},
	        {"Please stop emailing me.", 1},
	        {"Hi Tom,\n\nplease stop emailing me.\n\nThanks,\nBob Smith", 1},
	        {"Stop sending me emails", 1},
	        {"unsubscribe", 1},
	        {"Unsubscribe me from your mailing list, please.", 1},
	        {"Please remove me from your list", 1},
	        {"Take me off your list!", 1},
	        {"Don't email me again.", 1},
	        {"I don\xe2\x80\x99t want any more emails", 1},
	        {"No more emails, please", 1},
	        {"opt out", 1},
	        /* the greeting opening the line; "not interested" after it */
	        {"Hi, please stop emailing me.", 1},
	        {"Please take me off your list, I am not interested.", 1},
	        {"Wrong person. Please remove me from this thread.", 1},
	        /* a referrer's plain words (probe: each was missed, and the
	         * won news and the reward mail followed) */
	        {"Thanks, but please stop emailing me about this. Luis can handle it from here.",
	         1},
	        {"Please stop emailing me about this.", 1},
	        {"Thank you - but please stop emailing me.", 1},
	        {"Please stop sending me these updates.", 1},
	        {"I'd like to unsubscribe.", 1},
	        {"Kindly remove me from your distribution list.", 1},
	        {"I don't need any more updates, thanks.", 1},
	        {"Hallo, bitte keine weiteren E-Mails. Danke", 1},
	        {"Hola, no m\xc3\xa1s correos por favor. Gracias.", 1},
	        {"Bonjour, merci de me d\xc3\xa9sabonner.", 1},
	        /* German */
	        {"Bitte keine weiteren E-Mails", 1},
	        {"Keine Mails mehr, danke.\nGr\xc3\xbc\xc3\x9f"
	         "e\nJ\xc3\xbcrgen",
	         1},
	        {"Bitte melden Sie mich ab.", 1},
	        {"abmelden", 1},
	        {"Ich m\xc3\xb6"
	         "chte keine E-Mails mehr erhalten.",
	         1},
	        {"Schreiben Sie mir bitte nicht mehr.", 1},
	        /* French */
	        {"Merci de me d\xc3\xa9sabonner.", 1},
	        {"D\xc3\xa9sabonnez-moi", 1},
	        {"Bonjour,\nmerci de ne plus m'\xc3\xa9"
	         "crire.\nCordialement,\nMarie",
	         1},
	        {"Plus de mails, merci", 1},
	        {"Je ne veux plus recevoir de courriels.", 1},
	        /* Spanish */
	        {"no m\xc3\xa1s correos", 1},
	        {"Por favor, denme de baja.", 1},
	        {"No me env\xc3\xad"
	         "en m\xc3\xa1s correos, gracias",
	         1},
	        {"Baja", 1},
	        /* Italian */
	        {"Non scrivetemi pi\xc3\xb9.", 1},
	        {"Per favore cancellatemi dalla vostra lista", 1},
	        {"basta email", 1},
	        /* Portuguese */
	        {"N\xc3\xa3o me enviem mais e-mails.", 1},
	        {"N\xc3\xa3o quero mais receber e-mails, obrigado", 1},
	        {"descadastrar", 1},
	        /* Dutch */
	        {"afmelden", 1},
	        {"Geen e-mails meer, graag.", 1},
	        {"Stuur me geen mails meer", 1},
	        {"Verwijder mij uit de lijst.\nGroeten, Jan", 1},
	        /* the request after "not interested" or going on after a
	         * comma or a dash (probe 20: each was read as a plain reply,
	         * and the nudges would have gone on) */
	        {"Please stop emailing me, I'm a job applicant not a client.", 1},
	        {"Not interested, please don't contact me again.", 1},
	        {"Stop emailing me - I never asked for this.", 1},
	        {"No thanks - please take me off your list.", 1},
	        {"Je ne suis pas int\xc3\xa9ress\xc3\xa9, merci de ne plus m'\xc3\xa9"
	         "crire.",
	         1},
	        {"Kein Interesse, bitte keine Mails mehr.", 1},
	        {"No me interesa, no me env\xc3\xad"
	         "en m\xc3\xa1s correos.",
	         1},
	        /* not opt-outs: more than a short request */
	        {"Please stop emailing me, unless it's about the quote.", 0},
	        {"Stop emailing me, and call me at 555-0100 instead.", 0},
	        {"Not interested, please call me instead.", 0},
	        {"Stop emailing me about the invoices, only Tom should get them.", 0},
	        {"Don't stop", 0},
	        {"Hi Bob, stop by our office tomorrow.", 0},
	        {"Hi, please stop emailing me the invoices.", 0},
	        {"Thanks, I'm not interested in the bathroom, only the kitchen. Stop", 0},
	        {"Stop by our office tomorrow", 0},
	        {"Stop by our office tomorrow at 10, we can talk then.", 0},
	        {"Unsubscribe me from the newsletter but I'd love to talk", 0},
	        {"Unsubscribe me from the newsletter.\nBut I'd love to talk about the kitchen.", 0},
	        {"Please stop emailing me the invoices; send them to accounts@client.test", 0},
	        {"Stop\nCan you call me instead?", 0},
	        {"We should stop the work on the kitchen until March.", 0},
	        {"Keine Mails mehr an diese Adresse, bitte an meine neue schreiben.", 0},
	        {"No m\xc3\xa1s correos a esta direcci\xc3\xb3n, escr\xc3\xad"
	         "banme a la nueva por favor",
	         0},
	        {"status", 0},
	        {"Please don't stop emailing me about this.", 0},
	        {"I asked you to stop emailing me about this.", 0},
	        {"Thanks, but please stop emailing me the invoices.", 0},
	        {"I'd like to unsubscribe from the newsletter but keep the project updates.", 0},
	        {"I don't need any more updates on the schedule, Tom already called.", 0},
	        {"The bathroom remodel can go ahead; no more changes from our side.", 0},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_reply_class(cases[i].text, "optout", cases[i].optout);
}

/* A thank-you or pleasantry and nothing more (class courtesy: a referrer's
 * such answer is not passed on to the rep); anything saying more is not. */
static void test_shipped_courtesy(void **state)
{
	static const struct {
		const char *text;
		int courtesy;
	} cases[] = {
	        {"My pleasure, good luck!", 1},
	        {"Thanks for letting me know :)", 1},
	        {"Great news - keep me posted", 1},
	        {"Hi Ana,\n\nYou're very welcome! Happy to help.\n\nBest,\nPriya", 1},
	        {"Thanks!\nPriya Raman", 1},
	        {"Thank you so much for the update on Ann.", 1},
	        {"Glad to hear it! Hope it works out for both of you.\n\n- P", 1},
	        {"ok", 1},
	        {"Merci beaucoup !", 1},
	        {"Gracias, con gusto \xf0\x9f\x99\x8f", 1},
	        {"Vielen Dank!\nAnke", 1},
	        {"Muito obrigada!", 1},
	        /* something more: for the rep */
	        {"Thanks. She's not interested", 0},
	        {"Thanks - she prefers mornings, after 9.", 0},
	        {"Thanks, but she already hired someone else.", 0},
	        {"Great! Her husband Tom will call you on Tuesday.", 0},
	        {"Thanks! Her number changed: 555-0100", 0},
	        {"Thanks for taking care of her, she prefers mornings", 0},
	        {"Thanks for calling her on 12 May", 0},
	        {"Ann, meet Bob. Thanks!", 0},
	        {"Thanks!\nPS she is away until the 14th", 0},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_reply_class(cases[i].text, "courtesy", cases[i].courtesy);
}

/* A referrer's short "any news?" in the languages the opt-outs know. */
static void test_shipped_status_request(void **state)
{
	static const struct {
		const char *text;
		int asks;
	} cases[] = {
	        {"Any update on Bob?", 1},
	        {"Hola, \xc2\xbf"
	         "alguna novedad sobre Luc\xc3\xad"
	         "a?\n\nCarlos",
	         1},
	        {"\xc2\xbfHay noticias de Luc\xc3\xad"
	         "a?",
	         1},
	        {"Hallo,\ngibt es schon Neuigkeiten zu Jonas?\nGr\xc3\xbc\xc3\x9f"
	         "e\nAnke",
	         1},
	        {"Hat sich schon jemand bei Jonas gemeldet?", 1},
	        {"Bonjour, des nouvelles de Claire ?", 1},
	        {"Quelqu'un a-t-il contact\xc3\xa9 Claire ?", 1},
	        {"Ciao, novit\xc3\xa0 su Giulia?", 1},
	        {"Qualcuno ha sentito Giulia?", 1},
	        {"Ol\xc3\xa1, alguma novidade sobre a Ana?", 1},
	        {"Algu\xc3\xa9m j\xc3\xa1 falou com a Ana?", 1},
	        {"Hoi, al nieuws over Sanne?", 1},
	        /* longer mail, or no question */
	        {"Hola, \xc2\xbf"
	         "hay noticias de la cocina? Nos gustar\xc3\xad"
	         "a empezar en "
	         "marzo y tenemos un presupuesto de 20.000 euros, \xc2\xbf"
	         "es posible?",
	         0},
	        {"Neuigkeiten zu Jonas: er hat den Auftrag vergeben.", 0},
	        {"Des nouvelles de Claire : elle a choisi un autre artisan.\nMerci quand "
	         "m\xc3\xaame,\n"
	         "Paul\nPS: je vous recommanderai \xc3\xa0 d'autres amis, c'est promis, "
	         "vraiment.\nEt "
	         "encore merci pour tout ce que vous avez fait pour nous cette ann\xc3\xa9"
	         "e.",
	         0},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_reply_class(cases[i].text, "status-request", cases[i].asks);
}

/* The shipped rules over real files, parsed by message.c. */
static void test_shipped_parsed(void **state)
{
	static const struct {
		const char *file, *class, *phone;
		int intro;
	} cases[] = {
	        {"filters/intro.eml", NULL, "(201) 555-0144", 1},
	        {"filters/form.eml", "form", "(575) 555-0108", 0},
	        {"filters/autoreply.eml", "automated", NULL, -1},
	        {"filters/bounce.eml", "bounce", NULL, -1},
	};

	(void)state;
	message_init();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = 0;
		char *data = test_read_data(cases[i].file, &len), *err = NULL;
		struct message *m = NULL;
		struct filter_result res;

		assert_non_null(data);
		assert_int_equal(message_parse(data, len, &m, &err), 0);
		m->context = filter_context(shipped, m->body);
		run(shipped, m, 0, &res);
		if (cases[i].class == NULL)
			assert_class(&res, NULL);
		else if (cls(res.class) == NULL || strcmp(cls(res.class), cases[i].class) != 0)
			fail_msg("%s: want %s, got %s", cases[i].file, cases[i].class,
			         cls(res.class) ? cls(res.class) : "none");
		if (cases[i].phone)
			assert_field(&res, FF_LEAD_PHONE, cases[i].phone);
		if (cases[i].intro >= 0 && cases[i].intro != (intro_score(&res) > 0))
			fail_msg("%s: intro score %d", cases[i].file, intro_score(&res));
		filter_result_clear(&res);
		message_free(m);
		free(data);
	}
	message_shutdown();
}

int main(void)
{
	const struct CMUnitTest format[] = {
	        cmocka_unit_test(test_field_names),
	        cmocka_unit_test(test_format_basics),
	        cmocka_unit_test(test_passes),
	        cmocka_unit_test(test_when_class),
	        cmocka_unit_test(test_unless),
	        cmocka_unit_test(test_targets),
	        cmocka_unit_test(test_targets_absent_and_order),
	        cmocka_unit_test(test_capture_values),
	        cmocka_unit_test(test_trace_cut),
	        cmocka_unit_test(test_file_order),
	        cmocka_unit_test(test_score),
	        cmocka_unit_test(test_load_faults),
	        cmocka_unit_test(test_load_no_files),
	        cmocka_unit_test(test_load_regex_columns),
	        cmocka_unit_test(test_load_backtrack_warning),
	        cmocka_unit_test(test_match_limit),
	        cmocka_unit_test(test_long_body),
	        cmocka_unit_test(test_cut_rules),
	        cmocka_unit_test(test_cut_faults),
	};
	const struct CMUnitTest rules[] = {
	        cmocka_unit_test(test_shipped_loads),
	        cmocka_unit_test(test_shipped_automated),
	        cmocka_unit_test(test_shipped_autoreply_text),
	        cmocka_unit_test(test_shipped_bounce),
	        cmocka_unit_test(test_shipped_forms),
	        cmocka_unit_test(test_shipped_intro),
	        cmocka_unit_test(test_shipped_fields),
	        cmocka_unit_test(test_shipped_rep_commands),
	        cmocka_unit_test(test_jit_multibyte_classes),
	        cmocka_unit_test(test_shipped_optout),
	        cmocka_unit_test(test_shipped_courtesy),
	        cmocka_unit_test(test_shipped_asks_recommendation),
	        cmocka_unit_test(test_shipped_status_request),
	        cmocka_unit_test(test_shipped_names),
	        cmocka_unit_test(test_shipped_parsed),
	};
	int failed = cmocka_run_group_tests_name("filter format", format, NULL, NULL);

	failed += cmocka_run_group_tests_name("shipped rules", rules, setup_shipped,
	                                      teardown_shipped);
	return failed;
}
