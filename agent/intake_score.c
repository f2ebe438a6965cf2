/*
 * intake_score.c - the evidence that a mail introduces its leads, and the
 * confidence it adds up to (README "Intake rules").
 *
 * A stock phrase ("I'd like to introduce you to") is good evidence but far
 * from the only one: people write "bob - these are the guys who did our
 * deck" with the business in Cc and nothing more.  The structure of such a
 * mail says as much as a phrase: the agent copied rather than addressed,
 * one or two outside people in To, a greeting naming one of them, the
 * business named in the text.  Counter-signs weigh against: a reply in a
 * thread the agent never saw, a group mail, the business writing itself,
 * a calendar invitation, a mail that never reached the agent's address.
 * The rules add their own evidence with `score` (phrases in each language,
 * vouching, patches, sales pitches).
 *
 * Every piece is a weight and a reason; the reasons are stored with the
 * referral and shown by `filters test` and `show`, so a hold or a miss can
 * be explained and a rule tuned.  The weights are small integers on
 * purpose: a reader can add them up.
 */
#include "intake_p.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "names.h"

#define EVIDENCE_MAX 32   /* pieces kept per message */
#define SCAN_MAX     8192 /* bytes of the text searched for names */

void intake_evidence(struct intake_decision *d, int weight, const char *fmt, ...)
{
	va_list ap;

	if (d->nevidence >= EVIDENCE_MAX)
		return;
	d->evidence = xrealloc(d->evidence, (d->nevidence + 1) * sizeof(*d->evidence));
	d->evidence[d->nevidence].weight = weight;
	va_start(ap, fmt);
	d->evidence[d->nevidence].why = xvasprintf_max(300, fmt, ap);
	va_end(ap);
	d->nevidence++;
	d->confidence += weight;
}

/* "%+d" of w, without a printf per piece of evidence (a dozen for each
 * referral, on `ingest`'s writer thread). */
static void add_weight(struct buf *b, int w)
{
	char s[16];
	size_t i = sizeof(s);
	unsigned u = w < 0 ? 0u - (unsigned)w : (unsigned)w;

	do
		s[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	s[--i] = w < 0 ? '-' : '+';
	buf_add(b, s + i, sizeof(s) - i);
}

char *intake_evidence_text(const struct intake_decision *d)
{
	struct buf b = {0};

	for (size_t i = 0; i < d->nevidence; i++) {
		if (b.len)
			buf_adds(&b, "; ");
		add_weight(&b, d->evidence[i].weight);
		buf_addc(&b, ' ');
		buf_adds(&b, d->evidence[i].why ? d->evidence[i].why : "(null)");
	}
	return b.len ? buf_steal(&b) : NULL;
}

/* ---- reading names in a text ---- */

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

/* Is w (n bytes) a whole word of s[0..len), ASCII case ignored? */
static int has_word(const char *s, size_t len, const char *w, size_t n)
{
	return intake_find_word(s, len, w, n) >= 0;
}

/* Is the word s[0..k) one of a greeting's that begin names: "Hi all" is
 * not Allison, nor "Hi there" Theresa? */
static int greeting_filler(const char *s, size_t k)
{
	static const char *const fillers[] = {"all",   "there",    "team",      "both",    "guys",
	                                      "folks", "everyone", "everybody", "friends", "you"};

	for (size_t f = 0; f < ARRAY_SIZE(fillers); f++)
		if (strlen(fillers[f]) == k && strncasecmp(s, fillers[f], k) == 0)
			return 1;
	return 0;
}

/* Is a word of s[0..len) the name word w (n bytes), as names_same reads
 * them ("Hi Bob," for Robert)? */
static int has_name(const char *s, size_t len, const char *w, size_t n)
{
	for (size_t i = 0; i < len;) {
		size_t k = 0;

		while (i < len && !word_char((unsigned char)s[i]))
			i++;
		while (i + k < len && word_char((unsigned char)s[i + k]))
			k++;
		if (k > 0 && names_same(s + i, k, w, n) &&
		    (!greeting_filler(s + i, k) || (k == n && strncasecmp(s + i, w, n) == 0)))
			return 1;
		i += k;
	}
	return 0;
}

/* Does the greeting line s[0..len) name lead l: a word of the name of
 * three letters or more ("Hi Bob", "Dear Ms Okafor"), or the address's
 * local part up to a '.', '_' or '-' ("bob.smith@" -> bob)?  Sets *w and
 * *n to the word. */
static int greets(const char *s, size_t len, const struct intake_lead *l, const char **w, size_t *n)
{
	for (const char *p = l->name; p && *p;) {
		size_t k;

		while (*p == ' ' || *p == '"' || *p == '\'' || *p == ',' || *p == '(')
			p++;
		k = strcspn(p, " ,\"'()");
		if (k >= 3 && has_name(s, len, p, k)) {
			*w = p, *n = k;
			return 1;
		}
		p += k;
	}
	if (l->email) {
		size_t k = strcspn(l->email, "._-+@");

		if (k >= 3 && has_word(s, len, l->email, k)) {
			*w = l->email, *n = k;
			return 1;
		}
	}
	return 0;
}

/* ---- the pieces of evidence ---- */

static int list_has_agent(const struct config *cfg, const struct addr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].email && config_is_agent(cfg, l->v[i].email))
			return 1;
	return 0;
}

