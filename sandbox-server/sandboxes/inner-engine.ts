// The learner's own Docker Engine as Dockhand reads it: the few calls checks, the Engine tab and the
// preview make, whatever backend runs the sandbox. Everything such an engine answers is the learner's
// to forge (a fake server on the socket, an engine they patched), so every answer is bounded in size
// and time by the client (engine-client.ts) and parsed here into the fields Dockhand uses, nothing more:
// a wrong type is a refusal with a sentence, never a crash further in.
import { z } from 'zod';

/** One answer from a learner's engine (a list, an inspect, logs) is cut off past this many bytes. */
export const ENGINE_ANSWER_MAX_BYTES = 8 * 1024 * 1024;
/** A container's logs as a check reads them: enough for any lesson's output, bounded for any learner's. */
export const ENGINE_LOGS_MAX_BYTES = 1024 * 1024;
/** One call may take this long, connection included; an engine that is slower is treated as not answering. */
export const ENGINE_CALL_TIMEOUT_MS = 10_000;
/** A pull made by a check (a base image BuildKit did not keep) may take this long. */
export const ENGINE_PULL_TIMEOUT_MS = 120_000;
/** One line of the events stream (or a pull's progress) longer than this ends the stream. */
export const ENGINE_LINE_MAX_BYTES = 64 * 1024;
/** Calls to one learner's engine in flight at once; more wait their turn. */
export const ENGINE_CALLS_IN_FLIGHT = 4;

export type InnerEngineProblem = 'unreachable' | 'timeout' | 'too_large' | 'bad_answer' | 'refused';

/** What went wrong with a learner's engine, in one sentence for that learner. */
export class InnerEngineError extends Error {
  readonly code = 'inner_engine';
  readonly problem: InnerEngineProblem;
  constructor(problem: InnerEngineProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.problem = problem;
  }
}

const text = z
  .string()
  .nullish()
  .transform((value) => value ?? '');
const texts = z
  .array(z.string())
  .nullish()
  .transform((value) => value ?? []);
const listOf = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((value) => value ?? []);
const recordOf = <T extends z.ZodType>(item: T) =>
  z
    .record(z.string(), item)
    .nullish()
    .transform((value) => value ?? {});
const count = z
  .number()
  .nullish()
  .transform((value) => value ?? 0);

export const ContainerSummary = z.object({
  Id: z.string(),
  Names: texts,
  Image: text,
  ImageID: text,
  State: text,
  Status: text,
  Created: count,
  Ports: listOf(z.object({ PrivatePort: z.number(), PublicPort: z.number().optional(), Type: z.string() })),
  Mounts: listOf(z.object({ Type: text, Name: z.string().optional() })),
  NetworkSettings: z
    .object({ Networks: recordOf(z.unknown()) })
    .nullish()
    .transform((value) => value ?? { Networks: {} }),
});
export type ContainerSummary = z.output<typeof ContainerSummary>;

const PortBinding = z.object({ HostIp: text, HostPort: text });

export const ContainerDetails = z.object({
  Id: z.string(),
  Name: text,
  Image: text,
  Created: text,
  RestartCount: count,
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    ExitCode: count,
    StartedAt: text,
    FinishedAt: text,
  }),
  Config: z.object({
    Env: texts,
    Hostname: text,
    User: text,
    OpenStdin: z.boolean().nullish(),
    Tty: z.boolean().nullish(),
    Image: text,
    Cmd: texts,
    Entrypoint: texts,
    Labels: recordOf(z.string()),
  }),
  HostConfig: z.object({
    PortBindings: recordOf(listOf(PortBinding)),
    RestartPolicy: z
      .object({ Name: text, MaximumRetryCount: count })
      .nullish()
      .transform((value) => value ?? { Name: '', MaximumRetryCount: 0 }),
    CapDrop: texts,
    PublishAllPorts: z.boolean().nullish(),
    AutoRemove: z.boolean().nullish(),
    Init: z.boolean().nullish(),
  }),
  Mounts: listOf(z.object({ Type: text, Name: z.string().optional(), Source: text, Destination: z.string(), RW: z.boolean() })),
});
export type ContainerDetails = z.output<typeof ContainerDetails>;

