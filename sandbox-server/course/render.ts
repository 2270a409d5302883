// Lesson HTML for the site. Raw HTML in lessons stays text (html: false), every piece of author text
// is escaped, exercise blocks never show their YAML (it holds the solve script), and the site's script
// finds code blocks, run buttons and exercises through the data attributes set here.
import type { RendererRule, Token } from 'markdown-it';
import { lessonMarkdown, readFenceInfo } from './fences.ts';
import { highlightCode } from './highlight.ts';
import type { Exercise, Lesson } from './types.ts';

export type Heading = { id: string; text: string; level: number };
export type RenderedLesson = { html: string; headings: Heading[] };

type RenderEnv = {
  exercises: Exercise[];
  nextExercise: number;
  headings: Heading[];
  usedIds: Set<string>;
  /** Inside an exercise's task or hints: headings get no ids and nested exercise blocks show nothing. */
  inExercise: boolean;
  /** SVG text of the course's diagrams by path (course/diagrams.ts), drawn inline. */
  diagrams?: ReadonlyMap<string, string>;
};

const markdown = lessonMarkdown();
const { escapeHtml } = markdown.utils;

function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/[\s-]+/g, '-');
  return slug || 'section';
}

function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}

function renderCode(code: string, info: ReturnType<typeof readFenceInfo>): string {
  const text = code.replace(/\n$/, '');
  const lang = info.kind === 'code' ? info.lang.toLowerCase().replace(/[^a-z0-9_+-]/g, '') : '';
  const attributes = [`data-lang="${lang}"`, `data-code="${escapeHtml(text)}"`];
  const buttons = ['<button type="button" class="code-copy" data-code-action="copy">Copy</button>'];
  if (info.kind === 'code' && info.exec) {
    attributes.push('data-exec', `data-terminal="${info.terminal}"`);
    if (info.interrupt) attributes.push('data-interrupt');
    const where = info.terminal === 1 ? 'in the terminal' : `in terminal ${info.terminal}`;
    buttons.push(`<button type="button" class="code-run" data-code-action="run" title="Run ${where}">Run</button>`);
  }
  const codeClass = lang ? ` class="hljs language-${lang}"` : ' class="hljs"';
  return `<dockhand-code class="code-block" ${attributes.join(' ')}><pre><code${codeClass}>${highlightCode(text, lang, escapeHtml)}</code></pre><div class="code-actions">${buttons.join('')}</div></dockhand-code>\n`;
}

function renderExercise(exercise: Exercise, env: RenderEnv): string {
  const inner: RenderEnv = { ...env, inExercise: true };
  const id = escapeHtml(exercise.id);
  const hints = exercise.hints
    .map((hint, index) => `<li class="exercise-hint" data-hint="${index + 1}" hidden>${markdown.render(hint, inner)}</li>`)
    .join('');
  return [
    `<dockhand-exercise><section class="exercise" id="exercise-${id}" data-exercise="${id}" data-checks="${exercise.checks.length}">`,
    `<h3 class="exercise-title">${markdown.renderInline(exercise.title, inner)}</h3>`,
    `<div class="exercise-task">${markdown.render(exercise.task, inner)}</div>`,
    hints && `<ol class="exercise-hints" data-hints="${exercise.hints.length}">${hints}</ol>`,
    '</section></dockhand-exercise>\n',
  ].join('');
}

const renderFence: RendererRule = (tokens, index, _options, env) => {
  const token = tokens[index] as Token;
  const state = env as RenderEnv;
  const info = readFenceInfo(token.info);
  if (info.kind !== 'exercise') return renderCode(token.content, info);
  if (state.inExercise) return '';
  const exercise = state.exercises[state.nextExercise++];
  return exercise ? renderExercise(exercise, state) : '';
};

const renderIndentedCode: RendererRule = (tokens, index) =>
  renderCode((tokens[index] as Token).content, { kind: 'code', lang: '', exec: false, interrupt: false, terminal: 1, problems: [] });

const renderHeadingOpen: RendererRule = (tokens, index, options, env, self) => {
  const token = tokens[index] as Token;
  const state = env as RenderEnv;
  if (!state.inExercise) {
    const text = self.renderInlineAsText(tokens[index + 1]?.children ?? [], options, env).trim();
    const id = uniqueId(slugify(text), state.usedIds);
    token.attrSet('id', id);
    state.headings.push({ id, text, level: Number(token.tag.slice(1)) });
  }
  return self.renderToken(tokens, index, options);
};

const renderImage = markdown.renderer.rules.image as RendererRule;

/** A diagram is drawn inline, in the page's colours; the alt text is what it says to a screen reader. */
const renderDiagram: RendererRule = (tokens, index, options, env, self) => {
  const token = tokens[index] as Token;
  const svg = (env as RenderEnv).diagrams?.get(String(token.attrGet('src')));
  if (svg === undefined) return renderImage(tokens, index, options, env, self);
  const alt = escapeHtml(self.renderInlineAsText(token.children ?? [], options, env));
  const art = svg.replace(/^<svg/, '<svg aria-hidden="true" focusable="false"');
  return `<span class="diagram" role="img" aria-label="${alt}">${art}</span>`;
};

markdown.renderer.rules.fence = renderFence;
markdown.renderer.rules.image = renderDiagram;
markdown.renderer.rules.code_block = renderIndentedCode;
markdown.renderer.rules.heading_open = renderHeadingOpen;

/**
 * The lesson body as HTML, and its headings (plain text, for a table of contents). Exercise blocks
 * become <section class="exercise" id="exercise-<id>" data-exercise="<id>"> with the title, the task
 * and the hints (each `hidden`), never the solution, checks or solve script. Diagrams named in
 * `diagrams` (Course.diagrams) are drawn inline.
 */
export function renderLesson(lesson: Lesson, diagrams?: ReadonlyMap<string, string>): RenderedLesson {
  const env: RenderEnv = {
    exercises: lesson.exercises,
    nextExercise: 0,
    headings: [],
    usedIds: new Set(lesson.exercises.map((exercise) => `exercise-${exercise.id}`)),
    inExercise: false,
    diagrams,
  };
  const html = markdown.render(lesson.body, env);
  return { html, headings: env.headings };
}

/** An exercise's solve script as a runnable block in terminal 1, marked up like the lesson's own. */
export function renderSolveScript(script: string): string {
  return renderCode(script, readFenceInfo('sh exec'));
}

/** A Markdown snippet (a solution, a task) as HTML with the same rules, without heading ids or exercises. */
export function renderMarkdown(source: string): string {
  return markdown.render(source, {
    exercises: [],
    nextExercise: 0,
    headings: [],
    usedIds: new Set(),
    inExercise: true,
  } satisfies RenderEnv);
}
