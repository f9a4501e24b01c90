#!/usr/bin/env bash
# The interpretation chain end to end on ground truth (issues 13 and 14): on a simulated cohort with planted motifs
# and planted causal variants,
#   simulate --motifs -> prepare -> train r-SAGE-net -> train p-SAGE-net from its trunk -> baseline predixcan
#   -> attribute (both models) -> seqlets (r-SAGE-net; p-SAGE-net's mean head) -> motifs (labels r,p, database: the
#   planted PWMs plus the JASPAR test fixture) -> variant-effect --all-cohort-variants (training regions)
# and a summary: the planted motifs that are the best Tomtom match of some cluster (with the clusters' seqlets per
# model and BH-corrected p-values), how many of the seqlets lie on a planted instance (beside the rate by chance),
# and the fraction of training regions whose top-ranked variant is a planted causal one, p-SAGE-net beside
# PrediXcan. Motifs are called on the first --motif-regions regions of the test chromosome (sequences neither model
# trained on; the all-pairs similarity is quadratic in the seqlets). About 15 minutes on 2 cores (release build).
# p-SAGE-net's 2 epochs here are too few for its variant ranking (near chance; README "Causal-variant recovery"):
# tools/causal_recovery.sh trains it long enough on fewer training regions.
#
#   tools/interpretation_chain.sh SAGE_MPI OUT_DIR [--ranks N] [--regions R] [--individuals I] [--input-len L]
#                                 [--r-epochs E] [--p-epochs E] [--motif-regions M] [--bins B] [--seed S]
#
#   SAGE_MPI   the sage-mpi binary (e.g. .build/release/sage-mpi)
#   OUT_DIR    a new or empty directory (an existing non-empty one is refused; nothing outside it is written, and
#              nothing is ever deleted)
#   --ranks N  run every step under `mpirun --oversubscribe -np N` (default: one process, without mpirun)
#   the rest   the cohort's and the training's size (defaults below), and the seqlets' null histogram bins (default
#              1000, SAGE-net's); smaller values make a quick smoke run
set -euo pipefail
script=interpretation_chain
. "$(dirname "$0")/chain_common.sh"

usage="usage: tools/interpretation_chain.sh SAGE_MPI OUT_DIR [--ranks N] [--regions R] [--individuals I] [--input-len L] [--r-epochs E] [--p-epochs E] [--motif-regions M] [--bins B] [--seed S]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
sage="$1" dir="$2"
shift 2
ranks="" regions=900 individuals=80 input_len=2000 r_epochs=40 p_epochs=2 motif_regions=100 bins=1000 seed=1
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "interpretation_chain: $1 needs a value" >&2; echo "$usage" >&2; exit 2; }
  case "$1" in
    --ranks) ranks="$2" ;;
    --regions) regions="$2" ;;
    --individuals) individuals="$2" ;;
    --input-len) input_len="$2" ;;
    --r-epochs) r_epochs="$2" ;;
    --p-epochs) p_epochs="$2" ;;
    --motif-regions) motif_regions="$2" ;;
    --bins) bins="$2" ;;
    --seed) seed="$2" ;;
    *) echo "interpretation_chain: unknown option '$1'" >&2; echo "$usage" >&2; exit 2 ;;
  esac
  check_count "$1" "$2"
  shift 2
done
resolve_paths
repo="$(cd "$(dirname "$0")/.." && pwd)"
jaspar="$repo/Tests/SAGEGenomeTests/Fixtures/motifs/jaspar.meme"

config="$dir/cohort/sage.toml"

step "simulate --motifs: $regions regions x $individuals individuals, $input_len bp windows (seed $seed)"
"$sage" simulate --out "$dir/cohort" --regions "$regions" --individuals "$individuals" --input-len "$input_len" --seed "$seed" --motifs
step "prepare"
run prepare --config "$config"
step "train r-SAGE-net ($r_epochs epochs)"
run train --config "$config" --model rsagenet --out "$dir/runs/rsagenet" \
    --set batch_size=4 --set max_epochs="$r_epochs" --set patience=0
