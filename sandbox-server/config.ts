// Dockhand's settings, read once from the environment. Everything has a default, so `npm start` needs
// no configuration. Every value is checked here, before anything slow starts: a start with bad values
// stops at once with one sentence per problem, each naming its variable.

import { accessSync, constants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { courseDirIn } from './course/load.ts';
import { SESSION_PLACEHOLDER } from './preview/origin.ts';
import { EGRESS_MODES, type EgressMode } from './sandboxes/backend.ts';
import { type BackendConfig, parseBackendConfig } from './sandboxes/backend-config.ts';
import type { RetentionPolicy } from './sandboxes/retention.ts';
import { type AdmissionLimits, defaultHostReserve, defaultMaxSandboxes } from './sessions/admission.ts';
import { MEMINFO } from './sessions/host-memory.ts';
import type { LearnerLimits } from './sessions/learners.ts';
import type { Rate } from './sessions/rate-limit.ts';
import { parseSwitch } from './switch-setting.ts';
import { ADMIN_TOKEN_MIN_LENGTH } from './workshops/admin-token.ts';

export type Config = {
  /** Address the HTTP server binds; a workshop sets 0.0.0.0. */
  host: string;
  port: number;
  /** The checkout (where lessons/, dist/ and the image recipes live). */
  rootDir: string;
  /** DOCKHAND_COURSE: the folder of lessons served, checked and self-tested (default lessons/ of the checkout). */
  courseDir: string;
  /** Durable state: database, admin token, image kit exports. */
  stateDir: string;
  /** Tells this Dockhand's containers, networks and volumes apart from another's on the same engine. */
  instance: string;
  /** DOCKHAND_BACKEND and the chosen backend's own settings (sandboxes/backend-config.ts): what runs sandboxes. */
  backend: BackendConfig;
  /** DOCKHAND_EGRESS: what sandboxes reach beyond the image mirror: nothing (mirror), public addresses only (internet), or anything (open). */
  egress: EgressMode;
  /** Sandboxes kept started and ready for new learners. */
  poolSize: number;
  /** Upper bound of the pool while it grows for a workshop (hot start): what the host can hold. */
  poolMax: number;
  /** Wait after a failed sandbox start, doubling from the first to the last value while starts keep failing. */
  poolRetry: { initialMs: number; maxMs: number };
  /** DOCKHAND_FIX_HOST: let the preflight fix what is standard and safe to fix (e.g. /dev/net/tun's mode). */
  fixHost: boolean;
  /** DOCKHAND_PREVIEW_PORT: the web preview's own listener (its own origin), PORT+1 by default. */
  previewPort: number;
  /**
   * DOCKHAND_PREVIEW_URL: where browsers reach the preview listener when a proxy stands in front (e.g.
   * https://preview.example.org), or, with `{session}` as its first label, each session's own host name.
   */
  previewUrl: string | undefined;
  /** DOCKHAND_PUBLIC_URL: where participants reach Dockhand (join links and QR codes), when not the instructor's own address. */
  publicUrl: string | undefined;
  /** DOCKHAND_TLS_CERT and DOCKHAND_TLS_KEY (PEM files): serve HTTPS and WSS directly. */
  tls: { certPath: string; keyPath: string } | undefined;
  /** DOCKHAND_ADMIN_TOKEN; when absent one is generated and kept in the state directory. */
  adminToken: string | undefined;
  limits: { memoryBytes: number; pids: number; cpus: number; diskBytes: number };
  timeouts: { idleMs: number; lifetimeMs: number; warnMs: number };
  /** DOCKHAND_KEEP_DISKS (how long, 0 for never) and DOCKHAND_KEPT_DISKS_MAX (all together, oldest go first): disks kept for learners who come back. */
  keepDisks: RetentionPolicy;
  /** How often sessions are checked against their timeouts. */
  sweepIntervalMs: number;
  /** DOCKHAND_ADOPT_TIMEOUT: what one sandbox's engine may take to answer when re-adopted after a restart (more is added for each sandbox adopted with it). */
  adoptTimeoutMs: number;
  /**
   * DOCKHAND_MAX_SANDBOXES, DOCKHAND_SANDBOX_GUARANTEE, DOCKHAND_HOST_RESERVE, DOCKHAND_SESSIONS_PER_CLIENT,
   * DOCKHAND_SESSIONS_PER_MINUTE: who may start a sandbox now.
   */
  admission: AdmissionLimits;
  /** DOCKHAND_MEMINFO: where the host's available memory is read (/proc/meminfo; another file for a test's squeeze). */
  meminfo: string;
  /** DOCKHAND_LEARNERS_PER_MINUTE, DOCKHAND_RESUME_TRIES_PER_MINUTE: new learners and resume codes tried per client address. */
  learners: LearnerLimits;
  /** DOCKHAND_JOIN_TRIES_PER_MINUTE: wrong workshop codes tried per client address. */
  joinTries: Rate;
  /** DOCKHAND_TRUSTED_PROXIES: addresses whose X-Forwarded-For names the client (a reverse proxy in front). */
  trustedProxies: string[];
};

const ROOT_DIR = path.resolve(import.meta.dirname, '..');
/**
 * What a sandbox is admitted against by default: what a learner with a small container running was
 * measured to hold (57 MiB; idle 43). Peaks above it (the heaviest lessons' builds, 165 to 182 MiB) come
 * from what the host has free, which admission reads on every decision (docs/hosting.md, Sizing a host).
 */
const DEFAULT_GUARANTEE = '64m';

/** Every problem with the settings, one sentence each: all are found before anything slow starts. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} settings need fixing:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  /** A value, or (after noting what is wrong with it) a stand-in so the other values are still checked. */
  const read = <T>(parse: () => T, standIn: T): T => {
    try {
      return parse();
    } catch (error) {
      problems.push((error as Error).message);
      return standIn;
    }
  };
  const stateDir = path.resolve(ROOT_DIR, env.DOCKHAND_STATE_DIR ?? '.dockhand');
  const instance = read(() => parseInstance(env.DOCKHAND_INSTANCE ?? 'main'), 'main');
  const backend = parseBackendConfig(env, instance, read);
  const capacity = backend.capacity;
  const poolMax = read(() => parseCount(env.DOCKHAND_POOL_MAX ?? String(capacity), 'DOCKHAND_POOL_MAX', 0, capacity), 0);
  const memoryBytes = read(() => parseBytes(env.DOCKHAND_SANDBOX_MEMORY ?? '1g', 'DOCKHAND_SANDBOX_MEMORY'), 1024 ** 3);
  const memory = read(() => parseAdmissionMemory(env, memoryBytes), { guaranteeBytes: memoryBytes, reserveBytes: 0 });
  const maxSandboxes = read(
    () =>
      parseCount(
        env.DOCKHAND_MAX_SANDBOXES ?? String(defaultMaxSandboxes(os.totalmem(), memory, capacity)),
        'DOCKHAND_MAX_SANDBOXES',
        1,
        capacity,
      ),
    1,
  );
  const port = read(() => parsePort(env.PORT ?? '8080', 'PORT'), 0);
  const previewPort = read(
    () => parsePort(env.DOCKHAND_PREVIEW_PORT ?? defaultPreviewPort(env.PORT ?? '8080'), 'DOCKHAND_PREVIEW_PORT'),
    0,
  );
  if (port !== 0 && port === previewPort) {
    problems.push(
      `PORT and DOCKHAND_PREVIEW_PORT are both ${port}; web previews need a port of their own, so choose another for one of them.`,
    );
  }
  const durations = (name: string, fallback: string) => read(() => parseDuration(env[name] ?? fallback, name), 1000);
  const config: Config = {
    host: env.HOST ?? '127.0.0.1',
    port,
    rootDir: ROOT_DIR,
    courseDir: read(() => parseCourseDir(env), courseDirIn(ROOT_DIR, {})),
    stateDir,
    instance,
    backend,
    egress: read(() => parseEgress(env.DOCKHAND_EGRESS ?? 'mirror'), 'mirror'),
    poolSize: read(() => parseCount(env.DOCKHAND_POOL_SIZE ?? String(Math.min(2, poolMax)), 'DOCKHAND_POOL_SIZE', 0, poolMax), 0),
    poolMax,
    poolRetry: { initialMs: durations('DOCKHAND_POOL_RETRY_FIRST', '1s'), maxMs: durations('DOCKHAND_POOL_RETRY_MAX', '60s') },
    fixHost: read(() => parseSwitch(env.DOCKHAND_FIX_HOST ?? 'on', 'DOCKHAND_FIX_HOST'), true),
    previewPort,
    previewUrl: read(() => parsePreviewUrl(env.DOCKHAND_PREVIEW_URL), undefined),
    tls: read(() => parseTls(env.DOCKHAND_TLS_CERT, env.DOCKHAND_TLS_KEY), undefined),
    adminToken: read(() => parseAdminToken(env.DOCKHAND_ADMIN_TOKEN), undefined),
    publicUrl: read(() => parsePublicUrl(env.DOCKHAND_PUBLIC_URL), undefined),
    limits: {
      memoryBytes,
      pids: read(() => parseCount(env.DOCKHAND_SANDBOX_PIDS ?? '1024', 'DOCKHAND_SANDBOX_PIDS', 64, 1_000_000), 1024),
      cpus: read(() => parseCpus(env.DOCKHAND_SANDBOX_CPUS ?? '1'), 1),
      diskBytes: read(() => parseBytes(env.DOCKHAND_SANDBOX_DISK ?? '4g', 'DOCKHAND_SANDBOX_DISK'), 4 * 1024 ** 3),
    },
    timeouts: {
      idleMs: durations('DOCKHAND_IDLE_TIMEOUT', '30m'),
      lifetimeMs: durations('DOCKHAND_MAX_LIFETIME', '4h'),
      warnMs: durations('DOCKHAND_TIMEOUT_WARNING', '2m'),
    },
    keepDisks: {
      maxAgeMs: env.DOCKHAND_KEEP_DISKS?.trim() === '0' ? 0 : durations('DOCKHAND_KEEP_DISKS', '7d'),
      maxTotalBytes: read(() => parseBytes(env.DOCKHAND_KEPT_DISKS_MAX ?? '20g', 'DOCKHAND_KEPT_DISKS_MAX'), 0),
    },
    sweepIntervalMs: durations('DOCKHAND_SWEEP_INTERVAL', '10s'),
    adoptTimeoutMs: durations('DOCKHAND_ADOPT_TIMEOUT', '15s'),
    meminfo: env.DOCKHAND_MEMINFO ?? MEMINFO,
    admission: {
      maxSandboxes,
      memory,
      perClient: read(() => parseCount(env.DOCKHAND_SESSIONS_PER_CLIENT ?? '2', 'DOCKHAND_SESSIONS_PER_CLIENT', 1, 10_000), 1),
      rate: read(() => perMinuteRate(env.DOCKHAND_SESSIONS_PER_MINUTE ?? '20', 'DOCKHAND_SESSIONS_PER_MINUTE'), RATE_STAND_IN),
    },
    learners: {
      create: read(() => perMinuteRate(env.DOCKHAND_LEARNERS_PER_MINUTE ?? '20', 'DOCKHAND_LEARNERS_PER_MINUTE'), RATE_STAND_IN),
      resume: read(() => perMinuteRate(env.DOCKHAND_RESUME_TRIES_PER_MINUTE ?? '10', 'DOCKHAND_RESUME_TRIES_PER_MINUTE'), RATE_STAND_IN),
    },
    joinTries: read(() => perMinuteRate(env.DOCKHAND_JOIN_TRIES_PER_MINUTE ?? '10', 'DOCKHAND_JOIN_TRIES_PER_MINUTE'), RATE_STAND_IN),
    trustedProxies: read(() => parseTrustedProxies(env.DOCKHAND_TRUSTED_PROXIES ?? ''), []),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const RATE_STAND_IN = { perMinute: 1, burst: 5 };

/** DOCKHAND_SANDBOX_GUARANTEE and DOCKHAND_HOST_RESERVE; a guarantee above the limit could never be used. */
function parseAdmissionMemory(env: NodeJS.ProcessEnv, limitBytes: number): AdmissionLimits['memory'] {
  const guaranteeBytes = parseBytes(env.DOCKHAND_SANDBOX_GUARANTEE ?? DEFAULT_GUARANTEE, 'DOCKHAND_SANDBOX_GUARANTEE');
  const reserveBytes = parseBytes(env.DOCKHAND_HOST_RESERVE ?? String(defaultHostReserve(os.totalmem())), 'DOCKHAND_HOST_RESERVE');
  if (guaranteeBytes > limitBytes)
    throw new Error('DOCKHAND_SANDBOX_GUARANTEE must not exceed DOCKHAND_SANDBOX_MEMORY, the most a sandbox may use.');
  return { guaranteeBytes, reserveBytes };
}

function parseInstance(instance: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(instance)) {
    throw new Error(`DOCKHAND_INSTANCE must be 1-24 lowercase letters, digits or dashes (got "${instance}").`);
  }
  return instance;
}

function parseAdminToken(text: string | undefined): string | undefined {
  if (!text) return undefined;
  if (text.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new Error(
      `DOCKHAND_ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters long (it has ${text.length}); choose a longer one, or unset it to have one generated.`,
    );
  }
  return text;
}

function parseTrustedProxies(text: string): string[] {
  const addresses = text
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  const bad = addresses.filter((address) => isIP(address) === 0);
  if (bad.length > 0) {
    throw new Error(
      `DOCKHAND_TRUSTED_PROXIES must be IP addresses separated by commas (not an address: ${bad.map((b) => `"${b}"`).join(', ')}).`,
    );
  }
  return addresses;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "4h", "250ms", "7d". */
export function parseDuration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`${name} must be a duration such as 250ms, 90s, 30m, 4h or 7d (got "${text}").`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

const SIZES: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "512m", "4g", or plain bytes. */
export function parseBytes(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text.trim());
  const bytes = match ? Math.round(Number(match[1]) * (SIZES[(match[2] as string).toLowerCase()] ?? 1)) : Number.NaN;
  if (!(bytes >= 16 * 1024 ** 2)) throw new Error(`${name} must be a size of at least 16m, such as 512m or 4g (got "${text}").`);
  return bytes;
}

function parseCount(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${text}").`);
  }
  return value;
}

