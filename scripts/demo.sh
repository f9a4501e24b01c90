#!/usr/bin/env bash
# The main job end to end on simulated data, on 2 MPI ranks (a few minutes on 2 cores):
#   simulate -> prepare -> train r-SAGE-net -> train p-SAGE-net from its trunk -> evaluate both on held-out
#   individuals, on training regions and on unseen (test-chromosome) regions -> PrediXcan (per-gene elastic net)
#   -> the same models on a second cohort (other individuals, another contig naming, a shifted allele-frequency
#   spectrum), with y0 and allele frequencies from the first cohort's training individuals -> Enformer baselines on
#   synthetic features -> a table of median per-region r.
#
#   scripts/demo.sh [DIR]      (default DIR: demo/; the release build must exist: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-demo}"
sage=.build/release/sage-mpi
run() { cluster/sage-mpirun --np 2 -- "$@"; }

echo "== simulate: 60 genes x 200 individuals, 2 kb windows, planted causal variants, and a second cohort of 100 ($dir)"
# Start over only in an earlier demo (the directory `simulate` marked); never remove anything else.
if [ -e "$dir" ]; then
  if [ "$(cat "$dir/.sage-mpi-output" 2>/dev/null)" != simulate ]; then
    echo "demo: $dir exists and is not an earlier demo; give another directory (scripts/demo.sh DIR)" >&2
    exit 1
  fi
  rm -rf "$dir"
fi
"$sage" simulate --out "$dir" --regions 60 --individuals 200 --input-len 2000 --seed 1 --second-cohort 100 --enformer-features
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

echo "== PrediXcan baseline: an elastic net per gene on the genotypes in its window"
run baseline predixcan --config "$dir/sage.toml" --causal "$dir/truth/causal_variants.csv" --out "$dir/predixcan"

echo "== second cohort: its own store (allele frequencies from the first cohort's training individuals), p-SAGE-net and PrediXcan on everyone"
run prepare --config "$dir/second/sage.toml"
for regions in train test; do
  run evaluate --checkpoint "$dir/runs/psagenet/best.safetensors" --config "$dir/second/sage.toml" \
      --regions "$regions" --individuals test --out "$dir/eval/psagenet-second-$regions"
done
run baseline predixcan --apply "$dir/predixcan" --config "$dir/second/sage.toml" --out "$dir/predixcan-second"

echo "== Enformer baselines on the simulated (synthetic, not Enformer's) features: the CAGE-brain track, and a fitted head"
for mode in cage fit-head; do
  run baseline enformer --config "$dir/sage.toml" --features "$dir/enformer" --mode "$mode" --out "$dir/enformer-$mode"
done

value() { sed -n "s/^ *\"$2\" : \\(.*\\),\$/\\1/p" "$dir/eval/$1/summary.json"; }
echo
echo "Median per-region Pearson r across held-out individuals (observed vs predicted deviation from the gene's mean):"
printf '%-10s %-14s %-22s %-22s\n' model cohort "training regions" "unseen regions"
for model in rsagenet psagenet; do
  printf '%-10s %-14s %-22.3f %-22.3f\n' "$model" first "$(value "$model-train" region_pearson_median)" "$(value "$model-test" region_pearson_median)"
done
# PrediXcan's test_pearson per region (test individuals), split by the regions' chromosome as the CNNs' regions are.
# (column 4 of a fit's summary.csv is test_pearson; column 4 of an --apply summary.csv is pearson, on everyone.)
predixcan_median() {
  awk -F, -v chr="$1" 'NR == FNR { if (FNR > 1) c[$1] = $2; next } FNR > 1 && c[$1] == chr && $4 != "nan" { print $4 }' \
      "$dir/regions.csv" "$2/summary.csv" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
printf '%-10s %-14s %-22.3f %-22.3f\n' predixcan first "$(predixcan_median 1 "$dir/predixcan")" "$(predixcan_median 3 "$dir/predixcan")"
# Enformer: by_region_split.<split>.region_pearson_median of its summary.json (null = nan).
enformer_median() {
  awk -v want="$2" '/^    "(train|val|test)" : \{/ { split($1, a, "\""); sec = a[2] } /^    \}/ { sec = "" }
    sec == want && /"region_pearson_median"/ { v = $3; sub(/,$/, "", v); print (v == "null" ? "nan" : v) }' "$dir/enformer-$1/summary.json"
}
for mode in cage fit-head; do
  printf '%-10s %-14s %-22.3f %-22.3f\n' "enf-${mode%-head}" first "$(enformer_median "$mode" train)" "$(enformer_median "$mode" test)"
done
printf '%-10s %-14s %-22.3f %-22.3f\n' psagenet second "$(value psagenet-second-train region_pearson_median)" "$(value psagenet-second-test region_pearson_median)"
printf '%-10s %-14s %-22.3f %-22.3f\n' predixcan second "$(predixcan_median 1 "$dir/predixcan-second")" "$(predixcan_median 3 "$dir/predixcan-second")"
echo "(The second cohort's 100 individuals are all held out; its y0 is the first cohort's training mean, and PrediXcan"
echo " applies the first cohort's weights as fitted, variants absent from the second VCF counting 0: $dir/predixcan-second/.)"
echo "(enf-cage, enf-fit: Enformer's CAGE-brain track and a fitted head on synthetic features made from the observed"
echo " expression itself (planted tracks plus noise): a check of the pipeline, not a comparison; in $dir/enformer-*/.)"
echo "(r-SAGE-net scores each haplotype with a reference model; p-SAGE-net learns from the haplotypes themselves;"
echo " PrediXcan fits one model per gene, so its 'unseen regions' are unseen only by the CNNs.)"
echo "(PrediXcan weights, predictions and the causal-variant report: $dir/predixcan/;"
echo " CNN predictions, per-region and per-individual correlations: $dir/eval/*/; training curves: $dir/runs/*/metrics.jsonl)"

echo
echo "== report: the demo's results on one page (training curves, per-region r by model, model against model, planted truth)"
"$sage" report "$dir" --out "$dir/report.html"
echo "Report: $(cd "$dir" && pwd)/report.html (one self-contained file: open it in a browser, offline, or print it)"
