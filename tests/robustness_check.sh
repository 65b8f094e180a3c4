#!/bin/sh
# robustness_check.sh [TABLE.md]: checks that every test the robustness
# table names exists, so that the table cannot rot.
#
# The table's last column names one or more tests, separated by <br>,
# each as "FILE.bats: TEST NAME", the name exactly as after @test (a
# literal | written \|, as Markdown wants it). Each must be the name of an
# @test in tests/FILE.bats. Prints one line per test not found and exits
# 1; otherwise prints "robustness_check: N rows, every test found".
# Fewer than MIN rows (40) is a failure too.

table=${1:-$(dirname "$0")/../docs/robustness.md}
tests=$(cd "$(dirname "$0")" && pwd)
min=${MIN_ROWS:-40}

[ -r "$table" ] || { echo "robustness_check: $table: cannot be read" >&2; exit 2; }

# One "ROW<TAB>FILE<TAB>NAME" line per reference; "ROW<TAB><TAB>" for a row
# that names none.
refs=$(awk '
	# the rows after the header separator |---|---|
	/^\|[ ]*:?-+/ { body = 1; next }
	!/^\|/ { body = 0; next }
	!body { next }
	{
		row++
		line = $0
		gsub(/\\\|/, "\001", line)
		n = split(line, cell, "|")
		last = cell[n - 1]
		gsub(/^[ ]+|[ ]+$/, "", last)
		k = split(last, ref, /<br>/)
		found = 0
		for (i = 1; i <= k; i++) {
			r = ref[i]
			gsub(/^[ ]+|[ ]+$/, "", r)
			gsub(/`/, "", r)
			if (r == "")
				continue
			p = index(r, ": ")
			if (p == 0) {
				printf "%d\t\t%s\n", row, r
				found = 1
				continue
			}
			f = substr(r, 1, p - 1)
			name = substr(r, p + 2)
			gsub(/\001/, "|", name)
			printf "%d\t%s\t%s\n", row, f, name
			found = 1
		}
		if (!found)
			printf "%d\t\t\n", row
	}
	END { printf "ROWS\t%d\n", row }
' "$table")

rows=$(printf '%s\n' "$refs" | sed -n 's/^ROWS\t//p')
bad=0
tab=$(printf '\t')
printf '%s\n' "$refs" | grep -v '^ROWS' | {
	bad=0
	while IFS="$tab" read -r row file name; do
		if [ -z "$file" ]; then
			echo "row $row: no test named (FILE.bats: TEST NAME): '$name'"
			bad=1
			continue
		fi
		case $file in
		*/* | *..*) echo "row $row: $file: not a file in tests/"; bad=1; continue ;;
		esac
		if [ ! -f "$tests/$file" ]; then
			echo "row $row: $file: no such file in tests/"
			bad=1
		elif ! grep -Fqx -- "@test \"$name\" {" "$tests/$file"; then
			echo "row $row: $file: no test named \"$name\""
			bad=1
		fi
	done
	exit $bad
}
bad=$?
if [ "${rows:-0}" -lt "$min" ]; then
	echo "robustness_check: $table has ${rows:-0} rows, fewer than $min"
	bad=1
fi
[ "$bad" = 0 ] || exit 1
echo "robustness_check: $rows rows, every test found"
