#!/usr/bin/env bash
# cli.sh BIN - the command line contracts of DESIGN.md, without servers:
# exit codes (0 ok, 1 the work failed, 2 usage or configuration), one-line
# errors naming the file (and line, and column for rules), `check`,
# `filters test` writing nothing, `ingest` of files, mbox, Maildir and
# stdin, the JSON of `list` and `show`, the spreadsheet in and out
# (`import`, `--csv`), the progress line, and people's data (`forget`,
# `export-person`).
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
lacks() { ! grep -qF -- "$2" "$work/$1" || fail "$1 has '$2': $(grep -F -- "$2" "$work/$1" | head -2)"; }

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
expect 2 "$BIN" -c "$work" list; has err "$work: cannot read the config: it is a folder (give the config file)"; ok
expect 0 ra check; has out "ok (2 reps, "; has out "$(ls "$top"/templates/*.tmpl | wc -l) templates in $top/templates"; ok
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
has out "class:     none (no classifying rule matched)"
has out "lead_phone=(415) 555-0142"
has out "decision:  referral (introduction, confidence "
has out "confidence: "
has out "(a referral from 5, held from 2, ignored below)"
has out "  +3 introduction phrase in the text: \"introduce you\" (rule intro-phrase)"
has out "  +2 the agent in Cc, the lead addressed"
has out "  +1 the greeting names Bob"
has out "lead       Bob Smith <bob@client.test>"
has out "context:"
has out "  | Best number to reach Bob is (415) 555-0142."
has out "nothing was written"
[ ! -e "$work/db.sqlite" ] || fail "filters test created the database"; ok
expect 0 ra filters test "$data/intake/auto-reply.eml"
has out "decision:  ignored"; ok
# a rep named in a sentence of the intro is the rep the writer chose,
# but not a name that opens a question ("Will you ...": no rep Will)
sed 's/^rep2@biz.test = Ana Lopez/will@biz.test = Will Park/' "$work/ok.conf" >"$work/will.conf"
for text in "Will did our deck and he was great." "Will you give her a call this week?"; do
	printf 'From: Kara Lind <kara@home.test>\nTo: Jo Baker <jo@client.test>\nCc: agent@biz.test\nSubject: deck\nMessage-ID: <will-%s@home.test>\n\nJo, meet Brightpath.\n%s\n' \
		"${#text}" "$text" >"$work/will.eml"
	expect 0 "$BIN" -c "$work/will.conf" filters test "$work/will.eml"
	case $text in
	Will\ did*) has out "rep        Will Park <will@biz.test> (named in the intro's text)" ;;
	*) has out "rep        Tom Rivera <rep@biz.test> (round robin)" ;;
	esac
	ok
