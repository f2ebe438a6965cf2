/*
 * message_forward.c - messages found inside a message: a message/rfc822
 * part (a forward "as attachment", RFC 2046 section 5.2.1) and a forwarded
 * block written into the text ("---------- Forwarded message ---------",
 * "Begin forwarded message:", Outlook's "From: ... Sent: ..." block).
 *
 * For a referral a forward often carries the lead: the referrer forwards
 * the lead's mail to the agent.  The inline reader knows the markers of the
 * common mail clients in a few languages, reads the header-like lines after
 * them (addresses through GMime's parser, Outlook's "[mailto:...]" and ";"
 * lists normalised first), and takes the text up to the next marker.
 */
#include "message_p.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define FWD_HDR_MAX     12 /* header lines read after a forward marker */
#define FWD_KEY_MAX     40 /* bytes of a header label ("Másolatot kap", "送信日時") */
#define FULLWIDTH_COLON "\xef\xbc\x9a" /* U+FF1A, after Chinese and Japanese labels */

/* ---------------------------------------------------- attached forwards */

static struct forward *forward_new(struct message *m)
{
	struct forward *f;

	m->fwd = xrealloc(m->fwd, (m->nfwd + 1) * sizeof(*m->fwd));
	f = &m->fwd[m->nfwd++];
	memset(f, 0, sizeof(*f));
	return f;
}

/* A message/rfc822 part (RFC 2046 section 5.2.1): a forward "as
 * attachment".  Its own forwards and attachments are not followed. */
void msg_forward_attached(struct message *m, GMimeMessage *sub, int depth)
{
	struct forward *f;
	int is_html = 0, trunc = 0;
	char *body;

	if (m->nfwd >= MESSAGE_MAX_FORWARD)
		return;
	body = msg_body(m, sub, 0, depth, &is_html, &trunc);
	f = forward_new(m);
	f->attached = 1;
	f->body = body;
	msg_first_mailbox(&f->from, g_mime_message_get_from(sub));
	msg_addrs_add(&f->to, g_mime_message_get_to(sub), 0);
	msg_addrs_add(&f->to, g_mime_message_get_cc(sub), 0);
	f->subject = msg_clean(g_mime_message_get_subject(sub), 1);
	f->message_id = msg_clean(g_mime_message_get_message_id(sub), 1);
}

/* ------------------------------------------------------ inline forwards */

struct span {
	const char *s;
	size_t len;
};

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A line without surrounding white space and leading '*' (HTML bold). */
static struct span strip(const char *s, size_t len)
{
	struct span r;

	while (len > 0 && (is_ws((unsigned char)*s) || *s == '*')) {
		s++;
		len--;
	}
	while (len > 0 && is_ws((unsigned char)s[len - 1]))
		len--;
	r.s = s;
	r.len = len;
	return r;
}

/* a equals w but for case: ASCII first, then Unicode case folding for the
 * labels in other scripts ("Пересылаемое сообщение", "ΑΠΌ"). */