/** So many a minute, with a burst of half of that (at least 5) at once. */
function perMinuteRate(text: string, name: string): { perMinute: number; burst: number } {
  const perMinute = parseCount(text, name, 1, 100_000);
  return { perMinute, burst: Math.max(5, Math.ceil(perMinute / 2)) };
}

function parseCpus(text: string): number {
  const value = Number(text);
  if (!(value >= 0.1 && value <= 64)) throw new Error(`DOCKHAND_SANDBOX_CPUS must be a number of cores from 0.1 to 64 (got "${text}").`);
  return value;
}

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number between 0 and 65535 (got "${text}").`);
  }
  return port;
}

/** PORT+1; an ephemeral PORT (0, in tests) gets an ephemeral preview port too. */
function defaultPreviewPort(port: string): string {
  const value = Number(port);
  return Number.isInteger(value) && value > 0 && value < 65535 ? String(value + 1) : '0';
}

/**
 * An http(s) origin, or one whose host name starts with the label `{session}` (a wildcard name): then
 * each session's previews get a host name of their own (preview/origin.ts).
 */
function parsePreviewUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const perSession = text.includes(SESSION_PLACEHOLDER);
  // A stand-in label while parsing, which a real session's label (hex) can never be.
  const sample = 'session-label';
  let url: URL;
  try {
    url = new URL(text.replace(SESSION_PLACEHOLDER, sample));
  } catch {
    url = new URL('invalid:');
  }
  const placed = !perSession || (text.split(SESSION_PLACEHOLDER).length === 2 && url.hostname.startsWith(`${sample}.`));
  if (!/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username || !placed) {
    throw new Error(
      `DOCKHAND_PREVIEW_URL must be an http(s) origin such as https://preview.example.org, or one with a host name per session such as https://{session}.preview.example.org (got "${text}").`,
    );
  }
  return perSession ? url.origin.replace(`//${sample}.`, `//${SESSION_PLACEHOLDER}.`) : url.origin;
}

