/*
 * test_auth.c - auth_check(): only the topmost Authentication-Results of
 * the business's own server counts, and only a dmarc pass for the From
 * domain or a dkim/spf pass aligned with the rep's domain makes a rep's
 * mail trusted.  Hand-built fields for the rules, the .eml files in
 * tests/data/auth/ for real servers' layouts, and garbage (mutated fields
 * and every message of the shared corpus) that must never crash.
 */
#include "testutil.h"

#include <ftw.h>
#include <sys/stat.h>

#include "auth.h"
#include "message.h"

#define ID  "mx.biz.test"
#define REP "rep@biz.test"

#define CORPUS "/work/shared/corpus"

/* One line, capped, always set. */
static void assert_why_shape(const char *why)
{
	assert_non_null(why);
	assert_true(strlen(why) <= 300);
	assert_null(strchr(why, '\n'));
	assert_null(strchr(why, '\r'));
}

/* Builds a message from `from` with the headers hdrs ("Name: value",
 * topmost first, NULL ends) around a Received and a Subject, and checks
 * it as a mail of rep `email` against ID. */
static enum auth_verdict run(const char *email, const char *from, const char *const *hdrs,
                             char **why)
{
	struct header h[40];
	char *names[40];
	struct message m;
	size_t n = 0, i;
	enum auth_verdict v;

	memset(&m, 0, sizeof(m));
	h[n].name = names[n] = xstrdup("Received");
	h[n++].value = xstrdup("from out.biz.test by mx.biz.test; Tue, 5 Mar 2024 16:12:44 +0100");
	for (i = 0; hdrs[i] && n < ARRAY_SIZE(h) - 1; i++) {
		const char *colon = strchr(hdrs[i], ':');

		assert_non_null(colon);
		h[n].name = names[n] = xstrndup(hdrs[i], (size_t)(colon - hdrs[i]));
		h[n++].value = xstrdup(colon[1] == ' ' ? colon + 2 : colon + 1);
	}
	h[n].name = names[n] = xstrdup("Subject");
	h[n++].value = xstrdup("Re: Intro");
	m.headers = h;
	m.nheaders = n;
	m.from.email = (char *)from;
	m.nfrom = from ? 1 : 0;
	v = auth_check(&m, ID, email, why);
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(h[i].value);
	}
	return v;
}

static void expect(enum auth_verdict want, const char *want_why, const char *email,
                   const char *from, const char *const *hdrs)
{
	char *why = NULL;
	enum auth_verdict v = run(email, from, hdrs, &why);

	assert_why_shape(why);
	assert_string_equal(why, want_why);
	assert_int_equal(v, want);
	free(why);
}

/* EXPECT(verdict, why, header...) for a mail of REP from REP */
#define EXPECT(v, why, ...)       expect(v, why, REP, REP, (const char *[]){__VA_ARGS__, NULL})
#define EXPECT_AS(v, why, e, ...) expect(v, why, e, e, (const char *[]){__VA_ARGS__, NULL})
#define AR                        "Authentication-Results: "

static void test_dmarc(void **state)
{
	(void)state;
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "mx.biz.test; dmarc=pass (p=reject dis=none) header.from=biz.test");
	/* header.from is optional */
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass", AR "mx.biz.test; dmarc=pass");
	/* a pass for some other From domain says nothing about this one */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dmarc=pass header.from=evil.test (From is biz.test): nothing passes",
	       AR "mx.biz.test; dmarc=pass header.from=evil.test");
	/* dmarc needs the same domain, not an aligned one */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dmarc=pass header.from=mail.biz.test (From is biz.test): nothing "
	       "passes",
	       AR "mx.biz.test; dmarc=pass header.from=mail.biz.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: dmarc=fail: nothing passes",
	       AR "mx.biz.test; dmarc=fail (p=reject dis=reject) header.from=biz.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: dmarc=fail, spf=softfail, dkim=none: nothing passes",
	       AR "mx.biz.test; dmarc=fail header.from=biz.test; spf=softfail "
	          "smtp.mailfrom=x@evil.test; dkim=none");
	/* header.from written as an address (older servers) */
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=rep@biz.test",
	       AR "mx.biz.test; dmarc=pass header.from=rep@biz.test");
}

