#!/usr/bin/env bash
# Make sure the Debian packages scar needs are present; install the missing ones with apt-get.
#
#   scripts/deps.sh build   what building and testing need (compiler, OpenBLAS, cJSON, utf8proc, cmocka)
#   scripts/deps.sh torch   plus Debian's python3-torch/numpy (reference scripts, benchmark comparison)
#   scripts/deps.sh fuzz    plus clang and its OpenMP runtime (libFuzzer targets)
#
# As root the missing packages are installed; otherwise the exact command is printed and we stop.
# Quiet when nothing is missing, so that every `make` can call it.
set -euo pipefail

want=(gcc make pkg-config libopenblas-dev libcjson-dev libutf8proc-dev libcmocka-dev)
case "${1:-build}" in
  build) ;;
  torch) want+=(python3 python3-torch python3-numpy) ;;
  sklearn) want+=(python3 python3-numpy python3-sklearn) ;;
  fuzz)  want+=(clang libclang-rt-14-dev libomp-14-dev) ;;
  *) echo "deps.sh: unknown set '$1' (build, torch, sklearn or fuzz)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$st" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "scar: missing Debian packages: ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  echo "scar: run this as root, then try again:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "scar: installing them with apt-get ..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
  apt-get update >&2
  apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi
echo "scar: packages installed." >&2
