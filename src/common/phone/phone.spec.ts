import { maskPhone, parsePhone, PhoneParseError, PHONES_REMEMBERED, unencodedPlus } from './phone.js';

describe('parsePhone', () => {
  it('parses a mainland China mobile into E.164', () => {
    expect(parsePhone('+86', '18518768888')).toEqual({ e164: '+8618518768888', mcode: '+86', national: '18518768888', region: 'CN', type: 'MOBILE' });
  });

  it('tells the type of a valid number that is no mobile, for the app\'s policy to judge', () => {
    expect(parsePhone('+86', '4001234567')).toMatchObject({ e164: '+864001234567', type: 'SHARED_COST' });
    expect(parsePhone('+44', '9098790000')).toMatchObject({ region: 'GB', type: 'PREMIUM_RATE' });
    expect(parsePhone('+1', '2015550123').type).toBe('FIXED_LINE_OR_MOBILE');
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

  it('gives the normalised mcode and national number whatever separators or prefix were typed', () => {
    for (const [mcode, mobile] of [['+86', '139-1234-5671'], ['+86', '+8613912345671'], ['＋８６', '(139) 1234.5671'], ['+86', '139-1234-' + '-'.repeat(25) + '5671']]) {
      expect(parsePhone(mcode, mobile)).toMatchObject({ e164: '+8613912345671', mcode: '+86', national: '13912345671' });
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

  it('keeps a number asked again while others come and go, and forgets one not asked past its bound', () => {
    const kept = parsePhone('+86', '13800000000');
    const dropped = parsePhone('+86', '13700000000');
    for (let i = 1; i <= PHONES_REMEMBERED; i++) {
      parsePhone('+86', `139${String(i).padStart(8, '0')}`);
      if (i % 1000 === 0) expect(parsePhone('+86', '13800000000')).toBe(kept);
    }
    expect(parsePhone('+86', '13800000000')).toBe(kept);
    const judgedAgain = parsePhone('+86', '13700000000');
    expect(judgedAgain).not.toBe(dropped);
    expect(judgedAgain).toEqual(dropped);
  });

  it('keeps a country code and the digits after it apart', () => {
    // "+8" + "618518768888" and "+86" + "18518768888" spell the same characters.
    expect(parsePhone('+86', '18518768888').e164).toBe('+8618518768888');
    expect(() => parsePhone('+8', '618518768888')).toThrow(PhoneParseError);
  });
});

describe('unencodedPlus', () => {
  it('reads the space an unencoded + decodes to as that +, and nothing else', () => {
    expect(unencodedPlus(' 86')).toBe('+86');
    expect(unencodedPlus(' 852')).toBe('+852');
    expect(unencodedPlus('+86')).toBe('+86');
    for (const other of ['86', '0086', '  86', ' 8 6', ' 8612', ' ', '']) expect(unencodedPlus(other)).toBe(other);
  });
});
