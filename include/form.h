/*
 * form.h - a web form's notification mail read as fields, and who is who
 * by what the labels mean.
 *
 * Form services write their notifications in a few layouts, all of which
 * become lines of text once the body is plain text (html.c turns a table
 * row's cells into "label<TAB>value"):
 *
 *   Name: Jane Doe                  "Label: value" lines (Elementor, Contact
 *   Friend's email: bob@x.test       Form 7, Webflow, Squarespace, HubSpot)
 *   Full Name<TAB>Jane Doe          table rows (Jotform, Quform, Ninja Forms)
 *   Your Name                       the label on a line of its own and the
 *   Jane Doe                         value under it (WPForms, Gravity Forms,
 *   **Who are you referring?**       Wix, Google Forms, Typeform's bold
 *   Bob Smith                        questions; "--- Name ---" in WPForms text)
 *
 * The labels decide the roles, in English, Spanish, German, French,
 * Italian, Portuguese and Dutch:
 *
 *   referred person   friend, referral, referee, colleague, "who are you
 *                     referring", lead, their / his / her; client, customer
 *                     and contact only when other labels mark the submitter
 *                     ("your ...") or a referrer
 *   referrer          referred by, referrer, who referred you, recommended by
 *   how you heard     "how did you hear about us": its answer may name the
 *                     referrer ("Referred by Sarah Lee", "A friend - Sarah")
 *   submitter         your, my, and any label without a role (Name, Email)
 *
 * A form that names a referred person is a refer-a-friend form: the
 * submitter is the referrer (with any referrer label), the referred people
 * are the leads.  A form that names only the submitter and a referrer (a
 * "referred by" field, or a "how did you hear" answer naming someone) is a
 * contact form: the submitter is the lead.  Anything else is no referral
 * form.
 *
 * No outside library; every string is UTF-8 and owned by the struct form.
 */
#ifndef REFAGENT_FORM_H
#define REFAGENT_FORM_H

#include <stddef.h>

enum form_kind {
	FORM_NONE = 0, /* not a referral form (maybe no form at all) */
	FORM_REFER,    /* refer-a-friend: the submitter refers the people named */
	FORM_CONTACT,  /* the submitter is the lead; a referrer is named */
};

/* One person a form names; any part may be NULL. */
struct form_person {
	char *name;
	char *email; /* lower case */
	char *phone;
	char *company;
	char *need;  /* a need label about this person ("What does your friend need?") */
	char *label; /* the first label that named them, e.g. "Friend's email" */
};

#define FORM_MAX_LEADS 5

struct form {
	enum form_kind kind;
	size_t nfields;               /* label/value pairs read */
	const char *layout;           /* "label: value lines", "table rows", "label above
	                                 value" (the most used one; static) */
	struct form_person submitter; /* unqualified or your / my labels */
	struct form_person referrer;  /* referred by, referrer, how you heard */
	struct form_person leads[FORM_MAX_LEADS]; /* the referred people, in order */
	size_t nleads;
	char *need; /* the free-text field (Message, Project...) */
	char *budget;
	char *timeline;
	char *heard;         /* the "how did you hear" answer as written */
	int heard_referral;  /* that answer said referral / friend, naming no one */
	int referrer_is_you; /* "Referred by: me": the sender of the mail */
};

/*
 * Reads the fields of text (a mail body as plain text; at most the first
 * 400 lines and 64 KiB are read) into *f (zeroed first) and decides the
 * kind.  Returns f->kind.  Clear f with form_clear.
 */
enum form_kind form_read(const char *text, struct form *f);
void form_clear(struct form *f);

/* The phone number right after an address in a text ("ellen@x.test,
 * 650-555-0114", "bob@x.test or cell 503-555-0190"), skipping separators
 * and a cue word; NULL when something else comes first.  len: the bytes of
 * s to look at (the rest of the line).  The caller frees it. */
char *form_phone_after(const char *s, size_t len);

/*
 * The people in a text's contact block: an address on a line of its own
 * (or "Name <address>" / "Email: address"), with the name and phone on the
 * lines around it, as a person writes a friend's details into a mail; or a
 * list item ("1. Ellen Park - ellen@x.test, 650-555-0114 - a new roof"),
 * its need the words after the address and phone.
 * Fills at most max persons (zeroed first) and returns how many; an address
 * equal to skip (the sender's own, case-insensitive) is not taken.  Clear
 * each with form_person_clear.
 */
size_t form_contact_blocks(const char *text, const char *skip, struct form_person *p, size_t max);

void form_person_clear(struct form_person *p);

#endif
