// A sentence from the server shown as text, with `backticked` commands as code: nothing in it becomes markup.
export function showSentence(element: HTMLElement, sentence: string): void {
  element.replaceChildren(
    ...sentence.split('`').map((part, index) => {
      if (index % 2 === 0) return document.createTextNode(part);
      const code = document.createElement('code');
      code.textContent = part;
      return code;
    }),
  );
}
