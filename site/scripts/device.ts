// <dockhand-device>: "Use on another device". Shows this learner's resume code (to type on the other
// device) and leads to the page where a code from another device is entered (/resume/).
import { learnerView } from './learner.ts';
import '../styles/device.css';

export class DeviceElement extends HTMLElement {
  #ready = false;

  connectedCallback(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.innerHTML = `
      <details class="device">
        <summary>Use on another device</summary>
        <div class="device-panel">
          <p>Your progress belongs to this browser. To go on somewhere else, enter this resume code there:</p>
          <p class="resume-code" aria-live="polite">…</p>
          <p><a href="/progress/">See all your progress</a></p>
          <p><a href="/resume/">Have a code from another device? Enter it here</a></p>
        </div>
      </details>`;
    const details = this.querySelector('details') as HTMLDetailsElement;
    const code = this.querySelector('.resume-code') as HTMLElement;
    details.addEventListener('toggle', async () => {
      if (!details.open) return;
      const me = await learnerView();
      code.textContent = me ? me.resumeCode : 'No resume code right now: the server cannot be reached.';
    });
  }
}

if (!customElements.get('dockhand-device')) customElements.define('dockhand-device', DeviceElement);
