#!/usr/bin/env bash
# cfn-lint on every template the CDK app synthesizes (`npm run lint:cfn`): the repository's project as
# `npx cdk synth` builds it, and the same app with every event source configured (Kinesis on demand and
# provisioned, MSK and self-managed Kafka, webhooks, a named bus), so the optional constructs are linted
# too. Fails on errors only; W3005 (a DependsOn that a GetAtt already implies) is CDK's own output.
# Each synth goes to a fresh directory: a stale template in cdk.out would be linted otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo 'lint:cfn: cfn-lint is not installed; install it with: pip install cfn-lint==1.51.0' >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/edwe-lint-cfn.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A project with no rules or workflows of its own: only the configuration, which is what this synth is about.
mkdir -p "$work/all-sources/rules" "$work/all-sources/workflows"
cat >"$work/all-sources/rules/edwe.config.yaml" <<'YAML'
event_driven_workflow_engine:
  event_sources:
    - type: kinesis
      stream_name: edwe-lint-on-demand
    - type: kinesis
      stream_name: edwe-lint-provisioned
      mode: provisioned
      shard_count: 2
      batch_size: 500
      starting_position: LATEST
    - type: kafka
      topics: [orders, payments]
      cluster_arn: arn:aws:kafka:us-east-1:123456789012:cluster/orders/751d2973-a626-431c-9d4e-d7975eb44dd7-2
    - type: kafka
      topics: [audit]
      bootstrap_servers: [broker-1.example.com:9096, broker-2.example.com:9096]
      secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:edwe-kafka-AbCdEf
    - type: webhook
      endpoints: [/webhooks/shop, /webhooks/billing/stripe]
    - type: eventbridge
      bus_name: edwe-lint-bus
  event_sourcing:
    retention: 90d
YAML

# esbuild reports every bundle on stderr: kept in a log, shown only when the synth fails.
synth() {
  local name="$1"
  shift
  echo "lint:cfn: synthesizing ${name} (npx cdk synth --quiet $*)"
  if ! npx cdk synth --quiet "$@" >"$work/synth.log" 2>&1; then
    cat "$work/synth.log" >&2
    echo "lint:cfn: the synth of ${name} failed" >&2
    exit 1
  fi
}

lint() {
  local name="$1" outdir="$2"
  local templates=("$outdir"/*.template.json)
  echo "lint:cfn: ${name}: cfn-lint ${templates[*]#"$outdir/"}"
  cfn-lint "${templates[@]}" --non-zero-exit-code error --ignore-checks W3005
}

synth 'the repository project' --output "$work/project.out"
lint 'the repository project' "$work/project.out"

synth 'every event source' --output "$work/all-sources.out" --context "edwe:projectDir=$work/all-sources"
lint 'every event source' "$work/all-sources.out"

echo 'lint:cfn: no errors'
