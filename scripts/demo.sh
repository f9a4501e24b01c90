#!/usr/bin/env bash
# The main job end to end on simulated data, on 2 MPI ranks (a few minutes on 2 cores):
#   simulate -> prepare -> train r-SAGE-net -> train p-SAGE-net from its trunk -> evaluate both on held-out
#   individuals, on training regions and on unseen (test-chromosome) regions -> a table of median per-region r.
#
#   scripts/demo.sh [DIR]      (default DIR: demo/; the release build must exist: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-demo}"
sage=.build/release/sage-mpi
run() { cluster/sage-mpirun --np 2 -- "$@"; }

echo "== simulate: 60 genes x 200 individuals, 2 kb windows, planted causal variants ($dir)"
rm -rf "$dir"
"$sage" simulate --out "$dir" --regions 60 --individuals 200 --input-len 2000 --seed 1
echo "== prepare: the variant store, regions dealt to 2 ranks"
run prepare --config "$dir/sage.toml"
echo "== train r-SAGE-net (reference sequence -> mean expression across individuals)"
run train --config "$dir/sage.toml" --model rsagenet --out "$dir/runs/rsagenet" \
    --set batch_size=4 --set max_epochs=80 --set patience=0
echo "== train p-SAGE-net (reference + both haplotypes), trunk initialised from r-SAGE-net"
run train --config "$dir/sage.toml" --model psagenet --out "$dir/runs/psagenet" \
    --set init_from="$dir/runs/rsagenet/best.safetensors"
for model in rsagenet psagenet; do
  for regions in train test; do
    echo "== evaluate $model: $regions regions x test individuals"
    run evaluate --checkpoint "$dir/runs/$model/best.safetensors" --config "$dir/sage.toml" \
        --regions "$regions" --individuals test --out "$dir/eval/$model-$regions"
  done
done

value() { sed -n "s/^ *\"$2\" : \\(.*\\),\$/\\1/p" "$dir/eval/$1/summary.json"; }
echo
echo "Median per-region Pearson r across held-out individuals (observed vs predicted deviation from the gene's mean):"
printf '%-10s %-22s %-22s\n' model "training regions" "unseen regions"
for model in rsagenet psagenet; do
  printf '%-10s %-22.3f %-22.3f\n' "$model" "$(value "$model-train" region_pearson_median)" "$(value "$model-test" region_pearson_median)"
done
echo "(r-SAGE-net scores each haplotype with a reference model; p-SAGE-net learns from the haplotypes themselves."
echo " Predictions, per-region and per-individual correlations: $dir/eval/*/; training curves: $dir/runs/*/metrics.jsonl)"
