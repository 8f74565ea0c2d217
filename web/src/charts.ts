/**
 * Chart.js with only what the page draws registered (bars, lines, the category and linear axes,
 * legend, tooltip), so the bundle carries no unused controllers. A click on a bar or point navigates to
 * the list behind it: the caller maps (dataset, index) to a hash link.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration, type ChartType } from 'chart.js';
import { el } from './dom.js';
import { navigate } from './route.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
Chart.defaults.color = '#5f6b7a';
Chart.defaults.animation = false;

/** ACS's delivery statuses, final ones first, each its fixed colour. */
export const STATUS_COLORS: Readonly<Record<string, string>> = {
  Delivered: '#2e9d57',
  Bounced: '#d64545',
  Suppressed: '#8e5bd1',
  Failed: '#a1242b',
  Quarantined: '#e0a100',
  FilteredSpam: '#f07c2b',
  OutForDelivery: '#7aa7d6',
  Expanded: '#a9c4e3',
  '(none)': '#c4ccd6',
};
export const FINAL_STATUSES = ['Delivered', 'Bounced', 'Suppressed', 'Failed', 'Quarantined', 'FilteredSpam'] as const;

const PALETTE = ['#0b5cad', '#2e9d57', '#d64545', '#8e5bd1', '#e0a100', '#17a2b8', '#f07c2b', '#5f6b7a'];
export const paletteColor = (i: number): string => PALETTE[i % PALETTE.length] ?? '#0b5cad';

export type ClickTarget = (datasetIndex: number, index: number) => string | null;

/**
 * A chart in a fixed-height box, destroyed when `signal` aborts (the user left the view). The canvas
 * carries data-chart so tests can find and click it.
 */
export function chartBox<T extends ChartType>(name: string, config: ChartConfiguration<T>, target: ClickTarget, signal: AbortSignal): { box: HTMLElement; chart: Chart<T> } {
  const canvas = el('canvas', { 'data-chart': name, role: 'img', 'aria-label': name });
  const box = el('div', { class: 'chart-box' }, canvas);
  const chart = new Chart<T>(canvas, {
    ...config,
    options: {
      ...config.options,
      responsive: true,
      maintainAspectRatio: false,
      onHover: (event, elements) => {
        const native = event.native?.target;
        if (native instanceof HTMLElement) native.style.cursor = elements.length > 0 ? 'pointer' : 'default';
      },
      onClick: (event, _elements, instance) => {
        const native = event.native;
        if (native === null || native === undefined) return;
        const hit = instance.getElementsAtEventForMode(native, 'nearest', { intersect: true }, true)[0];
        if (hit === undefined) return;
        const href = target(hit.datasetIndex, hit.index);
        if (href !== null) navigate(href);
      },
    },
  } as ChartConfiguration<T>);
  signal.addEventListener('abort', () => chart.destroy(), { once: true });
  return { box, chart };
}
