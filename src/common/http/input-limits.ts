/**
 * How deep a JSON body may nest. The deepest legitimate body nests four levels
 * (an app's `code_policy.test_numbers[i]` in the admin API; the seed dialects'
 * bodies are flat but for Authing's `phonePassCodePayload`). Deeper bodies cost
 * JSON.parse, and then class-transformer's recursion, time and stack for nothing:
 * 20,000 levels overflowed the stack after blocking the event loop.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * How many values one body or query string may hold: the members and elements of
 * a JSON body's objects and arrays, a form's fields, a query string's parameters.
 * The largest legitimate body holds about 350 (an app with all 250 countries
 * allowed and 20 test numbers). class-transformer walks every value, unknown ones
 * included, and its cost grows with the square of an object's keys: 70,000 keys
 * took 5 s of one core, 1,000 take a few milliseconds.
 */
export const MAX_INPUT_VALUES = 1000;

/**
 * Why a JSON text is refused before JSON.parse builds it: it nests deeper than
 * {@link MAX_BODY_DEPTH} or holds more than `maxValues` ({@link MAX_INPUT_VALUES} unless the route says otherwise).
 * One pass over the bytes, skipping strings (UTF-8 never puts a delimiter byte
 * inside a multi-byte character); whether the text is JSON at all is left to
 * JSON.parse. Undefined when the text is within the limits.
 */
export function jsonBeyondLimits(body: Buffer, maxValues = MAX_INPUT_VALUES): string | undefined {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < body.length; i++) {
    switch (body[i]) {
      case 0x22: // a string: skipped to its closing quote, escapes and all
        for (i++; i < body.length && body[i] !== 0x22; i++) if (body[i] === 0x5c) i++;
        break;
      case 0x5b: // [
      case 0x7b: {
        // {
        if (++depth > MAX_BODY_DEPTH) return `the JSON body nests deeper than ${MAX_BODY_DEPTH} levels`;
        // A container holds one value more than it has commas, unless it is empty.
        let next = i + 1;
        while (next < body.length && isSpace(body[next])) next++;
        if (next < body.length && body[next] !== 0x5d && body[next] !== 0x7d && ++values > maxValues) return tooManyValues('JSON body', maxValues);
        i = next - 1;
        break;
      }
      case 0x5d: // ]
      case 0x7d: // }
        depth--;
        break;
      case 0x2c: // ,
        if (++values > maxValues) return tooManyValues('JSON body', maxValues);
        break;
    }
  }
  return undefined;
}

/** Why a form body is refused before it is parsed: more than {@link MAX_INPUT_VALUES} fields (one more than its `&`s). */
export function formBeyondLimits(body: Buffer): string | undefined {
  let fields = 1;
  for (let at = body.indexOf(0x26); at !== -1; at = body.indexOf(0x26, at + 1)) {
    if (++fields > MAX_INPUT_VALUES) return tooManyValues('form body');
  }
  return undefined;
}

/** Why a parsed query string is refused: more than {@link MAX_INPUT_VALUES} parameters, a repeated one counting once per occurrence. */
export function queryBeyondLimits(query: unknown): string | undefined {
  if (query === null || typeof query !== 'object') return undefined;
  let values = 0;
  for (const key in query) {
    const value = (query as Record<string, unknown>)[key];
    values += Array.isArray(value) ? value.length : 1;
    if (values > MAX_INPUT_VALUES) return tooManyValues('query string');
  }
  return undefined;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function tooManyValues(what: string, max = MAX_INPUT_VALUES): string {
  return `the ${what} holds more than ${max} values`;
}
