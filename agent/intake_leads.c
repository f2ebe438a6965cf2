/*
 * intake_leads.c - the leads a text names, and each lead's own details.
 *
 * When the headers name no lead, a referrer who wrote only to the referral
 * address names the lead in the text: after a cue ("you can reach him at
 * noah@x.test", a rule's lead_email), in a contact block (the friend's
 * name, address and phone on lines of their own, or as "Name:" / "Email:"
 * lines), or as an address with no cue at all.  The first two are good
 * evidence; a lone address is weaker (intake_score.c weighs them).
 *
 * With two or more leads, "Bob needs a kitchen, his number is ...; Alice
 * wants a bathroom" gives each lead their own phone and need: the text is
 * cut into sentences, each sentence goes to the lead it names (or, naming
 * none, to the lead named last), and the extracting rules run over each
 * lead's sentences alone (filter_run_context).  Sentences about all of
 * them ("they both want to start in May", or text before any lead is
 * named) are shared: their need goes to every lead that has none.
 */
#include "intake_p.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"

#define CONTEXT_SCAN_MAX (16 * 1024) /* bytes of text split into sentences */
#define MAX_BLOCKS       6           /* more than max_leads (5) by default: held */

int intake_machine_address(const char *email)
{
	static const char *const locals[] = {
	        "noreply",       "no-reply",   "no_reply",    "donotreply", "do-not-reply",
	        "mailer-daemon", "postmaster", "bounce",      "bounces",    "notification",
	        "notifications", "newsletter", "newsletters", "news",       "marketing",
	        "mailer",        "updates",    "alerts",      "digest",     "receipts",
	        "billing",       "invoices",   "unsubscribe", "form",       "forms",
	        "wordpress",     "notify",     "automated",   "autoreply",  "auto-reply"};

	for (size_t i = 0; email && i < ARRAY_SIZE(locals); i++) {
		size_t n = strlen(locals[i]);

		if (str_istarts(email, locals[i]) &&
		    (email[n] == '@' || email[n] == '+' || email[n] == '-' || email[n] == '.'))
			return 1;
	}
	/* CRM logging addresses people copy so their CRM keeps the mail
	 * (HubSpot's BCC address, Email-to-Salesforce, Pipedrive, Zoho),
	 * and helpdesks that send a ticket's notification in the business's
	 * name (Zendesk, Freshdesk, Help Scout): no person behind them */
	static const char *const domains[] = {
	        "bcc.hubspot.com", "forward.hubspot.com", "salesforce.com", "pipedrivemail.com",
	        "bcc.zohocrm.com", "zohocrm.com",         "zendesk.com",    "freshdesk.com",
	        "helpscout.net",   "intercom-mail.com"};
	const char *at = email ? strrchr(email, '@') : NULL;

	for (size_t i = 0; at && i < ARRAY_SIZE(domains); i++) {
		size_t dl = strlen(at + 1), n = strlen(domains[i]);

		/* salesforce.com and zendesk.com: only their sub-domains
		 * (the logging and ticket addresses), not their staff */
		if ((str_ieq(at + 1, domains[i]) && strcmp(domains[i], "salesforce.com") != 0 &&
		     strcmp(domains[i], "zendesk.com") != 0) ||
		    (dl > n && at[1 + dl - n - 1] == '.' && str_ieq(at + 1 + dl - n, domains[i])))
			return 1;
	}
	/* Exchange's system mailbox, the From of its non-delivery reports
	 * ("Microsoft Outlook <MicrosoftExchange329e71ec...@x.test>") */
	if (email && str_istarts(email, "microsoftexchange")) {
		size_t hex = strspn(email + 17, "0123456789abcdefABCDEF");

		return hex >= 16 && email[17 + hex] == '@';
	}
	return 0;
}

/* Whoever filled in the form a machine's notification carries: its
 * Reply-To, when From is a machine's ("WordPress <wordpress@...>",
 * Reply-To the submitter), else NULL. */
const char *intake_submitter(const struct message *m)
{
	if (m->reply_to.n == 0 || m->reply_to.v[0].email == NULL ||
	    !intake_machine_address(m->from.email) ||
	    intake_machine_address(m->reply_to.v[0].email))
		return NULL;
	return m->reply_to.v[0].email;
}

/* Someone the text may name as a lead: not the agent, the business, a rep,
 * the writer, a machine, the person the writer names as who referred them
 * ("my neighbor Laura (laura@x.test) recommended you"), nor whoever filled
 * in the form of a machine's notification (its own Name and Email fields,
 * over a message that names the friend). */
static int usable(const struct config *cfg, const struct message *m,
                  const struct intake_decision *d, const char *email)
{
	const char *named = intake_field(d, FF_REFERRER_EMAIL), *submitter = intake_submitter(m);

	return !intake_excluded(cfg, email, d->referrer_email) && !intake_machine_address(email) &&
	       !(named && str_ieq(named, email)) && !(submitter && str_ieq(submitter, email));
}

enum lead_source intake_leads_from_text(const struct config *cfg, const struct message *m,
                                        struct intake_decision *d, size_t *cap)
{
	const char *text = m->context ? m->context : "";
	const char *cue = intake_field(d, FF_LEAD_EMAIL);
	struct form_person p[MAX_BLOCKS];
	size_t n, len = strlen(text), alen = 0;
	enum lead_source src = LEADS_NONE;
	const char *a;