/* Whether address e is in To before index i of list l (0 To, 1 Cc), or in
 * an earlier place of Cc: a client both in To and in Cc is one person. */
static int named_before(const struct message *m, size_t l, size_t i, const char *e)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};

	for (size_t k = 0; k <= l; k++)
		for (size_t j = 0; j < (k == l ? i : lists[k]->n); j++)
			if (str_ieq(lists[k]->v[j].email, e))
				return 1;
	return 0;
}

/* Outside recipients in To and Cc (not the agent, the business, a rep or
 * the sender), each person once. */
static size_t outside_recipients(const struct config *cfg, const struct message *m)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};
	size_t n = 0;

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *e = lists[l]->v[i].email;

			n += e && !intake_excluded(cfg, e, m->from.email) &&
			     !named_before(m, l, i, e);
		}
	return n;
}

/* Everyone in To and Cc but the agent and the sender (reps and colleagues
 * too: a mail to a rep with the agent copied is not to the agent alone). */
static size_t others_addressed(const struct config *cfg, const struct message *m)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};
	size_t n = 0;

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *e = lists[l]->v[i].email;

			n += e && !config_is_agent(cfg, e) && !str_ieq(e, m->from.email);
		}
	return n;
}

/* Mail providers anyone can have an address at: the same one for the
 * sender and a lead says nothing about who they work for.  The big ones
 * under any country's domain ("yahoo.co.uk", "hotmail.fr", "gmx.at"), and
 * the providers and ISPs of the countries whose languages the rules read
 * and their neighbours. */
int intake_public_domain(const char *domain)
{
	static const char *const brands[] = {"gmail.",      "googlemail.", "outlook.", "hotmail.",
	                                     "live.",       "msn.",        "yahoo.",   "ymail.",
	                                     "aol.",        "gmx.",        "icloud.",  "proton.",
	                                     "protonmail.", "yandex.",     "zoho.",    "mail."};
	static const char *const providers[] = {
	        "me.com", "mac.com", "pm.me", "web.de", "t-online.de", "freenet.de", "posteo.de",
	        "posteo.net", "mailbox.org", "tutanota.com", "tuta.io", "fastmail.com", "hey.com",
	        "rocketmail.com", "btinternet.com", "sky.com", "virginmedia.com", "orange.fr",
	        "free.fr", "sfr.fr", "wanadoo.fr", "laposte.net", "libero.it", "virgilio.it",
	        "alice.it", "tiscali.it", "tin.it", "telefonica.net", "terra.com.br", "uol.com.br",
	        "bol.com.br", "sapo.pt", "ziggo.nl", "kpnmail.nl", "planet.nl", "hetnet.nl",
	        "xs4all.nl", "home.nl", "telenet.be", "skynet.be", "bluewin.ch", "telia.com",
	        "telia.se", "bredband.net", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "seznam.cz",
	        "comcast.net", "sbcglobal.net", "att.net", "verizon.net", "cox.net", "charter.net",
	        "earthlink.net", "bellsouth.net", "shaw.ca", "rogers.com", "sympatico.ca",
	        "bigpond.com", "optusnet.com.au", "qq.com", "163.com", "naver.com", "rambler.ru",
	        /* more countries' mail providers and ISPs */
	        "aim.com", "juno.com", "netzero.net", "optonline.net", "rr.com", "roadrunner.com",
	        "frontier.com", "centurylink.net", "windstream.net", "telus.net", "videotron.ca",
	        "cogeco.ca", "xtra.co.nz", "iinet.net.au", "tpg.com.au", "ntlworld.com",
	        "talktalk.net", "blueyonder.co.uk", "virgin.net", "eircom.net", "arcor.de",
	        "vodafone.de", "tutanota.de", "mailfence.com", "op.pl", "vp.pl", "tlen.pl",
	        "gazeta.pl", "poczta.fm", "centrum.cz", "email.cz", "volny.cz", "atlas.cz",
	        "azet.sk", "centrum.sk", "post.sk", "zoznam.sk", "freemail.hu", "citromail.hu",
	        "inbox.lv", "inbox.lt", "one.lt", "hot.ee", "neti.ee", "abv.bg", "ukr.net", "i.ua",
	        "meta.ua", "bk.ru", "list.ru", "inbox.ru", "ya.ru", "kolumbus.fi", "luukku.com",
	        "suomi24.fi", "online.no", "start.no", "jubii.dk", "ofir.dk", "spray.se",
	        "otenet.gr", "mynet.com", "superonline.com", "walla.co.il", "walla.com",
	        "bezeqint.net", "netvision.net.il", "rediffmail.com", "126.com", "sina.com",
	        "sohu.com", "yeah.net", "foxmail.com", "aliyun.com", "139.com", "daum.net",
	        "hanmail.net", "nate.com", "kakao.com", "docomo.ne.jp", "ezweb.ne.jp",
	        "softbank.ne.jp", "i.softbank.jp", "au.com", "nifty.com", "ocn.ne.jp",
	        /* reserved for documentation (RFC 2606): no company's */
	        "example.com", "example.net", "example.org"};

	for (size_t i = 0; i < ARRAY_SIZE(brands); i++) {
		/* the brand, then a country's domain: "fr", "de", "co.uk",
		 * "com.br" */
		const char *tld = domain + strlen(brands[i]);

		if (!str_istarts(domain, brands[i]))
			continue;
		if (str_istarts(tld, "co.") || str_istarts(tld, "com."))
			tld = strchr(tld, '.') + 1;
		if (*tld && strchr(tld, '.') == NULL)
			return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(providers); i++)
		if (str_ieq(domain, providers[i]))
			return 1;
	return 0;
}