done
# without a database, a forward of the agent's own mail (which looks
# for the referral it came from) is judged without history, no crash
expect 0 ra filters test "$data/intake/blind5-lead-fwd-to-spouse.eml"
has out "decision:  "; has out "nothing was written"; ok
# an opt-out in German, as the whole of a short reply; a near miss is none
expect 0 ra filters test "$data/intake/optout-de.eml"
has out "class:     optout (rule optout-reply-de"; has out "asks for no more mail"; ok
expect 0 ra filters test "$data/intake/optout-stop-by.eml"
grep -q 'class:     optout' "$work/out" && fail "\"Stop by our office\" taken for an opt-out"; ok
# the evidence of a thin message, and of what is not an introduction
expect 0 ra filters test "$data/intake/struct-thin.eml"
has out "decision:  held (thin evidence for introduction: confidence 3, a referral needs 5"
has out "  +2 the agent in Cc, the lead addressed"; ok
expect 0 ra filters test "$data/intake/neg-patch.eml"
has out "decision:  ignored (not an introduction: confidence "
has out "  -5 a patch or a diff: \"Signed-off-by:\" (rule patch-or-diff)"; ok
# a web form: who is who by its labels
expect 0 ra filters test "$data/intake/form-wpforms-refer.eml"
has out "decision:  referral (web form: Sarah Lee referred Bob Smith, confidence 6)"
has out "  +2 the form names the referred person (\"Friend's Name\")"
has out "  referrer   Sarah Lee <sarah.lee@partner.test>"
has out "  lead       Bob Smith <bob.smith@client.test>"; ok
# named but unreachable: to review, nothing else
expect 0 ra filters test "$data/intake/review-double-opt-in.eml"
has out "decision:  review (named but unreachable: Jane Doe ("; ok
# a rule file can add evidence: score
mkdir "$work/scored"
cp "$top"/filters/*.rules "$work/scored/"
printf 'rule we-love-referrals\n  in context\n  match /^thoughts\\?$/im\n  score +2\n  why the admin says so\n' >"$work/scored/50-local.rules"
printf 'rule typo\n  match /x/\n  score +99\n' >"$work/scored/60-bad.rules"
sed "s|^filters = .*|filters = $work/scored|" "$work/ok.conf" >"$work/scored.conf"
expect 2 "$BIN" -c "$work/scored.conf" check
has err "$work/scored/60-bad.rules:3:9: score '+99' is not a number from -20 to +20"; ok
rm "$work/scored/60-bad.rules"
expect 0 "$BIN" -c "$work/scored.conf" filters test "$data/intake/struct-thin.eml"
has out "  +2 the admin says so: \"Thoughts?\" (rule we-love-referrals)"
has out "decision:  referral (introduction, confidence 5)"; ok
expect 1 ra filters test "$work/nonexistent.eml"; has err "$work/nonexistent.eml: No such file"; ok

# ---- per-command help and option errors (no config needed) ----
for c in check "ingest [--quiet] [--no-mail] PATH..." "poll --once" run send "outbox [--state S] [--json]" "outbox show JOB" \
	"templates render NAME --referral ID [--escalated] [--variant V]" "list [--status S] [--json | --csv]" \
	"show ID [--json]" "status ID STATUS [--value N] [--note TEXT]" "credit ID EMAIL" \
	"rewards [--json | --csv]" "rewards pay ID" "report [--days N] [--json | --csv] [--html FILE]" \
	"import FILE [--dry-run] [--map COLUMN=FIELD]... [--dates ORDER] [--quiet]" "forget EMAIL" \
	"export-person EMAIL" "filters test FILE"; do
	read -ra words <<<"$c"
	name=${words[0]}
	case $c in templates* | rewards\ pay* | filters* | outbox\ show*) name="$name ${words[1]}" ;; esac
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
expect 2 ra list --json --csv; has err "list: --json or --csv, not both"; ok
expect 2 ra import x.csv --map Client; has err "--map 'Client': give COLUMN=FIELD, FIELD one of date, referrer"; ok
expect 2 ra import x.csv --map Client=shoe-size; has err "FIELD one of"; ok
expect 2 ra import x.csv --dates sideways; has err "--dates 'sideways': give day-first or month-first"; ok
expect 2 ra forget bob; has err "forget: 'bob' is not an address"; ok
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
# a job as send builds it: its own Message-ID, recipient and thread
expect 0 ra outbox --json
wid=$(jq -r 'map(select(.referral == 1 and .template == "welcome-lead"))[0].id' "$work/out")
wmid=$(jq -r 'map(select(.referral == 1 and .template == "welcome-lead"))[0].message_id' "$work/out")
expect 0 ra outbox show "$wid"
has out "Message-Id: <$wmid>"; has out "To: Bob Smith <bob@client.test>"
has out "In-Reply-To: <intro-basic-1@partner.test>"; has out "Sarah told us about you"; ok
expect 1 ra outbox show 99999; has err "outbox show: no job 99999"; ok
expect 2 ra outbox show x; has err "'x' is not a job number"; ok
# a referrer's forward never reached the lead: its welcome starts a
# thread of its own, in the preview as in the job
expect 0 ra ingest "$data/intake/forward-question-line.eml"
fid=$(ra list --json | jq '[.[] | select(.lead.email == "omar.haddad@gmail.com")][0].id')
expect 0 ra templates render welcome-lead --referral "$fid"
lacks out "In-Reply-To:"; lacks out "Subject: Re:"; ok
n=$(ra outbox --json | jq length)
expect 0 ra ingest --no-mail "$data/intake/body-lead.eml"
[ "$(ra outbox --json | jq length)" = "$n" ] || fail "ingest --no-mail scheduled mail"; ok
expect 2 ra send; has err "[smtp] server is not set"; ok
# held referrals and no [agent] admin: `run` (here without servers, until
# SIGTERM) logs each once; `list --status held` still shows them
expect 0 timeout --preserve-status -s TERM 2 "$BIN" -c "$work/ok.conf" run
has err "held: 6 leads is more than max_leads 5"; has err "nobody reviews it, no [agent] admin is set"; ok
expect 0 timeout --preserve-status -s TERM 2 "$BIN" -c "$work/ok.conf" run
grep -q 'nobody reviews it' "$work/err" && fail "a held referral was logged twice"; ok

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

# ---- held for review: the review mail, the refusal note, a release ----
held3=$(ra list --status held --json | jq '.[] | select(.lead.email == "a3@client.test") | .id')
expect 1 ra templates render review-admin --referral "$held3"; has err "nobody to send review-admin to"; ok
sed 's/^domains = .*/&\nadmin = admin@biz.test/' "$work/ok.conf" >"$work/admin.conf"
expect 0 "$BIN" -c "$work/admin.conf" templates render review-admin --referral "$held3"
has out "To: admin@biz.test"; has out "<agent+review@biz.test>"; has out "Subject: For your review: 1 waiting"
has out "#$held3 held: 6 leads is more than max_leads 5: looks like a mass mailing"; ok
expect 0 ra templates render refused-rep --referral 1
has out "To: Tom Rivera <rep@biz.test>"; has out "Subject: Not applied: "; ok
# a genuine intro of a held lead is a referral of its own, not a touch
expect 0 ra ingest "$data/intake/intro-held-lead.eml"
has out "intro-held-lead.eml: referral #"; ok
standing=$(ra list --json | jq '.[] | select(.lead.email == "a3@client.test" and .status == "new") | .id')
expect 0 ra status "$held3" new
has out "referral $held3: rejected: its lead already has referral $standing, where it is recorded as a second introduction"
expect 0 ra show "$standing" --json
jq -e '.referrer.email == "priya@partner.test" and ([.events[] | select(.kind == "touch" and (.detail | contains("held referral")))] | length == 1)' "$work/out" >/dev/null ||
	fail "release of a held lead: $(jq -c '[.referrer, .events]' "$work/out")"; ok
