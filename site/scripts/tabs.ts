// An ARIA tab list: one tab stop, arrow keys (and Home/End) move between tabs and show their panels.

export type Tabs = {
  show(tab: HTMLElement): void;
  /** Adds a tab (and its panel, placed by the caller) before `before`, or at the end. */
  add(tab: HTMLElement, before?: HTMLElement): void;
  selected(): HTMLElement | undefined;
};

export function createTabs(tablist: HTMLElement, onShow: (tab: HTMLElement, panel: HTMLElement) => void): Tabs {
  const tabs = () => [...tablist.querySelectorAll<HTMLElement>('[role="tab"]')];
  const panelOf = (tab: HTMLElement) => document.getElementById(tab.getAttribute('aria-controls') ?? '') as HTMLElement;

  const show = (target: HTMLElement) => {
    for (const tab of tabs()) {
      const selected = tab === target;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panelOf(tab).hidden = !selected;
    }
    onShow(target, panelOf(target));
  };

  tablist.addEventListener('click', (event) => {
    const tab = (event.target as HTMLElement).closest<HTMLElement>('[role="tab"]');
    if (tab) show(tab);
  });
  tablist.addEventListener('keydown', (event) => {
    const all = tabs();
    const current = all.indexOf(event.target as HTMLElement);
    if (current < 0) return;
    const moves: Record<string, number> = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: all.length - 1 };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = all[(next + all.length) % all.length] as HTMLElement;
    tab.focus();
    show(tab);
  });

  return {
    show,
    add(tab, before) {
      tab.tabIndex = -1;
      tab.setAttribute('aria-selected', 'false');
      tablist.insertBefore(tab, before ?? null);
    },
    selected: () => tabs().find((tab) => tab.getAttribute('aria-selected') === 'true'),
  };
}