/* Every lead at the sender's own company: colleagues on a thread of
 * theirs ("Mark, can you send Brightpath the plans?") more often than an
 * introduction. */
static void score_colleagues(const struct message *m, struct intake_decision *d)
{
	const char *dom = addr_domain(m->from.email);

	if (*dom == '\0' || intake_public_domain(dom) || d->nleads == 0)
		return;
	for (size_t i = 0; i < d->nleads; i++)
		if (!d->leads[i].email || !str_ieq(addr_domain(d->leads[i].email), dom))
			return;
	intake_evidence(d, -2, "the leads work with the sender (%s)", dom);
}

/* Where the agent is among the recipients: the structure of an intro is
 * the agent copied (Cc, or Bcc: only in Delivered-To and the like) and the
 * lead addressed. */
static void score_recipients(const struct config *cfg, const struct message *m,
                             struct intake_decision *d, enum lead_source src)
{
	int to = list_has_agent(cfg, &m->to), cc = list_has_agent(cfg, &m->cc);
	int bcc = !to && !cc && list_has_agent(cfg, &m->delivered_to);

	if (!to && !cc && !bcc) {
		intake_evidence(d, -3,
		                "the agent is in no recipient header: a thread that never "
		                "involved the business");
		return;
	}
	if (src != LEADS_HEADERS) {
		if (others_addressed(cfg, m) == 0)
			intake_evidence(d, +1, "sent to the referral address alone");
		if (src != LEADS_WRITER)
			score_colleagues(m, d); /* "introducing Jenna (jenna@our-firm)" */
		return;
	}
	if (cc && !to)
		intake_evidence(d, +2, "the agent in Cc, the lead addressed");
	else if (bcc)
		intake_evidence(d, +2, "the agent in Bcc, the lead addressed");
	else
		intake_evidence(d, +1, "the agent addressed beside the lead");
	if (d->nleads <= 2)
		intake_evidence(d, +1, "%s outside %s addressed", d->nleads == 1 ? "one" : "two",
		                d->nleads == 1 ? "person" : "people");
	else
		intake_evidence(d, -1, "%zu outside recipients: a group mail", d->nleads);
	score_colleagues(m, d);
}

/* The greeting of a first line: up to its first comma, colon, '!' or
 * sentence end, or " - " ("Hi Bob,", "bob - these are...", "Kyle &
 * Acme —"), at most GREETING_MAX bytes; "Tom, we went with Mike's tile"
 * greets Tom only. */
#define GREETING_MAX 60

static size_t greeting_len(const char *s, size_t len)
{
	if (len > GREETING_MAX)
		len = GREETING_MAX;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ',' || s[i] == ':' || s[i] == '!' || s[i] == ';' || s[i] == '?')
			return i;
		if (s[i] == '.' && (i + 1 == len || s[i + 1] == ' ')) {
			size_t w = i;

			while (w > 0 && s[w - 1] != ' ')
				w--;
			if (i - w > 3) /* not "Mr." or "Dr." */
				return i;
		}
		if (s[i] == ' ' && i + 2 < len &&
		    (s[i + 1] == '-' || (unsigned char)s[i + 1] == 0xE2))
			return i; /* " -", " –", " —" */
	}
	return len;
}

/* The greeting that opens m's context ("Hi Bob,", "bob -"): *s_r and
 * its length (0: none). */
static size_t greeting(const struct message *m, const char **s_r)
{
	const char *s = m->context ? m->context : "";

	while (*s == '\n' || *s == ' ')
		s++;
	*s_r = s;
	return greeting_len(s, strcspn(s, "\n"));
}

size_t intake_greeted(const struct message *m, const struct intake_decision *d)
{
	const char *s, *w;
	size_t len = greeting(m, &s), n;

	for (size_t i = 0; len > 0 && i < d->nleads; i++)
		if (greets(s, len, &d->leads[i], &w, &n))
			return i;
	return SIZE_MAX;
}

/* Does name (or, with no name, the local part of email up to a '.', '_'
 * or '-') have a word that is the name word w (n bytes)? */
static int person_has_name(const char *name, const char *email, const char *w, size_t n)
{
	for (const char *p = name; p && *p;) {
		size_t k;

		while (*p == ' ' || *p == '"' || *p == '\'' || *p == ',' || *p == '(')
			p++;
		k = strcspn(p, " ,\"'()");
		if (k > 0 && names_same(p, k, w, n))
			return 1;
		p += k;
	}
	if (email && str_blank(name)) {
		size_t k = strcspn(email, "._-+@");

		return k > 0 && names_same(email, k, w, n);
	}
	return 0;
}

static int list_has_name(const struct addr_list *l, const char *w, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (person_has_name(l->v[i].name, l->v[i].email, w, n))
			return 1;
	return 0;
}

/* With name NULL: how many words the greeting s[0..len) has.  Else
 * whether a word of it is a word of name (three letters or more) or a short
 * form of one ("Tom" for Thomas, never "Tomasz" or "tomorrow" for Tom, nor
 * "all" for Allison); sets *w and *n to the name's word. */
