// The preflight: every check the host must pass before learners arrive, run at each start and by
// `npm run doctor`. It fixes what is standard and safe to fix (when allowed) and names the rest. What the
// sandbox backend needs of the host is the backend's own rows (BackendHost.hostChecks); this adds Dockhand's.
import { createServer } from 'node:net';
import { type CheckRow, formatReport } from './host/report.ts';
import type { HostChecks } from './sandboxes/backend.ts';

export type PreflightOptions = {
  /** May the preflight change the host (DOCKHAND_FIX_HOST)? */
  fix: boolean;
  /** The address the server will listen on; absent (or port 0) skips the port check. */
  listen?: { host: string; port: number };
};

/** Dockhand's own checks around the sandbox backend's checks of the host it runs sandboxes on. */
export async function runPreflight(hostChecks: HostChecks, options: PreflightOptions): Promise<CheckRow[]> {
  const rows = await hostChecks(options.fix);
  if (options.listen && options.listen.port !== 0) rows.push(await portRow(options.listen.host, options.listen.port));
  return rows;
}

export async function portRow(host: string, port: number): Promise<CheckRow> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const probe = createServer();
    probe.once('error', resolve);
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
  if (!error) return { check: 'port', status: 'ok', message: `${host}:${port} is free.` };
  const why =
    error.code === 'EADDRINUSE'
      ? 'is already in use (another Dockhand, or another server?)'
      : `cannot be used (${error.code ?? error.message})`;
  return {
    check: 'port',
    status: 'problem',
    fatal: true,
    message: `${host}:${port} ${why}.`,
    fix: `stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` shows it), or choose another port: PORT=${port + 2} npm start`,
  };
}

/** Stops the start when Dockhand itself cannot run here: one sentence per problem, each with its fix. */
export function assertRunnable(rows: readonly CheckRow[]): void {
  refuse(rows.filter((row) => row.status === 'problem' && row.fatal));
}

function refuse(problems: readonly CheckRow[]): void {
  if (problems.length > 0) throw new Error(problems.map((row) => `${row.message} Fix: ${row.fix}.`).join('\n'));
}

/** For tools that start sandboxes without the server (tests, the course's self-test): fix, then refuse to go on. */
export async function ensureHostReady(hostChecks: HostChecks, options: PreflightOptions, log: (line: string) => void): Promise<CheckRow[]> {
  const rows = await runPreflight(hostChecks, options);
  for (const line of formatReport(rows.filter((row) => row.status !== 'ok'))) log(line);
  refuse(rows.filter((row) => row.status === 'problem' && (row.fatal || row.blocksSandboxes)));
  return rows;
}
