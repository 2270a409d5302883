// container checks: a container (by name and/or image) in the state the exercise asks for.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerCheck } from '../course/types.ts';
import { normalizeImageRef } from '../sandboxes/image-ref.ts';
import type { ContainerDetails } from '../sandboxes/inner-engine.ts';
import { LEARNER_HOME as HOME, WORKSPACE_DIR } from '../sandboxes/learner.ts';
import { type CheckContext, type CheckResult, fail, pass } from './context.ts';

type Info = ContainerDetails;

/**
 * How long a container must have been up to count as running. A command that prints and exits
 * (`docker run -d … echo beat`) is briefly "running" with its output already in the logs; a pass is
 * recorded for good, so that instant must not count.
 */
export const RUNNING_SETTLE_MS = 1000;

export async function checkContainer(check: ContainerCheck, ctx: CheckContext): Promise<CheckResult> {
  const wantedImageId = check.image ? await imageIdOf(ctx, check.image) : undefined;
  const listed = await ctx.engine.containers();
  const candidates = listed.filter(
    (c) =>
      (!check.name || c.Names.includes(`/${check.name}`)) &&
      (!check.image || c.ImageID === wantedImageId || normalizeImageRef(c.Image) === normalizeImageRef(check.image)),
  );
  const label = check.name ? `named ${check.name}` : `from the image ${check.image}`;
  if (candidates.length === 0) {
    if (check.name && check.image && listed.some((c) => c.Names.includes(`/${check.name}`))) {
      const other = listed.find((c) => c.Names.includes(`/${check.name}`));
      return fail(`The container ${check.name} runs the image ${other?.Image}, not ${check.image}.`);
    }
    return fail(`No container ${label} exists yet (\`docker ps -a\` lists every container).`);
  }
  const problems: string[][] = [];
  let matching = 0;
  for (const candidate of candidates) {
    const info = await ctx.engine.container(candidate.Id);
    if (!info) continue; // removed while we looked
    const settled = check.state === 'running' ? await settledRunning(ctx, info) : info;
    if (!settled) continue;
    const mismatches =
      settled.State.StartedAt === info.State.StartedAt
        ? await mismatchesOf(check, settled, ctx)
        : [`The container ${settled.Name.replace(/^\//, '')} restarted a moment ago; it should keep running.`];
    if (mismatches.length === 0) matching++;
    else problems.push(mismatches);
  }
  const wanted = check.count ?? 1;
  if (matching >= wanted) return pass();
  if (matching > 0) return fail(`${matching} container(s) ${label} match, but the exercise asks for ${wanted}.`);
  const closest = problems.sort((a, b) => a.length - b.length)[0];
  return fail(closest?.[0] ?? `No container ${label} exists yet.`);
}

/**
 * The container as it is once it has been up for RUNNING_SETTLE_MS. The start time comes from the
 * learner's engine, so the wait is bounded whatever it says.
 */
async function settledRunning(ctx: CheckContext, info: Info): Promise<Info | undefined> {
  if (!info.State.Running) return info;
  const upFor = Date.now() - Date.parse(info.State.StartedAt);
  if (upFor >= RUNNING_SETTLE_MS) return info;
  const wait = Number.isFinite(upFor) ? Math.min(RUNNING_SETTLE_MS, RUNNING_SETTLE_MS - upFor) : RUNNING_SETTLE_MS;
  await sleep(wait);
  return ctx.engine.container(info.Id);
}

async function imageIdOf(ctx: CheckContext, ref: string): Promise<string | undefined> {
  return (await ctx.engine.image(ref))?.Id;
}

