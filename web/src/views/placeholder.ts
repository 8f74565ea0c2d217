import { el } from '../dom.js';
import type { View } from '../view.js';

/** A view not built yet: says so, and is ready at once. */
export function placeholder(name: string, nav: string | null, title: string): View {
  return {
    name,
    nav,
    title,
    render({ root }) {
      root.append(el('h1', null, title), el('p', { class: 'muted' }, 'This view is coming.'));
      return Promise.resolve();
    },
  };
}