static void test_spf(void **state)
{
	(void)state;
	EXPECT(AUTH_PASS,
	       "mx.biz.test: spf=pass smtp.mailfrom=rep@biz.test (aligned with biz.test)",
	       AR "mx.biz.test; spf=pass (sender SPF authorized) smtp.mailfrom=rep@biz.test");
	/* a bounce sub-domain of the rep's domain, and a bare domain */
	EXPECT(AUTH_PASS,
	       "mx.biz.test: spf=pass smtp.mailfrom=bounces+x=y@mail.biz.test (aligned with "
	       "biz.test)",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=bounces+x=y@mail.biz.test");
	EXPECT(AUTH_PASS, "mx.biz.test: spf=pass smtp.mailfrom=biz.test (aligned with biz.test)",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=biz.test");
	/* the rep's domain may be the sub-domain */
	EXPECT_AS(AUTH_PASS,
	          "mx.biz.test: spf=pass smtp.mailfrom=biz.test (aligned with sales.biz.test)",
	          "rep@sales.biz.test", AR "mx.biz.test; spf=pass smtp.mailfrom=biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: spf=pass smtp.mailfrom=x@evil.test (not aligned with biz.test): "
	       "nothing passes",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=x@evil.test");
	/* ends with the rep's domain, but not after a dot */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: spf=pass smtp.mailfrom=x@notbiz.test (not aligned with biz.test): "
	       "nothing passes",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=x@notbiz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: spf=pass smtp.mailfrom=x@biz.test.evil.test (not aligned with "
	       "biz.test): nothing passes",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=x@biz.test.evil.test");
	/* a top-level domain is nobody's organisational domain */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: spf=pass smtp.mailfrom=x@test (not aligned with biz.test): nothing "
	       "passes",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=x@test");
	/* the HELO identity is not the rep's domain's word */
	EXPECT(AUTH_FAIL, "mx.biz.test: spf=pass (no smtp.mailfrom): nothing passes",
	       AR "mx.biz.test; spf=pass smtp.helo=out.biz.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: spf=pass smtp.mailfrom= (no domain): nothing passes",
	       AR "mx.biz.test; spf=pass (google.com: best guess record) smtp.mailfrom=");
	EXPECT(AUTH_FAIL, "mx.biz.test: spf=softfail: nothing passes",
	       AR "mx.biz.test; spf=softfail smtp.mailfrom=rep@biz.test");
}

static void test_dkim(void **state)
{
	(void)state;
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim=pass (2048-bit key; secure) header.d=biz.test "
	          "header.i=@biz.test header.b=Xy12AbCd");
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.i=@biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim=pass header.i=@biz.test header.s=20230601 header.b=Xy12+/ab");
	EXPECT(AUTH_PASS,
	       "mx.biz.test: dkim=pass header.i=dana@mail.biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim=pass header.i=dana@mail.biz.test");
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=mail.biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim=pass header.d=mail.biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=pass header.d=evil.test (not aligned with biz.test): nothing "
	       "passes",
	       AR "mx.biz.test; dkim=pass header.d=evil.test header.s=s1");
	/* header.d is the signing domain: an i inside biz.test cannot fix it */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=pass header.d=evil.test (not aligned with biz.test): nothing "
	       "passes",
	       AR "mx.biz.test; dkim=pass header.d=evil.test header.i=@biz.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: dkim=pass (no header.d or header.i): nothing passes",
	       AR "mx.biz.test; dkim=pass header.s=s1");
	/* a property given twice is not believed either way */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=pass header.d=evil.test (header.d given 2 times): nothing "
	       "passes",
	       AR "mx.biz.test; dkim=pass header.d=evil.test header.d=biz.test");
	/* two signatures: any passing aligned one counts */
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim=pass header.d=esp.test; dkim=pass header.d=biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=fail, dkim=pass header.d=esp.test (not aligned with biz.test): "
	       "nothing passes",
	       AR "mx.biz.test; dkim=fail (bad signature) header.d=biz.test; dkim=pass "
	          "header.d=esp.test");
}

