// Syntax highlighting at render time, on the server, so pages need no client code for it. Only the
// languages lessons use are registered, on a private instance (the global one stays untouched).
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import yaml from 'highlight.js/lib/languages/yaml';

const highlighter = hljs.newInstance();
for (const [name, language] of Object.entries({ bash, dockerfile, json, python, yaml })) highlighter.registerLanguage(name, language);

/** Info-string language → registered grammar. */
const GRAMMARS: Record<string, string> = {
  sh: 'bash',
  shell: 'bash',
  bash: 'bash',
  dockerfile: 'dockerfile',
  docker: 'dockerfile',
  yaml: 'yaml',
  yml: 'yaml',
  json: 'json',
  python: 'python',
  py: 'python',
};

/** HTML for the inside of a <code> element: highlighted when the language is known, escaped always. */
export function highlightCode(code: string, lang: string, escapeHtml: (text: string) => string): string {
  const grammar = GRAMMARS[lang.toLowerCase()];
  return grammar ? highlighter.highlight(code, { language: grammar, ignoreIllegals: true }).value : escapeHtml(code);
}