expect 0 ra list
has out "ID    STATUS"; has out "bob@client.test"; ok
expect 0 ra show 1 --json
jq -e '.id == 1 and (.events | length >= 1) and .events[0].kind == "created" and (.events[0].detail | contains("assigned to Tom Rivera"))' "$work/out" >/dev/null ||
	fail "show --json: $(head -c 300 "$work/out")"; ok
expect 0 ra show 1
has out "referral 1: new"; has out "lead       Bob Smith <bob@client.test>"
has out "confidence "; has out "  +2 the agent in Cc, the lead addressed"; ok
expect 0 ra show 1 --json
jq -e '(.confidence | type) == "number" and .confidence >= 5 and (.evidence | contains("+2 the agent in Cc"))' "$work/out" >/dev/null ||
	fail "show --json confidence: $(jq -c '{confidence, evidence}' "$work/out")"; ok
expect 1 ra show 999; has err "no referral 999"; ok

# ---- status, credit, rewards, report ----
expect 0 ra status 1 won --value 5000 --note "signed"
has out "referral 1: won"; ok
expect 1 ra status 1 won; has err "referral 1 is already won"; ok
expect 2 ra status 1 maybe; has err "'maybe' is not a status"; ok
expect 2 ra status 1 won --value 12.34.5; has err "status: '12.34.5' is not an amount"; ok
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

# ---- the spreadsheet: import, --csv, the progress line ----
csv=$data/csv
sed 's/^database = .*/database = sheet.sqlite/' "$work/ok.conf" >"$work/sheet.conf"
sed 's/^database = .*/database = copy.sqlite/' "$work/ok.conf" >"$work/copy.conf"
rs() { "$BIN" -c "$work/sheet.conf" "$@"; }
rc() { "$BIN" -c "$work/copy.conf" "$@"; }
expect 0 rs import --dry-run "$csv/google-sheets.csv"
has out 'row 2: referral Bob Smith <bob@client.test> from Sarah Lee <sarah@partner.test>, won $12,000, 2026-03-02'
has out "row 4: referral Dan Brown <dan@client.test> from David Ortiz, contacted, 2026-04-20"
has err "google-sheets.csv: 3 rows: 3 would be added, 0 already there, 0 skipped (nothing was written)"
[ "$(rs list --json | jq length)" = 0 ] || fail "import --dry-run wrote referrals"; ok
expect 0 rs import "$csv/google-sheets.csv"
has out 'row 2: referral #1: Bob Smith <bob@client.test> from Sarah Lee <sarah@partner.test>, won $12,000, 2026-03-02'
has err "3 rows: 3 added, 0 already there, 0 skipped"; ok
# the sheet's dates and statuses, as history: no mail at all
expect 0 rs list --json
jq -e '[.[] | [.created_at, .status, .value]] == [["2026-03-02T00:00:00Z", "won", 12000],
	["2026-03-15T00:00:00Z", "proposal", null], ["2026-04-20T00:00:00Z", "contacted", null]]' "$work/out" >/dev/null ||
	fail "imported referrals: $(jq -c '[.[] | [.created_at, .status, .value]]' "$work/out")"
