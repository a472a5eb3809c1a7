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
 *    A panel no longer in the snapshot goes; one that stays keeps its
 *    filter and sort.
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
 *    (CLOSED: the server answered an error) a new one is made after a
 *    delay that doubles from 1 s to 30 s.
 *  - Memory: HISTORY snapshots for the charts, MAXALERTS alerts (the
 *    oldest resolved go first); nothing else grows.
 */
(function () {
	'use strict';

	var HISTORY = 300;
	var MAXALERTS = 500;
	var SVGNS = 'http://www.w3.org/2000/svg';
	/* the metric columns, in order; "visitors" only when a row has it */
	var METRICS = ['hits', 'visitors', 'rate', 'bytes', '2xx', '3xx', '4xx',
	    '5xx', '4xx_ratio', '5xx_ratio', 'p50', 'p90', 'p99', 'err'];
	var HEADS = { rate: 'hits/s', '4xx_ratio': '4xx %', '5xx_ratio': '5xx %' };
	var TITLES = {
		hits: 'requests in the window', visitors: 'distinct clients (estimate)',
		rate: 'hits per second', bytes: 'bytes sent',
		'4xx_ratio': 'share of 4xx', '5xx_ratio': 'share of 5xx',
		p50: 'median time taken', p90: '90th percentile of time taken',
		p99: '99th percentile of time taken', err: 'records with no status'
	};
	var SENDERCOLS = ['sender', 'kind', 'addr', 'records', 'messages', 'lost',
	    'repeated', 'reordered', 'bad', 'noschema', 'dup', 'gaps', 'gapbytes',
	    'last'];
	var SENDERWARN = { lost: 1, repeated: 1, dup: 1, gaps: 1, gapbytes: 1 };
	var LISTEN = ['datagrams', 'denied', 'malformed', 'refused', 'conns', 'shed',
	    'timedout', 'dup', 'gaps', 'badorigin', 'streams'];
	var LISTENWARN = { denied: 1, malformed: 1, refused: 1, shed: 1,
	    timedout: 1, dup: 1, gaps: 1, badorigin: 1 };

	var history = [];		/* {time, rate, 2xx.., p50..} per snapshot */
	var last = null;		/* the last snapshot applied */
	var received = 0;		/* snapshots received, replays too */
	var panels = new Map();		/* name -> panel state, see panelOf */
	var alerts = new Map();		/* rule + key -> alert */
	var changes = 0;		/* alerts' change counter, for order */
	var charts = [];
	var source = null, retry = 1000, lost = false;

	/* ---- formatting: text only, "–" for absent ---- */

	function absent(v) {
		return v === null || v === undefined || typeof v !== 'number' ||
		    !isFinite(v);
	}

	/* 3 significant digits, no trailing zeros, whole numbers from 1000 */
	function fmt3(v) {
		if (absent(v))
			return '–';
		if (v === 0)
			return '0';
		if (Math.abs(v) >= 1000)
			return String(Math.round(v));
		return String(parseFloat(v.toPrecision(3)));
	}

	function fmtInt(v) {
		return absent(v) ? '–' : String(Math.round(v));
	}

	function fmtPct(v) {
		return absent(v) ? '–' : fmt3(v * 100) + '%';
	}

	/* seconds, as the log gives time taken */
	function fmtSec(v) {
		if (absent(v))
			return '–';
		if (v !== 0 && Math.abs(v) < 1)
			return fmt3(v * 1000) + ' ms';
		return fmt3(v) + ' s';
	}

	function fmtBytes(v) {
		var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], i = 0;

		if (absent(v))
			return '–';
		while (Math.abs(v) >= 1024 && i < u.length - 1) {
			v /= 1024;
			i++;
		}
		return (i === 0 ? String(v) : fmt3(v)) + ' ' + u[i];
	}

	/* "2015-05-20T21:05:59Z" as "2015-05-20 21:05:59", short: "21:05:59" */
	function fmtTime(t, short) {
		if (typeof t !== 'string')
			return '–';
		if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(t))
			return short ? t.slice(11, 19) : t.slice(0, 10) + ' ' +
			    t.slice(11, 19);
		return t;
	}

	function fmtMetric(m, v) {
		if (m === 'rate')
			return fmt3(v);
		if (m === 'bytes')
			return fmtBytes(v);
		if (m === '4xx_ratio' || m === '5xx_ratio')
			return fmtPct(v);
		if (m === 'p50' || m === 'p90' || m === 'p99')
			return fmtSec(v);
		return fmtInt(v);
	}

	/* ---- the DOM: every element made here, text set as text ---- */

	function el(tag, cls, text) {
		var e = document.createElement(tag);

		if (cls)
			e.className = cls;
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		return e;
	}

	function svg(tag, attrs, parent) {
		var e = document.createElementNS(SVGNS, tag), k;

		for (k in attrs)
			e.setAttribute(k, String(attrs[k]));
		if (parent)
			parent.appendChild(e);
		return e;
	}

	function setText(id, text, title) {
		var e = document.getElementById(id);

		if (e === null)
			return;
		e.textContent = text;
		if (title !== undefined)
			e.setAttribute('title', title);
	}

	function clear(e) {
		while (e.firstChild)
			e.removeChild(e.firstChild);
	}

	/* the value of key field k of a row, as text; null for absent */
	function keyText(v) {
		if (v === null || v === undefined)
			return null;
		return typeof v === 'string' ? v : JSON.stringify(v);
	}

	/* a row's key fields: its members before "hits" */
	function keysOf(row) {
		var k = [], p;

		if (row === null || typeof row !== 'object')
			return k;
		for (p in row) {
			if (p === 'hits')
				break;
			k.push(p);
		}
		return k;
	}

	/* ---- the header figures ---- */

	function figures(s) {
		var t = s.total || {};

		setText('time', fmtTime(s.time), typeof s.time === 'string' ?
		    s.time : '');
		setText('window', absent(s.window) ? '–' : s.window === 0 ? 'all' :
		    s.window + ' s');
		setText('records', fmtInt(s.records));
		setText('rate', fmt3(t.rate), String(t.rate));
		setText('r4xx', fmtPct(t['4xx_ratio']), String(t['4xx_ratio']));
		setText('r5xx', fmtPct(t['5xx_ratio']), String(t['5xx_ratio']));
		setText('p50', fmtSec(t.p50));
		setText('p90', fmtSec(t.p90));
		setText('p99', fmtSec(t.p99));
		setText('bad', fmtInt(s.bad));
		setText('late', fmtInt(s.late));
		setText('keys', fmtInt(s.keys));
		setText('evicted', fmtInt(s.evicted));
		document.getElementById('bad').classList.toggle('warn', s.bad > 0);
		document.getElementById('r5xx').classList.toggle('warn',
		    t['5xx_ratio'] > 0);
		document.getElementById('final').hidden = s.final !== true;
		document.title = 'omph-collect · ' + fmt3(t.rate) + ' hits/s';
	}

	/* ---- the charts: our own SVG ---- */

	/* a round number at least v, for the top of a y axis in 4 steps */
	function nice(v) {
		var steps = [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10], e, i;

		if (!(v > 0))
			return 1;
		e = Math.pow(10, Math.floor(Math.log10(v)));
		for (i = 0; steps[i] * e < v; i++)
			;
		return steps[i] * e;
	}

	/*
	 * A chart: c.series [{key, name}] read from history, stacked areas
	 * (c.stack) or lines broken where a value is absent; the y axis from
	 * 0 with 4 steps in c.fmt, the x axis the snapshots' times.  Drawn at
	 * the element's size (the CSS's), again on resize.
	 */
	function draw(c) {
		var box = c.svg.getBoundingClientRect();
		var W = Math.max(240, Math.floor(box.width));
		var H = Math.max(100, Math.floor(box.height)), L = 56, R = 12, T = 10;
		var B = 24;
		var pw = W - L - R, ph = H - T - B, n = history.length;
		var top = 0, i, j, k, v, sum, y, g, xs, base, pts, d, ymax;

		clear(c.svg);
		c.svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
		for (i = 0; i < n; i++) {
			sum = 0;
			for (j = 0; j < c.series.length; j++) {
				v = history[i][c.series[j].key];
				if (absent(v))
					continue;
				sum = c.stack ? sum + v : Math.max(sum, v);
			}
			top = Math.max(top, sum);
		}
		ymax = nice(top);
		g = svg('g', { 'class': 'axis' }, c.svg);
		for (k = 0; k <= 4; k++) {
			y = T + ph - ph * k / 4;
			svg('line', { x1: L, x2: L + pw, y1: y, y2: y,
			    'class': k === 0 ? 'base' : 'grid' }, g);
			svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' },
			    g).textContent = c.fmt(ymax * k / 4);
		}
		if (n === 0) {
			svg('text', { x: L + pw / 2, y: T + ph / 2,
			    'text-anchor': 'middle', 'class': 'none' },
			    g).textContent = 'waiting for snapshots';
			return;
		}
		/* one snapshot: a flat line across */
		xs = [];
		for (i = 0; i < n; i++)
			xs.push(n === 1 ? L : L + pw * i / (n - 1));
		[0, n > 2 && pw > 360 ? Math.floor((n - 1) / 2) : -1, n - 1].forEach(
		    function (i2, pos) {
			if (i2 < 0 || (pos === 2 && n === 1))
				return;
			svg('text', { x: pos === 0 ? L : pos === 2 ? L + pw : xs[i2],
			    y: H - 6, 'text-anchor': pos === 0 ? 'start' : pos === 2 ?
			    'end' : 'middle' }, g).textContent =
			    fmtTime(history[i2].time, true);
		});
		function X(i3) {
			return n === 1 ? L + pw * i3 : xs[i3];
		}
		function Y(v2) {
			return (T + ph - ph * v2 / ymax).toFixed(1);
		}
		var m = n === 1 ? 2 : n;	/* points drawn */
		function at(i4, key) {
			return history[n === 1 ? 0 : i4][key];
		}
		base = [];
		for (i = 0; i < m; i++)
			base.push(0);
		for (j = 0; j < c.series.length; j++) {
			if (c.stack) {
				pts = [];
				for (i = 0; i < m; i++) {
					v = at(i, c.series[j].key);
					pts.push(X(i).toFixed(1) + ',' + Y(base[i] +
					    (absent(v) ? 0 : v)));
				}
				for (i = m; i-- > 0;) {
					pts.push(X(i).toFixed(1) + ',' + Y(base[i]));
					v = at(i, c.series[j].key);
					base[i] += absent(v) ? 0 : v;
				}
				svg('polygon', { points: pts.join(' '),
				    'class': 'area ' + c.series[j].cls }, c.svg);
				continue;
			}
			d = '';
			for (i = 0, k = 0; i < m; i++) {
				v = at(i, c.series[j].key);
				if (absent(v)) {
					k = 0;
					continue;
				}
				d += (k++ === 0 ? 'M' : 'L') + X(i).toFixed(1) + ' ' + Y(v);
			}
			if (d !== '')
				svg('path', { d: d, 'class': 'line ' + c.series[j].cls },
				    c.svg);
		}
	}

	/* the legend's latest values */
	function legend(c) {
		var h = history.length > 0 ? history[history.length - 1] : {};

		c.series.forEach(function (s) {
			s.val.textContent = c.fmt(h[s.key]);
		});
	}

	function chart(id, series, stack, fmt) {
		var c = { svg: document.getElementById(id), series: series,
		    stack: stack, fmt: fmt };
		var ul = c.svg.parentNode.querySelector('.legend');

		series.forEach(function (s) {
			var li = el('li');

			li.appendChild(el('span', 'swatch ' + s.cls));
			li.appendChild(el('span', 'name', s.name));
			s.val = li.appendChild(el('span', 'val', '–'));
			ul.appendChild(li);
		});
		charts.push(c);
	}

	function drawAll() {
		charts.forEach(function (c) {
			draw(c);
			legend(c);
		});
	}

	/* ---- the top-N tables, one per panel ---- */

	function panelsOf(s) {
		var k;

		if (Array.isArray(s.panels))
			return s.panels.filter(function (p) {
				return p !== null && typeof p === 'object';
			}).map(function (p) {
				var keys = Array.isArray(p.keys) ? p.keys.map(String) :
				    keysOf(p.total || (p.top || [])[0]);

				return { name: String(p.name !== undefined ? p.name :
				    keys.join(',')), keys: keys, total: p.total || null,
				    top: Array.isArray(p.top) ? p.top : [] };
			});
		k = keysOf(s.total || (s.top || [])[0]);
		return [{ name: k.join(',') || 'all', keys: k, total: s.total || null,
		    top: Array.isArray(s.top) ? s.top : [] }];
	}

	/* a panel's section, made the first time its name is seen */
	function panelOf(name) {
		var p = panels.get(name), head, label, wrap, table;

		if (p !== undefined)
			return p;
		p = { name: name, sort: null, desc: true, cols: '', data: null };
		p.sec = el('section', 'panel card');
		p.sec.setAttribute('data-panel', name);
		head = p.sec.appendChild(el('div', 'card-head'));
		head.appendChild(el('h2', null, name));
		p.count = head.appendChild(el('span', 'muted'));
		label = head.appendChild(el('label', 'filter'));
		label.appendChild(el('span', 'sr', 'filter ' + name));
		p.filter = label.appendChild(el('input'));
		p.filter.type = 'search';
		p.filter.id = 'filter-' + name;
		p.filter.setAttribute('placeholder', 'filter ' + name + '…');
		p.filter.setAttribute('autocomplete', 'off');
		p.filter.addEventListener('input', function () {
			rows(p);
		});
		wrap = p.sec.appendChild(el('div', 'scroll'));
		table = wrap.appendChild(el('table'));
		p.thead = table.appendChild(el('thead'));
		p.tbody = table.appendChild(el('tbody'));
		panels.set(name, p);
		return p;
	}

	/* the columns' head, and the total row, when the columns change */
	function heads(p) {
		var tr = el('tr');

		clear(p.thead);
		p.columns.forEach(function (c) {
			var th = el('th', c.key ? 'key' : 'num'), b;

			b = th.appendChild(el('button', 'sort', c.key ? c.name :
			    HEADS[c.name] || c.name));
			b.type = 'button';
			if (TITLES[c.name])
				b.setAttribute('title', TITLES[c.name]);
			b.addEventListener('click', function () {
				if (p.sort === c.name)
					p.desc = !p.desc;
				else {
					p.sort = c.name;
					p.desc = !c.key;	/* numbers: largest first */
				}
				rows(p);
			});
			c.th = th;
			tr.appendChild(th);
		});
		p.thead.appendChild(tr);
		p.totalRow = p.thead.appendChild(el('tr', 'total'));
	}

	function cell(tr, c, row, maxhits) {
		var v = row ? row[c.name] : null, td, bar, t;

		if (c.key) {
			t = keyText(v);
			td = el('td', 'key', t === null ? '–' : t);
			if (t === null)
				td.classList.add('none');
			else
				td.setAttribute('title', t);
			return tr.appendChild(td);
		}
		td = el('td', c.name === 'hits' ? 'num hits' : 'num m-' + c.name,
		    fmtMetric(c.name, v));
		if (!absent(v))
			td.setAttribute('title', c.name === 'bytes' ? v + ' bytes' :
			    String(v));
		if ((c.name === '5xx' || c.name === '5xx_ratio' || c.name === 'err') &&
		    v > 0)
			td.classList.add('warn');
		if (c.name === 'hits' && maxhits > 0 && !absent(v)) {
			/* a bar behind the count; no text of its own */
			bar = td.appendChild(el('span', 'bar'));
			bar.style.width = Math.max(1, 100 * v / maxhits).toFixed(1) + '%';
		}
		return tr.appendChild(td);
	}

	/* the rows: filtered on the key fields, sorted; and the total row */
	function rows(p) {
		var q = p.filter.value.trim().toLowerCase(), list, maxhits = 0, sign;
		var d = p.data;

		list = d.top.filter(function (r) {
			if (r === null || typeof r !== 'object')
				return false;
			if (q === '')
				return true;
			return d.keys.some(function (k) {
				var t = keyText(r[k]);

				return t !== null && t.toLowerCase().indexOf(q) >= 0;
			});
		});
		if (p.sort !== null) {
			sign = p.desc ? -1 : 1;
			/* absent values last either way; ties keep the server's order */
			list = list.map(function (r, i) {
				return { r: r, i: i };
			}).sort(function (a, b) {
				var x = a.r[p.sort], y = b.r[p.sort];

				if (x === null || x === undefined)
					return y === null || y === undefined ? a.i - b.i : 1;
				if (y === null || y === undefined)
					return -1;
				if (typeof x !== typeof y) {
					x = String(x);
					y = String(y);
				}
				return x < y ? -sign : x > y ? sign : a.i - b.i;
			}).map(function (e) {
				return e.r;
			});
		}
		list.forEach(function (r) {
			if (r.hits > maxhits)
				maxhits = r.hits;
		});
		p.columns.forEach(function (c) {
			c.th.classList.toggle('asc', p.sort === c.name && !p.desc);
			c.th.classList.toggle('desc', p.sort === c.name && p.desc);
			c.th.setAttribute('aria-sort', p.sort !== c.name ? 'none' :
			    p.desc ? 'descending' : 'ascending');
		});
		clear(p.tbody);
		list.forEach(function (r) {
			var tr = el('tr');

			p.columns.forEach(function (c) {
				cell(tr, c, r, maxhits);
			});
			p.tbody.appendChild(tr);
		});
		if (list.length === 0) {
			var tr = p.tbody.appendChild(el('tr', 'empty'));
			var td = tr.appendChild(el('td', 'muted', q === '' ? 'no keys yet' :
			    'no key matches'));
			td.colSpan = p.columns.length;
		}
		clear(p.totalRow);
		p.columns.forEach(function (c, i) {
			var td;

			if (c.key) {
				if (i === 0)
					p.totalRow.appendChild(el('td', 'key', 'total'));
				else
					p.totalRow.appendChild(el('td', 'key'));
				return;
			}
			td = cell(p.totalRow, c, d.total, 0);
			td.classList.remove('hits');	/* the test's td.hits: rows only */
		});
		p.count.textContent = (q === '' ? '' : list.length + ' of ') +
		    d.top.length + ' keys';
	}

	function tables(s) {
		var box = document.getElementById('panels'), seen = new Set();

		panelsOf(s).forEach(function (d) {
			var p = panelOf(d.name), cols, sig;
			var all = d.total ? [d.total].concat(d.top) : d.top;

			seen.add(d.name);
			cols = d.keys.map(function (k) {
				return { name: k, key: true };
			});
			METRICS.forEach(function (m) {
				if (m !== 'visitors' || all.some(function (r) {
					return r && r.visitors !== undefined;
				}))
					cols.push({ name: m, key: false });
			});
			sig = JSON.stringify(cols);
			p.data = d;
			if (sig !== p.cols) {
				p.cols = sig;
				p.columns = cols;
				heads(p);
			}
			rows(p);
			box.appendChild(p.sec);	/* in the snapshot's order */
		});
		panels.forEach(function (p, name) {
			if (!seen.has(name)) {
				box.removeChild(p.sec);
				panels.delete(name);
			}
		});
		box.classList.toggle('many', panels.size > 1);
	}

	/* ---- the senders ---- */

	function senders(s) {
		var sec = document.getElementById('senders'), tr, dl;
		var thead = sec.querySelector('thead'), tbody = sec.querySelector('tbody');
		var list = Array.isArray(s.senders) ? s.senders : null;

		sec.hidden = list === null;
		if (list === null)
			return;
		clear(thead);
		tr = thead.appendChild(el('tr'));
		SENDERCOLS.forEach(function (c) {
			tr.appendChild(el('th', c === 'sender' || c === 'kind' ||
			    c === 'addr' || c === 'last' ? 'key' : 'num', c));
		});
		clear(tbody);
		list.forEach(function (r) {
			if (r === null || typeof r !== 'object')
				return;
			tr = tbody.appendChild(el('tr'));
			SENDERCOLS.forEach(function (c) {
				var v = r[c], td;

				if (c === 'sender' || c === 'kind' || c === 'addr') {
					td = el('td', 'key', keyText(v) === null ? '–' : keyText(v));
					if (keyText(v) !== null)
						td.setAttribute('title', keyText(v));
				} else if (c === 'last') {
					td = el('td', 'key', fmtTime(v, true));
					td.setAttribute('title', fmtTime(v));
				} else {
					td = el('td', 'num s-' + c, fmtInt(v));
					if (SENDERWARN[c] && v > 0)
						td.classList.add('warn');
				}
				tr.appendChild(td);
			});
		});
		document.getElementById('senders-count').textContent =
		    fmtInt(absent(s.senders_count) ? list.length : s.senders_count) +
		    ' heard from';
		dl = document.getElementById('listen');
		clear(dl);
		LISTEN.forEach(function (k) {
			var div;

			if (absent(s[k]))
				return;
			div = dl.appendChild(el('div', 'fig'));
			div.appendChild(el('dt', null, k));
			div.appendChild(el('dd', LISTENWARN[k] && s[k] > 0 ? 'warn' : null,
			    fmtInt(s[k])));
		});
	}

	/* ---- the alerts ---- */

	/* an event's key: its members other than event, rule, value, time */
	function eventKey(e) {
		var k, parts = [], site = true;

		for (k in e) {
			if (k === 'event' || k === 'rule' || k === 'value' || k === 'time')
				continue;
			if (e[k] !== null && e[k] !== undefined)
				site = false;
			parts.push(keyText(e[k]) === null ? '–' : keyText(e[k]));
		}
		return site ? '(site)' : parts.join(' ');
	}

	function alertOf(e, make) {
		var key = eventKey(e), id = String(e.rule) + '\u0000' + key;
		var a = alerts.get(id);

		if (a === undefined && make) {
			a = { id: id, rule: String(e.rule), key: key, active: false,
			    cleared: false, since: null, until: null, value: null,
			    changed: 0, seen: -1 };
			alerts.set(id, a);
		}
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
		var ev = Array.isArray(s.events) ? s.events : [];
		var act = Array.isArray(s.active) ? s.active : [];

		ev.forEach(function (e) {
			var a;

			if (replay || e === null || typeof e !== 'object')
				return;
			if (e.event === 'raise') {
				a = alertOf(e, true);
				a.value = e.value;
				if (!a.active)
					raise(a, e.time);
			} else if (e.event === 'resolve') {
				a = alertOf(e, true);
				a.value = e.value;
				if (a.active)
					resolve(a, e.time);
				else if (a.until === null) {
					/* its raise came before we looked */
					a.until = e.time;
					a.changed = ++changes;
				}
			}
		});
		act.forEach(function (e) {
			var a;

			if (e === null || typeof e !== 'object')
				return;
			a = alertOf(e, true);
			if (!a.active)
				raise(a, e.time);
			a.since = e.time;
			a.value = e.value;
			a.seen = received;
		});
		alerts.forEach(function (a) {
			if (a.active && a.seen !== received)
				resolve(a, s.time);
		});
		trimAlerts();
	}

	/* at most MAXALERTS: the oldest resolved go, then the oldest */
	function trimAlerts() {
		var all;

		if (alerts.size <= MAXALERTS)
			return;
		all = Array.from(alerts.values()).sort(function (a, b) {
			return (a.active - b.active) || (a.changed - b.changed);
		});
		while (alerts.size > MAXALERTS)
			alerts.delete(all.shift().id);
	}

	/* clear the alerts of key, or all (key null), as omph-top's c and C */
	function clearAlerts(key) {
		alerts.forEach(function (a) {
			if (key !== null && a.key !== key)
				return;
			if (a.active)
				a.cleared = true;
			else
				alerts.delete(a.id);
		});
		showAlerts();
	}

	/* active first, then cleared, then resolved; newest first */
	function showAlerts() {
		var ul = document.getElementById('alerts-list'), nact = 0, list;

		list = Array.from(alerts.values()).sort(function (a, b) {
			var ka = a.active ? (a.cleared ? 1 : 0) : 2;
			var kb = b.active ? (b.cleared ? 1 : 0) : 2;

			return ka - kb || b.changed - a.changed;
		});
		clear(ul);
		list.forEach(function (a) {
			var state = a.active ? (a.cleared ? 'cleared' : 'active') :
			    'resolved';
			var li = el('li', 'alert ' + state), b, when;

			nact += a.active ? 1 : 0;
			li.appendChild(el('span', 'state', state === 'active' ? 'ACTIVE' :
			    state));
			li.appendChild(el('span', 'rule', a.rule));
			li.appendChild(el('span', 'akey', a.key)).setAttribute('title',
			    a.key);
			li.appendChild(el('span', 'value', fmt3(a.value)));
			when = (a.since ? 'since ' + fmtTime(a.since) : '') +
			    (a.until ? (a.since ? ' until ' : 'until ') +
			    fmtTime(a.until) : '');
			li.appendChild(el('span', 'when', when));
			b = li.appendChild(el('button', 'btn small', 'clear'));
			b.type = 'button';
			b.setAttribute('title', 'clear the alerts of ' + a.key);
			b.addEventListener('click', function () {
				clearAlerts(a.key);
			});
			ul.appendChild(li);
		});
		document.getElementById('alerts-count').textContent = alerts.size ===
		    0 ? 'none' : nact + ' active, ' + (alerts.size - nact) + ' resolved';
		document.getElementById('alerts-clear').disabled = alerts.size === 0;
		document.getElementById('alerts').classList.toggle('firing',
		    list.some(function (a) {
			return a.active && !a.cleared;
		}));
	}

	/* ---- a snapshot ---- */

	function same(a, b) {
		return a !== null && a.time === b.time && a.records === b.records &&
		    a.late === b.late && a.bad === b.bad && a.evicted === b.evicted &&
		    a.keys === b.keys && (a.events || []).length ===
		    (b.events || []).length;
	}

	function apply(s) {
		var replay, t;

		if (s === null || typeof s !== 'object' || Array.isArray(s))
			return;
		received++;
		replay = same(last, s);
		if (!replay) {
			t = s.total || {};
			history.push({ time: s.time, rate: t.rate, '2xx': t['2xx'],
			    '3xx': t['3xx'], '4xx': t['4xx'], '5xx': t['5xx'],
			    p50: t.p50, p90: t.p90, p99: t.p99 });
			if (history.length > HISTORY)
				history.splice(0, history.length - HISTORY);
		}
		last = s;
		figures(s);
		tables(s);
		senders(s);
		applyAlerts(s, replay);
		showAlerts();
		drawAll();
		document.body.setAttribute('data-updated', String(received));
	}

	function parse(text) {
		try {
			apply(JSON.parse(text));
		} catch (e) {
			if (!(e instanceof SyntaxError))
				throw e;
		}
	}

	/* ---- the connection ---- */

	function conn(state, text) {
		var e = document.getElementById('status-conn');

		e.className = 'conn ' + state;
		e.textContent = text;
	}

	function fetchSnapshot() {
		if (!window.fetch)
			return;
		fetch('/api/snapshot', { cache: 'no-store' }).then(function (r) {
			return r.ok ? r.text() : null;
		}).then(function (t) {
			if (t)
				parse(t);
		}).catch(function () {
		});
	}

	function connect() {
		source = new EventSource('/api/stream');
		source.onopen = function () {
			retry = 1000;
			conn('live', 'live');
			if (lost)
				fetchSnapshot();
			lost = false;
		};
		source.onmessage = function (e) {
			parse(e.data);
		};
		source.addEventListener('snapshot', function (e) {
			parse(e.data);
		});
		source.onerror = function () {
			lost = true;
			conn('lost', 'reconnecting…');
			if (source.readyState === EventSource.CLOSED) {
				source.close();
				setTimeout(connect, retry);
				retry = Math.min(retry * 2, 30000);
			}
		};
	}

	function start() {
		var pending = false;

		chart('chart-rate', [{ key: 'rate', name: 'hits/s', cls: 's-rate' }],
		    true, fmt3);
		chart('chart-status', [{ key: '2xx', name: '2xx', cls: 's-2xx' },
		    { key: '3xx', name: '3xx', cls: 's-3xx' },
		    { key: '4xx', name: '4xx', cls: 's-4xx' },
		    { key: '5xx', name: '5xx', cls: 's-5xx' }], true, fmt3);
		chart('chart-latency', [{ key: 'p50', name: 'p50', cls: 's-p50' },
		    { key: 'p90', name: 'p90', cls: 's-p90' },
		    { key: 'p99', name: 'p99', cls: 's-p99' }], false, fmtSec);
		document.getElementById('alerts-clear').addEventListener('click',
		    function () {
			clearAlerts(null);
		});
		window.addEventListener('resize', function () {
			if (pending)
				return;
			pending = true;
			window.requestAnimationFrame(function () {
				pending = false;
				drawAll();
			});
		});
		showAlerts();
		drawAll();
		fetchSnapshot();
		if (window.EventSource)
			connect();
		else
			conn('lost', 'no EventSource');
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
}());
