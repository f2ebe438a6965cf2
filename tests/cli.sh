#!/usr/bin/env bash
# cli.sh BIN - the command line contracts of DESIGN.md, without servers:
# exit codes (0 ok, 1 the work failed, 2 usage or configuration), one-line
# errors naming the file (and line, and column for rules), `check`,
# `filters test` writing nothing, `ingest` of files, mbox, Maildir and
# stdin, and the JSON of `list` and `show`.
set -uo pipefail
BIN=$1
top=$(cd "$(dirname "$0")/.." && pwd)
data=$top/tests/data
work=$(mktemp -d /tmp/refagent-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0
fail() { echo "cli: FAIL: $*" >&2; exit 1; }
ok() { pass=$((pass + 1)); }
# expect RC CMD...: run, keep stdout/stderr in $work/out, $work/err
expect() {
	local want=$1; shift
	"$@" >"$work/out" 2>"$work/err"
	local rc=$?
	[ $rc = "$want" ] || fail "'$*' exited $rc, want $want; stderr: $(head -3 "$work/err")"
}
has() { grep -qF -- "$2" "$work/$1" || fail "$1 lacks '$2': $(head -5 "$work/$1")"; }

cat >"$work/ok.conf" <<EOC
[agent]
address = agent@biz.test
domains = biz.test
database = db.sqlite
filters = $top/filters
templates = $top/templates
[reps]
rep@biz.test = Tom Rivera
rep2@biz.test = Ana Lopez
EOC
ra() { "$BIN" -c "$work/ok.conf" "$@"; }

# ---- usage and configuration ----
expect 2 "$BIN"; has err "usage:"; ok
expect 2 "$BIN" -c "$work/ok.conf" frobnicate; has err "unknown command 'frobnicate'"; ok
expect 2 "$BIN" -c "$work/missing.conf" list; has err "$work/missing.conf: cannot read the config"; ok
expect 0 ra check; has out "ok (2 reps, "; has out "14 templates in $top/templates"; ok
printf '[agent]\naddress = agent@biz.test\nbogus = 1\n[imap]\nsecurity = maybe\n' >"$work/bad.conf"
expect 2 "$BIN" -c "$work/bad.conf" check
has err "$work/bad.conf:3: unknown setting 'bogus' in [agent]"
has err "$work/bad.conf:5: security: 'maybe' is not tls, starttls or none"; ok
mkdir "$work/rules"
cp "$top"/filters/*.rules "$work/rules/"
printf 'rule broken\n  in subject\n  match /intro(duction/i\n' >"$work/rules/50-broken.rules"
sed "s|^filters = .*|filters = $work/rules|" "$work/ok.conf" >"$work/badrules.conf"
expect 2 "$BIN" -c "$work/badrules.conf" check
has err "$work/rules/50-broken.rules:3:23: regex error: missing closing parenthesis"; ok
# the agent refuses to start with a broken rule
expect 2 "$BIN" -c "$work/badrules.conf" ingest "$data/intake/intro-basic.eml"
[ ! -e "$work/db.sqlite" ] || fail "ingest with broken rules created the database"; ok

# a template with an unknown placeholder fails check with file:line
cp -r "$top/templates" "$work/tmpl"
printf 'Subject: Thanks\n\nHi {{referrer.first_name}},\nsee {{lead.shoe_size}}\n' >"$work/tmpl/thank-referrer.tmpl"
sed "s|^templates = .*|templates = $work/tmpl|" "$work/ok.conf" >"$work/badtmpl.conf"
expect 2 "$BIN" -c "$work/badtmpl.conf" check
has err "$work/tmpl/thank-referrer.tmpl:4: unknown name 'lead.shoe_size'"; ok

# ---- check catches what would fail later ----
# a misspelt section is one fault, with a hint, not one per key
printf '[agent]\naddress = agent@biz.test\n[shedule]\ntimezone = UTC\nrep_deadline = 2\nlead_nudges = 1\n' >"$work/sect.conf"
expect 2 "$BIN" -c "$work/sect.conf" check
has err "$work/sect.conf:3: unknown section [shedule] (did you mean [schedule]?)"
[ "$(grep -c . "$work/err")" = 1 ] || fail "one fault for a misspelt section: $(cat "$work/err")"; ok
# a password file that is missing, readable by others, or has no user
printf 'secret\n' >"$work/pw"; chmod 644 "$work/pw"
cp "$work/ok.conf" "$work/pw.conf"
printf '[smtp]\nserver = 127.0.0.1\nsecurity = none\nuser = agent@biz.test\npassword_file = %s\n' "$work/pw" >>"$work/pw.conf"
printf '[imap]\nserver = 127.0.0.1\nsecurity = none\nuser = agent@biz.test\npassword_file = %s\n' "$work/nopw" >>"$work/pw.conf"
expect 2 "$BIN" -c "$work/pw.conf" check
has err "[smtp] password_file: $work/pw: readable by group or others; chmod 600 it"
has err "warning: [imap] password_file $work/nopw does not exist here"; ok
chmod 600 "$work/pw"; sed -i "s|$work/nopw|$work/pw|" "$work/pw.conf"
expect 0 "$BIN" -c "$work/pw.conf" check; ok
sed '/^user = agent@biz.test$/d' "$work/pw.conf" >"$work/nouser.conf"
expect 2 "$BIN" -c "$work/nouser.conf" check
has err "[smtp] password_file is set but user is not"; ok
# a placeholder typo that would be sent as written
cp -r "$top/templates" "$work/tmpl2"
printf 'Subject: Thanks\n\nHi {{referrer.first_name}}},\n' >"$work/tmpl2/thank-referrer.tmpl"
sed "s|^templates = .*|templates = $work/tmpl2|" "$work/ok.conf" >"$work/typo.conf"
expect 2 "$BIN" -c "$work/typo.conf" check
has err "$work/tmpl2/thank-referrer.tmpl:3: '}' right after '{{referrer.first_name}}': one brace too many"; ok
# a rule that can backtrack catastrophically: a warning at check; when it
# hits the match limit, ingest names the rule and the message
mkdir "$work/slow"
cp "$top"/filters/*.rules "$work/slow/"
printf 'rule slow-one\n  in body\n  match /(?<need>(a+)+$)/\n' >"$work/slow/60-slow.rules"
sed "s|^filters = .*|filters = $work/slow|; s|^database = .*|database = slow.sqlite|" "$work/ok.conf" >"$work/slow.conf"
expect 0 "$BIN" -c "$work/slow.conf" check
has err "$work/slow/60-slow.rules:3:22: a repeated group that repeats without bound can backtrack catastrophically"; ok
{ printf 'From: a@partner.test\nTo: agent@biz.test\nSubject: x\nMessage-ID: <slow@x>\n\n'
  head -c 40 /dev/zero | tr '\0' a; printf 'b\n'; } >"$work/slow.eml"
expect 0 "$BIN" -c "$work/slow.conf" ingest "$work/slow.eml"
has err "$work/slow.eml: $work/slow/60-slow.rules:1: rule slow-one hit the PCRE2 match limit"; ok

# ---- filters test: explains, writes nothing ----
expect 0 ra filters test "$data/intake/intro-basic.eml"
has out "class:     intro (rule "
has out "lead_phone=(415) 555-0142"
has out "decision:  referral"
has out "lead       Bob Smith <bob@client.test>"
has out "nothing was written"
[ ! -e "$work/db.sqlite" ] || fail "filters test created the database"; ok
expect 0 ra filters test "$data/intake/auto-reply.eml"
has out "decision:  ignored"; ok
expect 1 ra filters test "$work/nonexistent.eml"; has err "$work/nonexistent.eml: No such file"; ok

# ---- per-command help and option errors (no config needed) ----
for c in check "ingest [--quiet] [--no-mail] PATH..." "poll --once" run send "outbox [--state S] [--json]" \
	"templates render NAME --referral ID [--escalated] [--variant V]" "list [--status S] [--json]" \
	"show ID [--json]" "status ID STATUS [--value N] [--note TEXT]" "credit ID EMAIL" \
	"rewards [--json]" "rewards pay ID" "report [--days N] [--json] [--html FILE]" "filters test FILE"; do
	read -ra words <<<"$c"
	name=${words[0]}
	case $c in templates* | rewards\ pay* | filters*) name="$name ${words[1]}" ;; esac
	# shellcheck disable=SC2086 # the name is one or two words
	expect 0 "$BIN" -c "$work/missing.conf" $name --help; has out "usage: refagent $c"; has out "-h, --help"
	[ ! -s "$work/err" ] || fail "$name --help wrote to stderr: $(head -2 "$work/err")"
	# shellcheck disable=SC2086
	expect 0 "$BIN" $name -h; has out "usage: refagent $c"; ok
done
expect 0 "$BIN" filters --help; has out "usage: refagent filters test FILE"; ok
expect 2 ra list --bogus; has err "list: unknown option '--bogus'"; has err "usage: refagent [-c FILE]"; ok
expect 2 ra ingest -x "$data/intake/intro-basic.eml"; has err "ingest: unknown option '-x'"; ok
expect 2 ra report --weeks 3; has err "report: unknown option '--weeks'"; ok
expect 2 ra status 1 won --value; has err "status: --value needs a value"; ok
expect 2 ra outbox --json=yes; has err "outbox: --json takes no value"; ok
expect 2 ra templates render welcome-lead; has err "templates render needs --referral ID"; ok
expect 2 ra filters; has err "usage: filters test FILE"; ok
[ ! -e "$work/db.sqlite" ] || fail "a usage error created the database"; ok

# ---- the reports on a new installation: the database is created, empty ----
expect 0 ra list --json; jq -e 'length == 0' "$work/out" >/dev/null || fail "list on a new database"
[ -e "$work/db.sqlite" ] || fail "list did not create the database"; ok
expect 0 ra report --json; jq -e '.referrals == 0' "$work/out" >/dev/null || fail "report on a new database"; ok

# ---- ingest ----
expect 0 ra ingest "$data/intake/intro-basic.eml" "$data/intake/web-form.eml"
has out "$data/intake/intro-basic.eml: referral #1: introduction"
has out "$data/intake/web-form.eml: referral #2: web form"
has err "ingested 2 messages"; ok
expect 0 ra ingest "$data/intake/intro-basic.eml"
has out "intro-basic.eml: duplicate: already processed"; ok
expect 0 ra ingest - <"$data/intake/bcc-agent.eml"
has out "-: referral #3"; ok
expect 0 ra ingest "$data/message/three.mbox"
has out "three.mbox[1]: "; has out "three.mbox[3]: "; ok
mkdir -p "$work/Maildir/cur" "$work/Maildir/new" "$work/Maildir/tmp"
cp "$data/intake/rep-named.eml" "$work/Maildir/cur/1.x:2,S"
cp "$data/intake/too-many-leads.eml" "$work/Maildir/new/2.x"
expect 0 ra ingest "$work/Maildir"
has out "Maildir/cur/1.x:2,S: referral"; has out "Maildir/new/2.x: held"; ok
# a missing file and a non-message: one line each naming them, exit 1,
# the others still processed
printf '\n\n' >"$work/blank.eml"
expect 1 ra ingest "$work/none.eml" "$work/blank.eml" "$data/intake/html-only.eml"
has err "refagent: error: $work/none.eml: No such file or directory"
has err "refagent: error: $work/blank.eml: "
has out "html-only.eml: referral"; ok

# ---- follow-up mail: jobs, outbox, templates render ----
expect 0 ra outbox --json
jq -e 'map(select(.referral == 1)) | map(.template) | sort == ["assign-rep","remind-rep","thank-referrer","welcome-lead"]' "$work/out" >/dev/null ||
	fail "jobs of referral 1: $(jq -c 'map(select(.referral == 1)) | map(.template)' "$work/out")"
jq -e 'all(.[]; .state == "pending" and .attempts == 0)' "$work/out" >/dev/null || fail "outbox states"; ok
expect 0 ra outbox
has out "JOB   STATE"; has out "welcome-lead     bob@client.test"; ok
expect 0 ra templates render welcome-lead --referral 1
has out "To: Bob Smith <bob@client.test>"
has out "In-Reply-To: <intro-basic-1@partner.test>"
has out "Subject: Re: Bob, meet Brightpath"
has out "Sarah told us about you"; ok
# every variant of a mail can be previewed
expect 0 ra templates render update-referrer --referral 1 --variant won
has out "Subject: Good news about your introduction"; has out "Do you know someone else"; ok
expect 0 ra templates render thank-referrer --referral 1 --variant second-referrer
has out "To: Alex Example <alex@example.com>"; has out "Hi Alex,"; has out "introduced to us by Sarah"; ok
expect 1 ra templates render welcome-lead --referral 1 --variant won
has err "the variant won is of update-referrer, not welcome-lead"; ok
expect 2 ra templates render no-such-mail --referral 1; has err "no mail is called 'no-such-mail'"; ok
expect 1 ra templates render welcome-lead --referral 99; has err "no referral 99"; ok
n=$(ra outbox --json | jq length)
expect 0 ra ingest --no-mail "$data/intake/body-lead.eml"
[ "$(ra outbox --json | jq length)" = "$n" ] || fail "ingest --no-mail scheduled mail"; ok
expect 2 ra send; has err "[smtp] server is not set"; ok

# ---- list, show ----
expect 0 ra list --json
jq -e 'type == "array" and length >= 5' "$work/out" >/dev/null || fail "list --json: $(head -c 300 "$work/out")"
jq -e '.[0] | has("id") and has("status") and has("context") and has("created_at")
	and (.referrer | has("name") and has("email"))
	and (.lead | has("name") and has("email") and has("phone") and has("company"))
	and (.rep == null or (.rep | has("name") and has("email")))' "$work/out" >/dev/null ||
	fail "list --json lacks contract keys: $(jq '.[0]' "$work/out")"
jq -e '.[1].referrer.email == null and .[1].referrer.name == "David Ortiz"' "$work/out" >/dev/null ||
	fail "form referrer: $(jq '.[1].referrer' "$work/out")"; ok
expect 0 ra list --status held --json
jq -e 'length == 6 and all(.[]; .status == "held")' "$work/out" >/dev/null || fail "list --status held"; ok
expect 0 ra list
has out "ID    STATUS"; has out "bob@client.test"; ok
expect 0 ra show 1 --json
jq -e '.id == 1 and (.events | length >= 1) and .events[0].kind == "created" and (.events[0].detail | contains("assigned to Tom Rivera"))' "$work/out" >/dev/null ||
	fail "show --json: $(head -c 300 "$work/out")"; ok
expect 0 ra show 1
has out "referral 1: new"; has out "lead       Bob Smith <bob@client.test>"; ok
expect 1 ra show 999; has err "no referral 999"; ok

# ---- status, credit, rewards, report ----
expect 0 ra status 1 won --value 5000 --note "signed"
has out "referral 1: won"; ok
expect 1 ra status 1 won; has err "referral 1 is already won"; ok
expect 2 ra status 1 maybe; has err "'maybe' is not a status"; ok
expect 1 ra status 999 lost; has err "no referral 999"; ok
expect 0 ra show 1 --json
jq -e '.status == "won" and .value == 5000 and ([.events[] | select(.kind == "status" and .new_status == "won" and .detail == "$5,000: signed")] | length == 1)' "$work/out" >/dev/null ||
	fail "status won: $(jq -c '[.status, .value, .events[-1]]' "$work/out")"; ok
expect 0 ra outbox --json
jq -e '[.[] | select(.referral == 1 and .template == "remind-rep")] | all(.state == "cancelled")' "$work/out" >/dev/null ||
	fail "won did not cancel the reminder"
jq -e '[.[] | select(.referral == 1 and .template == "ask-client")] | length == 1' "$work/out" >/dev/null ||
	fail "won scheduled no ask-client"; ok
expect 0 ra credit 1 carlos@other.test; has out "credited to carlos@other.test"; ok
expect 0 ra show 1 --json
jq -e '.referrer.email == "carlos@other.test" and ([.events[] | select(.kind == "credit")] | length == 1)' "$work/out" >/dev/null ||
	fail "credit: $(jq -c .referrer "$work/out")"; ok
expect 0 ra rewards --json; jq -e 'length == 0' "$work/out" >/dev/null || fail "rewards without [rewards]"; ok
expect 1 ra rewards pay 1; has err "no owed reward 1"; ok
expect 0 ra report --json
jq -e '.by_status.won == 1 and .conversion == 1 and .won_value == 5000 and .referrals >= 10 and (.top_referrers | length >= 1)' "$work/out" >/dev/null ||
	fail "report: $(cat "$work/out")"; ok
expect 0 ra report; has out "conversion (won of won + lost): 100% (1 of 1)"
has out "per rep (first contact median / 90%"; has out "waiting now: "; ok
# per rep and per month, in the JSON; no goals set
expect 0 ra report --json
jq -e '(.reps | length == 2) and .reps[0].email == "rep@biz.test" and .reps[0].name == "Tom Rivera"
	and (.reps[0] | has("referrals") and has("won") and has("contacted") and has("first_contact_median_hours")
		and has("first_contact_p90_hours") and has("reminders") and has("escalations") and has("waiting")
		and has("overdue"))
	and ([.reps[].referrals] | add) <= .referrals
	and (.months | length == 13) and (.months[-1] | has("month") and has("referrals") and has("won") and has("won_value"))
	and ([.months[].referrals] | add) == .referrals
	and .goals.referrals_per_month == null and .goals.won_per_month == null
	and has("first_contact_p90_hours") and has("held_now") and has("overdue_now")
	and (.top_referrers[0] | has("conversion") and has("rewards_owed") and has("rewards_paid"))' "$work/out" >/dev/null ||
	fail "report --json per rep and month: $(jq -c '{reps, months: (.months | length), goals}' "$work/out")"; ok
# report --html: a page beside the text, or on stdout; goals from the config
expect 0 ra report --html "$work/report.html"; has out "conversion (won of won + lost)"
for id in funnel monthly first-contact reminders referrers reps goals-none; do
	grep -q "id=\"$id\"" "$work/report.html" || fail "report --html: no #$id"
done
grep -q '<script' "$work/report.html" && fail "report --html has a script"
grep -qE '(src|href)=' "$work/report.html" && fail "report --html fetches something"
[ -z "$(find "$work" -name 'report.html.tmp*')" ] || fail "report --html left a temporary file"; ok
cp "$work/ok.conf" "$work/goals.conf"
printf '[goals]\nreferrals_per_month = 8\nwon_per_month = 2\n' >>"$work/goals.conf"
expect 0 "$BIN" -c "$work/goals.conf" report --html - --days 90
has out "<!DOCTYPE html>"; has out 'id="goals-referrals"'; has out 'id="goals-won"'
grep -q "referrals made in the last" "$work/out" && fail "report --html - printed the text too"; ok
expect 0 "$BIN" -c "$work/goals.conf" report --json --days 90
jq -e '.goals.referrals_per_month == 8 and .goals.won_per_month == 2 and .days == 90 and (.months | length >= 3)' "$work/out" >/dev/null ||
	fail "goals in the JSON: $(jq -c '.goals' "$work/out")"; ok
expect 2 ra report --html - --json; has err "report: --html - and --json both want stdout"; ok
expect 1 ra report --html "$work/no/such/dir/r.html"; has err "$work/no/such/dir/r.html.tmp"; ok
expect 2 ra show abc; has err "show: 'abc' is not a referral number"; ok

# ---- the reports only read the database ----
# An empty WAL file beside the database: a read-write connection, the last
# to close, checkpoints and deletes it; a read-only one leaves it as it is.
: >>"$work/db.sqlite-wal"
state() { sha1sum <"$work/db.sqlite"; stat -c '%s %Y' "$work/db.sqlite" "$work/db.sqlite-wal"; }
before=$(state)
for c in list "show 1" report "report --html $work/r2.html" outbox rewards "templates render welcome-lead --referral 1"; do
	# shellcheck disable=SC2086 # a command and its arguments
	expect 0 ra $c
	[ "$(state 2>&1)" = "$before" ] || fail "'$c' wrote the database: $(state 2>&1)"
done
expect 0 ra filters test "$data/intake/intro-basic.eml"; has out "nothing was written (database read-only)"
[ "$(state 2>&1)" = "$before" ] || fail "filters test wrote the database"; ok
echo "cli: $pass checks passed"