/* RFC 8601 section 2.2: comments anywhere, quoted strings, versions, case. */
static void test_grammar(void **state)
{
	(void)state;
	/* method version, upper case method and result */
	EXPECT(AUTH_PASS, "mx.biz.test: dkim/1=pass header.d=biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim/1=pass header.d=biz.test");
	EXPECT(AUTH_PASS, "mx.biz.test: DKIM/1=PASS header.d=Biz.Test. (aligned with biz.test)",
	       AR "mx.biz.test; DKIM / 1 = PASS Header.D = Biz.Test.");
	EXPECT(AUTH_FAIL, "mx.biz.test: dkim/2=pass (unknown version): nothing passes",
	       AR "mx.biz.test; dkim/2=pass header.d=biz.test");
	/* comments (nested, with ';', '=' and quotes inside) everywhere */
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)",
	       AR "(a) mx.biz.test (b; c) ; (d) dkim (e) = (f) pass (g (nested; dkim=fail) "
	          "\"h) header.d (i) = (j) biz.test (k)");
	/* what a comment says is not a result */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=pass header.d=evil.test (not aligned with biz.test): nothing "
	       "passes",
	       AR "mx.biz.test; dkim=pass (header.d=biz.test; dmarc=pass) header.d=evil.test");
	/* quoted strings: a ';' inside one does not start a result */
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim=pass header.b=\"a;b\\\"c\" header.d=\"biz.test\"");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: spf=pass smtp.mailfrom=x;dkim=pass header.d=biz.test@evil.test (not "
	       "aligned with biz.test): nothing passes",
	       AR
	       "mx.biz.test; spf=pass smtp.mailfrom=\"x;dkim=pass header.d=biz.test\"@evil.test");
	/* an RFC 2047 word is only text here (see test_encoded_word) */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: spf=pass "
	       "smtp.mailfrom==?utf-8?q?x=3B_dkim=3Dpass_header=2Ed=3Dbiz=2Etest_x=3D?=@evil.t..."
	       " (not aligned with biz.test): nothing passes",
	       AR
	       "mx.biz.test; spf=pass "
	       "smtp.mailfrom==?utf-8?q?x=3B_dkim=3Dpass_header=2Ed=3Dbiz=2Etest_x=3D?=@evil.test");
	/* a quoted authserv-id, the version, case */
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "\"mx.biz.test\"; dmarc=pass header.from=biz.test");
	EXPECT(AUTH_PASS, "mx.biz.test: DMARC=Pass header.from=BIZ.test",
	       AR "MX.Biz.TEST 1; DMARC=Pass header.from=BIZ.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: Authentication-Results of unknown version 2",
	       AR "mx.biz.test 2; dmarc=pass header.from=biz.test");
	/* no-result, empty and trailing ';', reason, ptype-less properties */
	EXPECT(AUTH_FAIL, "mx.biz.test: none", AR "mx.biz.test; none");
	EXPECT(AUTH_FAIL, "mx.biz.test: no dmarc, dkim or spf result", AR "mx.biz.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: no dmarc, dkim or spf result",
	       AR "mx.biz.test; iprev=pass policy.iprev=198.51.100.7; auth=pass "
	          "smtp.auth=rep@biz.test;;");
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "mx.biz.test; compauth=pass reason=100;dmarc=pass action=none "
	          "header.from=biz.test;");
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)",
	       AR "mx.biz.test; dkim=pass reason=\"signature ok; key 2048\" header.d=biz.test");
	/* tabs (unfolded continuation lines keep them) */
	EXPECT(AUTH_PASS,
	       "mx.biz.test: spf=pass smtp.mailfrom=rep@biz.test (aligned with biz.test)",
	       AR "mx.biz.test;\tspf=pass\t(sender SPF authorized)\tsmtp.mailfrom=rep@biz.test");
	/* several pass: dmarc is named over dkim over spf */
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=biz.test; dkim=pass header.d=biz.test; "
	          "dmarc=pass header.from=biz.test");
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)",
	       AR "mx.biz.test; spf=pass smtp.mailfrom=biz.test; dkim=pass header.d=biz.test; "
	          "dmarc=fail header.from=biz.test");
}

