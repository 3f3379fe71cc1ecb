#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use, when one is missing:
# Chromium (browser tests), h2load (independent load generator), protoc and the
# Python gRPC runtime (the Python SDK). Idempotent; needs root (apt-get) only when
# something is missing. Usage: tools/setup/system-packages.sh
set -euo pipefail

# command or file that proves the package is there → Debian package
declare -A wanted=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/h2load]=nghttp2-client
  [/usr/bin/protoc]=protobuf-compiler
  [python3-grpc]=python3-grpcio
  [python3-protobuf]=python3-protobuf
)

missing=()
for probe in "${!wanted[@]}"; do
  case "$probe" in
    python3-grpc) /usr/bin/python3 -c 'import grpc' 2>/dev/null || missing+=("${wanted[$probe]}") ;;
    python3-protobuf) /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || missing+=("${wanted[$probe]}") ;;
    *) [ -x "$probe" ] || missing+=("${wanted[$probe]}") ;;
  esac
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
