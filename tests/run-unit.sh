#!/usr/bin/env bash
# Run every unit test binary; fail unless each one reports success.
#   tests/run-unit.sh OUTPUT "GO VERSIONS" TESTBIN...
set -u
out=$1; shift
export GOSTRAY_GO_VERSIONS=$1; shift
export GOSTRAY_FIXTURES=$out/go
# Set by `make real-programs` only when a registry could not be reached.
if [[ -s $out/real-programs-unreachable ]]; then
	export GOSTRAY_REAL_SKIP="$(head -1 "$out/real-programs-unreachable")"
	echo "SKIP real-program unit checks: $GOSTRAY_REAL_SKIP"
fi
failed=0
[[ $# -gt 0 ]] || { echo "FAIL no unit tests"; exit 1; }
for t in "$@"; do
	if "$t"; then
		echo "PASS $(basename "$t")"
	else
		echo "FAIL $(basename "$t")"
		failed=1
	fi
done
exit $failed
