/*
 * form_words.c - the words a form's labels are read by: one list per
 * category of label, and the one table they make for form_cats_of().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "form_p.h"
#include "util.h"

/* Checked first: a label naming who referred the submitter. */
static const char *const referrer_words[] = {
        /* en */
        "referred by", "referrer*", "referer", "referring you", "referred you", "who sent you",
        "recommended by", "referral from", "referral by", "by whom", "introduced by",
        /* es */
        "referido por", "referida por", "recomendado por", "recomendada por", "quién te recomendó",
        "quien te recomendo", "quién le recomendó", "quién te refirió", "quien te refirio",
        "por quién", "por quien",
        /* de */
        "empfohlen von", "empfehlung von", "geworben von", "werber*", "empfehlungsgeber*",
        "wer hat sie empfohlen", "wer hat dich empfohlen", "von wem",
        /* fr */
        "recommandé par", "recommandée par", "référé par", "parrain", "parraine", "marraine",
        "parrainé par", "qui vous a recommandé", "qui t'a recommandé", "par qui",
        /* it */
        "segnalato da", "segnalata da", "consigliato da", "consigliata da", "presentato da",
        "chi ti ha consigliato", "chi vi ha consigliato", "da chi", "referente",
        /* pt */
        "indicado por", "indicada por", "indicação de", "quem te indicou", "quem indicou",
        "quem o indicou", "por quem", "padrinho",
        /* nl */
        "aangebracht door", "doorverwezen door", "aanbevolen door", "wie heeft u doorverwezen",
        "wie heeft je doorverwezen", "door wie", "aanbrenger", NULL};

static const char *const heard_words[] = {"how did you hear",
                                          "how did you find",
                                          "how did you learn",
                                          "where did you hear",
                                          "how you heard",
                                          "how you found",
                                          "hear about us",
                                          "referral source",
                                          "lead source",
                                          "source",
                                          "cómo nos conociste",
                                          "como nos conociste",
                                          "cómo nos conoció",
                                          "como nos conocio",
                                          "cómo supiste",
                                          "cómo se enteró",
                                          "cómo te enteraste",
                                          "dónde nos conociste",
                                          "von uns erfahren",
                                          "auf uns aufmerksam",
                                          "aufmerksam geworden",
                                          "comment avez-vous connu",
                                          "comment nous avez-vous connu",
                                          "comment avez-vous entendu",
                                          "comment as-tu connu",
                                          "comment nous avez-vous trouvé",
                                          "comment nous as-tu connu",
                                          "come ci hai conosciuto",
                                          "come ci ha conosciuto",
                                          "come hai saputo",
                                          "come ha saputo",
                                          "come ci hai trovato",
                                          "como nos conheceu",
                                          "como conheceu",
                                          "como soube",
                                          "como ficou sabendo",
                                          "onde nos conheceu",
                                          "hoe heeft u ons gevonden",
                                          "hoe heb je ons gevonden",
                                          "hoe kent u ons",
                                          "hoe ken je ons",
                                          "terechtgekomen",
                                          NULL};

static const char *const referred_words[] = {
        /* en */
        "referred", "being referred", "friend*", "referral", "referral's", "referrals", "referee*",
        "refer", "referring", "referred person", "person you", "who are you", "who would you",
        "who do you", "their", "they", "them", "his", "her", "him", "colleague*", "lead", "nominee",
        "prospect", "recommend", "recommending", "the person", "neighbor*", "neighbour*",
        "family member", "relative",
        /* es */
        "amigo*", "amiga*", "referido", "referida", "recomendado", "recomendada", "persona que",
        "a quién", "a quien", "colega*", "vecino*", "vecina*", "recomiendas", "recomienda",
        "recomendar",
        /* de */
        "freund*", "bekannte*", "empfohlene*", "geworbene*", "kollege*", "kollegin*", "nachbar*",
        "empfehlen", "wen",
        /* fr */
        "ami", "amie", "amis", "filleul*", "personne recommandée", "recommandé", "recommandée",
        "collègue*", "voisin*", "qui souhaitez-vous", "recommander",
        /* it */
        "amico", "amica", "amici", "persona che", "segnalato", "segnalata", "referenziato",
        "presentato", "vicino", "vicina", "chi vuoi", "consigliare", "consigli",
        /* pt */
        "pessoa indicada", "indicado", "indicada", "quem você", "quem voce", "vizinho*", "vizinha*",
        "indicar",
        /* nl */
        "vriend*", "kennis", "aangebrachte", "doorverwezen", "buurman", "buurvrouw", "wie wilt u",
        "wie wil je", "aanbevelen", NULL};

static const char *const weak_words[] = {"client*", "customer*", "contact*", "cliente*", "kunde*",
                                         "klant*",  "contatto",  "contato",  "kontakt*", NULL};

