// <dockhand-tabs role="tablist">: an ARIA tab list around its tab buttons. One tab stop; arrow keys (and
// Home/End) move between tabs and show their panels; each shown tab fires `tab-show` with the tab. When
// the tabs overflow their strip it scrolls sideways (the wheel too), and a shown tab is scrolled into it.

export type TabShowEvent = CustomEvent<{ tab: HTMLElement; panel: HTMLElement }>;

export class TabsElement extends HTMLElement {
  connectedCallback(): void {
    this.addEventListener('click', (event) => {
      const tab = (event.target as HTMLElement).closest<HTMLElement>('[role="tab"]');
      if (tab) this.show(tab);
    });
    this.addEventListener('keydown', (event) => {
      const all = this.#tabs();
      const current = all.indexOf(event.target as HTMLElement);
      if (current < 0) return;
      const moves: Record<string, number> = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: all.length - 1 };
      const next = moves[event.key];
      if (next === undefined) return;
      event.preventDefault();
      const tab = all[(next + all.length) % all.length] as HTMLElement;
      tab.focus();
      this.show(tab);
    });
    // A mouse without a sideways wheel still reaches every tab.
    this.addEventListener(
      'wheel',
      (event) => {
        if (this.scrollWidth <= this.clientWidth || Math.abs(event.deltaX) >= Math.abs(event.deltaY)) return;
        event.preventDefault();
        this.scrollLeft += event.deltaY;
      },
      { passive: false },
    );
  }

  show(target: HTMLElement): void {
    for (const tab of this.#tabs()) {
      const selected = tab === target;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      this.#panelOf(tab).hidden = !selected;
    }
    this.#reveal(target);
    this.dispatchEvent(new CustomEvent('tab-show', { detail: { tab: target, panel: this.#panelOf(target) } }));
  }

  /** Scrolls the strip, never the page (scrollIntoView would), so that `tab` is wholly in it. */
  #reveal(tab: HTMLElement): void {
    const strip = this.getBoundingClientRect();
    const box = tab.getBoundingClientRect();
    if (box.left < strip.left) this.scrollLeft -= strip.left - box.left;
    else if (box.right > strip.right) this.scrollLeft += box.right - strip.right;
  }

  /** Adds a tab (and its panel, placed by the caller) before `before`, or at the end. */
  add(tab: HTMLElement, before?: HTMLElement): void {
    tab.tabIndex = -1;
    tab.setAttribute('aria-selected', 'false');
    this.insertBefore(tab, before ?? null);
  }

  selected(): HTMLElement | undefined {
    return this.#tabs().find((tab) => tab.getAttribute('aria-selected') === 'true');
  }

  #tabs(): HTMLElement[] {
    return [...this.querySelectorAll<HTMLElement>('[role="tab"]')];
  }

  #panelOf(tab: HTMLElement): HTMLElement {
    // aria-controls names the panel by id: the one link HTML itself draws between a tab and its panel.
    const panel = document.getElementById(tab.getAttribute('aria-controls') ?? '');
    if (!panel) throw new Error(`The tab “${tab.textContent?.trim()}” controls no panel.`);
    return panel;
  }
}

if (!customElements.get('dockhand-tabs')) customElements.define('dockhand-tabs', TabsElement);
