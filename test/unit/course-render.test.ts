import { describe, expect, it } from 'vitest';
import { highlightCode } from '../../sandbox-server/course/highlight.ts';
import { parseLesson } from '../../sandbox-server/course/parse.ts';
import { renderLesson, renderMarkdown } from '../../sandbox-server/course/render.ts';
import type { Lesson } from '../../sandbox-server/course/types.ts';
import { parseFixture } from '../fixtures/lessons/fixtures.ts';

function fixtureLesson(): Lesson {
  const { lesson } = parseFixture('valid/01-hello-world.md');
  if (!lesson) throw new Error('the valid fixture lesson did not parse');
  return lesson;
}

function inlineLesson(body: string): Lesson {
  const text = `---\nslug: inline\ntitle: Inline\norder: 1\nsummary: S.\nminutes: 1\nimages: []\n---\n${body}`;
  const { lesson, problems } = parseLesson('01-inline.md', text, { images: [], starterExists: () => false });
  if (!lesson) throw new Error(`the inline lesson has problems: ${JSON.stringify(problems)}`);
  return lesson;
}

/** What a browser shows for an HTML fragment: tags removed, the entities our escaping emits decoded. */
function textOf(html: string): string {
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#39;': "'", '&amp;': '&' };
  return html.replace(/<[^>]*>/g, '').replace(/&(lt|gt|quot|#x27|#39|amp);/g, (entity) => entities[entity] ?? entity);
}

/** The opening tags and contents of every code block wrapper, in order. */
function codeBlocks(html: string): { open: string; code: string; buttons: string }[] {
  const pattern =
    /(<dockhand-code class="code-block"[^>]*>)<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>(<div class="code-actions">.*?<\/div>)<\/dockhand-code>/g;
  return [...html.matchAll(pattern)].map(([, open = '', code = '', buttons = '']) => ({ open, code, buttons }));
}

function attribute(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  return value === undefined ? undefined : textOf(value);
}

describe('renderLesson', () => {
  const lesson = fixtureLesson();
  const { html, headings } = renderLesson(lesson);

  it('escapes raw HTML in prose, hints and code: lessons cannot inject markup', () => {
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain("&lt;script&gt;alert('prose')&lt;/script&gt;");
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('Use &lt;b&gt;echo&lt;/b&gt; to print.');
  });

  it('wraps every code block with a copy button and keeps its exact text for the client', () => {
    const blocks = codeBlocks(html);
    // Four in the body and one inside the first exercise's task.
    expect(blocks).toHaveLength(5);
    for (const block of blocks) expect(block.buttons).toContain('data-code-action="copy"');
    const grep = blocks[1];
    expect(attribute(grep?.open ?? '', 'data-code')).toBe("docker logs -f web | grep '</script><b>&amp;'");
    expect(textOf(grep?.code ?? '')).toBe("docker logs -f web | grep '</script><b>&amp;'");
    expect(grep?.code).not.toContain('</script>');
    expect(attribute(blocks[2]?.open ?? '', 'data-code')).toBe('FROM busybox\nCMD ["echo", "<hello>"]');
  });

  it('marks exec blocks with a run button, interrupt and terminal; other blocks only get copy', () => {
    const [run, interrupt, dockerfile, text] = codeBlocks(html);
    expect(run?.open).toMatch(/ data-exec /);
    expect(attribute(run?.open ?? '', 'data-terminal')).toBe('1');
    expect(run?.open).not.toContain('data-interrupt');
    expect(run?.buttons).toContain('data-code-action="run"');
    expect(interrupt?.open).toMatch(/ data-exec /);
    expect(interrupt?.open).toMatch(/ data-interrupt>/);
    expect(attribute(interrupt?.open ?? '', 'data-terminal')).toBe('2');
    for (const plain of [dockerfile, text]) {
      expect(plain?.open).not.toMatch(/data-exec|data-terminal|data-interrupt/);
      expect(plain?.buttons).not.toContain('data-code-action="run"');
    }
  });

  it('highlights known languages on the server and leaves others as escaped text', () => {
    const [run, , dockerfile, text] = codeBlocks(html);
    expect(dockerfile?.code).toContain('<span class="hljs-keyword">FROM</span>');
    expect(run?.open).toContain('data-lang="sh"');
    expect(text?.code).toBe('plain &lt;text&gt; &amp; more');
    for (const lang of ['sh', 'shell', 'bash', 'dockerfile', 'yaml', 'json', 'python']) {
      const sample = {
        sh: 'echo "hi"',
        shell: 'echo "hi"',
        bash: 'echo "hi"',
        dockerfile: 'FROM x',
        yaml: 'a: "b"',
        json: '{"a": 1}',
        python: 'def f(): pass',
      }[lang];
      expect(
        highlightCode(sample ?? '', lang, (code) => code),
        lang,
      ).toContain('<span class="hljs-');
    }
    expect(highlightCode('<x>', 'text', (code) => code.replace('<', '&lt;'))).toBe('&lt;x>');
  });

  it('gives headings stable, unique ids and lists them for a table of contents', () => {
    expect(headings).toEqual([
      { id: 'what-is-a-container', text: 'What is a container?', level: 2 },
      { id: 'what-is-a-container-2', text: 'What is a container?', level: 2 },
      { id: 'clean-up', text: 'Clean up', level: 3 },
    ]);
    expect(html).toContain('<h2 id="what-is-a-container">What is a container?</h2>');
    expect(renderLesson(lesson)).toEqual({ html, headings });
  });

  it('turns exercise blocks into sections with title, task and hidden hints, never solutions or checks', () => {
    expect(html).toContain(
      '<dockhand-exercise><section class="exercise" id="exercise-first-run" data-exercise="first-run" data-checks="1">',
    );
    expect(html).toMatch(
      /<blockquote>\s*<dockhand-exercise><section class="exercise" id="exercise-clean-up" data-exercise="clean-up" data-checks="2">/,
    );
    expect(html).toContain('<h3 class="exercise-title">Run your first container</h3>');
    expect(html).toContain('Start a container named <code>greeter</code>');
    const hints = [...html.matchAll(/<li class="exercise-hint"[^>]*>/g)].map(([tag]) => tag);
    expect(hints).toEqual(['<li class="exercise-hint" data-hint="1" hidden>', '<li class="exercise-hint" data-hint="2" hidden>']);
    for (const secret of [
      'SOLVE-SECRET-TOKEN',
      'WRONG-SECRET-TOKEN',
      'SOLUTION-SECRET-TOKEN',
      'docker rm greeter',
      'greeter is still there',
      'kind:',
      'solve',
    ]) {
      expect(html).not.toContain(secret);
    }
  });

  it('keeps heading ids clear of exercise ids, gives task headings none, and shows no exercise block nested in a task', () => {
    const task = 'task: |\n  ### Inside\n\n  ```exercise\n  solve: NESTED-SOLVE\n  ```\n';
    const exercise = `\`\`\`\`exercise\nid: first-run\ntitle: T\n${task}checks:\n  - kind: script\n    run: "true"\nsolution: S.\nsolve: "true"\n\`\`\`\`\n`;
    const rendered = renderLesson(inlineLesson(`## Exercise first-run\n\n${exercise}`));
    expect(rendered.headings).toEqual([{ id: 'exercise-first-run-2', text: 'Exercise first-run', level: 2 }]);
    expect(rendered.html).toContain('<h3>Inside</h3>');
    expect(rendered.html).not.toContain('NESTED-SOLVE');
  });

  it('renders links normally and drops unsafe ones', () => {
    expect(html).toContain('<a href="https://docs.docker.com/">Docker docs</a>');
    const rendered = renderLesson(inlineLesson('[bad](javascript:alert(1)) and [good](/lessons/ports)\n'));
    expect(rendered.html).not.toContain('href="javascript');
    expect(rendered.html).toContain('<a href="/lessons/ports">good</a>');
  });

  it('renders a snippet such as a solution with the same rules, without heading ids or exercise blocks', () => {
    const snippet = renderMarkdown('## Why\n\n<b>bold</b>\n\n```sh exec\nls\n```\n\n```exercise\nsolve: HIDDEN\n```\n');
    expect(snippet).toContain('<h2>Why</h2>');
    expect(snippet).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(snippet).toMatch(/<dockhand-code class="code-block" data-lang="sh" data-code="ls" data-exec data-terminal="1">/);
    expect(snippet).not.toContain('HIDDEN');
  });
});
