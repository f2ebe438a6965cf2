#!/usr/bin/env bash
# install.sh - `make install` and what it installs, without touching the
# machine: the layout in a scratch DESTDIR (binary, man pages, rules,
# templates, sample config, systemd units) and its modes; every man page
# renders without a warning; the units pass `systemd-analyze verify` and a
# hardening threshold; a second install leaves the admin's refagent.conf
# alone and only rewrites the .sample; `make uninstall` leaves nothing of
# ours.  Then an install into a scratch PREFIX, whose binary uses the
# installed rules and templates when a config names none; `--version`;
# and the documented configs and rules (README.md's sample, the sample
# config, the man pages' examples) pass `refagent check`, with every key,
# placeholder, command, mail, class and field of the code in the pages.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# the build make installs from (build/, or build-san/ for make check SANITIZE=1)
built=${REFAGENT_BIN:-$top/build/refagent}
ntmpl=$(ls "$top"/templates/*.tmpl | wc -l)
work=$(mktemp -d /tmp/refagent-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
MAKE=${MAKE:-make}
export LC_ALL=C.UTF-8 MANWIDTH=80
pass=0
fail() { echo "install: FAIL: $*" >&2; exit 1; }
ok() { pass=$((pass + 1)); }
# mk ARGS...: make in the top folder, quiet unless it fails
mk() {
	"$MAKE" --no-print-directory -C "$top" "$@" >"$work/make.out" 2>&1 ||
		fail "make $*: $(tail -5 "$work/make.out")"
}
# same_lines A B: the two files hold the same lines
same_lines() { diff -u "$1" "$2" >"$work/diff" || fail "$3: $(head -20 "$work/diff")"; }

for tool in man groff systemd-analyze; do
	command -v $tool >/dev/null || fail "$tool is not installed (make deps)"
done
version=$("$MAKE" -s --no-print-directory -C "$top" version)

# ---- 1. the layout in a scratch DESTDIR ----
dest=$work/dest
mk install DESTDIR="$dest" PREFIX=/usr/local
{
	echo etc/refagent/refagent.conf.sample
	echo usr/local/bin/refagent
	echo usr/local/lib/systemd/system/refagent.service
	echo usr/local/lib/systemd/system/refagent@.service
	echo usr/local/share/man/man1/refagent.1
	for p in refagent.conf refagent-filters refagent-templates; do
		echo usr/local/share/man/man5/$p.5
	done
	for f in "$top"/filters/*.rules; do echo "usr/local/share/refagent/filters/${f##*/}"; done
	for f in "$top"/templates/*.tmpl; do echo "usr/local/share/refagent/templates/${f##*/}"; done
} | sort >"$work/want"
(cd "$dest" && find . -type f | sed 's|^\./||' | sort) >"$work/got"
same_lines "$work/want" "$work/got" "installed files"; ok
[ "$(stat -c %a "$dest/usr/local/bin/refagent")" = 755 ] || fail "binary mode"
(cd "$dest" && find . -type f ! -path ./usr/local/bin/refagent ! -perm 644) >"$work/modes"
[ ! -s "$work/modes" ] || fail "not mode 0644: $(cat "$work/modes")"; ok
# at the default places the files go in as they are in the tree
while read -r f; do
	case $f in
	usr/local/bin/*) src=$built ;;
	usr/local/share/refagent/*) src=$top/${f#usr/local/share/refagent/} ;;
	etc/refagent/*) src=$top/agent/${f##*/} ;;
	*) src=$top/agent/${f##*/} ;;
	esac
	[ "$f" = usr/local/bin/refagent ] && [ ! -e "$src" ] && continue
	cmp -s "$src" "$dest/$f" || fail "$f differs from $src"
done <"$work/want"; ok
"$dest/usr/local/bin/refagent" --version >"$work/out" || fail "--version exited $?"
[ "$(cat "$work/out")" = "refagent $version" ] || fail "--version: $(cat "$work/out"), want refagent $version"
[ "$("$dest/usr/local/bin/refagent" -V)" = "refagent $version" ] || fail "-V"; ok

# ---- 2. man pages: found by name, render without a warning ----
man1=$dest/usr/local/share/man
for page in refagent refagent.conf refagent-filters refagent-templates; do
	path=$(MANPATH=$man1 man -w "$page") || fail "man -w $page finds nothing"
	case $path in "$man1"/man[15]/"$page".[15]) ;; *) fail "man -w $page: $path" ;; esac
	man --warnings -l "$path" >"$work/page" 2>"$work/warn" || fail "man -l $path exited $?"
	[ ! -s "$work/warn" ] || fail "man --warnings -l $path: $(head -5 "$work/warn")"
	groff -ww -mdoc -t -z "$path" 2>"$work/warn"
	[ ! -s "$work/warn" ] || fail "groff -ww $path: $(head -5 "$work/warn")"
	upper=$(echo "$page" | tr a-z A-Z)
	head -1 "$work/page" | grep -q "^$upper(" || fail "man -l $path: title $(head -1 "$work/page")"
	grep -q "^NAME" "$work/page" && grep -q "^SEE ALSO" "$work/page" || fail "man -l $path: sections"
