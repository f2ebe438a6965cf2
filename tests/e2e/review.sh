#!/usr/bin/env bash
# review.sh BIN - nothing moves on a forged word, nothing is held silently
# (issue 8), driven by mail sent with real clients through Postfix, each
# step read back over IMAP from the mailbox of the person concerned and
# checked in `refagent show --json`:
#
#   a mass mail naming six leads -> held, nobody written to, the review mail
#   at the admin -> a genuine intro of one of the six leads (a referral of
#   its own referrer, not a touch) -> a forged first contact from the rep's
#   address (a claim: nothing cancelled, nobody told, the rep asked) -> the
#   admin answers the review mail, authenticated: release, release of the
#   lead introduced meanwhile (settled there as a second introduction),
#   reject; the thank-you goes out on release, the outcome back to the
#   admin -> "reject all" unauthenticated (a confirmation, nothing changes)
#   then the authenticated "yes" -> a forged status line (refused, the
#   refusal note to the rep) and the rep's authenticated "yes" to it ->
#   the lead's "Bitte keine weiteren E-Mails" (opted out).
set -euo pipefail
BIN=$1
E2E_NAME=review
E2E_PORT_BASE=19140
export MW_EXTRA_USERS="admin@biz.test" MW_CATCHALL=1
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
trap world_stop EXIT
world_start
conf=$W/refagent.conf
schedule_anytime "$conf"
cat >>"$conf" <<EOC

[security]
authserv_id = mx.biz.test
EOC
"$BIN" -c "$conf" check >/dev/null || fail "config: $("$BIN" -c "$conf" check 2>&1)"
ra() { "$BIN" -c "$conf" "$@"; }
pending() { ra outbox --json | jq "[.[] | select(.state == \"pending\" and .template == \"$1\" and .referral == $2)] | length"; }
PASS_REP="mx.biz.test; spf=pass smtp.mailfrom=rep@biz.test; dkim=pass header.d=biz.test; dmarc=pass header.from=biz.test"
PASS_ADMIN="mx.biz.test; spf=pass smtp.mailfrom=admin@biz.test; dmarc=pass header.from=biz.test"
# answer FROM NAME AUTHRESULTS(or "") TO IN-REPLY-TO ID BODY: a reply by mail
answer() {
	{
		[ -z "$3" ] || echo "Authentication-Results: $3"
		cat <<EOM
From: $2 <$1>
To: $4
Subject: Re: your mail
Message-ID: <$6@biz.test>
In-Reply-To: $5
References: $5
Date: $(date -R)

$7
EOM
	} >"$W/$6.eml"
	# to the agent only: the other recipients are in the header
	deliver "$1" "$(grep -o 'agent[^ <>,]*@biz\.test' <<<"$4" | head -1)" "$W/$6.eml"
}

# ---- a mass mail: held, nobody written to, the review mail at the admin ----
cat >"$W/mass.eml" <<EOM
From: Mark Spammy <mark@partner.test>
To: a1@client.test, a2@client.test, Ann Three <a3@client.test>, a4@client.test,
 a5@client.test, a6@client.test
Cc: agent@biz.test
Subject: Meet everyone!
Message-ID: <mass-1@partner.test>
Date: $(date -R)

Everyone, meet Brightpath! Let me introduce you all.
EOM
deliver mark@partner.test agent@biz.test "$W/mass.eml"
cycle
[ "$(ra list --status held --json | jq length)" = 6 ] || fail "held: $(ra list)"
wait_search admin@biz.test 'SUBJECT "For your review: 6 waiting"' 1
body_of admin@biz.test 'SUBJECT "For your review"' >"$W/review.txt"
grep -q '^#1 held: 6 leads is more than max_leads 5: looks like a mass mailing; lead a1@client.test; referrer Mark Spammy <mark@partner.test>, "Meet everyone!"' "$W/review.txt" ||
	fail "review mail lines: $(cat "$W/review.txt")"
grep -q '^#6 held: ' "$W/review.txt" || fail "review mail: not all six: $(cat "$W/review.txt")"
review_id=$(header_of admin@biz.test 'SUBJECT "For your review"' Message-Id)
header_of admin@biz.test 'SUBJECT "For your review"' Reply-To | grep -q 'agent+review@biz.test' ||
	fail "review mail Reply-To"