/* Real servers' fields, behind the business's authserv-id. */
static void test_vendor_shapes(void **state)
{
	(void)state;
	/* Gmail */
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR
	       "mx.biz.test;       dkim=pass header.i=@biz.test header.s=20230601 "
	       "header.b=Xy12+/ab;       spf=pass (google.com: domain of rep@biz.test designates "
	       "209.85.220.41 as permitted sender) smtp.mailfrom=rep@biz.test;       dmarc=pass "
	       "(p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=biz.test");
	/* Microsoft 365 */
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "mx.biz.test; spf=pass (sender IP is 40.107.22.91) smtp.mailfrom=biz.test; "
	          "dkim=pass (signature was verified) header.d=biz.test;dmarc=pass action=none "
	          "header.from=biz.test;compauth=pass reason=100");
	EXPECT(AUTH_FAIL, "mx.biz.test: spf=fail, dkim=none, dmarc=fail: nothing passes",
	       AR "mx.biz.test; spf=fail (sender IP is 203.0.113.66) smtp.mailfrom=evil.test; "
	          "dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine "
	          "header.from=biz.test;compauth=fail reason=000");
	/* Microsoft's own field has no authserv-id at all */
	EXPECT(AUTH_FAIL,
	       "no Authentication-Results from mx.biz.test (1 from another server ignored)",
	       AR "spf=pass (sender IP is 40.107.22.91) smtp.mailfrom=biz.test; dkim=pass "
	          "(signature was verified) header.d=biz.test;dmarc=pass action=none "
	          "header.from=biz.test;compauth=pass reason=100");
	/* Fastmail */
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "mx.biz.test;    dkim=pass (2048-bit rsa key sha256) header.d=biz.test      "
	          "header.i=@biz.test header.b=\"Xy12AbCd\" header.a=rsa-sha256      header.s=fm1 "
	          "x-bits=2048;    dmarc=pass policy.published-domain-policy=quarantine      "
	          "policy.applied-disposition=none policy.evaluated-disposition=none      "
	          "(p=quarantine,d=none,d.eval=none) policy.policy-from=p      "
	          "header.from=biz.test;    iprev=pass smtp.remote-ip=198.51.100.7 (out.biz.test);"
	          "    spf=pass smtp.mailfrom=rep@biz.test      smtp.helo=out.biz.test;    "
	          "x-aligned-from=pass (Address match);    x-tls=pass smtp.version=TLSv1.3 "
	          "smtp.cipher=TLS_AES_256_GCM_SHA384      smtp.bits=256/256;    x-vs=clean "
	          "score=-100 state=0");
	/* OpenDKIM and OpenDMARC (Postfix milters) */
	EXPECT(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)",
	       AR "mx.biz.test;\tdkim=pass (2048-bit key; unprotected) header.d=biz.test "
	          "header.i=@biz.test header.a=rsa-sha256 header.s=mail header.b=Xy12AbCd;\t"
	          "dkim-atps=neutral");
	EXPECT(AUTH_FAIL, "mx.biz.test: dmarc=fail: nothing passes",
	       AR "mx.biz.test; dmarc=fail (p=reject dis=reject) header.from=biz.test");
}

/* Only the topmost field of the configured server counts. */
static void test_which_field(void **state)
{
	(void)state;
	EXPECT(AUTH_FAIL, "no Authentication-Results from mx.biz.test", "X-Other: none");
	EXPECT(AUTH_FAIL,
	       "no Authentication-Results from mx.biz.test (1 from another server ignored)",
	       AR "mx.evil.test; dmarc=pass header.from=biz.test");
	EXPECT(AUTH_FAIL,
	       "no Authentication-Results from mx.biz.test (2 from other servers ignored)",
	       AR "mx.biz.test.evil.test; dmarc=pass header.from=biz.test",
	       AR "mx.biz.tes; dmarc=pass header.from=biz.test");
	/* other ids above or below ours change nothing */
	EXPECT(AUTH_FAIL, "mx.biz.test: dmarc=fail: nothing passes",
	       AR "mx.evil.test; dmarc=pass header.from=biz.test",
	       AR "mx.biz.test; dmarc=fail header.from=biz.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: dmarc=fail: nothing passes",
	       AR "mx.biz.test; dmarc=fail header.from=biz.test",
	       AR "mx.evil.test; dmarc=pass header.from=biz.test");
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "mx.evil.test; dmarc=fail header.from=biz.test",
	       AR "mx.biz.test; dmarc=pass header.from=biz.test");
	/* a field with our id further down came with the message: the
	 * topmost (first) decides, either way round */
	EXPECT(AUTH_FAIL, "mx.biz.test: dmarc=fail: nothing passes",
	       AR "mx.biz.test; dmarc=fail header.from=biz.test",
	       AR "mx.biz.test; dmarc=pass header.from=biz.test");
	EXPECT(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test",
	       AR "mx.biz.test; dmarc=pass header.from=biz.test",
	       AR "mx.biz.test; dmarc=fail header.from=biz.test");
	/* the topmost one broken: it still counts, and fails */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: unclosed comment at byte 24",
	       AR "mx.biz.test; dmarc=pass (unclosed header.from=biz.test",
	       AR "mx.biz.test; dmarc=pass header.from=biz.test");
	/* other header names are not Authentication-Results */
	EXPECT(AUTH_FAIL, "mx.biz.test: dmarc=fail: nothing passes",
	       "ARC-Authentication-Results: i=1; mx.biz.test; dmarc=pass header.from=biz.test",
	       "X-Authentication-Results: mx.biz.test; dmarc=pass header.from=biz.test",
	       "Authentication-Results-Original: mx.biz.test; dmarc=pass header.from=biz.test",
	       "authentication-results: mx.biz.test; dmarc=fail header.from=biz.test",
	       AR "mx.biz.test; dmarc=pass header.from=biz.test");
}