	n = form_contact_blocks(text, d->referrer_email, p, MAX_BLOCKS);
	if (cue && usable(cfg, m, d, cue)) {
		/* the cue's address; a contact block of the same address gives
		 * the name and phone beside it ("Bob Okoye's email: ...") */
		const char *name = intake_field(d, FF_LEAD_NAME), *phone = NULL;
		struct intake_lead *l;

		if (!intake_name_fits(name, cue, text))
			name = NULL;
		for (size_t i = 0; i < n; i++)
			if (str_ieq(p[i].email, cue)) {
				name = p[i].name ? p[i].name : name;
				phone = p[i].phone;
			}
		l = intake_add_lead(d, cap, name, cue);
		if (l && phone)
			l->phone = xstrdup(phone);
		for (size_t i = 0; i < n; i++)
			form_person_clear(&p[i]);
		return LEADS_TEXT_CUE;
	}
	/* a contact card attached, the iPhone's "Share Contact": whom it
	 * names, unless it is the writer's own (Outlook attaches that) */
	for (size_t i = 0; i < m->ncards; i++) {
		const struct card *c = &m->cards[i];
		struct intake_lead *l;

		if (c->email
		            ? !usable(cfg, m, d, c->email)
		            : (c->name == NULL || (m->from.name && str_ieq(c->name, m->from.name))))
			continue;
		l = intake_add_lead(d, cap, c->name, c->email);
		if (l && c->phone)
			l->phone = xstrdup(c->phone);
		src = LEADS_CARD;
	}
	if (src != LEADS_NONE) {
		for (size_t i = 0; i < n; i++)
			form_person_clear(&p[i]);
		return src;
	}
	for (size_t i = 0; i < n; i++) {
		if (usable(cfg, m, d, p[i].email)) {
			const char *name = p[i].name ? p[i].name : intake_field(d, FF_LEAD_NAME);
			struct intake_lead *l;

			if (!p[i].name && !intake_name_fits(name, p[i].email, text))
				name = NULL;
			l = intake_add_lead(d, cap, name, p[i].email);
			if (l && p[i].phone)
				l->phone = xstrdup(p[i].phone);
			if (l && p[i].need)
				l->need = xstrdup(p[i].need);
			src = LEADS_BLOCK;
		}
	}
	/* a list of the people introduced where one has only a phone ("2.
	 * Stan Kowal - 416-555-0191 - frozen shoulder, doesn't do email"):
	 * a lead like the others, to be called; only beside a block with
	 * an address (alone, a name and a number may be the writer's own
	 * card), and never the writer's name */
	for (size_t i = 0; src == LEADS_BLOCK && i < n; i++) {
		struct intake_lead *l;
		int rep = 0;

		for (size_t k = 0; p[i].name && k < cfg->nreps; k++)
			rep |= cfg->reps[k].name && str_ieq(p[i].name, cfg->reps[k].name);
		if (p[i].email || !p[i].name || !p[i].phone || rep ||
		    (m->from.name && str_ieq(p[i].name, m->from.name)))
			continue;
		l = intake_add_lead(d, cap, p[i].name, NULL);
		l->phone = xstrdup(p[i].phone);
		if (p[i].need)
			l->need = xstrdup(p[i].need);
	}
	for (size_t i = 0; i < n; i++)
		form_person_clear(&p[i]);
	if (src != LEADS_NONE)
		return src;
	/* the first address of someone else in the text */
	for (size_t off = 0; off < len && (a = addr_find(text + off, len - off, &alen)) != NULL;
	     off = (size_t)(a - text) + alen) {
		char *email = str_lower(xstrndup(a, alen));

		if (usable(cfg, m, d, email)) {
			const char *named = intake_field(d, FF_LEAD_NAME);
			const char *after = a + alen,
			           *eol = memchr(after, '\n', len - (size_t)(after - text));
			struct intake_lead *l = intake_add_lead(
			        d, cap, intake_name_fits(named, email, text) ? named : NULL, email);

			/* "arjun@x.test 503-555-0190": the number beside the
			 * address, unless a rule found the lead's by its cue */
			if (l && !intake_field(d, FF_LEAD_PHONE))
				l->phone =
				        form_phone_after(after, eol ? (size_t)(eol - after)
				                                    : len - (size_t)(after - text));
			free(email);
			return LEADS_TEXT;
		}
		free(email);
	}
	return LEADS_NONE;
}

/* ---- words in a text ---- */

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

long intake_find_word(const char *s, size_t len, const char *w, size_t n)
{
	const char *lim, *pa, *pb;
	int a, b;

	if (n == 0 || n > len)
		return -1;
	/* the places of the bytes equal to w[0] but for bit 0x20, in order,
	 * by memchr: the writer asks this for each name and word over the
	 * whole text */
	a = (unsigned char)w[0] | 0x20;
	b = a & ~0x20;
	lim = s + len - n + 1;
	pa = memchr(s, a, (size_t)(lim - s));
	pb = memchr(s, b, (size_t)(lim - s));
	while (pa != NULL || pb != NULL) {
		const char *p = pb == NULL || (pa != NULL && pa < pb) ? pa : pb;
		size_t i = (size_t)(p - s);

		if (strncasecmp(p, w, n) == 0 && (i == 0 || !word_char((unsigned char)s[i - 1])) &&
		    (i + n == len || !word_char((unsigned char)s[i + n])))
			return (long)i;
		if (p == pa)
			pa = memchr(p + 1, a, (size_t)(lim - p - 1));
		else
			pb = memchr(p + 1, b, (size_t)(lim - p - 1));
	}
	return -1;
}

/* intake_find_word for a name or a word of two letters or more. */
static long find_word(const char *s, size_t len, const char *w, size_t n)
{
	return n < 2 ? -1 : intake_find_word(s, len, w, n);
}

/* ---- a name and an address that belong together ---- */

