/*
 * template.h - the mail texts in templates/, one file per mail.
 *
 * File format (templates/NAME.tmpl):
 *
 *   # comment lines (only before the headers)
 *   Subject: Thank you for introducing {{lead.first_name}}
 *
 *   Hi {{referrer.first_name}},
 *   ...
 *   {{#rep.name}}{{rep.name}} will call you.{{/rep.name}}
 *   {{^rep.name}}Someone from our team will call you.{{/rep.name}}
 *   --- html ---
 *   <p>Hi {{referrer.first_name}},</p> ...
 *
 * - Comment lines ("#...") and blank lines may come before the headers
 *   only.  A header block (only "Subject:" for now, any case; required,
 *   once), a blank line, the text body.  An optional line "--- html ---"
 *   (trailing white space allowed) starts an HTML alternative.  CRLF line
 *   ends are read as LF.  Files are UTF-8, at most 256 KiB.
 * - {{name}} is replaced by a value; in the HTML part values are
 *   HTML-escaped (& < > " ').  {{#name}}...{{/name}} shows only when name
 *   has a value, {{^name}}...{{/name}} only when it has none; sections
 *   nest.  White space inside the braces is allowed ({{ lead.name }}); a
 *   tag must end on the line it starts.
 * - A line holding a tag that renders to nothing but white space goes with
 *   its line end: a section tag alone on its line, or an optional line
 *   such as "{{#lead.phone}}Phone: {{lead.phone}}{{/lead.phone}}" whose
 *   value is missing, leaves no blank line behind.  Lines without tags are
 *   kept as written.
 * - The rendered text and HTML then lose trailing white space on every
 *   line and blank lines at either end, never hold two blank lines in a
 *   row, and end with exactly one "\n".  Line ends in values become LF.
 * - The rendered Subject is one line: every run of white space or control
 *   characters (a CR or LF from a value) becomes one space, no space at
 *   either end, at most 300 bytes (cut at a UTF-8 character boundary).
 * - Names are from a fixed list (template_var_names); an unknown name, any
 *   other tag between "{{" and "}}", an unclosed or mismatched section, a
 *   missing, empty or repeated Subject, another header, an empty text or
 *   HTML part, bytes that are not UTF-8, a missing file among the mails of
 *   mail_table, or a *.tmpl file that is not one of them is a fault at
 *   load, printed as "file:line: problem" (or "file: problem"), never a
 *   surprise at send time.  Other files in the folder are ignored.
 *
 * No templating library in Debian is a C library that fits (mustach is not
 * packaged; ctemplate and kainjow-mustache are C++), so this small one is
 * ours; it does only the above.
 */
#ifndef REFAGENT_TEMPLATE_H
#define REFAGENT_TEMPLATE_H

#include <stddef.h>

#include "kinds.h"

struct template_set;

/*
 * The placeholder names a template may use, NULL-terminated.  Values are
 * text as it should appear; the ones that are not plain fields:
 *   referral.subject    the intro's subject, without a leading "Re:" (the
 *                       templates add one)
 *   referral.waiting    a phrase such as "1 business day": how long the
 *                       lead has waited (remind-rep), the time allowed for
 *                       the first contact (assign-rep)
 *   reminder.escalated  "yes" on the copy to the admin
 *   reminder.first, reminder.second   "yes" on the first / second reminder
 *   update.contacted, update.won, update.lost   "yes" for the milestone
 *                       reported
 *   update.note, reward.note, credit.note   a sentence or two to pass on
 *   reward.amount       formatted, e.g. "EUR 100"
 *   summary.text        a sentence about the referrer's introductions
 *   credit.name         who is credited, when someone else introduced the
 *                       same lead first (thank-referrer)
 *   thank.others        the other people the same intro named, "Wei Chen
 *                       and Ann Lee" (thank-referrer: one thank-you for
 *                       an intro of several leads)
 *   credit.other        who else introduced the same lead (update-referrer),
 *                       with credit.kept ("yes": the credit stays with the
 *                       reader) or credit.moved ("yes": it went to them)
 *   notify.optout, notify.bounce   "yes" for what notify-rep reports, with
 *                       notify.email (the lead's address) and notify.source
 *                       (how they opted out) or notify.reason (the report)
 *   unsubscribe.hint    e.g. "Reply stop and we will not write again."
 *   review.items        review-admin: one line per item for review
 *                       ("#12 held: ..."), as it is when the mail goes out
 *   review.count        how many of them still wait
 *   review.done         what the admin's answer did, one line
 *   confirm.admin       "yes" when confirm-status asks the admin (a review
 *                       answer) rather than a rep, with confirm.why when the
 *                       receiving server did not vouch for the answer
 *   refused.line, refused.why   refused-rep: the status line not applied
 *                       (none: a reply to the lead), and why
 *   refused.unverified  "yes": the receiving server did not vouch for it
 *   refused.action      what a "yes" to the refused-rep mail applies
 *   refused.thread      "#12, #14": the thread holds these referrals
 *   refused.contact     "yes": about the rep's reply to the lead
 *   digest.text, digest.count   the referrals of a rep's daily digest (a
 *                       block of lines each: number, lead, email, phone,
 *                       company, need, referrer, subject) and how many
 *   weekly.from, weekly.to   the dates the weekly summary covers
 *   weekly.new, weekly.won, weekly.won_value   referrals made and wins
 *                       recorded in that week (counts, the wins' value)
 *   weekly.held, weekly.waiting, weekly.overdue   now: held for review,
 *                       waiting for the rep's first contact, and of those
 *                       past rep_deadline
 *   weekly.owed, weekly.owed_count   the rewards owed now (sum, how many)
 */
extern const char *const template_var_names[];

/* A value for a placeholder; value NULL or "" means "no value". */
struct tvar {
	const char *name;
	const char *value;
};

struct rendered {
	char *subject; /* one line */
	char *text;
	char *html; /* NULL when the template has no HTML part */
};

/*
 * Loads DIR/NAME.tmpl for every NAME in mail_table.  Returns 0 and sets
 * *set_r, or -1 after printing every fault of every file as
 * "file:line: problem" on stderr (one per line, no "refagent: " prefix,
 * sorted by file then line, as config_load does).  template_free takes
 * NULL.
 */
int template_load(const char *dir, struct template_set **set_r);
/*
 * Loads one mail's template from text[0..len) instead of a folder, its
 * faults printed as "name:line: problem" (the fuzz target's way in: the
 * same parser as template_load, without the files).  The set holds that
 * mail only; another kind renders empty.
 */
int template_load_text(enum mail_kind kind, const char *name, const char *text, size_t len,
                       struct template_set **set_r);
void template_free(struct template_set *set);

/*
 * Renders the template of mail kind with vars[0..n) (names not in vars have no value;
 * a name given twice takes the last value; names not in template_var_names
 * are ignored).
 * Returns 0 and fills *out (free with rendered_clear), or -1 with *error_r
 * when kind is out of range or set is NULL.
 */
int template_render(const struct template_set *set, enum mail_kind kind, const struct tvar *vars,
                    size_t n, struct rendered *out, char **error_r);
void rendered_clear(struct rendered *r);

#endif
