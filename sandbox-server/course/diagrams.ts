// Diagrams in lessons: `![text alternative](assets/<name>.svg)` names an SVG in the course's assets/
// folder. The site inlines it into the page, so it draws with the page's own colours (currentColor and
// the theme's CSS variables) in light and dark; the Markdown's alt text is what a screen reader says.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Token } from 'markdown-it';
import { lessonMarkdown } from './fences.ts';

/** The one form a diagram reference takes. */
export const DIAGRAM_SRC = /^assets\/[a-z0-9][a-z0-9-]*\.svg$/;
/** Inlined into the page, so nothing in it may run or reach out. */
const UNSAFE = /<script|<foreignObject|\son[a-z]+\s*=|javascript:|<image\b|(?:href|src)\s*=\s*["'](?!#)/i;

export type DiagramRef = { src: string; alt: string; line: number };

const markdown = lessonMarkdown();

/** Every image a lesson body shows, with its 0-based line in the body. */
export function imageRefs(body: string): DiagramRef[] {
  const refs: DiagramRef[] = [];
  const visit = (tokens: Token[], line: number) => {
    for (const token of tokens) {
      const at = token.map?.[0] ?? line;
      if (token.type === 'image') refs.push({ src: String(token.attrGet('src') ?? ''), alt: token.content, line: at });
      if (token.children) visit(token.children, at);
    }
  };
  visit(markdown.parse(body, {}), 0);
  return refs;
}

/** The diagram's SVG, or a sentence saying what is wrong with it. */
export async function readDiagram(courseDir: string, ref: DiagramRef): Promise<{ svg: string } | { problem: string }> {
  if (!DIAGRAM_SRC.test(ref.src))
    return { problem: `the image "${ref.src}" must be a diagram in the course's assets folder, such as assets/layers.svg` };
  if (!ref.alt.trim()) return { problem: `the diagram ${ref.src} needs a text alternative: ![what it shows](${ref.src})` };
  // Missing, a folder or unreadable: to the author it is the one problem below, the diagram is not there.
  const svg = await readFile(path.join(courseDir, ref.src), 'utf8').catch(() => undefined);
  if (svg === undefined) return { problem: `the diagram ${ref.src} does not exist in ${path.join(courseDir, 'assets')}` };
  if (!/^\s*(?:<\?xml[^>]*>\s*)?<svg[\s>]/.test(svg))
    return { problem: `the diagram ${ref.src} is not an SVG file (it must start with <svg)` };
  if (UNSAFE.test(svg))
    return { problem: `the diagram ${ref.src} holds scripts, event handlers or external references: draw with shapes and text only` };
  return { svg: svg.replace(/^\s*<\?xml[^>]*>\s*/, '').trim() };
}
