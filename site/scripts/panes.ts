// A narrow screen shows the lesson or the workspace, switched by two buttons at the top; a wide one shows
// both side by side and hides the buttons. Each keeps its own reading place: the page's scroll position
// is remembered per pane, so going back to the lesson finds the same paragraph.
export type Pane = 'lesson' | 'workspace';

const NARROW = matchMedia('(max-width: 60rem)');

export function enablePanes(switcher: HTMLElement, layout: HTMLElement, onShown: (pane: Pane) => void) {
  const buttons = [...switcher.querySelectorAll<HTMLButtonElement>('[data-pane]')];
  const scrolled: Record<Pane, number> = { lesson: 0, workspace: 0 };
  const current = () => layout.dataset.pane as Pane;

  const show = (pane: Pane) => {
    const before = current();
    if (before === pane) return;
    scrolled[before] = scrollY;
    layout.dataset.pane = pane;
    for (const button of buttons) button.setAttribute('aria-pressed', String(button.dataset.pane === pane));
    // The workspace pane fits the screen (lesson.css); the lesson comes back where it was left.
    if (NARROW.matches) scrollTo(0, pane === 'lesson' ? scrolled.lesson : 0);
    onShown(pane);
  };

  for (const button of buttons) button.addEventListener('click', () => show(button.dataset.pane as Pane));
  // Wide again: both panes show, and the workspace may need to fit its new room.
  NARROW.addEventListener('change', () => onShown(current()));

  return {
    show,
    /** Is this pane on screen (always, when the screen is wide)? */
    isShown(pane: Pane) {
      return !NARROW.matches || current() === pane;
    },
  };
}