/* The ASCII letter a byte sequence of one letter stands for, lowercased,
 * the accent dropped for Latin-1 letters ("ö" -> 'o'); 0 for anything
 * else.  *len is set to the bytes it takes. */
static char fold_letter(const unsigned char *s, size_t *len)
{
	/* U+00C0..U+00FF, by their second UTF-8 byte 0x80..0xBF */
	static const char latin1[] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
	                             "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

	/* U+0100..U+017F (Latin Extended-A: "ł", "ś", "ő"), '.' for none */
	static const char ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggg"
	                            "gggghhhhiiiiiiiiii..jjkkklllllll"
	                            "lllnnnnnnnnnoooooo..rrrrrrssssss"
	                            "ssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

	*len = 1;
	if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
		return (char)(*s | 0x20);
	if (*s == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf) {
		*len = 2;
		return latin1[s[1] - 0x80];
	}
	if ((*s == 0xc4 || *s == 0xc5) && s[1] >= 0x80 && s[1] <= 0xbf) {
		char c = ext_a[((*s & 0x01) << 6) | (s[1] & 0x3f)];

		*len = 2;
		return c == '.' ? 0 : c;
	}
	if (*s >= 0xc0) {
		while ((s[*len] & 0xc0) == 0x80)
			(*len)++;
	}
	return 0;
}

/* The letters of s[0..n), folded; non-letters end a word: each word is
 * written to out followed by a space. */
static void fold_words(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0, step;
	int gap = 1;

	for (size_t i = 0; i < n && o + 2 < size; i += step) {
		char c = fold_letter((const unsigned char *)s + i, &step);

		if (i + step > n)
			break;
		if (c) {
			out[o++] = c;
			gap = 0;
		} else if (!gap) {
			out[o++] = ' ';
			gap = 1;
		}
	}
	if (!gap && o + 1 < size)
		out[o++] = ' ';
	out[o] = '\0';
}

/* Does the name go with the address?  Its local part spells a word of the
 * name of three letters or more ("deshawn.miller", "htanaka", "karin" for
 * "Karin Ahlström"), or the text puts the name before the address in its
 * sentence ("reach Bob at rj77@x.test", "Bob Smith <rj77@x.test>"; not
 * "Oliver needs a roof. Email his wife: mila@x.test").
 * A name a rule found elsewhere in the text ("my friend Oliver said you
 * did his bathroom") is not the name of an address it never stood by. */
int intake_name_fits(const char *name, const char *email, const char *text)
{
	char nw[256], local[128];
	const char *at = email ? strchr(email, '@') : NULL;
	size_t llen, o = 0;

	if (name == NULL || at == NULL)
		return 0;
	fold_words(name, strlen(name), nw, sizeof(nw));
	/* the local part's letters, run together */
	llen = (size_t)(at - email);
	for (size_t i = 0, step; i < llen && o + 1 < sizeof(local); i += step) {
		char c = fold_letter((const unsigned char *)email + i, &step);

		if (c)
			local[o++] = c;
	}
	local[o] = '\0';
	for (char *w = nw, *sp; (sp = strchr(w, ' ')) != NULL; w = sp + 1) {
		*sp = '\0';
		if (strlen(w) >= 3 && strstr(local, w))
			return 1;
	}
	if (text) {
		/* the first word of the name, before the address in its
		 * sentence */
		size_t tlen = strlen(text), alen = strlen(email), fn = strcspn(name, " ");

		for (size_t i = 0; i + alen <= tlen; i++) {
			size_t start;
			long w;

			if (strncasecmp(text + i, email, alen) != 0)
				continue;
			/* back to the start of the line or of the sentence */
			start = i;
			while (start > 0 && text[start - 1] != '\n' && i - start < 120 &&
			       !(start >= 2 && strchr(".!?", text[start - 2]) &&
			         text[start - 1] == ' '))
				start--;
			w = find_word(text + start, i - start, name, fn);
			if (w >= 0)
				return 1;
		}
	}
	return 0;
}

/* A capital letter: A-Z, or a Latin-1 or Latin Extended-A one ("Ö",
 * "Ł": even code points of U+0100..U+017F are mostly the capitals). */
static int capital(const unsigned char *s)
{
	if (*s >= 'A' && *s <= 'Z')
		return 1;
	if (*s == 0xc3)
		return s[1] >= 0x80 && s[1] <= 0x9e && s[1] != 0x97;
	return (*s == 0xc4 || *s == 0xc5) && s[1] >= 0x80 && s[1] <= 0xbf;
}

/* The name of the address's owner as the text writes it: capitalised words
 * that spell the local part's words, in order ("Karin Ahlström" for
 * karin.ahlstrom@x.test; "Min granne Karin Ahlström vill ..." in a language
 * no rule reads).  Two words at least, so that a lone "Mark" in the text
 * does not name mark@x.test; NULL when the text has no such words. */
char *intake_name_from_address(const char *email, const char *text)
{
	char want[128], got[256];
	const char *at = email ? strchr(email, '@') : NULL;
	size_t nwords = 0, tlen;

	if (at == NULL || text == NULL)
		return NULL;
	fold_words(email, (size_t)(at - email), want, sizeof(want));
	for (const char *c = want; *c; c++)
		nwords += *c == ' ';
	if (nwords < 2 || nwords > 4)
		return NULL;
	tlen = strlen(text);
	for (size_t i = 0; i < tlen; i++) {
		size_t j = i, k = 0;

		/* a capitalised word that starts a word */
		if (i > 0 && word_char((unsigned char)text[i - 1]))
			continue;
		if (!capital((const unsigned char *)text + i))
			continue;
		/* as many words as the local part has, on one line */
		while (j < tlen && k < nwords) {
			if (!capital((const unsigned char *)text + j))
				break;
			while (j < tlen && word_char((unsigned char)text[j]))
				j++;
			k++;
			if (k < nwords) {
				if (j >= tlen || text[j] != ' ')
					break;
				j++;
			}
		}
		if (k != nwords)
			continue;
		fold_words(text + i, j - i, got, sizeof(got));
		if (strcmp(got, want) == 0)
			return xstrndup(text + i, j - i);
	}
	return NULL;
}

