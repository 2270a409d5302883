// <dockhand-code>: a code block as the shared renderer (sandbox-server/course/render.ts) writes it.
// Copy copies the block's text; Run fires a bubbling `code-run` event for whoever owns the terminals,
// which types it into the block's terminal (after Ctrl-C when the block is marked interrupt) and says
// whether it could by setting `ran` (and why not in `why`). A block wider than its column scrolls, and
// can then be focused, so keyboard users can scroll it too.

export type CodeRunEvent = CustomEvent<{
  terminal: number;
  command: string;
  interrupt: boolean;
  /** The Run button, where the focus may return from the terminal. */
  button: HTMLButtonElement;
  ran: boolean;
  why: string;
}>;

const scrollables = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const pre = target as HTMLElement;
    if (pre.scrollWidth > pre.clientWidth) pre.tabIndex = 0;
    else pre.removeAttribute('tabindex');
  }
});

export class CodeBlockElement extends HTMLElement {
  disconnectedCallback(): void {
    const pre = this.querySelector('pre');
    if (pre) scrollables.unobserve(pre);
  }

  connectedCallback(): void {
    const pre = this.querySelector('pre');
    if (pre) scrollables.observe(pre);
    // "Run" and "Copy" say what they run or copy: a page has dozens, and a list of buttons must tell them apart.
    const what = summary(this.dataset.code ?? '');
    for (const button of this.querySelectorAll<HTMLButtonElement>('[data-code-action]')) {
      button.setAttribute('aria-label', `${button.textContent?.trim()}: ${what}`);
    }
    this.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-code-action]');
      if (!button) return;
      const code = this.dataset.code ?? '';
      if (button.dataset.codeAction === 'copy') return void copy(code).then((copied) => flash(button, copied ? 'Copied' : 'Copy failed'));
      if (button.dataset.codeAction === 'run') {
        const detail = {
          terminal: Number(this.dataset.terminal) || 1,
          command: code,
          interrupt: this.hasAttribute('data-interrupt'),
          button,
          ran: false,
          why: 'No sandbox yet',
        };
        this.dispatchEvent(new CustomEvent('code-run', { bubbles: true, detail }));
        flash(button, detail.ran ? 'Sent' : detail.why);
      }
    });
  }
}

if (!customElements.get('dockhand-code')) customElements.define('dockhand-code', CodeBlockElement);

/** The Clipboard API needs a secure context (https or localhost): a workshop on a LAN address has none. */
async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

/** A block's first line, short enough for a button's name. */
function summary(code: string): string {
  const lines = code.trim().split('\n');
  const first = lines[0] ?? '';
  return first.length > 60 ? `${first.slice(0, 59)}…` : lines.length > 1 ? `${first} …` : first;
}

/** Says what happened on the button itself for a moment (and to screen readers, via its name). */
function flash(button: HTMLButtonElement, message: string): void {
  const label = button.dataset.label ?? button.textContent ?? '';
  const name = button.dataset.name ?? button.getAttribute('aria-label') ?? '';
  button.dataset.label = label;
  button.dataset.name = name;
  button.textContent = message;
  button.setAttribute('aria-label', message);
  setTimeout(() => {
    button.textContent = label;
    button.setAttribute('aria-label', name);
  }, 1500);
}
