/*
 * The dashboards in the browser: draws each chart of the page from the chart API (vega-embed, with Vega's expression
 * interpreter: the page's Content-Security-Policy has no unsafe-eval), builds each chart's table view from the same
 * rows as its CSV, and keeps the filter bar's state in the URL: a change redraws the tiles and charts in place and
 * pushes the new address, so a view can be bookmarked and shared. Without scripts, the filter form still works.
 */
(function () {
  'use strict';
  var root = document.querySelector('.dashboard');
  var views = new Map();

  /* ---- the session line of the masthead ---- */
  var session = document.getElementById('session');
  // who is looking: signed in or not, and whether supplier-level charts are theirs to see (asked once per page)
  var who = fetch('/dashboards/session', { credentials: 'same-origin' })
    .then(function (r) { return r.ok ? r.json() : { signed_in: false, supplier_data: false }; })
    .catch(function () { return { signed_in: false, supplier_data: false }; });
  if (session) {
    who
      .then(function (s) {
        if (!s || !s.signed_in) {
          session.innerHTML = '';
          var a = document.createElement('a');
          a.href = '/dashboards/sign-in?next=' + encodeURIComponent(location.pathname + location.search);
          a.textContent = 'Sign in with a key';
          session.appendChild(a);
          return;
        }
        session.innerHTML = '';
        var form = document.createElement('form');
        form.method = 'post';
        form.action = '/dashboards/sign-out';
        var label = document.createElement('span');
        label.textContent = 'Signed in (' + s.role + ', ' + s.prefix + ') ';
        var button = document.createElement('button');
        button.type = 'submit';
        button.className = 'link-button';
        button.textContent = 'Sign out';
        form.appendChild(label);
        form.appendChild(button);
        session.appendChild(form);
      })
      .catch(function () { /* the line keeps its sign-in link */ });
  }

  if (!root) return;

  /* ---- number formats: the same d3-format specifiers as the charts, in en-GB ---- */
  var enGB = d3.formatLocale({ decimal: '.', thousands: ',', grouping: [3], currency: ['£', ''] });
  var formatters = {};
  function format(value, name, formats) {
    if (value === null || value === undefined || value === '') return '–';
    if (typeof value !== 'number' || !name || !formats || !formats[name]) return String(value);
    formatters[name] = formatters[name] || enGB.format(formats[name]);
    return formatters[name](value);
  }

  /* ---- a chart's table view: its rows, its columns, formatted as the chart formats them ---- */
  function tableView(section, spec) {
    var wrap = section.querySelector('.table-wrap');
    var meta = spec.usermeta || {};
    var columns = meta.columns || [];
    var rows = (spec.data && spec.data.values) || [];
    wrap.innerHTML = '';
    if (!meta.columns || rows.length === 0 || rows[0].message !== undefined && columns.every(function (c) { return rows[0][c.field] === undefined; })) {
      var p = document.createElement('p');
      p.textContent = meta.empty || 'No data.';
      wrap.appendChild(p);
      return;
    }
    var table = document.createElement('table');
    var caption = document.createElement('caption');
    caption.textContent = (spec.title && spec.title.text) || '';
    table.appendChild(caption);
    var thead = table.createTHead();
    var hr = thead.insertRow();
    columns.forEach(function (c) {
      var th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c.title;
      if (c.format) th.className = 'num';
      hr.appendChild(th);
    });
    var tbody = table.createTBody();
    rows.forEach(function (r) {
      var tr = tbody.insertRow();
      columns.forEach(function (c) {
        var td = tr.insertCell();
        var text = format(r[c.field], c.format, meta.formats);
        if (c.link && r[c.link.field] !== null && r[c.link.field] !== undefined) {
          var a = document.createElement('a');
          a.href = c.link.prefix + encodeURIComponent(r[c.link.field]);
          a.textContent = text;
          td.appendChild(a);
        } else {
          td.textContent = text;
        }
        if (c.format) td.className = 'num';
      });
    });
    wrap.appendChild(table);
  }

  /*
   * On a narrow screen (a phone), long labels would take the width the chart needs: every label limit is capped to a
   * share of the width (the full names are in the tooltips and the table view).
   */
  var NARROW = 600;
  function narrow(spec, width) {
    if (!width || width >= NARROW) return spec;
    var cap = Math.max(80, Math.round(width * 0.3));
    return JSON.parse(JSON.stringify(spec), function (key, value) {
      return (key === 'labelLimit' || key === 'titleLimit') && typeof value === 'number' && (value === 0 || value > cap) ? cap : value;
    });
  }

  function say(section, text, cls) {
    var body = section.querySelector('.chart__body');
    body.innerHTML = '';
    var p = document.createElement('p');
    p.className = cls || 'chart__message';
    p.textContent = text;
    body.appendChild(p);
  }

  /* ---- draw one chart from its spec URL ---- */
  function draw(section) {
    var url = section.getAttribute('data-spec');
    section.setAttribute('data-state', 'loading');
    section.setAttribute('aria-busy', 'true');
    var supplier = section.getAttribute('data-access') === 'supplier-data';
    return who
      .then(function (s) {
        // a supplier-level chart the visitor may not read is not asked for: the sign-in offer is shown instead
        if (supplier && !s.supplier_data) return { status: s.signed_in ? 403 : 401, body: null };
        return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
          return r.json().then(function (body) { return { status: r.status, body: body }; });
        });
      })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) {
          var locked = section.querySelector('.chart__body');
          locked.innerHTML = '';
          var p = document.createElement('p');
          p.className = 'chart__message';
          p.textContent = res.status === 401 ? 'This chart shows supplier-level data. ' : 'Your key may not read this chart\u2019s data. ';
          if (res.status === 401) {
            var a = document.createElement('a');
            a.href = '/dashboards/sign-in?next=' + encodeURIComponent(location.pathname + location.search + '#' + section.id);
            a.textContent = 'Sign in with a key to see it';
            p.appendChild(a);
          }
          locked.appendChild(p);
          section.querySelector('.chart__table .table-wrap').innerHTML = '';
          section.setAttribute('data-state', 'locked');
          return;
        }
        if (res.status !== 200) {
          say(section, (res.body && res.body.error && res.body.error.message) || 'The chart could not be drawn.', 'chart__message chart__message--error');
          section.setAttribute('data-state', 'error');
          return;
        }
        var spec = res.body;
        var title = section.querySelector('.chart__title');
        var subtitle = section.querySelector('.chart__subtitle');
        if (spec.title) {
          title.textContent = spec.title.text;
          subtitle.textContent = spec.title.subtitle || '';
        }
        tableView(section, spec);
        // the page's heading and subtitle carry the title: the drawing does not repeat it
        var drawn = narrow(Object.assign({}, spec, { title: undefined }), section.querySelector('.chart__body').clientWidth);
        var body = section.querySelector('.chart__body');
        body.innerHTML = '';
        body.setAttribute('role', 'img');
        body.setAttribute('aria-label', spec.description || title.textContent);
        var old = views.get(section.id);
        if (old) old.finalize();
        return vegaEmbed(body, drawn, {
          actions: false,
          renderer: 'svg',
          ast: true,
          expr: vegaInterpreter.expressionInterpreter,
          tooltip: { theme: 'light' },
        }).then(function (result) {
          views.set(section.id, result);
          section.setAttribute('data-state', 'drawn');
        });
      })
      .catch(function (err) {
        say(section, 'The chart could not be drawn: ' + (err && err.message ? err.message : err), 'chart__message chart__message--error');
        section.setAttribute('data-state', 'error');
      })
      .then(function () {
        section.removeAttribute('aria-busy');
      });
  }

  function drawAll() {
    var sections = Array.prototype.slice.call(root.querySelectorAll('section.chart'));
    root.setAttribute('data-state', 'loading');
    return Promise.all(sections.map(draw)).then(function () {
      root.setAttribute('data-state', 'drawn');
    });
  }

  /* ---- the filter bar: state in the URL, redraw in place ---- */
  var form = document.getElementById('filters');
  var subjectParam = root.getAttribute('data-subject-param');
  var subject = root.getAttribute('data-subject');

  function formQuery() {
    var params = new URLSearchParams();
    if (!form) return params;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value) params.append(el.name, el.value);
    });
    return params;
  }

  function withQuery(url, params, keep) {
    var u = new URL(url, location.origin);
    var next = new URLSearchParams();
    if (subjectParam && subject) next.set(subjectParam, subject);
    params.forEach(function (v, k) { if (!keep || keep.has(k)) next.append(k, v); });
    u.search = next.toString();
    return u.pathname + (u.search ? u.search : '');
  }

  function follows(section) {
    // the parameters a chart follows: those its spec URL was rendered with, plus every control of the bar it takes
    var list = section.getAttribute('data-follows');
    return list ? new Set(list.split(',')) : null;
  }

  function apply(params, push) {
    if (push) history.pushState(null, '', location.pathname + (params.toString() ? '?' + params.toString() : ''));
    Array.prototype.forEach.call(root.querySelectorAll('section.chart'), function (section) {
      var keep = follows(section);
      ['data-spec'].forEach(function (attr) { section.setAttribute(attr, withQuery(section.getAttribute(attr), params, keep)); });
      section.querySelector('.dl-spec').href = withQuery(section.querySelector('.dl-spec').getAttribute('href'), params, keep);
      section.querySelector('.dl-svg').href = withQuery(section.querySelector('.dl-svg').getAttribute('href'), params, keep);
      section.querySelector('.dl-csv').href = withQuery(section.querySelector('.dl-csv').getAttribute('href'), params, keep);
    });
    var tiles = root.querySelector('.tiles');
    var api = root.getAttribute('data-api');
    var updates = [drawAll()];
    if (tiles && api) {
      updates.push(
        fetch(withQuery(api, params), { credentials: 'same-origin' })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (view) {
            if (!view) return;
            view.tiles.forEach(function (t) {
              var li = tiles.querySelector('[data-tile="' + t.name + '"] .tile__value');
              if (li) li.textContent = t.display;
            });
          })
      );
    }
    return Promise.all(updates);
  }

  if (form) {
    form.addEventListener('change', function () { apply(formQuery(), true); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      apply(formQuery(), true);
    });
    window.addEventListener('popstate', function () {
      var params = new URLSearchParams(location.search);
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name) el.value = params.get(el.name) || '';
      });
      apply(formQuery(), false);
    });
  }

  drawAll();
})();
