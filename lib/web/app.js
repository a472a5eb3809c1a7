/*
 * The omph-collect dashboard: the snapshots of man/omph.7 (-o json), drawn.
 * No framework, no dependency; the page's hooks are listed in index.html.
 * The rules, case by case:
 *
 *  - Input: GET /api/snapshot once at load and again on each reconnect,
 *    then the Server-Sent Events of GET /api/stream, one snapshot (one JSON
 *    object) per event's data, as "message" or "snapshot" events.  Data
 *    that does not parse, or is not an object, is dropped.
 *  - Replays: a snapshot like the last one applied (same time, records,
 *    late, bad, evicted, keys and number of events; what a server may send
 *    again on reconnect, or the fetch and the stream both) adds no chart
 *    point and its raises and resolves are not applied again; only its
 *    active alerts count.  body[data-updated] counts every snapshot
 *    received, replays too.
 *  - Panels: "panels":[{name, keys, total, top}] gives one table each;
 *    without it, one panel from "total" and "top", named by its key fields
 *    joined by ",".  A row's key fields are its members before "hits".
 *    An event's "panel" names its key's panel: an alert of a panel but
 *    the first is listed as "NAME: key".
 *    A panel no longer in the snapshot goes; one that stays keeps its
 *    filter and sort.  The "visitors" column shows when a row has it.
 *  - Text only: every value from a snapshot reaches the DOM through
 *    textContent, or setAttribute on an element made here; nothing is
 *    ever parsed as HTML.  No eval, no inline style (the CSP forbids it):
 *    sizes are set through the CSSOM.
 *  - Alerts, as omph-top's: raised and resolved alerts stay listed until
 *    cleared, per key (the same key fields, every rule) or all; clearing
 *    an active one marks it cleared, and it goes when it resolves.  An
 *    active alert the snapshot's "active" no longer lists has resolved
 *    unseen, at that snapshot's time.
 *  - Connection: #status-conn says "connecting…", "live" or
 *    "reconnecting…".  EventSource retries by itself; when it gives up
 *    (CLOSED: the server answered an error) the snapshot is fetched and a
 *    new EventSource made after a delay that doubles from 1 s to 30 s.
 *  - Memory: HISTORY snapshots for the charts, MAXALERTS alerts (the
 *    oldest resolved go first); nothing else grows.
 */
(function () {
'use strict';

var HISTORY = 300, MAXALERTS = 500, SVGNS = 'http://www.w3.org/2000/svg';
/* the metric columns, in order; "visitors" only when a row has it */
var METRICS = ['hits', 'visitors', 'rate', 'bytes', '2xx', '3xx', '4xx',
    '5xx', '4xx_ratio', '5xx_ratio', 'p50', 'p90', 'p99', 'err'];
var HEADS = { rate: 'hits/s', '4xx_ratio': '4xx %', '5xx_ratio': '5xx %' };
var TITLES = { hits: 'requests in the window',
    visitors: 'distinct clients (estimate)', rate: 'hits per second',
    bytes: 'bytes sent', '4xx_ratio': 'share of 4xx',
    '5xx_ratio': 'share of 5xx', p50: 'median time taken',
    p90: '90th percentile of time taken',
    p99: '99th percentile of time taken', err: 'records with no status' };
var SENDERCOLS = ['sender', 'kind', 'addr', 'records', 'messages', 'lost',
    'repeated', 'reordered', 'bad', 'noschema', 'dup', 'gaps', 'gapbytes',
    'last'];
var SENDERTEXT = { sender: 1, kind: 1, addr: 1 };
var SENDERWARN = { lost: 1, repeated: 1, dup: 1, gaps: 1, gapbytes: 1 };
/* the collector's counters with --listen, and those that are bad news */
var LISTEN = ['datagrams', 'denied', 'malformed', 'refused', 'conns', 'shed',
    'timedout', 'dup', 'gaps', 'badorigin', 'streams'];
var LISTENWARN = { denied: 1, malformed: 1, refused: 1, shed: 1,
    timedout: 1, dup: 1, gaps: 1, badorigin: 1 };

var history = [];		/* {time, rate, 2xx.., p50..} per snapshot */
var last = null;		/* the last snapshot applied */
var received = 0;		/* snapshots received, replays too */
var panels = new Map();		/* name -> panel, see panelOf */
var firstPanel = null;		/* the name of the snapshots' first panel */
var alerts = new Map();		/* rule NUL key -> alert, see alertOf */
var changes = 0;		/* alerts' change counter, for their order */
var charts = [];
var retry = 1000, lost = false;

/* ---- formatting: text only, "–" for absent ---- */

function absent(v) { return typeof v !== 'number' || !isFinite(v); }

/* 3 significant digits, no trailing zeros; whole numbers from 1000 */
function fmt3(v) {
	if (absent(v)) return '–';
	if (v === 0) return '0';
	if (Math.abs(v) >= 1000) return String(Math.round(v));
	return String(parseFloat(v.toPrecision(3)));
}

function fmtInt(v) { return absent(v) ? '–' : String(Math.round(v)); }

function fmtPct(v) { return absent(v) ? '–' : fmt3(v * 100) + '%'; }

/* seconds, as the snapshot gives time taken */
function fmtSec(v) {
	if (absent(v)) return '–';
	return v !== 0 && Math.abs(v) < 1 ? fmt3(v * 1000) + ' ms' :
	    fmt3(v) + ' s';
}

function fmtBytes(v) {
	var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], i = 0;

	if (absent(v)) return '–';
	for (; Math.abs(v) >= 1024 && i < u.length - 1; i++)
		v /= 1024;
	return (i === 0 ? String(v) : fmt3(v)) + ' ' + u[i];
}

/* "2015-05-20T21:05:59Z" as "2015-05-20 21:05:59", short "21:05:59" */
function fmtTime(t, short) {
	if (typeof t !== 'string') return '–';
	if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(t)) return t;
	return short ? t.slice(11, 19) : t.slice(0, 10) + ' ' + t.slice(11, 19);
}