/* ---- the writer's companions ---- */

/* The last word of a name ("Harris" of "Steve Harris"), of two or more
 * words; sets *n. */
static const char *family_name(const char *name, size_t *n)
{
	const char *sp = name ? strrchr(name, ' ') : NULL;

	if (sp == NULL || sp == name || strlen(sp + 1) < 3)
		return NULL;
	*n = strlen(sp + 1);
	return sp + 1;
}

/* Does s[0..at) end in "my wife ", "our assistant "...? */
static int role_before(const char *s, size_t at)
{
	static const char *const roles[] = {
	        "my wife ", "my husband ", "my spouse ", "my assistant ", "my secretary ",
	        "my partner ", "my business partner ", "our assistant ", "my co-founder ",
	        "my cofounder ", "our office manager ",
	        /* the same in the other languages of the rules */
	        "meine frau ", "mein mann ", "meinen mann ", "meine partnerin ", "meinen partner ",
	        "mein partner ", "meine assistentin ", "meinen assistenten ", "mi esposa ",
	        "mi esposo ", "mi mujer ", "mi marido ", "mi pareja ", "mi asistente ", "ma femme ",
	        "mon mari ", "mon conjoint ", "ma conjointe ", "mon assistante ", "mon assistant ",
	        "mia moglie ", "mio marito ", "la mia assistente ", "minha esposa ",
	        "minha mulher ", "meu marido ", "minha assistente ", "mijn vrouw ", "mijn man ",
	        "mijn partner ", "mijn assistente "};

	for (size_t r = 0; r < ARRAY_SIZE(roles); r++) {
		size_t n = strlen(roles[r]), i;

		if (at < n)
			continue;
		/* a space of the role is any white space: "Meine Frau\nSabine"
		 * as the line was wrapped */
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[at - n + i];

			if (roles[r][i] == ' ' ? !isspace(c) : tolower(c) != roles[r][i])
				break;
		}
		if (i == n && (at == n || !word_char((unsigned char)s[at - n - 1])))
			return 1;
	}
	return 0;
}

/* Does s[0..len) begin with ", my assistant", " (my EA)", " - our office
 * manager": the role after the name, set off by a comma, a dash or a
 * parenthesis? */
static int role_after(const char *s, size_t len)
{
	static const char *const roles[] = {"my wife",
	                                    "my husband",
	                                    "my spouse",
	                                    "my assistant",
	                                    "my secretary",
	                                    "my business partner",
	                                    "our assistant",
	                                    "my co-founder",
	                                    "my cofounder",
	                                    "our office manager",
	                                    "my EA",
	                                    "my PA",
	                                    "my executive assistant",
	                                    "our executive assistant",
	                                    "my office manager"};
	size_t i = 0;

	/* "Amy Ingram, my assistant": past a family name */
	if (len > 1 && s[0] == ' ' && s[1] >= 'A' && s[1] <= 'Z') {
		for (i = 1; i < len && word_char((unsigned char)s[i]); i++)
			;
		s += i, len -= i, i = 0;
	}
	while (i < len && (s[i] == ' ' || s[i] == ','))
		i++;
	if (i < len && (s[i] == '(' || s[i] == '-'))
		i++;
	while (i < len && s[i] == ' ')
		i++;
	if (i == 0 || (s[0] != ',' && s[0] != ' '))
		return 0;
	if (i == 1 && s[0] == ' ')
		return 0; /* "Amy my assistant": no break, another sentence shape */
	for (size_t r = 0; r < ARRAY_SIZE(roles); r++) {
		size_t n = strlen(roles[r]);

		if (len - i >= n && strncasecmp(s + i, roles[r], n) == 0 &&
		    (len - i == n || !word_char((unsigned char)s[i + n])))
			return 1;
	}
	return 0;
}

/* The text names the person called first (n bytes) as on the writer's
 * side: "Kate and I", "my wife Kate", "our assistant Jill", "Amy, my
 * assistant".  One pass over the places the name stands. */
static int named_companion(const char *text, size_t len, const char *first, size_t n)
{
	if (n < 3)
		return 0;
	for (size_t from = 0; from < len;) {
		long at = find_word(text + from, len - from, first, n);
		size_t a, e;

		if (at < 0)
			return 0;
		a = from + (size_t)at, e = a + n;
		if ((len - e >= 6 && strncmp(text + e, " and I", 6) == 0 &&
		     (len - e == 6 || !word_char((unsigned char)text[e + 6]))) ||
		    (len - e >= 4 && strncmp(text + e, " & I", 4) == 0 &&
		     (len - e == 4 || !word_char((unsigned char)text[e + 4]))) ||
		    role_before(text, a) || role_after(text + e, len - e))
			return 1;
		from = e;
	}
	return 0;
}

static int in_cc(const struct message *m, const char *email)
{
	for (size_t i = 0; i < m->cc.n; i++)
		if (str_ieq(m->cc.v[i].email, email))
			return 1;
	return 0;
}

/* The text says the person called first (n bytes) is copied: 2 when for
 * the writer's side ("Greg is on here too since he can answer any
 * questions", "I've copied Steve for his information", "Richard is also
 * on copy"), 1 when it only says they are copied ("Jane Park is cc'd,
 * she needs a new roof": the one introduced, when nobody else is), 0
 * when it does not say so. */