jq -e '.[2].context == "Called twice; wants a quote\nafter the summer"' "$work/out" >/dev/null || fail "a line break in a cell"
[ "$(rs outbox --json | jq length)" = 0 ] || fail "import scheduled mail"; ok
expect 0 rs show 1 --json
jq -e '[.events[] | .kind] == ["imported", "status"] and .events[0].detail == "from google-sheets.csv, row 2"' "$work/out" >/dev/null ||
	fail "import history: $(jq -c .events "$work/out")"; ok
# the same file again adds nothing
expect 0 rs import "$csv/google-sheets.csv"
has out "row 2: already there (referral #1)"; has err "3 rows: 0 added, 3 already there, 0 skipped"
[ "$(rs list --json | jq length)" = 3 ] || fail "a second import added referrals"; ok
# Excel's semicolons, BOM, CRLF and day-first dates; HubSpot's quoting
expect 0 rs import "$csv/excel-semicolon.csv"; has err "3 rows: 3 added"; ok
expect 0 rs import --quiet "$csv/hubspot.csv"; [ ! -s "$work/out" ] || fail "import --quiet printed rows"; ok
# a bad row is reported with its row and column and skipped alone
expect 1 rs import "$csv/broken.csv"
has err "broken.csv: row 5, column A (Date): '2026-02-31' is not a date; row skipped"
has err "broken.csv: row 3, column C (Client): a quote inside a cell"
has err "10 rows: 2 added, 0 already there, 8 skipped"
has out "row 10: referral #"; ok
expect 1 rs import "$work/none.csv"; has err "$work/none.csv: No such file"; ok
printf 'Date,Client\n02/03/2026,Ann\n' >"$work/ambiguous.csv"
expect 1 rs import "$work/ambiguous.csv"; has err "could be either day or month first"; ok
expect 0 rs import --dates day-first "$work/ambiguous.csv"; has out "Ann, new, 2026-03-02"; ok
printf 'Who,Mail\nIvy Lane,ivy@client.test\n' >"$work/own.csv"
expect 1 rs import "$work/own.csv"; has err "no header row"; ok
expect 0 rs import --map Who=lead --map B=email "$work/own.csv"; has out "Ivy Lane <ivy@client.test>"; ok

# list --csv imported into an empty database gives the same referrals;
# into the same one, nothing
expect 0 rs list --csv; cp "$work/out" "$work/export.csv"
head -1 "$work/export.csv" | grep -qF $'ID,Date,Status,Referrer,Referrer email,Referrer phone,Lead,Email,Phone,Company,Rep,Rep email,Value,Need,Budget,Timeline,Subject,Notes,First contact,Updated\r' ||
	fail "list --csv header: $(head -1 "$work/export.csv")"
n=$(rs list --json | jq length)
expect 0 rc import "$work/export.csv"; has err "$n rows: $n added, 0 already there, 0 skipped"
diff <(rs list --json) <(rc list --json) >"$work/diff" || fail "export and import differ: $(head -20 "$work/diff")"
diff <(rs list --csv) <(rc list --csv) >/dev/null || fail "list --csv differs after the round trip"; ok
expect 0 rs import "$work/export.csv"; has err "$n rows: 0 added, $n already there"; ok
expect 0 rs rewards --csv; has out "ID,Referral,Amount,Currency,State,Referrer"; ok
expect 0 rs report --csv
has out "Figure,Item,Value"; has out "by status,won,"; has out "referrals,made,$n"; ok

# the progress line: on a terminal (script gives the command one), not
# without
command -v script >/dev/null || fail "script(1) is missing (bsdutils)"
script -qec "$BIN -c $work/sheet.conf import --dry-run --quiet $csv/google-sheets.csv" /dev/null >"$work/tty" 2>&1 ||
	fail "import under script: $(cat "$work/tty")"
grep -qF $'\r\e[Kimport: [' "$work/tty" || fail "no progress line on a terminal: $(od -c "$work/tty" | head -5)"
grep -qF $'\r\e[K' "$work/tty" || fail "the progress line was not erased"
script -qec "$BIN -c $work/sheet.conf ingest --no-mail --quiet $data/intake/intro-basic.eml" /dev/null >"$work/tty" 2>&1 ||
	fail "ingest under script: $(cat "$work/tty")"
