// Care Placement Planner: start GOV.UK Frontend.
//
// GOV.UK Frontend's page template does this with an inline script at the top
// of <body>:
//   document.body.className += ' js-enabled' +
//     ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
// Our Content-Security-Policy forbids inline script, so this module does it
// instead. A browser that runs an ES module always passes the `noModule`
// test, so both classes are added unconditionally. They must be on <body>
// before initAll(), which does nothing unless `govuk-frontend-supported` is
// present.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()

// ---------------------------------------------------------------------------
// Searchable lists: a <select data-app-autocomplete> becomes a search box
// (GOV.UK's accessible-autocomplete, loaded as a classic script on the pages
// that have one). Without it, or without JavaScript, the plain list works.
// ---------------------------------------------------------------------------

function enhanceAutocompletes () {
  const autocomplete = window.accessibleAutocomplete
  if (!autocomplete || !autocomplete.enhanceSelectElement) return
  document.querySelectorAll('select[data-app-autocomplete]').forEach(function (select) {
    autocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: '',
      showAllValues: true,
      tNoResults: function () { return 'No young person matches: check the reference' }
    })
  })
}

enhanceAutocompletes()

// ---------------------------------------------------------------------------
// Options map (the placement options page). Leaflet is loaded only on pages
// with a map, as a classic script before this module runs. The data comes
// from the JSON data block #options-map-data; every label is set as text,
// never as HTML. Each kind of place has its own shape and letter, matching
// the key beside the map, so nothing depends on colour alone.
// ---------------------------------------------------------------------------

const MAP_GLYPHS = { excluded: '×', risk_locations: '!', homes: 'H', support: 'S' }
const MAP_STYLES = {
  linked_areas: { area: { color: '#942514', weight: 2, fillOpacity: 0.15 }, buffer: { color: '#942514', weight: 2, dashArray: '8 6', fill: false } },
  high_severity_areas: { area: { color: '#54319f', weight: 2, fillOpacity: 0.15 }, buffer: { color: '#54319f', weight: 2, dashArray: '2 5', fill: false } },
  risk_locations: { area: { color: '#d4351c', weight: 2, fillOpacity: 0.15 }, buffer: { color: '#d4351c', weight: 2, dashArray: '8 6', fill: false } }
}

function mapText (tag, text, className) {
  const element = document.createElement(tag)
  element.textContent = text
  if (className) element.className = className
  return element
}

function mapPopup (title, lines, link) {
  const box = document.createElement('div')
  box.appendChild(mapText('p', title, 'govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1'))
  lines.forEach(function (line) { box.appendChild(mapText('p', line, 'govuk-body-s govuk-!-margin-bottom-1')) })
  if (link) {
    const anchor = mapText('a', link.text, 'govuk-link govuk-body-s')
    anchor.href = link.href
    box.appendChild(anchor)
  }
  return box
}

// Markers stay out of the tab order (keyboard: false): a map of dozens of
// markers is a long detour for a keyboard user, and every place on it is in
// the tables on the page, which are the accessible way to the same facts.
function mapMarker (L, key, item, glyph, title, pane) {
  const icon = L.divIcon({
    className: 'app-map-marker',
    html: mapText('span', glyph, 'app-map-glyph app-map-glyph--' + key),
    iconSize: [24, 24],
    iconAnchor: [12, 12],
    popupAnchor: [0, -12]
  })
  return L.marker([item.lat, item.lon], { icon, title, keyboard: false, riseOnHover: true, pane: pane || 'markerPane' })
}

