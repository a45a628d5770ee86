#!/usr/bin/env bash
# Re-vendors the web UI's third-party JavaScript (Preact, htm, uPlot for the device charts) into
# assets/vendor/ from the npm registry, at the pinned versions below, with their licence files,
# and writes assets/vendor/VERSIONS (package@version and the sha256 of every vendored file).
#
# Why the import rewrite: the CSP forbids inline scripts, so the UI cannot use an inline import
# map; hooks.module.js imports the bare specifier "preact", which a browser cannot resolve, so it
# is rewritten to the relative path of the vendored Preact build.
#
# Usage: scripts/vendor.sh   (needs npm, tar, sha256sum; run from anywhere)
set -euo pipefail

PREACT_VERSION="10.29.8"
HTM_VERSION="3.1.1"
UPLOT_VERSION="1.6.32"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor_dir="$repo_root/assets/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "preact@$PREACT_VERSION" "htm@$HTM_VERSION" "uplot@$UPLOT_VERSION" >/dev/null
mkdir preact htm uplot
tar -xzf "preact-$PREACT_VERSION.tgz" -C preact --strip-components=1
tar -xzf "htm-$HTM_VERSION.tgz" -C htm --strip-components=1
tar -xzf "uplot-$UPLOT_VERSION.tgz" -C uplot --strip-components=1

rm -rf "$vendor_dir/preact" "$vendor_dir/htm" "$vendor_dir/uplot"
mkdir -p "$vendor_dir/preact" "$vendor_dir/htm" "$vendor_dir/uplot"

cp preact/dist/preact.module.js "$vendor_dir/preact/preact.module.js"
cp preact/hooks/dist/hooks.module.js "$vendor_dir/preact/hooks.module.js"
cp preact/LICENSE "$vendor_dir/preact/LICENSE"
cp htm/dist/htm.module.js "$vendor_dir/htm/htm.module.js"
cp htm/LICENSE "$vendor_dir/htm/LICENSE"
# uPlot's ES module build and its stylesheet (loaded with a <link> in index.html: the CSP allows
# only the server's own style files).
cp uplot/dist/uPlot.esm.js "$vendor_dir/uplot/uPlot.esm.js"
cp uplot/dist/uPlot.min.css "$vendor_dir/uplot/uPlot.min.css"
cp uplot/LICENSE "$vendor_dir/uplot/LICENSE"

# hooks.module.js sits next to preact.module.js, so the bare "preact" becomes "./preact.module.js".
sed -E -i 's#from[[:space:]]*(["'\''])preact\1#from"./preact.module.js"#g' "$vendor_dir/preact/hooks.module.js"

# The .map files are not vendored; drop their references so browser dev tools do not 404 on them.
sed -i '/^\/\/# sourceMappingURL=/d' "$vendor_dir"/*/*.js

# No bare specifier may remain in any vendored module: every import/export-from must be relative.
# (A complete quoted specifier, outside // comments: uPlot's comments say things like `"from" band`.)
if grep -nE '(import|from)[[:space:]]*["'\''][^./"'\''][^"'\'']*["'\'']' "$vendor_dir"/*/*.js \
    | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//'; then
  echo "vendor.sh: bare import specifier left in a vendored module (see above)" >&2
  exit 1
fi
grep -q 'from"./preact.module.js"' "$vendor_dir/preact/hooks.module.js" || {
  echo "vendor.sh: hooks.module.js no longer imports preact the expected way" >&2
  exit 1
}

{
  echo "# Vendored by scripts/vendor.sh from the npm registry - do not edit by hand."
  echo "preact@$PREACT_VERSION (MIT)"
  echo "htm@$HTM_VERSION (Apache-2.0)"
  echo "uplot@$UPLOT_VERSION (MIT)"
  echo
  echo "# sha256  npm tarball (npm pack checked each against the registry's integrity hash)"
  sha256sum "preact-$PREACT_VERSION.tgz" "htm-$HTM_VERSION.tgz" "uplot-$UPLOT_VERSION.tgz"
  echo
  echo "# sha256  path (relative to assets/vendor/)"
  cd "$vendor_dir"
  sha256sum preact/preact.module.js preact/hooks.module.js preact/LICENSE htm/htm.module.js htm/LICENSE \
    uplot/uPlot.esm.js uplot/uPlot.min.css uplot/LICENSE
} > "$work/VERSIONS"
mv "$work/VERSIONS" "$vendor_dir/VERSIONS"

echo "Vendored preact@$PREACT_VERSION, htm@$HTM_VERSION and uplot@$UPLOT_VERSION into $vendor_dir"
