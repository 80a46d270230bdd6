#!/usr/bin/env bash
# examples/fashion_mnist --data-parallel under mpirun (registered in tests/CMakeLists.txt):
#   - 2 processes of one device each train to the accuracy of 1 process of 2 devices (the same split of
#     each batch, the same per-device dropout keys, the same averaged gradients), within 0.005;
#   - a checkpoint written by 2 processes is resumed by 1, which finishes the run;
#   - the accuracy after 2 epochs on 8192 images is a model's, not chance (at least 0.75).
# Usage: fashion_mnist_data_parallel.sh MPIRUN EXAMPLE SCRATCH_DIR
set -euo pipefail
mpirun=$1 example=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
common=(--model mlp --epochs 2 --train-examples 8192 --batch-size 128 --data-parallel)
run() { "$mpirun" --oversubscribe --allow-run-as-root -x JX_NUM_THREADS=1 "$@"; }
accuracy() { grep -o 'test accuracy: [0-9.]*' | tail -1 | cut -d' ' -f3; }

two_processes=$(run -np 2 "$example" "${common[@]}" --out "$scratch/two" | accuracy)
one_process=$(run -np 1 -x JX_NUM_CPU_DEVICES=2 "$example" "${common[@]}" --out "$scratch/one" | accuracy)
run -np 2 "$example" "${common[@]}" --out "$scratch/resumed" --stop-after 1 >/dev/null
resumed_output=$(run -np 1 "$example" "${common[@]}" --out "$scratch/resumed" --resume)
resumed=$(accuracy <<<"$resumed_output")
echo "2 processes: $two_processes; 1 process of 2 devices: $one_process; 2 processes then resumed by 1: $resumed"
# (A here-string: `echo | grep -q` fails under pipefail when grep stops reading before echo is done.)
grep -q 'resumed from .* after epoch 1' <<<"$resumed_output" || { echo "the run was not resumed"; exit 1; }
python3 - "$two_processes" "$one_process" "$resumed" <<'PY'
import sys
two, one, resumed = map(float, sys.argv[1:])
assert abs(two - one) <= 0.005, f"2 processes reached {two}, 1 process of 2 devices {one}"
assert min(two, one, resumed) >= 0.75, f"accuracies {two}, {one}, {resumed}: not trained"
print("ok")
PY
