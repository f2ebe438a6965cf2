/*
 * filter.h - the admin's rules (the .rules files in filters/), matched with PCRE2.
 *
 * The only module that includes PCRE2.  The rule files are read in name
 * order (strcmp: 00-forms.rules before 10-automated.rules ...); other files
 * in the directory are ignored.  The format:
 *
 *   # a comment (a line whose first non-blank character is '#')
 *   rule NAME                  starts a rule; NAME is [A-Za-z0-9._-]+,
 *                              unique across all files
 *     in TARGET...             where to look (default: context); several
 *                              targets are tried in order, first match wins
 *     match /REGEX/FLAGS       required, exactly one; PCRE2 syntax
 *     unless /REGEX/FLAGS      optional, repeatable: the rule does not fire
 *                              when one of these matches the same text
 *                              (the next text or target is tried then)
 *     when class CLASS         optional: fire only when the message was
 *                              classified CLASS ("none": not classified)
 *     class CLASS              optional: the rule classifies the message
 *     cut KIND                 instead: a context rule (below)
 *     keep forward             instead: a forward-marker rule (below)
 *     score N                  optional: when the rule fires it is evidence
 *                              for (+N) or against (-N) an introduction,
 *                              N from -FILTER_SCORE_MAX to +FILTER_SCORE_MAX;
 *                              intake adds it to the message's confidence
 *     why TEXT                 optional: the reason shown and stored
 *
 * Directives may be indented.  FLAGS are any of i (caseless), m (^ and $ at
 * line ends), s (. matches newline), x (extended).  Patterns are always UTF-8
 * (PCRE2_UTF, with invalid input tolerated) and match with Unicode
 * properties off for speed: \w, \d, \b and [[:alpha:]] are ASCII, while
 * caseless matching of non-ASCII letters and \p{Lu} still work.  The
 * delimiter is the first and the last '/' on the line, so a '/' inside
 * needs no escape.
 *
 * TARGET is one of: subject, body, context (body without quotes and
 * signature), from ("Name <addr>"), sender, to, cc, recipients (to and cc),
 * reply-to, return-path, content-type, headers (every header as
 * "Name: value" lines), forwarded (each forwarded message as its
 * "From: ...", "To: ...", "Subject: ..." lines and body), header:NAME (each
 * header of that name).  The lists (to, cc, recipients, reply-to) join
 * "Name <addr>" entries with ", ".  A target the message lacks (no Sender,
 * no Return-Path, no forward) is skipped; return-path is "" for <>.
 *
 * CLASS is one of: automated, bounce, form, intro, optout, status-request,
 * review, ignore, courtesy.  review: a message that names someone offered as a lead
 * without a way to reach them (a social network's notification).
 *
 * Named captures set fields; a capture name must be one of the fields below
 * (names starting with '_' are free for helper groups).  Evaluation has two
 * passes: first the rules with `class`, in file order, until one matches
 * (the first classification wins; its captures are taken too); then every
 * rule without `class`, in file order, each honouring `when`; a rule with
 * `score` always runs (it is evidence even when its fields are taken).  A field
 * keeps the first value captured for it.  A `when` on a classifying rule is
 * checked against pass 1's state (nothing classified yet).  Captured values
 * are trimmed, each run of white space in them (line breaks of wrapped
 * text included) becomes one space, they are cut to 1024 bytes on a UTF-8
 * boundary, and an empty value is not taken.
 *
 * Context rules say what the body's lines are, for filter_context (the
 * structure they feed is text_trim_context's, in text.h).  `cut KIND`,
 * KIND one of quote, header, signature, signoff, footer, and `keep
 * forward`, each maps to an enum text_cut; such a rule has a match line
 * and may have a why, nothing else (no in, class, when, unless, no named
 * groups), and is not run by filter_run.  The rules of a kind are joined
 * into one pattern, in file order, anchored at the start of the line (so a
 * backreference, which would point at another rule's group, is refused).
 * With no context rule the context is cut by its structure only.
 *
 * Every match runs under PCRE2 match and depth limits, so no rule can hang
 * the agent: a rule that hits a limit does not fire and a warning names it.
 * Patterns are JIT-compiled when PCRE2 has JIT.  A loaded set is read-only:
 * filter_run may share it.
 */
#ifndef REFAGENT_FILTER_H
#define REFAGENT_FILTER_H

#include <stddef.h>

#include "kinds.h"

struct message;

/* The fields a rule may capture, in this order. */
enum filter_field_id {
	FF_LEAD_NAME = 0,
	FF_LEAD_EMAIL,
	FF_LEAD_PHONE,
	FF_LEAD_COMPANY,
	FF_NEED,
	FF_BUDGET,
	FF_TIMELINE,
	FF_REFERRER_NAME,
	FF_REFERRER_EMAIL,
	FF_REFERRER_PHONE,
	FF_COMMAND,     /* rep status line: status, won, lost, note */
	FF_COMMAND_ARG, /* the rest of that line */
	FF_COUNT
};