static void test_from(void **state)
{
	struct header h = {(char *)"Authentication-Results",
	                   (char *)"mx.biz.test; dmarc=pass header.from=biz.test"};
	struct message m;
	char *why = NULL;

	(void)state;
	expect(AUTH_FAIL, "From is x@evil.test, not the rep rep@biz.test", REP, "x@evil.test",
	       (const char *[]){AR "mx.biz.test; dkim=pass header.d=biz.test", NULL});
	/* another rep of the same business is not this rep */
	expect(AUTH_FAIL, "From is boss@biz.test, not the rep rep@biz.test", REP, "boss@biz.test",
	       (const char *[]){AR "mx.biz.test; dmarc=pass header.from=biz.test", NULL});
	expect(AUTH_FAIL, "From is (none), not the rep rep@biz.test", REP, NULL,
	       (const char *[]){AR "mx.biz.test; dmarc=pass header.from=biz.test", NULL});
	expect(AUTH_PASS, "mx.biz.test: dmarc=pass header.from=biz.test", "Rep@Biz.Test", REP,
	       (const char *[]){AR "mx.biz.test; dmarc=pass header.from=biz.test", NULL});

	/* "From: rep@biz.test, x@evil.test" */
	memset(&m, 0, sizeof(m));
	m.headers = &h;
	m.nheaders = 1;
	m.from.email = (char *)REP;
	m.nfrom = 2;
	assert_int_equal(auth_check(&m, ID, REP, &why), AUTH_FAIL);
	assert_string_equal(why, "From has 2 mailboxes, not only the rep rep@biz.test");
	free(why);
	m.nfrom = 1;
	assert_int_equal(auth_check(&m, ID, REP, &why), AUTH_PASS);
	free(why);
	/* why may be NULL */
	assert_int_equal(auth_check(&m, ID, REP, NULL), AUTH_PASS);
	/* From restored from a list's X-Original-From (message_unlist): the
	 * pass was for the list (the business's own group), not the rep */
	m.from_relayed = 1;
	assert_int_equal(auth_check(&m, ID, REP, &why), AUTH_FAIL);
	assert_string_equal(why, "From rep@biz.test was restored from a mailing list's headers, "
	                         "which no server vouches for");
	free(why);
	m.from_relayed = 0;

	/* nothing to check against */
	assert_int_equal(auth_check(NULL, ID, REP, &why), AUTH_FAIL);
	assert_string_equal(why, "no message, authserv-id or rep address to check");
	free(why);
	assert_int_equal(auth_check(&m, "", REP, &why), AUTH_FAIL);
	assert_string_equal(why, "no message, authserv-id or rep address to check");
	free(why);
	assert_int_equal(auth_check(&m, ID, NULL, &why), AUTH_FAIL);
	free(why);
	assert_int_equal(auth_check(&m, ID, "rep", &why), AUTH_FAIL);
	assert_string_equal(why, "the rep address rep has no domain");
	free(why);
}