static size_t greeting_rep_word(const char *s, size_t len, const char *name, const char **w,
                                size_t *n)
{
	size_t words = 0;

	for (size_t i = 0; i < len;) {
		size_t k = 0;

		while (i < len && !word_char((unsigned char)s[i]))
			i++;
		while (i + k < len && word_char((unsigned char)s[i + k]))
			k++;
		if (k == 0)
			break;
		words++;
		for (const char *p = name; p && *p && !greeting_filler(s + i, k);) {
			size_t rk;

			while (*p == ' ' || *p == '"' || *p == '\'' || *p == ',' || *p == '(')
				p++;
			rk = strcspn(p, " ,\"'()");
			if (rk >= 3 && names_same(s + i, k, p, rk) &&
			    !(k > rk && strncasecmp(s + i, p, rk) == 0)) {
				*w = p, *n = rk;
				return 1;
			}
			p += rk;
		}
		i += k;
	}
	return name ? 0 : words;
}

/* Whether the name word w (n bytes) is another person's of the mail: a
 * lead, the writer, someone addressed who is no rep, someone of a forward
 * ("Hi Tom," to the lead Tom Baker): then it does not pick a rep. */
static int name_of_other(const struct config *cfg, const struct message *m,
                         const struct intake_decision *d, const char *w, size_t n)
{
	for (size_t i = 0; i < d->nleads; i++)
		if (person_has_name(d->leads[i].name, d->leads[i].email, w, n))
			return 1;
	if (person_has_name(d->referrer_name, NULL, w, n) ||
	    person_has_name(m->from.name, m->from.email, w, n))
		return 1;
	for (size_t i = 0; i < m->to.n + m->cc.n; i++) {
		const struct addr *a = i < m->to.n ? &m->to.v[i] : &m->cc.v[i - m->to.n];

		if (config_find_rep(cfg, a->email) == NULL &&
		    person_has_name(a->name, a->email, w, n))
			return 1;
	}
	for (size_t f = 0; f < m->nfwd; f++)
		if (list_has_name(&m->fwd[f].to, w, n) ||
		    person_has_name(m->fwd[f].from.name, m->fwd[f].from.email, w, n))
			return 1;
	return 0;
}

/* The words that send the lead to one person: "Ask for Marisol", "ask to
 * speak with Dale", "reach out to Kyle directly".  None of them can
 * start inside another, or inside itself. */
static const char *const asked_cues[] = {
        "ask for ",        "asking for ",   "ask to speak to ",   "ask to speak with ",
        "ask to talk to ", "reach out to ", "get in touch with ", NULL};

/* The length of the cue that starts at p, 0 for none. */
static size_t asked_cue(const char *p)
{
	for (size_t c = 0; asked_cues[c]; c++) {
		size_t cl = strlen(asked_cues[c]);

		if (tolower((unsigned char)*p) == asked_cues[c][0] &&
		    strncasecmp(p, asked_cues[c], cl) == 0)
			return cl;
	}
	return 0;
}

/* The text is read once, each word start tried against every cue: seven
 * strcasestr passes over the context were a tenth of choose_rep's writer
 * time.  Which cue a name follows, and in which order, does not change
 * the answer.  Marks asked[r] for each rep so named. */
static void asked_reps(const struct config *cfg, const struct message *m, unsigned char *asked)
{
	const char *text = m->context ? m->context : "";

	for (const char *p = text; *p; p++) {
		const char *name;
		size_t cl, k = 0;

		if ((p > text && word_char((unsigned char)p[-1])) || (cl = asked_cue(p)) == 0)
			continue;
		name = p + cl;
		while (word_char((unsigned char)name[k]))
			k++;
		if (k < 3 || !isupper((unsigned char)name[0]))
			continue;
		for (size_t r = 0; r < cfg->nreps; r++) {
			const char *rw = cfg->reps[r].name;
			size_t rn = rw ? strcspn(rw, " ,\"'()") : 0;

			if (rn >= 3 && names_same(name, k, rw, rn))
				asked[r] = 1;
		}
	}
}

/* Does the word s[i..i+k) of text[0..len) open a sentence and a question
 * or an aside: "Will you call her?", "May I ask": not a name there. */
static int opens_question(const char *text, size_t len, size_t i, size_t k)
{
	static const char *const next[] = {"you", "i",    "we",   "they",  "he", "she",
	                                   "it",  "this", "that", "there", "be", "not"};
	size_t j = i, n = 0;

	while (j > 0 && (text[j - 1] == ' ' || text[j - 1] == '\t'))
		j--;
	if (j > 0 && !strchr(".!?\n", text[j - 1]))
		return 0;
	for (j = i + k; j < len && text[j] == ' '; j++)
		;
	while (j + n < len && word_char((unsigned char)text[j + n]))
		n++;
	for (size_t w = 0; w < ARRAY_SIZE(next); w++)
		if (strlen(next[w]) == n && strncasecmp(text + j, next[w], n) == 0)
			return 1;
	return 0;
}

/* Does s[0..len), after a name, place that person somewhere else: "Ana
 * from the school board", "Tom at the bank"?  "Tom from your team", "Ana at
 * Brightpath" keep them the business's. */
