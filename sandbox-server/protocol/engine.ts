// What the Engine tab shows: a snapshot of the learner's own engine, made by the server
// (sandbox-server/engine-view/) and pushed on the session's events socket whenever the engine changed.
// Plain data; names are as the learner types them (container names without the leading slash).

export type EnginePort = { container: number; host: number | null; protocol: string };

export type EngineContainer = {
  id: string;
  name: string;
  /** What the container was started from, as the learner named it (`busybox`, `app:v1`). */
  image: string;
  /** The image's id: the key into `images`, so a container can point at its image's stack. */
  imageId: string;
  state: string;
  /** Docker's own words, such as "Up 2 minutes" or "Exited (0) 3 seconds ago". */
  status: string;
  ports: EnginePort[];
  /** Named volumes it mounts. */
  volumes: string[];
  networks: string[];
};

/** One layer, keyed by its chain id (the layer together with everything below it), so equal keys are one shared layer on disk. */
export type EngineLayer = {
  key: string;
  /** Bytes this layer adds; null when the engine does not say. */
  size: number | null;
  /** The build step that made it, shortened; empty when unknown. */
  createdBy: string;
};

export type EngineImage = {
  id: string;
  /** `name:tag` references; empty for an untagged (dangling) image. */
  tags: string[];
  size: number;
  /** Bottom first. */
  layers: EngineLayer[];
};

export type EngineVolume = { name: string; driver: string; mountedBy: string[] };

export type EngineNetwork = { name: string; driver: string; containers: string[] };

/** Each list shows at most this many (the learner can make thousands); the rest are only counted. */
export const SNAPSHOT_ITEMS_MAX = 200;
/** Images whose layer stacks are read (two engine calls each); the others show without layers. */
export const SNAPSHOT_STACKS_MAX = 50;
/** Layers drawn per image. */
export const SNAPSHOT_LAYERS_MAX = 128;

export type EngineSnapshot = {
  containers: EngineContainer[];
  images: EngineImage[];
  volumes: EngineVolume[];
  networks: EngineNetwork[];
  /** How many of each there are beyond those shown (SNAPSHOT_ITEMS_MAX). */
  hidden: { containers: number; images: number; volumes: number; networks: number };
};
