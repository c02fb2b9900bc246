// Emits checked values into nginx's configuration language. Strings the whitelists in
// shared/nginx-values.ts cannot cover (free text) go through quoteString, which nginx reads back as
// exactly one token holding exactly the user's characters.

/**
 * A double-quoted nginx string holding exactly `value`. Inside quotes nginx's tokenizer ends the
 * token only at an unescaped `"`, and turns `\"` and `\\` back into `"` and `\`; ";", "{", "}"
 * and "#" are ordinary characters there. Callers have already refused control characters.
 */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * For directives whose argument is a complex value (add_header, return text): "$" would start a
 * variable, and nginx has no escape for it, so each "$" becomes the variable `${ng_dollar}`,
 * which the main config defines with `geo` (geo values are never interpolated) as a literal "$".
 */
export function quoteComplexValue(value: string): string {
  return quoteString(value).replace(/\$/g, '${ng_dollar}');
}

/**
 * A PCRE fragment matching `value` literally, written without backslashes: each metacharacter
 * goes into its own bracket class ("]" outside a class is literal already). "^", "\\" and "$" never
 * get here (refused by the checks).
 */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?()|[{}]/g, (c) => `[${c}]`);
}
