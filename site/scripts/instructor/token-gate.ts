// The token gate on instructor pages: the form until the server accepts a token, then the page itself.
import { part } from '../parts.ts';
import { ApiError } from '../session.ts';
import { adminApi, rememberAdminToken, storedAdminToken } from './admin.ts';
import { sentence } from './format.ts';

/** Calls `onReady` once a token the server accepts is known (stored, or typed into the form). */
export function requireAdminToken(onReady: (token: string) => void): void {
  const gate = part(document, 'token-gate');
  const form = part(document, 'token-form', HTMLFormElement);
  const input = part(document, 'admin-token', HTMLInputElement);
  const error = part(document, 'token-error');
  // Absent on the projector view.
  const bar = document.getElementById('token-bar');
  const submit = form.querySelector('button[type="submit"]') as HTMLButtonElement;

  const ask = (message: string) => {
    if (bar) bar.hidden = true;
    gate.hidden = false;
    error.textContent = message;
    input.setAttribute('aria-invalid', String(message !== ''));
  };

  /** Asks the server whether the token is right; an unreachable server is said as such, not as a wrong token. */
  const accepted = async (token: string): Promise<boolean> => {
    try {
      await adminApi(token, 'GET', '/api/workshops');
      return true;
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'unauthorized') {
        ask('The server does not accept this token. Copy it again from the output of npm start.');
      } else ask(sentence(failure instanceof Error ? failure.message : String(failure)));
      return false;
    }
  };

  const ready = (token: string) => {
    gate.hidden = true;
    if (bar) bar.hidden = false;
    onReady(token);
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      ask('Enter the admin token first.');
      input.focus();
      return;
    }
    submit.disabled = true;
    const ok = await accepted(token);
    submit.disabled = false;
    if (!ok) return input.focus();
    rememberAdminToken(token);
    input.value = '';
    ready(token);
  });

  document.getElementById('forget-token')?.addEventListener('click', () => {
    rememberAdminToken(undefined);
    // Whatever the page showed was fetched with the token: start from a clean page.
    location.reload();
  });

  const stored = storedAdminToken();
  if (!stored) ask('');
  else
    void accepted(stored).then((ok) => {
      if (ok) ready(stored);
      else rememberAdminToken(undefined);
    });
}
