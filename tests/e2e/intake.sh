#!/usr/bin/env bash
# intake.sh BIN - the kinds of introduction people send, end to end (issue
# 8): each mail is delivered to the agent's mailbox through Postfix, the
# agent polls and sends, and what each person finds in their own mailbox is
# read back over IMAP:
#
#   a refer-a-friend web form (the form service's address is no referrer:
#   the submitter is thanked, the friend welcomed); the lead only in the
#   text, as a contact block in a mail to the agent alone; an intro with no
#   stock phrase (the agent in Cc, a greeting naming the lead); an intro in
#   Spanish (the lead's phone in a Spanish format); a double opt-in ask
#   naming someone without an address (no referral, nobody written to but
#   the admin's review); a customer's invoice question (nothing at all).
#
# Every mail to a person greets that person by name.
set -euo pipefail
BIN=$1
E2E_NAME=intake
E2E_PORT_BASE=19240
export MW_EXTRA_USERS="admin@biz.test" MW_CATCHALL=1
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
trap world_stop EXIT
world_start
conf=$W/refagent.conf
schedule_anytime "$conf"
"$BIN" -c "$conf" check >/dev/null || fail "config: $("$BIN" -c "$conf" check 2>&1)"
ra() { "$BIN" -c "$conf" "$@"; }
data=$E2E_TOP/tests/data/intake

# each fixture as it arrives: its own Message-ID, today's date
arrive() { # FILE: deliver the fixture to the agent
	local f=$W/$(basename "$1")
	sed -e "s/^Message-I[Dd]: <\(.*\)>/Message-ID: <e2e.\1>/" \
		-e "s/^Date: .*/Date: $(date -R)/" "$1" >"$f"
	deliver "$(sed -n 's/^From:.*<\(.*\)>.*/\1/p' "$f" | head -1)" agent@biz.test "$f"
}
for f in form-wpforms-refer text-contact-block struct-lowercase lang-es review-double-opt-in \
	neg-support-invoice; do
	arrive "$data/$f.eml"
done
cycle
n=$(ra list --json | jq length)
[ "$n" = 4 ] || fail "4 referrals, got $n: $(ra list)"

# the form: the submitter thanked, the friend welcomed; the form service
# (wordpress@biz.test, the business's own) got nothing
wait_search referrer@partner.test 'TO "sarah.lee@partner.test" SUBJECT "Thank you"' 1
body_of referrer@partner.test 'TO "sarah.lee@partner.test" SUBJECT "Thank you"' |
	grep -q '^Hi Sarah,' || fail "form: the thank-you does not greet Sarah"
wait_search lead@client.test 'TO "bob.smith@client.test"' 1
body_of lead@client.test 'TO "bob.smith@client.test"' | grep -q '^Hi Bob,' ||
	fail "form: the welcome does not greet Bob"
[ "$(ra outbox --json | jq '[.[] | select(.to == "wordpress@biz.test")] | length')" = 0 ] ||
	fail "mail to the form service"
ok "a refer-a-friend form: the submitter thanked, the friend welcomed"

# the lead only in the text
wait_search lead@client.test 'TO "maria.gonzalez@client.test"' 1
body_of lead@client.test 'TO "maria.gonzalez@client.test"' | grep -q '^Hi Maria,' ||
	fail "contact block: the welcome does not greet Maria"
r=$(ra list --json | jq -r '.[] | select(.lead.email == "maria.gonzalez@client.test") | .lead.phone')
[ "$r" = "(555) 234-5678" ] || fail "contact block: phone $r"
wait_search referrer@partner.test 'TO "dan.kowalczyk@partner.test" SUBJECT "Thank you"' 1
ok "the lead only in the text (a contact block): welcomed, phone kept, the writer thanked"

# no stock phrase, the structure says it
n=$(ra list --json | jq '[.[] | select(.confidence >= 5 and (.evidence | test("Cc")))] | length')
[ "$n" -ge 1 ] || fail "no referral on structure: $(ra list --json | jq -c '[.[] | {lead: .lead.email, confidence, evidence}]')"
ok "an intro with no stock phrase: a referral on its structure (agent in Cc, lower-case, no greeting formula)"

# Spanish
r=$(ra list --json | jq -r '.[] | select(.lead.email == "pablo.ruiz@client.test") | .lead.phone')
[ "$r" = "+34 612 34 56 78" ] || fail "Spanish: phone $r"
wait_search lead@client.test 'TO "pablo.ruiz@client.test"' 1
ok "an intro in Spanish: the lead's phone in its national format, welcomed"

# named but unreachable: no referral, nobody written to but the admin
wait_search admin@biz.test 'SUBJECT "review"' 1
body_of admin@biz.test 'SUBJECT "review"' | grep -q 'Jane Doe' ||
	fail "review mail does not name Jane Doe: $(body_of admin@biz.test 'SUBJECT "review"' | head -20)"
ok "a double opt-in ask naming someone without an address: only the admin's review"

# the invoice question: nobody written to
[ "$(ra outbox --json | jq '[.[] | select(.to == "rita.gomez@client.test")] | length')" = 0 ] ||
	fail "mail to the customer asking about an invoice"
[ "$(imap_search lead@client.test 'TO "rita.gomez@client.test"')" = 0 ] || fail "invoice: a mail arrived"
ok "a customer's invoice question: not a referral, nobody written to"
echo "intake e2e: all passed"
