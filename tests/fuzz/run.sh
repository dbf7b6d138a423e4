#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs every libFuzzer target built in DIR (make fuzz) for SECONDS each:
# first the regression inputs of tests/fuzz/regressions/TARGET (crashes
# found before: each must now run clean), then fuzzing from the checked-in
# seeds of tests/fuzz/corpus/TARGET (*.xz decompressed) plus whatever the
# corpus in DIR/corpus/TARGET grew to in earlier runs.  A crash, a leak,
# a sanitizer report, a timeout or an out-of-memory fails the run; the
# input is kept in DIR/crashes/ (copy it to regressions/ with the fix).
# Prints one line per target: executions, corpus size, coverage.
set -euo pipefail

dir=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir/crashes"
status=0
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	target=${name#fuzz_}
	corpus=$dir/corpus/$target
	mkdir -p "$corpus"
	for seed in "$here/corpus/$target"/*; do
		[ -e "$seed" ] || continue
		case $seed in
		*.xz) xz -dc "$seed" > "$corpus/$(basename "${seed%.xz}")" ;;
		*) cp "$seed" "$corpus/" ;;
		esac
	done
	regressions=()
	for r in "$here/regressions/$target"/*; do
		[ -e "$r" ] && regressions+=("$r")
	done
	if [ ${#regressions[@]} -gt 0 ]; then
		if ! "$bin" "${regressions[@]}" > "$dir/$target.regressions.log" 2>&1; then
			echo "FAIL fuzz $target: a regression input fails again:" >&2
			tail -30 "$dir/$target.regressions.log" >&2
			status=1
			continue
		fi
	fi
	log=$dir/$target.log
	if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
		-artifact_prefix="$dir/crashes/$target-" -print_final_stats=1 \
		"$corpus" > "$log" 2>&1; then
		echo "FAIL fuzz $target: see $log; the input is in $dir/crashes/" >&2
		grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 >&2
		status=1
		continue
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	echo "PASS fuzz $target: $execs executions in ${seconds}s, $(ls "$corpus" | wc -l) inputs in the corpus, ${cov:-cov: ?}, ${#regressions[@]} regression inputs"
done
exit $status