static void test_garbage(void **state)
{
	struct buf b = {0};
	char *why = NULL;
	int i;

	(void)state;
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: ')' without '(' at byte 40",
	       AR "mx.biz.test; dkim=pass header.d=biz.test)");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: no '=' after the method at "
	       "byte 18",
	       AR "mx.biz.test; dkim pass header.d=biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: no '=' after a property at "
	       "byte 32",
	       AR "mx.biz.test; dkim=pass header.d biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: no result after '=' at byte "
	       "18",
	       AR "mx.biz.test; dkim=");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: unclosed quoted string at "
	       "byte 32",
	       AR "mx.biz.test; dkim=pass header.d=\"biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: no ';' before a result at "
	       "byte 12",
	       AR "mx.biz.test dmarc=pass header.from=biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: no method name at byte 13",
	       AR "mx.biz.test; =pass");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: no property after '.' at byte "
	       "30",
	       AR "mx.biz.test; dkim=pass header.=biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: no method version after '/' "
	       "at byte 18",
	       AR "mx.biz.test; dkim/=pass header.d=biz.test");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: 'none' beside other results "
	       "at "
	       "byte 19",
	       AR "mx.biz.test; none; dkim=pass header.d=biz.test");
	/* an error after a pass still fails the field */
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: unclosed comment at byte 51",
	       AR "mx.biz.test; dkim=pass header.d=biz.test; spf=pass (oops smtp.mailfrom=x");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: unexpected character at byte "
	       "34",
	       AR "mx.biz.test; dkim=pass header.d=a @biz.test");
	EXPECT(AUTH_FAIL, "mx.biz.test: dkim=pass header.d= (no domain): nothing passes",
	       AR "mx.biz.test; dkim=pass header.d=");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=pass header.d=[198.51.100.7] (no domain): nothing passes",
	       AR "mx.biz.test; dkim=pass header.d=[198.51.100.7]");
	EXPECT(AUTH_FAIL, "mx.biz.test: dkim=pass header.d=biz..test (no domain): nothing passes",
	       AR "mx.biz.test; dkim=pass header.d=biz..test");
	/* an empty field or one without an id is nobody's */
	EXPECT(AUTH_FAIL,
	       "no Authentication-Results from mx.biz.test (1 from another server ignored)", AR "");
	EXPECT(AUTH_FAIL,
	       "no Authentication-Results from mx.biz.test (1 from another server ignored)",
	       AR "; dmarc=pass");
	/* control characters never reach the one line of why */
	EXPECT(AUTH_FAIL, "mx.biz.test: dkim=pass header.d=evil?.test (no domain): nothing passes",
	       AR "mx.biz.test; dkim=pass header.d=\"evil\x01.test\"");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=pass header.d=bi\xc3\xa9?z.test (no domain): nothing passes",
	       AR "mx.biz.test; dkim=pass header.d=\"bi\xc3\xa9\nz.test\"");
	EXPECT(AUTH_FAIL,
	       "mx.biz.test: dkim=pass header.d=bi\xc3\xa9z.test (not aligned with biz.test): "
	       "nothing passes",
	       AR "mx.biz.test; dkim=pass header.d=bi\xc3\xa9z.test");

	/* 8 KiB cap: a longer field of ours is not read */
	buf_adds(&b, AR "mx.biz.test; dmarc=pass header.from=biz.test (");
	for (i = 0; i < 9000; i++)
		buf_addc(&b, 'x');
	buf_addc(&b, ')');
	expect(AUTH_FAIL, "mx.biz.test: Authentication-Results longer than 8192 bytes, not read",
	       REP, REP, (const char *[]){b.s, NULL});
	buf_free(&b);

	/* deep nesting costs no stack */
	buf_adds(&b, AR "mx.biz.test; dkim=pass ");
	for (i = 0; i < 3000; i++)
		buf_addc(&b, '(');
	for (i = 0; i < 3000; i++)
		buf_addc(&b, ')');
	buf_adds(&b, " header.d=biz.test");
	expect(AUTH_PASS, "mx.biz.test: dkim=pass header.d=biz.test (aligned with biz.test)", REP,
	       REP, (const char *[]){b.s, NULL});
	buf_free(&b);
	buf_adds(&b, AR "mx.biz.test; dkim=pass ");
	for (i = 0; i < 3000; i++)
		buf_addc(&b, '(');
	expect(AUTH_FAIL,
	       "mx.biz.test: cannot read its Authentication-Results: unclosed comment at byte 23",
	       REP, REP, (const char *[]){b.s, NULL});
	buf_free(&b);

	/* many results: why stays within 300 bytes and says it was cut */
	buf_adds(&b, AR "mx.biz.test");
	for (i = 0; i < 200; i++)
		buf_printf(&b, "; dkim=pass header.d=signer%d.esp.test", i);
	(void)run(REP, REP, (const char *[]){b.s, NULL}, &why);
	assert_why_shape(why);
	assert_int_equal(strlen(why), 300);
	assert_true(str_istarts(why, "mx.biz.test: dkim=pass header.d=signer0.esp.test (not "
	                             "aligned with biz.test), dkim=pass"));
	assert_string_equal(why + 297, "...");
	free(why);
	buf_free(&b);

	/* a long value is cut in why */
	buf_adds(&b, AR "mx.biz.test; dkim=pass header.d=");
	for (i = 0; i < 100; i++)
		buf_adds(&b, "a.");
	buf_adds(&b, "evil.test");
	(void)run(REP, REP, (const char *[]){b.s, NULL}, &why);
	buf_free(&b);
	buf_adds(&b, "mx.biz.test: dkim=pass header.d=");
	for (i = 0; i < 32; i++)
		buf_adds(&b, "a.");
	buf_adds(&b, "... (not aligned with biz.test): nothing passes");
	assert_why_shape(why);
	assert_string_equal(why, b.s);
	free(why);
	buf_free(&b);
}

/* Checks one mutated field: one line always, and a pass only ever from
 * a field of ID. */
