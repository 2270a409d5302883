// The web preview: GET /sessions/:id/preview/:port/... is forwarded to the port published in the sandbox
// (docker run -p 5000:80), over a connection the sandbox backend dials (dialPort): how it reaches the
// port is the backend's business. Bodies stream in both directions.
import { type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, request, type ServerResponse } from 'node:http';
import { type PreviewProblem, previewRefusal, sendPreviewProblem, sentenceOf } from './error-page.ts';
import { tolerantConnection } from './line-endings.ts';
import {
  clientResponseHeaders,
  DEFAULT_TIMEOUT_MS,
  type PreviewOptions,
  type PreviewTarget,
  routePreview,
  upstreamRequestHeaders,
} from './target.ts';

export function proxyPreview(req: IncomingMessage, res: ServerResponse, target: PreviewTarget, options: PreviewOptions = {}): void {
  const route = routePreview(req.url ?? '', target);
  if (!route.ok) {
    if (route.status === 308) res.writeHead(308, { location: route.location }).end();
    else sendPreviewProblem(req, res, previewRefusal(route.status, route.message));
    return;
  }
  const { port } = route;
  if (req.headers['service-worker'] === 'script') {
    sendPreviewProblem(req, res, serviceWorkerRefusal(port));
    return;
  }
  const { upstream, deadline } = requestUpstream(req, target, route, options);
  upstream.on('response', (upstreamRes) => {
    clearTimeout(deadline);
    res.writeHead(
      upstreamRes.statusCode ?? 502,
      upstreamRes.statusMessage,
      clientResponseHeaders(upstreamRes.headers, port, target, options),
    );
    upstreamRes.pipe(res);
    // The app died halfway through: cut the response, so the browser does not take it as complete.
    upstreamRes.on('error', () => res.destroy());
    upstreamRes.on('aborted', () => res.destroy());
  });
  upstream.on('error', (error) => {
    clearTimeout(deadline);
    if (res.headersSent) return res.destroy();
    sendPreviewProblem(req, res, describeFailure(error, port));
  });
  // The browser went away (closed the tab, navigated): stop talking to the app as well.
  res.on('close', () => {
    clearTimeout(deadline);
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/**
 * Opens the request to the app in the sandbox (only ever over the target's own dial), with a deadline
 * for its answer; callers clear the deadline once the answer starts. No agent, so nothing is pooled: an
 * app may close an idle connection at any moment, and a new one costs little. Header lines ending in a
 * bare LF are read as browsers read them (see line-endings.ts).
 */
export function requestUpstream(
  req: IncomingMessage,
  target: PreviewTarget,
  route: { port: number; path: string },
  options: PreviewOptions,
  extraHeaders: OutgoingHttpHeaders = {},
): { upstream: ClientRequest; deadline: NodeJS.Timeout } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const upstream = request({
    method: req.method,
    path: route.path,
    headers: { ...upstreamRequestHeaders(req, route.port, target, options), ...extraHeaders },
    createConnection: (_options, connected) => {
      target.dial(route.port).then(
        (connection) => connected(null, tolerantConnection(connection)),
        (error: Error) => connected(error, undefined as never),
      );
      return undefined;
    },
  });
  const deadline = setTimeout(() => upstream.destroy(timeoutError(route.port, timeoutMs)), timeoutMs);
  return { upstream, deadline };
}

/** The app took longer than the deadline: a 504, told apart from a connection the app refused or cut. */
class AppTimeout extends Error {}

function timeoutError(port: number, timeoutMs: number): AppTimeout {
  return new AppTimeout(
    `the app on port ${port} in the sandbox did not answer within ${timeoutMs / 1000} s; check its logs with docker logs.`,
  );
}

/**
 * Browsers mark the fetch of a service worker's script with `Service-Worker: script`. A worker on the
 * preview origin would outlive the app and see the previews opened after it, so none is ever installed.
 */
function serviceWorkerRefusal(port: number): PreviewProblem {
  const message = `the app on port ${port} tried to install a service worker; previews do not allow them, so the app runs without one.`;
  return { status: 403, message, title: 'Service workers are off in previews', sentence: sentenceOf(message) };
}

export function describeFailure(error: Error, port: number): PreviewProblem {
  if (error instanceof AppTimeout) {
    return { status: 504, message: error.message, title: `Port ${port} is taking too long`, sentence: sentenceOf(error.message) };
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') {
    return {
      status: 502,
      message: `nothing is listening on port ${port} in the sandbox; start a container that publishes it, e.g. docker run -d -p ${port}:80 <image>.`,
      title: `Nothing answers on port ${port} yet`,
      sentence: `Nothing answers on port ${port} in your sandbox yet: start your server and reload. A container publishes it with docker run -p ${port}:<its port>.`,
    };
  }
  return {
    status: 502,
    message: `cannot reach port ${port} in the sandbox (${code ?? error.message}); check that your container is running.`,
    title: `Port ${port} did not answer`,
    sentence: `Port ${port} in your sandbox closed the connection without answering (${code ?? error.message}). Check that your container is running (docker ps) and what it says (docker logs), then reload.`,
  };
}
