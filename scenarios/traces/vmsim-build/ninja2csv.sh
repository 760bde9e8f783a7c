#!/bin/sh
# Converts a clean build's .ninja_log plus the build graph into a jobs CSV
# with dependencies (docs/replay.md):
#
#   sh ninja2csv.sh BUILD.ninja_log QUERY.txt > jobs.csv
#
# QUERY.txt is `ninja -t query OUTPUT` for every output in the log (record.sh
# writes it). A job depends on each of its inputs - explicit, implicit (|)
# and order-only (||) - that is itself an output in the log. Jobs keep the
# log's order: by start time, ties by line. cpu_ms = end - start. Assumes
# one line per output (a clean build) and no ',' ';' or blanks in paths.
set -eu
log=$1
query=$2
{
    awk '{ print "Q\t" $0 }' "$query"
    tail -n +2 "$log" | awk -F'\t' '{ print $1 "\t" NR "\t" $0 }' | sort -t'	' -k1,1n -k2,2n -s |
        cut -f3- | awk '{ print "L\t" $0 }'
} | awk -F'\t' '
$1 == "Q" {
    s = substr($0, 3)
    if (s ~ /^[^ ].*:$/) { tgt = substr(s, 1, length(s) - 1); mode = ""; next }
    if (s ~ /^  input:/) { mode = "in"; next }
    if (s ~ /^  outputs:/) { mode = "out"; next }
    if (mode == "in" && s ~ /^    /) {
        sub(/^ +/, "", s); sub(/^\|\|? /, "", s)
        if (index(" " deps[tgt] " ", " " s " ") == 0) deps[tgt] = deps[tgt] (deps[tgt] == "" ? "" : " ") s
    }
    next
}
$1 == "L" { n++; start[n] = $2; end[n] = $3; out[n] = $5; isout[$5] = 1 }
END {
    print "# converted from a .ninja_log by ninja2csv.sh; cpu_ms = end_ms - start_ms"
    print "id,cpu_ms,deps"
    for (i = 1; i <= n; i++) {
        k = split(deps[out[i]], d, " "); ds = ""
        for (j = 1; j <= k; j++) if (d[j] in isout) ds = ds (ds == "" ? "" : " ") d[j]
        printf "%s,%d,%s\n", out[i], end[i] - start[i], ds
    }
}'