static int mutant(const char *value)
{
	struct header h = {(char *)"Authentication-Results", (char *)value};
	struct message m;
	char *why = NULL;
	enum auth_verdict v;

	memset(&m, 0, sizeof(m));
	m.headers = &h;
	m.nheaders = 1;
	m.from.email = (char *)REP;
	m.nfrom = 1;
	v = auth_check(&m, ID, REP, &why);
	assert_why_shape(why);
	if (v == AUTH_PASS)
		assert_true(str_istarts(why, ID ": "));
	free(why);
	return v == AUTH_PASS;
}

/* Every truncation of real fields, and every position replaced with or
 * preceded by a character that means something to the grammar: never a
 * crash, always one line. */
static void test_mutations(void **state)
{
	static const char *const samples[] = {
	        "mx.biz.test; dkim=pass (2048-bit key; unprotected) header.d=biz.test "
	        "header.i=@biz.test header.b=\"Xy12AbCd\"; dkim-atps=neutral",
	        "mx.biz.test 1; spf=pass (google.com: domain of rep@biz.test designates 1.2.3.4 as "
	        "permitted sender) smtp.mailfrom=rep@biz.test; dmarc=pass (p=NONE) "
	        "header.from=biz.test",
	        "\"mx.biz.test\"; dkim/1=pass reason=\"ok (really)\" header.d=biz.test;dmarc=pass "
	        "action=none header.from=biz.test;compauth=pass reason=100;",
	        "mx.biz.test; none",
	};
	static const char specials[] = "()\";=./@\\ \t\x01";
	size_t s, i, k, passes = 0, calls = 0;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(samples); s++) {
		size_t len = strlen(samples[s]);
		char *v = xmalloc(len + 2);

		for (i = 0; i <= len; i++) {
			/* truncated */
			memcpy(v, samples[s], i);
			v[i] = '\0';
			passes += mutant(v);
			calls++;
			for (k = 0; k < sizeof(specials) - 1 && i < len; k++) {
				/* replaced */
				memcpy(v, samples[s], len + 1);
				v[i] = specials[k];
				passes += mutant(v);
				/* inserted */
				memcpy(v + i + 1, samples[s] + i, len - i + 1);
				passes += mutant(v);
				calls += 2;
			}
		}
		free(v);
	}
	/* some mutants still pass (a changed comment), most do not */
	assert_true(passes > 0);
	assert_true(passes < calls);
}

/* ------------------------------------------------------------- .eml */

static void expect_file(const char *name, const char *id, const char *email, enum auth_verdict want,
                        const char *want_why)
{
	struct message *m = test_parse_file(name);
	char *why = NULL;
	enum auth_verdict v = auth_check(m, id, email, &why);

	assert_why_shape(why);
	assert_string_equal(why, want_why);
	assert_int_equal(v, want);
	free(why);
	message_free(m);
}

static void test_files(void **state)
{
	(void)state;
	expect_file("auth/gmail.eml", "mx.google.com", "dana@biz.test", AUTH_PASS,
	            "mx.google.com: dmarc=pass header.from=biz.test");
	/* the same mail checked as somebody else's, or against another id */
	expect_file("auth/gmail.eml", "mx.google.com", "bob@biz.test", AUTH_FAIL,
	            "From is dana@biz.test, not the rep bob@biz.test");
	expect_file("auth/gmail.eml", "mx.biz.test", "dana@biz.test", AUTH_FAIL,
	            "no Authentication-Results from mx.biz.test (1 from another server ignored)");
	/* an attacker's copy of Gmail's field sits below Gmail's own */
	expect_file("auth/gmail-forged.eml", "mx.google.com", "dana@biz.test", AUTH_FAIL,
	            "mx.google.com: dkim=pass header.i=@evil.test (not aligned with biz.test), "
	            "spf=pass smtp.mailfrom=x@evil.test (not aligned with biz.test), dmarc=fail: "
	            "nothing passes");
	/* Microsoft 365 writes no authserv-id: nothing to trust */
	expect_file("auth/microsoft.eml", "mx.biz.test", "dana@biz.test", AUTH_FAIL,
	            "no Authentication-Results from mx.biz.test (1 from another server ignored)");
	/* Fastmail writes four fields under its id and the topmost has no
	 * dmarc, dkim or spf result: by the topmost rule it fails */
	expect_file("auth/fastmail.eml", "mx4.messagingengine.com", "dana@biz.test", AUTH_FAIL,
	            "mx4.messagingengine.com: no dmarc, dkim or spf result");
	/* OpenDMARC's field is above OpenDKIM's; From in mixed case */
	expect_file("auth/postfix-opendkim.eml", "mx.biz.test", "dana@biz.test", AUTH_PASS,
	            "mx.biz.test: dmarc=pass header.from=biz.test");
	expect_file("auth/postfix-forged.eml", "mx.biz.test", "dana@biz.test", AUTH_FAIL,
	            "mx.biz.test: dmarc=fail: nothing passes");
}

