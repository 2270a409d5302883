// The sandboxes' DNS server under `mirror` egress. Docker's DNS inside each sandbox (127.0.0.11) answers
// the names of the sandbox network itself (`mirror`) and sends every other question to the sandbox's
// upstream server. With the host's resolvers as that server, a lookup is a tunnel to anywhere (a name
// can carry data out, its answer data in); with none reachable, every lookup waits out DNS timeouts
// (measured: 12 s for `nslookup`, and every `docker pull` of a name the mirror does not hold waits too).
// So under `mirror` the upstream is this server, on the bridge's gateway: it knows no name and says so at
// once (NXDOMAIN). It reads only the header and the question of what it is sent, answers one packet
// with one packet of the same size or smaller, and keeps no state.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';

export const DNS_PORT = 53;
/** The largest question taken: EDNS allows 4096-byte UDP messages; a question is far smaller. */
const MAX_MESSAGE = 4096;
/** A TCP client gets this long to send its question. */
const TCP_IDLE_MS = 5_000;
/** At most this many TCP clients at once; more are closed at once. */
const MAX_TCP_CLIENTS = 64;
const HEADER = 12;
const RCODE = { formatError: 1, nameError: 3, notImplemented: 4 } as const;

/**
 * The answer to a DNS query: "no such name" for a standard query, "not implemented" for other opcodes,
 * "format error" for a malformed question; undefined for what is not a query (then nothing is sent).
 */
export function answerFor(query: Buffer): Buffer | undefined {
  if (query.length < HEADER || query.length > MAX_MESSAGE) return undefined;
  const flags = query.readUInt16BE(2);
  if (flags & 0x8000) return undefined;
  const opcode = (flags >> 11) & 0x0f;
  const question = query.readUInt16BE(4) === 1 ? questionOf(query) : undefined;
  const rcode = opcode !== 0 ? RCODE.notImplemented : question ? RCODE.nameError : RCODE.formatError;
  const header = Buffer.alloc(HEADER);
  query.copy(header, 0, 0, 2);
  // QR, the query's opcode, AA and RA (the authority on its empty world, and all a client may ask), RD as asked.
  header.writeUInt16BE(0x8000 | (opcode << 11) | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(question ? 1 : 0, 4);
  return question ? Buffer.concat([header, question]) : header;
}

/** The question section (name, type, class), when well formed: plain labels, at most 255 bytes of name. */
function questionOf(query: Buffer): Buffer | undefined {
  let at = HEADER;
  for (;;) {
    const length = query[at];
    if (length === undefined || length & 0xc0 || at - HEADER + length + 1 > 255) return undefined;
    at += length + 1;
    if (length === 0) break;
  }
  return at + 4 <= query.length ? query.subarray(HEADER, at + 4) : undefined;
}

export type SandboxResolver = { close(): Promise<void> };

/**
 * Answers DNS on `address` port 53, over UDP and TCP. The sockets share the port with any other
 * Dockhand process serving the same sandbox network (reusePort: the test suite and its servers), and
 * with nothing else: a foreign server on that port is an error.
 */
export async function startSandboxResolver(address: string): Promise<SandboxResolver> {
  const udp = createSocket({ type: 'udp4', reuseAddr: true, reusePort: true });
  udp.on('message', (message, peer) => {
    const answer = answerFor(message);
    if (answer) udp.send(answer, peer.port, peer.address);
  });
  const tcp = createServer({ pauseOnConnect: false }, serveTcp);
  tcp.maxConnections = MAX_TCP_CLIENTS;
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address, port: DNS_PORT }, () => resolve());
    });
    // Once bound, an error is one answer that could not be sent: lost, as UDP answers may be; the others go on.
    udp.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: address, port: DNS_PORT, reusePort: true }, () => resolve());
    });
  } catch (error) {
    await closeAll(udp, tcp);
    throw new Error(
      `cannot answer the sandboxes' DNS on ${address}:${DNS_PORT} (${(error as Error).message}). Another DNS server listens on every address of this host; bind it to the addresses it serves.`,
    );
  }
  return { close: () => closeAll(udp, tcp) };
}

/** One question over TCP (a 2-byte length, then the message), one answer, then the connection ends. */
function serveTcp(socket: TcpSocket): void {
  let received = Buffer.alloc(0);
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (received.length > 2 + MAX_MESSAGE) return void socket.destroy();
    if (received.length < 2) return;
    const length = received.readUInt16BE(0);
    if (length > MAX_MESSAGE) return void socket.destroy();
    if (received.length < 2 + length) return;
    const answer = answerFor(received.subarray(2, 2 + length));
    if (!answer) return void socket.destroy();
    const framed = Buffer.alloc(2 + answer.length);
    framed.writeUInt16BE(answer.length, 0);
    answer.copy(framed, 2);
    socket.end(framed);
  });
}

function closeAll(udp: Socket, tcp: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    tcp.close(() => resolve());
    try {
      udp.close();
    } catch {
      // Never bound: nothing to close.
    }
  });
}