static int from_elsewhere(const struct config *cfg, const char *s, size_t len)
{
	static const char *const at[] = {" from ", " at ", " of ", " with "};
	static const char *const ours[] = {"your", "their", "you", "the business"};
	size_t n = cfg->name ? strcspn(cfg->name, " ,") : 0;

	for (size_t a = 0; a < ARRAY_SIZE(at); a++) {
		size_t al = strlen(at[a]);

		if (len <= al || strncasecmp(s, at[a], al) != 0)
			continue;
		s += al, len -= al;
		for (size_t o = 0; o < ARRAY_SIZE(ours); o++) {
			size_t ol = strlen(ours[o]);

			if (len >= ol && strncasecmp(s, ours[o], ol) == 0 &&
			    (len == ol || !word_char((unsigned char)s[ol])))
				return 0;
		}
		return !(n >= 4 && len >= n && strncasecmp(s, cfg->name, n) == 0);
	}
	return 0;
}

/* Marks mentioned[r] for each rep whose first name is a word of the
 * intro's text (a capital first, not opening a question, not placed
 * elsewhere: "Ana from the school board"). */
static void mentioned_reps(const struct config *cfg, const struct message *m,
                           unsigned char *mentioned)
{
	const char *text = m->context ? m->context : "";
	size_t len = strlen(text);

	if (len > SCAN_MAX)
		len = SCAN_MAX;
	for (size_t i = 0; i < len;) {
		size_t k = 0;

		while (i < len && !word_char((unsigned char)text[i]))
			i++;
		while (i + k < len && word_char((unsigned char)text[i + k]))
			k++;
		if (k < 3 || !isupper((unsigned char)text[i]) || opens_question(text, len, i, k) ||
		    from_elsewhere(cfg, text + i + k, len - i - k)) {
			i += k;
			continue;
		}
		for (size_t r = 0; r < cfg->nreps; r++) {
			const char *rw = cfg->reps[r].name;
			size_t rn = rw ? strcspn(rw, " ,\"'()") : 0;

			/* "Tom" for Thomas, never "Tomasz" for Tom */
			if (rn >= 3 && names_same(text + i, k, rw, rn) &&
			    !(k > rn && strncasecmp(text + i, rw, rn) == 0))
				mentioned[r] = 1;
		}
		i += k;
	}
}

/* The one rep greeted by the greeting that opens the text (*w, *n: the
 * word of the rep's name), or NULL (none, two, or a sentence). */
static const struct rep *greeted_cue(const struct config *cfg, const struct message *m,
                                     const char **w_r, size_t *n_r)
{
	const struct rep *found = NULL;
	const char *s, *w = NULL;
	size_t len = greeting(m, &s), n = 0;

	*w_r = NULL, *n_r = 0;
	if (len == 0 || greeting_rep_word(s, len, NULL, NULL, NULL) > 4)
		return NULL; /* a sentence ("Stop by our place tomorrow at 10,") */
	for (size_t r = 0; r < cfg->nreps; r++) {
		const char *rw;
		size_t rn;

		if (!greeting_rep_word(s, len, cfg->reps[r].name, &rw, &rn))
			continue;
		if (found != NULL)
			return NULL; /* "Hi Tom and Ana": not one rep */
		found = &cfg->reps[r], w = rw, n = rn;
	}
	*w_r = w, *n_r = n;
	return found;
}

void intake_rep_cues(const struct config *cfg, const struct message *m, struct intake_rep_cues *c)
{
	memset(c, 0, sizeof(*c));
	if (cfg->nreps == 0)
		return;
	c->asked = xcalloc(cfg->nreps, 1);
	c->mentioned = xcalloc(cfg->nreps, 1);
	c->greeted = greeted_cue(cfg, m, &c->greeted_w, &c->greeted_n);
	asked_reps(cfg, m, c->asked);
	mentioned_reps(cfg, m, c->mentioned);
}

void intake_rep_cues_clear(struct intake_rep_cues *c)
{
	free(c->asked);
	free(c->mentioned);
	memset(c, 0, sizeof(*c));
}

/* The one rep of the marked ones (marks NULL: none) no other person of the
 * mail could be, NULL for none or two.  Whether another person has the
 * rep's name does not depend on where the text names the rep, so this is
 * what reading the text word by word and checking each rep named gave. */
static const struct rep *one_rep(const struct config *cfg, const struct message *m,
                                 const struct intake_decision *d, const unsigned char *marks)
{
	const struct rep *found = NULL;

	for (size_t r = 0; marks && r < cfg->nreps; r++) {
		const char *rw = cfg->reps[r].name;
		size_t rn = rw ? strcspn(rw, " ,\"'()") : 0;

		if (!marks[r] || name_of_other(cfg, m, d, rw, rn))
			continue;
		if (found)
			return NULL; /* "Tom or Ana": not one rep */
		found = &cfg->reps[r];
	}
	return found;
}

const struct rep *intake_asked_rep(const struct config *cfg, const struct message *m,
                                   const struct intake_decision *d, const struct intake_rep_cues *c)
{
	return one_rep(cfg, m, d, c->asked);
}

const struct rep *intake_mentioned_rep(const struct config *cfg, const struct message *m,
                                       const struct intake_decision *d,
                                       const struct intake_rep_cues *c)
{
	return one_rep(cfg, m, d, c->mentioned);
}

/* a lead, the writer or another person of the mail called that too ("Hi
 * Tom," to the lead Tom Baker): the greeting is theirs */
