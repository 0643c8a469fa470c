import { safeEqual } from './hashing.js';

describe('safeEqual', () => {
  it('is string equality', () => {
    expect(safeEqual('5f4dcc3b5aa765d61d8327deb882cf99', '5f4dcc3b5aa765d61d8327deb882cf99')).toBe(true);
    expect(safeEqual('5f4dcc3b5aa765d61d8327deb882cf99', '5f4dcc3b5aa765d61d8327deb882cf98')).toBe(false);
    expect(safeEqual('0', '1')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('登录', '登录')).toBe(true);
    expect(safeEqual('登录', '登陆')).toBe(false);
  });

  it('finds strings of unequal lengths unequal, whichever is longer and whatever they share', () => {
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('abcd', 'abc')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual('a', '')).toBe(false);
    // Past the shorter one's end, a NUL must not pass for nothing.
    expect(safeEqual('a\u0000', 'a')).toBe(false);
    expect(safeEqual('a', 'a\u0000')).toBe(false);
  });

  it('tells lone surrogates apart (UTF-8 made both U+FFFD)', () => {
    expect(safeEqual('\ud800', '\udc00')).toBe(false);
    expect(safeEqual('x\ud800', 'x\ufffd')).toBe(false);
    expect(safeEqual('\ud83d\ude00', '\ud83d\ude00')).toBe(true);
  });
});
