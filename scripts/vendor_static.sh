#!/usr/bin/env bash
# Installs the front-end libraries from the npm registry (versions locked in package-lock.json)
# and copies the files the pages load into static_vendor/ (git-ignored). No CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/htmx.org ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf static_vendor
mkdir -p static_vendor/htmx static_vendor/weui static_vendor/echarts
cp node_modules/htmx.org/dist/htmx.min.js static_vendor/htmx/
cp node_modules/weui/dist/style/weui.min.css static_vendor/weui/
cp node_modules/echarts/dist/echarts.min.js static_vendor/echarts/
cp node_modules/echarts/LICENSE static_vendor/echarts/ 2>/dev/null || true
echo "front-end libraries ready in static_vendor/"
