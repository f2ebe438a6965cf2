#!/usr/bin/env bash
# report.sh BIN - `refagent report --html` in a real browser (Debian's
# chromium, headless), against `refagent report --json` on the same data.
#
# The data is a year of a small business made through the command line on a
# moved clock (faketime): 36 introductions ingested month after month from
# eight referrers (one with a name full of HTML, one the business's own
# office, a rep whose client thread was held and rejected), the reps'
# first contacts after minutes to days, qualified, proposals, wins with
# values, losses, referrals left waiting until they expired or are overdue
# now, reminders and escalations really sent (to a small SMTP sink),
# rewards owed and paid, goals for the month, one rep on a daily digest.
# Then check_page.js loads the page in chromium and checks that it logs no
# error, fetches nothing, draws every chart, and shows the JSON's numbers.
# REFAGENT_KEEP_PAGE=FILE keeps a copy of the page to look at.
set -uo pipefail
BIN=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
work=$(mktemp -d /tmp/refagent-browser.XXXXXX)
sink=
cleanup() {
	if [ -n "$sink" ]; then kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null; fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "browser: FAIL: $*" >&2; exit 1; }
for tool in node faketime jq "$CHROMIUM"; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (make deps)"
done
export TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1
# faketime is an LD_PRELOAD library; a sanitizer build (make check
# SANITIZE=1) must be told that its runtime need not come first then
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

node "$top/tests/browser/smtp_sink.js" "$work/port" "$work/sent.log" &
sink=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the SMTP sink did not start"

cat >"$work/refagent.conf" <<EOC
[agent]
address = referrals@brightpath.test
domains = brightpath.test
name = Brightpath Renovations
admin = owner@brightpath.test
database = refagent.db
filters = $top/filters
templates = $top/templates

[smtp]
server = 127.0.0.1
port = $(cat "$work/port")
security = none

[schedule]
business_hours = 00:00-24:00
business_days = mon-sun
max_per_day = 100

[rewards]
client = 10%
client_cap = 1000
staff = 50

[goals]
referrals_per_month = 3
won_per_month = 1

[reps]
tom@brightpath.test = Tom Rivera
ana@brightpath.test = Ana Lopez
digest = ana@brightpath.test
EOC
# at EPOCH CMD...: the command with the clock at EPOCH
at() {
	local t=$1; shift
	faketime -f "@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" "$@"
}
ra() { local t=$1; shift; at "$t" "$BIN" -c "$work/refagent.conf" "$@"; }
quiet() { local t=$1; shift; ra "$t" "$@" >>"$work/cli.log" 2>&1 || fail "'$*' at $(date -u -d "@$t"): $(tail -3 "$work/cli.log")"; }
send() { ra "$1" send >>"$work/cli.log" 2>&1 || fail "send at $(date -u -d "@$1"): $(tail -3 "$work/cli.log")"; }

# The report's "now": Monday 30 November 2026, 15:00 UTC.
END=$(date -u -d '2026-11-30 15:00:00' +%s)
H=3600
D=86400
referrers=("Sarah Lee <sarah@partner.test>" "Carlos Garcia <carlos@other.test>"
	"Sarah Lee <sarah@partner.test>" "Mei Chen <mei@partner.test>"
	"Zoë O'Brien & <Sons> <zoe@obrien.test>" "Jürgen Müller <juergen@partner.test>"
	"Sarah Lee <sarah@partner.test>" "Front Office <office@brightpath.test>")
intro() { # N EPOCH: introduction N, made at EPOCH
	local n=$1 t=$2 from=${referrers[$(($1 % ${#referrers[@]}))]}
	local name=${from% <*} addr=${from##*<}
	addr=${addr%>}
	{
		printf 'From: "%s" <%s>\n' "$name" "$addr"
		printf 'To: Lead %d <lead%d@client%d.test>\n' "$n" "$n" "$n"
		printf 'Cc: referrals@brightpath.test\nSubject: Lead %d, meet Brightpath\n' "$n"
		printf 'Message-ID: <intro-%d@browser.test>\nDate: %s\n' "$n" "$(date -u -R -d "@$t")"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
		printf 'Hi Lead %d, I would like to introduce you to Brightpath. They did our kitchen.\n\n%s\n' "$n" "$name"
	} >"$work/intro-$n.eml"
	quiet "$t" ingest "$work/intro-$n.eml"
	send $((t + 60))
}

# A year of introductions, one every ten days, each with its own fate
# (shifted every six, so that both reps of the round robin meet every
# fate).
for n in $(seq 0 35); do
	t=$((END - (355 - n * 10) * D + (n % 5) * H))
	intro "$n" "$t"
	id=$((n + 1))
	case $(((n + n / 6) % 6)) in
	0) quiet $((t + (n % 7 + 1) * 2 * H)) status "$id" contacted
	   quiet $((t + 5 * D)) status "$id" proposal
	   quiet $((t + 20 * D)) status "$id" won --value $((5000 + n * 500)) ;;
	1) quiet $((t + (n + 1) * H)) status "$id" contacted
	   quiet $((t + 6 * D)) status "$id" qualified
	   quiet $((t + 15 * D)) status "$id" lost --note "went elsewhere" ;;
	2) send $((t + 25 * H)) # the first reminder
	   quiet $((t + 30 * H)) status "$id" contacted
	   quiet $((t + 8 * D)) status "$id" proposal ;;
	3) send $((t + 25 * H)); send $((t + 49 * H)); send $((t + 73 * H)) ;; # never contacted
	4) quiet $((t + 3 * H)) status "$id" contacted
	   quiet $((t + 40 * D)) status "$id" won --value $((800 + n * 100)) ;;
	5) quiet $((t + 30 * 60)) status "$id" contacted ;;
	esac
