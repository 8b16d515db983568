/**
 * The review page's inline CSS and script (see html-page.ts). Plain ES2017 for any browser; the
 * script reads the models from `#review-data` and builds the side panel with `textContent`
 * only, so no name from a definition is ever parsed as HTML.
 */

/** The page's style sheet. */
export const pageStyle = `
:root { color-scheme: light; --line: #b8c0cc; --muted: #5b6472; --accent: #2457c5; --pick: #fff4c2; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f7f8fa; }
header { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; padding: 0.5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1rem; margin: 0; }
nav a { color: var(--accent); margin-right: 0.6rem; text-decoration: none; }
.controls { margin-left: auto; display: flex; gap: 0.4rem; }
button { font: inherit; cursor: pointer; }
.controls button { padding: 0.2rem 0.6rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 24rem; gap: 1rem; padding: 1rem; align-items: start; }
aside { position: sticky; top: 4rem; max-height: calc(100vh - 5rem); overflow: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; }
aside h3 { margin: 0 0 0.25rem; font-size: 1rem; }
aside h4 { margin: 0.8rem 0 0.2rem; font-size: 0.85rem; text-transform: uppercase; color: var(--muted); }
aside ul { margin: 0; padding-left: 1.1rem; }
aside li { margin: 0.15rem 0; }
aside code, .facts { font-family: ui-monospace, monospace; font-size: 0.85rem; }
.hint, .none { color: var(--muted); }
.goto { border: none; background: none; padding: 0; color: var(--accent); text-decoration: underline; font-family: ui-monospace, monospace; font-size: 0.85rem; }
section, .state { scroll-margin-top: 4rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem 1rem; margin-bottom: 1rem; }
section h2 { font-size: 1rem; margin: 0.3rem 0 0.6rem; }
section h2 small { color: var(--muted); font-weight: normal; }
.diagram { overflow: auto; }
.diagram svg { max-width: 100%; height: auto; }
.state { border: 1px solid var(--line); border-radius: 8px; padding: 0.25rem 0.5rem; margin: 0.3rem 0; background: #fff; }
.state.k-final { border-width: 3px; border-style: double; }
.state.k-history { border-style: dashed; }
.state.selected { background: var(--pick); border-color: #c9a300; }
.head { display: flex; align-items: center; gap: 0.35rem; }
.toggle, .leaf { width: 1.2rem; height: 1.2rem; flex: none; border: none; background: none; padding: 0; }
.toggle::before { content: "\\25BE"; }
.toggle[aria-expanded="false"]::before { content: "\\25B8"; }
.pick { border: none; background: none; padding: 0; font-weight: 600; text-align: left; }
.pick:hover { text-decoration: underline; }
.badge { font-size: 0.75rem; color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 0.3rem; }
.facts { list-style: none; margin: 0.1rem 0 0.2rem 1.6rem; padding: 0; color: var(--muted); }
.children { margin-left: 1.2rem; }
.children.regions { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.children.regions > .state { border-style: dashed; flex: 1 1 14rem; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } aside { position: static; max-height: none; } }
`;

