// A form that takes a resume code and makes this browser that learner. Refusals are the server's sentence
// (one for every wrong code); `done` runs once this browser is the learner the code stands for.
import { formatResumeCode, normalizeResumeCode, RESUME_CODE_GROUP, RESUME_CODE_LENGTH } from '../../sandbox-server/protocol/learners.ts';
import { resumeLearner } from './learner.ts';

export function enableResumeForm(form: HTMLFormElement, done: () => Promise<void> | void): void {
  const input = form.querySelector('input') as HTMLInputElement;
  const error = form.querySelector('.form-error') as HTMLElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const typed = normalizeResumeCode(input.value);
    if (!typed) {
      error.textContent = `A resume code has ${RESUME_CODE_LENGTH} letters and digits in groups of ${RESUME_CODE_GROUP}.`;
      input.setAttribute('aria-invalid', 'true');
      return input.focus();
    }
    error.textContent = '';
    try {
      await resumeLearner(formatResumeCode(typed));
      await done();
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      input.setAttribute('aria-invalid', 'true');
    }
  });
}