// Markers piled on one spot (several carers in one town) become one numbered
// circle that opens on click (leaflet.markercluster). Without the plugin the
// markers are drawn one by one, as before.
function mapPile (L, key, pane) {
  if (!L.markerClusterGroup) return L.featureGroup()
  // The plugin's piles are markers with Leaflet's default keyboard: true; keep
  // them out of the tab order like every other marker.
  if (L.MarkerCluster && L.MarkerCluster.prototype.options.keyboard !== false) {
    L.MarkerCluster.prototype.options = L.extend({}, L.MarkerCluster.prototype.options, { keyboard: false })
  }
  return L.markerClusterGroup({
    clusterPane: pane || 'markerPane',
    maxClusterRadius: key === 'options' ? 20 : 40,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    iconCreateFunction: function (cluster) {
      const count = cluster.getChildCount()
      const words = count + (key === 'options' ? ' options' : ' excluded placements') + ' here: select to spread them out'
      const glyph = mapText('span', String(count), 'app-map-glyph app-map-glyph--' + key + ' app-map-glyph--pile')
      glyph.title = words
      return L.divIcon({ className: 'app-map-marker', html: glyph, iconSize: [30, 30], iconAnchor: [15, 15] })
    }
  })
}

// Local authority names at the middle of each outline, for a map with no
// tiles. Shown only when zoomed in far enough for them not to overlap.
const PLACE_NAME_MIN_ZOOM = 8

function mapPlaceNames (L, map, outlines) {
  const names = L.layerGroup()
  outlines.features.forEach(function (feature) {
    const name = feature.properties && feature.properties.name
    if (!name) return
    const centre = L.geoJSON(feature).getBounds().getCenter()
    const icon = L.divIcon({ className: 'app-map-place', html: mapText('span', name), iconSize: null })
    L.marker(centre, { icon, interactive: false, keyboard: false, pane: 'placeNames' }).addTo(names)
  })
  const apply = function () {
    if (map.getZoom() >= PLACE_NAME_MIN_ZOOM) names.addTo(map)
    else names.remove()
  }
  map.on('zoomend', apply)
  apply()
}

// Opening "#option-X" (from the options table or a map popup) unfolds that
// option's reasons, and a link to a folded section (a reason for exclusion)
// unfolds it, so the link lands on what it promised.
function openLinkedOption () {
  const target = window.location.hash && document.getElementById(window.location.hash.slice(1))
  if (!target) return
  if (target.tagName === 'DETAILS') target.open = true
  const why = target.classList.contains('app-option') && target.querySelector('details.app-option__why')
  if (why) why.open = true
}
window.addEventListener('hashchange', openLinkedOption)
openLinkedOption()

function mapRings (L, key, item, describe) {
  const style = MAP_STYLES[key]
  const rings = []
  if (item.polygon) {
    // A polygon area: the polygon itself, and its buffer outline (worked out by the server,
    // as far from the edge as the engine measures) when there is one.
    rings.push(L.geoJSON(item.polygon, { style: style.area }))
    if (item.buffer_outline && item.buffer_outline.length) {
      const lines = item.buffer_outline.map(function (line) { return line.map(function (p) { return [p[1], p[0]] }) })
      rings.push(L.polyline(lines, style.buffer))
    }
  } else {
    if (item.radius_km > 0) rings.push(L.circle([item.lat, item.lon], Object.assign({ radius: item.radius_km * 1000 }, style.area)))
    rings.push(L.circle([item.lat, item.lon], Object.assign({ radius: item.buffer_km * 1000 }, style.buffer)))
  }
  rings.forEach(function (ring) { ring.bindTooltip(mapText('span', describe), { sticky: true }) })
  return rings
}

function areaBufferWords (a) {
  return 'buffer ' + a.buffer_miles.toFixed(1) + ' miles from the ' + (a.polygon ? 'edge' : 'centre')
}

// The layers the server may leave out of the page and send for the map's view, in words.
const FETCHED_NAMES = { excluded: 'excluded placements', high_severity_areas: 'high-severity areas' }

