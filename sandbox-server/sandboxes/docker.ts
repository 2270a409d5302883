// The host's Docker Engine, and the small helpers the sandbox module needs on top of dockerode.
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';

export type Engine = Docker;

/** Connects to the engine named by DOCKER_HOST, or the default socket. */
export function connectHostEngine(): Engine {
  return new Docker();
}

export type EngineVersion = { version: string; apiVersion: string };

export async function engineVersion(engine: Engine): Promise<EngineVersion> {
  const info = await engine.version();
  return { version: info.Version, apiVersion: info.ApiVersion };
}

type ProgressEvent = { stream?: string; status?: string; error?: string; errorDetail?: { message?: string } };

/**
 * Follows a build/pull/push stream to its end. The modem reports success even when the stream carried
 * an error event, so errors are looked for in the events themselves.
 */
export function followStream(
  engine: Engine,
  stream: NodeJS.ReadableStream,
  onEvent: (event: ProgressEvent) => void = () => {},
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    engine.modem.followProgress(
      stream,
      (err: Error | null, events: ProgressEvent[]) => {
        if (err) return reject(err);
        const failed = events.find((event) => event.error || event.errorDetail);
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'unknown Docker error'));
        resolve(events);
      },
      onEvent,
    );
  });
}

/** An inspect (or any call about one object) that answers undefined when the object does not exist. */
export async function unlessMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function imageId(engine: Engine, ref: string): Promise<string | undefined> {
  return (await unlessMissing(engine.getImage(ref).inspect()))?.Id;
}

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}

/** Removes a container if it exists; "already gone" is success. */
export async function removeContainer(engine: Engine, id: string): Promise<void> {
  try {
    await engine.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    if (!isNotFound(error) && !/removal of container .* is already in progress/.test(String(error))) throw error;
  }
}

export async function removeVolume(engine: Engine, name: string): Promise<void> {
  try {
    await engine.getVolume(name).remove({ force: true });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** `docker save` of several images into one tar stream (dockerode has it; its types do not). */
export function saveImages(engine: Engine, refs: string[]): Promise<NodeJS.ReadableStream> {
  const withSave = engine as Engine & { getImages(opts: { names: string[] }): Promise<NodeJS.ReadableStream> };
  return withSave.getImages({ names: refs });
}

/**
 * The last lines a container printed, as text. Without a TTY the engine frames each chunk with its
 * stream, and the modem takes the frames apart.
 */
export async function containerLogs(engine: Engine, name: string, tail: number, tty = false): Promise<string> {
  const frames = await engine.getContainer(name).logs({ stdout: true, stderr: true, tail, follow: false });
  if (tty) return frames.toString('utf8').trim();
  const source = new PassThrough();
  const text = new PassThrough();
  engine.modem.demuxStream(source, text, text);
  source.on('end', () => text.end());
  source.end(frames);
  const chunks: Buffer[] = [];
  for await (const chunk of text) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
