// Long work (image builds, mirror fill) reports what it is doing one line at a time.
export type Progress = (line: string) => void;

export function prefixed(prefix: string, progress: Progress): Progress {
  return (line) => progress(`${prefix}: ${line}`);
}

export const silent: Progress = () => {};
