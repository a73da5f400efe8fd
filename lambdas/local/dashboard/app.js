// The dashboard: plain browser JavaScript, no build step, no dependency, nothing fetched from
// elsewhere. It reads the management API of the server that served it, with the admin token
// sent as `Authorization: Bearer` (never in a URL, never in a cookie).
'use strict';
(function () {
  /** sessionStorage key of the admin token: it lives as long as the tab, and in no other tab. */
  var TOKEN_KEY = 'heartbeat.adminToken';
  var REFRESH_MS = 5000;
  var PAGE_SIZE = 1000;
  /** At most this many pages of devices per refresh (a dashboard of 20,000 rows is already too many). */
  var MAX_PAGES = 20;
  var TIMELINE_DAYS = 7;

  var state = {
    token: null,
    devices: [],
    selected: null,
    incidents: [],
    incidentsCursor: null,
    timer: null,
    loading: false,
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  // ---- the admin token -------------------------------------------------------------------

  /** `#refresh=<seconds>` (1 to 300) in the link sets how often the page reloads its data. */
  function refreshFromFragment() {
    var seconds = Number(new URLSearchParams(window.location.hash.replace(/^#/, '')).get('refresh'));
    if (Number.isInteger(seconds) && seconds >= 1 && seconds <= 300) REFRESH_MS = seconds * 1000;
  }

  /** Takes `#token=...` out of the address bar (and the history) and keeps it for this tab only. */
  function tokenFromFragment() {
    var hash = window.location.hash.replace(/^#/, '');
    if (!hash) return null;
    var params = new URLSearchParams(hash);
    var token = params.get('token');
    if (!token) return null;
    params.delete('token');
    var rest = params.toString();
    history.replaceState(null, '', window.location.pathname + window.location.search + (rest ? '#' + rest : ''));
    return token;
  }

  function setToken(token) {
    state.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  function showLogin(message) {
    stopRefresh();
    setToken(null);
    $('app').hidden = true;
    $('refresh').hidden = true;
    $('forget-token').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token-input').focus();
  }

  function showApp() {
    $('login').hidden = true;
    $('app').hidden = false;
    $('refresh').hidden = false;
    $('forget-token').hidden = false;
  }

  // ---- the API ---------------------------------------------------------------------------

  function Unauthorized() {}

  /** GET of a management route; resolves with the JSON body, or null for 404 when `allow404`. */
  function api(path, allow404) {
    return fetch(path, {
      headers: { authorization: 'Bearer ' + state.token, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    }).then(function (response) {
      if (response.status === 401) throw new Unauthorized();
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
        if (response.status === 404 && allow404) return null;
        if (!response.ok) {
          var message = body && body.error ? body.error.message : body && body.message ? body.message : text.slice(0, 200);
          throw new Error('HTTP ' + response.status + ': ' + message);
        }
        return body;
      });
    });
  }

  function loadFleet() {
    var devices = [];
    function page(cursor, n) {
      var query = '?limit=' + PAGE_SIZE + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      return api('/v1/devices' + query).then(function (body) {
        devices = devices.concat(body.devices);
        if (body.cursor && n + 1 < MAX_PAGES) return page(body.cursor, n + 1);
        return devices;
      });
    }
    return page(null, 0);
  }

  // ---- formatting ------------------------------------------------------------------------

  function when(iso) {
    if (!iso) return '–';
    var d = new Date(iso);
    var pad = function (n) { return String(n).padStart(2, '0'); };
    var today = new Date();
    var time = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    if (d.toDateString() === today.toDateString()) return time;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time;
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + 'm ' + String(seconds % 60).padStart(2, '0') + 's';
    if (seconds < 86400) return Math.floor(seconds / 3600) + 'h ' + String(Math.floor((seconds % 3600) / 60)).padStart(2, '0') + 'm';
    return Math.floor(seconds / 86400) + 'd ' + Math.floor((seconds % 86400) / 3600) + 'h';
  }

  function relative(iso) {
    if (!iso) return '';
    var seconds = (Date.parse(iso) - Date.now()) / 1000;
    return seconds >= 0 ? 'in ' + duration(seconds) : duration(-seconds) + ' ago';
  }

  function percent(fraction) {
    if (fraction === null || fraction === undefined) return '–';
    return (Math.floor(fraction * 100000) / 1000).toFixed(fraction === 1 ? 0 : 3) + ' %';
  }

  // ---- the fleet -------------------------------------------------------------------------

  function filters() {
    return { status: $('status-filter').value, group: $('group-filter').value, search: $('search').value.trim().toLowerCase() };
  }

  function matches(device, f) {
    if (f.status && device.status !== f.status) return false;
    if (f.group && device.group !== f.group) return false;
    if (!f.search) return true;
    return [device.deviceId, device.group || '', device.message || ''].some(function (text) { return text.toLowerCase().indexOf(f.search) !== -1; });
  }

  var ORDER = { down: 0, new: 1, up: 2, paused: 3 };

  function renderCounts() {
    var counts = { down: 0, up: 0, new: 0, paused: 0 };
    state.devices.forEach(function (d) { counts[d.status] = (counts[d.status] || 0) + 1; });
    $('count-all').textContent = String(state.devices.length);
    Object.keys(counts).forEach(function (s) { $('count-' + s).textContent = String(counts[s]); });
    var status = $('status-filter').value;
    document.querySelectorAll('.count').forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-status') === status));
    });
  }

  function renderGroups() {
    var select = $('group-filter');
    var chosen = select.value;
    var groups = {};
    state.devices.forEach(function (d) { if (d.group) groups[d.group] = true; });
    var names = Object.keys(groups).sort();
    if (chosen && names.indexOf(chosen) === -1) names.push(chosen);
    select.replaceChildren(el('option', { value: '', text: 'all groups' }));
    names.forEach(function (name) { select.appendChild(el('option', { value: name, text: name })); });
    select.value = chosen;
  }

  function renderTable() {
    var f = filters();
    var rows = state.devices.filter(function (d) { return matches(d, f); }).sort(function (a, b) {
      return (ORDER[a.status] - ORDER[b.status]) || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0);
    });
    var body = $('fleet-body');
    body.replaceChildren.apply(body, rows.map(function (d) {
      var row = el('tr', { 'data-device-id': d.deviceId, 'data-status': d.status, tabindex: '0' }, [
        el('td', {}, [el('span', { className: 'badge ' + d.status, text: d.status })]),
        el('td', { text: d.deviceId }),
        el('td', { text: d.group || '' }),
        el('td', { text: d.lastSeen ? relative(d.lastSeen) : 'never', title: d.lastSeen || '' }),
        el('td', { text: d.status === 'down' ? 'down since ' + when(d.downSince) : d.status === 'paused' ? 'paused' : d.deadline ? relative(d.deadline) : '–', title: d.deadline || '' }),
        el('td', { className: 'message', text: d.message || '' }),
      ]);
      if (d.deviceId === state.selected) row.className = 'selected';
      return row;
    }));
    $('empty').hidden = rows.length > 0;
  }

  function render() {
    renderCounts();
    renderGroups();
    renderTable();
  }

  // ---- one device ------------------------------------------------------------------------

  function incidentsPath(id, cursor) {
    return '/v1/devices/' + encodeURIComponent(id) + '/incidents?limit=20' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
  }

  function renderDetail(device) {
    $('detail-title').textContent = device.deviceId;
    var fields = [
      ['status', device.status],
      ['group', device.group || '–'],
      ['last seen', device.lastSeen ? when(device.lastSeen) + ' (' + relative(device.lastSeen) + ')' : 'never'],
      ['deadline', device.deadline ? when(device.deadline) + ' (' + relative(device.deadline) + ')' : '–'],
      ['down since', device.downSince ? when(device.downSince) : '–'],
      ['interval / grace', device.interval + ' s / ' + device.grace + ' s'],
      ['beats', String(device.beats)],
      ['message', device.message || '–'],
    ];
    $('detail-fields').replaceChildren.apply($('detail-fields'), fields.reduce(function (out, pair) {
      return out.concat([el('dt', { text: pair[0] }), el('dd', { text: pair[1] })]);
    }, []));
    var uptime = device.uptime || {};
    $('uptime').replaceChildren.apply($('uptime'), ['1d', '7d', '30d'].map(function (w) {
      return el('div', { 'data-window': w }, [el('span', { className: 'v', text: percent(uptime[w]) }), el('span', { className: 'muted', text: w })]);
    }));
  }

  function renderIncidents() {
    var list = $('incidents');
    list.replaceChildren.apply(list, state.incidents.map(function (i) {
      var open = i.upAt === null;
      var lasted = open ? duration((Date.now() - Date.parse(i.downSince)) / 1000) + ' so far' : duration(i.downForSeconds);
      return el('li', { className: open ? 'open' : 'closed', 'data-incident-id': i.incidentId }, [
        el('div', { className: 'when', text: when(i.downSince) + (open ? ' – still down' : ' – ' + when(i.upAt)) }),
        el('div', { text: (i.reason === 'fail' ? 'reported failure' : 'silent') + ', ' + lasted }),
        i.message ? el('div', { className: 'muted', text: i.message }) : null,
      ]);
    }));
    $('more-incidents').hidden = !state.incidentsCursor;
    $('incidents-note').textContent = state.incidents.length === 0 ? 'No outage recorded.' : '';

    // The last 7 days as a bar: green, with a red stripe per outage.
    var end = Date.now();
    var start = end - TIMELINE_DAYS * 86400000;
    var bar = $('timeline');
    bar.replaceChildren.apply(bar, state.incidents.filter(function (i) {
      return i.upAt === null || Date.parse(i.upAt) > start;
    }).map(function (i) {
      var from = Math.max(start, Date.parse(i.downSince));
      var to = i.upAt === null ? end : Date.parse(i.upAt);
      var stripe = el('div', { className: 'out', title: when(i.downSince) + ' – ' + (i.upAt ? when(i.upAt) : 'now') });
      // A short outage near now would start at 100 % and be cut off: keep its 2 px inside the bar.
      stripe.style.left = 'min(' + ((from - start) / (end - start)) * 100 + '%, calc(100% - 2px))';
      stripe.style.width = ((to - from) / (end - start)) * 100 + '%';
      return stripe;
    }));
    bar.title = 'last ' + TIMELINE_DAYS + ' days';
  }

  function loadDetail(id) {
    return Promise.all([api('/v1/devices/' + encodeURIComponent(id), true), api(incidentsPath(id), true)]).then(function (results) {
      if (state.selected !== id) return;
      var device = results[0];
      if (device === null) {
        closeDetail();
        return;
      }
      renderDetail(device);
      var page = results[1] || { incidents: [], cursor: null };
      state.incidents = page.incidents;
      state.incidentsCursor = page.cursor;
      renderIncidents();
      $('detail').hidden = false;
    });
  }

  function openDetail(id) {
    state.selected = id;
    state.incidents = [];
    state.incidentsCursor = null;
    renderTable();
    loadDetail(id).catch(showError);
  }

  function closeDetail() {
    state.selected = null;
    $('detail').hidden = true;
    renderTable();
  }

  function moreIncidents() {
    var id = state.selected;
    api(incidentsPath(id, state.incidentsCursor)).then(function (page) {
      if (state.selected !== id) return;
      state.incidents = state.incidents.concat(page.incidents);
      state.incidentsCursor = page.cursor;
      renderIncidents();
    }).catch(showError);
  }

  // ---- refreshing ------------------------------------------------------------------------

  function showError(error) {
    if (error instanceof Unauthorized) {
      showLogin('The server did not accept this token; paste the admin token again.');
      return;
    }
    $('error').textContent = 'Could not refresh: ' + (error && error.message ? error.message : String(error));
    $('error').hidden = false;
  }

  function refresh() {
    if (state.loading) return Promise.resolve();
    state.loading = true;
    var detail = state.selected && !$('detail').hidden ? state.selected : null;
    return Promise.all([loadFleet(), detail ? loadDetail(detail) : null]).then(function (results) {
      state.devices = results[0];
      $('error').hidden = true;
      showApp();
      render();
      $('updated').textContent = 'updated ' + when(new Date().toISOString());
    }).catch(showError).then(function () {
      state.loading = false;
    });
  }

  function scheduleRefresh() {
    stopRefresh();
    state.timer = setTimeout(function tick() {
      // A hidden tab does not poll: nobody is looking, and each poll is a request.
      var next = document.hidden ? Promise.resolve() : refresh();
      next.then(function () { if (state.token) state.timer = setTimeout(tick, REFRESH_MS); });
    }, REFRESH_MS);
  }

  function stopRefresh() {
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
  }

  function start(token) {
    setToken(token);
    refresh().then(function () { if (state.token) scheduleRefresh(); });
  }

  // ---- wiring ----------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', function () {
    $('login-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var token = $('token-input').value.trim();
      $('token-input').value = '';
      if (token) start(token);
    });
    $('forget-token').addEventListener('click', function () { showLogin(''); });
    $('refresh').addEventListener('click', function () { refresh(); });
    ['status-filter', 'group-filter'].forEach(function (id) { $(id).addEventListener('change', function () { renderCounts(); renderTable(); }); });
    $('search').addEventListener('input', renderTable);
    document.querySelectorAll('.count').forEach(function (button) {
      button.addEventListener('click', function () {
        $('status-filter').value = button.getAttribute('data-status');
        renderCounts();
        renderTable();
      });
    });
    function rowOf(event) { var row = event.target.closest('tr[data-device-id]'); return row && row.getAttribute('data-device-id'); }
    $('fleet-body').addEventListener('click', function (event) { var id = rowOf(event); if (id) openDetail(id); });
    $('fleet-body').addEventListener('keydown', function (event) { var id = rowOf(event); if (id && event.key === 'Enter') openDetail(id); });
    $('detail-close').addEventListener('click', closeDetail);
    $('more-incidents').addEventListener('click', moreIncidents);

    refreshFromFragment();
    var token = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
    if (token) start(token);
    else showLogin('');
  });
})();