const struct rep *intake_greeted_rep(const struct config *cfg, const struct message *m,
                                     const struct intake_decision *d,
                                     const struct intake_rep_cues *c)
{
	if (c->greeted == NULL || name_of_other(cfg, m, d, c->greeted_w, c->greeted_n))
		return NULL;
	return c->greeted;
}

/* "Hi Bob," / "bob -" / "Hallo Bob und Alice": the greeting that opens
 * the text names a lead. */
static void score_greeting(const struct message *m, struct intake_decision *d)
{
	const char *s, *w = NULL;
	size_t len = greeting(m, &s), n = 0;

	for (size_t i = 0; len > 0 && i < d->nleads; i++) {
		if (greets(s, len, &d->leads[i], &w, &n)) {
			intake_evidence(d, +1, "the greeting names %.*s", (int)n, w);
			return;
		}
	}
}

/* The business, its domain or a rep named in the subject or the text. */
static void score_business(const struct config *cfg, const struct message *m,
                           struct intake_decision *d)
{
	const char *texts[] = {m->subject, m->context};
	const char *words[8];
	size_t lens[8], nw = 0;

	if (cfg->name && *cfg->name) {
		size_t n = strcspn(cfg->name, " ,");

		if (n >= 4)
			words[nw] = cfg->name, lens[nw++] = n;
	}
	if (cfg->domains) {
		size_t n = strcspn(cfg->domains, ".,");

		if (n >= 4 && nw < ARRAY_SIZE(words))
			words[nw] = cfg->domains, lens[nw++] = n;
	}
	for (size_t r = 0; r < cfg->nreps && nw < ARRAY_SIZE(words); r++) {
		size_t n = cfg->reps[r].name ? strcspn(cfg->reps[r].name, " ") : 0;

		if (n >= 3)
			words[nw] = cfg->reps[r].name, lens[nw++] = n;
	}
	for (size_t t = 0; t < ARRAY_SIZE(texts); t++) {
		size_t len = texts[t] ? strlen(texts[t]) : 0;

		if (len > SCAN_MAX)
			len = SCAN_MAX;
		for (size_t i = 0; i < nw; i++)
			if (has_word(texts[t], len, words[i], lens[i])) {
				intake_evidence(d, +1, "names the business (%.*s)", (int)lens[i],
				                words[i]);
				return;
			}
	}
}

/* Does subject s open with one of the NULL-terminated prefixes? */
static int subject_opens(const char *s, const char *const *prefixes)
{
	while (s && (*s == ' ' || *s == '\t'))
		s++;
	for (size_t i = 0; s && prefixes[i]; i++)
		if (str_istarts(s, prefixes[i]))
			return 1;
	return 0;
}

static int is_reply_subject(const char *s)
{
	static const char *const prefixes[] = {"re:",  "aw:", "sv:",  "antw:", "ref:", "réf:",
	                                       "rif:", "vs:", "odp:", "r:",    "res:", NULL};

	return subject_opens(s, prefixes);
}

/* "FW:", "Fwd:", "WG:", "TR:", "RV:", "I:", "Enc:", "Doorst:", "PD:", "VL:" */
static int is_forward_subject(const char *s)
{
	static const char *const prefixes[] = {
	        "fw:", "fwd:", "wg:", "tr:", "rv:", "i:", "enc:", "pd:", "doorst:", "vl:", NULL};

	return subject_opens(s, prefixes);
}

static int is_calendar(const struct message *m)
{
	if (m->content_type && strcmp(m->content_type, "text/calendar") == 0)
		return 1;
	for (size_t i = 0; i < m->nattachments; i++) {
		size_t n = strlen(m->attachments[i]);

		if (n >= 4 && str_ieq(m->attachments[i] + n - 4, ".ics"))
			return 1;
	}
	return 0;
}

/* The words a rule matched, for its reason: white space as single spaces,
 * cut on a UTF-8 boundary to fit out; "" for fewer than four bytes (an
 * anchor word alone says little). */
static void quote_words(const char *m, char *out, size_t size)
{
	size_t o = 0;
	int space = 0;

	out[0] = '\0';
	if (m == NULL || strlen(m) < 4)
		return;
	for (; *m && o + 4 < size; m++) {
		if (*m == ' ' || *m == '\n' || *m == '\t' || *m == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = *m;
	}
	if (((unsigned char)*m & 0xC0) == 0x80) { /* stopped inside a character */
		while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
			o--;
		if (o > 0)
			o--; /* and its first byte */
	}
	out[o] = '\0';
}

/* What the rules said: every rule with `score` that fired, and a
 * classifying intro rule of the admin's (worth a phrase).  Returns 1 when
 * any of it speaks for an introduction. */
static int score_rules(struct intake_decision *d)
{
	int class_scored = 0, any = 0;

	for (size_t i = 0; i < d->fr.nscores; i++) {
		const struct filter_score *s = &d->fr.scores[i];
		char said[64];

		quote_words(s->matched, said, sizeof(said));
		if (said[0])
			intake_evidence(d, s->score, "%s: \"%s\" (rule %s)", s->why, said, s->rule);
		else
			intake_evidence(d, s->score, "%s (rule %s)", s->why, s->rule);
		if (d->fr.class_rule && strcmp(s->rule, d->fr.class_rule) == 0)
			class_scored = 1;
		any |= s->score > 0;
	}
	if (d->fr.class == CLASS_INTRO && !class_scored) {
		intake_evidence(d, +3, "%s (rule %s)", d->fr.why ? d->fr.why : "introduction",
		                d->fr.class_rule);
		any = 1;
	}
	return any;
}

/* A line of quoted history ("> ...") in the body, or more lines than a
 * signature has: an empty context then means the writer only quoted.  A
 * body that is just "-- \nPriya" or "Sent from my iPhone" (the intro is
 * in the subject) quotes nothing. */
#define SIGNATURE_LINES 4

static int quotes_something(const char *body)
{
	size_t lines = 0;

	for (const char *p = body; p && *p;) {
		const char *t = p;

		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '>')
			return 1;
		if (*t != '\n' && *t != '\0' && ++lines > SIGNATURE_LINES)
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* A rep or another business address among To and Cc (not the agent). */
static const char *business_recipient(const struct config *cfg, const struct message *m)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *e = lists[l]->v[i].email;

			if (e && !config_is_agent(cfg, e) &&
			    (config_is_business(cfg, e) || config_find_rep(cfg, e)))
				return e;
		}
	return NULL;
}