[ "$(imap_search referrer@partner.test 'TO "mark@partner.test"')" = 0 ] || fail "the mass mailer was written to"
[ "$(imap_search lead@client.test 'FROM "agent@biz.test"')" = 0 ] || fail "a held lead was written to"
ok "mass mail: six held, nobody written to, the review mail at the admin ($review_id)"

# ---- a genuine intro of a held lead: its own referral, not a touch ----
cat >"$W/genuine.eml" <<EOM
From: Priya Raman <priya@partner.test>
To: Ann Three <a3@client.test>
Cc: agent@biz.test
Subject: Ann, meet Brightpath
Message-ID: <genuine-1@partner.test>
Date: $(date -R)

Ann, meet Brightpath. I'd like to introduce you to the team that did our
kitchen.

Priya
EOM
deliver priya@partner.test agent@biz.test "$W/genuine.eml"
cycle
[ "$(show 7 .status)" = new ] && [ "$(show 7 .referrer.email)" = priya@partner.test ] ||
	fail "genuine intro: $(ra show 7)"
[ "$(events 3 touch)" = 0 ] && [ "$(show 3 .status)" = held ] || fail "the held referral took the intro: $(ra show 3)"
wait_search referrer@partner.test 'TO "priya@partner.test" SUBJECT "Thank you"' 1
wait_search lead@client.test 'TO "a3@client.test" FROM "agent@biz.test"' 1
welcome7=$(header_of lead@client.test 'TO "a3@client.test" FROM "agent@biz.test"' Message-Id)
[ "$(imap_search referrer@partner.test 'TO "mark@partner.test"')" = 0 ] || fail "the mass mailer was told of it"
ok "a genuine intro of a held lead: referral 7, credited to Priya, thanked; the mass mailer told nothing"

# ---- a forged first contact: a claim that stops nothing ----
answer rep@biz.test "Tom Rivera" "" "Ann Three <a3@client.test>, agent+r7@biz.test" "$welcome7" forged-contact \
	"Hi Ann, lovely to meet you; when can I come by?"
cycle
[ "$(show 7 .status)" = new ] && [ "$(show 7 .first_contact_at)" = null ] || fail "a forged reply moved it: $(ra show 7)"
show 7 '.events[] | select(.kind == "claim") | .detail' | grep -q 'rep@biz.test claimed first contact (unauthenticated: no Authentication-Results from mx.biz.test); nothing cancelled' ||
	fail "no claim: $(ra show 7)"
[ "$(pending remind-rep 7)" = 1 ] || fail "the reminder was cancelled: $(ra outbox)"
[ "$(imap_search referrer@partner.test 'TO "priya@partner.test" SUBJECT "update"')" = 0 ] || fail "the referrer was told"
wait_search rep@biz.test 'SUBJECT "Not applied: your mail to Ann Three (referral #7)"' 1
body_of rep@biz.test 'SUBJECT "Not applied: your mail to Ann Three"' | grep -q 'could not confirm that it came from you' ||
	fail "refusal note text"
ok "a forged first contact: a claim; reminder kept, referrer not told, the rep asked"

# ---- the admin answers the review mail, authenticated ----
answer admin@biz.test "Olivia Admin" "$PASS_ADMIN" "agent+review@biz.test" "$review_id" admin-1 \
	"release 1
release 3
reject 2

Thanks,
Olivia"
cycle
[ "$(show 1 .status)" = new ] || fail "#1 not released: $(ra show 1)"
[ "$(show 2 .status)" = rejected ] || fail "#2 not rejected: $(ra show 2)"
[ "$(show 3 .status)" = rejected ] || fail "#3 not settled: $(ra show 3)"
show 3 '.events[-1].detail' | grep -q 'already has referral 7 (credited to Priya Raman): recorded there as a second introduction' ||
	fail "#3 note: $(ra show 3)"
[ "$(show 7 .referrer.email)" = priya@partner.test ] || fail "credit moved off Priya"
wait_search referrer@partner.test 'TO "mark@partner.test" SUBJECT "Thank you"' 2
body_of referrer@partner.test 'TO "mark@partner.test" SUBJECT "Thank you"' >"$W/mark.txt"
grep -q 'already been introduced to us by Priya Raman' "$W/mark.txt" ||
	fail "the mass mailer's second-introduction note: $(cat "$W/mark.txt"; ra outbox; ra show 3)"
