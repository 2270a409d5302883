// The course as data: what the one lesson parser produces for both the site and the server.
// Field names and meanings follow docs/lesson-format.md; defaults stated there are applied by whoever
// evaluates a check, so an absent field here means "the author did not say".

/** Something wrong in a lesson file, at a 1-based line of that file. */
export type Problem = { file: string; line: number; message: string };

export type Lesson = {
  slug: string;
  title: string;
  order: number;
  summary: string;
  minutes: number;
  /** Normalised references, always with a tag: `busybox` becomes `busybox:latest`. */
  images: string[];
  /** Paths relative to lessons/starter/<slug>/, copied into ~/workspace when a session starts. */
  starter: string[];
  /** The file name as given to parseLesson, e.g. `01-hello-world.md`. */
  file: string;
  /** The Markdown after the front matter. */
  body: string;
  exercises: Exercise[];
  /** Every code block the page shows, in order (exercise blocks are not code blocks). */
  codeBlocks: CodeBlock[];
};

export type Exercise = {
  id: string;
  title: string;
  /** Markdown. */
  task: string;
  checks: Check[];
  /** Markdown, revealed one at a time. */
  hints: string[];
  /** Markdown explaining the solution: never sent to learners before they ask the server for it. */
  solution: string;
  /** Shell script typed as the learner from wherever they stand; shown only to a learner who asks for the solution. */
  solve: string;
  /**
   * Plausible wrong answers, each a shell script run as the learner: the self-test proves every one
   * leaves the exercise failing with a helpful message. Never sent to learners.
   */
  wrong: string[];
  /** File line of the exercise's opening fence. */
  line: number;
};

export type CodeBlock = {
  /** First word of the info string (`sh`, `dockerfile`, …), empty when none. */
  lang: string;
  exec: boolean;
  interrupt: boolean;
  /** Terminal tab, 1-based (default 1). */
  terminal: number;
  /** The block's text without its final newline. */
  code: string;
  /** File line of the opening fence (or of the first line of an indented block). */
  line: number;
};

export type ContainerState = 'running' | 'exited' | 'created' | 'paused';
export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** A published port; `host` absent means "published on any host port", `protocol` defaults to tcp. */
export type PortCheck = { container: number; host?: number; protocol?: 'tcp' | 'udp' | 'sctp' };
export type MountCheck = { destination: string; source?: string; type?: 'bind' | 'volume'; readOnly?: boolean };

/** `message` overrides the failure sentence of any check. */
export type ContainerCheck = {
  kind: 'container';
  message?: string;
  name?: string;
  image?: string;
  state?: ContainerState;
  exitCode?: number;
  ports?: PortCheck[];
  mounts?: MountCheck[];
  env?: Record<string, string>;
  hostname?: string;
  /** Substring of stdout+stderr. */
  logs?: string;
  restartPolicy?: RestartPolicy;
  /** The most restarts `on-failure:N` allows. */
  restartRetries?: number;
  autoRemove?: boolean;
  /** Capabilities dropped with --cap-drop, without CAP_ (such as CHOWN). */
  capDrop?: string[];
  /** The user it was started as (--user, or the image's USER). */
  user?: string;
  /** false: no port of it is published on the host. */
  publishes?: boolean;
  /** Stdin kept open. */
  interactive?: boolean;
  /** At least this many containers match (default 1). */
  count?: number;
};

export type ImageCheck = {
  kind: 'image';
  message?: string;
  name: string;
  /** Default true; false means no such tag. */
  exists?: boolean;
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
  workdir?: string;
  user?: string;
  /** Such as `8080/tcp`. */
  exposedPorts?: string[];
  sameIdAs?: string;
  sharesLayersWith?: string;
  minLayers?: number;
  maxLayers?: number;
  fromScratch?: boolean;
};

export type VolumeCheck = {
  kind: 'volume';
  message?: string;
  name: string;
  exists?: boolean;
  /** Path inside the volume. */
  holdsFile?: string;
  /** Substring of holdsFile's content. */
  fileContains?: string;
};

export type NetworkCheck = { kind: 'network'; message?: string; name: string; exists?: boolean; driver?: string; containers?: string[] };

/** A request made from inside the sandbox; `status` defaults to 200. */
export type HttpCheck = { kind: 'http'; message?: string; url: string; status?: number; contains?: string };

export type RegistryCheck = { kind: 'registry'; message?: string; registry: string; repository: string; tag: string };

/** `path` is relative to ~/workspace; `matches` is a JavaScript regular expression (no flags). */
export type FileCheck = { kind: 'file'; message?: string; path: string; exists?: boolean; contains?: string; matches?: string };

/** Shell run as the learner in ~/workspace; exit 0 passes, `FAIL:` lines become the message. */
export type ScriptCheck = { kind: 'script'; message?: string; run: string };

export type Check = ContainerCheck | ImageCheck | VolumeCheck | NetworkCheck | HttpCheck | RegistryCheck | FileCheck | ScriptCheck;
export type CheckKind = Check['kind'];