static int has_high_byte(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

static int span_ieq(struct span a, const char *w)
{
	size_t n = strlen(w);
	char *fa, *fw;
	int same;

	if (a.len == n && strncasecmp(a.s, w, n) == 0)
		return 1;
	/* upper and lower case are as long in the scripts of these labels */
	if (a.len != n || !has_high_byte(a.s, a.len) || !g_utf8_validate(a.s, (gssize)a.len, NULL))
		return 0;
	fa = g_utf8_casefold(a.s, (gssize)a.len);
	fw = g_utf8_casefold(w, -1);
	same = strcmp(fa, fw) == 0;
	g_free(fa);
	g_free(fw);
	return same;
}

enum marker { MK_NONE = 0, MK_FORWARD, MK_OUTLOOK };

/* Gmail "---------- Forwarded message ---------", Thunderbird "--------
 * Forwarded Message --------", Outlook "-----Original Message-----",
 * Apple "Begin forwarded message:". */
static enum marker marker_line(struct span l)
{
	static const char *const phrases[] = {
	        /* Gmail's and Thunderbird's forward, Outlook's original */
	        "forwarded message",
	        "forwarded message follows",
	        "original message",
	        "weitergeleitete nachricht",
	        "ursprüngliche nachricht",
	        "message transféré",
	        "message d'origine",
	        "mensaje reenviado",
	        "mensaje original",
	        "messaggio inoltrato",
	        "messaggio originale",
	        "mensagem encaminhada",
	        "mensagem original",
	        "doorgestuurd bericht",
	        "oorspronkelijk bericht",
	        "wiadomość przekazana dalej",
	        "przekazana wiadomość",
	        "wiadomość oryginalna",
	        "videresendt meddelelse",
	        "videresendt besked",
	        "oprindelig meddelelse",
	        "videresendt melding",
	        "opprinnelig melding",
	        "vidarebefordrat meddelande",
	        "ursprungligt meddelande",
	        "välitetty viesti",
	        "alkuperäinen viesti",
	        "přeposlaná zpráva",
	        "původní zpráva",
	        "preposlaná správa",
	        "pôvodná správa",
	        "továbbított üzenet",
	        "eredeti üzenet",
	        "İletilen ileti",
	        "Yönlendirilmiş ileti",
	        "özgün ileti",
	        "orijinal mesaj",
	        "mesaj redirecționat",
	        "mesaj original",
	        "Пересылаемое сообщение",
	        "Пересланное сообщение",
	        "Исходное сообщение",
	        "Переслане повідомлення",
	        "Оригінальне повідомлення",
	        "Προωθημένο μήνυμα",
	        "Αρχικό μήνυμα",
	        "转发的邮件",
	        "原始邮件",
	        "轉寄的郵件",
	        "原始郵件",
	        "転送されたメッセージ",
	        "元のメッセージ",
	        "전달된 메시지",
	        "원본 메시지",
	        "thư đã chuyển tiếp",
	        "tin nhắn đã chuyển tiếp",
	        "thư gốc",
	        NULL,
	};
	static const char *const begins[] = {
	        /* Apple Mail's forward */
	        "Begin forwarded message",
	        "Anfang der weitergeleiteten Nachricht",
	        "Anfang der weitergeleiteten E-Mail",
	        "Début du message réexpédié",
	        "Début du message transféré",
	        "Inicio del mensaje reenviado",
	        "Inizio messaggio inoltrato",
	        "Begin doorgestuurd bericht",
	        "Início da mensagem encaminhada",
	        "Início da mensagem reencaminhada",
	        "Początek przekazywanej wiadomości",
	        "Början av vidarebefordrat meddelande",
	        "Videresendt besked",
	        "Videresendt melding",
	        "Välitetty viesti alkaa",
	        "Začátek přeposílané zprávy",
	        "Začiatok preposlanej správy",
	        "Továbbított levél kezdete",
	        "Начало переадресованного сообщения",
	        "Початок пересланого повідомлення",
	        "Αρχή προωθημένου μηνύματος",
	        "İletilen ileti başlangıcı",
	        "転送されたメッセージ",
	        "以下为转发的邮件",
	        "转发的邮件",
	        "轉寄的郵件",
	        "전달된 메시지",
	        "Bắt đầu thư được chuyển tiếp",
	        NULL,
	};
	struct span p = l;
	size_t dashes = 0;
	const char *const *w;

	if (l.len == 0 || l.len > 120)
		return MK_NONE;
	if (*l.s == '-' || *l.s == '_') {
		while (p.len > 0 && (*p.s == '-' || *p.s == '_' || *p.s == ' ')) {
			dashes += *p.s != ' ';
			p.s++;
			p.len--;
		}
		while (p.len > 0 && (p.s[p.len - 1] == '-' || p.s[p.len - 1] == '_' ||
		                     p.s[p.len - 1] == ' ' || p.s[p.len - 1] == '*')) {
			dashes += p.s[p.len - 1] == '-';
			p.len--;
		}
		if (dashes < 2)
			return MK_NONE;
		for (w = phrases; *w; w++)
			if (span_ieq(p, *w))
				return MK_FORWARD;
		return MK_NONE;
	}
	if (p.len > 0 && p.s[p.len - 1] == ':')
		p.len--;
	else if (p.len >= 3 && memcmp(p.s + p.len - 3, FULLWIDTH_COLON, 3) == 0)
		p.len -= 3;
	while (p.len > 0 && is_ws((unsigned char)p.s[p.len - 1]))
		p.len--;
	for (w = begins; *w; w++)
		if (span_ieq(p, *w))
			return MK_FORWARD;
	return MK_NONE;
}

/* "Key: value" with one of the keys of a forwarded header block, as mail
 * clients write them in the languages of the context rules' header lines
 * (filters/05-context.rules); the colon may be a full-width one.  Returns
 * the key (FH_FROM...) and sets *value, or -1.  Latvian "No:" (From)
 * begins English sentences too; a forward needs a marker line or a "Sent:"
 * label below it (outlook_from), which sentences do not have. */
enum { FH_FROM = 0, FH_TO, FH_CC, FH_SUBJECT, FH_DATE, FH_SENT, FH_REPLY_TO, FH_BCC };

static int fwd_header(struct span l, struct span *value)
{
	static const struct {
		const char *w;
		int key;
	} keys[] = {
	        {"From", FH_FROM},
	        {"De", FH_FROM},
	        {"Von", FH_FROM},
	        {"Van", FH_FROM},
	        {"Da", FH_FROM},
	        {"Expéditeur", FH_FROM},
	        {"Od", FH_FROM},
	        {"Nadawca", FH_FROM},
	        {"Fra", FH_FROM},
	        {"Från", FH_FROM},
	        {"Lähettäjä", FH_FROM},
	        {"От", FH_FROM},
	        {"Від", FH_FROM},
	        {"Odesílatel", FH_FROM},
	        {"Kimden", FH_FROM},
	        {"Feladó", FH_FROM},
	        {"发件人", FH_FROM},
	        {"寄件者", FH_FROM},
	        {"差出人", FH_FROM},
	        {"送信者", FH_FROM},
	        {"보낸 사람", FH_FROM},
	        {"Από", FH_FROM},
	        {"מאת", FH_FROM},
	        {"من", FH_FROM},
	        {"از", FH_FROM},
	        {"De la", FH_FROM},
	        {"Šalje", FH_FROM},
	        {"Pošiljatelj", FH_FROM},
	        {"Nuo", FH_FROM},
	        {"Saatja", FH_FROM},
	        {"Dari", FH_FROM},
	        {"Daripada", FH_FROM},
	        {"Từ", FH_FROM},
	        {"จาก", FH_FROM},
	        {"प्रेषक", FH_FROM},
	        {"Frá", FH_FROM},
	        {"No", FH_FROM},
	        {"To", FH_TO},
	        {"Para", FH_TO},
	        {"An", FH_TO},
	        {"À", FH_TO},
	        {"A", FH_TO},
	        {"Pour", FH_TO},
	        {"Destinataire", FH_TO},
	        {"Aan", FH_TO},
	        {"Do", FH_TO},
	        {"Adresat", FH_TO},
	        {"Til", FH_TO},
	        {"Till", FH_TO},
	        {"Vastaanottaja", FH_TO},
	        {"Кому", FH_TO},
	        {"Komu", FH_TO},
	        {"Kime", FH_TO},
	        {"Címzett", FH_TO},
	        {"收件人", FH_TO},
	        {"收件者", FH_TO},
	        {"宛先", FH_TO},
	        {"받는 사람", FH_TO},
	        {"Προς", FH_TO},
	        {"אל", FH_TO},
	        {"إلى", FH_TO},
	        {"به", FH_TO},
	        {"Către", FH_TO},
	        {"Prima", FH_TO},
	        {"Za", FH_TO},
	        {"Prejemnik", FH_TO},
	        {"Kam", FH_TO},
	        {"Adressaat", FH_TO},
	        {"Kepada", FH_TO},
	        {"Đến", FH_TO},
	        {"ถึง", FH_TO},
	        {"प्रति", FH_TO},
	        {"Per a", FH_TO},
	        {"Cc", FH_CC},
	        {"Kopie", FH_CC},
	        {"DW", FH_CC},
	        {"Kopi", FH_CC},
	        {"Kopia", FH_CC},
	        {"Kopio", FH_CC},
	        {"Копия", FH_CC},
	        {"Копія", FH_CC},
	        {"Bilgi", FH_CC},
	        {"Másolatot kap", FH_CC},
	        {"抄送", FH_CC},
	        {"副本", FH_CC},
	        {"참조", FH_CC},
	        {"Κοιν.", FH_CC},
	        {"Κοιν", FH_CC},
	        {"עותק", FH_CC},
	        {"نسخة", FH_CC},
	        {"Subject", FH_SUBJECT},
	        {"Asunto", FH_SUBJECT},
	        {"Betreff", FH_SUBJECT},
	        {"Objet", FH_SUBJECT},
	        {"Oggetto", FH_SUBJECT},
	        {"Ogg", FH_SUBJECT},
	        {"Assunto", FH_SUBJECT},
	        {"Onderwerp", FH_SUBJECT},
	        {"Temat", FH_SUBJECT},
	        {"Emne", FH_SUBJECT},
	        {"Ämne", FH_SUBJECT},
	        {"Aihe", FH_SUBJECT},
	        {"Тема", FH_SUBJECT},
	        {"Předmět", FH_SUBJECT},
	        {"Konu", FH_SUBJECT},
	        {"Tárgy", FH_SUBJECT},
	        {"主题", FH_SUBJECT},
	        {"主旨", FH_SUBJECT},
	        {"件名", FH_SUBJECT},
	        {"제목", FH_SUBJECT},
	        {"Θέμα", FH_SUBJECT},
	        {"נושא", FH_SUBJECT},
	        {"الموضوع", FH_SUBJECT},
	        {"موضوع", FH_SUBJECT},
	        {"Subiect", FH_SUBJECT},
	        {"Predmet", FH_SUBJECT},
	        {"Zadeva", FH_SUBJECT},
	        {"Tema", FH_SUBJECT},
	        {"Tēma", FH_SUBJECT},
	        {"Teema", FH_SUBJECT},
	        {"Perihal", FH_SUBJECT},
	        {"Subjek", FH_SUBJECT},
	        {"Perkara", FH_SUBJECT},
	        {"Chủ đề", FH_SUBJECT},
	        {"เรื่อง", FH_SUBJECT},
	        {"विषय", FH_SUBJECT},
	        {"Assumpte", FH_SUBJECT},
	        {"Efni", FH_SUBJECT},
	        {"Относно", FH_SUBJECT},
	        {"Date", FH_DATE},
	        {"Fecha", FH_DATE},
	        {"Datum", FH_DATE},
	        {"Data", FH_DATE},
	        {"Dato", FH_DATE},
	        {"Päivämäärä", FH_DATE},
	        {"Дата", FH_DATE},
	        {"Tarih", FH_DATE},
	        {"Dátum", FH_DATE},
	        {"日期", FH_DATE},
	        {"日付", FH_DATE},
	        {"Ημερομηνία", FH_DATE},
	        {"תאריך", FH_DATE},
	        {"التاريخ", FH_DATE},
	        {"Tanggal", FH_DATE},
	        {"Ngày", FH_DATE},
	        {"Sent", FH_SENT},
	        {"Enviado", FH_SENT},
	        {"Envoyé", FH_SENT},
	        {"Envoyé le", FH_SENT},
	        {"Gesendet", FH_SENT},
	        {"Inviato", FH_SENT},
	        {"Verzonden", FH_SENT},
	        {"Verstuurd", FH_SENT},
	        {"Enviado el", FH_SENT},
	        {"Enviada em", FH_SENT},
	        {"Enviado em", FH_SENT},
	        {"Wysłano", FH_SENT},
	        {"Wysłane", FH_SENT},
	        {"Sendt", FH_SENT},
	        {"Skickat", FH_SENT},
	        {"Lähetetty", FH_SENT},
	        {"Отправлено", FH_SENT},
	        {"Надіслано", FH_SENT},
	        {"Odesláno", FH_SENT},
	        {"Gönderildi", FH_SENT},
	        {"Elküldve", FH_SENT},
	        {"发送时间", FH_SENT},
	        {"傳送時間", FH_SENT},
	        {"寄件日期", FH_SENT},
	        {"送信日時", FH_SENT},
	        {"보낸 날짜", FH_SENT},
	        {"Στάλθηκε", FH_SENT},
	        {"נשלח", FH_SENT},
	        {"تم الإرسال", FH_SENT},
	        {"ارسال شده", FH_SENT},
	        {"Trimis", FH_SENT},
	        {"Poslano", FH_SENT},
	        {"Poslato", FH_SENT},
	        {"Odoslané", FH_SENT},
	        {"Изпратено", FH_SENT},
	        {"Išsiųsta", FH_SENT},
	        {"Nosūtīts", FH_SENT},
	        {"Saadetud", FH_SENT},
	        {"Dikirim", FH_SENT},
	        {"Dihantar", FH_SENT},
	        {"Đã gửi", FH_SENT},
	        {"ส่ง", FH_SENT},
	        {"भेजा गया", FH_SENT},
	        {"Enviat", FH_SENT},
	        {"Reply-To", FH_REPLY_TO},
	        {"Antwort an", FH_REPLY_TO},
	        {"Répondre à", FH_REPLY_TO},
	        {"Responder a", FH_REPLY_TO},
	        {"Bcc", FH_BCC},
	};
	const char *colon = memchr(l.s, ':', l.len > FWD_KEY_MAX + 1 ? FWD_KEY_MAX + 1 : l.len);
	const char *wide = NULL;
	size_t clen = 1;
	struct span k;

	if (has_high_byte(l.s, l.len > FWD_KEY_MAX ? FWD_KEY_MAX : l.len))
		wide = memmem(l.s, l.len > FWD_KEY_MAX + 3 ? FWD_KEY_MAX + 3 : l.len,
		              FULLWIDTH_COLON, 3);
	if (wide && (colon == NULL || wide < colon)) {
		colon = wide;
		clen = 3;
	}
	if (colon == NULL || colon == l.s || colon - l.s > FWD_KEY_MAX)
		return -1;
	k.s = l.s;
	k.len = (size_t)(colon - l.s);
	while (k.len > 0 && (k.s[k.len - 1] == '*' || is_ws((unsigned char)k.s[k.len - 1])))
		k.len--;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (span_ieq(k, keys[i].w)) {
			*value = strip(colon + clen, l.len - (size_t)(colon + clen - l.s));
			return keys[i].key;
		}
	return -1;
}

/* "Jane <jane@x.com<mailto:jane@x.com>>" and "Jane [mailto:jane@x.com]"
 * (Outlook) to "Jane <jane@x.com>"; Outlook's ';' list separator to ','. */
static char *normalise_addrs(const char *s, size_t len)
{
	struct buf b = {0};
	size_t i = 0;

	while (i < len) {
		if (s[i] == '[' && len - i > 8 && strncasecmp(s + i + 1, "mailto:", 7) == 0) {
			const char *end = memchr(s + i, ']', len - i);

			if (end) {
				buf_addc(&b, '<');
				buf_add(&b, s + i + 8, (size_t)(end - (s + i + 8)));
				buf_addc(&b, '>');
				i = (size_t)(end - s) + 1;
				continue;
			}
		}
		if (s[i] == '<' && len - i > 8 && strncasecmp(s + i + 1, "mailto:", 7) == 0) {
			const char *end = memchr(s + i, '>', len - i);

			if (end && i > 0 && s[i - 1] != ' ' && s[i - 1] != '<') {
				/* "addr<mailto:addr>": the link is a copy */
				i = (size_t)(end - s) + 1;
				continue;
			}
			buf_addc(&b, '<');
			i += 8;
			continue;
		}
		if (s[i] == ';')
			buf_addc(&b, ',');
		else if (s[i] != '*')
			buf_addc(&b, s[i]);
		i++;
	}
	return buf_steal(&b);
}

struct lines {
	struct span *v;
	size_t n;
};

static struct lines split(const char *text)
{
	struct lines r = {0};
	size_t cap = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		r.v = xgrow(r.v, &cap, r.n + 1, sizeof(*r.v));
		r.v[r.n].s = p;
		r.v[r.n].len = len;
		r.n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return r;
}

/* Outlook's "From: ... / Sent: ..." header block with no marker line. */
static int outlook_from(const struct lines *L, size_t i)
{
	struct span v;
	size_t j;

	if (fwd_header(strip(L->v[i].s, L->v[i].len), &v) != 0)
		return 0;
	for (j = i + 1; j < L->n && j <= i + 4; j++) {
		int k = fwd_header(strip(L->v[j].s, L->v[j].len), &v);

		if (k == FH_SENT || k == FH_DATE)
			return 1;
	}
	return 0;
}

static enum marker marker_at(const struct lines *L, size_t i)
{
	struct span l = strip(L->v[i].s, L->v[i].len);
	enum marker k = marker_line(l);

	if (k != MK_NONE)
		return k;
	return outlook_from(L, i) ? MK_OUTLOOK : MK_NONE;
}

/* Line i of a forwarded block; in a quoted block (Apple's iPhone writes
 * "Begin forwarded message:" then every line after "> ") without its '>'
 * and one space.  Sets *out and returns 0 when a quoted block has ended. */
static int block_line(const struct lines *L, size_t i, int quoted, struct span *out)
{
	struct span l = L->v[i];

	if (quoted) {
		if (l.len == 0 || *l.s != '>')
			return 0;
		l.s++, l.len--;
		if (l.len > 0 && *l.s == ' ')
			l.s++, l.len--;
	}
	*out = l;
	return 1;
}

/* Is there a line of a forwarded header block ("From: ...", "Von: ...",
 * "> Subject: ...")?  Every forward we can use has one: one pass over the
 * text, lines split only when it says yes. */
static int may_forward(const char *body)
{
	for (const char *p = body; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct span l = {p, len}, v;

		while (l.len > 0 && (*l.s == '>' || *l.s == ' ' || *l.s == '\t'))
			l.s++, l.len--;
		if (fwd_header(strip(l.s, l.len), &v) >= 0)
			return 1;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

size_t message_forward_start(const char *text)
{
	struct lines L;
	size_t at = strlen(text);

	if (!may_forward(text))
		return at;
	L = split(text);
	for (size_t i = 0; i < L.n; i++)
		if (marker_at(&L, i) != MK_NONE) {
			at = (size_t)(L.v[i].s - text);
			break;
		}
	free(L.v);
	return at;
}

/*
 * Forwarded blocks inside the body text: a marker line (or Outlook's bare
 * "From:/Sent:" block), header-like lines, then the forwarded text up to the
 * next marker.  Addresses go through GMime's address parser.
 */
void msg_forwards_inline(struct message *m, const char *body)
{
	struct lines L;
	size_t i;

	if (m->nfwd >= MESSAGE_MAX_FORWARD || *body == '\0')
		return;
	/* cheap test first: most mail has no forward at all */
	if (!may_forward(body))
		return;
	L = split(body);
	for (i = 0; i < L.n && m->nfwd < MESSAGE_MAX_FORWARD; i++) {
		enum marker k = marker_at(&L, i);
		struct forward *f;
		struct buf text = {0};
		size_t j, hdrs = 0;
		int key = -1, have = 0, quoted;
		struct span v, bl;

		if (k == MK_NONE)
			continue;
		j = k == MK_OUTLOOK ? i : i + 1;
		while (j < L.n && strip(L.v[j].s, L.v[j].len).len == 0)
			j++;
		quoted = k == MK_FORWARD && j < L.n && L.v[j].len > 0 && *L.v[j].s == '>';
		f = forward_new(m);
		/* the header block: ends at a blank line or a non-header */
		for (; j < L.n && hdrs < FWD_HDR_MAX; j++) {
			struct span l;
			int nk;

			if (!block_line(&L, j, quoted, &l))
				break;
			l = strip(l.s, l.len);
			if (l.len == 0)
				break;
			nk = fwd_header(l, &v);
			if (nk < 0) {
				/* a wrapped To:/Cc: list continues */
				if ((key == FH_TO || key == FH_CC) && memchr(l.s, '@', l.len) &&
				    !memchr(l.s, ':', l.len))
					v = l;
				else
					break;
			} else {
				key = nk;
			}
			hdrs++;
			if (key == FH_FROM && f->from.email == NULL && f->from.name == NULL) {
				char *a = normalise_addrs(v.s, v.len);
				InternetAddressList *list =
				        internet_address_list_parse(msg_parser_opts, a);

				if (list) {
					msg_first_mailbox(&f->from, list);
					g_object_unref(list);
				}
				free(a);
				have = 1;
			} else if (key == FH_TO || key == FH_CC) {
				char *a = normalise_addrs(v.s, v.len);

				msg_addrs_parse(&f->to, a);
				free(a);
			} else if (key == FH_SUBJECT && f->subject == NULL) {
				char *s = xstrndup(v.s, v.len);

				f->subject = msg_clean(s, 1);
				free(s);
				have = 1;
			}
		}
		if (!have) {
			/* a marker with no headers after it is not a forward
			 * we can use */
			msg_forward_free(f);
			m->nfwd--;
			continue;
		}
		while (j < L.n && block_line(&L, j, quoted, &bl) && strip(bl.s, bl.len).len == 0)
			j++;
		for (; j < L.n; j++) {
			if (!block_line(&L, j, quoted, &bl) || marker_at(&L, j) != MK_NONE)
				break;
			buf_add(&text, bl.s, bl.len);
			buf_addc(&text, '\n');
		}
		while (text.len > 0 &&
		       (text.s[text.len - 1] == '\n' || text.s[text.len - 1] == ' '))
			text.s[--text.len] = '\0';
		if (text.len > 0)
			buf_addc(&text, '\n');
		f->body = buf_steal(&text);
		f->attached = 0;
		i = j - 1;
	}
	free(L.v);
}

void msg_forward_free(struct forward *f)
{
	msg_addr_free(&f->from);
	msg_addrs_free(&f->to);
	free(f->subject);
	free(f->message_id);
	free(f->body);
}