function drawOptionsMap () {
  const dataBlock = document.getElementById('options-map-data')
  const section = document.getElementById('options-map-section')
  const container = document.getElementById('options-map')
  const L = window.L
  if (!dataBlock || !section || !container || !L) return
  const data = JSON.parse(dataBlock.textContent)
  section.hidden = false

  // maxZoom: markercluster needs one even when there are no tiles to set it.
  const map = L.map(container, { attributionControl: Boolean(data.tile_url), zoomSnap: 0.5, maxZoom: 18 })
  if (data.tile_url) {
    map.attributionControl.setPrefix(false)
    L.tileLayer(data.tile_url, { attribution: data.tile_attribution, maxZoom: 18 }).addTo(map)
  }

  document.querySelectorAll('[data-map-contents]').forEach(function (item) { item.hidden = false })

  // Panes, bottom to top: authority outlines, place names, areas and buffers
  // (overlayPane, 400), excluded placements, then everything else
  // (markerPane, 600), so the options are never hidden under excluded ones.
  map.createPane('placeNames').style.zIndex = '450'
  map.createPane('excluded').style.zIndex = '550'

  const layers = {
    options: mapPile(L, 'options'),
    excluded: mapPile(L, 'excluded', 'excluded')
  }
  const layer = function (key) { return (layers[key] = layers[key] || L.featureGroup()) }
  const focus = []

  data.options.forEach(function (o) {
    const title = 'Option ' + o.rank + ': ' + o.label
    mapMarker(L, 'options', o, String(o.rank), title)
      .bindPopup(mapPopup(title, ['Score ' + o.score.toFixed(2), o.miles_from_home.toFixed(1) + ' miles from home'],
        { href: '#option-' + o.id, text: 'Why it ranks here' }))
      .addTo(layer('options'))
    focus.push([o.lat, o.lon])
  })
  const draw = {
    excluded: function (e) {
      const title = 'Excluded: ' + e.label
      mapMarker(L, 'excluded', e, MAP_GLYPHS.excluded, title, 'excluded').bindPopup(mapPopup(title, e.reasons)).addTo(layer('excluded'))
    },
    high_severity_areas: function (a) {
      const describe = a.label + ', high severity: ' + areaBufferWords(a)
      mapRings(L, 'high_severity_areas', a, describe).forEach(function (ring) { ring.addTo(layer('high_severity_areas')) })
    }
  }
  // Large layers are not in the page: they come for the map's view (see fetchInView below).
  const fetched = data.fetched || []
  fetched.forEach(function (key) { layer(key) })
  ;(data.excluded || []).forEach(draw.excluded)
  data.linked_areas.forEach(function (a) {
    const describe = a.label + ', linked to ' + a.groups.join(' and ') + ': ' + areaBufferWords(a)
    mapRings(L, 'linked_areas', a, describe).forEach(function (ring) { ring.addTo(layer('linked_areas')) })
    focus.push([a.lat, a.lon])
  })
  ;(data.high_severity_areas || []).forEach(draw.high_severity_areas)
  data.risk_locations.forEach(function (r) {
    const title = 'Risk location: ' + r.label
    mapRings(L, 'risk_locations', r, title + ': buffer ' + r.buffer_miles.toFixed(1) + ' miles').forEach(function (ring) { ring.addTo(layer('risk_locations')) })
    mapMarker(L, 'risk_locations', r, MAP_GLYPHS.risk_locations, title).bindPopup(mapPopup(title, [])).addTo(layer('risk_locations'))
    focus.push([r.lat, r.lon])
  })
  data.homes.forEach(function (h) {
    mapMarker(L, 'homes', h, MAP_GLYPHS.homes, h.label).bindPopup(mapPopup(h.label, [])).addTo(layer('homes'))
    focus.push([h.lat, h.lon])
  })
  data.support.forEach(function (s) {
    const title = 'Support: ' + s.label
    mapMarker(L, 'support', s, MAP_GLYPHS.support, title)
      .bindPopup(mapPopup(title, [s.kind.replace(/_/g, ' ') + ', ' + s.importance])).addTo(layer('support'))
    focus.push([s.lat, s.lon])
  })

  if (focus.length > 1) map.fitBounds(L.latLngBounds(focus), { padding: [24, 24], maxZoom: 12 })
  else if (focus.length === 1) map.setView(focus[0], 11)
  else map.setView([52.8, -1.6], 6)

  // A fetched layer is asked for again when the view moves, only while it is switched on;
  // an answer that arrives after a newer request is dropped.
  const asked = {}
  const notes = {}
  const note = document.getElementById('map-layer-note')
  const fetchInView = function (key) {
    const box = document.getElementById('map-layer-' + key)
    if (!box || !box.checked) return
    const bounds = map.getBounds()
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (x, i) { return Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, x)).toFixed(5) }).join(',')
    const mine = (asked[key] = (asked[key] || 0) + 1)
    window.fetch(data.layers_url + '?layer=' + encodeURIComponent(key) + '&bbox=' + bbox, { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : null })
      .then(function (found) {
        if (!found || mine !== asked[key]) return
        layers[key].clearLayers()
        found.items.forEach(draw[key])
        notes[key] = found.truncated ? found.items.length + ' of the ' + found.in_view + ' ' + FETCHED_NAMES[key] + ' in this view are drawn: zoom in to see the rest.' : ''
        if (note) note.textContent = Object.values(notes).filter(Boolean).join(' ')
      })
      .catch(function () {})
  }
  map.on('moveend', function () { fetched.forEach(fetchInView) })

  section.querySelectorAll('[data-map-layer]').forEach(function (box) {
    const key = box.getAttribute('data-map-layer')
    const shown = layers[key]
    const apply = function () {
      if (!shown) return
      if (box.checked) {
        shown.addTo(map)
        if (fetched.indexOf(key) >= 0) fetchInView(key)
      } else {
        shown.remove()
      }
    }
    box.addEventListener('change', apply)
    apply()
  })

  if (data.outlines_url) {
    // Authority boundaries for context when there are no tiles, beneath everything else.
    map.createPane('outlines').style.zIndex = '350'
    window.fetch(data.outlines_url)
      .then(function (response) { return response.ok ? response.json() : null })
      .then(function (outlines) {
        if (!outlines) return
        L.geoJSON(outlines, { pane: 'outlines', interactive: false, style: { color: '#6f777b', weight: 1, fill: false } }).addTo(map)
        mapPlaceNames(L, map, outlines)
      })
      .catch(function () {})
  }
}

