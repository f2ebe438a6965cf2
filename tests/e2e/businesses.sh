#!/usr/bin/env bash
# businesses.sh BIN - two businesses in one database never see or touch
# each other's referrals, people, jobs or rewards.  Two agents, Brightpath
# (agent@biz.test) and Northwind (agent2@biz.test), each with its own
# config and [agent] business, share one database: a SQLite file, or with
# REFAGENT_PG (tests/pg.sh) a PostgreSQL database.
#
#   1. the same lead introduced to both, by different referrers: two
#      referrals, each business's own, each crediting its own referrer
#      (neither is a "second referrer" of the other); and one intro with
#      both agents in Cc (one Message-ID): a referral in each
#   2. each sends its own thank-yous; each outbox lists its own mail only
#   3. an id of the other business is "no referral" here, and changing it
#      changes nothing
#   4. a win and its reward in one: the other's ledger stays empty
#   5. report --all-businesses: each business's figures and the totals
#   6. forget in one: the other's record of the same person stays whole
set -euo pipefail
BIN=$1
E2E_NAME=businesses
E2E_PORT_BASE=14140
export MW_EXTRA_USERS="agent2@biz.test admin@biz.test" MW_CATCHALL=1
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
trap world_stop EXIT
world_start
a=$W/refagent.conf
sed -i "s|^\[agent\]|&\nbusiness = brightpath|" "$a"
cat >>"$a" <<EOC

[schedule]
business_hours = 00:00-24:00
business_days = mon-sun
max_per_day = 50

[rewards]
client = 10%
EOC
b=$W/northwind.conf
sed -e 's|agent@biz.test|agent2@biz.test|g' -e 's|^business = .*|business = northwind|' \
	-e 's|^name = .*|name = Northwind Builders|' "$a" >"$b"
grep -q "^database = $(grep '^database = ' "$a" | cut -d' ' -f3-)\$" "$b" ||
	fail "the two configs do not share the database"
for c in "$a" "$b"; do
	"$BIN" -c "$c" check >/dev/null || fail "config $c: $("$BIN" -c "$c" check 2>&1)"
done
ra() { "$BIN" -c "$a" "$@"; }
rb() { "$BIN" -c "$b" "$@"; }
both() { ra "$@" && rb "$@"; }

# intro MSGID FROM CC...: an intro of Bob (or $LEAD) by FROM with CC in Cc
intro() {
	local id=$1 from=$2
	shift 2
	local cc
	cc=$(
		IFS=,
		echo "$*"
	)
	cat >"$W/$id.eml" <<EOM
From: Referrer <$from>
To: Bob Smith <${LEAD:-lead@client.test}>
Cc: $cc
Subject: Bob, meet the team ($id)
Message-ID: <$id@partner.test>
Date: $(date -R)

Hi Bob, I'd like to introduce you to the team. Bob is planning a kitchen
remodel, budget is around \$25,000.

Best,
Referrer
EOM
	send_mail "$from" "${LEAD:-lead@client.test},$cc" "$W/$id.eml"
}

# ---- 1. the same lead to both; one intro to both ----
intro intro-a sarah@partner.test agent@biz.test
intro intro-b mike@partner.test agent2@biz.test
LEAD=carol@client.test intro intro-both jane@partner.test agent@biz.test agent2@biz.test
wait_count agent@biz.test 2
wait_count agent2@biz.test 2
ra poll --once 2>"$W/poll-a.log" || fail "poll a: $(tail -3 "$W/poll-a.log")"
rb poll --once 2>"$W/poll-b.log" || fail "poll b: $(tail -3 "$W/poll-b.log")"
la=$(ra list --json)
lb=$(rb list --json)
[ "$(jq length <<<"$la")" = 2 ] || fail "brightpath lists $(jq length <<<"$la") referrals, want 2"
[ "$(jq length <<<"$lb")" = 2 ] || fail "northwind lists $(jq length <<<"$lb") referrals, want 2"
bob_a=$(jq -r '.[] | select(.lead.email == "lead@client.test") | .id' <<<"$la")
bob_b=$(jq -r '.[] | select(.lead.email == "lead@client.test") | .id' <<<"$lb")
[ -n "$bob_a" ] && [ -n "$bob_b" ] && [ "$bob_a" != "$bob_b" ] ||
	fail "the lead's referrals: brightpath '$bob_a', northwind '$bob_b'"
[ "$(jq -r ".[] | select(.id == $bob_a) | .referrer.email" <<<"$la")" = sarah@partner.test ] ||
	fail "brightpath credits $(jq -r ".[] | select(.id == $bob_a) | .referrer.email" <<<"$la")"
[ "$(jq -r ".[] | select(.id == $bob_b) | .referrer.email" <<<"$lb")" = mike@partner.test ] ||
	fail "northwind credits $(jq -r ".[] | select(.id == $bob_b) | .referrer.email" <<<"$lb")"
