// What a fenced block's info string says: an exercise, or a code block with its run attributes
// (`sh exec interrupt terminal=2`). Shared by the parser (to report problems) and the renderer.
import markdownIt, { type MarkdownIt } from 'markdown-it';

export type FenceInfo =
  | { kind: 'exercise'; problems: string[] }
  | { kind: 'code'; lang: string; exec: boolean; interrupt: boolean; terminal: number; problems: string[] };

const ATTRIBUTES = 'exec, interrupt and terminal=N';

/** One configuration for parsing and rendering, so both see the same blocks. Raw HTML stays text. */
export function lessonMarkdown(): MarkdownIt {
  return markdownIt({ html: false, linkify: false, typographer: false });
}

export function readFenceInfo(info: string): FenceInfo {
  const words = info.trim().split(/\s+/).filter(Boolean);
  if (words[0] === 'exercise') {
    return {
      kind: 'exercise',
      problems: words.length > 1 ? [`an exercise block takes nothing after "exercise" (found "${words.slice(1).join(' ')}")`] : [],
    };
  }
  const first = words[0] ?? '';
  const isAttribute = first === 'exec' || first === 'interrupt' || first.startsWith('terminal=');
  const lang = isAttribute ? '' : first;
  const fence: FenceInfo = { kind: 'code', lang, exec: false, interrupt: false, terminal: 1, problems: [] };
  for (const word of isAttribute ? words : words.slice(1)) {
    if (word === 'exec') fence.exec = true;
    else if (word === 'interrupt') fence.interrupt = true;
    else if (word.startsWith('terminal=')) {
      const value = word.slice('terminal='.length);
      if (/^[1-9]\d{0,2}$/.test(value)) fence.terminal = Number(value);
      else fence.problems.push(`code block attribute "${word}" needs a terminal number of at least 1, such as terminal=2`);
    } else fence.problems.push(`unknown code block attribute "${word}" (use ${ATTRIBUTES})`);
  }
  const runOnly = [fence.interrupt && 'interrupt', words.some((word) => word.startsWith('terminal=')) && 'terminal=N'].filter(Boolean);
  if (!fence.exec && runOnly.length > 0)
    fence.problems.push(`code block has ${runOnly.join(' and ')} but no exec: add exec, or remove them`);
  return fence;
}
