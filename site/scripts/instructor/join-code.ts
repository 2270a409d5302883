// Fills a JoinCode component: the grouped code (spelled out for screen readers) and the join link.
import { groupedCode, joinLink, spelledCode } from './format.ts';

export function showJoinCode(root: HTMLElement, code: string, lessons: string[]): void {
  const value = root.querySelector('[data-code-value]') as HTMLElement;
  const link = root.querySelector('[data-join-link]') as HTMLAnchorElement;
  const copy = root.querySelector('[data-copy-link]') as HTMLButtonElement;
  const status = root.querySelector('[data-copy-status]') as HTMLElement;
  value.textContent = groupedCode(code);
  value.dataset.code = code;
  value.setAttribute('aria-label', spelledCode(code));
  const url = joinLink(code, lessons);
  link.href = url;
  link.textContent = url;
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
