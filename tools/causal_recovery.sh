#!/usr/bin/env bash
# Causal-variant recovery on ground truth (issue 13): on a simulated cohort with planted causal variants,
#   simulate -> prepare -> train p-SAGE-net (--epochs E) -> baseline predixcan
#   -> variant-effect --all-cohort-variants --causal ... --predixcan ... (the training regions)
# and a summary: how often p-SAGE-net's top-ranked variant (|delta| of the difference head, the variant inserted
# into both haplotypes of the reference) is a planted causal one, beside PrediXcan's largest |weight| and the rate
# of a variant drawn at random from each region's scored ones; with the model's fit (best
# train_region_pearson_median: training regions x validation individuals) and how often the top-ranked variant is an
# indel (the failure mode of a p-SAGE-net trained too briefly, README "Causal-variant recovery"). With --every-epoch
# each epoch's checkpoint is scored too (a learning curve of the recovery; reported, not used to choose anything:
# the scored checkpoint is best.safetensors, chosen by the validation individuals' metric).
#
# The recipe it encodes: p-SAGE-net learns which variant moves a training gene only after many passes over that
# gene's individuals (with few, its largest |delta| is mostly an indel, whose shift of the downstream sequence it
# has not yet learned to ignore), and a constant learning rate of 0.002 gets there about twice as fast as the
# cyclic default. The defaults (150 regions, 50 of them training, x 80 individuals, 56 of them training, 20 epochs:
# 1120 items per training region) take 10 minutes of one core (release build; 17 minutes on 2 shared cores), and
# rank a causal variant first in 35 of 50 training regions (README "Causal-variant recovery").
#
#   tools/causal_recovery.sh SAGE_MPI OUT_DIR [--ranks N] [--regions R] [--individuals I] [--input-len L]
#                            [--epochs E] [--seed S] [--every-epoch]
#
#   SAGE_MPI   the sage-mpi binary (e.g. .build/release/sage-mpi)
#   OUT_DIR    a new or empty directory (an existing non-empty one is refused; nothing outside it is written, and
#              nothing is ever deleted)
#   --ranks N  run every step under `mpirun --oversubscribe -np N` (default: one process, without mpirun; the
#              numbers above are one process's: on N ranks a training step takes N x batch_size items)
#   the rest   the cohort's size and seed, p-SAGE-net's epochs (defaults below)
set -euo pipefail
script=causal_recovery
. "$(dirname "$0")/chain_common.sh"

usage="usage: tools/causal_recovery.sh SAGE_MPI OUT_DIR [--ranks N] [--regions R] [--individuals I] [--input-len L] [--epochs E] [--seed S] [--every-epoch]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
sage="$1" dir="$2"
shift 2
ranks="" regions=150 individuals=80 input_len=2000 epochs=20 seed=1 every_epoch=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--every-epoch" ]; then every_epoch=1; shift; continue; fi
  [ $# -ge 2 ] || { echo "causal_recovery: $1 needs a value" >&2; echo "$usage" >&2; exit 2; }
  case "$1" in
    --ranks) ranks="$2" ;;
    --regions) regions="$2" ;;
    --individuals) individuals="$2" ;;
    --input-len) input_len="$2" ;;
    --epochs) epochs="$2" ;;
    --seed) seed="$2" ;;
    *) echo "causal_recovery: unknown option '$1'" >&2; echo "$usage" >&2; exit 2 ;;
  esac
  check_count "$1" "$2"
  shift 2
done
resolve_paths

config="$dir/cohort/sage.toml" causal="$dir/cohort/truth/causal_variants.csv"

step "simulate: $regions regions x $individuals individuals, $input_len bp windows (seed $seed)"
"$sage" simulate --out "$dir/cohort" --regions "$regions" --individuals "$individuals" --input-len "$input_len" --seed "$seed"
step "prepare"
run prepare --config "$config"
step "train p-SAGE-net ($epochs epochs, constant learning rate 0.002)"
run train --config "$config" --model psagenet --out "$dir/runs/psagenet" --set learning_rate=0.002 --set scheduler=none \
    --set max_epochs="$epochs" --set patience=0 ${every_epoch:+--set save_all_epochs=true}