export const ImageSummary = z.object({
  Id: z.string(),
  RepoTags: texts,
  Size: count,
  Created: count,
});
export type ImageSummary = z.output<typeof ImageSummary>;

export const ImageDetails = z.object({
  Id: z.string(),
  RepoTags: texts,
  Created: text,
  Size: count,
  Config: z
    .object({
      Entrypoint: texts,
      Cmd: texts,
      Env: texts,
      Labels: recordOf(z.string()),
      WorkingDir: text,
      User: text,
      ExposedPorts: recordOf(z.unknown()),
      StopSignal: text,
    })
    .nullish()
    .transform(
      (value) => value ?? { Entrypoint: [], Cmd: [], Env: [], Labels: {}, WorkingDir: '', User: '', ExposedPorts: {}, StopSignal: '' },
    ),
  RootFS: z
    .object({ Layers: texts })
    .nullish()
    .transform((value) => value ?? { Layers: [] }),
});
export type ImageDetails = z.output<typeof ImageDetails>;

export const HistoryStep = z.object({ CreatedBy: text, Size: count });
export type HistoryStep = z.output<typeof HistoryStep>;

export const VolumeSummary = z.object({ Name: z.string(), Driver: text, Mountpoint: text });
export type VolumeSummary = z.output<typeof VolumeSummary>;
export const VolumeList = z.object({ Volumes: listOf(VolumeSummary) });

export const NetworkSummary = z.object({ Name: z.string(), Driver: text });
export type NetworkSummary = z.output<typeof NetworkSummary>;
export const NetworkDetails = z.object({
  Name: z.string(),
  Driver: text,
  Containers: recordOf(z.object({ Name: text })),
});
export type NetworkDetails = z.output<typeof NetworkDetails>;

/** One change the engine reported (`docker events`): what happened, and when (ns since the epoch). */
export type EngineEvent = { action: string; timeNano: number | undefined };

export type EventsOptions = {
  /** Seconds since the epoch: events from then on. */
  since: number;
  types: ('container' | 'image' | 'volume' | 'network')[];
  onEvent(event: EngineEvent): void;
  /** The stream ended: the engine stopped, it misbehaved (an error saying how), or it was stopped. */
  onEnd(error?: Error): void;
};

/**
 * A client of one learner's engine, opened by the backend (SandboxBackend.openEngine) and closed by
 * whoever opened it; closing ends every call in flight. Lookups of one object answer undefined when the
 * engine says it does not exist. Every other failure is an InnerEngineError.
 */
export type InnerEngine = {
  ping(): Promise<void>;
  containers(): Promise<ContainerSummary[]>;
  container(idOrName: string): Promise<ContainerDetails | undefined>;
  /** The container's last `tail` lines of output (stdout and stderr), as text, at most ENGINE_LOGS_MAX_BYTES. */
  containerLogs(id: string, options: { tail: number; tty: boolean }): Promise<string>;
  images(): Promise<ImageSummary[]>;
  image(ref: string): Promise<ImageDetails | undefined>;
  /** `docker image history`, newest step first as the engine gives it. */
  imageHistory(id: string): Promise<HistoryStep[]>;
  /** Pulls an image into the learner's engine (through its mirror); fails with the engine's reason. */
  pullImage(ref: string): Promise<void>;
  volumes(): Promise<VolumeSummary[]>;
  volume(name: string): Promise<VolumeSummary | undefined>;
  networks(): Promise<NetworkSummary[]>;
  network(name: string): Promise<NetworkDetails | undefined>;
  events(options: EventsOptions): { stop(): void };
  close(): void;
};

/** The TCP ports an engine's containers publish, each once, with the first container that publishes it. */
export function publishedPortsOf(containers: ContainerSummary[]): { port: number; container: string }[] {
  const seen = new Map<number, string>();
  for (const found of containers) {
    for (const binding of found.Ports) {
      if (!binding.PublicPort || binding.Type !== 'tcp' || seen.has(binding.PublicPort)) continue;
      seen.set(binding.PublicPort, (found.Names[0] ?? found.Id).replace(/^\//, ''));
    }
  }
  return [...seen].map(([port, container]) => ({ port, container }));
}
