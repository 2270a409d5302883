// A component's parts, found inside the component by their data-part name and checked for their type:
// a missing or misplaced part throws a sentence naming it at once, where a cast would fail later and
// elsewhere. (Starlight's components find their parts the same way: scoped queries, never the document.)

/** The element marked data-part="name" inside root, of the given type (HTMLElement by default). */
export function part<T extends Element = HTMLElement>(root: ParentNode, name: string, type?: abstract new () => T): T {
  const found = root.querySelector(`[data-part="${name}"]`);
  const expected = type ?? HTMLElement;
  if (!(found instanceof expected)) {
    const where = root instanceof Element ? `<${root.localName}>` : 'The page';
    throw new Error(`${where} has no ${name} part${found ? ` of the right kind (found <${found.localName}>)` : ''}.`);
  }
  return found as T;
}
