// Dockhand's settings, read once from the environment. Everything has a default, so `npm start` needs
// no configuration; a bad value stops the start with a sentence that names the variable.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { courseDirIn } from './course/load.ts';
import { EGRESS_MODES, type EgressMode } from './sandboxes/firewall.ts';
import type { RetentionPolicy } from './sandboxes/retention.ts';
import { parseSubnet, type Subnet, sandboxCapacity } from './sandboxes/subnet.ts';
import { type AdmissionLimits, defaultMaxSandboxes } from './sessions/admission.ts';
import type { LearnerLimits } from './sessions/learners.ts';

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
  /** Short-lived runtime files such as each sandbox's engine socket (kept short: unix sockets max 107 bytes). */
  runDir: string;
  /** Tells this Dockhand's containers, networks and volumes apart from another's on the same engine. */
  instance: string;
  /** The sandboxes' own bridge network: an IPv4 /16 to /24, whose upper half holds the sandboxes. */
  subnet: Subnet;
  /** DOCKHAND_EGRESS: what sandboxes reach beyond the image mirror: nothing (mirror), public addresses only (internet), or anything (open). */
  egress: EgressMode;
  /** The Linux bridge's name (at most 15 characters), unique per instance. */
  bridgeName: string;
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
  /** DOCKHAND_PREVIEW_URL: where browsers reach the preview listener when a proxy stands in front (e.g. https://preview.example.org). */
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
  /** DOCKHAND_MAX_SANDBOXES, DOCKHAND_SESSIONS_PER_CLIENT, DOCKHAND_SESSIONS_PER_MINUTE: who may start a sandbox now. */
  admission: AdmissionLimits;
  /** DOCKHAND_LEARNERS_PER_MINUTE, DOCKHAND_RESUME_TRIES_PER_MINUTE: new learners and resume codes tried per client address. */
  learners: LearnerLimits;
  /** DOCKHAND_TRUSTED_PROXIES: addresses whose X-Forwarded-For names the client (a reverse proxy in front). */
  trustedProxies: string[];
};