wait_search referrer@partner.test 'TO "priya@partner.test" SUBJECT "update"' 1
wait_search lead@client.test 'TO "a1@client.test" FROM "agent@biz.test"' 1
[ "$(imap_search lead@client.test 'TO "a2@client.test"')" = 0 ] || fail "a rejected lead was written to"
[ "$(imap_search lead@client.test 'TO "a3@client.test" FROM "agent@biz.test"')" = 1 ] || fail "a3 welcomed twice"
wait_search admin@biz.test 'SUBJECT "Review: released #1"' 1
body_of admin@biz.test 'SUBJECT "Review: released #1"' | grep -q '#3 introduced a lead who already has referral #7' ||
	fail "the outcome told to the admin"
ok "the admin's answer: #1 released (thank-you, welcome), #3 settled into #7, #2 rejected; the outcome told"

# ---- unauthenticated: a confirmation first ----
answer admin@biz.test "Olivia Admin" "" "agent+review@biz.test" "$review_id" admin-2 "reject all"
cycle
[ "$(ra list --status held --json | jq length)" = 3 ] || fail "an unauthenticated answer changed something"
wait_search admin@biz.test 'SUBJECT "Please confirm: reject #4, #5 and #6"' 1
confirm_id=$(header_of admin@biz.test 'SUBJECT "Please confirm: reject"' Message-Id)
answer admin@biz.test "Olivia Admin" "$PASS_ADMIN" "agent@biz.test" "$confirm_id" admin-3 "yes"
cycle
[ "$(ra list --status held --json | jq length)" = 0 ] || fail "reject all not done: $(ra list)"
[ "$(ra list --status rejected --json | jq length)" = 5 ] || fail "rejected: $(ra list)"
ok "\"reject all\" without the server's word: confirmed by an authenticated yes, then done"

# ---- a forged status line: refused, the rep told; the rep's yes ----
answer rep@biz.test "Tom Rivera" "mx.biz.test; spf=fail smtp.mailfrom=rep@biz.test; dkim=none; dmarc=fail header.from=biz.test" \
	"Ann Three <a3@client.test>, agent+r7@biz.test" "$welcome7" forged-won "Signed!

#won 12000"
cycle
[ "$(show 7 .status)" = new ] || fail "a forged status line moved it: $(show 7 .status)"
show 7 '.events[] | select(.kind == "refused") | .detail' | grep -q 'status line "#won 12000" from rep@biz.test refused: mx.biz.test: ' ||
	fail "no refusal: $(ra show 7)"
wait_search rep@biz.test 'SUBJECT "Not applied: #won 12000 (referral #7)"' 1
body_of rep@biz.test 'SUBJECT "Not applied: #won 12000"' | grep -q 'answer this mail with "yes" to mark Ann Three as won' ||
	fail "refusal note: $(body_of rep@biz.test 'SUBJECT "Not applied: #won 12000"')"
refusal_id=$(header_of rep@biz.test 'SUBJECT "Not applied: #won 12000"' Message-Id)
answer rep@biz.test "Tom Rivera" "$PASS_REP" "agent+r7@biz.test" "$refusal_id" rep-yes "Yes, that was me."
cycle
[ "$(show 7 .status)" = won ] || fail "the rep's yes: $(ra show 7)"
wait_search referrer@partner.test 'TO "priya@partner.test" SUBJECT "Good news"' 1
ok "a forged status line refused, the rep told; the rep's authenticated yes applied it"

# ---- the lead's "Bitte keine weiteren E-Mails" ----
welcome1=$(header_of lead@client.test 'TO "a1@client.test" FROM "agent@biz.test"' Message-Id)
answer a1@client.test "A One" "" "agent+r1@biz.test" "$welcome1" optout-de "Bitte keine weiteren E-Mails.

A."
cycle
ra show 1 --json | jq -e '[.events[] | select(.kind == "opt-out" and (.detail | contains("rule optout-reply-de")))] | length == 1' >/dev/null ||
	fail "German opt-out: $(ra show 1)"
[ "$(ra outbox --json | jq '[.[] | select(.to == "a1@client.test" and .state == "pending")] | length')" = 0 ] ||
	fail "mail to a1 still pending"
ok "\"Bitte keine weiteren E-Mails\": opted out, nothing more to them"
echo "review: all passed"
