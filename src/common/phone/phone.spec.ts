import { maskPhone, parsePhone, PhoneParseError } from './phone.js';

describe('parsePhone', () => {
  it('parses a mainland China mobile into E.164', () => {
    expect(parsePhone('+86', '18518768888')).toEqual({ e164: '+8618518768888', mcode: '+86', national: '18518768888', region: 'CN' });
  });

  it('gives full-width and Arabic-Indic spellings the same identity as ASCII', () => {
    const ascii = parsePhone('+86', '18518768888').e164;
    expect(parsePhone('+86', '１８５１８７６８８８８').e164).toBe(ascii);
    expect(parsePhone('+86', '١٨٥١٨٧٦٨٨٨٨').e164).toBe(ascii);
    expect(parsePhone('+86', '185 1876-8888').e164).toBe(ascii);
  });

  it.each([
    ['+86', '12345678901', 'mobile_invalid'],
    ['+86', '1851876888', 'mobile_invalid'],
    ['+86', '1851876888a', 'mobile_invalid'],
    ['+86', '', 'mobile_invalid'],
    ['86', '18518768888', 'mcode_invalid'],
    ['+', '18518768888', 'mcode_invalid'],
    ['+9999', '18518768888', 'mcode_invalid'],
    ['+1', '+8618518768888', 'mobile_invalid'],
  ])('refuses mcode %p mobile %p as %s', (mcode, mobile, problem) => {
    try {
      parsePhone(mcode, mobile);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(PhoneParseError);
      expect((err as PhoneParseError).problem).toBe(problem);
    }
  });

  it('masks the middle of a number', () => {
    expect(maskPhone('+8618518768888')).toBe('+86185****8888');
  });
});

describe('parsePhone, asked again', () => {
  it('answers a repeated number from memory exactly as the first time', () => {
    const first = parsePhone('+86', '185 1876 8888');
    expect(parsePhone('+86', '18518768888')).toEqual(first);
    expect(() => parsePhone('+86', '12345')).toThrow(PhoneParseError);
    expect(() => parsePhone('+86', '12345')).toThrow(PhoneParseError);
  });

  it('keeps a country code and the digits after it apart', () => {
    // "+8" + "618518768888" and "+86" + "18518768888" spell the same characters.
    expect(parsePhone('+86', '18518768888').e164).toBe('+8618518768888');
    expect(() => parsePhone('+8', '618518768888')).toThrow(PhoneParseError);
  });
});