/* RFC 2047 words are not decoded in an Authentication-Results field: an
 * envelope sender like "=?utf-8?q?x=3B_dkim=3Dpass...?=@evil.test" that
 * the server copies into smtp.mailfrom (or into a comment) must stay one
 * value.  message.c decodes every header (see the report to the lead);
 * this test runs once it hands this field over as written. */
static void test_encoded_word(void **state)
{
	struct message *m = test_parse_file("auth/encoded-word.eml");
	const char *v = message_header(m, "Authentication-Results");
	char *why = NULL;

	(void)state;
	assert_non_null(v);
	if (strstr(v, "=?") == NULL) {
		print_message("message.c decoded RFC 2047 in Authentication-Results: \"%s\"\n", v);
		message_free(m);
		skip();
	}
	assert_int_equal(auth_check(m, "mx.biz.test", "dana@biz.test", &why), AUTH_FAIL);
	assert_string_equal(
	        why,
	        "mx.biz.test: spf=pass "
	        "smtp.mailfrom==?utf-8?q?x=3B_dkim=3Dpass_header=2Ed=3Dbiz=2Etest_x=3D?=@evil.t..."
	        " (not aligned with biz.test): nothing passes");
	free(why);
	message_free(m);
}

/* ------------------------------------------------------------- corpus */

static size_t corpus_files, corpus_fields;

/* Checks m against every authserv-id it carries (as the From address's
 * rep, so the fields are parsed to the end) and against ID. */
static void check_all_ids(const struct message *m)
{
	const char *email = m->from.email ? m->from.email : REP;
	char *why = NULL;
	size_t i;

	(void)auth_check(m, ID, email, &why);
	assert_why_shape(why);
	free(why);
	for (i = 0; i < m->nheaders; i++) {
		const char *v = m->headers[i].value;
		char id[256];
		size_t n;

		if (!str_ieq(m->headers[i].name, "Authentication-Results"))
			continue;
		corpus_fields++;
		v += strspn(v, " \t");
		n = strcspn(v, " \t;(");
		if (n == 0 || n >= sizeof(id))
			continue;
		memcpy(id, v, n);
		id[n] = '\0';
		(void)auth_check(m, id, email, &why);
		assert_why_shape(why);
		free(why);
	}
}

static int check_raw(const char *raw, size_t len, int index, void *arg)
{
	struct message *m = NULL;
	char *error = NULL;

	(void)index;
	(void)arg;
	if (message_parse(raw, len, &m, &error) != 0) {
		free(error);
		return 0;
	}
	check_all_ids(m);
	message_free(m);
	return 0;
}

static int check_corpus_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char *data = NULL;
	size_t len = 0;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size > (16 << 20))
		return 0;
	if (file_read(path, 16u << 20, &data, &len) != 0)
		return 0;
	corpus_files++;
	if (message_is_mbox(data, len))
		message_mbox_foreach(data, len, check_raw, NULL);
	else
		check_raw(data, len, 0, NULL);
	free(data);
	return 0;
}

static void test_corpus(void **state)
{
	struct stat st;

	(void)state;
	if (stat(CORPUS, &st) != 0) {
		print_message("no %s here\n", CORPUS);
		skip();
	}
	assert_int_equal(nftw(CORPUS, check_corpus_file, 16, FTW_PHYS), 0);
	print_message("%zu corpus files, %zu Authentication-Results fields\n", corpus_files,
	              corpus_fields);
	assert_true(corpus_files > 100);
	assert_true(corpus_fields > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dmarc),         cmocka_unit_test(test_spf),
	        cmocka_unit_test(test_dkim),          cmocka_unit_test(test_grammar),
	        cmocka_unit_test(test_vendor_shapes), cmocka_unit_test(test_which_field),
	        cmocka_unit_test(test_from),          cmocka_unit_test(test_garbage),
	        cmocka_unit_test(test_mutations),     cmocka_unit_test(test_files),
	        cmocka_unit_test(test_encoded_word),  cmocka_unit_test(test_corpus),
	};
	int rc;

	message_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	message_shutdown();
	return rc;
}