done; ok

# ---- 3. systemd units ----
units=$dest/usr/local/lib/systemd/system
for u in refagent.service refagent@.service; do
	for want in 'DynamicUser=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
		'NoNewPrivileges=yes' 'CapabilityBoundingSet=$' 'SystemCallFilter=@system-service' \
		'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'Restart=on-failure' \
		'ExecReload=/bin/kill -HUP \$MAINPID' 'WantedBy=multi-user.target'; do
		grep -q "^$want" "$units/$u" || fail "$u lacks $want"
	done
done
grep -q '^ExecStart=/usr/local/bin/refagent -c /etc/refagent/refagent.conf run$' "$units/refagent.service" &&
	grep -q '^StateDirectory=refagent$' "$units/refagent.service" || fail "refagent.service: ExecStart or StateDirectory"
grep -q '^ExecStart=/usr/local/bin/refagent -c /etc/refagent/%i.conf run$' "$units/refagent@.service" &&
	grep -q '^StateDirectory=refagent/%i$' "$units/refagent@.service" || fail "refagent@.service: ExecStart or StateDirectory"; ok
# verify insists that ExecStart's binary exists: in copies it is the
# DESTDIR's; MANPATH lets it find the pages of Documentation=.
mkdir "$work/units"
for u in refagent.service refagent@.service; do
	sed "s|/usr/local/bin/refagent|$dest/usr/local/bin/refagent|" "$units/$u" >"$work/units/$u"
done
MANPATH=$man1 systemd-analyze verify "$work/units/refagent.service" "$work/units/refagent@.service" \
	>"$work/out" 2>&1 || fail "systemd-analyze verify: $(head -5 "$work/out")"
[ ! -s "$work/out" ] || fail "systemd-analyze verify: $(head -5 "$work/out")"; ok
# exposure at most 2.0 ("OK") on systemd's 0-10 scale
systemd-analyze security --offline=yes --threshold=20 "$work/units/refagent.service" \
	"$work/units/refagent@.service" >"$work/out" 2>&1 ||
	fail "systemd-analyze security: $(grep 'Overall' "$work/out")"; ok

# ---- 4. a second install keeps the admin's config; uninstall ----
echo "; the admin's own" >"$dest/etc/refagent/refagent.conf"
cp "$dest/etc/refagent/refagent.conf" "$work/admin.conf"
echo "; edited" >>"$dest/etc/refagent/refagent.conf.sample"
mk install DESTDIR="$dest" PREFIX=/usr/local
cmp -s "$work/admin.conf" "$dest/etc/refagent/refagent.conf" || fail "install changed refagent.conf"
cmp -s "$top/agent/refagent.conf.sample" "$dest/etc/refagent/refagent.conf.sample" ||
	fail "install did not rewrite refagent.conf.sample"; ok
mk uninstall DESTDIR="$dest" PREFIX=/usr/local
(cd "$dest" && find . -type f) >"$work/left"
[ "$(cat "$work/left")" = ./etc/refagent/refagent.conf ] || fail "uninstall left: $(cat "$work/left")"
(cd "$dest" && find . -name '*refagent*' | sort) >"$work/left"
[ "$(tr '\n' ' ' <"$work/left")" = "./etc/refagent ./etc/refagent/refagent.conf " ] ||
	fail "uninstall left: $(cat "$work/left")"
rm "$dest/etc/refagent/refagent.conf"
mk uninstall DESTDIR="$dest" PREFIX=/usr/local
[ -z "$(cd "$dest" && find . -name '*refagent*')" ] || fail "uninstall left /etc/refagent"; ok

# ---- 5. an install into a PREFIX: the binary finds its rules ----
# (the binary is rebuilt with this PREFIX's DATADIR, and again at the end)
prefix=$work/prefix
mk install PREFIX="$prefix" SYSCONFDIR="$prefix/etc"
bin=$prefix/bin/refagent
[ "$("$bin" --version)" = "refagent $version" ] || fail "--version of $bin"
grep -q "^ExecStart=$bin -c $prefix/etc/refagent/refagent.conf run$" "$prefix/lib/systemd/system/refagent.service" ||
	fail "refagent.service names $(grep ExecStart "$prefix/lib/systemd/system/refagent.service")"
