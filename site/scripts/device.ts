// <dockhand-device>: "Use on another device". Shows this learner's resume code (to type on the other
// device) and takes a code typed here, which makes this browser that learner; the page then starts over
// as them. Refusals are the server's sentence (one for every wrong code).
import { formatResumeCode, normalizeResumeCode, RESUME_CODE_GROUP, RESUME_CODE_LENGTH } from '../../sandbox-server/protocol/learners.ts';
import { learnerView, resumeLearner } from './learner.ts';
import { forgetStoredSession } from './session.ts';
import '../styles/device.css';

const GROUPS = RESUME_CODE_LENGTH / RESUME_CODE_GROUP;

export class DeviceElement extends HTMLElement {
  #ready = false;

  connectedCallback(): void {
    if (this.#ready) return;
    this.#ready = true;
    const id = `device-${Math.random().toString(36).slice(2, 8)}`;
    this.innerHTML = `
      <details class="device">
        <summary>Use on another device</summary>
        <div class="device-panel">
          <p>Your progress belongs to this browser. To go on somewhere else, enter this resume code there:</p>
          <p class="resume-code" aria-live="polite">…</p>
          <p><a href="/progress/">See all your progress</a></p>
          <form class="device-form" novalidate>
            <label for="${id}">Have a code from another device?</label>
            <input id="${id}" class="code-input" autocomplete="off" autocapitalize="characters" spellcheck="false"
              placeholder="${Array.from({ length: GROUPS }, () => 'XXXX').join('-')}" maxlength="40" />
            <button type="submit">Use this code</button>
            <p class="form-error" role="alert"></p>
          </form>
        </div>
      </details>`;
    const details = this.querySelector('details') as HTMLDetailsElement;
    const code = this.querySelector('.resume-code') as HTMLElement;
    const form = this.querySelector('form') as HTMLFormElement;
    const input = this.querySelector('input') as HTMLInputElement;
    const error = this.querySelector('.form-error') as HTMLElement;
    details.addEventListener('toggle', async () => {
      if (!details.open) return;
      const me = await learnerView();
      code.textContent = me ? me.resumeCode : 'No resume code right now: the server cannot be reached.';
    });
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
        forgetStoredSession();
        location.reload();
      } catch (failure) {
        error.textContent = failure instanceof Error ? failure.message : String(failure);
        input.setAttribute('aria-invalid', 'true');
      }
    });
  }
}

if (!customElements.get('dockhand-device')) customElements.define('dockhand-device', DeviceElement);
