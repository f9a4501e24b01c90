# Shared by tools/interpretation_chain.sh and tools/causal_recovery.sh (sourced; $script names the caller in messages).
#
#   check_count OPTION VALUE   --seed: a non-negative integer; any other option: a positive integer; else exit 2
#   resolve_paths              $sage made absolute (it must be an executable); $dir a new or empty directory, made
#                              absolute (an existing non-empty one is refused: nothing is ever deleted)
#   run ARGS...                sage-mpi ARGS, on $ranks ranks under mpirun (the cores shared among them) or alone
#   step TEXT...               a timestamped step line

check_count() {
  case "$1:$2" in
    --seed:*[!0-9]*|--seed:) echo "$script: --seed must be a non-negative integer, got '$2'" >&2; exit 2 ;;
    --seed:*) ;;
    *:*[!0-9]*|*:|*:0|*:00*) echo "$script: $1 must be a positive integer, got '$2'" >&2; exit 2 ;;
  esac
}

resolve_paths() {
  [ -x "$sage" ] || { echo "$script: $sage is not an executable (build it: swift build -c release)" >&2; exit 2; }
  sage="$(cd "$(dirname "$sage")" && pwd)/$(basename "$sage")"
  if [ -e "$dir" ]; then
    [ -d "$dir" ] || { echo "$script: $dir exists and is not a directory" >&2; exit 2; }
    [ -z "$(ls -A "$dir")" ] || { echo "$script: $dir is not empty; give a new or empty directory" >&2; exit 2; }
  fi
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
}

run() {
  if [ -n "$ranks" ]; then
    local threads=$(( $(nproc) / ranks ))
    [ "$threads" -ge 1 ] || threads=1
    if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
    mpirun --oversubscribe --bind-to none -np "$ranks" -x SAGE_NUM_THREADS="$threads" -x OPENBLAS_NUM_THREADS=1 "$sage" "$@"
  else
    "$sage" "$@"
  fi
}

step() { echo "== $(date -u +%H:%M:%S) $*"; }
