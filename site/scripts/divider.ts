// The divider between the lesson and the workspace: drag it, or focus it and use the arrow keys (Home and
// End for the extremes). The split is a percentage kept in localStorage and applied as a CSS variable.

const KEY = 'dockhand.split';
const MIN = 25;
const MAX = 75;
const STEP = 5;

export function enableDivider(divider: HTMLElement, layout: HTMLElement): void {
  const apply = (percent: number) => {
    const value = Math.round(Math.min(MAX, Math.max(MIN, percent)));
    layout.style.setProperty('--split', `${value}%`);
    divider.setAttribute('aria-valuenow', String(value));
    divider.setAttribute('aria-valuetext', `Lesson ${value}%, workspace ${100 - value}%`);
    localStorage.setItem(KEY, String(value));
  };
  apply(Number(localStorage.getItem(KEY)) || 50);

  divider.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    divider.setPointerCapture(event.pointerId);
    layout.classList.add('resizing');
    const move = (moved: PointerEvent) => {
      const box = layout.getBoundingClientRect();
      apply(((moved.clientX - box.left) / box.width) * 100);
    };
    const end = () => {
      layout.classList.remove('resizing');
      divider.removeEventListener('pointermove', move);
      divider.removeEventListener('pointerup', end);
      divider.removeEventListener('pointercancel', end);
    };
    divider.addEventListener('pointermove', move);
    divider.addEventListener('pointerup', end);
    divider.addEventListener('pointercancel', end);
  });

  divider.addEventListener('keydown', (event) => {
    const now = Number(divider.getAttribute('aria-valuenow'));
    const targets: Record<string, number> = { ArrowLeft: now - STEP, ArrowRight: now + STEP, Home: MIN, End: MAX };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    apply(target);
  });
}
