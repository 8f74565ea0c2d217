/**
 * The page: a nav bar and one view at a time, chosen by the hash (`#/overview?window=7d`). Each render
 * gets an AbortSignal so a slow answer for a view the user already left never lands on the page.
 */
import './styles.css';
import { el, replace } from './dom.js';
import { hrefOf, parseHash } from './route.js';
import { viewerZone } from './time.js';
import { errorBox, type View } from './view.js';
import { searchForm } from './views/ledgerBits.js';
import { DEFAULT_VIEW, VIEWS } from './views/registry.js';

const byName = new Map<string, View>(VIEWS.map((v) => [v.name, v]));
let current: AbortController | null = null;

function navBar(active: string): HTMLElement {
  return el(
    'nav',
    { class: 'nav', 'aria-label': 'views' },
    el('a', { class: 'brand', href: hrefOf(DEFAULT_VIEW) }, 'ACS Email ledger'),
    VIEWS.filter((v) => v.nav !== null).map((v) => el('a', { href: hrefOf(v.name), class: v.name === active ? 'active' : null, 'data-nav': v.name }, v.nav ?? v.name)),
    searchForm('', { 'data-search': 'nav' }, 'id or address'),
    el('span', { class: 'zone muted', title: 'hover a time for UTC' }, `Times in ${viewerZone()}`),
  );
}

function render(): void {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const route = parseHash(window.location.hash);
  const view = byName.get(route.view);
  if (view === undefined) {
    window.location.replace(hrefOf(DEFAULT_VIEW));
    return;
  }
  const app = document.getElementById('app');
  if (app === null) return;
  const root = el('main', { class: 'view', 'data-view': view.name });
  replace(app, navBar(view.nav === null ? '' : view.name), root);
  document.title = `${view.title} · ACS Email ledger`;
  view.render({ route, root, signal: controller.signal }).then(
    () => {
      if (!controller.signal.aborted) root.setAttribute('data-ready', 'true');
    },
    (error: unknown) => {
      if (controller.signal.aborted) return;
      root.append(errorBox(error, render));
      root.setAttribute('data-failed', 'true');
    },
  );
}

window.addEventListener('hashchange', render);
render();
