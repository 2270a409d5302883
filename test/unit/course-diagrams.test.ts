import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageRefs, readDiagram } from '../../sandbox-server/course/diagrams.ts';
import { LESSONS_DIR, loadCourse } from '../../sandbox-server/course/load.ts';
import { renderLesson } from '../../sandbox-server/course/render.ts';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Box</title><rect class="box" width="5" height="5"/></svg>';
const FRONT = '---\nslug: drawn\ntitle: Drawn\norder: 1\nsummary: A lesson with a diagram.\nminutes: 5\nimages: [busybox]\n---\n';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-diagrams-'));
  await mkdir(path.join(dir, 'assets'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lessonWith(body: string, svg = SVG) {
  await writeFile(path.join(dir, 'assets', 'box.svg'), svg);
  await writeFile(path.join(dir, '01-drawn.md'), `${FRONT}\nSome text.\n\n${body}\n`);
  return loadCourse(dir);
}

describe('diagrams in lessons', () => {
  it('draws a diagram inline, hidden from screen readers behind its text alternative', async () => {
    const course = await lessonWith('![A box, drawn & labelled](assets/box.svg)');
    expect(course.problems).toEqual([]);
    const [lesson] = course.lessons;
    if (!lesson) throw new Error('the lesson did not load');
    const { html } = renderLesson(lesson, course.diagrams);
    expect(html).toContain(
      '<span class="diagram" role="img" aria-label="A box, drawn &amp; labelled"><svg aria-hidden="true" focusable="false"',
    );
    expect(html).not.toContain('<img');
    // Without the course's diagrams, an image stays an image.
    expect(renderLesson(lesson).html).toContain('<img src="assets/box.svg" alt="A box, drawn &amp; labelled">');
  });

  it.each([
    ['an image outside assets/', '![A photo](photo.png)', SVG, 'the image "photo.png" must be a diagram in the course\'s assets folder'],
    ['no text alternative', '![](assets/box.svg)', SVG, 'the diagram assets/box.svg needs a text alternative'],
    ['a missing file', '![Gone](assets/gone.svg)', SVG, 'the diagram assets/gone.svg does not exist'],
    ['a file that is no SVG', '![Box](assets/box.svg)', 'GIF89a', 'the diagram assets/box.svg is not an SVG file'],
    ['a script', '![Box](assets/box.svg)', '<svg><script>alert(1)</script></svg>', 'holds scripts, event handlers or external references'],
    ['an event handler', '![Box](assets/box.svg)', '<svg><rect onclick="x()"/></svg>', 'holds scripts'],
    ['an external reference', '![Box](assets/box.svg)', '<svg><use href="https://example.org/a.svg#x"/></svg>', 'holds scripts'],
  ])('reports %s at its line, and keeps the lesson out', async (_what, body, svg, message) => {
    const course = await lessonWith(body, svg);
    expect(course.lessons).toEqual([]);
    expect(course.problems).toEqual([{ file: '01-drawn.md', line: 12, message: expect.stringContaining(message) }]);
  });

  it('finds images inside lists and paragraphs, with their body lines', () => {
    expect(imageRefs('Text\n\n- item ![One](assets/one.svg)\n\nand ![Two](assets/two.svg) here')).toEqual([
      { src: 'assets/one.svg', alt: 'One', line: 2 },
      { src: 'assets/two.svg', alt: 'Two', line: 4 },
    ]);
  });

  it("accepts every diagram of Dockhand's own course, each with a title and a description", async () => {
    const course = await loadCourse(LESSONS_DIR);
    expect(course.problems).toEqual([]);
    const files = (await readdir(path.join(LESSONS_DIR, 'assets'))).filter((file) => file.endsWith('.svg')).sort();
    expect([...course.diagrams.keys()].sort()).toEqual(files.map((file) => `assets/${file}`));
    for (const file of files) {
      const svg = await readFile(path.join(LESSONS_DIR, 'assets', file), 'utf8');
      expect(svg, file).toMatch(/<title>[^<]{10,}<\/title>\s*<desc>[^<]{40,}<\/desc>/);
      expect(await readDiagram(LESSONS_DIR, { src: `assets/${file}`, alt: 'x', line: 0 })).toHaveProperty('svg');
    }
  });
});