async function mismatchesOf(check: ContainerCheck, info: Info, ctx: CheckContext): Promise<string[]> {
  const name = info.Name.replace(/^\//, '');
  const it = `The container ${name}`;
  const state = info.State;
  const found: string[] = [];
  const describeState = () => (state.Status === 'exited' ? `exited (exit code ${state.ExitCode})` : state.Status);
  if (check.state && state.Status !== check.state) found.push(`${it} is ${describeState()}, but it should be ${check.state}.`);
  if (check.exitCode !== undefined) {
    if (state.Running) found.push(`${it} is still running; it should have exited with code ${check.exitCode}.`);
    else if (state.ExitCode !== check.exitCode) found.push(`${it} exited with code ${state.ExitCode}, not ${check.exitCode}.`);
  }
  for (const port of check.ports ?? []) {
    const key = `${port.container}/${port.protocol ?? 'tcp'}`;
    const bindings = info.HostConfig.PortBindings[key] ?? [];
    const ok = bindings.some((binding) => port.host === undefined || binding.HostPort === String(port.host));
    if (!ok) found.push(`${it} does not publish its port ${key}${port.host ? ` on host port ${port.host}` : ''}.`);
  }
  for (const mount of check.mounts ?? []) found.push(...mountMismatch(it, info, mount));
  for (const [key, value] of Object.entries(check.env ?? {})) {
    const entry = (info.Config.Env ?? []).find((line) => line.startsWith(`${key}=`));
    if (entry === undefined) found.push(`${it} has no environment variable ${key}.`);
    else if (entry.slice(key.length + 1) !== value) found.push(`In ${name}, ${key} is "${entry.slice(key.length + 1)}", not "${value}".`);
  }
  if (check.hostname !== undefined && info.Config.Hostname !== check.hostname) {
    found.push(`${it} has the hostname ${info.Config.Hostname}, not ${check.hostname}.`);
  }
  const policy = info.HostConfig.RestartPolicy.Name || 'no';
  if (check.restartPolicy && policy !== check.restartPolicy)
    found.push(`${it} has the restart policy "${policy}", not "${check.restartPolicy}".`);
  const retries = info.HostConfig.RestartPolicy.MaximumRetryCount;
  if (check.restartRetries !== undefined && retries !== check.restartRetries) {
    found.push(`${it} may be restarted ${retries === 0 ? 'without limit' : `${retries} times`}, not ${check.restartRetries} times.`);
  }
  const dropped = info.HostConfig.CapDrop.map((cap) => cap.toUpperCase().replace(/^CAP_/, ''));
  for (const cap of check.capDrop ?? []) {
    if (!dropped.includes(cap) && !dropped.includes('ALL')) found.push(`${it} does not drop the capability ${cap} (--cap-drop).`);
  }
  if (check.user !== undefined && (info.Config.User || 'root') !== check.user) {
    found.push(`${it} runs as the user ${info.Config.User || 'root'}, not ${check.user}.`);
  }
  const published = Object.values(info.HostConfig.PortBindings).some((bindings) => bindings.length > 0);
  if (check.publishes !== undefined && (published || info.HostConfig.PublishAllPorts === true) !== check.publishes) {
    found.push(check.publishes ? `${it} publishes no port.` : `${it} publishes a port on the host, but it should not.`);
  }
  if (check.autoRemove !== undefined && Boolean(info.HostConfig.AutoRemove) !== check.autoRemove) {
    found.push(
      check.autoRemove
        ? `${it} is not removed automatically when it stops (--rm).`
        : `${it} is removed automatically when it stops (--rm).`,
    );
  }
  if (check.interactive !== undefined && Boolean(info.Config.OpenStdin) !== check.interactive) {
    found.push(check.interactive ? `${it} does not keep its input open (-i).` : `${it} keeps its input open, but it should not.`);
  }
  if (check.logs !== undefined && found.length === 0) {
    const logs = await logsOf(ctx, info);
    if (!logs.includes(check.logs)) found.push(`The output of ${name} does not contain "${check.logs}" yet.`);
  }
  return found;
}

function mountMismatch(
  it: string,
  info: Info,
  want: { destination: string; source?: string; type?: string; readOnly?: boolean },
): string[] {
  const mount = info.Mounts.find((m) => m.Destination === want.destination);
  if (!mount) return [`${it} has nothing mounted at ${want.destination}.`];
  const found: string[] = [];
  if (want.type && mount.Type !== want.type)
    found.push(`${it} has a ${mount.Type} mount at ${want.destination}, but it should be a ${want.type} mount.`);
  if (want.source !== undefined) {
    const actual = mount.Type === 'volume' ? (mount.Name ?? '') : mount.Source;
    const expected = mount.Type === 'volume' ? want.source : hostPath(want.source);
    if (actual !== expected) found.push(`${it} mounts ${actual} at ${want.destination}, not ${want.source}.`);
  }
  if (want.readOnly !== undefined && !mount.RW !== want.readOnly) {
    found.push(
      want.readOnly
        ? `${it} mounts ${want.destination} read-write; it should be read-only.`
        : `${it} mounts ${want.destination} read-only.`,
    );
  }
  return found;
}

/** Bind sources in lessons may be written `~/workspace/x` or relative to the workspace. */
function hostPath(source: string): string {
  if (source.startsWith('/')) return source.replace(/\/+$/, '');
  if (source.startsWith('~/')) return `${HOME}/${source.slice(2)}`.replace(/\/+$/, '');
  return `${WORKSPACE_DIR}/${source}`.replace(/\/+$/, '');
}

function logsOf(ctx: CheckContext, info: Info): Promise<string> {
  return ctx.engine.containerLogs(info.Id, { tail: 2000, tty: Boolean(info.Config.Tty) });
}
