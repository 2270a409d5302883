// <dockhand-exercise>: one exercise of a lesson, around the section the shared renderer writes. It adds
// its state (not started, not yet, passed), the sentence of the last check, a Check button, hints one at
// a time and the solution behind a confirmation, and fires `exercise-state` when its state changes
// (`justPassed` when a live result ticks it now, so the page can say so wherever the learner is).
import type { CheckView, SolutionView } from '../../sandbox-server/protocol/sessions.ts';
import { showSentence } from './sentence.ts';
import { api, type Session } from './session.ts';

export type ExerciseStateEvent = CustomEvent<{ justPassed: boolean; title: string }>;

export class ExerciseElement extends HTMLElement {
  /** The learner's session, once the sandbox is ready. */
  session: Session | undefined;
  /** What to say when a button needs the sandbox and there is none (not started yet, or gone). */
  noSandbox = 'Your sandbox is not ready yet; wait for the terminal to connect.';
  /** The lesson's slug (the API names exercises by lesson and id). */
  lesson = '';
  #passed = false;
  #ready = false;
  /**
   * The first failing sentence seen, which is what an exercise nobody touched says: until a Check or a
   * different sentence (something the learner did), the task shows alone, without a "Not yet".
   */
  #untouched: string | undefined;
  #attempted = false;

  /** The exercise's id within its lesson. */
  get exerciseId(): string {
    return this.#section().dataset.exercise ?? '';
  }

  get passed(): boolean {
    return this.#passed;
  }

  connectedCallback(): void {
    if (this.#ready) return;
    this.#ready = true;
    const section = this.#section();
    const id = this.exerciseId;
    const title = section.querySelector('.exercise-title') as HTMLElement;
    const state = document.createElement('span');
    state.className = 'exercise-state';
    state.textContent = 'Not started';
    title.append(' ', state);
    section.dataset.state = 'new';

    const message = document.createElement('p');
    message.className = 'exercise-message';
    message.setAttribute('role', 'status');
    const actions = document.createElement('div');
    actions.className = 'exercise-actions';
    const check = button('Check', 'primary');
    actions.append(check);
    check.addEventListener('click', async () => {
      if (!this.session) {
        message.textContent = this.noSandbox;
        return;
      }
      check.disabled = true;
      this.#attempted = true;
      message.textContent = 'Checking…';
      try {
        this.show(await api<CheckView>(this.session, 'POST', `/api/sessions/${this.session.id}/checks/${this.lesson}/${id}`), true);
      } catch (error) {
        message.textContent = error instanceof Error ? error.message : String(error);
      }
      check.disabled = false;
    });

    const hints = [...section.querySelectorAll<HTMLElement>('.exercise-hint')];
    if (hints.length > 0) {
      const hint = button(`Show a hint (1 of ${hints.length})`);
      hint.className = 'hint-button';
      hint.addEventListener('click', () => {
        const shown = this.revealHints(hints.filter((item) => !item.hidden).length + 1);
        const next = hints[shown - 1];
        if (next) {
          next.tabIndex = -1;
          next.focus();
        }
        // Recorded so an instructor sees who needed help; the hint shows either way.
        const session = this.session;
        if (session) void api(session, 'POST', `/api/sessions/${session.id}/hints/${this.lesson}/${id}`, { used: shown }).catch(() => {});
      });
      actions.append(hint);
    }

    const solution = document.createElement('div');
    solution.className = 'exercise-solution';
    const reveal = button('Show the solution');
    const confirm = document.createElement('div');
    confirm.className = 'exercise-confirm';
    confirm.hidden = true;
    confirm.innerHTML = '<p>Try the hints first: working it out is how it sticks. Show the solution anyway?</p>';
    const yes = button('Yes, show it', 'primary');
    const no = button('Not yet');
    confirm.append(yes, no);
    reveal.addEventListener('click', () => {
      confirm.hidden = false;
      reveal.hidden = true;
      yes.focus();
    });
    no.addEventListener('click', () => {
      confirm.hidden = true;
      reveal.hidden = false;
      reveal.focus();
    });
    yes.addEventListener('click', async () => {
      if (!this.session) {
        message.textContent = `${this.noSandbox} The solution comes from it.`;
        return;
      }
      const session = this.session;
      yes.disabled = true;
      try {
        const shown = await api<SolutionView>(session, 'GET', `/api/sessions/${session.id}/solutions/${this.lesson}/${id}`);
        confirm.remove();
        reveal.remove();
        // The server renders both with the lesson renderer, so the solve block's Run and Copy work as the lesson's do.
        solution.innerHTML = `<h4>Solution</h4>${shown.solutionHtml}<div class="solve"><p>The commands, ready to run:</p>${shown.solveHtml}</div>`;
        solution.tabIndex = -1;
        solution.focus();
      } catch (error) {
        message.textContent = error instanceof Error ? error.message : String(error);
        yes.disabled = false;
      }
    });
    actions.append(reveal);
    section.append(actions, confirm, message, solution);
  }

  /**
   * Shows a check's result; a pass stays a pass on this page, a later failing check only updates the
   * message, and a failure before any attempt is not shown at all.
   */
  show(result: { passed: boolean; message?: string }, animate: boolean): void {
    if (!result.passed && !this.#passed && !this.#attempted) {
      this.#untouched ??= result.message;
      if (result.message === this.#untouched) return;
      this.#attempted = true;
    }
    const section = this.#section();
    const wasPassed = this.#passed;
    this.#passed ||= result.passed;
    section.dataset.state = this.#passed ? 'passed' : 'failed';
    (section.querySelector('.exercise-state') as HTMLElement).textContent = this.#passed ? 'Passed' : 'Not yet';
    if (result.message !== undefined) showSentence(section.querySelector('.exercise-message') as HTMLElement, result.message);
    if (animate && this.#passed && !wasPassed) {
      section.classList.remove('just-passed');
      void section.offsetWidth;
      section.classList.add('just-passed');
    }
    const justPassed = animate && this.#passed && !wasPassed;
    this.dispatchEvent(new CustomEvent('exercise-state', { bubbles: true, detail: { justPassed, title: this.heading } }));
  }

  /** The exercise's heading as text, without its state. */
  get heading(): string {
    const heading = this.#section().querySelector('.exercise-title')?.cloneNode(true) as HTMLElement | undefined;
    heading?.querySelector('.exercise-state')?.remove();
    return heading?.textContent?.trim() ?? '';
  }

  /** Shows the first `count` hints; returns how many are shown. */
  revealHints(count: number): number {
    const section = this.#section();
    const hints = [...section.querySelectorAll<HTMLElement>('.exercise-hint')];
    hints.forEach((item, index) => {
      if (index < count) item.hidden = false;
    });
    const shown = hints.filter((item) => !item.hidden).length;
    const hintButton = section.querySelector<HTMLButtonElement>('.hint-button');
    if (hintButton && shown >= hints.length) hintButton.remove();
    else if (hintButton) hintButton.textContent = `Show another hint (${shown + 1} of ${hints.length})`;
    return shown;
  }

  #section(): HTMLElement {
    return this.querySelector('section.exercise') as HTMLElement;
  }
}

if (!customElements.get('dockhand-exercise')) customElements.define('dockhand-exercise', ExerciseElement);

function button(label: string, kind?: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = label;
  if (kind) element.className = kind;
  return element;
}