static int named_copied(const char *text, size_t len, const char *first, size_t n)
{
	static const struct {
		const char *w;
		int side; /* for the writer's side whatever follows */
	} after[] = {{" is on here", 0},
	             {" is also on here", 1},
	             {" is on this", 0},
	             {" is also on this", 1},
	             {" is copied", 0},
	             {" is also copied", 1},
	             {" is cc'd", 0},
	             {" is also cc'd", 1},
	             {" is cc'ed", 0},
	             {" is on copy", 0},
	             {" is also on copy", 1},
	             {" is on cc", 0},
	             {" for his information", 1},
	             {" for her information", 1},
	             {" for their information", 1},
	             {" for info", 1},
	             {" for visibility", 1},
	             {" in the loop", 1},
	             {", looping you in", 1},
	             {" - looping you in", 1},
	             {", looping in", 1},
	             {", copying you", 1},
	             {", cc'ing you", 1},
	             {", adding you", 1}};
	/* "is on here too", "is copied here as well": beside someone */
	static const char *const beside[] = {" too", " as well", " also"};
	int found = 0;

	if (n < 3)
		return 0;
	for (size_t from = 0; from < len && found < 2;) {
		long at = find_word(text + from, len - from, first, n);
		size_t e, ends[2];

		if (at < 0)
			break;
		e = from + (size_t)at + n;
		ends[0] = e;
		ends[1] = SIZE_MAX;
		/* "Steve Barnes for his information": past a family name */
		if (e < len && text[e] == ' ' && e + 1 < len && text[e + 1] >= 'A' &&
		    text[e + 1] <= 'Z') {
			size_t w = e + 1;

			while (w < len && word_char((unsigned char)text[w]))
				w++;
			ends[1] = w;
		}
		for (size_t j = 0; j < 2 && ends[j] != SIZE_MAX; j++)
			for (size_t i = 0; i < ARRAY_SIZE(after); i++) {
				size_t k = strlen(after[i].w), p = ends[j] + k;

				if (len - ends[j] < k ||
				    strncasecmp(text + ends[j], after[i].w, k) != 0)
					continue;
				if (!after[i].side) {
					if (len - p >= 5 && strncasecmp(text + p, " here", 5) == 0)
						p += 5;
					for (size_t b = 0; b < ARRAY_SIZE(beside); b++) {
						size_t bl = strlen(beside[b]);

						if (len - p >= bl &&
						    strncasecmp(text + p, beside[b], bl) == 0 &&
						    (len - p == bl ||
						     !word_char((unsigned char)text[p + bl])))
							return 2;
					}
				}
				found = after[i].side ? 2 : 1;
				if (found == 2)
					return 2;
			}
		from = e;
	}
	return found;
}

/* The length of family name s (n bytes) without the ending that marks a
 * woman's or a man's form of it in Czech, Slovak, Polish and Russian
 * (Černý / Černá, Novák / Nováková, Kowalski / Kowalska, Иванов /
 * Иванова). */
static size_t family_stem(const char *s, size_t n)
{
	static const char *const ends[] = {"ová",  "ská",  "ský", "cká", "cký", "dzka", "dzki",
	                                   "ska",  "ski",  "cka", "cki", "ова", "ева",  "ина",
	                                   "ская", "ский", "ов",  "ев",  "ин",  "á",    "ý"};

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		size_t e = strlen(ends[i]);

		if (n > e + 2 && memcmp(s + n - e, ends[i], e) == 0)
			return n - e;
	}
	return n;
}

/* The same family name, or its other gender's form ("Kowalski" and
 * "Kowalska")? */
static int same_family(const char *a, size_t an, const char *b, size_t bn)
{
	if (an == bn && strncasecmp(a, b, an) == 0)
		return 1;
	an = family_stem(a, an);
	bn = family_stem(b, bn);
	return an == bn && an > 0 && strncasecmp(a, b, an) == 0;
}

/* Is the address of the writer's company (the writer's domain, not a mail
 * provider's)? */
static int writers_company(const struct message *m, const char *email)
{
	const char *dom = addr_domain(m->from.email);

	return email && *dom && !intake_public_domain(dom) && str_ieq(dom, addr_domain(email));
}

/* A lead who is the writer's own: copied (Cc, not To: the person
 * introduced is addressed) and of the writer's family name, of the
 * writer's company (the same domain, not a mail provider's), or named so
 * in the text ("my assistant Jill"); or, To or Cc, said to be copied for
 * the writer's side ("Greg is on here too"; "Jane is cc'd" alone counts
 * as their name does: it says who the lead is when nobody else is).  2
 * when the text says so
 * (then they are no lead even with nobody else: "I've cc'd my husband
 * Mark so he gets the details too" under the writer's own request), 1
 * when only their name or address does (a father introducing his
 * daughter is of his family name too), 0 when neither. */
static int companion(const struct message *m, const struct intake_lead *l, const char *text,
                     size_t len)
{
	const char *fam, *lfam;
	size_t fn = 0, ln = 0;
	int c;

	if (l->email == NULL)
		return 0;
	c = l->name ? named_copied(text, len, l->name, strcspn(l->name, " ,")) : 0;
	if (c == 2)
		return 2;
	if (in_cc(m, l->email) && l->name &&
	    named_companion(text, len, l->name, strcspn(l->name, " ,")))
		return 2;
	if (!in_cc(m, l->email))
		return c;
	for (size_t i = 0; i < m->to.n; i++)
		if (str_ieq(m->to.v[i].email, l->email))
			return c;
	fam = family_name(m->from.name, &fn);
	lfam = family_name(l->name, &ln);
	/* "My wife Zeynep is cc'd": copied, and of the family, says both */
	if ((fam && lfam && same_family(fam, fn, lfam, ln)) || writers_company(m, l->email))
		return c ? 2 : 1;
	return c;
}