for pair in "ra $bob_a" "rb $bob_b"; do
	set -- $pair
	ev=$($1 show "$2" --json | jq -r '[.events[].kind] | join(",")')
	grep -q -e second -e credit <<<"$ev" && fail "referral $2 was taken as a second referral: $ev"
done
[ "$(jq '[.[] | select(.lead.email == "carol@client.test")] | length' <<<"$la")" = 1 ] &&
	[ "$(jq '[.[] | select(.lead.email == "carol@client.test")] | length' <<<"$lb")" = 1 ] ||
	fail "the intro to both is not one referral in each"
ok "the same lead introduced to both: two referrals, each crediting its own referrer; one intro to both agents: a referral in each"

# ---- 2. each its own mail ----
ra send 2>>"$W/send.log" || true
rb send 2>>"$W/send.log" || true
wait_search referrer@partner.test 'FROM "agent@biz.test" SUBJECT "Thank you"' 2
wait_search referrer@partner.test 'FROM "agent2@biz.test" SUBJECT "Thank you"' 2
sleep 1
[ "$(imap_search referrer@partner.test 'SUBJECT "Thank you"')" = 4 ] ||
	fail "$(imap_search referrer@partner.test 'SUBJECT "Thank you"') thank-yous, want 4"
to_a=$(ra outbox --json | jq -r '[.[].to] | unique | join(" ")')
to_b=$(rb outbox --json | jq -r '[.[].to] | unique | join(" ")')
grep -qw mike@partner.test <<<"$to_a" && fail "brightpath's outbox has northwind's mail: $to_a"
grep -qw sarah@partner.test <<<"$to_b" && fail "northwind's outbox has brightpath's mail: $to_b"
grep -qw sarah@partner.test <<<"$to_a" && grep -qw mike@partner.test <<<"$to_b" ||
	fail "outboxes: brightpath '$to_a', northwind '$to_b'"
ok "each business thanked its own referrers; each outbox holds its own mail"

# ---- 3. the other's ids ----
# (ids are the database's, so northwind's are none of brightpath's)
before=$(rb show "$bob_b" --json | jq -c '{status, updated_at}')
ra show "$bob_b" >/dev/null 2>&1 && fail "brightpath shows northwind's referral $bob_b"
ra status "$bob_b" lost >/dev/null 2>&1 && fail "brightpath changed northwind's referral $bob_b"
[ "$(rb show "$bob_b" --json | jq -c '{status, updated_at}')" = "$before" ] ||
	fail "northwind's referral changed by brightpath"
ok "an id of the other business is no referral here and changes nothing"

# ---- 4. a win and its reward ----
ra status "$bob_a" won --value 12000 >/dev/null || fail "status won"
[ "$(ra rewards --json | jq length)" = 1 ] || fail "brightpath's ledger: $(ra rewards --json)"
[ "$(rb rewards --json | jq length)" = 0 ] || fail "northwind's ledger: $(rb rewards --json)"
[ "$(rb show "$bob_b" --json | jq -r .status)" = new ] || fail "northwind's referral of the lead moved"
ok "a win and its reward in brightpath; northwind's ledger and referral untouched"

# ---- 5. report --all-businesses ----
rep=$(ra report --all-businesses --json)
[ "$(jq '.businesses | length' <<<"$rep")" = 2 ] || fail "report --all-businesses: $rep"
[ "$(jq -r '.businesses[] | select(.business == "brightpath") | "\(.referrals) \(.by_status.won) \(.rewards_owed_count)"' <<<"$rep")" = "2 1 1" ] ||
	fail "brightpath in the report: $(jq -c '.businesses[0]' <<<"$rep")"
[ "$(jq -r '.businesses[] | select(.business == "northwind") | "\(.referrals) \(.by_status.won) \(.rewards_owed_count)"' <<<"$rep")" = "2 0 0" ] ||
	fail "northwind in the report: $(jq -c '.businesses[1]' <<<"$rep")"
[ "$(jq -r '"\(.total.referrals) \(.total.by_status.won)"' <<<"$rep")" = "4 1" ] ||
	fail "report totals: $(jq -c .total <<<"$rep")"
rb report --all-businesses | grep -q '^  (all) ' || fail "report --all-businesses text: $(rb report --all-businesses)"
[ "$(rb report --json | jq .referrals)" = 2 ] || fail "northwind's own report"
ok "report --all-businesses: each business's figures and the totals"

# ---- 6. forget in one ----
ra forget lead@client.test >/dev/null 2>&1 || fail "forget: $(ra forget lead@client.test 2>&1)"
[ "$(ra export-person lead@client.test | jq .person)" = null ] || fail "brightpath still holds the lead"
x=$(rb export-person lead@client.test)
[ "$(jq -r .person.email <<<"$x")" = lead@client.test ] && [ "$(jq '.referrals | length' <<<"$x")" = 1 ] ||
	fail "northwind's record of the lead: $x"
[ "$(rb show "$bob_b" --json | jq -r .lead.name)" = "Bob Smith" ] || fail "northwind's lead lost a name"
ok "forget in brightpath: northwind's record of the same person is whole"
echo "businesses: all passed"
