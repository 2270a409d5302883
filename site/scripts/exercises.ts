// The exercises on a lesson page: state (not started, not yet, passed), the sentence of the last check, a
// Check button, hints one at a time and the solution behind a confirmation. A pass pushed by the events
// socket ticks the exercise at once.
import type { CheckView, ProgressView, SolutionView } from '../../sandbox-server/protocol/sessions.ts';
import { api, type Session } from './session.ts';

export type Exercises = ReturnType<typeof enableExercises>;

export function enableExercises(root: HTMLElement, lesson: string, onProgress: (passed: number, total: number) => void) {
  const sections = [...root.querySelectorAll<HTMLElement>('section.exercise[data-exercise]')];
  const passed = new Set<string>();
  let session: Session | undefined;

  const report = () => onProgress(passed.size, sections.length);
  const sectionOf = (id: string) => sections.find((section) => section.dataset.exercise === id);

  const show = (section: HTMLElement, result: { passed: boolean; message?: string }, animate: boolean) => {
    const id = section.dataset.exercise as string;
    const state = section.querySelector('.exercise-state') as HTMLElement;
    const wasPassed = passed.has(id);
    if (result.passed) passed.add(id);
    // A pass stays a pass on this page; a later failing check only updates the message.
    const nowPassed = passed.has(id);
    section.dataset.state = nowPassed ? 'passed' : 'failed';
    state.textContent = nowPassed ? 'Passed' : 'Not yet';
    if (result.message !== undefined) showSentence(section.querySelector('.exercise-message') as HTMLElement, result.message);
    if (animate && nowPassed && !wasPassed) {
      section.classList.remove('just-passed');
      void section.offsetWidth;
      section.classList.add('just-passed');
    }
    report();
  };

  for (const section of sections) addControls(section);
  report();

  function addControls(section: HTMLElement): void {
    const id = section.dataset.exercise as string;
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
      if (!session) {
        message.textContent = 'Your sandbox is not ready yet; wait for the terminal to connect.';
        return;
      }
      check.disabled = true;
      message.textContent = 'Checking…';
      try {
        show(section, await api<CheckView>(session, 'POST', `/api/sessions/${session.id}/checks/${lesson}/${id}`), true);
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
        const shown = revealHints(section, hints.filter((item) => !item.hidden).length + 1);
        const next = hints[shown - 1];
        if (next) {
          next.tabIndex = -1;
          next.focus();
        }
        // Recorded so an instructor sees who needed help; the hint shows either way.
        if (session) void api(session, 'POST', `/api/sessions/${session.id}/hints/${lesson}/${id}`, { used: shown }).catch(() => {});
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
      if (!session) {
        message.textContent = 'Your sandbox is not ready yet; the solution comes from it.';
        return;
      }
      yes.disabled = true;
      try {
        const shown = await api<SolutionView>(session, 'GET', `/api/sessions/${session.id}/solutions/${lesson}/${id}`);
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

  return {
    /** The sandbox is ready (or gone): load what this learner already passed. */
    async setSession(next: Session | undefined): Promise<void> {
      session = next;
      if (!next) return;
      try {
        const progress = await api<ProgressView>(next, 'GET', `/api/sessions/${next.id}/progress`);
        for (const [key, entry] of Object.entries(progress.exercises)) {
          const [ofLesson, id] = key.split('/');
          const section = ofLesson === lesson && id ? sectionOf(id) : undefined;
          if (!section) continue;
          if (entry.passed || entry.message) show(section, { passed: entry.passed, message: entry.message }, false);
          if (entry.hintsUsed) revealHints(section, entry.hintsUsed);
        }
      } catch {
        // No progress yet (or a server without it): every exercise stays as it is.
      }
    },
    /** An exercise result pushed by the server. */
    result(event: { lesson: string; exercise: string; passed: boolean; message?: string }): void {
      const section = event.lesson === lesson ? sectionOf(event.exercise) : undefined;
      if (section) show(section, event, true);
    },
  };
}

/** A check's sentence, with `backticked` commands shown as code (as text: nothing in it becomes markup). */
function showSentence(element: HTMLElement, sentence: string): void {
  element.replaceChildren(
    ...sentence.split('`').map((part, index) => {
      if (index % 2 === 0) return document.createTextNode(part);
      const code = document.createElement('code');
      code.textContent = part;
      return code;
    }),
  );
}

/** Shows the first `count` hints of an exercise; returns how many are shown. */
function revealHints(section: HTMLElement, count: number): number {
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

function button(label: string, kind?: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = label;
  if (kind) element.className = kind;
  return element;
}