/* "lead_name", "lead_email", ... for id; NULL when out of range. */
const char *filter_field_name(enum filter_field_id id);

/* The largest weight a rule's `score` may give. */
#define FILTER_SCORE_MAX 20

struct filter_set; /* opaque: the compiled rules */

/* A rule with `score` that fired (traced or not). */
struct filter_score {
	const char *rule; /* name; owned by the set */
	const char *why;  /* its why, else its name; owned by the set */
	int score;
	char *matched; /* the matched text, at most 200 bytes */
};

/* One rule that fired (traced runs only). */
struct filter_hit {
	const char *rule;      /* name; owned by the set */
	const char *file;      /* path as given to filter_load + file name */
	int line;              /* line of "rule NAME" */
	enum rule_class class; /* the class it set, or CLASS_NONE */
	const char *target;    /* where it matched, e.g. "header:Auto-Submitted" */
	char *matched;         /* the matched text, at most 200 bytes (cut on a
	                        * UTF-8 boundary); "" for a lookahead-only match */
	char *captures;        /* "lead_phone=555 0100; need=..." or NULL */
};

struct filter_result {
	enum rule_class class;  /* CLASS_NONE: no classifying rule matched */
	const char *class_rule; /* name of the rule that set it */
	const char *class_file;
	int class_line;
	char *why;               /* the rule's why, or "rule NAME matched TARGET" */
	char *fields[FF_COUNT];  /* NULL when not captured */
	struct filter_hit *hits; /* only when run with trace */
	size_t nhits;
	char **warnings; /* limits hit and the like, one line each */
	size_t nwarnings;
	struct filter_score *scores; /* in the order they fired */
	size_t nscores;
	/* the why (else the name) of the rule that set each field; owned by
	 * the set, NULL when the field is unset */
	const char *field_why[FF_COUNT];
};

/*
 * Loads every *.rules file in dir (name order).  Returns 0 and sets *set_r,
 * or -1 after printing each fault on stderr as "file:line:column: message"
 * (columns count characters from 1; a regex that does not compile points at
 * the offending character in the file), every fault of every file, sorted
 * by file and line, with no "refagent: " prefix so editors can jump to
 * them.  A directory without *.rules files prints "DIR: no rule files".  A
 * set with faults is never returned: the agent refuses to start.
 */
int filter_load(const char *dir, struct filter_set **set_r);
/* Loads one rules file from text[0..len), as filter_load loads a folder
 * holding only that file, name standing for its path in faults and hits
 * (the fuzz target's way in: the same parser, without the files). */
int filter_load_text(const char *name, const char *text, size_t len, struct filter_set **set_r);
void filter_free(struct filter_set *set);
/* Number of rules loaded. */
size_t filter_count(const struct filter_set *set);

/*
 * Runs the rules against m and fills *res (zero it first, or reuse it after
 * filter_result_clear).  With trace non-zero every rule that fired is
 * listed in res->hits.  Returns 0 (a rule hitting a limit is a warning, not
 * an error).
 */
int filter_run(const struct filter_set *set, const struct message *m, int trace,
               struct filter_result *res);
void filter_result_clear(struct filter_result *res);

/*
 * The context of body (what its sender wrote: text_trim_context) with the
 * set's context rules; set NULL: by structure only.  Safe to call on a
 * shared set from several threads.  Returns a new string (caller frees),
 * never NULL.  message_parse leaves message.context NULL: whoever parses a
 * message for the rules fills it with this before filter_run.
 */
char *filter_context(const struct filter_set *set, const char *body);
/* The body without its quoted history only (text_trim_history): its
 * signature kept. */
char *filter_history(const struct filter_set *set, const char *body);
/* The first quote header of body, by the same rules (text_quote_header),
 * or NULL. */
char *filter_quote_header(const struct filter_set *set, const char *body);

/*
 * Runs the rules without class (and without a `when class` other than
 * none) over text as if it were the whole context of a message that has
 * nothing else: no headers, subject or body.  Fills res->fields (zero res
 * first); no scores are recorded and nothing is traced.  Intake uses it for
 * the details of one part of a text, such as the sentences about one of
 * two leads.  Returns 0.
 */
int filter_run_context(const struct filter_set *set, const char *text, struct filter_result *res);
/* filter_run_context for the fields in want (bits 1u << FF_...) only: a
 * rule that captures none of them is not run.  Those fields get the values
 * filter_run_context gives them; others may be set or not. */
int filter_run_context_fields(const struct filter_set *set, const char *text, unsigned want,
                              struct filter_result *res);

#endif