static const char *const submitter_words[] = {
        "your",  "you",  "yourself", "my",     "submitter", "submitted by", "sender",   "from",
        "tu",    "tus",  "mi",       "mis",    "usted",     "tú",           "ihr",      "ihre",
        "ihren", "dein", "deine",    "deinen", "mein",      "meine",        "absender", "votre",
        "vos",   "ton",  "ta",       "tes",    "mon",       "ma",           "mes",      "vous",
        "tuo",   "tua",  "tuoi",     "tue",    "mio",       "mia",          "vostro",   "vostra",
        "seu",   "sua",  "seus",     "teu",    "meu",       "minha",        "você",     "voce",
        "uw",    "je",   "jouw",     "mijn",   NULL};

/* A label made of these (and role words) titles a section of the form. */
static const char *const heading_words[] = {"details",
                                            "detail",
                                            "information",
                                            "info",
                                            "informations",
                                            "data",
                                            "datos",
                                            "daten",
                                            "angaben",
                                            "coordonnées",
                                            "dati",
                                            "informazioni",
                                            "dados",
                                            "informações",
                                            "gegevens",
                                            "about",
                                            "contact details",
                                            "contact information",
                                            NULL};

static const char *const email_words[] = {"email*",      "e-mail*",    "mail",
                                          "correo",      "courriel",   "posta elettronica",
                                          "e-mailadres", "emailadres", "adresse électronique",
                                          NULL};
static const char *const phone_words[] = {
        "phone*",   "telephone*", "tel",      "mobile",    "cell*",     "number",    "whatsapp",
        "teléfono", "telefono",   "móvil",    "movil",     "celular",   "telefon*",  "handy",
        "mobil*",   "téléphone",  "portable", "cellulare", "telemóvel", "telemovel", "telefone",
        "mobiel",   "telefoon*",  "gsm",      "tlf",       NULL};
static const char *const budget_words[] = {"budget*",      "presupuesto", "orçamento", "orcamento",
                                           "kostenrahmen", "preisrahmen", NULL};
static const char *const timeline_words[] = {
        "timeline", "timeframe",  "time frame", "when",     "start date", "deadline", "plazo",
        "cuándo",   "cuando",     "zeitrahmen", "zeitraum", "wann",       "délai",    "échéance",
        "quand",    "tempistica", "quando",     "prazo",    "termijn",    "wanneer",  NULL};
static const char *const company_words[] = {
        "company", "business", "organization", "organisation", "employer",    "firm",
        "empresa", "compañía", "firma",        "unternehmen",  "entreprise",  "société",
        "societe", "azienda",  "società",      "bedrijf",      "organisatie", NULL};
static const char *const first_words[] = {
        "first name", "firstname", "given name",     "vorname",       "prénom",
        "prenom",     "voornaam",  "nombre de pila", "primeiro nome", NULL};
static const char *const last_words[] = {"last name", "lastname",       "surname",    "family name",
                                         "nachname",  "nom de famille", "apellido*",  "cognome",
                                         "sobrenome", "apelido",        "achternaam", NULL};
/* "Invitee": a booking service's (Calendly) word for who booked */
static const char *const name_words[] = {"name*", "nombre*", "nom",     "nome*",
                                         "naam",  "who",     "invitee", NULL};
static const char *const need_words[] = {"message",      "comments",
                                         "comment",      "project*",
                                         "description",  "notes",
                                         "note",         "how can we help",
                                         "what do",      "what does",
                                         "what are",     "what is",
                                         "looking for",  "need*",
                                         "service*",     "interested in",
                                         "inquiry",      "enquiry",
                                         "request",      "tell us",
                                         "details",      "mensaje",
                                         "comentario*",  "proyecto",
                                         "necesita*",    "necesidad*",
                                         "servicio*",    "consulta",
                                         "nachricht",    "kommentar*",
                                         "projekt",      "anliegen",
                                         "bedarf",       "anfrage",
                                         "beschreibung", "commentaire*",
                                         "projet",       "besoin*",
                                         "demande",      "messaggio",
                                         "progetto",     "esigenz*",
                                         "richiesta",    "mensagem",
                                         "projeto",      "necessidade*",
                                         "pedido",       "bericht",
                                         "opmerking*",   "behoefte",
                                         "vraag",        "aanvraag",
                                         "vorhaben",     "travaux",
                                         "lavori",       "obra",
                                         "discuss*",     NULL};
static const char *const skip_words[] = {
        "address",   "street",     "city",      "zip",        "postcode", "postal",  "state",
        "country",   "dirección",  "direccion", "adresse",    "straße",   "strasse", "plz",
        "indirizzo", "endereço",   "adres",     "subject",    "date",     "time",    "ip",
        "url",       "user agent", "page",      "powered by", "entry",    "form",    "website",
        "consent",   "privacy",    "terms",     "newsletter", "captcha",  "asunto",  "betreff",
        "sujet",     "oggetto",    "assunto",   "onderwerp",  "fecha",    "datum",   "code",
        "link",      "program",    "programme", "reward*",    "bonus",    "credit",  "points",
        "coupon",    "discount",   "voucher",   "event*",     "location", "zone",    "questions",
        NULL};