drawOptionsMap()

// The missing-persons co-ordinator's map: where children placed in the force's
// area live (H) and where each was found after a missing episode (F). The list
// beneath it on the page gives every place in words.
function drawMissingMap () {
  const dataBlock = document.getElementById('missing-map-data')
  const section = document.getElementById('missing-map-section')
  const container = document.getElementById('missing-map')
  const L = window.L
  if (!dataBlock || !section || !container || !L) return
  const data = JSON.parse(dataBlock.textContent)
  section.hidden = false
  const map = L.map(container, { attributionControl: Boolean(data.tile_url), zoomSnap: 0.5, maxZoom: 18 })
  if (data.tile_url) {
    map.attributionControl.setPrefix(false)
    L.tileLayer(data.tile_url, { attribution: data.tile_attribution, maxZoom: 18 }).addTo(map)
  }
  map.createPane('placeNames').style.zIndex = '450'
  const focus = []
  data.placements.forEach(function (p) {
    mapMarker(L, 'homes', p, 'H', p.title).bindPopup(mapPopup(p.title, [])).addTo(map)
    focus.push([p.lat, p.lon])
  })
  data.found.forEach(function (f) {
    mapMarker(L, 'risk_locations', f, 'F', f.title).bindPopup(mapPopup(f.title, f.lines)).addTo(map)
    focus.push([f.lat, f.lon])
  })
  if (focus.length > 1) map.fitBounds(L.latLngBounds(focus), { padding: [24, 24], maxZoom: 13 })
  else if (focus.length === 1) map.setView(focus[0], 12)
  else map.setView([53.48, -2.24], 10)
  if (data.outlines_url) {
    map.createPane('outlines').style.zIndex = '350'
    window.fetch(data.outlines_url)
      .then(function (response) { return response.ok ? response.json() : null })
      .then(function (outlines) {
        if (!outlines) return
        L.geoJSON(outlines, { pane: 'outlines', interactive: false, style: { color: '#6f777b', weight: 1, fill: false } }).addTo(map)
        mapPlaceNames(L, map, outlines)
      })
      .catch(function () {})
  }
}

drawMissingMap()
