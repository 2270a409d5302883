// Fills a JoinCode component: the grouped code (spelled out for screen readers) and the join link, with a
// warning when that link names this computer only.
import { groupedCode, joinLink, loopbackWarning, spelledCode } from './format.ts';
import type { WorkshopView } from './types.ts';

export function showJoinCode(root: HTMLElement, workshop: WorkshopView): void {
  const { code } = workshop;
  const value = root.querySelector('[data-code-value]') as HTMLElement;
  const link = root.querySelector('[data-join-link]') as HTMLAnchorElement;
  const copy = root.querySelector('[data-copy-link]') as HTMLButtonElement;
  const status = root.querySelector('[data-copy-status]') as HTMLElement;
  const warning = root.querySelector('[data-join-warning]') as HTMLElement;
  value.textContent = groupedCode(code);
  value.dataset.code = code;
  value.setAttribute('aria-label', spelledCode(code));
  const joinUrl = joinLink(workshop);
  const url = joinUrl.toString();
  link.href = url;
  link.textContent = url;
  warning.textContent = loopbackWarning(joinUrl);
  warning.hidden = !warning.textContent;
  status.textContent = '';
  copy.onclick = async () => {
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = 'Copied.';
    } catch {
      // No clipboard outside a secure context (plain http on a room's network): select it instead.
      getSelection()?.selectAllChildren(link);
      status.textContent = 'Selected: press Ctrl+C to copy.';
    }
  };
}