grep -q "^LoadCredential=imap.password:$prefix/etc/refagent/%i.imap.password$" "$prefix/lib/systemd/system/refagent@.service" ||
	fail "refagent@.service: LoadCredential"
grep -q "^\.Pa $prefix/share/refagent/filters" "$prefix/share/man/man5/refagent.conf.5" ||
	fail "refagent.conf.5 does not name $prefix/share/refagent/filters"
MANPATH=$prefix/share/man systemd-analyze verify "$prefix/lib/systemd/system/refagent.service" \
	"$prefix/lib/systemd/system/refagent@.service" >"$work/out" 2>&1 && [ ! -s "$work/out" ] ||
	fail "systemd-analyze verify in $prefix: $(head -5 "$work/out")"; ok
# the sample config as it is: no filters/templates beside it, so the
# installed ones
conf=$prefix/etc/refagent/refagent.conf
cp "$conf.sample" "$conf"
"$bin" -c "$conf" check >"$work/out" 2>"$work/err" || fail "check of the sample: $(head -5 "$work/err")"
# the password files exist only while the service runs (LoadCredential=)
! grep -v 'password_file .* does not exist here' "$work/err" | grep -q . ||
	fail "check of the sample: $(head -5 "$work/err")"
grep -qF "rules in $prefix/share/refagent/filters, $ntmpl templates in $prefix/share/refagent/templates)" "$work/out" ||
	fail "sample: $(cat "$work/out")"; ok
# a filters folder beside the config wins; templates still installed
mkdir "$work/beside"
cp -r "$top/filters" "$work/beside/filters"
printf '[agent]\naddress = agent@biz.test\n' >"$work/beside/x.conf"
"$bin" -c "$work/beside/x.conf" check >"$work/out" 2>&1 || fail "beside: $(head -5 "$work/out")"
grep -qF "rules in $work/beside/filters, $ntmpl templates in $prefix/share/refagent/templates)" "$work/out" ||
	fail "beside: $(cat "$work/out")"; ok
# the binary of the tree is the same program: built without this PREFIX
# it does not look there
mk all
"$built" -c "$work/beside/x.conf" check >"$work/out" 2>&1 &&
	fail "the tree's binary found templates in $prefix"
grep -qF "$work/beside/templates: cannot open the templates folder" "$work/out" ||
	fail "tree binary: $(cat "$work/out")"; ok
rm "$conf"
mk uninstall PREFIX="$prefix" SYSCONFDIR="$prefix/etc"
[ -z "$(find "$prefix" -type f)" ] || fail "uninstall left: $(find "$prefix" -type f)"
[ ! -e "$prefix/share/refagent" ] && [ ! -e "$prefix/etc/refagent" ] || fail "uninstall left folders"; ok

