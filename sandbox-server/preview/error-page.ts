// When a preview cannot show the learner's app, a person gets a page that says why in words, with
// Dockhand's header, a reload and the way back to the lesson; a program still gets `{error, code}`.
// The preview origin serves no site of its own, so the page is self-contained: inline styles, no script.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wantsPage } from '../http/accept.ts';
import { sendError } from '../http/respond.ts';
import type { ErrorCode } from '../protocol/errors.ts';

/** A preview that failed: the status and sentence programs get, and what the page tells a person. */
export type PreviewProblem = { status: number; message: string; code?: ErrorCode; title: string; sentence: string };

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export function sendPreviewProblem(req: IncomingMessage, res: ServerResponse, problem: PreviewProblem): void {
  if (!wantsPage(req)) {
    sendError(res, problem.status, problem.message, problem.code);
    return;
  }
  const page = previewErrorPage(problem, req.url ?? '/');
  res.writeHead(problem.status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(page) });
  res.end(req.method === 'HEAD' ? undefined : page);
}

/** A refusal that is not about the app (the route, the session, the link), as a page would say it. */
export function previewRefusal(status: number, message: string, code?: ErrorCode): PreviewProblem {
  if (code === 'session_ended') {
    return {
      status,
      message,
      code,
      title: 'This preview has ended',
      sentence:
        'The sandbox behind this preview is gone: it was ended, or removed after a while without use. Go back to your lesson to start a new sandbox, then open the preview from there.',
    };
  }
  if (code === 'unauthorized' || code === 'not_found') {
    return {
      status,
      message,
      code,
      title: 'This preview link has expired',
      sentence:
        'Preview links work for one sandbox and one visit. Open it again from the “Web preview” links beside the terminal in your lesson.',
    };
  }
  return { status, message, code, title: 'This is not a preview address', sentence: sentenceOf(message) };
}

function previewErrorPage(problem: PreviewProblem, url: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(problem.title)} · Dockhand preview</title>
<style>
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #545d68; --bg: #fff; --surface: #f4f6f8; --border: #c9d1d9; --accent: #0b5cad; --accent-fg: #fff; font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --muted: #a7b0bb; --bg: #121417; --surface: #1b1f24; --border: #3d444d; --accent: #72b7ff; --accent-fg: #0b1016; } }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.55; }
header { padding: 0.5rem 1rem; border-bottom: 1px solid var(--border); background: var(--surface); font-weight: 700; font-size: 1.1rem; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1.25rem; }
h1 { font-size: 1.6rem; line-height: 1.25; }
.lead { font-size: 1.08rem; }
.button { display: inline-block; padding: 0.5rem 1rem; border-radius: 6px; background: var(--accent); color: var(--accent-fg); text-decoration: none; }
.button:focus-visible { outline: 3px solid var(--fg); outline-offset: 2px; }
.back, .status { color: var(--muted); }
</style>
</head>
<body>
<header>Dockhand <span class="status">· web preview</span></header>
<main>
<h1>${escapeHtml(problem.title)}</h1>
<p class="lead">${escapeHtml(problem.sentence)}</p>
<p><a class="button" href="${escapeHtml(url)}">Reload</a></p>
<p class="back">Your lesson is still open in the tab that opened this preview: switch back to it, or close this one.</p>
</main>
</body>
</html>
`;
}

/** A refusal's sentence (lower case, for a program) as a person reads it. */
export function sentenceOf(message: string): string {
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
