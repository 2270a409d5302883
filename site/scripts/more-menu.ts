// The workspace's "⋯" button: shows the settings and actions the one-row bar keeps out of the way
// (screen reader mode, another device, end sandbox). Escape or a click elsewhere closes it.
import { part } from './parts.ts';

export function enableMoreMenu(root: HTMLElement): void {
  const toggle = part(root, 'more-toggle', HTMLButtonElement);
  const set = (open: boolean) => {
    root.toggleAttribute('data-open', open);
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', () => set(!root.hasAttribute('data-open')));
  root.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !root.hasAttribute('data-open')) return;
    set(false);
    toggle.focus();
  });
  document.addEventListener('click', (event) => {
    if (!root.contains(event.target as Node)) set(false);
  });
}
