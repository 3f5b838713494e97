# Sourced by bench/run.sh and bench/storm.sh: which build of the service they measure.
#   BENCH_HUB_BUILD=production (default): `dotnet publish -p:PublishProfile=Production`, the
#     self-contained ReadyToRun composite build the README tells operators to run, started as its
#     own executable. Publishing compiles the whole framework ahead of time: 2-5 min here.
#   BENCH_HUB_BUILD=jit: the framework-dependent Release build (`dotnet build`), run with `dotnet`.
#   BENCH_HUB_PUBLISHED=<dir>: a production build published before (runs <dir>/Signaling.Hub), so
#     several runs of one commit publish once.
# prepare_hub <root> <output dir> sets hub_cmd, the command line that starts the service.
prepare_hub() {
  local root=$1 out=$2
  if [[ -n ${BENCH_HUB_PUBLISHED:-} ]]; then
    [[ -x $BENCH_HUB_PUBLISHED/Signaling.Hub ]] || { echo "BENCH_HUB_PUBLISHED: no $BENCH_HUB_PUBLISHED/Signaling.Hub (publish with dotnet publish Signaling.Hub -p:PublishProfile=Production -p:PublishDir=<dir>/)" >&2; exit 2; }
    hub_cmd=("$BENCH_HUB_PUBLISHED/Signaling.Hub")
    return
  fi
  case ${BENCH_HUB_BUILD:-production} in
    production)
      echo "[bench] publishing the production build (self-contained, ReadyToRun composite) to $out" >&2
      dotnet publish "$root/Signaling.Hub" -p:PublishProfile=Production -p:PublishDir="$out/" -warnaserror -nologo -v q >&2
      hub_cmd=("$out/Signaling.Hub")
      ;;
    jit)
      hub_cmd=(dotnet "$root/Signaling.Hub/bin/Release/net10.0/Signaling.Hub.dll")
      ;;
    *)
      echo "BENCH_HUB_BUILD must be production or jit, not '${BENCH_HUB_BUILD}'" >&2
      exit 2
      ;;
  esac
}