function fmtMetric(m, v) {
	if (m === 'rate') return fmt3(v);
	if (m === 'bytes') return fmtBytes(v);
	if (m === '4xx_ratio' || m === '5xx_ratio') return fmtPct(v);
	if (m === 'p50' || m === 'p90' || m === 'p99') return fmtSec(v);
	return fmtInt(v);
}

/* a key field's value as text; null for absent */
function keyText(v) {
	if (v === null || v === undefined) return null;
	return typeof v === 'string' ? v : JSON.stringify(v);
}

/* a row's key fields: its members before "hits" */
function keysOf(row) {
	var k = [], p;

	if (row === null || typeof row !== 'object') return k;
	for (p in row) {
		if (p === 'hits') break;
		k.push(p);
	}
	return k;
}

function isObj(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/* ---- the DOM: every element made here, text set as text ---- */

function el(tag, cls, text) {
	var e = document.createElement(tag);

	if (cls) e.className = cls;
	if (text !== undefined && text !== null) e.textContent = String(text);
	return e;
}

/* el(tag, cls, text), appended to parent */
function add(parent, tag, cls, text) {
	return parent.appendChild(el(tag, cls, text));
}

function svg(parent, tag, attrs, text) {
	var e = document.createElementNS(SVGNS, tag), k;

	for (k in attrs)
		e.setAttribute(k, String(attrs[k]));
	if (text !== undefined) e.textContent = text;
	return parent.appendChild(e);
}

/* the children of e go (setting text parses nothing) */
function clear(e) { e.textContent = ''; }

function byId(id) { return document.getElementById(id); }

function setText(id, text, title) {
	var e = byId(id);

	e.textContent = text;
	if (title !== undefined) e.setAttribute('title', title);
	return e;
}

/* ---- the header figures ---- */

function figures(s) {
	var t = isObj(s.total) ? s.total : {};

	setText('time', fmtTime(s.time), String(s.time || ''));
	setText('window', absent(s.window) ? '–' : s.window === 0 ? 'all' :
	    s.window + ' s');
	setText('records', fmtInt(s.records));
	setText('rate', fmt3(t.rate), String(t.rate));
	setText('r4xx', fmtPct(t['4xx_ratio']), String(t['4xx_ratio']));
	setText('r5xx', fmtPct(t['5xx_ratio']), String(t['5xx_ratio']))
	    .classList.toggle('warn', t['5xx_ratio'] > 0);
	setText('p50', fmtSec(t.p50));
	setText('p90', fmtSec(t.p90));
	setText('p99', fmtSec(t.p99));
	setText('bad', fmtInt(s.bad)).classList.toggle('warn', s.bad > 0);
	setText('late', fmtInt(s.late));
	setText('keys', fmtInt(s.keys));
	setText('evicted', fmtInt(s.evicted));
	byId('final').hidden = s.final !== true;
	document.title = 'omph-collect · ' + fmt3(t.rate) + ' hits/s';
}

/* ---- the charts: our own SVG ---- */

/* a round number at least v, for the top of a y axis in 4 steps */
function nice(v) {
	var steps = [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10], e, i;

	if (!(v > 0)) return 1;
	e = Math.pow(10, Math.floor(Math.log10(v)));
	for (i = 0; steps[i] * e < v; i++)
		;
	return steps[i] * e;
}

/*
 * A chart: c.series [{key, name, cls}] read from history, as stacked
 * areas (c.stack) or as lines broken where a value is absent; the y axis
 * from 0 in 4 steps labelled by c.fmt, the x axis the snapshots' times.
 * Drawn at the element's size (the CSS's), again on resize; one
 * snapshot is drawn as a flat line across.
 */
function draw(c) {
	var box = c.svg.getBoundingClientRect();
	var W = Math.max(240, Math.floor(box.width));
	var H = Math.max(100, Math.floor(box.height));
	var L = 56, R = 12, T = 10, B = 24, pw = W - L - R, ph = H - T - B;
	var n = history.length, m = n === 1 ? 2 : n, top = 0;
	var g, i, j, k, v, y, sum, base = [], pts, d, ymax;

	function val(i2, key) {		/* absent: null */
		var x = history[n === 1 ? 0 : i2][key];

		return absent(x) ? null : x;
	}
	function X(i2) { return (L + pw * i2 / (m - 1)).toFixed(1); }
	function Y(v2) { return (T + ph - ph * v2 / ymax).toFixed(1); }

	clear(c.svg);
	c.svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
	for (i = 0; i < n; i++) {
		for (sum = 0, j = 0; j < c.series.length; j++) {
			v = val(i, c.series[j].key) || 0;
			sum = c.stack ? sum + v : Math.max(sum, v);
		}
		top = Math.max(top, sum);
	}
	ymax = nice(top);
	g = svg(c.svg, 'g', { 'class': 'axis' });
	for (k = 0; k <= 4; k++) {
		y = T + ph - ph * k / 4;
		svg(g, 'line', { x1: L, x2: L + pw, y1: y, y2: y,
		    'class': k === 0 ? 'base' : 'grid' });
		svg(g, 'text', { x: L - 6, y: y + 4, 'text-anchor': 'end' },
		    c.fmt(ymax * k / 4));
	}
	if (n === 0) {
		svg(g, 'text', { x: L + pw / 2, y: T + ph / 2, 'class': 'none',
		    'text-anchor': 'middle' }, 'waiting for snapshots');
		return;
	}
	/* the times of the first, the middle (if there is room), the last */
	[[0, 'start'], [n > 2 && pw > 360 ? (n - 1) >> 1 : -1, 'middle'],
	    [n > 1 ? n - 1 : -1, 'end']].forEach(function (a) {
		if (a[0] >= 0)
			svg(g, 'text', { x: X(n === 1 ? 0 : a[0]), y: H - 6,
			    'text-anchor': a[1] },
			    fmtTime(history[a[0]].time, true));
	});
	for (i = 0; i < m; i++)
		base.push(0);
	c.series.forEach(function (s) {
		if (c.stack) {		/* this series on top of the last */
			for (pts = [], i = 0; i < m; i++)
				pts.push(X(i) + ',' +
				    Y(base[i] + (val(i, s.key) || 0)));
			for (i = m; i-- > 0;) {
				pts.push(X(i) + ',' + Y(base[i]));
				base[i] += val(i, s.key) || 0;
			}
			svg(c.svg, 'polygon', { points: pts.join(' '),
			    'class': 'area ' + s.cls });
			return;
		}
		for (d = '', k = 0, i = 0; i < m; i++) {
			v = val(i, s.key);
			if (v === null)
				k = 0;
			else
				d += (k++ === 0 ? 'M' : 'L') + X(i) + ' ' +
				    Y(v);
		}
		if (d !== '')
			svg(c.svg, 'path', { d: d, 'class': 'line ' + s.cls });
	});
}

/* a chart over the svg of that id, its legend in the figure's .legend */
function chart(id, series, stack, fmt) {
	var c = { svg: byId(id), series: series, stack: stack, fmt: fmt };
	var ul = c.svg.parentNode.querySelector('.legend');

	series.forEach(function (s) {
		var li = add(ul, 'li');

		add(li, 'span', 'swatch ' + s.cls);
		add(li, 'span', 'name', s.name);
		s.val = add(li, 'span', 'val', '–');
	});
	charts.push(c);
}

function drawAll() {
	var h = history.length > 0 ? history[history.length - 1] : {};

	charts.forEach(function (c) {
		draw(c);
		c.series.forEach(function (s) {
			s.val.textContent = c.fmt(h[s.key]);
		});
	});
}

/* ---- the top-N tables, one per panel ---- */

/* the snapshot's panels: [{name, keys, total, top, count}]; count: keys
 * held, when known */
function panelsOf(s) {
	var k;

	if (Array.isArray(s.panels))
		return s.panels.filter(isObj).map(function (p) {
			var top = Array.isArray(p.top) ? p.top : [];
			var keys = Array.isArray(p.keys) ? p.keys.map(String) :
			    keysOf(p.total || top[0]);

			return { name: p.name !== undefined ? String(p.name) :
			    keys.join(','), keys: keys, count: p.count,
			    total: isObj(p.total) ? p.total : null, top: top };
		});
	k = keysOf(s.total || (s.top || [])[0]);
	return [{ name: k.join(',') || 'all', keys: k, count: s.keys,
	    total: isObj(s.total) ? s.total : null,
	    top: Array.isArray(s.top) ? s.top : [] }];
}

/* a panel's section, made the first time its name is seen */
function panelOf(name) {
	var p = panels.get(name), head, label, table;

	if (p !== undefined) return p;
	p = { name: name, sort: null, desc: true, sig: '', data: null };
	p.sec = el('section', 'panel card');
	p.sec.setAttribute('data-panel', name);
	head = add(p.sec, 'div', 'card-head');
	add(head, 'h2', null, name);
	p.count = add(head, 'span', 'muted');
	label = add(head, 'label', 'filter');
	add(label, 'span', 'sr', 'filter ' + name);
	p.filter = add(label, 'input');
	p.filter.type = 'search';
	p.filter.id = 'filter-' + name;
	p.filter.setAttribute('placeholder', 'filter ' + name + '…');
	p.filter.setAttribute('autocomplete', 'off');
	p.filter.addEventListener('input', function () { rows(p); });
	table = add(add(p.sec, 'div', 'scroll'), 'table');
	p.thead = add(table, 'thead');
	p.tbody = add(table, 'tbody');
	panels.set(name, p);
	return p;
}

/* the head row (a sort button per column) and the total row under it */
function heads(p) {
	var tr = el('tr');

	clear(p.thead);
	p.columns.forEach(function (c) {
		var th = add(tr, 'th', c.key ? 'key' : 'num');
		var b = add(th, 'button', 'sort', c.key ? c.name :
		    HEADS[c.name] || c.name);

		b.type = 'button';
		if (TITLES[c.name]) b.setAttribute('title', TITLES[c.name]);
		b.addEventListener('click', function () {
			if (p.sort === c.name)
				p.desc = !p.desc;
			else {			/* numbers: largest first */
				p.sort = c.name;
				p.desc = !c.key;
			}
			rows(p);
		});
		c.th = th;
	});
	p.thead.appendChild(tr);
	p.totalRow = add(p.thead, 'tr', 'total');
}

/* a cell of column c of row; the hits cell gets a bar (no text) */
function cell(tr, c, row, maxhits) {
	var v = row ? row[c.name] : null, t, td;

	if (c.key) {
		t = keyText(v);
		td = add(tr, 'td', t === null ? 'key none' : 'key',
		    t === null ? '–' : t);
		if (t !== null) td.setAttribute('title', t);
		return td;
	}
	td = add(tr, 'td', c.name === 'hits' ? 'num hits' : 'num m-' + c.name,
	    fmtMetric(c.name, v));
	if (!absent(v))
		td.setAttribute('title', c.name === 'bytes' ? v + ' bytes' :
		    String(v));
	if (/^(5xx|5xx_ratio|err)$/.test(c.name) && v > 0)
		td.classList.add('warn');
	if (c.name === 'hits' && maxhits > 0 && !absent(v))
		add(td, 'span', 'bar').style.width =
		    Math.max(1, 100 * v / maxhits).toFixed(1) + '%';
	return td;
}

/* list sorted on column col: absent values last, ties in the server's
 * order (Array sort is stable) */
function sorted(list, col, desc) {
	var sign = desc ? -1 : 1;

	return list.slice().sort(function (a, b) {
		var x = a[col], y = b[col], nx = x === null || x === undefined;
		var ny = y === null || y === undefined;

		if (nx || ny) return nx - ny;
		if (typeof x !== typeof y) {
			x = String(x);
			y = String(y);
		}
		return x < y ? -sign : x > y ? sign : 0;
	});
}

/* the rows: filtered (a substring of a key field, any case), sorted */
function rows(p) {
	var q = p.filter.value.trim().toLowerCase(), d = p.data, maxhits = 0;
	var list, tr;

	list = d.top.filter(function (r) {
		return isObj(r) && (q === '' || d.keys.some(function (k) {
			var t = keyText(r[k]);

			return t !== null && t.toLowerCase().indexOf(q) >= 0;
		}));
	});
	if (p.sort !== null) list = sorted(list, p.sort, p.desc);
	list.forEach(function (r) {
		if (r.hits > maxhits) maxhits = r.hits;
	});
	p.columns.forEach(function (c) {
		c.th.classList.toggle('asc', p.sort === c.name && !p.desc);
		c.th.classList.toggle('desc', p.sort === c.name && p.desc);
		c.th.setAttribute('aria-sort', p.sort !== c.name ? 'none' :
		    p.desc ? 'descending' : 'ascending');
	});
	clear(p.tbody);
	list.forEach(function (r) {
		tr = add(p.tbody, 'tr');
		p.columns.forEach(function (c) {
			cell(tr, c, r, maxhits);
		});
	});
	if (list.length === 0)
		add(add(p.tbody, 'tr', 'empty'), 'td', 'muted', q === '' ?
		    'no keys yet' : 'no key matches').colSpan =
		    p.columns.length;
	clear(p.totalRow);
	p.columns.forEach(function (c, i) {
		if (c.key)
			add(p.totalRow, 'td', 'key', i === 0 ? 'total' : '');
		else	/* the tests' td.hits are the keys' rows only */
			cell(p.totalRow, c, d.total, 0).classList
			    .remove('hits');
	});
	/* "top 20 of 1368 keys", or "3 match in top 20" */
	p.count.textContent = q !== '' ? list.length + ' match in top ' +
	    d.top.length : d.count > d.top.length ? 'top ' + d.top.length +
	    ' of ' + d.count + ' keys' : d.top.length + ' keys';
}

function tables(s) {
	var box = byId('panels'), seen = new Set();

	panelsOf(s).forEach(function (d) {
		var p = panelOf(d.name), all = d.top.concat([d.total]), cols;
		var sig;

		seen.add(d.name);
		cols = d.keys.map(function (k) {
			return { name: k, key: true };
		});
		METRICS.forEach(function (m) {
			if (m !== 'visitors' || all.some(function (r) {
				return isObj(r) && r.visitors !== undefined;
			}))
				cols.push({ name: m, key: false });
		});
		sig = JSON.stringify(cols);
		p.data = d;
		if (sig !== p.sig) {
			p.sig = sig;
			p.columns = cols;
			heads(p);
		}
		rows(p);
		box.appendChild(p.sec);		/* in the snapshot's order */
	});
	panels.forEach(function (p, name) {
		if (!seen.has(name)) {
			box.removeChild(p.sec);
			panels.delete(name);
		}
	});
	box.classList.toggle('many', panels.size > 1);
}

/* ---- the senders (with --listen) ---- */

function senders(s) {
	var sec = byId('senders'), dl = byId('listen'), tr;
	var thead = sec.querySelector('thead');
	var tbody = sec.querySelector('tbody');
	var list = Array.isArray(s.senders) ? s.senders.filter(isObj) : null;

	sec.hidden = list === null;
	if (list === null) return;
	clear(thead);
	tr = add(thead, 'tr');
	SENDERCOLS.forEach(function (c) {
		add(tr, 'th', SENDERTEXT[c] || c === 'last' ? 'key' : 'num', c);
	});
	clear(tbody);
	list.forEach(function (r) {
		tr = add(tbody, 'tr');
		SENDERCOLS.forEach(function (c) {
			var v = r[c], t = keyText(v), td;

			if (SENDERTEXT[c]) {
				td = add(tr, 'td', 'key',
				    t === null ? '–' : t);
				if (t !== null) td.setAttribute('title', t);
			} else if (c === 'last') {
				add(tr, 'td', 'key', fmtTime(v, true))
				    .setAttribute('title', fmtTime(v));
			} else {
				td = add(tr, 'td', 'num s-' + c, fmtInt(v));
				if (SENDERWARN[c] && v > 0)
					td.classList.add('warn');
			}
		});
	});
	byId('senders-count').textContent = fmtInt(absent(s.senders_count) ?
	    list.length : s.senders_count) + ' heard from';
	clear(dl);
	LISTEN.forEach(function (k) {
		var div;

		if (absent(s[k])) return;
		div = add(dl, 'div', 'fig');
		add(div, 'dt', null, k);
		add(div, 'dd', LISTENWARN[k] && s[k] > 0 ? 'warn' : null,
		    fmtInt(s[k]));
	});
}

/* ---- the alerts ---- */

/* an event's key: its members other than event, rule, value and time */
function eventKey(e) {
	var k, t, parts = [], site = true;

	for (k in e) {
		if (/^(event|rule|value|time|panel)$/.test(k)) continue;
		t = keyText(e[k]);
		if (t !== null) site = false;
		parts.push(t === null ? '–' : t);
	}
	if (site) return '(site)';
	/* a key of a panel but the first: "NAME: key", as omph-top shows it */
	if (typeof e.panel === 'string' && e.panel !== firstPanel)
		return e.panel + ': ' + parts.join(' ');
	return parts.join(' ');
}

/* the alert of event e's rule and key; made if need be */
function alertOf(e) {
	var key = eventKey(e), id = String(e.rule) + '\u0000' + key;
	var a = alerts.get(id);

	if (a === undefined) {
		a = { id: id, rule: String(e.rule), key: key, active: false,
		    cleared: false, since: null, until: null, value: null,
		    changed: 0, seen: -1 };
		alerts.set(id, a);
	}
	a.value = e.value;
	return a;
}

function raise(a, at) {
	a.active = true;
	a.cleared = false;
	a.since = at;
	a.until = null;
	a.changed = ++changes;
}

/* a resolves; one cleared while active goes */
function resolve(a, at) {
	if (a.cleared) {
		alerts.delete(a.id);
		return;
	}
	a.active = false;
	a.until = at;
	a.changed = ++changes;
}

function applyAlerts(s, replay) {
	var ev = Array.isArray(s.events) && !replay ? s.events : [];
	var act = Array.isArray(s.active) ? s.active : [];
	var all;

	ev.filter(isObj).forEach(function (e) {
		var a;

		if (e.event === 'raise') {
			a = alertOf(e);
			if (!a.active) raise(a, e.time);
		} else if (e.event === 'resolve') {
			a = alertOf(e);
			if (a.active)
				resolve(a, e.time);
			else if (a.until === null) {
				/* raised before we looked */
				a.until = e.time;
				a.changed = ++changes;
			}
		}
	});
	act.filter(isObj).forEach(function (e) {
		var a = alertOf(e);

		if (!a.active) raise(a, e.time);
		a.since = e.time;
		a.seen = received;
	});
	alerts.forEach(function (a) {
		if (a.active && a.seen !== received) resolve(a, s.time);
	});
	if (alerts.size <= MAXALERTS) return;
	/* too many: the oldest resolved go, then the oldest */
	all = Array.from(alerts.values()).sort(function (a, b) {
		return (a.active - b.active) || (a.changed - b.changed);
	});
	while (alerts.size > MAXALERTS)
		alerts.delete(all.shift().id);
}

/* clear the alerts of key, or all (key null), as omph-top's c and C */
function clearAlerts(key) {
	alerts.forEach(function (a) {
		if (key !== null && a.key !== key) return;
		if (a.active)
			a.cleared = true;
		else
			alerts.delete(a.id);
	});
	showAlerts();
}

/* active first, then cleared, then resolved; newest first in each */
function showAlerts() {
	var ul = byId('alerts-list'), nact = 0, list;

	list = Array.from(alerts.values()).sort(function (a, b) {
		var ka = a.active ? (a.cleared ? 1 : 0) : 2;
		var kb = b.active ? (b.cleared ? 1 : 0) : 2;

		return ka - kb || b.changed - a.changed;
	});
	clear(ul);
	list.forEach(function (a) {
		var state = a.active ? (a.cleared ? 'cleared' : 'active') :
		    'resolved';
		var li = add(ul, 'li', 'alert ' + state), b;

		nact += a.active ? 1 : 0;
		add(li, 'span', 'state', state === 'active' ? 'ACTIVE' : state);
		add(li, 'span', 'rule', a.rule);
		add(li, 'span', 'akey', a.key).setAttribute('title', a.key);
		add(li, 'span', 'value', fmt3(a.value));
		add(li, 'span', 'when', [a.since ? 'since ' +
		    fmtTime(a.since) : '', a.until ? 'until ' +
		    fmtTime(a.until) : ''].join(' ').trim());
		b = add(li, 'button', 'btn small', 'clear');
		b.type = 'button';
		b.setAttribute('title', 'clear the alerts of ' + a.key);
		b.addEventListener('click', function () {
			clearAlerts(a.key);
		});
	});
	byId('alerts-count').textContent = alerts.size === 0 ? 'none' :
	    nact + ' active, ' + (alerts.size - nact) + ' resolved';
	byId('alerts-clear').disabled = alerts.size === 0;
	byId('alerts').classList.toggle('firing', list.some(function (a) {
		return a.active && !a.cleared;
	}));
}

/* ---- a snapshot ---- */

function same(a, b) {
	return a !== null && a.time === b.time && a.records === b.records &&
	    a.late === b.late && a.bad === b.bad && a.evicted === b.evicted &&
	    a.keys === b.keys &&
	    (a.events || []).length === (b.events || []).length;
}

function apply(s) {
	var replay, t;

	if (!isObj(s)) return;
	received++;
	replay = same(last, s);
	if (!replay) {
		t = isObj(s.total) ? s.total : {};
		history.push({ time: s.time, rate: t.rate, '2xx': t['2xx'],
		    '3xx': t['3xx'], '4xx': t['4xx'], '5xx': t['5xx'],
		    p50: t.p50, p90: t.p90, p99: t.p99 });
		if (history.length > HISTORY)
			history.splice(0, history.length - HISTORY);
	}
	last = s;
	if (Array.isArray(s.panels) && isObj(s.panels[0]))
		firstPanel = String(s.panels[0].name);
	figures(s);
	tables(s);
	senders(s);
	applyAlerts(s, replay);
	showAlerts();
	drawAll();
	document.body.setAttribute('data-updated', String(received));
}

function parse(text) {
	var s;

	try {
		s = JSON.parse(text);
	} catch (e) {
		return;		/* not JSON: dropped */
	}
	apply(s);
}

/* ---- the connection ---- */

function conn(state, text) {
	var e = byId('status-conn');

	e.className = 'conn ' + state;
	e.textContent = text;
}

function fetchSnapshot() {
	fetch('/api/snapshot', { cache: 'no-store' }).then(function (r) {
		return r.ok ? r.text() : null;
	}).then(function (t) {
		if (t) parse(t);
	}).catch(function () {
	});
}

function connect() {
	var es = new EventSource('/api/stream');

	es.onopen = function () {
		retry = 1000;
		conn('live', 'live');
		if (lost) fetchSnapshot();
		lost = false;
	};
	es.onmessage = function (e) {
		parse(e.data);
	};
	es.addEventListener('snapshot', function (e) {
		parse(e.data);
	});
	es.onerror = function () {
		lost = true;
		conn('lost', 'reconnecting…');
		if (es.readyState !== EventSource.CLOSED) return;
		/* given up: we try again, later and later */
		es.close();
		setTimeout(function () {
			fetchSnapshot();
			connect();
		}, retry);
		retry = Math.min(retry * 2, 30000);
	};
}

function start() {
	var pending = false;

	chart('chart-rate', [{ key: 'rate', name: 'hits/s', cls: 's-rate' }],
	    true, fmt3);
	chart('chart-status', ['2xx', '3xx', '4xx', '5xx'].map(function (k) {
		return { key: k, name: k, cls: 's-' + k };
	}), true, fmt3);
	chart('chart-latency', ['p50', 'p90', 'p99'].map(function (k) {
		return { key: k, name: k, cls: 's-' + k };
	}), false, fmtSec);
	byId('alerts-clear').addEventListener('click', function () {
		clearAlerts(null);
	});
	window.addEventListener('resize', function () {
		if (pending) return;
		pending = true;
		window.requestAnimationFrame(function () {
			pending = false;
			drawAll();
		});
	});
	showAlerts();
	drawAll();
	fetchSnapshot();
	connect();
}

if (document.readyState === 'loading')
	document.addEventListener('DOMContentLoaded', start);
else
	start();
}());