void intake_drop_companions(const struct message *m, struct intake_decision *d)
{
	const char *text = m->context ? m->context : "";
	size_t len = strlen(text), keep = 0, greeted = intake_greeted(m, d);
	unsigned char *drop;

	if (len > CONTEXT_SCAN_MAX)
		len = CONTEXT_SCAN_MAX;
	/* the one greeted is the one introduced: a colleague of the writer
	 * in To beside them is copied ("Jane - as promised, meet
	 * Brightpath", To: the writer's colleague, Cc: Jane) */
	if (greeted != SIZE_MAX && writers_company(m, d->leads[greeted].email))
		greeted = SIZE_MAX;
	drop = xcalloc(d->nleads, 1);
	for (size_t i = 0; i < d->nleads; i++) {
		int c = companion(m, &d->leads[i], text, len);

		if (c == 0 && greeted != SIZE_MAX && i != greeted &&
		    writers_company(m, d->leads[i].email))
			c = 1;
		drop[i] = (unsigned char)c;
		keep += !drop[i];
	}
	/* all of them when a forward may name the lead ("My wife Jane is
	 * copied" over the intro Bob forwards), and the ones the text calls
	 * the writer's own in any case */
	if (keep < d->nleads) {
		size_t o = 0;
		int all = keep > 0 || m->nfwd > 0;

		for (size_t i = 0; i < d->nleads; i++) {
			if (!drop[i] || (!all && drop[i] == 1)) {
				d->leads[o++] = d->leads[i];
				continue;
			}
			free(d->leads[i].name);
			free(d->leads[i].email);
			free(d->leads[i].phone);
			free(d->leads[i].company);
			free(d->leads[i].need);
		}
		d->nleads = o;
	}
	free(drop);
}

/* ---- a lead presented as a provider ---- */

/* Does s[0..len) hold w (ASCII case ignored) as whole words? */
static int has_words(const char *s, size_t len, const char *w)
{
	return find_word(s, len, w, strlen(w)) >= 0;
}

/* Where the sentence that goes on at s[at] ends: after '.', '!' or '?'
 * and a space, or at a blank line. */
static size_t sentence_end_at(const char *s, size_t len, size_t at)
{
	for (size_t i = at; i < len; i++) {
		if ((s[i] == '.' || s[i] == '!' || s[i] == '?') &&
		    (i + 1 == len || isspace((unsigned char)s[i + 1])))
			return i + 1;
		if (s[i] == '\n' && i + 1 < len && s[i + 1] == '\n')
			return i;
	}
	return len;
}

/* Do the words s[0..n) between lead l's name and a trade make the trade
 * the lead's ("Lisa Park - the accountant", "Henry is the attorney")?
 * Not when another person is named between ("Tom, meet Dana Whitfield -
 * the accountant": Dana is), nor when the lead needs one ("Ben, who needs
 * a bookkeeper"). */
static int describes_lead(const char *s, size_t n, const struct intake_lead *l)
{
	static const char *const wanting[] = {
	        "need",    "needs", "needed", "want", "wants",   "looking", "find",     "finding",
	        "without", "hire",  "hiring", "meet", "another", "search",  "searching"};

	for (size_t i = 0; i < n;) {
		size_t k = 0;

		while (i < n && !isalpha((unsigned char)s[i]) && (unsigned char)s[i] < 0x80)
			i++;
		while (i + k < n &&
		       (isalpha((unsigned char)s[i + k]) || (unsigned char)s[i + k] >= 0x80 ||
		        s[i + k] == '\'' || s[i + k] == '-'))
			k++;
		if (k == 0)
			break;
		for (size_t w = 0; w < ARRAY_SIZE(wanting); w++)
			if (strlen(wanting[w]) == k && strncasecmp(s + i, wanting[w], k) == 0)
				return 0;
		/* a capitalised word that is not the lead's own name: someone else */
		if (isupper((unsigned char)s[i]) && !(k == 1 && s[i] == 'I') &&
		    !(l->name && find_word(l->name, strlen(l->name), s + i, k) >= 0))
			return 0;
		i += k;
	}
	return 1;
}

/*
 * Is lead l presented as someone for the business rather than a client of
 * it: "Dan, meet Lisa Park - the accountant I was telling you about",
 * "Rebecca is the construction attorney who helped us with the lien mess"?
 * A trade or profession the business would hire within six words after
 * the lead's name, and in that sentence or the next what such people are
 * recommended by ("I was telling you about", "who helped us", "has done
 * my books", "works with a lot of contractors").  "The friend I was
 * telling you about" is a client's intro: relations are no profession
 * here.  Sets *said to the profession.
 */