/** DOCKHAND_PUBLIC_URL: an http(s) origin (scheme, host and port only), or undefined when unset. */
function parsePublicUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL('invalid:');
  }
  if (!/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new Error(`DOCKHAND_PUBLIC_URL must be an http(s) origin such as https://dockhand.example.org (got "${text}").`);
  }
  return url.origin;
}

function parseTls(cert: string | undefined, key: string | undefined): Config['tls'] {
  if (!cert && !key) return undefined;
  if (!cert || !key)
    throw new Error('DOCKHAND_TLS_CERT and DOCKHAND_TLS_KEY go together: set both (PEM files) to serve HTTPS, or neither.');
  const tls = { certPath: path.resolve(cert), keyPath: path.resolve(key) };
  for (const [name, file] of [
    ['DOCKHAND_TLS_CERT', tls.certPath],
    ['DOCKHAND_TLS_KEY', tls.keyPath],
  ] as const) {
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      throw new Error(
        `${name} ${file} cannot be read (${(error as NodeJS.ErrnoException).code}); point it at a PEM file Dockhand may read.`,
      );
    }
  }
  return tls;
}

function parseCourseDir(env: NodeJS.ProcessEnv): string {
  const dir = courseDirIn(ROOT_DIR, env);
  if (env.DOCKHAND_COURSE && !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`DOCKHAND_COURSE must name a folder of lessons (got "${env.DOCKHAND_COURSE}", and ${dir} is not a folder).`);
  }
  return dir;
}

function parseEgress(text: string): EgressMode {
  const mode = EGRESS_MODES.find((candidate) => candidate === text.trim().toLowerCase());
  if (!mode) throw new Error(`DOCKHAND_EGRESS must be ${EGRESS_MODES.join(', ')} (got "${text}").`);
  return mode;
}