# ---- 6. the documented configs and rules pass check ----
# doc_check NAME: $work/NAME/refagent.conf with the tree's rules and
# templates beside it must pass check without a word on stderr but the
# warning for the password files it names, which do not exist here
doc_check() {
	ln -s "$top/filters" "$work/$1/filters" 2>/dev/null
	ln -s "$top/templates" "$work/$1/templates"
	"$built" -c "$work/$1/refagent.conf" check >"$work/out" 2>"$work/err" ||
		fail "$1: check exited $?: $(head -5 "$work/err")"
	! grep -v 'password_file .* does not exist here' "$work/err" | grep -q . ||
		fail "$1: $(head -5 "$work/err")"
	grep -q ': ok (' "$work/out" || fail "$1: $(cat "$work/out")"
}
# the page as text, one paragraph a line where it fits
render() { MANWIDTH=200 man -l "$top/agent/$1" 2>/dev/null | col -bx; }
# literal_after PAGE TEXT: the first indented example after TEXT
literal_after() {
	render "$1" | awk -v text="$2" '
		found && /^           / { sub(/^           /, ""); print; started = 1; next }
		found && started && /^$/ { print; next }
		found && started { exit }
		index($0, text) { found = 1 }'
}
mkdir "$work/readme" "$work/sample" "$work/manconf"
awk '/^```ini$/ { on = 1; next } on && /^```$/ { exit } on' "$top/README.md" >"$work/readme/refagent.conf"
[ -s "$work/readme/refagent.conf" ] || fail "README.md has no \`\`\`ini block"
doc_check readme; ok
cp "$top/agent/refagent.conf.sample" "$work/sample/refagent.conf"
doc_check sample; ok
literal_after refagent.conf.5 "A business with two reps" >"$work/manconf/refagent.conf"
grep -q '^\[reps\]' "$work/manconf/refagent.conf" || fail "refagent.conf(5) example: $(cat "$work/manconf/refagent.conf")"
doc_check manconf; ok
mkdir "$work/manrules"
cp "$top"/filters/*.rules "$work/manrules/"
literal_after refagent-filters.5 "A rule that marks" >"$work/manrules/50-example.rules"
grep -q '^rule booking-company' "$work/manrules/50-example.rules" || fail "refagent-filters(5) example"
printf '[agent]\naddress = agent@biz.test\nfilters = %s\ntemplates = %s\n' "$work/manrules" "$top/templates" >"$work/manrules.conf"
"$built" -c "$work/manrules.conf" check >"$work/out" 2>&1 || fail "refagent-filters(5) example: $(head -5 "$work/out")"; ok

# ---- 7. the pages name what the code has ----
# strings_of FILE ARRAY: the string literals of `ARRAY[...] = { ... };`
strings_of() {
	awk -v a="$2" 'index($0, a "[") && /= \{/ { on = 1 } on { print } on && /^\};/ { exit }' "$top/$1" |
		grep -o '"[^"]*"' | tr -d '"'
}
# every key of settings[] in refagent.conf(5) and the sample config
grep -oE '^ *\{"[a-z]+", "[a-z_]+"' "$top/agent/config.c" | sed 's/.*"\([a-z_]*\)"$/\1/' | sort -u >"$work/keys"
[ "$(wc -l <"$work/keys")" -gt 40 ] || fail "settings[] not found in agent/config.c"
while read -r k; do
	grep -qE "^\.It Cm (.* )?$k( |$)" "$top/agent/refagent.conf.5" || fail "refagent.conf(5) lacks key $k"
	grep -qE "^;?$k = " "$top/agent/refagent.conf.sample" || fail "refagent.conf.sample lacks key $k"
done <"$work/keys"; ok
# every placeholder in refagent-templates(5), as a.b or a.{..., b, ...}
render refagent-templates.5 >"$work/page"
strings_of agent/template.c template_var_names >"$work/names"
[ "$(wc -l <"$work/names")" -gt 30 ] || fail "template_var_names not found"
while read -r n; do
	grep -qE "(^|[ ,])${n//./\\.}(,|$| )" "$work/page" ||
		grep -qE "(^|[ ,])${n%%.*}\.\{([a-z_]+, )*${n#*.}(,|\})" "$work/page" ||
		fail "refagent-templates(5) lacks {{$n}}"
done <"$work/names"; ok
# every mail in refagent-templates(5), every command in refagent(1),
# every class and field in refagent-filters(5)
check_items() { # FILE ARRAY PAGE
	strings_of "$1" "$2" >"$work/items"
	[ -s "$work/items" ] || fail "$2 not found in $1"
	while read -r i; do
		[ "$i" = none ] && continue
		grep -qE "^\.It Cm $i( |$)|^\.Cm $i( |$)|^\.Cm [a-z_ ,]*$i( |$)" "$top/agent/$3" || fail "$3 lacks $i ($2)"
	done <"$work/items"
}
strings_of agent/kinds.c mail_table | grep -vE ' ' | grep -E '^[a-z]+-[a-z]+$' >"$work/mails"
while read -r m; do
	grep -qE "^\.It Cm $m$" "$top/agent/refagent-templates.5" || fail "refagent-templates(5) lacks mail $m"
done <"$work/mails"
[ "$(wc -l <"$work/mails")" -ge 11 ] || fail "mail_table not found"
awk '/commands\[\] = \{/ { on = 1 } on { print } on && /^\};/ { exit }' "$top/agent/main.c" |
	grep -oE '\.name = "[a-z-]+' | sed 's/.*"//' | sort -u >"$work/cmds"
[ "$(wc -l <"$work/cmds")" -ge 14 ] || fail "commands[] not found in agent/main.c"
while read -r c; do
	grep -qE "^\.It Cm $c( |$)" "$top/agent/refagent.1" || fail "refagent(1) lacks command $c"
done <"$work/cmds"
grep -oE '^ *\[CLASS_[A-Z_]+\] = \{"[a-z-]+"' "$top/agent/kinds.c" | sed 's/.*"\([a-z-]*\)"$/\1/' >"$work/classes"
[ "$(wc -l <"$work/classes")" -ge 8 ] || fail "class_table not found in agent/kinds.c"
while read -r i; do
	[ "$i" = none ] && continue
	grep -qE "^\.It Cm $i( |$)" "$top/agent/refagent-filters.5" || fail "refagent-filters.5 lacks class $i"
done <"$work/classes"
check_items agent/filter.c field_names refagent-filters.5; ok

echo "install: $pass checks passed (layout, man pages, units, reinstall, uninstall, PREFIX, documented configs)"
