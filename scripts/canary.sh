#!/usr/bin/env bash
# The prompt-variant canary on Kubernetes, one command per step (runbooks/canary-rollout.md):
#
#   scripts/canary.sh status              # the split generate runs with, its rollout, the prompt files it has
#   scripts/canary.sh set concise=10      # 10% of requests get prompts/concise.yaml; restarts generate
#   scripts/canary.sh rollback            # every request gets `default` again; restarts generate
#
# It patches PROMPT_VARIANT_SPLIT in the ConfigMap ragbus-canary and restarts generate (which reads the split
# at start-up), then waits for the rollout. generate refuses a split naming a variant without a prompt file,
# and the rolling update keeps the old pods serving until new ones are ready.
# The patch lives in the cluster only: the next `kubectl apply -k` of an overlay puts back what Git says
# (base: no canary; deploy/k8s/components/canary-concise: concise=10). Commit the change to keep it.
#
# Environment: NAMESPACE (ragbus), KUBECTL (kubectl; e.g. "kubectl --context prod"), ROLLOUT_TIMEOUT (5m),
# DRY_RUN=1 prints the commands instead of running them.
set -euo pipefail

NAMESPACE=${NAMESPACE:-ragbus}
KUBECTL=${KUBECTL:-kubectl}
ROLLOUT_TIMEOUT=${ROLLOUT_TIMEOUT:-5m}
CONFIGMAP=ragbus-canary
DEPLOYMENT=generate

usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

run() {
    echo "+ $KUBECTL -n $NAMESPACE$(printf ' %q' "$@")" >&2
    if [[ ${DRY_RUN:-0} != 1 ]]; then
        # shellcheck disable=SC2086  # KUBECTL may carry flags
        $KUBECTL -n "$NAMESPACE" "$@"
    fi
}

# "concise=10,terse=2.5": variant=percent pairs, shares adding up to at most 100 (as generate checks).
check_split() {
    local split=$1 pair
    [[ -z $split ]] && return 0
    local total=0
    IFS=',' read -ra pairs <<<"$split"
    for pair in "${pairs[@]}"; do
        if [[ ! $pair =~ ^[a-z0-9][a-z0-9_-]{0,63}=([0-9]+(\.[0-9]+)?)$ ]] || [[ $pair == default=* ]]; then
            echo "canary: '$pair' is not variant=percent (e.g. concise=10; default gets the rest)" >&2
            exit 2
        fi
        total=$(awk -v a="$total" -v b="${BASH_REMATCH[1]}" 'BEGIN { print a + b }')
    done
    if awk -v t="$total" 'BEGIN { exit !(t > 100) }'; then
        echo "canary: the shares add up to $total%, more than 100%" >&2
        exit 2
    fi
}

# The variants of the split must have a file in the prompts ConfigMap generate mounts.
check_prompt_files() {
    local split=$1 configmap files pair
    [[ -z $split || ${DRY_RUN:-0} == 1 ]] && return 0
    configmap=$($KUBECTL -n "$NAMESPACE" get deployment "$DEPLOYMENT" \
        -o jsonpath='{.spec.template.spec.volumes[?(@.name=="prompts")].configMap.name}')
    files=$($KUBECTL -n "$NAMESPACE" get configmap "$configmap" \
        -o go-template='{{range $name, $_ := .data}}{{$name}} {{end}}')
    IFS=',' read -ra pairs <<<"$split"
    for pair in "${pairs[@]}"; do
        if [[ " $files " != *" ${pair%%=*}.yaml "* ]]; then
            echo "canary: ConfigMap $configmap has no ${pair%%=*}.yaml (it has: $files); add prompts/${pair%%=*}.yaml and apply first" >&2
            exit 1
        fi
    done
}

set_split() {
    local split=$1
    check_split "$split"
    check_prompt_files "$split"
    run patch configmap "$CONFIGMAP" --type merge -p "{\"data\":{\"PROMPT_VARIANT_SPLIT\":\"$split\"}}"
    run rollout restart deployment "$DEPLOYMENT"
    run rollout status deployment "$DEPLOYMENT" --timeout "$ROLLOUT_TIMEOUT"
    [[ ${DRY_RUN:-0} == 1 ]] || echo "canary: generate now runs with PROMPT_VARIANT_SPLIT='$split'" >&2
}

case ${1:-} in
    status)
        run get configmap "$CONFIGMAP" -o jsonpath='{.data.PROMPT_VARIANT_SPLIT}{"\n"}'
        run rollout status deployment "$DEPLOYMENT" --timeout 10s
        run get deployment "$DEPLOYMENT" \
            -o jsonpath='{.spec.template.spec.volumes[?(@.name=="prompts")].configMap.name}{"\n"}'
        ;;
    set)
        [[ $# -eq 2 ]] || usage
        set_split "$2"
        ;;
    rollback)
        [[ $# -eq 1 ]] || usage
        set_split ""
        ;;
    *)
        usage
        ;;
esac
