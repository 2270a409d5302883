// The sandbox container's seccomp profile (why it looks as it does: README.md beside it), handed to
// Docker inline as the CLI does with `--security-opt seccomp=FILE`.
import { readFileSync } from 'node:fs';

const profile: unknown = JSON.parse(readFileSync(new URL('./sandbox.json', import.meta.url), 'utf8'));

export const SANDBOX_SECCOMP = `seccomp=${JSON.stringify(profile)}`;
