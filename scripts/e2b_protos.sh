#!/usr/bin/env bash
# Regenerates openbay/e2b/proto/*_pb2.py from the .proto files beside them (envd's services as
# E2B publishes them). protoc comes from PyPI's grpcio-tools in a throwaway virtualenv; the
# generated code needs the protobuf runtime pinned in requirements.lock.
set -euo pipefail
cd "$(dirname "$0")/../openbay/e2b/proto"
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check grpcio-tools==1.85.4
"$venv/bin/python" -m grpc_tools.protoc -I. --python_out=. process.proto filesystem.proto
