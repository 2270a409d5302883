// Docker image references, read one way everywhere: `name[:tag][@digest]`, where a name may start with
// a registry host and port (`localhost:5000/x`), and a missing tag means `latest`.
export type ImageRef = { name: string; tag: string; digest?: string };

export function parseImageRef(text: string): ImageRef {
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const rest = at >= 0 ? text.slice(0, at) : text;
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  return {
    name: hasTag ? rest.slice(0, colon) : rest,
    tag: hasTag ? rest.slice(colon + 1) : 'latest',
    ...(digest ? { digest } : {}),
  };
}

/** `busybox` → `busybox:latest`; a digest stays. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}:${ref.tag}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function normalizeImageRef(text: string): string {
  return formatImageRef(parseImageRef(text));
}

/** The `{repo, tag}` pair the engine's tag and import calls take. */
export function repoTag(text: string): { repo: string; tag: string } {
  const { name, tag } = parseImageRef(text);
  return { repo: name, tag };
}
