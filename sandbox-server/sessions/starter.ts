// Starter files: a lesson's files from lessons/starter/<slug>/, copied into the learner's workspace
// when the lesson is opened in a session. A file the learner already has is never overwritten.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Lesson } from '../course/types.ts';
import { writeWorkspaceFile } from '../files/workspace.ts';
import type { Sandbox } from '../sandboxes/sandbox.ts';
import type { SandboxService } from '../sandboxes/service.ts';

export async function copyStarterFiles(sandboxes: SandboxService, sandbox: Sandbox, lesson: Lesson, lessonsDir: string): Promise<string[]> {
  const copied: string[] = [];
  for (const file of lesson.starter) {
    const exists = await sandboxes.run(sandbox, ['test', '-e', `/home/learner/workspace/${file}`]);
    if (exists.exitCode === 0) continue;
    const source = path.join(lessonsDir, 'starter', lesson.slug, file);
    await writeWorkspaceFile(sandboxes.host, sandbox, file, await readFile(source, 'utf8'));
    // Scripts stay runnable, as they would be in a git checkout.
    if ((await stat(source)).mode & 0o111) await sandboxes.run(sandbox, ['chmod', '+x', `/home/learner/workspace/${file}`]);
    copied.push(file);
  }
  return copied;
}