static int provider_lead(const char *text, size_t len, const struct intake_lead *l,
                         const char **said)
{
	static const char *const trades[] = {"accountant",
	                                     "CPA",
	                                     "bookkeeper",
	                                     "lawyer",
	                                     "attorney",
	                                     "solicitor",
	                                     "paralegal",
	                                     "insurance agent",
	                                     "insurance broker",
	                                     "financial advisor",
	                                     "financial adviser",
	                                     "financial planner",
	                                     "banker",
	                                     "lender",
	                                     "loan officer",
	                                     "mortgage broker",
	                                     "business coach",
	                                     "consultant",
	                                     "marketing consultant",
	                                     "web designer",
	                                     "web developer",
	                                     "recruiter",
	                                     "headhunter",
	                                     "supplier",
	                                     "vendor",
	                                     "distributor",
	                                     "subcontractor",
	                                     "sub",
	                                     "electrician",
	                                     "plumber",
	                                     "architect",
	                                     "engineer",
	                                     "estimator",
	                                     "photographer",
	                                     "IT guy",
	                                     "IT person",
	                                     "tax guy",
	                                     "tax preparer",
	                                     "tax advisor",
	                                     "payroll"};
	static const char *const cues[] = {"I was telling you about",
	                                   "I told you about",
	                                   "I mentioned",
	                                   "I've mentioned",
	                                   "I was talking about",
	                                   "I talked about",
	                                   "who helped us",
	                                   "who helped me",
	                                   "who has helped us",
	                                   "who's helped us",
	                                   "who did our",
	                                   "who did my",
	                                   "who does our",
	                                   "who does my",
	                                   "who handles our",
	                                   "who handles my",
	                                   "who handled our",
	                                   "done my books",
	                                   "done our books",
	                                   "done my taxes",
	                                   "done our taxes",
	                                   "does my books",
	                                   "does our books",
	                                   "does my taxes",
	                                   "does our taxes",
	                                   "works with a lot of",
	                                   "works with lots of",
	                                   "works with many",
	                                   "works with other",
	                                   "works with small",
	                                   "works with contractors",
	                                   "great for reviewing",
	                                   "help you with your books",
	                                   "help with your books"};
	const char *first = l->name;
	size_t n = first ? strcspn(first, " ,") : 0;

	if (n < 3)
		return 0;
	for (size_t from = 0; from < len;) {
		long at = find_word(text + from, len - from, first, n);
		size_t e, words = 0, i, end, next;

		if (at < 0)
			return 0;
		e = from + (size_t)at + n;
		from = e;
		/* the six words after the name */
		for (i = e; i < len && words < 7 && text[i] != '\n' && text[i] != '.'; i++)
			if (text[i] == ' ' && i + 1 < len && text[i + 1] != ' ')
				words++;
		for (size_t t = 0; t < ARRAY_SIZE(trades); t++) {
			long tp = find_word(text + e, i - e, trades[t], strlen(trades[t]));

			if (tp < 0 || !describes_lead(text + e, (size_t)tp, l))
				continue;
			end = sentence_end_at(text, len, e);
			next = end < len ? sentence_end_at(text, len, end + 1) : len;
			for (size_t c = 0; c < ARRAY_SIZE(cues); c++)
				if (has_words(text + e, next - e, cues[c])) {
					*said = trades[t];
					return 1;
				}
		}
	}
	return 0;
}

const char *intake_provider_in(const char *text, const struct intake_decision *d)
{
	const char *said = NULL;
	size_t len;

	if (text == NULL)
		return NULL;
	len = strlen(text);

	if (len > CONTEXT_SCAN_MAX)
		len = CONTEXT_SCAN_MAX;
	for (size_t i = 0; i < d->nleads; i++)
		if (provider_lead(text, len, &d->leads[i], &said))
			return said;
	return NULL;
}

/* ---- the details of each lead ---- */

/* The words a lead is called by in a text: the name's first and last word,
 * the address's local part ("bob" of bob.smith@). */
struct callname {
	const char *w[3];
	size_t n[3];
};

static void callnames(const struct intake_lead *l, struct callname *c)
{
	memset(c, 0, sizeof(*c));
	if (l->name) {
		const char *s = l->name, *last;
		size_t n = strcspn(s, " ,");

		c->w[0] = s, c->n[0] = n;
		last = strrchr(s, ' ');
		if (last && last[1])
			c->w[1] = last + 1, c->n[1] = strlen(last + 1);
	}
	if (l->email)
		c->w[2] = l->email, c->n[2] = strcspn(l->email, "._-+@");
}

/* Where lead l is first named in s[0..len), or -1. */
static long mention(const struct callname *c, const char *s, size_t len)
{
	long best = -1;

	for (size_t k = 0; k < 3; k++) {
		long at = c->w[k] ? find_word(s, len, c->w[k], c->n[k]) : -1;

		if (at >= 0 && (best < 0 || at < best))
			best = at;
	}
	return best;
}

static int says_both(const char *s, size_t len)
{
	static const char *const words[] = {
	        "both",        "beide",   "beiden",        "ambos",           "ambas",
	        "los dos",     "las dos", "tous les deux", "toutes les deux", "entrambi",
	        "tutti e due", "allebei", "each of them",  "all of them"};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (find_word(s, len, words[i], strlen(words[i])) >= 0)
			return 1;
	return 0;
}

/* The end of the sentence starting at s: after ". ", "! ", "? ", ";", or
 * at a line end. */
/* A line of plain text wrapped at about 72 columns goes on on the next
 * line ("Mark wants new windows throughout the house (call him at" /
 * "650-555-0101)"): a line end ends the sentence only after this many
 * bytes of it, when the line does not end a sentence itself and the next
 * is no list item, blank line or quote. */
#define WRAPPED_MIN 50

static int wraps_on(const char *s, size_t i, size_t len)
{
	size_t p = i, q = i + 1;

	while (p > 0 && (s[p - 1] == ' ' || s[p - 1] == '\r'))
		p--;
	if (i < WRAPPED_MIN || p == 0 || strchr(".!?:;", s[p - 1]) || q >= len)
		return 0;
	if (s[q] == '\n' || s[q] == '-' || s[q] == '*' || s[q] == '>' || s[q] == ' ' ||
	    (unsigned char)s[q] == 0xE2 /* "•", "–" */)
		return 0;
	while (q < len && s[q] >= '0' && s[q] <= '9')
		q++;
	return !(q > i + 1 && q < len && (s[q] == '.' || s[q] == ')'));
}

