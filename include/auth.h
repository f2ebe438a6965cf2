/*
 * auth.h - is a message really from the rep it claims to be from?
 *
 * A From header alone proves nothing.  When the business's receiving mail
 * server adds Authentication-Results (RFC 8601) under a known authserv-id,
 * its verdict is proof: the topmost Authentication-Results header whose
 * authserv-id is [security] authserv_id must show
 *
 *   - dmarc=pass (with header.from, when given, equal to the From domain), or
 *   - spf=pass whose smtp.mailfrom domain is aligned with the rep's domain, or
 *   - dkim=pass whose header.d (or header.i domain) is aligned with it,
 *
 * where aligned means relaxed alignment (RFC 7489 section 3.1): the same
 * domain, or one a sub-domain of the other under the same organisational
 * domain (approximated as: one ends with "." + the other, and that other
 * has a dot: a bare top-level domain aligns with nothing but itself).
 * dkim uses header.d, and header.i only when no header.d is given.  Any
 * passing aligned result counts when a method appears more than once; a
 * result that gives the same property twice counts for nothing.
 * Headers with any other authserv-id (compared case-insensitively) are
 * ignored: anyone can write one.  Only the topmost matching header counts:
 * the receiving server prepends its own, and headers further down came
 * with the message.  So a server that writes several fields under its id
 * (Fastmail; Postfix with several milters) is judged by the topmost one.
 *
 * The verdict is FAIL, whatever the results say, when the From address is
 * not email (case-insensitive) or From has more than one mailbox, and
 * when the header that counts does not parse (unclosed comment or quoted
 * string, a result without '=', ...), is longer than 8 KiB, or has a
 * version other than 1 (RFC 8601 section 2.2; also for method versions
 * such as dkim/2).  The header value must reach auth_check as written
 * (unfolded only): RFC 2047 words decoded inside it could forge results.
 *
 * No library in Debian parses Authentication-Results for C callers
 * (OpenDMARC and OpenDKIM keep theirs internal), so the RFC 8601 grammar
 * needed here (authserv-id; method=result ptype.property=value ...;
 * comments in parentheses, quoted strings) is parsed in auth.c.
 */
#ifndef REFAGENT_AUTH_H
#define REFAGENT_AUTH_H

struct message;

enum auth_verdict {
	AUTH_PASS = 1, /* the server vouches for the sender's domain */
	AUTH_FAIL = 0, /* no header of that id, or none of its results pass aligned */
};

/*
 * Checks m against authserv_id for a sender at email (lower case).
 * Returns the verdict and, when why is not NULL, sets *why (caller frees)
 * to one line of at most 300 bytes (control characters shown as '?')
 * saying what was found, e.g. "mx.biz.test: dmarc=pass
 * header.from=biz.test", "mx.biz.test: dmarc=fail, dkim=pass
 * header.d=evil.test (not aligned with biz.test): nothing passes" or "no
 * Authentication-Results from mx.biz.test (2 from other servers ignored)".
 */
enum auth_verdict auth_check(const struct message *m, const char *authserv_id, const char *email,
                             char **why);

/* How far the agent can trust who a message says it is from. */
enum auth_trust {
	AUTH_ON_TRUST,   /* no authserv_id configured: From is taken on trust
	                    (README "Who may change a status" says which
	                    actions are) */
	AUTH_VERIFIED,   /* the receiving server vouches for email (AUTH_PASS) */
	AUTH_UNVERIFIED, /* an authserv_id is configured and it does not */
};

/*
 * auth_check for a configured authserv_id, AUTH_ON_TRUST without one
 * (authserv_id NULL or empty: *why is then NULL).  Otherwise *why (caller
 * frees) is auth_check's line.  why may be NULL.
 */
enum auth_trust auth_trust(const struct message *m, const char *authserv_id, const char *email,
                           char **why);

#endif