int intake_score_intro(const struct intake *in, const struct message *m, struct intake_decision *d,
                       enum lead_source src)
{
	const struct config *cfg = in->cfg;
	const char *from = m->from.email, *biz, *said;
	int phrase = score_rules(d);
	/* Outlook and Gmail keep In-Reply-To and References on a forward:
	 * the thread of the mail forwarded, which the agent never saw by
	 * the nature of a forward, not a reply to anyone */
	int reply = (m->in_reply_to || m->nreferences || is_reply_subject(m->subject)) &&
	            !(m->nfwd > 0 && is_forward_subject(m->subject));

	switch (src) {
	case LEADS_FORWARD:
		intake_evidence(d, +4, "forwards mail written by someone outside the business");
		break;
	case LEADS_TEXT_CUE:
		intake_evidence(d, +4, "the lead's address after a cue in the text (%s)",
		                d->fr.field_why[FF_LEAD_EMAIL] ? d->fr.field_why[FF_LEAD_EMAIL]
		                                               : "a rule");
		break;
	case LEADS_CARD:
		intake_evidence(d, +3, "the lead's contact card attached (a vCard)");
		break;
	case LEADS_BLOCK:
		intake_evidence(d, +3,
		                "the lead's details on lines of their own (a contact block)");
		break;
	case LEADS_PHONE:
		intake_evidence(d, +3, "the lead named with a phone number, no address");
		break;
	case LEADS_WRITER:
		/* someone asking for the business themself, not in a thread */
		if (others_addressed(cfg, m) == 0 && !m->in_reply_to && !m->nreferences &&
		    !is_reply_subject(m->subject))
			intake_evidence(d, +1, "the lead writes to the business themself");
		/* the mirror of an intro (the agent in Cc and the lead
		 * addressed, one outside person: +3): the lead writes to the
		 * referrer the text names, the business copied */
		if (d->answers_referrer)
			intake_evidence(d, +3, "the lead answers the referrer, the agent copied");
		if (d->quotes_referrer)
			intake_evidence(d, +3, "the lead quotes the referrer's intro to them");
		break;
	case LEADS_TEXT:
		/* to the referral address alone, an address is what it is for */
		if (outside_recipients(cfg, m) == 0)
			intake_evidence(d, +3,
			                "an address in the text of a mail to the agent alone");
		else
			intake_evidence(d, +2, "an address in the text");
		break;
	default:
		break;
	}
	score_recipients(cfg, m, d, src);
	if (src == LEADS_HEADERS)
		score_greeting(m, d);
	score_business(cfg, m, d);
	/* an accountant introduced to the owner: the business is the client
	 * here, and a welcome to the accountant would be wrong; a person
	 * looks (intake_settle), since "she needs a kitchen too" may follow */
	if ((said = intake_provider_in(m->context, d)) != NULL && d->hold_only == NULL)
		d->hold_only = xasprintf("the person introduced is presented as someone for the "
		                         "business (\"%s\"), not as a client",
		                         said);
	/* (the writer's "my cell is" is the lead's when the writer is the
	 * lead) */
	if (intake_field(d, FF_LEAD_PHONE) || intake_field(d, FF_NEED) ||
	    intake_field(d, FF_BUDGET) || (d->nleads == 1 && d->leads[0].phone))
		intake_evidence(d, +1, "the lead's phone, need or budget in the text");
	/* (not when the lead answers the referrer it names: that thread is
	 * an intro's by the text's own words) */
	if (reply && !d->answers_referrer && !d->quotes_referrer)
		intake_evidence(d, -2, "a reply in a thread the agent never saw");
	/* a client answering the rep, the agent copied, and nothing that
	 * introduces anyone: the business's own conversation (not the lead
	 * answering the intro that copied the rep) */
	if (reply && !phrase && !d->answers_referrer && !d->quotes_referrer &&
	    (biz = business_recipient(cfg, m)) != NULL)
		intake_evidence(d, -2, "a reply in a conversation with the business (%s)", biz);
	if (from && (config_is_business(cfg, from) || config_find_rep(cfg, from)) &&
	    (src == LEADS_HEADERS || src == LEADS_FORWARD)) {
		/* A rep or staff member naming a lead in the text hands it
		 * over; copying the agent on their own mail to a client, or
		 * on a client's mail forwarded to a colleague, is routine: an
		 * introduction only when a phrase says so. */
		if (!phrase && (src == LEADS_HEADERS || others_addressed(cfg, m) > 0))
			intake_evidence(d, -4,
			                "sent by the business itself (%s), nothing says it "
			                "introduces anyone",
			                from);
		else if (src == LEADS_HEADERS && outside_recipients(cfg, m) >= 2) {
			/* a rep introducing two outside people to each other (a
			 * client and a lender, a specialist, a subcontractor):
			 * neither is the business's new lead, and a welcome to
			 * either would be wrong, however warm the words ("as
			 * promised, meet Carlos"); a person looks */
			intake_evidence(d, -4,
			                "sent by the business itself (%s) to two or more "
			                "outside people: introducing them to each other",
			                from);
			if (d->hold_only == NULL)
				d->hold_only =
				        xasprintf("sent by the business itself (%s) to two or "
				                  "more outside people: it introduces them "
				                  "to each other, neither to the business",
				                  from);
		} else
			intake_evidence(d, -2, "sent by the business itself (%s)", from);
	}
	/* (not in a reply: Outlook quotes the mail answered under a header
	 * block as a forward does, and a client answering their rep's
	 * reminder who adds a friend "(cc'd)" passes nothing on) */
	for (size_t f = 0; f < m->nfwd && !reply; f++)
		if (m->fwd[f].from.email && (config_is_business(cfg, m->fwd[f].from.email) ||
		                             config_find_rep(cfg, m->fwd[f].from.email))) {
			/* a client passing on the rep's mail ("I've cc'd
			 * Brightpath") to their spouse: the business's own
			 * conversation */
			intake_evidence(d, -4, "forwards the business's own mail (%s)",
			                m->fwd[f].from.email);
			break;
		}
	if (intake_machine_sent(m))
		intake_evidence(d, -3,
		                "sent by a machine (list or bulk headers, a no-reply, "
		                "notification or billing sender)");
	if (src != LEADS_FORWARD && str_blank(m->context) && quotes_something(m->body))
		intake_evidence(d, -2, "nothing written but quoted text");
	if (is_calendar(m))
		intake_evidence(d, -5, "a calendar invitation");
	return phrase;
}