grep -qF $'\r\e[Kingest: [' "$work/tty" || fail "no ingest progress line on a terminal"
expect 0 rs import --dry-run --quiet "$csv/google-sheets.csv"
! grep -q $'\r' "$work/err" "$work/out" || fail "a progress line without a terminal"; ok

# ingest --no-mail of an old mail dates the referral by its Date; a Date in
# the future does not count
sed -e 's/^Date: .*/Date: Mon, 02 Mar 2026 17:00:00 +0000/' -e 's/^Message-ID: .*/Message-ID: <old-form@forms.biz.test>/' \
	"$data/intake/web-form.eml" >"$work/old.eml"
sed -e 's/^Date: .*/Date: Fri, 02 Mar 2040 17:00:00 +0000/' -e 's/^Message-ID: .*/Message-ID: <future-form@forms.biz.test>/' \
	-e 's/fatima@client.test/farid@client.test/' "$data/intake/web-form.eml" >"$work/future.eml"
expect 0 rc ingest --no-mail "$work/old.eml" "$work/future.eml"
id=$(grep -o 'old.eml: referral #[0-9]*' "$work/out" | grep -o '[0-9]*$')
expect 0 rc show "$id" --json
jq -e '.created_at == "2026-03-02T17:00:00Z" and .events[0].at == "2026-03-02T17:00:00Z"' "$work/out" >/dev/null ||
	fail "ingest --no-mail date: $(jq -c '[.created_at, .events[0].at]' "$work/out")"
expect 0 rc show "$((id + 1))" --json
jq -e '.created_at | startswith("2040") | not' "$work/out" >/dev/null || fail "a Date in the future was taken"; ok

# ---- the reports only read the database ----
# An empty WAL file beside the database: a read-write connection, the last
# to close, checkpoints and deletes it; a read-only one leaves it as it is.
: >>"$work/db.sqlite-wal"
state() { sha1sum <"$work/db.sqlite"; stat -c '%s %Y' "$work/db.sqlite" "$work/db.sqlite-wal"; }
before=$(state)
for c in list "show 1" report "report --html $work/r2.html" outbox rewards "templates render welcome-lead --referral 1" "list --csv" \
	"rewards --csv" "report --csv" "export-person bob@client.test"; do
	# shellcheck disable=SC2086 # a command and its arguments
	expect 0 ra $c
	[ "$(state 2>&1)" = "$before" ] || fail "'$c' wrote the database: $(state 2>&1)"
done
expect 0 ra filters test "$data/intake/intro-basic.eml"; has out "nothing was written (database read-only)"
[ "$(state 2>&1)" = "$before" ] || fail "filters test wrote the database"; ok

# ---- people's data: export-person, forget ----
expect 0 ra export-person BOB@client.test
jq -e '.person.name == "Bob Smith" and .person.email == "bob@client.test" and
	(.referrals | length) >= 1 and .referrals[0].role == "lead" and (.mail | length) >= 1 and
	(.events | length) >= 1 and .opt_out_kept_as_hash == null' "$work/out" >/dev/null ||
	fail "export-person: $(head -c 400 "$work/out")"; ok
n=$(ra list --json | jq length)
grep -aqi 'bob@client.test' "$work"/db.sqlite* || fail "the address is not in the database to begin with"
expect 0 ra forget bob@client.test
has out "forgot bob@client.test: 1 person, "; ok
for f in "$work"/db.sqlite "$work"/db.sqlite-wal "$work"/db.sqlite-shm; do
	[ ! -e "$f" ] || ! grep -aqi 'bob@client.test' "$f" || fail "$f still holds the address"
done
! grep -aqi 'bob@client.test' "$work"/db.sqlite* || fail "the database files hold the address"; ok
expect 0 ra list --json
jq -e "length == $n and .[0].status == \"won\" and .[0].lead.email == null and .[0].lead.name == null" "$work/out" >/dev/null ||
	fail "after forget: $(jq -c '.[0]' "$work/out")"
expect 0 ra report --json; jq -e '.by_status.won == 1' "$work/out" >/dev/null || fail "forget changed the counts"; ok
expect 0 ra show 1 --json; jq -e '.events[-1].kind == "forgotten"' "$work/out" >/dev/null || fail "no forgotten event"; ok
expect 0 ra export-person bob@client.test
jq -e '.person == null and .referrals == [] and .messages == [] and .mail == []' "$work/out" >/dev/null ||
	fail "export-person after forget: $(head -c 300 "$work/out")"; ok
expect 0 ra forget bob@client.test; has out "nothing was held about bob@client.test"; ok
echo "cli: $pass checks passed"