static size_t sentence_len(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' && wraps_on(s, i, len))
			continue;
		if (s[i] == '\n' || s[i] == ';')
			return i + 1;
		if ((s[i] == '.' || s[i] == '!' || s[i] == '?') &&
		    (i + 1 == len || s[i + 1] == ' ' || s[i + 1] == '\n'))
			return i + 1;
	}
	return len;
}

static void add_part(struct buf *b, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\n'))
		s++, n--;
	if (n == 0)
		return;
	if (b->len)
		buf_addc(b, ' ');
	buf_add(b, s, n);
}

/* Sorts the sentences of text into each lead's text and the shared text. */
static void split_by_lead(const struct intake_decision *d, const char *text, struct buf *own,
                          struct buf *shared)
{
	struct callname *cn = xcalloc(d->nleads, sizeof(*cn));
	size_t len = strlen(text), cur = SIZE_MAX;

	if (len > CONTEXT_SCAN_MAX)
		len = CONTEXT_SCAN_MAX;
	for (size_t i = 0; i < d->nleads; i++)
		callnames(&d->leads[i], &cn[i]);
	for (size_t pos = 0; pos < len;) {
		const char *s = text + pos;
		size_t n = sentence_len(s, len - pos), named = 0, first = SIZE_MAX;
		long at[16];

		for (size_t i = 0; i < d->nleads && i < ARRAY_SIZE(at); i++) {
			at[i] = mention(&cn[i], s, n);
			if (at[i] >= 0) {
				named++;
				if (first == SIZE_MAX || at[i] < at[first])
					first = i;
			}
		}
		if (named >= 2 && !says_both(s, n)) {
			/* "Bob's number is P and Alice's is Q": each from where
			 * it is named to where the next one is */
			for (size_t i = 0; i < d->nleads && i < ARRAY_SIZE(at); i++) {
				size_t from, to = n;

				if (at[i] < 0)
					continue;
				from = (size_t)at[i];
				for (size_t j = 0; j < d->nleads && j < ARRAY_SIZE(at); j++)
					if (at[j] > at[i] && (size_t)at[j] < to)
						to = (size_t)at[j];
				add_part(&own[i], s + from, to - from);
				cur = i;
			}
		} else if (named == 1 && !says_both(s, n)) {
			add_part(&own[first], s, n);
			cur = first;
		} else if (named == 0 && cur != SIZE_MAX && !says_both(s, n)) {
			add_part(&own[cur], s, n); /* "his number is ...": the last one named */
		} else {
			add_part(shared, s, n);
		}
		pos += n;
	}
	free(cn);
}

static char *take(struct filter_result *fr, enum filter_field_id f)
{
	char *v = fr->fields[f];

	fr->fields[f] = NULL;
	return v;
}

static void details_of_each(const struct intake *in, const struct message *m,
                            struct intake_decision *d)
{
	struct buf *own = xcalloc(d->nleads, sizeof(*own)), shared = {0};
	char *shared_need = NULL;

	split_by_lead(d, m->context ? m->context : "", own, &shared);
	if (shared.len) {
		struct filter_result fr = {0};

		filter_run_context_fields(in->filters, shared.s, 1u << FF_NEED, &fr);
		shared_need = take(&fr, FF_NEED);
		filter_result_clear(&fr);
	}
	for (size_t i = 0; i < d->nleads; i++) {
		struct intake_lead *l = &d->leads[i];
		struct filter_result fr = {0};
		/* the fields taken below */
		unsigned want = (l->phone ? 0 : 1u << FF_LEAD_PHONE) |
		                (l->company ? 0 : 1u << FF_LEAD_COMPANY) |
		                (l->need ? 0 : 1u << FF_NEED);

		if (own[i].len == 0 || want == 0) {
			if (!l->need && shared_need)
				l->need = xstrdup(shared_need);
			buf_free(&own[i]);
			continue;
		}
		filter_run_context_fields(in->filters, own[i].s, want, &fr);
		if (!l->phone)
			l->phone = take(&fr, FF_LEAD_PHONE);
		if (!l->company)
			l->company = take(&fr, FF_LEAD_COMPANY);
		if (!l->need)
			l->need = take(&fr, FF_NEED);
		if (!l->need && shared_need)
			l->need = xstrdup(shared_need);
		filter_result_clear(&fr);
		buf_free(&own[i]);
	}
	/* the decision's need is what they share, never one lead's */
	free(d->need);
	d->need = shared_need;
	buf_free(&shared);
	free(own);
}

void intake_lead_details(const struct intake *in, const struct message *m,
                         struct intake_decision *d)
{
	if (d->nleads == 1) {
		struct intake_lead *l = &d->leads[0];
		const char *named = intake_field(d, FF_LEAD_NAME);

		if (!l->phone)
			l->phone = xstrdup(intake_field(d, FF_LEAD_PHONE));
		if (!l->company)
			l->company = xstrdup(intake_field(d, FF_LEAD_COMPANY));
		/* not from a text in capitals, where every word looks like a
		 * name ("MY NEIGHBOR LUCY BENNETT NEEDS HER FENCE") */
		if (!l->name && named && strpbrk(named, "abcdefghijklmnopqrstuvwxyz") &&
		    (!l->email || intake_name_fits(named, l->email, m->context)))
			l->name = xstrdup(named);
	} else if (d->nleads > 1 && in->filters) {
		details_of_each(in, m, d);
	}
	for (size_t i = 0; i < d->nleads; i++)
		if (!d->leads[i].name && d->leads[i].email)
			d->leads[i].name = intake_name_from_address(d->leads[i].email, m->context);
}
