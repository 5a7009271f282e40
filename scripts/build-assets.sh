#!/usr/bin/env bash
# Rebuild the committed front-end files in web/static/ from npm packages.
#
# Run from the repository root: scripts/build-assets.sh
# Needs Node.js and npm, and network access for `npm ci` unless the npm cache
# already holds the locked packages. Inputs: package-lock.json, web/assets/.
# Outputs (and nothing else):
#   web/static/app.css                 web/assets/app.scss compiled with sass
#   web/static/app.js                  copied from web/assets/app.js
#   web/static/capacity.css            copied from web/assets/capacity.css (the capacity pages' charts)
#   web/static/govuk-frontend.min.js   GOV.UK Frontend's ES module bundle
#   web/static/leaflet/                leaflet.js, leaflet.css and images/
#   web/static/leaflet.markercluster/  leaflet.markercluster.js and MarkerCluster.css (the options map's piles)
#   web/static/accessible-autocomplete/ accessible-autocomplete.min.js and .min.css (the young person search)
set -euo pipefail

if [[ ! -f package.json || ! -d web/assets ]]; then
  echo "build-assets.sh: run this from the repository root" >&2
  exit 1
fi

npm ci --no-audit --no-fund

static=web/static
govuk=node_modules/govuk-frontend/dist/govuk
leaflet=node_modules/leaflet/dist
cluster=node_modules/leaflet.markercluster/dist
autocomplete=node_modules/accessible-autocomplete/dist

mkdir -p "$static"

node_modules/.bin/sass \
  --style=compressed \
  --no-source-map \
  --load-path=node_modules \
  web/assets/app.scss "$static/app.css"

cp web/assets/app.js "$static/app.js"
cp web/assets/capacity.css "$static/capacity.css"
cp "$govuk/govuk-frontend.min.js" "$static/govuk-frontend.min.js"

rm -rf "$static/leaflet"
mkdir -p "$static/leaflet"
cp "$leaflet/leaflet.js" "$leaflet/leaflet.css" "$static/leaflet/"
cp -R "$leaflet/images" "$static/leaflet/images"

# Our own cluster icons (web/assets/app.scss), so MarkerCluster.Default.css is not shipped.
rm -rf "$static/leaflet.markercluster"
mkdir -p "$static/leaflet.markercluster"
cp "$cluster/leaflet.markercluster.js" "$cluster/MarkerCluster.css" "$static/leaflet.markercluster/"

rm -rf "$static/accessible-autocomplete"
mkdir -p "$static/accessible-autocomplete"
cp "$autocomplete/accessible-autocomplete.min.js" "$autocomplete/accessible-autocomplete.min.css" "$static/accessible-autocomplete/"

# The CSS must not point at files we do not ship (GOV.UK fonts or images).
if grep -q 'url(' "$static/app.css"; then
  echo "build-assets.sh: $static/app.css references url()s; see web/assets/_asset-urls.scss" >&2
  grep -o 'url([^)]*)' "$static/app.css" >&2
  exit 1
fi

echo "Built:"
find "$static/app.css" "$static/app.js" "$static/capacity.css" "$static/govuk-frontend.min.js" "$static/leaflet" \
  "$static/leaflet.markercluster" "$static/accessible-autocomplete" -type f | sort
