#!/usr/bin/env bash
# scripts/slurm_lab.sh — run a qbench lab study as a Slurm job array (docs/scale-out.md).
#
#   scripts/slurm_lab.sh [--partition P[,P2…]] [--shards N] [--device-from-partition] [--resume]
#                        [--time LIMIT] [--qbench PATH] -- LAB FLAGS… -o DIR
#
# 1. writes DIR/plan.json (`qbench lab --plan --shards N LAB FLAGS`: every point with its id);
# 2. submits `sbatch --array=0-(N-1) --exclusive`: task I runs `qbench lab --plan-file DIR/plan.json
#    --shard I/N --device D --resume`, writing DIR/results.<D>.<I>.jsonl as it measures. --exclusive:
#    two benchmarks on one node would share its cores, caches and memory bandwidth and time each other;
# 3. submits a merge job (`--dependency=afterany:` the arrays) running `qbench report DIR -o DIR/report`;
# 4. prints the job ids and where the report will be.
# --device-from-partition: one array per partition in --partition, each task labelled with its
#   partition's name ($SLURM_JOB_PARTITION), so one submission gives the cross-device report.
#   Otherwise the device label is --device from LAB FLAGS, else the first partition's name, else "slurm".
# --resume: submits only the shards that still miss points (qbench report --missing-shards).
# ASSUMES A SHARED FILESYSTEM: DIR and the qbench binary must be the same paths on every node.
set -euo pipefail

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "slurm_lab.sh: $*" >&2; exit 2; }

partition="" shards=4 from_partition=0 resume=0 time_limit="" qbench=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --partition) [[ $# -ge 2 ]] || die "--partition needs a value"; partition="$2"; shift 2 ;;
    --shards) [[ $# -ge 2 ]] || die "--shards needs a value"; shards="$2"; shift 2 ;;
    --device-from-partition) from_partition=1; shift ;;
    --resume) resume=1; shift ;;
    --time) [[ $# -ge 2 ]] || die "--time needs a value"; time_limit="$2"; shift 2 ;;
    --qbench) [[ $# -ge 2 ]] || die "--qbench needs a value"; qbench="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) die "unknown option '$1' (the lab's flags go after --); see --help" ;;
  esac
done
lab_flags=("$@")
[[ "$shards" =~ ^[0-9]+$ && "$shards" -ge 1 && "$shards" -le 4096 ]] || die "--shards '$shards' must be 1 to 4096"
[[ $from_partition -eq 0 || -n "$partition" ]] || die "--device-from-partition needs --partition P1[,P2…]"
for tool in sbatch; do command -v "$tool" >/dev/null || die "'$tool' not found: run this on a Slurm login node"; done

# The output folder and the device label given in the lab's flags.
out="" device=""
for ((i = 0; i < ${#lab_flags[@]}; i++)); do
  case "${lab_flags[$i]}" in
    -o|--output) out="${lab_flags[$((i + 1))]:-}" ;;
    --output=*) out="${lab_flags[$i]#--output=}" ;;
    --device) device="${lab_flags[$((i + 1))]:-}" ;;
    --device=*) device="${lab_flags[$i]#--device=}" ;;
    --shard|--shard=*|--plan|--plan-file|--plan-file=*) die "'${lab_flags[$i]}' is set by this script; leave it out of the lab's flags" ;;
  esac
done
[[ -n "$out" ]] || die "give the study folder in the lab's flags: -- … -o DIR (on the shared filesystem)"
[[ $from_partition -eq 0 || -z "$device" ]] || die "--device and --device-from-partition contradict each other; give one"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if [[ -z "$qbench" ]]; then
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [[ -x "$here/build/qbench" ]]; then qbench="$here/build/qbench"; else qbench="$(command -v qbench || true)"; fi
fi
[[ -n "$qbench" && -x "$qbench" ]] || die "qbench binary not found; give --qbench PATH (on the shared filesystem)"
qbench="$(cd "$(dirname "$qbench")" && pwd)/$(basename "$qbench")"

echo "slurm_lab.sh: assumes a shared filesystem: $out and $qbench must be reachable at these paths on every node" >&2

# 1. The plan (an identical plan already there is kept; a different one is refused).
"$qbench" lab --plan --shards "$shards" "${lab_flags[@]}" >&2

mkdir -p "$out/slurm"
IFS=',' read -r -a partitions <<< "$partition"
# One array per device: per partition with --device-from-partition, else one over all partitions.
if [[ $from_partition -eq 1 ]]; then
  devices=("${partitions[@]}")
else
  [[ -n "$device" ]] || device="${partitions[0]:-slurm}"
  devices=("$device")
fi

common=()
[[ -n "$time_limit" ]] && common+=(--time "$time_limit")
array_ids=()
for idx in "${!devices[@]}"; do
  dev="${devices[$idx]}"
  part_args=()
  if [[ $from_partition -eq 1 ]]; then part_args=(--partition "$dev"); elif [[ -n "$partition" ]]; then part_args=(--partition "$partition"); fi
  list="0-$((shards - 1))"
  if [[ $resume -eq 1 ]]; then
    missing="$("$qbench" report "$out" --missing-shards --device "$dev" --shards "$shards" | paste -sd, -)"
    if [[ -z "$missing" ]]; then
      echo "device '$dev': no shard misses points; nothing to submit" >&2
      continue
    fi
    list="$missing"
  fi
  dev_arg="$dev"
  [[ $from_partition -eq 1 ]] && dev_arg='$SLURM_JOB_PARTITION'
  task="$out/slurm/shard-$idx.sh"
  cat > "$task.tmp" <<EOF
#!/usr/bin/env bash
# qbench shard task (written by scripts/slurm_lab.sh): one shard of $out/plan.json per array task.
exec $(printf '%q' "$qbench") lab --plan-file $(printf '%q' "$out/plan.json") --shard "\${SLURM_ARRAY_TASK_ID}/$shards" --device "$dev_arg" --resume --no-plots
EOF
  chmod +x "$task.tmp"
  mv "$task.tmp" "$task"
  id="$(sbatch --parsable --array="$list" --exclusive --job-name=qbench-shard "${part_args[@]}" "${common[@]}" \
        --output="$out/slurm/shard-%A_%a.out" "$task")"
  id="${id%%;*}"
  array_ids+=("$id")
  echo "shards: job $id (array $list of $shards, device '$dev'${part_args[1]:+, partition ${part_args[1]}})"
done

# 3. The merge, after every array task ended however it ended (afterany): it lists what is missing.
merge_args=()
if [[ ${#array_ids[@]} -gt 0 ]]; then merge_args+=(--dependency="afterany:$(IFS=:; echo "${array_ids[*]}")"); fi
[[ -n "$partition" ]] && merge_args+=(--partition "${partitions[0]}")
merge_id="$(sbatch --parsable --job-name=qbench-merge "${merge_args[@]}" "${common[@]}" --output="$out/slurm/merge-%j.out" \
              --wrap "$(printf '%q ' "$qbench" report "$out" -o "$out/report")")"
merge_id="${merge_id%%;*}"
echo "merge: job $merge_id"
echo "report: $out/report/report.md (results.json, results.csv) once job $merge_id ends; logs in $out/slurm/"
