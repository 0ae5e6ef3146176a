#!/bin/sh
# long-functions.sh [-n MAX] [FILE...]: list the C functions longer than
# MAX lines (60), main() aside, and exit 1 when there is one. A function is
# counted from the line of its name (which STYLE.md puts at the start of a
# line, its type on the line above) to its closing brace at the start of
# a line, both included. Without files: src/, bench/ and tests/ as git
# lists them (or as find does outside a checkout).
# Run by `make check-clang` and `make check-long`.
set -eu
max=60
if [ "${1:-}" = -n ]; then max=$2; shift 2; fi
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
	set -- $(git ls-files 'src/*.c' 'bench/*.c' 'tests/*.c' 2>/dev/null ||
	    find src bench tests -name '*.c')
fi
awk -v max="$max" '
FNR == 1 { name = "" }
/^[A-Za-z_][A-Za-z0-9_]*\(/ && name == "" {
	name = $0; sub(/\(.*/, "", name); start = FNR; next
}
/^}/ && name != "" {
	n = FNR - start + 1
	if (n > max && name != "main") {
		printf "%s:%d: %s() is %d lines (at most %d)\n", FILENAME,
		    start, name, n, max
		bad = 1
	}
	name = ""
}
END { exit bad }
' "$@"
