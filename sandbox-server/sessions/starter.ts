// Starter files: a lesson's files from lessons/starter/<slug>/, copied into the learner's workspace
// when the lesson is opened in a session. A file the learner already has is never overwritten.
import { readFile } from 'node:fs/promises';
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
    const content = await readFile(path.join(lessonsDir, 'starter', lesson.slug, file), 'utf8');
    await writeWorkspaceFile(sandboxes.host, sandbox, file, content);
    copied.push(file);
  }
  return copied;
}