void intake_score_form(struct intake_decision *d, const struct form *f)
{
	/* a form is known by its labels; the phrases of its free text ("a
	 * referral", "Project: ...") say nothing more */
	intake_evidence(d, +3, "a web form's fields (%zu, %s)", f->nfields, f->layout);
	if (f->nleads)
		intake_evidence(d, +2, "the form names the %s (\"%s\")",
		                f->kind == FORM_REFER ? "referred person"
		                                      : "lead, who filled it in",
		                f->leads[0].label ? f->leads[0].label : "?");
	if (f->referrer.name || f->referrer.email)
		intake_evidence(d, +1, "the form names the referrer (\"%s\")",
		                f->referrer.label ? f->referrer.label : "?");
	else if (!d->referrer_email && !d->referrer_name)
		intake_evidence(d, -3, "the form names no referrer%s",
		                f->heard_referral ? " (\"a friend\", no name)" : "");
	else if (f->kind == FORM_NONE && d->nleads) {
		/* a contact form whose message names who sent them ("My friend
		 * Oliver said you did his bathroom", a rule's referrer): the
		 * submitter is the lead, as with a "Referred by" field */
		intake_evidence(d, +2, "the form names the lead, who filled it in (\"%s\")",
		                f->submitter.label ? f->submitter.label : "?");
		intake_evidence(d, +1, "the message names the referrer: %s",
		                d->fr.field_why[FF_REFERRER_NAME]
		                        ? d->fr.field_why[FF_REFERRER_NAME]
		                        : "a rule");
	}
}

void intake_settle(struct intake_decision *d, const char *what)
{
	char *ev = intake_evidence_text(d);

	if (d->confidence >= INTAKE_REFER_AT && d->hold_only) {
		d->outcome = INTAKE_HELD;
		free(d->kind);
		d->kind = xstrdup(status_name(STATUS_HELD));
		free(d->why);
		d->why = xasprintf("%s, confidence %d, but %s: a person looks", what, d->confidence,
		                   d->hold_only);
	} else if (d->confidence >= INTAKE_REFER_AT) {
		d->outcome = INTAKE_REFERRAL;
		free(d->why);
		d->why = xasprintf("%s, confidence %d", what, d->confidence);
	} else if (d->confidence >= INTAKE_HOLD_AT) {
		d->outcome = INTAKE_HELD;
		free(d->kind);
		d->kind = xstrdup(status_name(STATUS_HELD));
		free(d->why);
		d->why = xasprintf("thin evidence for %s: confidence %d, a referral needs %d (%s)",
		                   what, d->confidence, INTAKE_REFER_AT, ev ? ev : "none");
	} else {
		d->outcome = INTAKE_IGNORED;
		free(d->kind);
		d->kind = xstrdup("ignored");
		free(d->why);
		d->why = xasprintf("not an introduction: confidence %d (%s)", d->confidence,
		                   ev ? ev : "no evidence");
	}
	free(ev);
}
