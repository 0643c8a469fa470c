import { unstorableIn, withinChars } from './storable-text.js';

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