const ROOT_DIR = path.resolve(import.meta.dirname, '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const stateDir = path.resolve(ROOT_DIR, env.DOCKHAND_STATE_DIR ?? '.dockhand');
  const instance = env.DOCKHAND_INSTANCE ?? 'main';
  if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(instance)) {
    throw new Error(`DOCKHAND_INSTANCE must be 1-24 lowercase letters, digits or dashes (got "${instance}").`);
  }
  const subnet = env.DOCKHAND_SUBNET ?? '172.31.213.0/24';
  const parsed = parseSubnet(subnet);
  if (!parsed) {
    throw new Error(`DOCKHAND_SUBNET must be an IPv4 network from /16 to /24 such as 172.31.213.0/24 or 10.77.0.0/16 (got "${subnet}").`);
  }
  const capacity = sandboxCapacity(parsed);
  const poolMax = parseCount(env.DOCKHAND_POOL_MAX ?? String(Math.min(24, capacity)), 'DOCKHAND_POOL_MAX', 0, capacity);
  const memoryBytes = parseBytes(env.DOCKHAND_SANDBOX_MEMORY ?? '1g', 'DOCKHAND_SANDBOX_MEMORY');
  const maxSandboxes = parseCount(
    env.DOCKHAND_MAX_SANDBOXES ?? String(defaultMaxSandboxes(os.totalmem(), memoryBytes, capacity)),
    'DOCKHAND_MAX_SANDBOXES',
    1,
    capacity,
  );
  return {
    host: env.HOST ?? '127.0.0.1',
    port: parsePort(env.PORT ?? '8080', 'PORT'),
    rootDir: ROOT_DIR,
    courseDir: parseCourseDir(env),
    stateDir,
    runDir: path.resolve(env.DOCKHAND_RUN_DIR ?? defaultRunDir(instance)),
    instance,
    subnet: parsed,
    egress: parseEgress(env.DOCKHAND_EGRESS ?? 'mirror'),
    bridgeName: parseBridge(env.DOCKHAND_BRIDGE ?? bridgeFor(instance)),
    poolSize: parseCount(env.DOCKHAND_POOL_SIZE ?? String(Math.min(2, poolMax)), 'DOCKHAND_POOL_SIZE', 0, poolMax),
    poolMax,
    poolRetry: {
      initialMs: parseDuration(env.DOCKHAND_POOL_RETRY_FIRST ?? '1s', 'DOCKHAND_POOL_RETRY_FIRST'),
      maxMs: parseDuration(env.DOCKHAND_POOL_RETRY_MAX ?? '60s', 'DOCKHAND_POOL_RETRY_MAX'),
    },
    fixHost: parseSwitch(env.DOCKHAND_FIX_HOST ?? 'on', 'DOCKHAND_FIX_HOST'),
    previewPort: parsePort(env.DOCKHAND_PREVIEW_PORT ?? defaultPreviewPort(env.PORT ?? '8080'), 'DOCKHAND_PREVIEW_PORT'),
    previewUrl: parseOrigin(env.DOCKHAND_PREVIEW_URL, 'DOCKHAND_PREVIEW_URL', 'https://preview.example.org'),
    publicUrl: parseOrigin(env.DOCKHAND_PUBLIC_URL, 'DOCKHAND_PUBLIC_URL', 'https://dockhand.example.org'),
    tls: parseTls(env.DOCKHAND_TLS_CERT, env.DOCKHAND_TLS_KEY),
    adminToken: env.DOCKHAND_ADMIN_TOKEN || undefined,
    limits: {
      memoryBytes,
      pids: parseCount(env.DOCKHAND_SANDBOX_PIDS ?? '1024', 'DOCKHAND_SANDBOX_PIDS', 64, 1_000_000),
      cpus: parseCpus(env.DOCKHAND_SANDBOX_CPUS ?? '1'),
      diskBytes: parseBytes(env.DOCKHAND_SANDBOX_DISK ?? '4g', 'DOCKHAND_SANDBOX_DISK'),
    },
    timeouts: {
      idleMs: parseDuration(env.DOCKHAND_IDLE_TIMEOUT ?? '30m', 'DOCKHAND_IDLE_TIMEOUT'),
      lifetimeMs: parseDuration(env.DOCKHAND_MAX_LIFETIME ?? '4h', 'DOCKHAND_MAX_LIFETIME'),
      warnMs: parseDuration(env.DOCKHAND_TIMEOUT_WARNING ?? '2m', 'DOCKHAND_TIMEOUT_WARNING'),
    },
    keepDisks: {
      maxAgeMs: env.DOCKHAND_KEEP_DISKS?.trim() === '0' ? 0 : parseDuration(env.DOCKHAND_KEEP_DISKS ?? '7d', 'DOCKHAND_KEEP_DISKS'),
      maxTotalBytes: parseBytes(env.DOCKHAND_KEPT_DISKS_MAX ?? '20g', 'DOCKHAND_KEPT_DISKS_MAX'),
    },
    sweepIntervalMs: parseDuration(env.DOCKHAND_SWEEP_INTERVAL ?? '10s', 'DOCKHAND_SWEEP_INTERVAL'),
    admission: {
      maxSandboxes,
      perClient: parseCount(env.DOCKHAND_SESSIONS_PER_CLIENT ?? '2', 'DOCKHAND_SESSIONS_PER_CLIENT', 1, 10_000),
      rate: perMinuteRate(env.DOCKHAND_SESSIONS_PER_MINUTE ?? '20', 'DOCKHAND_SESSIONS_PER_MINUTE'),
    },
    learners: {
      create: perMinuteRate(env.DOCKHAND_LEARNERS_PER_MINUTE ?? '20', 'DOCKHAND_LEARNERS_PER_MINUTE'),
      resume: perMinuteRate(env.DOCKHAND_RESUME_TRIES_PER_MINUTE ?? '10', 'DOCKHAND_RESUME_TRIES_PER_MINUTE'),
    },
    trustedProxies: (env.DOCKHAND_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean),
  };
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

function defaultRunDir(instance: string): string {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? `/run/dockhand/${instance}` : path.join('/tmp', `dockhand-${process.getuid?.() ?? 0}`, instance);
}

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number between 0 and 65535 (got "${text}").`);
  }
  return port;
}

/** Linux cuts bridge names at 15 characters: a long instance name gets a short name with a hash of it. */
export function bridgeFor(instance: string): string {
  const readable = `dockhand-${instance}`;
  if (readable.length <= 15) return readable;
  return `dh-${instance.slice(0, 5)}-${createHash('sha256').update(instance).digest('hex').slice(0, 6)}`;
}

function parseBridge(text: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(text)) {
    throw new Error(`DOCKHAND_BRIDGE must be 1-15 letters, digits, dots, dashes or underscores (got "${text}").`);
  }
  return text;
}

/** PORT+1; an ephemeral PORT (0, in tests) gets an ephemeral preview port too. */
function defaultPreviewPort(port: string): string {
  const value = Number(port);
  return Number.isInteger(value) && value > 0 && value < 65535 ? String(value + 1) : '0';
}

/** An http(s) origin (scheme, host and port only), or undefined when unset. */
function parseOrigin(text: string | undefined, name: string, example: string): string | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL('invalid:');
  }
  if (!/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search) {
    throw new Error(`${name} must be an http(s) origin such as ${example} (got "${text}").`);
  }
  return url.origin;
}

function parseTls(cert: string | undefined, key: string | undefined): Config['tls'] {
  if (!cert && !key) return undefined;
  if (!cert || !key)
    throw new Error('DOCKHAND_TLS_CERT and DOCKHAND_TLS_KEY go together: set both (PEM files) to serve HTTPS, or neither.');
  return { certPath: path.resolve(cert), keyPath: path.resolve(key) };
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

function parseSwitch(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'on', 'true', 'yes'].includes(value)) return true;
  if (['0', 'off', 'false', 'no'].includes(value)) return false;
  throw new Error(`${name} must be on or off (got "${text}").`);
}