/* "How did you hear" answers that name no person. */
static const char *const media_words[] = {
        "google",     "facebook",  "instagram", "linkedin",  "twitter",   "tiktok",   "youtube",
        "yelp",       "bing",      "yahoo",     "search",    "online",    "internet", "web",
        "website",    "ad",        "ads",       "advert*",   "flyer",     "radio",    "tv",
        "television", "newspaper", "magazine",  "billboard", "event",     "show",     "directory",
        "pages",      "nextdoor",  "houzz",     "angi",      "thumbtack", "sign",     "truck",
        "mailer",     "postcard",  "other",     "none",      "n/a",       "na",       "walk-in",
        "drove by",   NULL};

static const char *const second_words[] = {"second",   "2nd",     "segundo", "segunda", "zweite*",
                                           "deuxième", "secondo", "seconda", "tweede",  NULL};
static const char *const third_words[] = {"third",     "3rd",   "tercer*", "dritte*",
                                          "troisième", "terzo", "terza",   "terceiro",
                                          "terceira",  "derde", NULL};
/* Lines that are no name in a contact block. */
static const char *const not_names[] = {
        "hi", "hello", "hey", "dear", "thanks", "thank you", "best", "cheers", "regards", "hola",
        "hallo", "bonjour", "salut", "ciao", "olá", "ola", "hoi", "gracias", "danke", "merci",
        "grazie", "obrigado", "obrigada", "bedankt", "saludos", "grüße", "gruss", "cordialement",
        "saluti", "abraços", "groeten", "details", "contact*", "email", "phone", "here", "below",
        "sent from",
        /* contact labels of other languages ("Kontakt: jan@...", "Su
         * contacto:", "Kontakt na něj:", "Sähköposti:") */
        "kontakt*", "contatt*", "contat*", "e-mail", "mail", "correo", "courriel", "sähköposti",
        "e-post", "epost", "почта", "Почта", "телефон", "Телефон", "telefon*", "tel", NULL};

/* ---- the words as one table ---- */

static const char *const *const cat_words[C_COUNT] = {
        [C_REFERRER] = referrer_words,   [C_HEARD] = heard_words,
        [C_REFERRED] = referred_words,   [C_WEAK] = weak_words,
        [C_SUBMITTER] = submitter_words, [C_HEADING] = heading_words,
        [C_EMAIL] = email_words,         [C_PHONE] = phone_words,
        [C_BUDGET] = budget_words,       [C_TIMELINE] = timeline_words,
        [C_COMPANY] = company_words,     [C_SKIP] = skip_words,
        [C_FIRST] = first_words,         [C_LAST] = last_words,
        [C_NAME] = name_words,           [C_NEED] = need_words,
        [C_SECOND] = second_words,       [C_THIRD] = third_words,
        [C_MEDIA] = media_words,         [C_NOTNAME] = not_names,
};

struct vocab_word {
	const char *w;
	unsigned char len;
	unsigned char prefix; /* "w*" */
	unsigned char cat;
};

static struct vocab_word *vocab;
static size_t vocab_at[257]; /* the words starting with byte b: [vocab_at[b], vocab_at[b + 1]) */
static pthread_once_t vocab_once = PTHREAD_ONCE_INIT;

static int vocab_cmp(const void *a, const void *b)
{
	const struct vocab_word *x = a, *y = b;

	return (unsigned char)x->w[0] - (unsigned char)y->w[0];
}

/* Made once, kept for the life of the process (a few kilobytes). */
static void vocab_build(void)
{
	size_t n = 0, k = 0;

	for (int c = 0; c < C_COUNT; c++)
		for (size_t i = 0; cat_words[c][i]; i++)
			n++;
	vocab = xcalloc(n, sizeof(*vocab));
	for (int c = 0; c < C_COUNT; c++)
		for (size_t i = 0; cat_words[c][i]; i++) {
			size_t len = strlen(cat_words[c][i]);
			int prefix = cat_words[c][i][len - 1] == '*';

			vocab[k++] =
			        (struct vocab_word){cat_words[c][i], (unsigned char)(len - prefix),
			                            (unsigned char)prefix, (unsigned char)c};
		}
	qsort(vocab, n, sizeof(*vocab), vocab_cmp);
	for (size_t b = 0, i = 0; b <= 256; b++) {
		while (i < n && (unsigned char)vocab[i].w[0] < b)
			i++;
		vocab_at[b] = i;
	}
}

/* The categories whose words the lower-cased text l holds, one bit each. */
unsigned form_cats_of(const char *l)
{
	unsigned cats = 0;

	pthread_once(&vocab_once, vocab_build);
	for (const char *p = l; *p; p++) {
		unsigned char b = (unsigned char)*p;

		if (p > l && form_is_letter((unsigned char)p[-1]))
			continue;
		for (size_t i = vocab_at[b]; i < vocab_at[b + 1]; i++) {
			const struct vocab_word *v = &vocab[i];

			if (strncmp(p, v->w, v->len) == 0 &&
			    (v->prefix || !form_is_letter((unsigned char)p[v->len])))
				cats |= CAT(v->cat);
		}
	}
	return cats;
}
