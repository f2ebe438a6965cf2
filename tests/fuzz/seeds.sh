#!/bin/sh
# seeds.sh TARGET DIR - fills DIR with the starting inputs of a fuzz target,
# taken from the project's own files (nothing is copied into the tree):
#   message   the test messages of tests/data
#   rules     the shipped rules and the rule files of the tests
#   template  the shipped templates and the broken ones of the tests
#   config    the sample config and the test configs
#   auth      the Authentication-Results values of tests/data/auth
#   prefilter the shipped rules' patterns over a few intro lines
set -eu
t=$1 dir=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
case $t in
message) find "$top/tests/data" -name '*.eml' -exec cp {} "$dir/" \; ;;
rules) cp "$top"/filters/*.rules "$dir/"
	find "$top/tests/data/filters" -type f -exec cp {} "$dir/" \; 2>/dev/null || true ;;
template) cp "$top"/templates/*.tmpl "$dir/"
	find "$top/tests/data/templates" -type f -name '*.tmpl' | while read -r f; do
		cp "$f" "$dir/$(echo "$f" | tr / _)"; done ;;
config) cp "$top/agent/refagent.conf.sample" "$dir/"
	find "$top/tests/data" -name '*.conf' | while read -r f; do
		cp "$f" "$dir/$(echo "$f" | tr / _)"; done ;;
auth) for f in "$top"/tests/data/auth/*.eml; do
		# the headers' values, unfolded, one seed per message
		awk 'BEGIN { IGNORECASE = 1 } /^$/ { exit } /^[^ \t]/ { on = /^Authentication-Results:/ }
			on { sub(/^Authentication-Results:[ \t]*/, ""); print }' "$f" >"$dir/$(basename "$f" .eml).txt"
	done ;;
prefilter) # each shipped pattern, its flags as a byte, over a few intro lines
	n=0
	grep -h '^  \(match\|unless\) /' "$top"/filters/*.rules | while IFS= read -r line; do
		n=$((n + 1))
		pat=${line#*/}; flags=${pat##*/}; pat=${pat%/*}
		b=0
		case $flags in *i*) b=$((b | 1)) ;; esac
		case $flags in *m*) b=$((b | 2)) ;; esac
		case $flags in *s*) b=$((b | 4)) ;; esac
		case $flags in *x*) b=$((b | 8)) ;; esac
		{ printf "\\$(printf %03o $b)"; printf '%s\n' "$pat"
		  printf 'Hi Bob, meet Tom. I would like to introduce you to Brightpath, who did our kitchen.\nBob needs a new roof; you can reach him at +1 415 555 0142.\nThanks for the intro, Sarah!\n'
		} >"$dir/p$n"
	done ;;
*) echo "seeds.sh: no target $t" >&2; exit 2 ;;
esac