done
# a thin introduction (nothing said of who or why): held, then rejected
cat >"$work/thread.eml" <<EOM
From: Dana Whit <dana@friends.test>
To: Pat Client <pat@client.test>
Cc: referrals@brightpath.test
Subject: Your kitchen
Message-ID: <thread-1@browser.test>
Date: $(date -u -R -d "@$((END - 20 * D))")

Pat, these are the people I told you about.

Dana
EOM
quiet $((END - 20 * D)) ingest "$work/thread.eml"
held=$(ra "$END" list --status held --json | jq -r '.[0].id')
[ "$held" != null ] || fail "the thin introduction was not held: $(ra "$END" list)"
quiet $((END - 19 * D)) status "$held" rejected
cp "$top/tests/data/intake/too-many-leads.eml" "$work/many.eml"
quiet $((END - 3 * D)) ingest "$work/many.eml"
# rewards: the first two paid (each referrer thanked), the rest owed
quiet $((END - 10 * D)) rewards pay 1
quiet $((END - 10 * D)) rewards pay 2
send $((END - 2 * H))

# the mails about many referrals went out through `send`
ra "$END" outbox --json >"$work/outbox.json" || fail "outbox"
for m in digest-rep weekly-admin paid-referrer; do
	jq -e --arg m "$m" '[.[] | select(.template == $m and .state == "sent")] | length > 0' "$work/outbox.json" >/dev/null ||
		fail "no $m sent: $(jq -c '[.[] | .template] | unique' "$work/outbox.json")"
done
jq -e '[.[] | select(.template == "assign-rep" and .to == "ana@brightpath.test")] | length == 0' "$work/outbox.json" >/dev/null ||
	fail "the rep on a digest got assign-rep mails"
grep -q '^zoe@obrien.test Your referral reward' "$work/sent.log" || grep -q '^sarah@partner.test Your referral reward' "$work/sent.log" ||
	fail "no paid-referrer thank-you reached the sink: $(grep -c . "$work/sent.log") mails"

ra "$END" report --json >"$work/report.json" || fail "report --json"
ra "$END" report --html "$work/report.html" >/dev/null || fail "report --html"
# REFAGENT_KEEP_PAGE=FILE: a copy of the page, to look at
[ -z "${REFAGENT_KEEP_PAGE:-}" ] || cp "$work/report.html" "$REFAGENT_KEEP_PAGE"
# the data is as varied as it is meant to be
jq -e '.referrals >= 36 and .by_status.won >= 6 and .by_status.lost >= 5 and .by_status.expired >= 1
	and .by_status.rejected == 1 and .by_status.held >= 1 and .overdue_now >= 1
	and .rewards_paid_count == 2 and .rewards_owed_count >= 4 and .reminders >= 6 and .escalations >= 1
	and ([.reps[] | select(.contacted > 0)] | length == 2)
	and ([.reps[] | select(.reminders > 0)] | length == 2)
	and ([.months[] | select(.won > 0)] | length >= 4)
	and ([.top_referrers[] | select(.email == "tom@brightpath.test")] | length == 0)
	and ([.top_referrers[] | select(.email == "office@brightpath.test")] | length == 1)
	and ([.top_referrers[] | select(.name == "Zoë O'"'"'Brien & <Sons>")] | length == 1)' "$work/report.json" >/dev/null ||
	fail "the data is not what the test needs: $(jq -c '{referrals, by_status, overdue_now, reminders, escalations, rewards_paid_count}' "$work/report.json")"

node "$top/tests/browser/check_page.js" "$CHROMIUM" "$work/report.html" "$work/report.json" || {
	cp "$work/report.html" "$work/report.json" /tmp/ 2>/dev/null
	fail "the page (kept as /tmp/report.html, /tmp/report.json)"
}
# the checker itself fails on a page that is wrong
sed 's|data-status="won" data-value="\([0-9]*\)"|data-status="won" data-value="9\1"|; s|<rect class="bar"|<rect width="-1" class="bar"|' \
	"$work/report.html" >"$work/broken.html"
node "$top/tests/browser/check_page.js" "$CHROMIUM" "$work/broken.html" "$work/report.json" >"$work/broken.out" 2>&1 &&
	fail "a broken page passed"
grep -q 'funnel won' "$work/broken.out" && grep -q 'attribute width: A negative value' "$work/broken.out" ||
	fail "the broken page failed for other reasons: $(head -c 600 "$work/broken.out")"
echo "browser: the page of a year's data matches report --json in $("$CHROMIUM" --version 2>/dev/null | head -1)"
