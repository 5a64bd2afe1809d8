#!/usr/bin/env bash
# The project's one test command (README): set-up, type check, format check, then every vitest
# project (Node on Dawn, headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
echo "== typecheck"; npx tsc --noEmit -p .
echo "== format"; npx prettier --check --log-level warn "{engine,shaders,model,pointvis,runners,test,bench}/**/*.ts"
echo "== vitest"; npx vitest run "$@"