/** The page's script: collapse and expand, expand all / collapse all, and the side panel. */
export const pageScript = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('review-data').textContent);
  var panel = document.getElementById('panel');
  var indexes = data.machines.map(function (m) {
    var byId = {};
    m.states.forEach(function (s, i) { byId[s.id] = i; });
    return byId;
  });
  function toggleOf(box) { return box.querySelector(':scope > .head > .toggle'); }
  function setOpen(box, open) {
    var t = toggleOf(box);
    var c = box.querySelector(':scope > .children');
    if (!t || !c) return;
    t.setAttribute('aria-expanded', String(open));
    c.hidden = !open;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function short(m, id) {
    var root = data.machines[m].id;
    return id === root ? root : id.indexOf(root + '.') === 0 ? id.slice(root.length + 1) : id;
  }
  function goto(m, id) {
    var b = el('button', 'goto', short(m, id));
    b.type = 'button';
    b.setAttribute('data-pick', 'st-' + m + '-' + indexes[m][id]);
    return b;
  }
  function list(title, items) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el('h4', '', title));
    if (items.length === 0) { frag.appendChild(el('p', 'none', 'none')); return frag; }
    var ul = el('ul');
    items.forEach(function (it) { ul.appendChild(it); });
    frag.appendChild(ul);
    return frag;
  }
  function transitionItem(m, t) {
    var li = el('li', 'transition');
    li.appendChild(el('code', 'label', t.label));
    if (t.targets.length === 0) li.appendChild(el('span', 'none', ' (stays)'));
    t.targets.forEach(function (id) { li.appendChild(document.createTextNode(' \\u2192 ')); li.appendChild(goto(m, id)); });
    if (t.actions.length > 0) li.appendChild(el('span', 'actions', ' / ' + t.actions.join(', ')));
    return li;
  }
  function show(m, s) {
    var machine = data.machines[m];
    var state = machine.states[s];
    var own = machine.transitions.filter(function (t) { return t.source === state.id; });
    var invoked = {};
    state.invoke.forEach(function (inv) { invoked[inv.id] = true; });
    panel.textContent = '';
    panel.appendChild(el('h3', '', state.key));
    panel.appendChild(el('code', 'state-id', state.id));
    var kind = state.type + (state.history ? ' (' + state.history + ')' : '');
    panel.appendChild(el('p', 'kind', machine.name + ' \\u00b7 ' + kind));
    if (state.description) panel.appendChild(el('p', 'description', state.description));
    if (state.tags.length > 0) panel.appendChild(el('p', 'tags', 'tags: ' + state.tags.join(', ')));
    panel.appendChild(list('Transitions', own.filter(function (t) { return !invoked[t.invokeId]; }).map(function (t) { return transitionItem(m, t); })));
    panel.appendChild(list('Invoked actors', state.invoke.map(function (inv) {
      var li = el('li', 'invoke');
      li.appendChild(el('code', '', inv.src));
      li.appendChild(el('span', 'none', ' (id ' + inv.id + ')'));
      var ul = el('ul');
      own.filter(function (t) { return t.invokeId === inv.id; }).forEach(function (t) { ul.appendChild(transitionItem(m, t)); });
      if (ul.childNodes.length > 0) li.appendChild(ul);
      return li;
    })));
    panel.appendChild(list('Entry actions', state.entry.map(function (a) { return el('li', 'action', a); })));
    panel.appendChild(list('Exit actions', state.exit.map(function (a) { return el('li', 'action', a); })));
    var incoming = machine.transitions.filter(function (t) { return t.targets.indexOf(state.id) >= 0; });
    panel.appendChild(list('Entered from', incoming.map(function (t) {
      var li = el('li', 'incoming');
      li.appendChild(goto(m, t.source));
      li.appendChild(el('code', 'label', ' ' + t.label));
      return li;
    })));
  }
  function select(domId) {
    var box = document.getElementById(domId);
    if (!box) return;
    var prev = document.querySelector('.state.selected');
    if (prev) prev.classList.remove('selected');
    box.classList.add('selected');
    for (var up = box.parentElement; up; up = up.parentElement) {
      if (up.classList.contains('state')) setOpen(up, true);
    }
    show(Number(box.getAttribute('data-m')), Number(box.getAttribute('data-s')));
    if (!box.contains(document.activeElement)) box.scrollIntoView({ block: 'nearest' });
  }
  document.addEventListener('click', function (e) {
    var b = e.target instanceof Element ? e.target.closest('button') : null;
    if (!b) return;
    if (b.classList.contains('toggle')) {
      setOpen(b.closest('.state'), b.getAttribute('aria-expanded') !== 'true');
    } else if (b.hasAttribute('data-pick')) {
      select(b.getAttribute('data-pick'));
    } else if (b.hasAttribute('data-all')) {
      var open = b.getAttribute('data-all') === 'expand';
      document.querySelectorAll('.state').forEach(function (box) {
        // Collapse all keeps each machine's root open: its top-level states are the overview.
        setOpen(box, open || !box.parentElement.classList.contains('children'));
      });
    }
  });
})();
`;