step "train p-SAGE-net from r-SAGE-net's trunk ($p_epochs epochs)"
run train --config "$config" --model psagenet --out "$dir/runs/psagenet" \
    --set init_from="$dir/runs/rsagenet/best.safetensors" --set max_epochs="$p_epochs" --set patience=0
step "baseline predixcan"
run baseline predixcan --config "$config" --causal "$dir/cohort/truth/causal_variants.csv" --out "$dir/predixcan"

# The first --motif-regions regions on the test chromosome (the simulator's chr3, test_chrs in its sage.toml).
awk -F, -v n="$motif_regions" 'NR > 1 && $2 == "3" && k < n { print $1; k++ }' "$dir/cohort/regions.csv" > "$dir/motif_regions.txt"
[ -s "$dir/motif_regions.txt" ] || { echo "interpretation_chain: no region on the test chromosome (more --regions)" >&2; exit 1; }
for model in rsagenet psagenet; do
  step "attribute $model ($(wc -l < "$dir/motif_regions.txt") test regions, reference input)"
  run attribute --checkpoint "$dir/runs/$model/best.safetensors" --config "$config" --regions "$dir/motif_regions.txt" \
      --out "$dir/attributions/$model"
done
# The planted motifs act on the region mean: r-SAGE-net's output and p-SAGE-net's mean head (output_idx_0) carry
# them; p-SAGE-net's difference head learns the individuals' deviations (the causal variants).
step "seqlets: r-SAGE-net, p-SAGE-net's mean head"
run seqlets --attributions "$dir/attributions/rsagenet" --config "$config" --regions "$dir/motif_regions.txt" --bins "$bins" --out "$dir/seqlets_r.csv"
run seqlets --attributions "$dir/attributions/psagenet" --head 0 --config "$config" --regions "$dir/motif_regions.txt" --bins "$bins" --out "$dir/seqlets_p.csv"

database="$dir/database.meme"
if [ -f "$jaspar" ]; then
  { cat "$jaspar"; echo; sed -n '/^MOTIF/,$p' "$dir/cohort/truth/motifs.meme"; } > "$database"
else
  cp "$dir/cohort/truth/motifs.meme" "$database"
fi
step "motifs: both models' seqlets clustered together (labels r,p) against $(grep -c '^MOTIF' "$database") database motifs"
run motifs --seqlets "$dir/seqlets_r.csv" --seqlets "$dir/seqlets_p.csv" --labels r,p \
    --attributions "$dir/attributions/rsagenet" --attributions "$dir/attributions/psagenet" --head - --head 0 \
    --config "$config" --database "$database" --out "$dir/motifs"

step "variant-effect: every cohort variant in the training regions, p-SAGE-net, beside PrediXcan"
run variant-effect --checkpoint "$dir/runs/psagenet/best.safetensors" --config "$config" --all-cohort-variants \
    --causal "$dir/cohort/truth/causal_variants.csv" --predixcan "$dir/predixcan" --out "$dir/variant-effect"

# ---- summary ----
echo
echo "Interpretation chain on $regions simulated regions x $individuals individuals, motifs on $(wc -l < "$dir/motif_regions.txt") test regions ($dir):"
metric() {  # the largest value of a metric in a run's metrics.jsonl
  grep -o "\"$2\" *: *[-0-9.eE+]*" "$dir/runs/$1/metrics.jsonl" | sed 's/.*: *//' | sort -g | tail -1
}
echo "  learning: r-SAGE-net best val_mean_pearson $(metric rsagenet val_mean_pearson);" \
     "p-SAGE-net best train_region_pearson_median $(metric psagenet train_region_pearson_median)"
