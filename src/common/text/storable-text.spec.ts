import { storableId, storableText, unstorableIn, withinChars } from './storable-text.js';

describe('withinChars', () => {
  it('counts a surrogate pair as one character, as Postgres does', () => {
    expect(withinChars('😀'.repeat(4), 4)).toBe(true);
    expect(withinChars('😀'.repeat(5), 4)).toBe(false);
  });

  it('counts a variation selector as a character of its own', () => {
    expect(withinChars('a\uFE0F'.repeat(2), 4)).toBe(true);
    expect(withinChars('a\uFE0F'.repeat(2) + 'a', 4)).toBe(false);
  });

  it('takes a lone surrogate as one character and an empty string as none', () => {
    expect(withinChars('\uD800abc', 4)).toBe(true);
    expect(withinChars('', 0)).toBe(true);
  });
});

describe('unstorableIn', () => {
  it('names NUL and unpaired surrogates, and lets a well-formed pair pass', () => {
    expect(unstorableIn('a\u0000b')).toBe('NUL characters');
    expect(unstorableIn('a\uDC00')).toBe('unpaired surrogates');
    expect(unstorableIn('😀')).toBeUndefined();
  });
});

describe('storableText', () => {
  it('takes strings, numbers and booleans as text, and nothing else', () => {
    expect(storableText('OK', 10)).toBe('OK');
    expect(storableText(12345, 10)).toBe('12345');
    expect(storableText(false, 10)).toBe('false');
    for (const value of [null, undefined, { a: 1 }, ['x']]) expect(storableText(value, 10)).toBeNull();
  });

  it('replaces control and bidirectional formatting characters and unpaired surrogates, keeping tabs, line feeds and pairs', () => {
    expect(storableText('a\u0000b\u001b[31m\u009bc\u202ed\u2066e\ud800', 50)).toBe('a\ufffdb\ufffd[31m\ufffdc\ufffdd\ufffde\ufffd');
    expect(storableText('tab\there\nline 😀', 50)).toBe('tab\there\nline 😀');
  });

  it('bounds the text in code points, never cutting a pair', () => {
    expect(storableText('😀'.repeat(10), 3)).toBe('😀😀😀');
    expect(storableText('x'.repeat(10_000), 5)).toBe('xxxxx');
  });
});

describe('storableId', () => {
  it('keeps 1 to 128 printable ASCII characters, and nothing else', () => {
    expect(storableId('123456^0')).toBe('123456^0');
    for (const value of ['', 'a b', '1\u0000', 'x'.repeat(129), 'é', 7, { a: 1 }]) expect(storableId(value)).toBeNull();
  });
});
