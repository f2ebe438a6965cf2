/*
 * intake_p.h - what the files of the intake module share (not a contract
 * for other modules; include/intake.h is that):
 *
 *   intake.c        the order of the rules, the decision, the records
 *   intake_score.c  the evidence for an introduction and its confidence
 *   intake_leads.c  the leads a text names (forms, contact blocks,
 *                   addresses) and each lead's own details
 */
#ifndef REFAGENT_INTAKE_P_H
#define REFAGENT_INTAKE_P_H

#include "config.h"
#include "form.h"
#include "intake.h"
#include "util.h"

/* Where the leads of a person's mail were found. */
enum lead_source {
	LEADS_NONE = 0,
	LEADS_HEADERS,  /* To and Cc */
	LEADS_FORWARD,  /* a forwarded message's writer (or recipient) */
	LEADS_TEXT_CUE, /* an address after a cue ("reach him at"), by a rule */
	LEADS_CARD,     /* a contact card attached (a vCard) */
	LEADS_BLOCK,    /* a contact block: name, address, phone on lines */
	LEADS_TEXT,     /* an address in the text, no cue */
	LEADS_WRITER,   /* the writer, who names who referred them */
	LEADS_PHONE,    /* a person named with a phone number, no address */
};

/* ---- intake.c ---- */

/* A rule's field, NULL when blank. */
const char *intake_field(const struct intake_decision *d, enum filter_field_id id);
/* The agent, the business, a rep or the referrer: never a lead. */
int intake_excluded(const struct config *cfg, const char *email, const char *referrer);
/* Mail no person wrote by hand (list or bulk headers, Auto-Submitted, a
 * no-reply, notification, billing or newsletter sender). */
int intake_machine_sent(const struct message *m);
/* Adds a lead (email lower-cased; an address already there is not added
 * twice).  Returns the lead, or NULL when it was there. */
struct intake_lead *intake_add_lead(struct intake_decision *d, size_t *cap, const char *name,
                                    const char *email);

/* ---- intake_score.c ---- */

