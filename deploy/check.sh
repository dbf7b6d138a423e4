#!/usr/bin/env bash
# Validates the files of deploy/: the alert rules (promtool check rules and
# their unit test), the scrape example (promtool check config: Debian's
# promtool has no Kubernetes discovery, so on a copy whose
# kubernetes_sd_configs became a static target), and the DaemonSet's
# privileges (python3-yaml).  Prints PASS or FAIL lines; exit 0 on success.
#   deploy/check.sh [PROMTOOL]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
promtool=${1:-promtool}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL deploy: $*"; exit 1; }

"$promtool" check rules "$here/alert-rules.yaml" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "promtool check rules alert-rules.yaml"; }
(cd "$here" && "$promtool" test rules alert-rules.test.yaml) >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "promtool test rules alert-rules.test.yaml"; }

python3 - "$here" "$tmp/scrape.yaml" <<'PY' || fail "deploy/*.yaml"
import sys, yaml
here, out = sys.argv[1], sys.argv[2]

c = yaml.safe_load(open(f"{here}/prometheus-scrape.yaml"))
job = c["scrape_configs"][0]
sd = job.pop("kubernetes_sd_configs")
assert sd[0]["role"] == "pod", "scrape: not the pods role"
sel = sd[0]["selectors"][0]["label"]
job["static_configs"] = [{"targets": ["127.0.0.1:9464"]}]
c["rule_files"] = [f"{here}/{f}" for f in c["rule_files"]]
yaml.safe_dump(c, open(out, "w"))

docs = [d for d in yaml.safe_load_all(open(f"{here}/daemonset.yaml")) if d]
ds = next(d for d in docs if d["kind"] == "DaemonSet")
pod = ds["spec"]["template"]["spec"]
labels = ds["spec"]["template"]["metadata"]["labels"]
assert sel == "=".join(next(iter(labels.items()))), "scrape selector is not the DaemonSet's label"
assert pod["hostPID"] is True, "hostPID"
assert not pod.get("hostNetwork"), "hostNetwork"
assert not pod.get("volumes"), "no volume is needed"
(ctr,) = pod["containers"]
sc = ctr["securityContext"]
assert sc["capabilities"]["drop"] == ["ALL"], "drop ALL"
assert sorted(sc["capabilities"]["add"]) == ["BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE"], sc["capabilities"]["add"]
assert sc["readOnlyRootFilesystem"] is True and sc["privileged"] is False
assert sc["allowPrivilegeEscalation"] is False
args = ctr["args"]
assert args[args.index("--listen") + 1] == ":9464", "--listen"
assert ctr["ports"][0]["containerPort"] == 9464
assert ctr["resources"]["limits"]["memory"] and ctr["resources"]["limits"]["cpu"]
PY
"$promtool" check config "$tmp/scrape.yaml" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "promtool check config prometheus-scrape.yaml"; }
echo "PASS deploy: alert rules, their test, scrape config, DaemonSet"