step "baseline predixcan"
run baseline predixcan --config "$config" --causal "$causal" --out "$dir/predixcan"
step "variant-effect: every cohort variant in the training regions, p-SAGE-net (best.safetensors), beside PrediXcan"
run variant-effect --checkpoint "$dir/runs/psagenet/best.safetensors" --config "$config" --all-cohort-variants \
    --causal "$causal" --predixcan "$dir/predixcan" --out "$dir/variant-effect"
if [ -n "$every_epoch" ]; then
  for checkpoint in "$dir"/runs/psagenet/epochs/epoch-*.safetensors; do
    name="$(basename "$checkpoint" .safetensors)"
    step "variant-effect: $name"
    run variant-effect --checkpoint "$checkpoint" --config "$config" --all-cohort-variants --causal "$causal" \
        --out "$dir/variant-effect-epochs/$name" > /dev/null
  done
fi

# ---- summary ----
json() {  # a key of a summary.json (pretty-printed: one "key" : value per line)
  sed -n "s/^ *\"$2\" : \\([^,]*\\),*\$/\\1/p" "$1/summary.json" | head -1
}
indel_tops() {  # regions whose top-ranked variant is an indel, and the indels' share of the scored variants
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { n++; if (length($col["ref"]) != length($col["alt"])) { k++; if ($col["rank"] == 1) t++ } if ($col["rank"] == 1) r++ }
    END { printf "top-ranked variant an indel in %d of %d regions (indels: %.0f%% of the scored variants)", t, r, n ? 100 * k / n : 0 }' "$1/rankings.csv"
}
best_fit() {  # the best train_region_pearson_median and its epoch
  grep '"train_region_pearson_median"' "$dir/runs/psagenet/metrics.jsonl" | awk '{
      e = $0; sub(/.*"epoch" *: */, "", e); sub(/[^0-9].*/, "", e)
      v = $0; sub(/.*"train_region_pearson_median" *: */, "", v); sub(/[^-0-9.eE+].*/, "", v)
      if (best == "" || v + 0 > best + 0) { best = v; at = e } }
    END { printf "%.3f (epoch %s)", best, at }'
}
ve="$dir/variant-effect"
echo
echo "Causal-variant recovery on $regions simulated regions x $individuals individuals, p-SAGE-net $epochs epochs ($dir):"
echo "  fit: best train_region_pearson_median (training regions x validation individuals) $(best_fit);" \
     "PrediXcan's median val_pearson $(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next } { print $col["val_pearson"] }' "$dir/predixcan/summary.csv" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
printf "  top-ranked variant is a planted causal one: p-SAGE-net %s of %s training regions (%.3f), PrediXcan %s (%.3f), chance %.3f;" \
  "$(json "$ve" top1_causal)" "$(json "$ve" regions)" "$(json "$ve" top1_fraction)" "$(json "$ve" predixcan_top1_causal)" \
  "$(json "$ve" predixcan_top1_fraction)" "$(json "$ve" top1_chance)"
echo " a causal one among p-SAGE-net's top 3 in $(json "$ve" top3_causal)"
echo "  $(indel_tops "$ve")"
if [ -n "$every_epoch" ]; then
  echo "  by epoch (each epoch's checkpoint: top-1 causal, top 3, top-ranked indels, fit):"
  for d in "$dir"/variant-effect-epochs/epoch-*; do
    e="$(basename "$d")"; e="${e#epoch-}"
    fit="$(grep "\"epoch\" *: *$((10#$e))[,}]" "$dir/runs/psagenet/metrics.jsonl" | grep -o '"train_region_pearson_median" *: *[-0-9.eE+]*' | sed 's/.*: *//' | head -1)"
    printf "    epoch %s: %s of %s, top 3 %s, %s; train_region_pearson_median %.3f\n" "$e" "$(json "$d" top1_causal)" "$(json "$d" regions)" \
      "$(json "$d" top3_causal)" "$(indel_tops "$d" | sed 's/top-ranked variant an indel in \([0-9]*\) of.*/\1 indel tops/')" "${fit:-nan}"
  done
fi
echo "(rankings: $ve/rankings.csv; per variant: $ve/variant_effects.csv)"
