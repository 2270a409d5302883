// WebSocket upgrades for the preview (live reload, chat demos): the handshake goes to the app in the
// sandbox, and once it agrees the two sockets are joined byte for byte.
import { type IncomingMessage, type OutgoingHttpHeaders, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from '../http/upgrade.ts';
import { describeFailure, requestUpstream } from './proxy.ts';
import { clientResponseHeaders, type PreviewOptions, type PreviewTarget, routePreview } from './target.ts';

export function proxyPreviewUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: PreviewTarget,
  options: PreviewOptions = {},
): void {
  socket.on('error', () => socket.destroy());
  const route = routePreview(req.url ?? '', target);
  if (!route.ok) {
    // A WebSocket cannot follow a redirect: the bare prefix is no address for one.
    refuse(
      socket,
      route.status === 400 ? 400 : 404,
      route.status === 400 ? route.message : `${req.url} is not a WebSocket address under the preview ${target.prefix}/.`,
    );
    return;
  }
  const { port } = route;
  const { upstream, deadline } = requestUpstream(req, target, route, options, { connection: 'Upgrade', upgrade: req.headers.upgrade });
  upstream.on('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
    clearTimeout(deadline);
    // The switch's own headers pass the same filter as any answer (no Dockhand cookie, no claim on the
    // origin); only the two that make it a switch are put back.
    const headers = clientResponseHeaders(upstreamRes.headers, port, target, options);
    headers.connection = 'Upgrade';
    if (upstreamRes.headers.upgrade) headers.upgrade = upstreamRes.headers.upgrade;
    socket.write(headerBlock(upstreamRes.statusCode ?? 101, upstreamRes.statusMessage, headers));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => socket.destroy());
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
  });
  // The app answered without switching protocols: pass its answer on, delimited by closing the connection.
  upstream.on('response', (upstreamRes) => {
    clearTimeout(deadline);
    const headers = clientResponseHeaders(upstreamRes.headers, port, target, options);
    delete headers['content-length'];
    headers.connection = 'close';
    socket.write(headerBlock(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers));
    upstreamRes.pipe(socket);
  });
  upstream.on('error', (error) => {
    clearTimeout(deadline);
    const failure = describeFailure(error, port);
    refuse(socket, failure.status, failure.message);
  });
  socket.on('close', () => {
    clearTimeout(deadline);
    upstream.destroy();
  });
  upstream.end();
}

function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.writable) refuseUpgrade(socket, status, message);
  else socket.destroy();
}

/** A response's status line and header block, from headers Node's parser has already checked. */
function headerBlock(status: number, message: string | undefined, headers: OutgoingHttpHeaders): string {
  let text = `HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) text += `${name}: ${one}\r\n`;
  }
  return `${text}\r\n`;
}