/* Adds a piece of evidence (weight and a reason) to d->confidence. */
void intake_evidence(struct intake_decision *d, int weight, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* The evidence the rules gave (their `score`, and a classifying intro
 * rule), then what the headers and the text of a person's mail say about
 * an introduction to the leads found in src.  Returns 1 when the rules
 * speak for an introduction (a phrase, the subject...), else 0. */
int intake_score_intro(const struct intake *in, const struct message *m, struct intake_decision *d,
                       enum lead_source src);
/* The evidence of a web form f (its leads and referrer already in d). */
void intake_score_form(struct intake_decision *d, const struct form *f);
/* The index of the first lead of d the greeting that opens m's text
 * names ("Hi Bob,", "bob -"), SIZE_MAX: none. */
size_t intake_greeted(const struct message *m, const struct intake_decision *d);
/* What the text says of the reps, read without the decision (on a parsing
 * thread, intake_prepare): the rep the greeting opening it names by a word
 * of the rep's name ("Hi Tom,", "Ana - meet Jane"), NULL for none or two;
 * asked[r]: the text sends the lead to rep r by the first word of the
 * rep's name after "ask for", "ask to speak with", "reach out to", "get
 * in touch with" ("Ask for Marisol"), a capital first; mentioned[r]: the
 * text gives rep r's first name ("Sophie will take great care of you").
 * asked and mentioned have cfg->nreps marks (NULL with no reps). */
struct intake_rep_cues {
	const struct rep *greeted;
	const char *greeted_w; /* the word of its name the greeting has */
	size_t greeted_n;
	unsigned char *asked;
	unsigned char *mentioned;
};
void intake_rep_cues(const struct config *cfg, const struct message *m, struct intake_rep_cues *c);
void intake_rep_cues_clear(struct intake_rep_cues *c);
/* The rep greeted, when no lead, no writer and no other person of the mail
 * (its To and Cc, a forward's) has a name that word could be ("Hi Tom," to
 * the lead Tom Baker greets him); NULL otherwise. */
const struct rep *intake_greeted_rep(const struct config *cfg, const struct message *m,
                                     const struct intake_decision *d,
                                     const struct intake_rep_cues *c);
/* The one rep asked for, under the same conditions as a greeted one; NULL
 * for none or two. */
const struct rep *intake_asked_rep(const struct config *cfg, const struct message *m,
                                   const struct intake_decision *d,
                                   const struct intake_rep_cues *c);
/* The one rep the text names whose name no other person of the mail has,
 * or NULL (none, or two reps named). */
const struct rep *intake_mentioned_rep(const struct config *cfg, const struct message *m,
                                       const struct intake_decision *d,
                                       const struct intake_rep_cues *c);

/* What intake reads of a message without the store or the decision so
 * far: made where the rules ran (intake_prepare), so that `ingest`'s
 * writer thread, which decides in order, only decides. */
struct intake_prep {
	int has_form; /* form was read (a form candidate): decide_rest takes it */
	struct form form;
	struct intake_rep_cues reps;
};
/* Sets the outcome from d->confidence: a referral at INTAKE_REFER_AT,
 * held from INTAKE_HOLD_AT, else ignored; why says so.  what names the
 * message ("introduction", "forward", "web form"). */
void intake_settle(struct intake_decision *d, const char *what);

/* ---- intake_leads.c ---- */

/* An address that no person reads (noreply@, newsletter@, billing@, a form
 * service's form-submission@...): never a lead. */
int intake_machine_address(const char *email);
/* The address of whoever filled in the form a machine's notification
 * carries (its Reply-To when From is a machine's), or NULL. */
const char *intake_submitter(const struct message *m);
/* Is domain a mail provider anyone can have an address at (gmail.com,
 * web.de, comcast.net...)? */
int intake_public_domain(const char *domain);

/* The leads the text of a person's mail names when its headers name none:
 * an address after a cue (a rule's lead_email), a contact block, labelled
 * "Name: / Email:" lines, or a lone address.  Returns where they were
 * found (LEADS_NONE: nowhere). */
enum lead_source intake_leads_from_text(const struct config *cfg, const struct message *m,
                                        struct intake_decision *d, size_t *cap);
/* Drops the leads of d (from the headers) who are copied on the writer's
 * side rather than introduced: in Cc (not To), of the writer's family
 * name or named so in the text ("Kate and I", "my assistant Jill"); in To
 * or Cc, of the writer's company while the greeting names a lead of
 * another domain ("Jane - meet Brightpath", the writer's colleague in To
 * and Jane in Cc); only while another lead stays. */
void intake_drop_companions(const struct message *m, struct intake_decision *d);
/* The trade or profession text (the context, a quoted intro) presents a
 * lead of d by as someone for the business ("Dan, meet Lisa - the
 * accountant I was telling you about"), not a client of it; NULL when
 * none. */
const char *intake_provider_in(const char *text, const struct intake_decision *d);
/* Where w (n bytes, ASCII case ignored) first occurs as a whole word in
 * s[0..len), or -1. */
long intake_find_word(const char *s, size_t len, const char *w, size_t n);
/* Does a name a rule found in the text go with an address: the local part
 * spells a word of it, or the text writes it just before the address?
 * A name that fits no address is given to none. */
int intake_name_fits(const char *name, const char *email, const char *text);
/* The name the text writes for the owner of an address with no display
 * name, by the words of its local part ("Karin Ahlström" for
 * karin.ahlstrom@...); NULL when none.  The caller frees it. */
char *intake_name_from_address(const char *email, const char *text);
/* Each lead's phone, company and need: with one lead, what the rules found
 * in the whole text; with several, what they find in the sentences about
 * each (shared sentences, "they both...", give to all).  A lead with an
 * address and no name gets the one the text writes for it. */
void intake_lead_details(const struct intake *in, const struct message *m,
                         struct intake_decision *d);

#endif