instances="$dir/cohort/truth/motif_instances.csv"
for label in r p; do
  # Seqlets with p < 0.005 (the ones `motifs` clusters) that overlap a planted instance of their region (1-based
  # spans), and the rate a seqlet of the same length placed uniformly in its window would have (by chance).
  # Also the share centred in the window's central 200 bp, whose GC content is the simulator's other planted
  # determinant of the region mean (10% of the window).
  awk -F, -v L="$input_len" 'NR == FNR { if (FNR > 1) { n[$1]++; s[$1, n[$1]] = $4; e[$1, n[$1]] = $5 } next }
    FNR > 1 && $6 < 0.005 && $8 != "" { k++; len = $4 - $3; mid = ($3 + $4) / 2 - L / 2; if (mid > -100 && mid < 100) gc++
      for (i = 1; i <= n[$1]; i++) { chance += (e[$1, i] - s[$1, i] + len) / L; if ($8 <= e[$1, i] && $9 >= s[$1, i]) hit[k] = 1 }
      if (k in hit) h++ }
    END { printf "  %s seqlets (p < 0.005): %d, on a planted instance: %d (%.1f%%; by chance about %.1f%%); in the central 200 bp: %.0f%%\n",
          lab, k, h, k ? 100 * h / k : 0, k ? 100 * chance / k : 0, k ? 100 * gc / k : 0 }' \
    lab="$label" "$instances" "$dir/seqlets_$label.csv"
done
# Planted motifs recovered: the best match of some cluster; per motif the clusters, their seqlets (r, p) and
# the smallest BH-corrected p-value.
awk -F, 'NR == FNR { if (/^MOTIF/) { split($0, a, " "); planted[a[2]] = 1; order[++m] = a[2] } next }
  FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  ($col["best_match"] in planted) { b = $col["best_match"]; k[b]++; s[b] += $col["n_seqlets"]; r[b] += $col["n_r"]; p[b] += $col["n_p"]
    bh = $col["best_bh_corrected_pval"] + 0; if (!(b in best) || bh < best[b]) best[b] = bh
    if (bh < 0.05) { sk[b]++; ss[b] += $col["n_seqlets"] } }
  END { found = 0; sig = 0; for (i = 1; i <= m; i++) { if (order[i] in k) found++; if (order[i] in sk) sig++ }
    printf "  planted motifs recovered as a cluster'"'"'s best match: %d of %d (with BH-corrected p < 0.05: %d)\n", found, m, sig
    for (i = 1; i <= m; i++) { b = order[i]
      if (b in k) printf "    %-8s %d cluster(s), %d seqlets (r %d, p %d), smallest BH-corrected p %.3g; BH < 0.05: %d cluster(s), %d seqlets\n", b, k[b], s[b], r[b], p[b], best[b], sk[b] + 0, ss[b] + 0
      else printf "    %-8s not the best match of any cluster\n", b } }' \
  "$dir/cohort/truth/motifs.meme" "$dir/motifs/clusters.csv"
awk -F, 'NR > 1 { n++; s += $2 } END { printf "  clusters: %d (%d seqlets)\n", n, s }' "$dir/motifs/clusters.csv"
# Causal-variant recovery (variant-effect's summary.json, pretty-printed: one "key" : value per line).
json() { sed -n "s/^ *\"$1\" : \\([^,]*\\),*\$/\\1/p" "$dir/variant-effect/summary.json" | head -1; }
echo "  top-ranked variant is a planted causal one: p-SAGE-net $(json top1_causal) of $(json regions) training regions" \
     "($(json top1_fraction)), PrediXcan $(json predixcan_top1_causal) ($(json predixcan_top1_fraction));" \
     "a causal variant was among the scored in $(json regions_with_causal_among_scored)"
# By chance: a variant drawn uniformly from each region's scored ones (rankings.csv's causal column).
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next } { n[$1]++; c[$1] += $col["causal"] }
  END { for (r in n) { s += c[r] / n[r]; k++ } printf "  (a variant drawn at random from each region'"'"'s scored variants: %.3f)\n", k ? s / k : 0 }' \
  "$dir/variant-effect/rankings.csv"
echo "(motifs: $dir/motifs/clusters.csv, annotations.csv; variant rankings: $dir/variant-effect/rankings.csv)"
