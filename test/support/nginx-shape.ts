// nginx's configuration as its tokenizer sees it, for tests that prove a user value stayed one
// token. Pure (no Node), so unit tests of the renderer in src/core can use it too.

/**
 * The shape of an nginx configuration as nginx's own tokenizer sees it: one line per directive,
 * "context>context>name/argument-count" (entries of map and geo blocks as "<entry>"). A user
 * value that stays one token leaves the shape of a rendering unchanged; one that injected a
 * directive, a block or an argument changes it.
 */
export function configShape(text: string): string[] {
  const shape: string[] = [];
  const stack: string[] = [];
  let words: string[] = [];
  let i = 0;
  const flush = (end: string): void => {
    if (end === '{') {
      shape.push(`${stack.join('>')}>${words[0] ?? ''}/${words.length - 1}{`);
      stack.push(words[0] ?? '');
    } else if (end === ';') {
      // Inside map and geo blocks the first word is a key, not a directive.
      const inTable = stack[stack.length - 1] === 'map' || stack[stack.length - 1] === 'geo';
      shape.push(`${stack.join('>')}>${inTable ? '<entry>' : (words[0] ?? '')}/${words.length - 1}`);
    } else {
      shape.push(`${stack.join('>')}}`);
      stack.pop();
    }
    words = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ';' || c === '{' || c === '}') {
      flush(c);
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      words.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s;{}]/.test(text[j]!)) j += text[j] === '\\' ? 2 : 1;
      words.push(text.slice(i, j));
      i = j;
    }
  }
  if (words.length > 0) shape.push(`unterminated:${words.length}`);
  return shape;
}
