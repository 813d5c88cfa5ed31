#!/usr/bin/env bash
# check-no-binaries.sh [DIR]: fail, naming each file, when a file tracked by
# git in DIR (default: the repository this script is in) is an ELF binary
# (a `go build` output, an object file, a shared library). Compiled programs
# belong in ./bin, which .gitignore keeps out of git.
set -euo pipefail
export LC_ALL=C

dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$dir"
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "check-no-binaries: $dir is not a git work tree" >&2
  exit 2
fi

bad=()
n=0
while IFS= read -r -d '' f; do
  [[ -f "$f" && ! -L "$f" ]] || continue
  n=$((n + 1))
  magic=""
  IFS= read -r -N 4 magic <"$f" || true
  if [[ "$magic" == $'\x7fELF' ]]; then
    bad+=("$f")
  fi
done < <(git ls-files -z)

if ((${#bad[@]})); then
  for f in "${bad[@]}"; do
    echo "check-no-binaries: $f is a tracked ELF binary; remove it (git rm --cached '$f') and add it to .gitignore" >&2
  done
  exit 1
fi
echo "check-no-binaries: $n tracked files, no ELF binary"
