// `npm run lessons:new -- <slug>`: the text of a new lesson with one exercise, ready to be filled in.
// It passes lessons:check as it is, and its self-test fails until the author writes the solve script:
// a scaffold that tested green would say a lesson works that nobody has written yet.
import { SLUG_PATTERN, SLUG_WHAT } from '../protocol/limits.ts';
import { LESSON_FILE_NAME } from './parse.ts';

export type Scaffold = { file: string; order: number; text: string };

/** The new lesson comes after every lesson in `files` (a course folder's names), padded like them. */
export function scaffoldLesson(slug: string, files: readonly string[]): Scaffold {
  if (!SLUG_PATTERN.test(slug)) throw new Error(`the slug "${slug}" must be ${SLUG_WHAT}, such as my-first-lesson`);
  const lessons = files.map((file) => LESSON_FILE_NAME.exec(file)).filter((match) => match !== null);
  const taken = lessons.find((match) => match[2] === slug);
  if (taken) throw new Error(`the course already has a lesson "${slug}" (${taken[0]}): choose another slug`);
  const order = Math.max(0, ...lessons.map((match) => Number(match[1]))) + 1;
  const width = Math.max(2, ...lessons.map((match) => (match[1] as string).length));
  return { file: `${String(order).padStart(width, '0')}-${slug}.md`, order, text: lessonText(slug, order) };
}

function titleOf(slug: string): string {
  const words = slug.split('-').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function lessonText(slug: string, order: number): string {
  const container = `${slug}-demo`;
  return `---
slug: ${slug}
title: ${titleOf(slug)}
order: ${order}
summary: One sentence that tells a learner what this lesson is about.
minutes: 15
images: [busybox]
---

# ${titleOf(slug)}

Write for someone new to Docker: say what a thing is for before how to type it. A block marked
\`exec\` runs in the learner's terminal with one click. Let it show the idea on other names than the
exercise asks for, so that clicking it does not solve the exercise.

\`\`\`sh exec
docker run --rm busybox echo "hello from ${slug}"
\`\`\`

## Try it yourself

\`\`\`exercise
id: first-exercise
title: Keep a container running
task: |
  Replace this task with your own. As it stands: start a container named \`${container}\` from the
  \`busybox\` image that keeps running.
checks:
  - kind: container
    name: ${container}
    state: running
hints:
  - "The idea first: a container runs as long as its main process does."
  - "Then the flag: \`-d\` starts it in the background, \`--name\` names it."
  - "Last, the whole command: \`docker run -d --name ${container} busybox sleep 1d\`."
solution: |
  Explain here, in a few sentences, how the task is solved and why.
wrong:
  # Answers a sharp learner might try that must NOT pass: here, a container that ends at once.
  - docker run --name ${container} busybox echo hello
solve: |
  # The commands that solve this exercise, typed wherever the learner stands, after the wrong answers
  # above (as a learner's come after a failed try: clear what is in the way, such as docker rm -f NAME).
  # Until they are written, \`npm run lessons:test\` reports this lesson as failing.
  echo "the solve script of ${slug}/first-exercise is not written yet" >&2
  exit 1
\`\`\`
`;
}
