// Code blocks (rendered by sandbox-server/course/render.ts): Copy copies the block's text; Run types it
// into the block's terminal and presses Enter, after Ctrl-C when the block is marked interrupt.

export type RunCommand = (terminal: number, command: string, interrupt: boolean) => boolean;

export function enableCodeBlocks(root: HTMLElement, run: RunCommand): void {
  root.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-code-action]');
    const block = button?.closest<HTMLElement>('.code-block');
    if (!button || !block) return;
    const code = block.dataset.code ?? '';
    if (button.dataset.codeAction === 'copy') return void copy(code).then((copied) => flash(button, copied ? 'Copied' : 'Copy failed'));
    if (button.dataset.codeAction === 'run') {
      const ran = run(Number(block.dataset.terminal) || 1, code, block.hasAttribute('data-interrupt'));
      flash(button, ran ? 'Sent' : 'No sandbox yet');
    }
  });
}

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

/** Says what happened on the button itself for a moment (and to screen readers, via its label). */
function flash(button: HTMLButtonElement, message: string): void {
  const label = button.dataset.label ?? button.textContent ?? '';
  button.dataset.label = label;
  button.textContent = message;
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
}
