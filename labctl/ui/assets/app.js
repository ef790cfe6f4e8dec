// The live view: draws /api/topology once, then every `state` event of /events (a LiveLab snapshot).
(function () {
  'use strict';
  var GROUPS = ['as', 'peer_as', 'prefix', 'interface'];
  var COLOURS = ['#2f6db5', '#e67e22', '#2e8b47', '#8e44ad', '#c0392b', '#16a085', '#7f8c8d', '#d35400'];

  function $(id) { return document.getElementById(id); }
  function fmt(n) { return Math.round(Number(n) || 0).toLocaleString('en-US'); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function setNumber(id, value) {
    var e = $(id);
    e.setAttribute('data-value', String(value));
    e.textContent = fmt(value);
  }
  function table(id, header, rows) {
    var t = $(id);
    t.textContent = '';
    var tr = el('tr');
    header.forEach(function (h) { tr.appendChild(el('th', { class: h.num ? 'num' : '' }, h.label)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el('tr', r.attrs || {});
      r.cells.forEach(function (c, i) {
        var attrs = Object.assign({ class: header[i].num ? 'num' : (c.cls || '') }, c.attrs || {});
        row.appendChild(el('td', attrs, c.text));
      });
      t.appendChild(row);
    });
  }

  // "12.3 Mbit/s" from bytes per second.
  function bitRate(bytesPerSecond) {
    var v = bytesPerSecond * 8, units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'], i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i += 1; }
    return (i === 0 ? Math.round(v) : v.toPrecision(3)) + ' ' + units[i];
  }

  // The rate beside a link: its busier end's in + out (an end the probes do not see has no rate), in bits/s.
  function drawLinkRate(g, rate) {
    var text = g.querySelector('text.link-rate');
    if (rate === undefined) { if (text) { text.remove(); } return; }
    var line = g.querySelector('line');
    if (!text) {
      text = document.createElementNS('http://www.w3.org/2000/svg', 'text');
      text.setAttribute('class', 'link-rate');
      var x = (+line.getAttribute('x1') + +line.getAttribute('x2')) / 2;
      var y = (+line.getAttribute('y1') + +line.getAttribute('y2')) / 2;
      text.setAttribute('x', x + 6); text.setAttribute('y', y - 6);
      g.appendChild(text);
    }
    text.setAttribute('data-bps', String(Math.round(rate * 8)));
    text.textContent = bitRate(rate);
  }

  function drawLinks(state) {
    var svg = document.querySelector('#topology svg');
    if (!svg) { return; }
    var busy = {}, rates = {};
    ((state.flows || {}).groups || {}).interface && state.flows.groups.interface.forEach(function (t) {
      var end = t.key.replace(/ (in|out)$/, '');
      rates[end] = (rates[end] || 0) + (t.bytes_per_second || 0);
      if (t.bytes_per_second > 0) { busy[end] = true; }
    });
    (state.links || []).forEach(function (l) {
      var g = svg.querySelector('g.link[data-a="' + l.a + '"][data-b="' + l.b + '"]');
      if (!g) { return; }
      g.classList.toggle('down', !l.up);
      g.classList.toggle('busy', l.up && (busy[l.a] || busy[l.b]) === true);
      g.setAttribute('data-up', l.up ? '1' : '0');
      var seen = l.a in rates || l.b in rates;
      drawLinkRate(g, seen ? Math.max(rates[l.a] || 0, rates[l.b] || 0) : undefined);
    });
    (state.nodes || []).forEach(function (n) {
      var g = document.getElementById('node-' + n.name);
      if (g) { g.classList.toggle('dead', n.processes.some(function (p) { return !p.alive; })); }
    });
  }

  function drawTalkers(flows) {
    GROUPS.forEach(function (g) {
      var rows = ((flows.groups || {})[g] || []).map(function (t) {
        return { attrs: { 'data-key': t.key, 'data-bytes': t.bytes },
                 cells: [{ text: t.key }, { text: fmt(t.bytes) }, { text: fmt(t.packets) }, { text: fmt(t.flows) },
                         { text: fmt(t.bytes_per_second) }] };
      });
      table('talkers-' + g, [{ label: 'key' }, { label: 'bytes', num: true }, { label: 'packets', num: true },
                            { label: 'flows', num: true }, { label: 'bytes/s', num: true }], rows);
    });
  }

  // The AS analysis tables (ui::as_tables): by AS and role, and per interface its ASes and origin ASes.
  function drawAsTables(t) {
    if (!t) { return; }
    var roles = t.roles || [];
    table('as-by-role', [{ label: 'AS' }].concat(roles.map(function (r) { return { label: r, num: true }; }),
                                                 [{ label: 'total', num: true }]),
          (t.by_as || []).map(function (a) {
            return { attrs: { 'data-key': a.key, 'data-bytes': a.total },
                     cells: [{ text: a.key }].concat(roles.map(function (r) {
                       var n = (a.roles || {})[r] || 0;
                       return { text: fmt(n), attrs: { 'data-role': r, 'data-bytes': n } };
                     }), [{ text: fmt(a.total), attrs: { 'data-role': 'total', 'data-bytes': a.total } }]) };
          }));
    [['as', 'as-per-interface', 'AS'], ['origin', 'origin-per-interface', 'origin AS']].forEach(function (m) {
      var rows = [];
      (t.interfaces || []).forEach(function (i) {
        (i[m[0]] || []).forEach(function (a) {
          rows.push({ attrs: { 'data-interface': i.key, 'data-key': a.key, 'data-bytes': a.bytes },
                      cells: [{ text: i.key }, { text: i.role }, { text: a.key }, { text: fmt(a.bytes) }] });
        });
      });
      table(m[1], [{ label: 'interface' }, { label: 'role' }, { label: m[2] }, { label: 'bytes', num: true }], rows);
    });
  }

  function drawSeries(id, series, group) {
    var box = $(id);
    var width = 520, height = 180, pad = 40;
    var keys = {};
    series.forEach(function (p) { Object.keys(p[group] || {}).forEach(function (k) { keys[k] = true; }); });
    var names = Object.keys(keys).sort().slice(0, COLOURS.length);
    if (series.length < 2 || names.length === 0) { box.innerHTML = '<p class="empty">collecting…</p>'; return; }
    var t0 = series[0].t, t1 = series[series.length - 1].t, max = 1;
    series.forEach(function (p) { names.forEach(function (k) { max = Math.max(max, (p[group] || {})[k] || 0); }); });
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', width); svg.setAttribute('height', height + 20 * Math.ceil(names.length / 2));
    svg.setAttribute('class', 'timeseries');
    function x(t) { return pad + (width - pad - 8) * (t - t0) / Math.max(1, t1 - t0); }
    function y(v) { return height - 20 - (height - 30) * v / max; }
    var axis = document.createElementNS(ns, 'text');
    axis.setAttribute('x', 4); axis.setAttribute('y', 14); axis.setAttribute('font-size', 10);
    axis.textContent = fmt(max) + ' B/s'; svg.appendChild(axis);
    names.forEach(function (k, i) {
      var pts = series.map(function (p) { return x(p.t).toFixed(1) + ',' + y((p[group] || {})[k] || 0).toFixed(1); });
      var line = document.createElementNS(ns, 'polyline');
      line.setAttribute('points', pts.join(' ')); line.setAttribute('fill', 'none');
      line.setAttribute('stroke', COLOURS[i]); line.setAttribute('stroke-width', 2);
      line.setAttribute('data-key', k);
      svg.appendChild(line);
      var label = document.createElementNS(ns, 'text');
      label.setAttribute('x', pad + (i % 2) * 240); label.setAttribute('y', height + 4 + 18 * Math.floor(i / 2));
      label.setAttribute('font-size', 11); label.setAttribute('fill', COLOURS[i]);
      label.textContent = k; svg.appendChild(label);
    });
    box.textContent = '';
    box.appendChild(svg);
  }

  function drawState(state) {
    $('updated').textContent = new Date(state.time * 1000).toLocaleTimeString();
    drawLinks(state);
    var flows = state.flows || {};
    $('collector-name').textContent = flows.collector || '?';
    $('collector-error').textContent = flows.error ? ' ' + flows.error : '';
    if (flows.total) {
      setNumber('total-bytes', flows.total.bytes);
      setNumber('total-packets', flows.total.packets);
      setNumber('total-flows', flows.total.flows);
      setNumber('total-rate', flows.total.bytes_per_second);
      drawTalkers(flows);
      drawAsTables(flows.as_tables);
      var hovering = document.querySelector('#sankey svg.sankey.hovering');  // keep what the pointer is on
      if (!hovering && flows.sankey_svg && flows.sankey_svg.indexOf('<path') >= 0) { $('sankey').innerHTML = flows.sankey_svg; }
      drawSeries('series-as', flows.series || [], 'as');
      drawSeries('series-interface', flows.series || [], 'interface');
    }
    var sessions = [], procs = [];
    (state.nodes || []).forEach(function (n) {
      n.bgp_sessions.forEach(function (s) {
        sessions.push({ cells: [{ text: n.name }, { text: s.neighbor }, { text: String(s.asn) },
                                { text: s.state, cls: s.state === 'Established' ? 'state-up' : 'state-down' }] });
      });
      n.processes.forEach(function (p) {
        procs.push({ cells: [{ text: n.name }, { text: p.name }, { text: String(p.pid) },
                             { text: p.alive ? 'running' : 'stopped', cls: p.alive ? 'state-up' : 'state-down' }] });
      });
    });
    table('sessions', [{ label: 'router' }, { label: 'neighbor' }, { label: 'AS' }, { label: 'BGP state' }], sessions);
    table('processes', [{ label: 'node' }, { label: 'process' }, { label: 'pid' }, { label: 'state' }], procs);
  }

  function listen() {
    var events = new EventSource('/events');  // the latest snapshot first, then one per poll
    events.addEventListener('state', function (e) {
      $('conn').textContent = 'live';
      $('conn').className = 'conn live';
      drawState(JSON.parse(e.data));
    });
    events.onerror = function () { $('conn').textContent = 'reconnecting'; $('conn').className = 'conn lost'; };
  }

  fetch('/api/topology').then(function (r) { return r.json(); }).then(function (t) {
    $('lab-name').textContent = t.lab;
    document.title = 'flowlab live: ' + t.lab;
    $('topology').innerHTML = t.svg;
  }).catch(function (err) {
    $('topology').textContent = 'topology unavailable: ' + err;
  }).then(listen);
})();
