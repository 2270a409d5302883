// Starter files: a lesson's files from lessons/starter/<slug>/, copied into the learner's workspace
// when the lesson is opened in a session. A file the learner already has is never overwritten.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Lesson } from '../course/types.ts';
import { writeWorkspaceFile } from '../files/workspace.ts';
import { runAsLearner, type Sandbox, type SandboxBackend } from '../sandboxes/backend.ts';
import { WORKSPACE_DIR } from '../sandboxes/learner.ts';

export async function copyStarterFiles(sandboxes: SandboxBackend, sandbox: Sandbox, lesson: Lesson, lessonsDir: string): Promise<string[]> {
  const copied: string[] = [];
  for (const file of lesson.starter) {
    const exists = await runAsLearner(sandboxes, sandbox, ['test', '-e', `${WORKSPACE_DIR}/${file}`]);
    if (exists.exitCode === 0) continue;
    const source = path.join(lessonsDir, 'starter', lesson.slug, file);
    await writeWorkspaceFile(sandboxes, sandbox, file, await readFile(source, 'utf8'));
    // Scripts stay runnable, as they would be in a git checkout.
    if ((await stat(source)).mode & 0o111) await runAsLearner(sandboxes, sandbox, ['chmod', '+x', `${WORKSPACE_DIR}/${file}`]);
    copied.push(file);
  }
  return copied;
}
